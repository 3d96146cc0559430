import { block, regionalStacks } from "../context";
import type { AppRule, PolicyContext, ResourceView } from "../types";
import { COMPLIANT, fail } from "../types";

interface Trait {
  readonly what: string;
  /** The resources that carry the trait in a stack. */
  readonly pick: (ctx: PolicyContext, stack: string) => ResourceView[];
  /** The comparable value of one resource. */
  readonly value: (r: ResourceView) => unknown;
}

const webTemplates = (ctx: PolicyContext, s: string) => ctx.resources("aws_launch_template", s).filter((r) => String(r.config.name).endsWith("-web"));

const TRAITS: Trait[] = [
  { what: "web instance type", pick: webTemplates, value: (r) => r.config.instance_type },
  { what: "web fleet size (min/desired/max)", pick: (ctx, s) => ctx.resources("aws_autoscaling_group", s), value: (r) => [r.config.min_size, r.config.desired_capacity, r.config.max_size] },
  { what: "EKS node group (instance types, min/desired/max)", pick: (ctx, s) => ctx.resources("aws_eks_node_group", s), value: (r) => [r.config.instance_types, block(r.config.scaling_config)] },
  { what: "Kubernetes version", pick: (ctx, s) => ctx.resources("aws_eks_cluster", s), value: (r) => r.config.version },
  // RDS instances or Aurora cluster instances: a secondary of a smaller class
  // cannot take the primary's load after a failover or switchover (AWS:
  // "insufficient compute capacity to handle production traffic",
  // https://docs.aws.amazon.com/r53recovery/latest/dg/aurora-provisioned-scaling-block.html).
  { what: "database instance classes", pick: (ctx, s) => [...ctx.resources("aws_db_instance", s), ...ctx.resources("aws_rds_cluster_instance", s)], value: (r) => r.config.instance_class },
];

/**
 * DR: the secondary can carry the primary's load: same web instance type and
 * count, same EKS node group and Kubernetes version, same database class.
 */
export const drRegionParity: AppRule = {
  kind: "app",
  id: "dr-region-parity",
  description: "Both regions match in web instance type and count, EKS node group size and Kubernetes version, and database class",
  fix: "size the regions from the same config values (web.*, eks.*, database.instanceClass); do not override one region",
  check(ctx) {
    const { primary, secondary } = regionalStacks(ctx);
    if (!primary || !secondary) return [];
    /** The distinct values of a trait in a stack's resources, as one comparable string. */
    const distinct = (t: Trait, rs: ResourceView[]) => JSON.stringify([...new Set(rs.map((r) => JSON.stringify(t.value(r))))].sort());
    return TRAITS.flatMap((t) => {
      const p = t.pick(ctx, primary);
      const s = t.pick(ctx, secondary);
      const pv = distinct(t, p);
      const sv = distinct(t, s);
      const verdict = pv === sv && p.length > 0 ? COMPLIANT : fail(`${t.what} differs: ${primary} ${pv}, ${secondary} ${sv}`);
      return s.map((r) => ({ resource: r, verdict }));
    });
  },
};
