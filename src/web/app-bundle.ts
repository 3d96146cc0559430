import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { bundleArchiveBase64, type BundleFile } from "./bundle-archive";
import { loadWheelhouse, type Wheelhouse } from "./wheelhouse";

// BundleFile lives in bundle-archive.ts (with the archive format user-data.ts writes): no import cycle.
export type { BundleFile };

/** The exact web app code that the Python tests test, as shipped to the instances. */
export interface AppBundle {
  readonly files: readonly BundleFile[];
  /** SHA-256 over paths, modes and contents: changes whenever the app does. */
  readonly sha256: string;
  /** The files as a deterministic .tar.gz, base64 (built once, shipped to every region). */
  readonly archiveBase64: string;
  /** SHA-256 of the .tar.gz bytes (the instance checks what it fetched against it). */
  readonly archiveSha256: string;
  /** The locked dependencies as wheels (deploy/requirements.lock), installed offline. */
  readonly wheelhouse: Wheelhouse;
}

/** The RDS CA bundle the app ships: libpq verifies the database's certificate with it. */
export const RDS_CA_BUNDLE_FILE = "deploy/rds-global-bundle.pem";

/** What ships: the runtime package, its pinned requirements, the deploy files (installer, unit, lock, CA bundle). */
const INCLUDE = [/^drweb\/[A-Za-z0-9_\/]+\.py$/, /^requirements\.txt$/, /^deploy\/[A-Za-z0-9_.-]+$/];

/** Top-level folders INCLUDE can match: the walk never enters the others (webapp/.venv alone is thousands of files, ~200 ms per synth). */
const INCLUDED_DIRS = new Set(["drweb", "deploy"]);

function walk(dir: string, rel = ""): string[] {
  return fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) return e.name === "__pycache__" || (rel === "" && !INCLUDED_DIRS.has(e.name)) ? [] : walk(dir, r);
    return [r];
  });
}

/** Reads the app bundle from the webapp folder (sorted, so deterministic). */
export function loadAppBundle(webappDir: string): AppBundle {
  if (!fs.existsSync(path.join(webappDir, "drweb"))) {
    throw new Error(`The web app was not found at ${webappDir}/drweb: the web tier ships that code to the instances.`);
  }
  const files = walk(webappDir)
    .filter((f) => INCLUDE.some((re) => re.test(f)))
    .sort()
    .map((f) => {
      const full = path.join(webappDir, f);
      const executable = (fs.statSync(full).mode & 0o111) !== 0;
      return { path: f, content: fs.readFileSync(full, "utf8"), permissions: executable ? "0755" : "0644" };
    });
  for (const required of ["deploy/install.sh", "deploy/requirements.lock", RDS_CA_BUNDLE_FILE]) {
    if (!files.some((f) => f.path === required)) throw new Error(`The web app bundle has no ${required} (${webappDir}/${required}): the instances need it.`);
  }
  const hash = createHash("sha256");
  for (const f of files) hash.update(`${f.path}\0${f.permissions}\0${f.content}\0`);
  const archiveBase64 = bundleArchiveBase64(files);
  return {
    files,
    sha256: hash.digest("hex"),
    archiveBase64,
    archiveSha256: createHash("sha256").update(Buffer.from(archiveBase64, "base64")).digest("hex"),
    wheelhouse: loadWheelhouse(webappDir),
  };
}
