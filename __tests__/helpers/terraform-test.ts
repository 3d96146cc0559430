import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { prepareWorkspace, type Workspace } from "../../src/offline-plan/tftest";
import { PROJECT_ROOT } from "./synth";

let shared: { work: string; ws: Promise<Workspace>; users: number } | undefined;

/**
 * The offline plan harness's workspace (hashicorp/aws 5.100.0 installed once
 * from the mirror, its schema read: src/offline-plan/tftest.ts), shared by the
 * test files of a worker that use it at the same time (the files of a worker
 * run in one process: vitest.config.ts, isolate false). Call the returned
 * release() in afterAll: the last user removes its folder.
 */
export function acquireOfflineWorkspace(): { ws: Promise<Workspace>; release: () => void } {
  if (!shared) {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "drtfws-"));
    shared = { work, ws: prepareWorkspace(PROJECT_ROOT, work), users: 0 };
  }
  const mine = shared;
  mine.users++;
  let released = false;
  return {
    ws: mine.ws,
    release: () => {
      if (released) return;
      released = true;
      if (--mine.users > 0) return;
      fs.rmSync(mine.work, { recursive: true, force: true });
      if (shared === mine) shared = undefined;
    },
  };
}
