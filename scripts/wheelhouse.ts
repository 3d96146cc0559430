/**
 * `npm run wheels`: builds webapp/.wheelhouse/wheels.tar, the web app's
 * Python dependencies as wheels for the instances (CPython 3.11, x86_64
 * manylinux), from webapp/deploy/requirements.lock. pip downloads them from
 * its index (PyPI, or PIP_INDEX_URL; on this project's machines the local
 * mirror /opt/pypi) with --require-hashes, so a wheel that differs from the
 * lock is refused. The archive is deterministic (sorted, mtime 0).
 *
 * `npm run wheels -- --lock` first rewrites the lock from requirements.txt:
 * one wheel per pinned requirement for the target, with its sha256. Review
 * the diff before committing it.
 *
 * Up to date (the archive matches the lock) it does nothing.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createTar } from "../src/lib/tar";
import {
  LOCK_FILE,
  loadWheelhouse,
  MANIFEST_FILE,
  normalizeName,
  parseLock,
  verifyWheelhouse,
  WHEEL_TARGET,
  WHEELHOUSE_DIR,
  WHEELHOUSE_FILE,
  type WheelhouseManifest,
  wheelNameVersion,
} from "../src/web/wheelhouse";

const ROOT = path.resolve(__dirname, "..");
const WEBAPP = path.join(ROOT, "webapp");
const PYTHON = process.env.PYTHON ?? "python3";

function pipDownload(requirements: string, dest: string, hashes: boolean): void {
  const args = [
    "-m", "pip", "download", "--disable-pip-version-check", "--no-deps", "--only-binary=:all:",
    "--python-version", WHEEL_TARGET.pythonVersion, "--implementation", "cp", "--abi", WHEEL_TARGET.abi,
    ...WHEEL_TARGET.platforms.flatMap((p) => ["--platform", p]),
    ...(hashes ? ["--require-hashes"] : []),
    "-r", requirements, "-d", dest,
  ];
  const env = { ...process.env };
  // This project's machines have no PyPI, only a local mirror.
  if (!env.PIP_INDEX_URL && fs.existsSync("/opt/pypi/simple")) env.PIP_INDEX_URL = "file:///opt/pypi/simple";
  const r = spawnSync(PYTHON, args, { env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  if (r.status !== 0) {
    throw new Error(
      `pip download failed (${PYTHON} ${args.join(" ")}):\n${(r.stderr || r.stdout || String(r.error)).trim()}\n` +
        `Every requirement needs a wheel for CPython ${WHEEL_TARGET.pythonVersion} on ${WHEEL_TARGET.architecture} Linux (manylinux) in the index` +
        `${env.PIP_INDEX_URL ? ` (${env.PIP_INDEX_URL})` : ""}; the instances never build from source.`,
    );
  }
}

const sha256 = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex");

function writeLock(): void {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "wheels-lock-"));
  pipDownload(path.join(WEBAPP, "requirements.txt"), tmp, false);
  const lines = fs
    .readdirSync(tmp)
    .filter((f) => f.endsWith(".whl"))
    .map((f) => ({ ...wheelNameVersion(f), sha: sha256(path.join(tmp, f)) }))
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((w) => `${w.name}==${w.version} \\\n    --hash=sha256:${w.sha}`);
  const header = [
    "# The web app's runtime dependencies as the instances install them: exactly one wheel",
    `# per requirement, for CPython ${WHEEL_TARGET.pythonVersion} on ${WHEEL_TARGET.architecture} Linux (manylinux), with its sha256.`,
    "# deploy/install.sh installs them with pip --no-index --require-hashes from the wheel archive",
    "# the stacks publish next to the app bundle. Generated from requirements.txt by",
    "# `npm run wheels -- --lock`; keep the two in step (webapp/tests/test_deploy.py checks).",
  ];
  fs.writeFileSync(path.join(WEBAPP, LOCK_FILE), `${header.join("\n")}\n${lines.join("\n")}\n`);
  fs.rmSync(tmp, { recursive: true, force: true });
  console.log(`wheels: wrote ${LOCK_FILE} (${lines.length} wheels)`);
}

const OUT = path.join(WEBAPP, WHEELHOUSE_DIR, WHEELHOUSE_FILE);

/** Checks the archive against the lock (every byte) and records the manifest synth reads. */
function check(): WheelhouseManifest {
  const m = verifyWheelhouse(WEBAPP);
  fs.writeFileSync(path.join(WEBAPP, WHEELHOUSE_DIR, MANIFEST_FILE), `${JSON.stringify(m, null, 2)}\n`);
  return m;
}

function build(): void {
  try {
    loadWheelhouse(WEBAPP); // manifest current: nothing to do
    console.log(`wheels: ${path.relative(ROOT, OUT)} is up to date`);
    return;
  } catch {
    // missing, stale or touched: check it fully, else build it
  }
  if (fs.existsSync(OUT)) {
    try {
      const m = check();
      console.log(`wheels: ${path.relative(ROOT, OUT)} matches the lock (${m.wheels.length} wheels, sha256 ${m.archiveSha256.slice(0, 12)})`);
      return;
    } catch {
      // stale: rebuild
    }
  }
  const lock = parseLock(fs.readFileSync(path.join(WEBAPP, LOCK_FILE), "utf8"));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "wheels-"));
  pipDownload(path.join(WEBAPP, LOCK_FILE), tmp, true);
  const files = fs.readdirSync(tmp).filter((f) => f.endsWith(".whl")).sort();
  const byName = new Map(files.map((f) => [wheelNameVersion(f).name, f]));
  for (const l of lock) {
    const f = byName.get(normalizeName(l.name));
    if (!f || sha256(path.join(tmp, f)) !== l.sha256) throw new Error(`wheels: pip did not fetch ${l.name}==${l.version} with the locked hash`);
  }
  const tar = createTar(files.map((f) => ({ path: f, content: fs.readFileSync(path.join(tmp, f)), permissions: "0644" })));
  fs.mkdirSync(path.join(WEBAPP, WHEELHOUSE_DIR), { recursive: true });
  fs.writeFileSync(`${OUT}.tmp`, tar);
  fs.renameSync(`${OUT}.tmp`, OUT);
  fs.rmSync(tmp, { recursive: true, force: true });
  const m = check();
  console.log(`wheels: wrote ${path.relative(ROOT, OUT)} (${m.wheels.length} wheels, ${(tar.length / 1e6).toFixed(1)} MB, sha256 ${m.archiveSha256.slice(0, 12)})`);
}

try {
  if (process.argv.includes("--lock")) writeLock();
  build();
} catch (e) {
  console.error((e as Error).message);
  process.exit(1);
}
