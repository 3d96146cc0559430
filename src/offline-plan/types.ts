/** Shapes of the JSON the offline plan reads (Terraform's JSON plan format v1.x and cdktf's stack JSON). */

/** A synthesized stack (cdktf.out/stacks/<name>/cdk.tf.json). */
export interface StackJson {
  terraform: Record<string, any>;
  provider?: Record<string, Array<Record<string, any>>>;
  resource?: Record<string, Record<string, Record<string, any>>>;
  data?: Record<string, Record<string, Record<string, any>>>;
  ephemeral?: Record<string, Record<string, Record<string, any>>>;
  output?: Record<string, { value: unknown; description?: string; sensitive?: boolean }>;
  [key: string]: unknown;
}

/** A block of a provider schema (`terraform providers schema -json`). */
export interface ProviderSchemaBlock {
  attributes?: Record<string, { type?: unknown; optional?: boolean; required?: boolean; computed?: boolean; write_only?: boolean; sensitive?: boolean }>;
  block_types?: Record<string, { nesting_mode: string; block: ProviderSchemaBlock; max_items?: number; min_items?: number }>;
}

export type Action = "no-op" | "create" | "read" | "update" | "delete";

/** One entry of a JSON plan's resource_changes. */
export interface PlanResourceChange {
  address: string;
  mode: "managed" | "data";
  type: string;
  name: string;
  provider_name?: string;
  action_reason?: string;
  change: {
    actions: Action[];
    before: Record<string, any> | null;
    after: Record<string, any> | null;
    after_unknown?: Record<string, unknown>;
    replace_paths?: unknown[][];
  };
}

export interface PlanOutputChange {
  actions: Action[];
  before: unknown;
  after: unknown;
  after_unknown?: unknown;
}

/** A diagnostic of `terraform test -json` (warnings and errors). */
export interface Diagnostic {
  readonly severity: "error" | "warning";
  readonly summary: string;
  readonly detail?: string;
  readonly address?: string;
  /** Where in the configuration, e.g. data.aws_rds_engine_version.X.lifecycle.postcondition[0] (the snippet's context). */
  readonly context?: string;
  /** The run block it belongs to, if any. */
  readonly run?: string;
}

/** What one run block of a test file produced. */
export interface RunResult {
  readonly name: string;
  readonly status: "pass" | "fail" | "error" | "skip" | "missing";
  readonly resourceChanges?: PlanResourceChange[];
  readonly outputChanges?: Record<string, PlanOutputChange>;
}
