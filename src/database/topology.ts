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
 * a return to "normal" with the secondary's generation bumped (README).
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
