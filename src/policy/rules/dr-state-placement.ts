import type { AppRule } from "../types";
import { COMPLIANT, fail, NOT_APPLICABLE } from "../types";

/**
 * DR: with an S3 backend, the state of every stack needed during a failover
 * (any stack not built in the primary region: secondary, its monitoring, the
 * global DNS stacks) is kept outside the primary region.
 */
export const drStatePlacement: AppRule = {
  kind: "app",
  id: "dr-state-placement",
  description: "With an S3 backend, the state of the stacks needed in a failover is not stored in the primary region, and every state is encrypted and locked",
  fix: "keep backend.secondaryBucket outside the primary region; stacks of the secondary region and global stacks use it",
  check(ctx) {
    const primaryRegion = ctx.config.regions.primary.region;
    return ctx.stackNames.map((stack) => {
      const anchor = { stack, address: "terraform.backend", path: stack };
      const s3 = ctx.stackJson(stack).terraform?.backend?.s3;
      if (!s3) return { resource: anchor, verdict: NOT_APPLICABLE };
      if (s3.encrypt !== true || s3.use_lockfile !== true) return { resource: anchor, verdict: fail("the S3 state is not encrypted or not locked (encrypt, use_lockfile)") };
      const main = (ctx.stackJson(stack).provider?.aws ?? []).find((p: any) => !p.alias);
      const failoverCritical = main?.region !== primaryRegion;
      if (failoverCritical && s3.region === primaryRegion) return { resource: anchor, verdict: fail(`state in ${s3.region}, the primary region: unreachable in the outage this stack exists for`) };
      return { resource: anchor, verdict: COMPLIANT };
    });
  },
};
