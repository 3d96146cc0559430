/**
 * "Deploys" a stack without AWS: from the real provider's plan of the stack
 * (created from nothing), builds the configuration and the override values
 * with which `terraform test` applies it through `override_resource` (no
 * provider call), so that the state it records is the one the provider
 * would have planned: every default the provider fills in, every attribute
 * AWS would compute given a fake but well-formed value.
 *
 * Why the configuration is rewritten: an overridden resource is never
 * planned by the provider (Terraform 1.11 uses the configuration as the
 * planned value and fills only computed attributes from the override), so
 * provider defaults that are not computed attributes (an IAM role's path
 * "/", a KMS key's usage, ...) would be missing from the state and the next
 * real plan would replace those resources. Writing the provider's planned
 * values into the configuration puts them in the state.
 */
import type { PlanResourceChange, ProviderSchemaBlock, StackJson } from "./types";
import { computedSpecials, computedString } from "./fake-aws";

/** What a runbook step did to AWS outside Terraform, as the next refresh would read it. */
export interface StateEdit {
  /** The AWS action, as the runbook gives it. */
  readonly action: string;
  readonly type: string;
  /** Selects resources by their planned values (e.g. identifier). */
  readonly where: (values: Readonly<Record<string, unknown>>) => boolean;
  /** Attributes after the action (null: unset). */
  readonly set: Readonly<Record<string, unknown>>;
}

export interface DeployedState {
  /** The configuration to "apply" (the stack with the planned values written in, edits applied). */
  readonly config: StackJson;
  /** override_resource blocks: every managed resource, with its computed values. */
  readonly overrides: ReadonlyArray<{ target: string; values: Record<string, unknown> }>;
  /** Addresses each edit changed. */
  readonly edited: ReadonlyArray<{ action: string; addresses: string[] }>;
}

const META_KEYS = new Set(["//", "provider", "depends_on", "lifecycle", "count", "for_each", "connection", "provisioner"]);

/** A literal value inside Terraform JSON syntax: "${" and "%{" start templates, so they are escaped. */
export function literal(v: unknown): unknown {
  if (typeof v === "string") return v.replace(/\$\{/g, () => "$${").replace(/%\{/g, () => "%%{");
  if (Array.isArray(v)) return v.map(literal);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, literal(x)]));
  return v;
}

/** Whether a planned value is entirely known (after_unknown marks what is not). */
export function isKnown(unknown: unknown): boolean {
  if (unknown === true) return false;
  if (Array.isArray(unknown)) return unknown.every(isKnown);
  if (unknown && typeof unknown === "object") return Object.values(unknown).every(isKnown);
  return true;
}

/**
 * The block's configuration with every known planned value of an argument
 * the provider does not compute written in (its defaults: an IAM role's path,
 * a KMS key's usage, ...), recursively into nested blocks. What the
 * configuration sets (literals and references alike) is kept as it is.
 * Computed arguments go to the override values instead (computedValues).
 */
export function withPlannedValues(block: ProviderSchemaBlock, config: Record<string, any> | undefined, planned: Record<string, any> | undefined, unknown: unknown): Record<string, any> {
  const out: Record<string, any> = { ...(config ?? {}) };
  const unk = asObject(unknown);
  const after = planned ?? {};
  for (const [name, attr] of Object.entries(block.attributes ?? {})) {
    if (name in out || attr.write_only || attr.computed) continue;
    const v = after[name];
    if (v === null || v === undefined || !isKnown(unk[name])) continue;
    out[name] = literal(v);
  }
  for (const [name, bt] of Object.entries(block.block_types ?? {})) {
    const v = after[name];
    if (v === null || v === undefined || (Array.isArray(v) && v.length === 0)) continue;
    const cfg = out[name];
    if (typeof cfg === "string") continue; // a whole-block expression: keep it
    if (bt.nesting_mode === "single" || bt.nesting_mode === "group") {
      out[name] = withPlannedValues(bt.block, Array.isArray(cfg) ? cfg[0] : cfg, v, unk[name]);
      continue;
    }
    const items: any[] = Array.isArray(v) ? v : [v];
    const cfgItems: any[] = cfg === undefined ? items.map(() => undefined) : Array.isArray(cfg) ? cfg : [cfg];
    if (cfgItems.length !== items.length) continue; // sets the provider expanded: keep the configuration
    const unkItems = Array.isArray(unk[name]) ? (unk[name] as unknown[]) : [];
    out[name] = items.map((item, i) => withPlannedValues(bt.block, cfgItems[i], item, unkItems[i]));
  }
  return out;
}

function asObject(v: unknown): Record<string, unknown> {
  return (v && typeof v === "object" && !Array.isArray(v) ? v : {}) as Record<string, unknown>;
}

/**
 * Override values of the computed attributes the configuration leaves
 * unset: what the plan already knows (null included: an attribute the
 * provider leaves empty), else a plausible value in AWS's format
 * (fake-aws.ts). Nested blocks get one object that Terraform applies to each
 * of their elements (the first element's values).
 */
function computedValues(block: ProviderSchemaBlock, type: string, address: string, config: Record<string, any> | undefined, after: Record<string, any> | undefined, unknown: unknown, region: string, top: boolean): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  const unk = asObject(unknown);
  const cfg = config ?? {};
  for (const [name, attr] of Object.entries(block.attributes ?? {})) {
    if (!attr.computed || name in cfg) continue;
    const v = after?.[name];
    if (v !== undefined && isKnown(unk[name])) values[name] = v;
    else if (attr.type === "string") values[name] = top ? computedString(type, address, name, region) : "";
  }
  for (const [name, bt] of Object.entries(block.block_types ?? {})) {
    const v = after?.[name];
    const first = (x: unknown) => (Array.isArray(x) ? x[0] : x);
    if (v === null || v === undefined || (Array.isArray(v) && v.length === 0) || typeof cfg[name] === "string") continue;
    const nested = computedValues(bt.block, type, address, first(cfg[name]), first(v), first(unk[name]), region, false);
    if (Object.keys(nested).length) values[name] = nested;
  }
  return top ? { ...values, ...computedSpecials(type, address, { ...after, ...cfg }, region) } : values;
}

/**
 * The resource's meta-arguments with the attributes an AWS action wrote taken
 * out of `lifecycle.ignore_changes`: the "apply" that records AWS's change
 * updates an existing state, and an ignored attribute would keep its old
 * value there (the plan that follows uses the stack's own lifecycle again).
 */
function withoutIgnored(meta: Record<string, any>, written: ReadonlySet<string>): Record<string, any> {
  const ignored = meta.lifecycle?.ignore_changes;
  if (!written.size || !Array.isArray(ignored)) return meta;
  const kept = ignored.filter((a: string) => !written.has(a));
  const out: Record<string, any> = { ...meta, lifecycle: { ...meta.lifecycle, ignore_changes: kept } };
  if (!kept.length) delete out.lifecycle.ignore_changes;
  if (!Object.keys(out.lifecycle).length) delete out.lifecycle;
  return out;
}

/**
 * The deployed state of `stack` as its plan from nothing (`plan`) describes
 * it, then changed by the runbook's AWS actions (`edits`).
 */
export function deployedState(
  stack: StackJson,
  plan: readonly PlanResourceChange[],
  schemas: Readonly<Record<string, ProviderSchemaBlock>>,
  regionOf: (providerRef: string | undefined) => string,
  edits: readonly StateEdit[] = [],
): DeployedState {
  const byAddress = new Map(plan.filter((r) => r.mode === "managed").map((r) => [r.address, r]));
  const config: StackJson = JSON.parse(JSON.stringify(stack));
  const overrides: Array<{ target: string; values: Record<string, unknown> }> = [];
  const edited = edits.map((e) => ({ action: e.action, addresses: [] as string[] }));
  for (const [type, resources] of Object.entries(config.resource ?? {})) {
    const schema = schemas[type];
    if (!schema) throw new Error(`offline plan: the provider schema has no resource type ${type}`);
    for (const [name, body] of Object.entries(resources)) {
      const address = `${type}.${name}`;
      const rc = byAddress.get(address);
      if (!rc) throw new Error(`offline plan: ${address} is not in the stack's plan (count/for_each are not supported by the harness)`);
      const meta = Object.fromEntries(Object.entries(body).filter(([k]) => META_KEYS.has(k)));
      const args = Object.fromEntries(Object.entries(body).filter(([k]) => !META_KEYS.has(k)));
      let merged = withPlannedValues(schema, args, rc.change.after ?? undefined, rc.change.after_unknown);
      const unset = new Set<string>();
      const written = new Set<string>();
      edits.forEach((e, i) => {
        if (e.type !== type || !e.where({ ...rc.change.after, ...args })) return;
        merged = { ...merged };
        for (const [k, v] of Object.entries(e.set)) {
          written.add(k);
          if (v === null) {
            delete merged[k];
            unset.add(k);
          } else {
            merged[k] = literal(v);
            unset.delete(k);
          }
        }
        edited[i].addresses.push(address);
      });
      const values = computedValues(schema, type, address, merged, rc.change.after ?? undefined, rc.change.after_unknown, regionOf(body.provider), true);
      // What AWS unset reads as null, not as the value planned at creation
      // (a computed attribute would otherwise be refilled from the plan).
      for (const k of unset) if (schema.attributes?.[k]?.computed) values[k] = null;
      resources[name] = { ...merged, ...withoutIgnored(meta, written) };
      overrides.push({ target: address, values });
    }
  }
  const unmatched = edited.filter((e) => e.addresses.length === 0);
  if (unmatched.length) throw new Error(`offline plan: the runbook action(s) ${unmatched.map((e) => `"${e.action}"`).join(", ")} match no resource of the stack`);
  return { config, overrides, edited };
}

/**
 * The resource changes that give the values of `from`'s resources: the
 * created state's plan, plus, for a resource the last deploy (`from`) added
 * and the created state does not hold (AWS Backup's plan, created where the
 * database writes again), `from`'s own plan from nothing: the values the
 * provider plans for it when that deploy created it.
 */
export function fromResourceChanges(created: readonly PlanResourceChange[], from: readonly PlanResourceChange[] | undefined): PlanResourceChange[] {
  const have = new Set(created.map((r) => r.address));
  return [...created, ...(from ?? []).filter((r) => r.mode === "managed" && !have.has(r.address))];
}

/**
 * Overrides of the resources the created state holds and `from`'s config no
 * longer declares: the deploy of `from` destroyed them (that destroy is its
 * own check, e.g. failback-5-primary's "replication stopped"). The
 * aws_actions run that records that deploy overrides them too, with their
 * deployed values, so Terraform removes them from state without calling AWS
 * (like every other resource of that run: override_resource means no
 * provider call, for the refresh and for the destroy). Without it, their
 * refresh reached the responder (GetParameter,
 * DescribeDBInstanceAutomatedBackups, GetBackupPlan) and was refused.
 */
export function removedByLastDeploy(
  deployed: ReadonlyArray<{ target: string; values: Record<string, unknown> }>,
  edited: ReadonlyArray<{ target: string; values: Record<string, unknown> }>,
): Array<{ target: string; values: Record<string, unknown> }> {
  const kept = new Set(edited.map((o) => o.target));
  return deployed.filter((o) => !kept.has(o.target));
}
