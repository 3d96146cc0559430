import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { prepareWorkspace, type Workspace } from "../../scripts/plan/tftest";
import { PROJECT_ROOT } from "./synth";

let shared: Promise<Workspace> | undefined;

/**
 * The offline plan harness's workspace (hashicorp/aws 5.100.0 installed once
 * from the mirror, its schema read: scripts/plan/tftest.ts), once per test
 * worker: the files of a worker run in one process (vitest.config.ts,
 * isolate false). Its folder is removed when the worker exits.
 */
export function offlineWorkspace(): Promise<Workspace> {
  if (!shared) {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "drtfws-"));
    process.once("exit", () => fs.rmSync(work, { recursive: true, force: true }));
    shared = prepareWorkspace(PROJECT_ROOT, work);
  }
  return shared;
}
