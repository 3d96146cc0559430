import type { DrState, RegionRole } from "../config";

/**
 * How a region's "Writer" instance is declared:
 * - "source": a standalone primary created with credentials (it writes).
 * - "replica": a cross-region read replica of the other region's Writer.
 * - "promoted": a former replica that has been promoted. Declared exactly
 *   like the replica minus `replicate_source_db`, so that `plan` after a real
 *   promotion is clean and nothing is recreated.
 */
export type WriterMode = "source" | "replica" | "promoted";

export interface RegionTopology {
  readonly writer: WriterMode;
  /** For "replica": the region whose Writer this one replicates. */
  readonly sourceRole?: RegionRole;
}

/**
 * The database DR lifecycle as a table: which instance writes in each
 * state. This is the only place the regions' database roles differ.
 *
 * | state      | primary (us-east-2)              | secondary (us-west-1)            |
 * | ---------- | -------------------------------- | -------------------------------- |
 * | normal     | source (writes)                  | replica of primary               |
 * | failedOver | source (stale: not deployed)     | promoted (writes)                |
 * | failback   | replica of secondary (rebuilt)   | promoted (writes)                |
 *
 * Switching back after failback is a promotion of the us-east-2 replica and
 * a return to "normal" with the secondary's generation bumped (docs/failover-runbook.md).
 */
export const TOPOLOGY: Readonly<Record<DrState, Readonly<Record<RegionRole, RegionTopology>>>> = {
  normal: { primary: { writer: "source" }, secondary: { writer: "replica", sourceRole: "primary" } },
  failedOver: { primary: { writer: "source" }, secondary: { writer: "promoted" } },
  failback: { primary: { writer: "replica", sourceRole: "secondary" }, secondary: { writer: "promoted" } },
};

/** The region whose stack owns the replicated credentials secret (where the database was first created). */
export const CREDENTIALS_HOME: RegionRole = "primary";

/**
 * The topology of one region in one DR state. A Writer that is not a
 * replica is a "source" only if it was born one: the credentials home's
 * first generation. Any later generation was created as a replica and
 * promoted, and keeps the replica's declaration (no credentials, no db_name)
 * so Terraform never sees a change that forces a new instance.
 */
export function regionTopology(state: DrState, role: RegionRole, generation: number): RegionTopology {
  const t = TOPOLOGY[state][role];
  if (t.writer === "source" && (role !== CREDENTIALS_HOME || generation > 1)) return { writer: "promoted" };
  return t;
}

/**
 * The DR state in which the master password rotates
 * (`database.masterPasswordVersion`). Only in "normal" is the database that
 * takes writes in the credentials home's stack, the one stack that writes
 * the secret: the RDS Writer of that region (the source at generation 1, a
 * promoted replica at any later one), or the Aurora cluster of that region
 * (the global primary). In "failedOver" and "failback" the writer is the
 * other region's, which no stack gives a password (the secret belongs to
 * the credentials home, deployed after the secondary in failback), so a new
 * secret version there would hold a password no database has.
 */
export const PASSWORD_ROTATION_STATE: DrState = "normal";

/** What the credentials home's writer declares of the master password in a DR state. */
export interface PasswordDelivery {
  /** The Writer carries `password_wo` and `password_wo_version = masterPasswordVersion`. */
  readonly declared: boolean;
  /**
   * The version is held where it is: the secret version and the writer
   * ignore changes of their write-only version (lifecycle ignore_changes),
   * so a bump writes nothing until the state is "normal" again.
   */
  readonly held: boolean;
}

/**
 * Where the RDS master password goes. The credentials home's Writer carries
 * it whenever it is not a replica (a read replica's password is its
 * source's), whatever its generation: the source it was born, or the
 * promoted replica that writes after a failback. Outside "normal" the
 * version is held (PASSWORD_ROTATION_STATE).
 */
export function rdsPasswordDelivery(state: DrState, role: RegionRole, generation: number): PasswordDelivery {
  const held = state !== PASSWORD_ROTATION_STATE;
  return { declared: role === CREDENTIALS_HOME && regionTopology(state, role, generation).writer !== "replica", held };
}
