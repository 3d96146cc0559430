/**
 * The RDS CA bundle the app ships (webapp/deploy/rds-global-bundle.pem) and
 * DB_SSLMODE=verify-full. The bundle is AWS's global bundle
 * (truststore.pki.rds.amazonaws.com/global/global-bundle.pem); no network here,
 * so its provenance is recorded in webapp/README.md and what can be checked
 * offline is checked: every certificate parses and is a self-signed CA whose
 * signature verifies, and the root of the CA the database instances use
 * (rds-ca-rsa2048-g1) is there for each configured region.
 */
import * as path from "node:path";
import { loadAppBundle, RDS_CA_BUNDLE_FILE } from "../../src/web/app-bundle";
import { pemCertificates, requireRdsRoot } from "../../src/web/rds-ca";
import { PROJECT_ROOT, resourceList, synthApp, userDataEnv } from "../helpers/synth";

describe("RDS CA bundle (verify-full TLS to the database)", () => {
  const bundle = loadAppBundle(path.join(PROJECT_ROOT, "webapp"));
  const pem = bundle.files.find((f) => f.path === RDS_CA_BUNDLE_FILE)!.content;
  const app = synthApp();

  it("holds only self-signed Amazon RDS root CAs whose signatures verify", () => {
    const certs = pemCertificates(pem);
    expect(certs.length).toBeGreaterThan(90);
    for (const c of certs) {
      expect(c.ca).toBe(true);
      expect(c.subject).toBe(c.issuer);
      expect(c.subject).toMatch(/^CN=Amazon RDS .*Root CA/m);
      expect(c.verify(c.publicKey)).toBe(true);
    }
  });

  it("has the root of the CA the database instances present, valid for years, in both regions", () => {
    const dbs = [...resourceList(app.stacks.primary, "aws_db_instance"), ...resourceList(app.stacks.secondary, "aws_db_instance")];
    expect(new Set(dbs.map((d) => d.ca_cert_identifier))).toEqual(new Set(["rds-ca-rsa2048-g1"]));
    for (const region of [app.config.regions.primary.region, app.config.regions.secondary.region]) {
      const root = requireRdsRoot(bundle, region);
      expect(new Date(root.validTo).getUTCFullYear()).toBeGreaterThan(new Date().getUTCFullYear() + 10);
    }
  });

  it("is what the instances verify the database with (verify-full, the installed path of the shipped file)", () => {
    for (const stack of ["primary", "secondary"]) {
      expect(userDataEnv(app.stacks[stack])).toMatchObject({ DB_SSLMODE: "verify-full", DB_SSLROOTCERT: `/opt/drweb/src/${RDS_CA_BUNDLE_FILE}` });
    }
  });

  it("refuses to synthesize for a region whose root the bundle lacks, or when it is expired", () => {
    expect(() => requireRdsRoot(bundle, "xx-nowhere-1")).toThrow(
      /has no "Amazon RDS xx-nowhere-1 Root CA RSA2048 G1": the web servers in xx-nowhere-1 could not verify the database .* Fix: replace webapp\/deploy\/rds-global-bundle\.pem with AWS's current global bundle/,
    );
    expect(() => requireRdsRoot(bundle, "us-east-2", new Date("2070-01-01"))).toThrow(/is not valid now/);
  });
});
