import type { ValidConfig } from "../config";

/** A stack's synthesized Terraform JSON (what `cdktf synth` writes). */
export interface StackJson {
  terraform?: Record<string, any>;
  provider?: Record<string, any[]>;
  resource?: Record<string, Record<string, any>>;
  data?: Record<string, Record<string, any>>;
  output?: Record<string, any>;
}

/** One resource (or data source) of a synthesized stack. */
export interface ResourceView {
  readonly stack: string;
  readonly type: string;
  readonly name: string;
  /** Terraform address, e.g. aws_kms_key.RegionKey_260269EC (data.… for data sources). */
  readonly address: string;
  /** Construct path, e.g. primary/RegionKey/Key (suppressions attach to paths). */
  readonly path: string;
  readonly config: Record<string, any>;
}

export type Verdict =
  | { readonly status: "compliant" }
  | { readonly status: "not-applicable" }
  | { readonly status: "non-compliant"; readonly message: string };

export const COMPLIANT: Verdict = { status: "compliant" };
export const NOT_APPLICABLE: Verdict = { status: "not-applicable" };
export const fail = (message: string): Verdict => ({ status: "non-compliant", message });

/** The synthesized app as the rules see it. */
export interface PolicyInput {
  readonly config: ValidConfig;
  readonly stacks: Readonly<Record<string, StackJson>>;
}

interface RuleBase {
  /** Stable id, e.g. DRW-ENC-001. */
  readonly id: string;
  /** One line: what the rule requires. */
  readonly description: string;
  /** How to comply. */
  readonly fix: string;
}

/** A check of one resource at a time. */
export interface ResourceRule extends RuleBase {
  readonly kind: "resource";
  /** Resource types the rule looks at ("data.<type>" for data sources). */
  readonly resourceTypes: readonly string[];
  check(resource: ResourceView, ctx: PolicyContext): Verdict;
}

/** A check across the whole app (DR rules): one verdict per resource it names. */
export interface AppRule extends RuleBase {
  readonly kind: "app";
  check(ctx: PolicyContext): Array<{ resource: ResourceView | StackAnchor; verdict: Verdict }>;
}

/** A finding about a stack as a whole (e.g. its backend), not one resource. */
export interface StackAnchor {
  readonly stack: string;
  readonly address: string;
  readonly path: string;
}

export type PolicyRule = ResourceRule | AppRule;

/** What a rule can ask of the synthesized app. */
export interface PolicyContext {
  readonly config: ValidConfig;
  readonly stackNames: readonly string[];
  /** Every resource of a type in a stack (or in every stack). */
  resources(type: string, stack?: string): ResourceView[];
  /** The resource or data source a "${type.name.attr}" expression references, in the given stack. */
  deref(stack: string, expression: unknown): ResourceView | undefined;
  /** A stack's raw JSON (backend, providers). */
  stackJson(stack: string): StackJson;
  /** Region of the provider a resource uses. */
  regionOf(resource: ResourceView): string | undefined;
}
