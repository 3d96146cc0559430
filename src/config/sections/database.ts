/**
 * The config's database section (RDS for PostgreSQL or Aurora PostgreSQL
 * Global Database) and the engine constants the database code shares.
 */
import { z } from "zod";
import { count } from "./fields";

/** Aurora global write forwarding: off, or the consistency mode of forwarded sessions. */
export const WRITE_FORWARDING = ["off", "session", "eventual", "global"] as const;

/** Database engines. */
export const DB_ENGINES = ["postgres", "aurora-postgresql"] as const;
/** The database DR lifecycle. */
export const DR_STATES = ["normal", "failedOver", "failback"] as const;
export type DrState = (typeof DR_STATES)[number];
/** RDS instance-class families this project knows (burstable: db.t*). */
export const DB_CLASS_FAMILIES = ["t3", "t4g", "m5", "m6g", "m6i", "m7g", "m7i", "r5", "r6g", "r6i", "r7g", "r7i", "x2g"] as const;

/**
 * Families Aurora Global Database runs on: memory-optimized only (Aurora
 * User Guide, "Limitations of Amazon Aurora Global Database": burstable
 * db.t* classes are not supported; Aurora PostgreSQL offers no db.m* classes).
 */
export const AURORA_GLOBAL_CLASS_FAMILIES = ["r5", "r6g", "r6i", "r7g", "r7i", "x2g"] as const;
/** The smallest class of those families (2 vCPU, 16 GiB): the Aurora mode's default. */
export const AURORA_DEFAULT_INSTANCE_CLASS = "db.r6g.large";
/**
 * The Aurora mode's default engine version: an Aurora PostgreSQL release with
 * Global Database, managed switchover and write forwarding (Aurora User Guide,
 * "Region and version availability" of Aurora Global Database).
 */
export const AURORA_DEFAULT_ENGINE_VERSION = "16.6";

export const databaseSchema = z.strictObject({
  /** "postgres" (RDS for PostgreSQL, the default) or "aurora-postgresql" (Aurora Global Database: docs/aurora.md). */
  engine: z.enum(DB_ENGINES, { message: `unknown engine. Fix: use one of ${DB_ENGINES.join(", ")}` }),
  /**
   * Engine version; a major version ("17") follows the latest minor. Aurora mode takes a full version only.
   * @default - "17" (postgres); "16.6" (aurora-postgresql)
   */
  engineVersion: z.string().regex(/^\d+(\.\d+)?$/, { message: "must be a PostgreSQL version like 17 or 17.4" }),
  /**
   * Instance class of every database instance (both regions match). Aurora mode refuses burstable and db.m*
   * classes; at plan time each region must offer the version and the class with Global Database support.
   * @default - db.t3.small (postgres); db.r6g.large (aurora-postgresql)
   */
  instanceClass: z.string(),
  /** Initial storage (GiB) and the storage-autoscaling ceiling. */
  allocatedStorageGb: z.number().int().min(20).max(65536),
  /** The storage-autoscaling ceiling (GiB, gp3). */
  maxAllocatedStorageGb: z.number().int().min(20).max(65536),
  /** Automated-backup retention (days) on the writer and the promotable replica; 0 is refused (a replication source needs backups). */
  backupRetentionDays: z.number().int().min(0).max(35),
  /** In-region read replicas per region (the seed: 1 writer + 1 reader): 1-5; the app reads from the first. */
  readersPerRegion: z.number().int(),
  /** Performance Insights (KMS-encrypted with the region's key). */
  performanceInsights: z.boolean(),
  /** Enhanced monitoring interval (0 = off). */
  monitoringIntervalSeconds: z.union([z.literal(0), z.literal(1), z.literal(5), z.literal(10), z.literal(15), z.literal(30), z.literal(60)]),
  /** Database created on the writer. */
  dbName: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, { message: "must be a PostgreSQL identifier (lower case, digits, _)" }),
  /** Master user name. */
  masterUsername: z.string().regex(/^[a-z][a-z0-9_]{0,15}$/, { message: "must be 1-16 lower-case letters, digits or _, starting with a letter" }),
  /**
   * Bump to generate and write a new master password (write-only, never in state): to the secret, then to the
   * writer; applied only with drState "normal" (held otherwise, with a warning: docs/failover-runbook.md,
   * "Master password rotation").
   */
  masterPasswordVersion: count(),
  /**
   * Days the master-credentials secret stays restorable after a destroy:
   * 7-30, or 0 to delete it at once (checkSecretRecoveryWindow), so a disposable environment can be destroyed and
   * deployed again under the same name (0 is refused in an environment named prod, production, prd or live).
   */
  secretRecoveryWindowDays: z.number().int({ message: "must be a whole number of days. Fix: use 0 or 7 to 30" }),
  /**
   * Aurora mode only: global write forwarding from the secondary cluster
   * to the primary ("off", or its read-after-write consistency: session,
   * eventual, global; Aurora's apg_write_forward.consistency_mode). Off by
   * default: the web app writes only in the region that is primary.
   */
  writeForwarding: z.enum(WRITE_FORWARDING, { message: `unknown mode. Fix: use one of ${WRITE_FORWARDING.join(", ")}` }),
  /** Where the DR lifecycle stands; see docs/failover-runbook.md "Database failover and failback runbook". */
  drState: z.enum(DR_STATES, { message: `unknown DR state. Fix: use one of ${DR_STATES.join(", ")}` }),
  /**
   * Generation of each region's database instances: part of their
   * identifiers. Bumped when a region's database is rebuilt as a replica
   * (failback), so the rebuilt instances never reuse a live name.
   */
  /**
   * Aurora mode only: records a `dr restore` that moved the app to a restored cluster (the runbook prints this
   * block). The region's database endpoints parameter then names this cluster's endpoints instead of the member
   * cluster's; the restored cluster stays outside Terraform. While set, Aurora failover, switchover and failback are
   * refused (the other region replicates the damaged data): docs/dr-runbook.md, "dr restore", Aurora mode.
   */
  restoredCluster: z
    .strictObject({
      /** The region whose fleet writes to the restored cluster (the global primary's region when it was restored). */
      region: z.enum(["primary", "secondary"], { message: "must be primary or secondary" }),
      /** The restored cluster's identifier (`<member>-pitr-<stamp>`, as `dr restore` created it). */
      identifier: z.string(),
      /** Its cluster (writer) endpoint, `<identifier>.cluster-<id>.<region>.rds.amazonaws.com`. */
      writerEndpoint: z.string(),
      /** Its reader endpoint, `<identifier>.cluster-ro-<id>.<region>.rds.amazonaws.com`. */
      readerEndpoint: z.string(),
    })
    .optional(),
  generations: z.strictObject({
    /** Generation of the primary region's database instances. */
    primary: count(),
    /** Generation of the secondary region's database instances. */
    secondary: count(),
  }),
});
