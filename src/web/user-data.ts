import { Fn } from "cdktf";
import { bundleArchiveBase64, unpackBundleArchive } from "./bundle-archive";

/** Where the bundle is unpacked on the instance. */
export const APP_SRC_DIR = "/opt/drweb/src";
/** Where the bundle archive is written. */
export const APP_ARCHIVE = "/opt/drweb/bundle.tar.gz";
/** The RDS CA bundle the app ships (webapp/deploy/rds-global-bundle.pem), as installed. */
export const RDS_CA_BUNDLE_PATH = `${APP_SRC_DIR}/deploy/rds-global-bundle.pem`;
/** The app's environment file, read by the systemd unit. */
export const APP_ENV_FILE = "/etc/drweb/drweb.env";

// The bundle archive's format (bundleArchiveBase64, unpackBundleArchive) lives in bundle-archive.ts; re-exported.
export { bundleArchiveBase64, unpackBundleArchive };

/** One version of an S3 object the instance fetches, and the SHA-256 its bytes must have. */
export interface ObjectVersion {
  readonly bucket: string;
  readonly key: string;
  /** The object version (an apply-time value: the upload must exist before a launch template names it). */
  readonly versionId: string;
  readonly sha256: string;
  readonly region: string;
}

/** Where the wheel archive is unpacked (install.sh installs from it with pip --no-index). */
export const APP_WHEELS_DIR = "/opt/drweb/wheels";
/** The boot script the user data writes, then runs with the archives' locations as arguments. */
export const BOOTSTRAP_PATH = "/opt/drweb/bootstrap.sh";

/**
 * Fetches both archives at exactly the versions given, checks their SHA-256,
 * unpacks them and runs the app's installer. Any failure stops it with a
 * message (cloud-init logs it to /var/log/cloud-init-output.log and the
 * console: `aws ec2 get-console-output`), and the instance never serves, so
 * the load balancer keeps it out and Auto Scaling replaces it.
 */
export const BOOTSTRAP_SCRIPT = `#!/bin/bash
# drweb bootstrap (written by the launch template's user data): args are
# bucket region app-key app-version app-sha256 wheels-key wheels-version wheels-sha256
set -euo pipefail
trap 'echo "drweb-bootstrap: FAILED: line $LINENO: $BASH_COMMAND (exit $?); this instance will not serve" >&2' ERR
bucket=$1 region=$2
fetch() { # key version sha256 dest
  aws s3api get-object --bucket "$bucket" --region "$region" --key "$1" --version-id "$2" "$4" >/dev/null
  echo "$3  $4" | sha256sum --check --strict --quiet
}
mkdir -p ${APP_SRC_DIR} ${APP_WHEELS_DIR}
fetch "$3" "$4" "$5" ${APP_ARCHIVE}
fetch "$6" "$7" "$8" /opt/drweb/wheels.tar
tar -xzf ${APP_ARCHIVE} -C ${APP_SRC_DIR}
tar -xf /opt/drweb/wheels.tar -C ${APP_WHEELS_DIR}
exec bash ${APP_SRC_DIR}/deploy/install.sh
`;

/**
 * The instance user data, as a Terraform expression: a cloud-config (JSON
 * is valid YAML) that writes the app's environment file and the bootstrap
 * script, then runs it with the archives' bucket, keys, versions and hashes.
 * The environment and the object versions are known only at apply time, so
 * Terraform assembles and encodes it; referencing the versions also orders
 * the launch template after the uploads.
 */
export function renderUserData(archive: ObjectVersion, wheels: ObjectVersion, bundleSha256: string, environment: Readonly<Record<string, string>>): string {
  for (const [k, v] of Object.entries(environment)) {
    if (!/^[A-Z][A-Z0-9_]*$/.test(k)) throw new Error(`invalid environment variable name "${k}"`);
    // systemd EnvironmentFile values, unquoted: no whitespace, quotes or backslashes.
    if (/[\s"'\\]/.test(v)) throw new Error(`environment variable ${k} has whitespace, a quote or a backslash: ${JSON.stringify(v)}`);
  }
  if (archive.bucket !== wheels.bucket || archive.region !== wheels.region) throw new Error("the app and wheel archives must be in one bucket");
  // Values may be tokens (apply-time values): join them as list elements,
  // never inside template strings.
  const lines = Object.entries({ ...environment, DRWEB_BUNDLE_SHA256: bundleSha256 }).map(([k, v]) => Fn.join("", [`${k}=`, v]));
  const cloudConfig = {
    write_files: [
      // Terraform joins the lines, so apply-time values fill in.
      { path: APP_ENV_FILE, content: Fn.join("\n", [...lines, ""]), permissions: "0640", owner: "root:root" },
      // base64 (cloud-init write_files `encoding: b64`): a literal with quotes
      // and newlines inside a Terraform expression is not escaped by cdktf.
      { path: BOOTSTRAP_PATH, encoding: "b64", content: Buffer.from(BOOTSTRAP_SCRIPT, "utf8").toString("base64"), permissions: "0700", owner: "root:root" },
    ],
    runcmd: [
      ["bash", BOOTSTRAP_PATH, archive.bucket, archive.region, archive.key, archive.versionId, archive.sha256, wheels.key, wheels.versionId, wheels.sha256],
    ],
  };
  return Fn.base64encode(Fn.join("\n", ["#cloud-config", Fn.jsonencode(cloudConfig)]));
}
