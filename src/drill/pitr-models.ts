// The two restore models of the point-in-time recovery scenarios (pitr-scenario.ts): the RDS mode's (a new
// instance renamed into the writer's name) and the Aurora mode's (a new cluster; the move is the region's endpoints
// parameter). The scenario and its measures are the same for both.
import type { RegionRole, ValidConfig } from "../../src/config";
import { regionClusterIdentifier } from "../../src/database/aurora-contract";
import { AuroraSim, auroraDrillConfig } from "./aurora";
import { AuroraRestoreSim } from "./aurora-restore";
import type { DrillEnvironment } from "./environment";
import { PitrSim } from "./pitr";
import type { RunbookSpec } from "./runbook-process";

/**
 * What differs between the RDS mode's restore (a new instance renamed into the writer's name) and the Aurora mode's
 * (a new cluster; the move is the region's endpoints parameter): the stand-ins, how the runbook is told, where the
 * restored and the damaged data are, the cut-over, the runbook's steps. The scenario and its measures are the same.
 */
export interface RestoreModel {
  /** The config of the scenario (Aurora: auroraDrillConfig's). */
  readonly config: ValidConfig;
  /** The WAL archive and the restores on real PostgreSQL (both modes). */
  readonly pitr: PitrSim;
  /** Wires the environment before its start. */
  configure(): void;
  afterStart(): void;
  readonly controlTargets: Record<string, { readonly kind: "pitr" | "aurora" | "aurora-restore"; readonly target: object }>;
  readonly spec: Pick<RunbookSpec, "restore"> & { readonly aurora?: boolean };
  /** The runbook's steps that restore and move the app, in order (its journal). */
  readonly steps: readonly string[];
  /** Restore requests the service took. */
  restoreRequests(): number;
  /** When the app's writer changed to the restored data (the rename, the parameter's put); null: not yet. */
  cutOverAt(): number | null;
  readonly cutOverLabel: string;
  /** The restored data's server (null: none), and the damaged data's (its name). */
  restored(): { address: string; port: number } | null;
  damaged(): { name: string | null; at: { address: string; port: number } | null };
  settle(): Promise<void>;
  stop(): Promise<void>;
}

export function rdsModel(env: DrillEnvironment, base: ValidConfig, scale: number, log: (l: string) => void, restoreIn: RegionRole): RestoreModel & { readonly sim: PitrSim } {
  const sim = new PitrSim(env, base, { timeScale: scale, log });
  const writer = sim.writerName(restoreIn);
  return {
    sim,
    pitr: sim,
    config: base,
    configure: () => sim.configure(),
    afterStart: () => sim.registerOriginals(),
    controlTargets: { pitr: { kind: "pitr", target: sim } },
    spec: { restore: { toTime: 0, region: restoreIn, hostsFile: sim.hostsFile } },
    steps: ["restore", "fence", "rename-damaged", "rename-restored", "restore-fleet", "verify"],
    restoreRequests: () => sim.events.filter((e) => /^restore of .* requested$/.test(e.what)).length,
    cutOverAt: () => sim.events.filter((e) => e.what.includes(`-> ${writer} `)).map((e) => e.at)[0] ?? null,
    cutOverLabel: "cut-over: the restored instance holds the writer's name",
    restored: () => {
      const at = sim.address(writer);
      return at && at.address !== "127.0.0.1" ? at : null;
    },
    damaged: () => {
      const name = sim.originalName(restoreIn);
      return { name, at: name ? sim.address(name) : null };
    },
    settle: () => sim.settle(),
    stop: async () => undefined,
  };
}

export function auroraModel(env: DrillEnvironment, projectConfig: ValidConfig, scale: number, log: (l: string) => void): RestoreModel & { readonly aurora: AuroraSim; readonly restore: AuroraRestoreSim } {
  const config = auroraDrillConfig(projectConfig);
  const pitr = new PitrSim(env, config, { timeScale: scale, log });
  const aurora = new AuroraSim(env, config, { timeScale: scale, log });
  const restore = new AuroraRestoreSim(env, config, aurora, pitr);
  const target = () => [...restore.restored.keys()][0] ?? null;
  return {
    aurora,
    restore,
    pitr,
    config,
    configure: () => {
      pitr.configureArchiving();
      env.appExtraEnv = (role) => aurora.appEnv(role);
    },
    afterStart: () => aurora.start(),
    controlTargets: { aurora: { kind: "aurora", target: aurora }, "aurora-restore": { kind: "aurora-restore", target: restore } },
    spec: { aurora: true, restore: { toTime: 0 } },
    steps: ["restore-cluster", "create-instance", "verify-restored", "fence", "point-endpoints", "restore-fleet", "verify"],
    restoreRequests: () => restore.events.filter((e) => /^RestoreDBClusterToPointInTime .* requested$/.test(e.what)).length,
    cutOverAt: () => aurora.events.filter((e) => /^parameter .* now names /.test(e.what)).map((e) => e.at)[0] ?? null,
    cutOverLabel: "cut-over: the endpoints parameter names the restored cluster",
    restored: () => {
      const t = target();
      return t ? restore.address(t) : null;
    },
    damaged: () => ({ name: `${regionClusterIdentifier(config, "primary")} (the member, global primary)`, at: { address: "127.0.0.1", port: env.regions.primary.pgPort } }),
    settle: () => pitr.settle(),
    stop: () => aurora.stop(),
  };
}
