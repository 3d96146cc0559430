/**
 * `npm run wheels`: builds webapp/.wheelhouse/wheels.tar, the web app's
 * Python dependencies as wheels for the instances, from
 * webapp/deploy/requirements.lock (scripts/lib/wheelhouse-build.ts says how).
 * `npm run wheels -- --lock` first rewrites the lock from requirements.txt:
 * review the diff before committing it. Up to date, it does nothing.
 */
import * as path from "node:path";
import { buildWheelhouse, writeLock } from "./lib/wheelhouse-build";

const WEBAPP = path.resolve(__dirname, "..", "webapp");

try {
  if (process.argv.includes("--lock")) writeLock(WEBAPP);
  buildWheelhouse(WEBAPP);
} catch (e) {
  console.error((e as Error).message);
  process.exit(1);
}
