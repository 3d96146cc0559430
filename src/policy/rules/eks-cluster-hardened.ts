import { block, isTrue, isCustomerKey } from "../context";
import { COMPLIANT, fail, type ResourceRule } from "../types";

const LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

/** EKS: secrets encrypted with a customer key, every control-plane log, restricted endpoint. */
export const eksClusterHardened: ResourceRule = {
  kind: "resource",
  id: "eks-cluster-hardened",
  description: "EKS clusters encrypt secrets with a customer key, log every control-plane type, and keep the API endpoint private or CIDR-restricted",
  fix: "set encryption_config (resources [secrets], the region's key), all enabled_cluster_log_types, endpoint_private_access = true and public access off or limited to operator CIDRs (eks.publicAccessCidrs)",
  resourceTypes: ["aws_eks_cluster"],
  check(r, ctx) {
    const enc = block(r.config.encryption_config);
    if (!enc || !(enc.resources ?? []).includes("secrets") || !isCustomerKey(ctx, r.stack, block(enc.provider)?.key_arn)) {
      return fail("Kubernetes secrets are not envelope-encrypted with a customer-managed key");
    }
    const missing = LOG_TYPES.filter((t) => !(r.config.enabled_cluster_log_types ?? []).includes(t));
    if (missing.length) return fail(`control-plane log types off: ${missing.join(", ")}`);
    const vpc = block(r.config.vpc_config) ?? {};
    if (!isTrue(vpc.endpoint_private_access)) return fail("the private API endpoint is off");
    if (vpc.endpoint_public_access !== false && vpc.endpoint_public_access !== "false") {
      const cidrs: string[] = vpc.public_access_cidrs ?? [];
      if (cidrs.length === 0 || cidrs.some((c) => c.endsWith("/0"))) return fail("the public API endpoint is open to the internet");
    }
    return COMPLIANT;
  },
};
