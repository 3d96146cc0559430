import { gunzipSync, gzipSync } from "node:zlib";
import { createTar, readTar } from "../lib/tar";

/** One file of the web app as shipped to the instances. */
export interface BundleFile {
  /** Path relative to the webapp folder, with forward slashes. */
  readonly path: string;
  /** File content (UTF-8 text). */
  readonly content: string;
  /** Unix permissions, e.g. "0644". */
  readonly permissions: string;
}

/** Bundle files as a deterministic .tar.gz, base64-encoded. */
export function bundleArchiveBase64(files: readonly BundleFile[]): string {
  const tar = createTar(files.map((f) => ({ path: f.path, content: Buffer.from(f.content, "utf8"), permissions: f.permissions })));
  return gzipSync(tar, { level: 9 }).toString("base64");
}

/** Inverse of bundleArchiveBase64 (tests, operators). */
export function unpackBundleArchive(base64: string): Record<string, { content: string; permissions: string }> {
  return Object.fromEntries(readTar(gunzipSync(Buffer.from(base64, "base64"))).map((e) => [e.path, { content: e.content.toString("utf8"), permissions: e.permissions }]));
}
