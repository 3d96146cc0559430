import type { PolicyContext, PolicyInput, ResourceView, StackJson } from "./types";

const REF = /^\$\{(data\.)?([a-z0-9_]+)\.([A-Za-z0-9_-]+)(?:\.|\[|\})/;

/** Builds the rules' view of a synthesized app. */
export function createContext(input: PolicyInput): PolicyContext {
  const views = new Map<string, ResourceView[]>();
  const byAddress = new Map<string, ResourceView>();
  for (const [stack, json] of Object.entries(input.stacks)) {
    for (const [kind, blocks] of [["resource", json.resource ?? {}], ["data", json.data ?? {}]] as const) {
      for (const [type, items] of Object.entries(blocks)) {
        for (const [name, config] of Object.entries(items as Record<string, any>)) {
          const fullType = kind === "data" ? `data.${type}` : type;
          const view: ResourceView = {
            stack,
            type: fullType,
            name,
            address: `${fullType}.${name}`,
            path: config?.["//"]?.metadata?.path ?? `${stack}/${name}`,
            config,
          };
          const key = `${stack}|${fullType}`;
          views.set(key, [...(views.get(key) ?? []), view]);
          byAddress.set(`${stack}|${view.address}`, view);
        }
      }
    }
  }
  const stackNames = Object.keys(input.stacks).sort();
  return {
    config: input.config,
    stackNames,
    resources(type, stack) {
      const stacks = stack ? [stack] : stackNames;
      return stacks.flatMap((s) => views.get(`${s}|${type}`) ?? []);
    },
    deref(stack, expression) {
      if (typeof expression !== "string") return undefined;
      const m = REF.exec(expression);
      if (!m) return undefined;
      return byAddress.get(`${stack}|${m[1] ? "data." : ""}${m[2]}.${m[3]}`);
    },
    stackJson(stack): StackJson {
      return input.stacks[stack];
    },
    regionOf(resource) {
      const providers = (input.stacks[resource.stack].provider?.aws ?? []) as Array<Record<string, any>>;
      const alias = typeof resource.config.provider === "string" ? resource.config.provider.replace(/^aws\./, "") : undefined;
      return providers.find((p) => (alias ? p.alias === alias : !p.alias))?.region;
    },
  };
}

/** Statements of the IAM policy document a "${data.aws_iam_policy_document.X.json}" expression names. */
export function policyStatements(ctx: PolicyContext, stack: string, expression: unknown): any[] | undefined {
  const doc = ctx.deref(stack, expression);
  if (!doc || doc.type !== "data.aws_iam_policy_document") return undefined;
  return (doc.config.statement ?? []) as any[];
}

/** True when a value is a literal string (not a Terraform reference or expression). */
export function isLiteral(value: unknown): value is string {
  return typeof value === "string" && !value.includes("${");
}

/** Terraform's JSON keeps nested blocks either as an object or a one-element list. */
export function block(value: unknown): Record<string, any> | undefined {
  if (Array.isArray(value)) return value[0];
  return value && typeof value === "object" ? (value as Record<string, any>) : undefined;
}

/** Terraform booleans arrive as true or "true". */
export function isTrue(value: unknown): boolean {
  return value === true || value === "true";
}

/**
 * True when an expression names a customer-managed KMS key: a key of this
 * stack, or one looked up by id or by a non-AWS alias (data sources).
 */
export function isCustomerKey(ctx: PolicyContext, stack: string, expression: unknown): boolean {
  const r = ctx.deref(stack, expression);
  if (!r) return false;
  if (r.type === "aws_kms_key" || r.type === "data.aws_kms_key") return true;
  return r.type === "data.aws_kms_alias" && typeof r.config.name === "string" && !r.config.name.startsWith("alias/aws/");
}

/**
 * Why an expression is not a customer key of the resource's own region
 * (undefined when it is one): the key must be an aws_kms_key of the
 * resource's stack, under a provider of the same region (a regional key:
 * RDS and Aurora encrypt with a key of the region the storage is in).
 */
export function regionKeyProblem(ctx: PolicyContext, r: ResourceView, expression: unknown, noun: string): string | undefined {
  const key = ctx.deref(r.stack, expression);
  if (key?.type !== "aws_kms_key") return "not a customer-managed key of this stack";
  if (ctx.regionOf(key) !== ctx.regionOf(r)) return `the key is in ${ctx.regionOf(key)}, the ${noun} in ${ctx.regionOf(r)}`;
  return undefined;
}

/**
 * True when `value` names `target`: a literal equal to the target's
 * `idField` (e.g. an identifier derived from config, used across stacks),
 * or a reference to the target resource itself in the same stack.
 */
export function names(ctx: PolicyContext, stack: string, value: unknown, target: ResourceView, idField: string): boolean {
  if (isLiteral(value)) return isLiteral(target.config[idField]) && value === target.config[idField];
  const r = ctx.deref(stack, value);
  return r !== undefined && r.stack === target.stack && r.address === target.address;
}

/** The regional stacks (the one with a VPC in the primary region, the one with a VPC in the secondary). */
export function regionalStacks(ctx: PolicyContext): { primary?: string; secondary?: string } {
  const withVpc = (region: string) => ctx.stackNames.find((s) => ctx.resources("aws_vpc", s).some((v) => ctx.regionOf(v) === region));
  return { primary: withVpc(ctx.config.regions.primary.region), secondary: withVpc(ctx.config.regions.secondary.region) };
}

/** Where an aws_db_instance's replication source is, as its declaration says. */
export type ReplicaSource =
  /** Not a read replica (no replicate_source_db). */
  | { readonly kind: "none" }
  /**
   * A source in the instance's own region: named by a reference to an
   * aws_db_instance of the same stack and region, by a bare identifier
   * (CreateDBInstanceReadReplica takes an identifier only for a source in
   * the same region), or by an ARN of the instance's region. `source`: the
   * declared source instance, when the app declares it.
   */
  | { readonly kind: "same-region"; readonly source?: ResourceView }
  /** A source in another region (an ARN naming that region). */
  | { readonly kind: "cross-region"; readonly region: string };

/**
 * The replication source of an aws_db_instance. The region decides what RDS
 * accepts: a same-region read replica takes no KmsKeyId and is encrypted
 * with its source's key ("If you create an encrypted read replica in the
 * same AWS Region as the source DB instance ..., don't specify a value for
 * this parameter. A read replica in the same AWS Region is always encrypted
 * with the same KMS key as the source DB instance":
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstanceReadReplica.html,
 * KmsKeyId); a cross-region one names a key of its own region.
 */
export function replicaSource(ctx: PolicyContext, r: ResourceView): ReplicaSource {
  const v = r.config.replicate_source_db;
  if (v === undefined || v === null || v === "") return { kind: "none" };
  const region = ctx.regionOf(r);
  const arn = typeof v === "string" ? /^arn:[^:]+:rds:([^:]+):[^:]*:db:(.+)$/.exec(v) : null;
  if (arn) {
    if (arn[1] !== region) return { kind: "cross-region", region: arn[1] };
    const source = ctx.resources("aws_db_instance").find((x) => ctx.regionOf(x) === region && x.config.identifier === arn[2]);
    return { kind: "same-region", ...(source ? { source } : {}) };
  }
  if (isLiteral(v)) {
    const source = ctx.resources("aws_db_instance", r.stack).find((x) => x.config.identifier === v);
    return { kind: "same-region", ...(source ? { source } : {}) };
  }
  const ref = ctx.deref(r.stack, v);
  if (ref?.type === "aws_db_instance") {
    const refRegion = ctx.regionOf(ref);
    return refRegion === region ? { kind: "same-region", source: ref } : { kind: "cross-region", region: refRegion ?? "another region" };
  }
  // An expression this check cannot follow: judged like a same-region source
  // it cannot find (the stricter case for the rules that use it).
  return { kind: "same-region" };
}
