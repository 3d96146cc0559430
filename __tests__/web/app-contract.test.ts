/**
 * The seam between the stacks and the web app: the environment the launch
 * template's user data writes to /etc/drweb/drweb.env, fed to the app's OWN
 * config loader (webapp/drweb/config.py, through `python -m drweb
 * --check-config`, the check deploy/install.sh runs before it starts the
 * service), for both regions in every DR state. Neither side can change the
 * contract (a variable's name, a value's shape) without this failing.
 *
 * What stands in for the real thing, and why: Terraform fills some values in
 * at apply time (the database endpoints); they are replaced by plausible
 * literals of the shape RDS gives (`<identifier>.<random>.<region>.rds.amazonaws.com`,
 * the identifier taken from the synthesized resource). Paths under the
 * install folder (/opt/drweb/src, where the instance unpacks the app bundle)
 * are mapped to this checkout's webapp/ folder, which holds the same files.
 * Any other apply-time value fails the test, so a new one gets a stand-in on
 * purpose rather than by accident.
 */
import * as path from "node:path";
import { ENDPOINTS_PARAMETER_ENV } from "../../src/database/endpoints-parameter";
import { APP_SRC_DIR } from "../../src/web/user-data";
import { run } from "../helpers/run";
import { PROJECT_ROOT, resourceList, synthApp, userDataEnv, type StackJson, type SynthResult } from "../helpers/synth";

const WEBAPP = path.join(PROJECT_ROOT, "webapp");
const PYTHON = path.join(WEBAPP, ".venv", "bin", "python");

/** The DR states the runbook moves through (docs/failover-runbook.md "Database failover and failback runbook"). */
const DR_STATES: Record<string, unknown> = {
  normal: {},
  "failedOver (DNS forced to the secondary)": { database: { drState: "failedOver" }, dns: { forceFailover: true } },
  "failback (us-east-2 rebuilt as a replica)": { database: { drState: "failback", generations: { primary: 2 } } },
  "Aurora Global Database, normal": { database: { engine: "aurora-postgresql" } },
  "Aurora Global Database, failedOver": { database: { engine: "aurora-postgresql", drState: "failedOver" }, dns: { forceFailover: true } },
  "Aurora Global Database, failback": { database: { engine: "aurora-postgresql", drState: "failback" }, dns: { forceFailover: true } },
};

/** Aurora endpoint shapes (Aurora User Guide, "Types of Aurora endpoints": <cluster>.cluster-<id>.<region>.rds.amazonaws.com, reader cluster-ro-). */
const AURORA_ENDPOINT_SUFFIX: Record<string, string> = { endpoint: "cluster", reader_endpoint: "cluster-ro" };

/** The stand-in literal of one apply-time reference, or undefined for one this test does not know. */
function referenceLiteral(stack: StackJson, v: string, region: string): string | undefined {
  const ref = /^([a-z0-9_]+)\.([A-Za-z0-9_]+)\.([a-z_]+)$/.exec(v);
  if (!ref || v.includes("/")) return undefined;
  const [, type, id, attr] = ref;
  const res = stack.resource?.[type]?.[id];
  if (type === "aws_rds_cluster" && attr in AURORA_ENDPOINT_SUFFIX && typeof res?.cluster_identifier === "string") {
    return `${res.cluster_identifier}.${AURORA_ENDPOINT_SUFFIX[attr]}-c9akciq32lzp.${region}.rds.amazonaws.com`;
  }
  if (type === "aws_db_instance" && attr === "address" && typeof res?.identifier === "string") return `${res.identifier}.c9akciq32lzp.${region}.rds.amazonaws.com`;
  return undefined;
}

/**
 * Replaces apply-time Terraform references with plausible literals; throws on
 * any it does not know. A `replace(<reference>, "<from>", "<to>")` around one
 * (the Aurora cluster endpoint derived from the reader endpoint) is
 * evaluated as Terraform would, on the stand-in (a plain substring: neither
 * argument is a /regex/).
 */
export function literalEnv(stack: StackJson, env: Record<string, string>, region: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    const call = /^replace\(([A-Za-z0-9_.]+), "([^"/]*)", "([^"]*)"\)$/.exec(v);
    const inner = call ? referenceLiteral(stack, call[1], region) : undefined;
    if (call) {
      if (inner === undefined) throw new Error(`${k}=${v}: an apply-time value this test has no stand-in for; add one`);
      out[k] = inner.split(call[2]).join(call[3]);
    } else if (/^([a-z0-9_]+)\.([A-Za-z0-9_]+)\.([a-z_]+)$/.test(v) && !v.includes("/")) {
      const literal = referenceLiteral(stack, v, region);
      if (literal === undefined) throw new Error(`${k}=${v}: an apply-time value this test has no stand-in for; add one`);
      out[k] = literal;
    } else if (v.startsWith(`${APP_SRC_DIR}/`)) {
      out[k] = path.join(WEBAPP, v.slice(APP_SRC_DIR.length + 1));
    } else {
      out[k] = v;
    }
  }
  return out;
}

/** Runs the app's pre-start config check with exactly `env` (plus PATH/HOME). */
function checkConfig(env: Record<string, string>) {
  return run(PYTHON, ["-m", "drweb", "--check-config"], { cwd: WEBAPP, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root", ...env } });
}

describe("web app <-> stacks contract (the synthesized instance environment through the app's own config loader)", () => {
  beforeAll(async () => {
    const setup = await run("bash", [path.join(PROJECT_ROOT, "scripts", "setup-python.sh")]);
    expect(setup.status, setup.stderr).toBe(0);
  }, 600_000);

  // Each synthesis in its own hook, not at collection time: one long
  // synchronous stretch would starve the worker's RPC (run.ts explains).
  for (const [state, overrides] of Object.entries(DR_STATES)) {
    describe(state, () => {
      let app: SynthResult;
      beforeAll(() => {
        app = synthApp(overrides);
      }, 120_000);
      it.each([
        ["primary", "us-east-2"],
        ["secondary", "us-west-1"],
      ])("the %s instances' environment passes the app's config check", async (stack, region) => {
        expect(app.config.regions[stack as "primary" | "secondary"].region).toBe(region);
        const written = userDataEnv(app.stacks[stack]);
        expect(written.DRWEB_REGION).toBe(region);
        const env = literalEnv(app.stacks[stack], written, region);
        const parameter = env[ENDPOINTS_PARAMETER_ENV];
        // Aurora mode: the stacks name the endpoints parameter (the RDS mode never does).
        expect(parameter !== undefined).toBe(app.config.database.engine === "aurora-postgresql");
        const r = await checkConfig(env);
        expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
        expect(r.stdout).toContain(`drweb: configuration ok (region ${region}`);
        if (parameter !== undefined) {
          // The app takes its endpoints from the parameter when it starts (never from DB_WRITER_HOST / DB_READER_HOST).
          expect(r.stdout).toContain(parameter);
          expect(r.stdout).toContain("engine aurora-postgresql");
          // The hosts the launch template still carries keep their own contract: in every DR state each region's
          // app is told it is an Aurora member and given its OWN cluster's cluster endpoint to write through and
          // reader endpoint to fall back to while that cluster is a secondary member (webapp/drweb/db.py
          // Database.role): the app, not the deploy, finds which region writes.
          const { [ENDPOINTS_PARAMETER_ENV]: _parameter, ...hostsOnly } = env;
          const h = await checkConfig(hostsOnly);
          const cluster = resourceList(app.stacks[stack], "aws_rds_cluster")[0].cluster_identifier as string;
          const writer = `${cluster}.cluster-c9akciq32lzp.${region}.rds.amazonaws.com`;
          const reader = `${cluster}.cluster-ro-c9akciq32lzp.${region}.rds.amazonaws.com`;
          expect(h.stdout.trim()).toBe(`drweb: configuration ok (region ${region}, writer ${writer}, reader ${reader}, engine aurora-postgresql, auth secretsmanager)`);
        } else {
          expect(r.stdout).toContain("engine postgres,");
        }
      }, 60_000);
    });
  }

  describe("the check itself", () => {
    let app: SynthResult;
    beforeAll(() => {
      app = synthApp();
    }, 120_000);
    const env = () => literalEnv(app.stacks.secondary, userDataEnv(app.stacks.secondary), "us-west-1");

    it("fails when the stack and the app disagree (a dropped, renamed or malformed variable)", async () => {
      const { DB_WRITER_HOST: _dropped, ...missing } = env();
      const r1 = await checkConfig(missing);
      expect(r1.status).toBe(2);
      expect(r1.stderr).toContain("DB_WRITER_HOST is required");
      const { DB_SECRET_ID: id, ...renamed } = env();
      const r2 = await checkConfig({ ...renamed, DB_SECRET_IDENTIFIER: id });
      expect(r2.status).toBe(2);
      expect(r2.stderr).toContain("DB_SECRET_IDENTIFIER is set but drweb does not read it");
      const r3 = await checkConfig({ ...env(), DB_SSLROOTCERT: "/opt/drweb/src/deploy/missing.pem" });
      expect(r3.status).toBe(2);
      expect(r3.stderr).toContain("DB_SSLROOTCERT names '/opt/drweb/src/deploy/missing.pem', which is not a readable file");
    }, 60_000);

    it("reads the credentials secret by name in both regions (its replica's ARN is unknowable to the secondary)", () => {
      for (const stack of ["primary", "secondary"]) {
        const written = userDataEnv(app.stacks[stack]);
        expect(written.DB_SECRET_ID).toBe("drweb-prod/db/master");
        expect(written.DB_SECRET_ID).not.toMatch(/^arn:/);
        expect(written.DB_SECRET_ARN).toBeUndefined();
      }
    });

    it("fails when the Aurora mode's environment loses DB_ENGINE or the reader endpoint (the app could not tell a secondary member from an outage)", async () => {
      const aurora = synthApp({ database: { engine: "aurora-postgresql" } });
      // The endpoint hosts' own contract: without the endpoints parameter (which, when set, replaces them).
      const { [ENDPOINTS_PARAMETER_ENV]: _parameter, ...full } = literalEnv(aurora.stacks.secondary, userDataEnv(aurora.stacks.secondary), "us-west-1");
      const { DB_READER_HOST: _reader, ...noReader } = full;
      const r1 = await checkConfig(noReader);
      expect(r1.status).toBe(2);
      expect(r1.stderr).toContain("DB_READER_HOST is required when DB_ENGINE=aurora-postgresql");
      const { DB_ENGINE: _engine, ...noEngine } = full;
      const r2 = await checkConfig(noEngine);
      expect(r2.status).toBe(0);
      expect(r2.stdout).toContain("engine postgres,"); // the RDS reading: a missing cluster endpoint would be an outage
      expect(r2.stdout).not.toContain("aurora-postgresql");
    }, 60_000);

    it("refuses an apply-time value it has no stand-in for", () => {
      expect(() => literalEnv(app.stacks.primary, { X: "aws_lb.Web_Alb_1234.dns_name" }, "us-east-2")).toThrow(/X=aws_lb\.Web_Alb_1234\.dns_name: an apply-time value/);
    });
  });
});
