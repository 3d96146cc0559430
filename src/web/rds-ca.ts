import { X509Certificate } from "node:crypto";
import type { AppBundle } from "./app-bundle";
import { RDS_CA_BUNDLE_FILE } from "./app-bundle";

/**
 * The CA the database instances present (src/database: ca_cert_identifier
 * "rds-ca-rsa2048-g1"). Its root for a region is named "Amazon RDS <region>
 * Root CA RSA2048 G1" in AWS's global bundle
 * (https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem, Amazon
 * RDS User Guide, "Using SSL/TLS to encrypt a connection to a DB instance",
 * Certificate bundles for all AWS Regions).
 */
export const RDS_CA_FAMILY = "RSA2048 G1";

/** The certificates of a PEM bundle. */
export function pemCertificates(pem: string): X509Certificate[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((b) => new X509Certificate(b));
}

/** Throws unless the app's shipped bundle holds the region's RDS root, valid now. */
export function requireRdsRoot(bundle: AppBundle, region: string, now: Date = new Date()): X509Certificate {
  const file = bundle.files.find((f) => f.path === RDS_CA_BUNDLE_FILE);
  const cn = `Amazon RDS ${region} Root CA ${RDS_CA_FAMILY}`;
  const root = file && pemCertificates(file.content).find((c) => c.subject.split("\n").includes(`CN=${cn}`));
  const fix = `Fix: replace webapp/${RDS_CA_BUNDLE_FILE} with AWS's current global bundle (https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem)`;
  if (!root) throw new Error(`The RDS CA bundle the app ships (webapp/${RDS_CA_BUNDLE_FILE}) has no "${cn}": the web servers in ${region} could not verify the database (DB_SSLMODE=verify-full). ${fix}`);
  if (now < new Date(root.validFrom) || now > new Date(root.validTo)) throw new Error(`"${cn}" in webapp/${RDS_CA_BUNDLE_FILE} is not valid now (${root.validFrom} .. ${root.validTo}). ${fix}`);
  return root;
}
