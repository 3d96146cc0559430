import { gzipSync, gunzipSync } from "node:zlib";
import type { AppBundle } from "./app-bundle";

/** Where the bundle is written on the instance. */
export const APP_SRC_DIR = "/opt/drweb/src";
/** The app's environment file, read by the systemd unit. */
export const APP_ENV_FILE = "/etc/drweb/drweb.env";
/** EC2 accepts at most 16 KB of user data (before base64). */
export const USER_DATA_LIMIT_BYTES = 16 * 1024;

/**
 * Renders the instance user data: a cloud-config (JSON is valid YAML) that
 * writes the app bundle and its environment file, then runs the bundle's own
 * deploy/install.sh. The whole document is gzip-compressed (cloud-init
 * detects gzip) and base64-encoded for the launch template.
 * @throws Error when the compressed document exceeds EC2's 16 KB limit.
 */
export function renderUserData(bundle: AppBundle, environment: Readonly<Record<string, string>>): string {
  const envFile =
    Object.entries(environment)
      .map(([k, v]) => {
        if (!/^[A-Z][A-Z0-9_]*$/.test(k)) throw new Error(`invalid environment variable name "${k}"`);
        if (/[\n"\\]/.test(v)) throw new Error(`environment variable ${k} has a newline, quote or backslash`);
        return `${k}="${v}"`;
      })
      .join("\n") + "\n";
  const cloudConfig = {
    write_files: [
      ...bundle.files.map((f) => ({ path: `${APP_SRC_DIR}/${f.path}`, content: f.content, permissions: f.permissions, owner: "root:root" })),
      { path: APP_ENV_FILE, content: envFile, permissions: "0640", owner: "root:root" },
    ],
    runcmd: [
      // The instance id comes from IMDSv2 (tokens required, hop limit 1).
      `TOKEN=$(curl -sS -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 60') && ` +
        `echo "DRWEB_INSTANCE_ID=$(curl -sS -H "X-aws-ec2-metadata-token: $TOKEN" http://169.254.169.254/latest/meta-data/instance-id)" >> ${APP_ENV_FILE}`,
      `echo "DRWEB_BUNDLE_SHA256=${bundle.sha256}" >> ${APP_ENV_FILE}`,
      `bash ${APP_SRC_DIR}/deploy/install.sh`,
    ],
  };
  const doc = `#cloud-config\n${JSON.stringify(cloudConfig)}\n`;
  const gz = gzipSync(Buffer.from(doc, "utf8"), { level: 9 });
  if (gz.length > USER_DATA_LIMIT_BYTES) {
    throw new Error(
      `The web app bundle makes ${gz.length} bytes of compressed user data; EC2 accepts at most ${USER_DATA_LIMIT_BYTES}. ` +
        `Fix: keep webapp/drweb small, or ship the bundle through S3 instead of user data.`,
    );
  }
  return gz.toString("base64");
}

/** Inverse of renderUserData, for tests and operators: base64 -> cloud-config text. */
export function decodeUserData(base64: string): string {
  return gunzipSync(Buffer.from(base64, "base64")).toString("utf8");
}
