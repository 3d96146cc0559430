import type { DrState, RegionRole } from "../config";

/** Fixed when a restore starts and kept in the journal (PlanParams.restore). */
export interface RestoreParams {
  /** The time to restore to (epoch ms) and the same as ISO text (what the operator typed, normalized). */
  readonly toTime: number;
  readonly toTimeIso: string;
  /** Where the writer is (drState when the run started). */
  readonly writerRole: RegionRole;
  /** Where the restore runs and the app moves to. */
  readonly region: RegionRole;
  readonly source: "instance" | "replicated";
  /** The run's stamp (UTC, yyyymmddhhmmss): part of the two new names. */
  readonly stamp: string;
  /** The writer identifier of the restore region (the name the fleet's DB_WRITER_HOST uses). */
  readonly writerId: string;
  /** The new instance the backups are restored into, until it takes writerId. */
  readonly targetId: string;
  /** The name the damaged instance gets. */
  readonly damagedId: string;
  /** The DR state when the run started. */
  readonly drState: DrState;
}

/** A restore plan's parameters (PlanParams.restore), or an error: every restore step and epilogue reads them through this. */
export function restoreParamsOf(params: { readonly restore?: RestoreParams }): RestoreParams {
  if (!params.restore) throw new Error("restore plan without restore parameters");
  return params.restore;
}
