import { Fn } from "cdktf";
import { gunzipSync, gzipSync } from "node:zlib";
import { createTar, readTar } from "../lib/tar";
import type { BundleFile } from "./app-bundle";

/** Where the bundle is unpacked on the instance. */
export const APP_SRC_DIR = "/opt/drweb/src";
/** Where the bundle archive is written. */
export const APP_ARCHIVE = "/opt/drweb/bundle.tar.gz";
/** The RDS CA bundle the app ships (webapp/deploy/rds-global-bundle.pem), as installed. */
export const RDS_CA_BUNDLE_PATH = `${APP_SRC_DIR}/deploy/rds-global-bundle.pem`;
/** The app's environment file, read by the systemd unit. */
export const APP_ENV_FILE = "/etc/drweb/drweb.env";

/** Bundle files as a deterministic .tar.gz, base64-encoded. */
export function bundleArchiveBase64(files: readonly BundleFile[]): string {
  const tar = createTar(files.map((f) => ({ path: f.path, content: Buffer.from(f.content, "utf8"), permissions: f.permissions })));
  return gzipSync(tar, { level: 9 }).toString("base64");
}

/** Inverse of bundleArchiveBase64 (tests, operators). */
export function unpackBundleArchive(base64: string): Record<string, { content: string; permissions: string }> {
  return Object.fromEntries(readTar(gunzipSync(Buffer.from(base64, "base64"))).map((e) => [e.path, { content: e.content.toString("utf8"), permissions: e.permissions }]));
}

/** Where the instance fetches the app archive from. */
export interface ArchiveLocation {
  readonly bucket: string;
  readonly key: string;
  readonly region: string;
}

/**
 * The instance user data, as a Terraform expression: a cloud-config (JSON
 * is valid YAML) that writes the app's environment file, fetches the app
 * archive from S3 (instance role), unpacks it and runs its own
 * deploy/install.sh. The environment may hold values known only at apply
 * time (database endpoints), so Terraform assembles and encodes it.
 */
export function renderUserData(archive: ArchiveLocation, bundleSha256: string, environment: Readonly<Record<string, string>>): string {
  for (const [k, v] of Object.entries(environment)) {
    if (!/^[A-Z][A-Z0-9_]*$/.test(k)) throw new Error(`invalid environment variable name "${k}"`);
    // systemd EnvironmentFile values, unquoted: no whitespace, quotes or backslashes.
    if (/[\s"'\\]/.test(v)) throw new Error(`environment variable ${k} has whitespace, a quote or a backslash: ${JSON.stringify(v)}`);
  }
  // Values may be tokens (apply-time values): join them as list elements,
  // never inside template strings.
  const lines = Object.entries({ ...environment, DRWEB_BUNDLE_SHA256: bundleSha256 }).map(([k, v]) => Fn.join("", [`${k}=`, v]));
  const cloudConfig = {
    write_files: [
      // Terraform joins the lines, so apply-time values fill in.
      { path: APP_ENV_FILE, content: Fn.join("\n", [...lines, ""]), permissions: "0640", owner: "root:root" },
    ],
    runcmd: [
      ["mkdir", "-p", APP_SRC_DIR],
      ["aws", "s3", "cp", Fn.join("", ["s3://", archive.bucket, "/", archive.key]), APP_ARCHIVE, "--region", archive.region],
      ["tar", "-xzf", APP_ARCHIVE, "-C", APP_SRC_DIR],
      ["bash", `${APP_SRC_DIR}/deploy/install.sh`],
    ],
  };
  return Fn.base64encode(Fn.join("\n", ["#cloud-config", Fn.jsonencode(cloudConfig)]));
}
