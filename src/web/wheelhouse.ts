import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { readTar } from "../lib/tar";
import { WHEEL_TARGET } from "../lib/wheel-target";

/**
 * The web app's Python dependencies as wheels for the instances, so a launch
 * (a scale-out, a replacement, a failover) installs offline and verified:
 * `pip install --no-index --require-hashes` from this archive (deploy/install.sh),
 * never from PyPI. The target (CPython 3.11 on x86_64 Linux, and why):
 * WHEEL_TARGET in src/lib/wheel-target.ts, where the config schema reads it
 * without importing src/web/; re-exported.
 */
export { WHEEL_TARGET };

/** The lock file (pip requirements with hashes), committed, shipped in the app bundle. */
export const LOCK_FILE = "deploy/requirements.lock";
/** Where `npm run wheels` writes the archive (git-ignored). */
export const WHEELHOUSE_DIR = ".wheelhouse";
export const WHEELHOUSE_FILE = "wheels.tar";

/** One pinned requirement of the lock: name, version and the sha256 of its one wheel. */
export interface LockedWheel {
  readonly name: string;
  readonly version: string;
  readonly sha256: string;
}

/** The built wheel archive: verified against the lock. */
export interface Wheelhouse {
  /** Absolute path of the .tar (an uncompressed tar of the .whl files, deterministic). */
  readonly archivePath: string;
  /** SHA-256 of the archive bytes. */
  readonly sha256: string;
  /** Wheel file names in the archive. */
  readonly wheels: readonly string[];
}

/** Parses requirements.lock (`name==version \` + `--hash=sha256:<hex>` lines). */
export function parseLock(text: string): LockedWheel[] {
  const joined = text.replace(/\\\n/g, " ");
  const out: LockedWheel[] = [];
  for (const raw of joined.split("\n")) {
    const line = raw.replace(/#.*$/, "").trim();
    if (!line) continue;
    const m = /^([A-Za-z0-9_.-]+)==(\S+)\s+--hash=sha256:([0-9a-f]{64})$/.exec(line.replace(/\s+/g, " "));
    if (!m) throw new Error(`${LOCK_FILE}: not "name==version --hash=sha256:<hex>" (exactly one wheel per requirement): ${line}`);
    out.push({ name: m[1], version: m[2], sha256: m[3] });
  }
  return out;
}

/** PEP 503 normalized project name. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

/** Name and version from a wheel file name (PEP 427). */
export function wheelNameVersion(file: string): { name: string; version: string } {
  const parts = file.replace(/\.whl$/, "").split("-");
  if (!file.endsWith(".whl") || parts.length < 5) throw new Error(`not a wheel file name: ${file}`);
  return { name: normalizeName(parts[0]), version: parts[1] };
}

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** What `npm run wheels` records next to the archive (wheels.json). */
export interface WheelhouseManifest {
  /** SHA-256 of the lock file the archive was built and checked from. */
  readonly lockSha256: string;
  readonly archiveSha256: string;
  /** Size and mtime of the archive when it was checked: a changed file must be checked again. */
  readonly size: number;
  readonly mtimeMs: number;
  readonly wheels: readonly string[];
}

export const MANIFEST_FILE = "wheels.json";

/**
 * Checks, byte for byte, that the archive holds exactly the wheels of the lock,
 * and returns the manifest to record. Reads the whole archive (`npm run wheels`).
 */
export function verifyWheelhouse(webappDir: string): WheelhouseManifest {
  const lockText = fs.readFileSync(path.join(webappDir, LOCK_FILE), "utf8");
  const archivePath = path.join(webappDir, WHEELHOUSE_DIR, WHEELHOUSE_FILE);
  const stat = fs.statSync(archivePath);
  const bytes = fs.readFileSync(archivePath);
  const problems: string[] = [];
  const wanted = new Map(parseLock(lockText).map((l) => [normalizeName(l.name), l]));
  const wheels: string[] = [];
  for (const { path: file, content } of readTar(bytes)) {
    wheels.push(file);
    const { name, version } = wheelNameVersion(file);
    const l = wanted.get(name);
    if (!l) problems.push(`${file} is not in the lock`);
    else if (l.version !== version) problems.push(`${file} is ${name} ${version}, the lock pins ${l.version}`);
    else if (sha256(content) !== l.sha256) problems.push(`${file} does not match the lock's sha256`);
    wanted.delete(name);
  }
  for (const l of wanted.values()) problems.push(`${l.name}==${l.version} is missing`);
  if (problems.length) throw new Error(`The wheel archive ${archivePath} does not match ${LOCK_FILE}: ${problems.join("; ")}`);
  return { lockSha256: sha256(Buffer.from(lockText)), archiveSha256: sha256(bytes), size: stat.size, mtimeMs: stat.mtimeMs, wheels: wheels.sort() };
}

const cache = new Map<string, Wheelhouse>();

/**
 * The wheel archive as `npm run wheels` built and checked it (its manifest:
 * every wheel against the lock), for synth; refused with the command to run
 * when the archive is missing, the lock changed since, or its bytes differ
 * from what was checked. (The instances check the archive's SHA-256 again
 * when they fetch it, and pip checks every wheel's.)
 */
export function loadWheelhouse(webappDir: string): Wheelhouse {
  const dir = path.join(webappDir, WHEELHOUSE_DIR);
  const archivePath = path.join(dir, WHEELHOUSE_FILE);
  const fix = "Fix: run `npm run wheels` (builds it with pip from PyPI or PIP_INDEX_URL and checks every wheel's hash)";
  if (!fs.existsSync(archivePath) || !fs.existsSync(path.join(dir, MANIFEST_FILE))) {
    throw new Error(`The web app's wheel archive ${archivePath} does not exist: the instances install their Python dependencies from it, offline. ${fix}.`);
  }
  const lockSha256 = sha256(fs.readFileSync(path.join(webappDir, LOCK_FILE)));
  const stat = fs.statSync(archivePath);
  const key = `${archivePath}\0${lockSha256}\0${stat.size}\0${stat.mtimeMs}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const m = JSON.parse(fs.readFileSync(path.join(dir, MANIFEST_FILE), "utf8")) as WheelhouseManifest;
  if (m.lockSha256 !== lockSha256) throw new Error(`The wheel archive ${archivePath} was built for another ${LOCK_FILE} (the lock changed since). ${fix}.`);
  // The archive's bytes are what the instances check after fetching it, so
  // they must be what was checked: unchanged size and mtime since the check
  // (as make decides), else hashed again (once per process, cached above).
  const unchanged = m.size === stat.size && m.mtimeMs === stat.mtimeMs;
  if (m.size !== stat.size || (!unchanged && sha256(fs.readFileSync(archivePath)) !== m.archiveSha256)) {
    throw new Error(`The wheel archive ${archivePath} changed since \`npm run wheels\` checked it. ${fix}.`);
  }
  const w = { archivePath, sha256: m.archiveSha256, wheels: m.wheels };
  cache.set(key, w);
  return w;
}
