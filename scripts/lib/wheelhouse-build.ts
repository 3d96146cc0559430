/**
 * Builds webapp/.wheelhouse/wheels.tar (`npm run wheels`, scripts/wheelhouse.ts;
 * and main.ts, the app cdktf.json runs, when the archive is missing), the web app's
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
 * Up to date (the archive matches the lock) it does nothing. Every function
 * takes the webapp folder, so a test can build into a copy of it.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createTar } from "../../src/lib/tar";
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
} from "../../src/web/wheelhouse";

const PYTHON = process.env.PYTHON ?? "python3";

/** Where the archive of a webapp folder goes. */
export function wheelhouseArchive(webappDir: string): string {
  return path.join(webappDir, WHEELHOUSE_DIR, WHEELHOUSE_FILE);
}

/** True when the archive or its manifest (what `npm run wheels` records after checking it) is absent. */
export function wheelhouseMissing(webappDir: string): boolean {
  return !fs.existsSync(wheelhouseArchive(webappDir)) || !fs.existsSync(path.join(webappDir, WHEELHOUSE_DIR, MANIFEST_FILE));
}

/** The package index pip uses: PIP_INDEX_URL, else this project's machines' local mirror, else pip's own (PyPI or pip.conf). */
export function pipIndex(): string | undefined {
  if (process.env.PIP_INDEX_URL) return process.env.PIP_INDEX_URL;
  return fs.existsSync("/opt/pypi/simple") ? "file:///opt/pypi/simple" : undefined;
}

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
  const index = pipIndex();
  if (index) env.PIP_INDEX_URL = index;
  const r = spawnSync(PYTHON, args, { env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  if (r.status !== 0) {
    throw new Error(
      `pip download failed (${PYTHON} ${args.join(" ")}):\n${(r.stderr || r.stdout || String(r.error)).trim()}\n` +
        `Every requirement needs a wheel for CPython ${WHEEL_TARGET.pythonVersion} on ${WHEEL_TARGET.architecture} Linux (manylinux) in the index` +
        `${env.PIP_INDEX_URL ? ` (${env.PIP_INDEX_URL})` : " (pip's default: PyPI, or your pip.conf)"}; the instances never build from source. ` +
        "Fix: make a package index that has them reachable (PIP_INDEX_URL=<index url>, or a local mirror at /opt/pypi/simple) and run `npm run wheels`, " +
        "or copy a built webapp/.wheelhouse/ (wheels.tar and wheels.json) from another checkout of the same requirements.lock.",
    );
  }
}

const sha256 = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex");

/** `npm run wheels -- --lock`: rewrites the lock from requirements.txt. */
export function writeLock(webappDir: string, log: (line: string) => void = console.log): void {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "wheels-lock-"));
  pipDownload(path.join(webappDir, "requirements.txt"), tmp, false);
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
  fs.writeFileSync(path.join(webappDir, LOCK_FILE), `${header.join("\n")}\n${lines.join("\n")}\n`);
  fs.rmSync(tmp, { recursive: true, force: true });
  log(`wheels: wrote ${LOCK_FILE} (${lines.length} wheels)`);
}

/** Checks the archive against the lock (every byte) and records the manifest synth reads. */
function check(webappDir: string): WheelhouseManifest {
  const m = verifyWheelhouse(webappDir);
  fs.writeFileSync(path.join(webappDir, WHEELHOUSE_DIR, MANIFEST_FILE), `${JSON.stringify(m, null, 2)}\n`);
  return m;
}

/**
 * Builds the archive unless it is up to date: checked against the lock when
 * present, else downloaded by pip (--require-hashes) and checked. Throws an
 * Error saying what failed (pip's own output, the index it used).
 */
export function buildWheelhouse(webappDir: string, log: (line: string) => void = console.log): void {
  const OUT = wheelhouseArchive(webappDir);
  const shown = path.join(path.basename(webappDir), WHEELHOUSE_DIR, WHEELHOUSE_FILE);
  try {
    loadWheelhouse(webappDir); // manifest current: nothing to do
    log(`wheels: ${shown} is up to date`);
    return;
  } catch {
    // missing, stale or touched: check it fully, else build it
  }
  if (fs.existsSync(OUT)) {
    try {
      const m = check(webappDir);
      log(`wheels: ${shown} matches the lock (${m.wheels.length} wheels, sha256 ${m.archiveSha256.slice(0, 12)})`);
      return;
    } catch {
      // stale: rebuild
    }
  }
  const lock = parseLock(fs.readFileSync(path.join(webappDir, LOCK_FILE), "utf8"));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "wheels-"));
  let tar: Buffer;
  try {
    pipDownload(path.join(webappDir, LOCK_FILE), tmp, true);
    const files = fs.readdirSync(tmp).filter((f) => f.endsWith(".whl")).sort();
    const byName = new Map(files.map((f) => [wheelNameVersion(f).name, f]));
    for (const l of lock) {
      const f = byName.get(normalizeName(l.name));
      if (!f || sha256(path.join(tmp, f)) !== l.sha256) throw new Error(`wheels: pip did not fetch ${l.name}==${l.version} with the locked hash`);
    }
    tar = createTar(files.map((f) => ({ path: f, content: fs.readFileSync(path.join(tmp, f)), permissions: "0644" })));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  fs.mkdirSync(path.join(webappDir, WHEELHOUSE_DIR), { recursive: true });
  // Written aside and renamed: a new file, never the old one rewritten in
  // place (synth hard-links the archive into the stack folders: StackFileAsset).
  fs.writeFileSync(`${OUT}.tmp`, tar);
  fs.renameSync(`${OUT}.tmp`, OUT);
  const m = check(webappDir);
  log(`wheels: wrote ${shown} (${m.wheels.length} wheels, ${(tar.length / 1e6).toFixed(1)} MB, sha256 ${m.archiveSha256.slice(0, 12)})`);
}
