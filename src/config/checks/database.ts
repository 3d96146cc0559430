/**
 * Checks of the database section (and of every secret's recovery window).
 */
import type { CheckedConfig } from "../base-schema";
import { PRODUCTION_ENVIRONMENT_WORDS } from "../environment";
import { AURORA_DEFAULT_ENGINE_VERSION, AURORA_DEFAULT_INSTANCE_CLASS, AURORA_GLOBAL_CLASS_FAMILIES, DB_CLASS_FAMILIES } from "../sections/database";
import { crossIssue, type Ctx, type FieldPath } from "./issues";

/**
 * A secret's recovery window (aws_secretsmanager_secret
 * recovery_window_in_days): what the provider sends to DeleteSecret when
 * Terraform destroys the secret. Secrets Manager takes "The number of days
 * from 7 to 30 that Secrets Manager waits before permanently deleting the
 * secret" (RecoveryWindowInDays), or ForceDeleteWithoutRecovery ("you have
 * no opportunity to recover the secret. You lose the secret permanently");
 * the provider sends the latter for 0 ("This value can be 0 to force
 * deletion without recovery or range from 7 to 30 days", hashicorp/aws
 * 5.100.0 docs, secretsmanager_secret; internal/service/secretsmanager/secret.go
 * resourceSecretDelete reads the value from state). Until the window ends
 * the secret's name is taken, so an environment destroyed and deployed
 * again within it fails at CreateSecret: 0 is for such disposable
 * environments, and refused in a production one, where the window is what
 * makes an accidental destroy recoverable (RestoreSecret). One key per
 * secret, next to what it keeps (database.*, monitoring.grafana.*): their
 * defaults differ and stay as they were (30 days for the master credentials,
 * Secrets Manager's own default; 7 for the regenerable Grafana login).
 * AWS Secrets Manager API Reference, DeleteSecret:
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DeleteSecret.html
 */
export function checkSecretRecoveryWindow(cfg: CheckedConfig, path: FieldPath, days: number, ctx: Ctx): void {
  const field = path.join(".");
  if (days !== 0 && (days < 7 || days > 30)) {
    ctx.addIssue({
      code: "custom",
      path,
      message: `${days} is not a Secrets Manager recovery window (DeleteSecret waits 7 to 30 days, or deletes at once without recovery). Fix: set 7 to 30, or 0 to delete the secret at once when the stack is destroyed`,
    });
  } else if (days === 0 && cfg.environment.toLowerCase().split(/[-_.]+/).some((w) => PRODUCTION_ENVIRONMENT_WORDS.includes(w))) {
    crossIssue(
      ctx,
      path,
      `0 deletes the secret at once, with no way to restore it, when the stack is destroyed, and environment "${cfg.environment}" is a production one (its secrets keep a recovery window against an accidental destroy). Fix: set ${field} to 7-30 days, or give a disposable environment a non-production name (environment: e.g. "staging", "dev")`,
      [["environment"]],
    );
  }
}

export function checkDatabase(cfg: CheckedConfig, ctx: Ctx): void {
  const db = cfg.database;
  checkSecretRecoveryWindow(cfg, ["database", "secretRecoveryWindowDays"], db.secretRecoveryWindowDays, ctx);
  const m = /^db\.([a-z0-9]+)\.([a-z0-9]+)$/.exec(db.instanceClass);
  if (!m || !(DB_CLASS_FAMILIES as readonly string[]).includes(m[1])) {
    ctx.addIssue({
      code: "custom",
      path: ["database", "instanceClass"],
      message: `unknown instance class "${db.instanceClass}". Fix: use db.<family>.<size> with a family of ${DB_CLASS_FAMILIES.join(", ")}, e.g. db.t3.small`,
    });
  } else if (db.engine === "aurora-postgresql" && m[1].startsWith("t")) {
    ctx.addIssue({
      code: "custom",
      path: ["database", "instanceClass"],
      params: { uses: [["database", "engine"]] },
      message: `${db.instanceClass} is burstable, and Aurora Global Database does not allow burstable (db.t*) classes. Fix: use a memory-optimized class such as ${AURORA_DEFAULT_INSTANCE_CLASS}, or engine "postgres" to keep db.t3.small`,
    });
  } else if (db.engine === "aurora-postgresql" && !(AURORA_GLOBAL_CLASS_FAMILIES as readonly string[]).includes(m[1])) {
    ctx.addIssue({
      code: "custom",
      path: ["database", "instanceClass"],
      params: { uses: [["database", "engine"]] },
      message: `${db.instanceClass} is not an Aurora PostgreSQL class that Aurora Global Database supports (memory-optimized only: ${AURORA_GLOBAL_CLASS_FAMILIES.map((f) => `db.${f}`).join(", ")}). Fix: use e.g. ${AURORA_DEFAULT_INSTANCE_CLASS}`,
    });
  }
  if (db.engine === "aurora-postgresql" && !/^\d+\.\d+$/.test(db.engineVersion)) {
    ctx.addIssue({
      code: "custom",
      path: ["database", "engineVersion"],
      params: { uses: [["database", "engine"]] },
      message: `"${db.engineVersion}" is a major version only; an Aurora global cluster is created with an exact Aurora PostgreSQL version (its members must all run it). Fix: give major.minor, e.g. ${AURORA_DEFAULT_ENGINE_VERSION}`,
    });
  }
  if (db.writeForwarding !== "off" && db.engine !== "aurora-postgresql") {
    ctx.addIssue({
      code: "custom",
      path: ["database", "writeForwarding"],
      params: { uses: [["database", "engine"]] },
      message: `write forwarding is a feature of Aurora Global Database; RDS for PostgreSQL read replicas cannot forward writes. Fix: set "off", or engine "aurora-postgresql"`,
    });
  } else if (db.writeForwarding !== "off" && /^\d+\.\d+$/.test(db.engineVersion)) {
    const [major, minor] = db.engineVersion.split(".").map(Number);
    if (major < 14 || (major === 14 && minor < 9) || (major === 15 && minor < 4)) {
      ctx.addIssue({
        code: "custom",
        path: ["database", "writeForwarding"],
        params: { uses: [["database", "engineVersion"]] },
        message: `Aurora PostgreSQL ${db.engineVersion} has no global write forwarding (it needs 14.9+, 15.4+ or 16 and later). Fix: raise database.engineVersion, or set "off"`,
      });
    }
  }
  if (db.backupRetentionDays === 0) {
    ctx.addIssue({
      code: "custom",
      path: ["database", "backupRetentionDays"],
      message: `0 turns off automated backups, but the writer is a replication source (RDS requires backups on a source) and the promotable replica must be ready to become one. Fix: set 1-35 days, e.g. 7`,
    });
  }
  if (db.readersPerRegion < 1 || db.readersPerRegion > 5) {
    ctx.addIssue({
      code: "custom",
      path: ["database", "readersPerRegion"],
      message: `${db.readersPerRegion} breaks the seed's shape (a writer-or-promotable instance and at least one reader in each region; RDS allows at most 5 replicas per source). Fix: set 1 to 5`,
    });
  }
  if (db.maxAllocatedStorageGb < db.allocatedStorageGb) {
    ctx.addIssue({
      code: "custom",
      path: ["database", "maxAllocatedStorageGb"],
        params: { uses: [["database", "allocatedStorageGb"]] },
      message: `${db.maxAllocatedStorageGb} is below allocatedStorageGb (${db.allocatedStorageGb}); storage autoscaling needs a higher ceiling. Fix: set it to at least ${db.allocatedStorageGb}`,
    });
  }
}
