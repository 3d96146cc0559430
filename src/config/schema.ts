/**
 * The config schema: the root object (base-schema.ts, its sections in
 * sections/), the cross-field checks (checks/) and the derived defaults.
 * configSchema is what load.ts parses a config with.
 */
import { z } from "zod";
import { baseSchema, type CheckedConfig } from "./base-schema";
import { checkStateKeyPrefix, defaultKeyPrefix } from "./checks/backend";
import { checkBackups, checkVaultLock } from "./checks/backups";
import { checkCi, checkRunbookRole } from "./checks/ci";
import { checkDatabase } from "./checks/database";
import { checkDns } from "./checks/dns";
import { checkRestoredCluster } from "./checks/restored-cluster";
import { checkEks, checkMonitoring } from "./checks/eks";
import { checkRegions, checkSubnetPlan, checkUnreachable } from "./checks/network";
import { checkSizes, checkWeb } from "./checks/web";
import { EKS_VERSIONS } from "./eks-versions";
import { isProductionEnvironment } from "./environment";
import { KNOWN_REGIONS, LOG_RETENTION_DAYS } from "./regions";
import { PLACEHOLDER_ZONE } from "./sections/dns";

export const configSchema = baseSchema
  .superRefine((cfg, ctx) => {
    checkRegions(cfg, ctx);
    checkSubnetPlan(cfg, ctx);
    checkSizes(cfg, ctx);
    checkWeb(cfg, ctx);
    checkDatabase(cfg, ctx);
    checkRestoredCluster(cfg, ctx);
    checkEks(cfg, ctx);
    checkMonitoring(cfg, ctx);
    checkDns(cfg, ctx);
    checkUnreachable(cfg, ctx);
    checkCi(cfg, ctx);
    checkRunbookRole(cfg, ctx);
    checkBackups(cfg, ctx);
    checkVaultLock(cfg, ctx);
    if (!(LOG_RETENTION_DAYS as readonly number[]).includes(cfg.network.flowLogs.retentionDays)) {
      ctx.addIssue({
        code: "custom",
        path: ["network", "flowLogs", "retentionDays"],
        message: `${cfg.network.flowLogs.retentionDays} is not a CloudWatch Logs retention period. Fix: use one of ${LOG_RETENTION_DAYS.join(", ")}`,
      });
    }
    if (cfg.backend.type === "s3") {
      checkStateKeyPrefix(cfg, cfg.backend.keyPrefix, ctx);
      if (cfg.backend.secondaryBucket.region === cfg.regions.primary.region) {
        ctx.addIssue({
          code: "custom",
          path: ["backend", "secondaryBucket", "region"],
          params: { uses: [["regions", "primary", "region"]] },
          message: `the state needed during a failover (secondary, dns, secondary-monitoring) would live only in the primary region ${cfg.regions.primary.region}. Fix: put secondaryBucket in another region, e.g. ${cfg.regions.secondary.region}`,
        });
      }
      for (const key of ["primaryBucket", "secondaryBucket"] as const) {
        const r = cfg.backend[key].region;
        if (!KNOWN_REGIONS.includes(r)) {
          ctx.addIssue({
            code: "custom",
            path: ["backend", key, "region"],
            message: `unknown region "${r}". Fix: use one of ${KNOWN_REGIONS.join(", ")}`,
          });
        }
      }
    }
  })
  .transform(
    (cfg): Omit<CheckedConfig, "backend"> & { backend: { type: "local" } | (S3BackendInput & { keyPrefix: string }) } =>
      cfg.backend.type === "s3" ? { ...cfg, backend: { ...cfg.backend, keyPrefix: cfg.backend.keyPrefix ?? defaultKeyPrefix(cfg) } } : { ...cfg, backend: cfg.backend },
  );

type S3BackendInput = Extract<CheckedConfig["backend"], { type: "s3" }>;

export type DrConfig = z.input<typeof configSchema>;
/** Config after validation (defaults applied). */
export type ValidConfig = z.output<typeof configSchema>;
export type S3Backend = Extract<ValidConfig["backend"], { type: "s3" }>;

/**
 * Advisories that do not stop a synth (printed by main.ts): e.g. a
 * Kubernetes version past EKS standard support.
 */
export function configWarnings(cfg: ValidConfig, today: Date = new Date()): string[] {
  const out: string[] = [];
  if (cfg.dns.enabled && (cfg.dns.zoneName === PLACEHOLDER_ZONE || cfg.dns.zoneName.endsWith(`.${PLACEHOLDER_ZONE}`))) {
    out.push(`dns.zoneName: "${cfg.dns.zoneName}" is the placeholder. Set dns.zoneName and dns.domainName to your zone and the app's name before \`cdktf deploy\` (the certificates and records go there).`);
  }
  if (cfg.backend.type === "s3" && !cfg.backend.keyPrefix.toLowerCase().split(/[\/._-]+/).includes(cfg.environment.toLowerCase())) {
    out.push(`backend.keyPrefix: "${cfg.backend.keyPrefix}" does not name the environment "${cfg.environment}". Make sure no other environment uses the same buckets with this prefix (it would share this environment's state), or remove keyPrefix to use "${defaultKeyPrefix(cfg)}".`);
  }
  if (cfg.database.drState !== "normal") {
    // src/database/topology.ts PASSWORD_ROTATION_STATE: the secret and the
    // writer hold their password version outside "normal".
    out.push(
      `database.masterPasswordVersion: ${cfg.database.masterPasswordVersion} is held while drState is "${cfg.database.drState}": the database that writes is in ${cfg.regions.secondary.region}, ` +
        `and the secret is written by the primary stack only, so a rotation now would store a password no database has. A bump made now takes effect at the first deploy of primary ` +
        `with drState "normal" (secret first, then the ${cfg.regions.primary.region} writer). docs/failover-runbook.md "Master password rotation".`,
    );
  }
  {
    const c = cfg.backups.isolatedCopy;
    if ((c.enabled ?? isProductionEnvironment(cfg.environment)) && c.enabled !== true && (!c.accountId || !c.vaultName)) {
      out.push(
        `backups.isolatedCopy: on by default in environment "${cfg.environment}", but no backup account is named, so no copy leaves this account: a compromised account can delete every backup. ` +
          `Set backups.isolatedCopy.accountId and vaultName (docs/backups.md "Isolated copies in another account"), or set enabled false to opt out.`,
      );
    }
  }
  const v = EKS_VERSIONS[cfg.eks.kubernetesVersion];
  if (v && today.toISOString().slice(0, 10) > v.standardSupportEnds) {
    out.push(`eks.kubernetesVersion: ${cfg.eks.kubernetesVersion} left EKS standard support on ${v.standardSupportEnds} (extended support is billed per cluster hour). Upgrade to a newer version.`);
  }
  return out;
}
