/**
 * The real check: every synthesized stack that uses only the aws provider
 * goes through the real `terraform init -backend=false` + `terraform
 * validate` with the real hashicorp/aws 5.100.0 provider from the offline
 * mirror. This never skips: without terraform or the provider it fails with
 * a message saying how to provide them (scripts/lib/terraform-env.ts).
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { awsOnlyStacks, prepareTerraformEnv, validateStackDirs, type ValidateResult } from "../../scripts/lib/terraform-env";
import { run } from "../helpers/run";
import { PROJECT_ROOT, synthApp } from "../helpers/synth";

/** Config variants whose Terraform must be valid, each synthesized whole. */
const VARIANTS: Record<string, unknown> = {
  defaults: {},
  "HTTPS with certificates, narrowed ingress, EKS public endpoint for one CIDR, a connected network instead of the deploy runner, an admin access entry and a pinned add-on": {
    eks: {
      publicAccessCidrs: ["203.0.113.0/24"],
      privateAccessCidrs: ["10.100.0.0/16"],
      deployRunner: { enabled: false },
      clusterCreatorAdmin: false,
      adminPrincipalArns: ["arn:aws:iam::123456789012:role/platform-admin"],
      addonVersions: { coredns: "v1.12.4-eksbuild.1" },
    },
    regions: {
      primary: { certificateArn: "arn:aws:acm:us-east-2:123456789012:certificate/11111111-2222-3333-4444-555555555555" },
      secondary: { certificateArn: "arn:aws:acm:us-west-1:123456789012:certificate/66666666-7777-8888-9999-000000000000" },
    },
    web: { ingressCidrs: ["203.0.113.0/24", "198.51.100.0/24"] },
  },
  "database failed over to us-west-1, DNS forced to the secondary": { database: { drState: "failedOver" }, dns: { forceFailover: true } },
  "database failing back (us-east-2 rebuilt as a replica)": { database: { drState: "failback", generations: { primary: 2 } } },
  "the secondary region unreachable: the primary held there (regions.secondary.unreachable)": { regions: { secondary: { unreachable: true } } },
  "Aurora Global Database, normal": { database: { engine: "aurora-postgresql" } },
  "Aurora Global Database, failed over to us-west-1": { database: { engine: "aurora-postgresql", drState: "failedOver" }, dns: { forceFailover: true } },
  "Aurora Global Database, failing back (us-east-2 a secondary member again)": { database: { engine: "aurora-postgresql", drState: "failback" } },
  "single NAT, S3 backend, hosted zone created by the project, alarm e-mail, the CI identity, isolated backup copies in another account": {
    network: { natGateways: "single" },
    ci: { enabled: true, githubRepository: "acme/drweb" },
    backups: { isolatedCopy: { accountId: "210987654321", vaultName: "drweb-isolated" } },
    dns: { createZone: true, zoneName: "drweb.io", domainName: "drweb.io", alarmEmail: "oncall@drweb.io" },
    backend: {
      type: "s3",
      primaryBucket: { bucket: "drweb-state-use2", region: "us-east-2" },
      secondaryBucket: { bucket: "drweb-state-usw1", region: "us-west-1" },
    },
  },
};

describe("terraform validate (real CLI, real aws provider)", () => {
  const tf = prepareTerraformEnv(PROJECT_ROOT);
  /** Each variant's aws-only stacks, and the result for each (by variant and stack). */
  const stacksOf = new Map<string, string[]>();
  const results = new Map<string, ValidateResult>();

  // Every variant's stacks validated by one terraform process (validateStackDirs: the provider schema
  // loads once), each distinct stack once: a stack identical to another (the primary in most variants)
  // gives the same answer.
  /** A copy of the default primary stack with an argument the provider does not have: the harness must fail it. */
  const BROKEN = "broken_primary";
  // Every variant's stacks validated by one terraform process (validateStackDirs: the provider schema
  // loads once), each distinct stack once: a stack identical to another (the primary in most variants)
  // gives the same answer. The broken stack goes in the same run: its error must be its own.
  beforeAll(async () => {
    const unique = new Map<string, { name: string; dir: string }>();
    const byVariant: Array<[string, string, string]> = [];
    Object.entries(VARIANTS).forEach(([variant, overrides], i) => {
      const stacksDir = path.join(synthApp(overrides).outdir, "stacks");
      const stacks = awsOnlyStacks(stacksDir);
      stacksOf.set(variant, stacks);
      for (const s of stacks) {
        const hash = createHash("sha256").update(fs.readFileSync(path.join(stacksDir, s, "cdk.tf.json"))).digest("hex");
        if (!unique.has(hash)) unique.set(hash, { name: `v${i}_${s}`, dir: path.join(stacksDir, s) });
        byVariant.push([variant, s, unique.get(hash)!.name]);
      }
    });
    const brokenDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "drbroken-")), "primary");
    fs.mkdirSync(brokenDir);
    const json = JSON.parse(fs.readFileSync(path.join(synthApp().outdir, "stacks", "primary", "cdk.tf.json"), "utf8"));
    json.resource.aws_vpc[Object.keys(json.resource.aws_vpc)[0]].no_such_argument = true;
    fs.writeFileSync(path.join(brokenDir, "cdk.tf.json"), JSON.stringify(json));
    const checked = new Map((await validateStackDirs(tf, [...unique.values(), { name: BROKEN, dir: brokenDir }])).map((r) => [r.stack, r]));
    for (const [variant, s, name] of byVariant) results.set(`${variant}/${s}`, { ...checked.get(name)!, stack: s });
    results.set(BROKEN, checked.get(BROKEN)!);
  }, 300_000);

  it.each(Object.keys(VARIANTS))("accepts every aws-only stack with config: %s", (variant) => {
    const stacks = stacksOf.get(variant)!;
    expect(stacks).toEqual(expect.arrayContaining(["dns", "dns-alarms", "primary", "secondary"]));
    // Every stack but the monitoring ones (Kubernetes/Helm providers) is validated, dns-zone included where the config has it.
    const stacksDir = path.join(synthApp(VARIANTS[variant]).outdir, "stacks");
    expect([...stacks].sort()).toEqual(fs.readdirSync(stacksDir).filter((s) => !s.endsWith("-monitoring")).sort());
    for (const s of stacks) {
      const r = results.get(`${variant}/${s}`)!;
      expect({ stack: r.stack, ok: r.ok, output: r.ok ? "" : r.output }).toEqual({ stack: s, ok: true, output: "" });
    }
  });

  it("rejects a broken stack (the harness can fail), and the error is that stack's alone", () => {
    const r = results.get(BROKEN)!;
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(/no_such_argument/);
    expect(r.output).toContain("(primary/cdk.tf.json)");
    // Validated in the same run, every real stack passed (the cases above): the error was not spread to them.
    expect([...results.entries()].filter(([k, v]) => k !== BROKEN && !v.ok).map(([k]) => k)).toEqual([]);
  });

  it("npm run validate before any synth says to synth first", async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "drnosynth-"));
    const r = await run(path.join(PROJECT_ROOT, "node_modules", ".bin", "tsx"), ["scripts/validate.ts", path.join(empty, "cdktf.out")], { cwd: PROJECT_ROOT });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^Nothing to validate: .*cdktf\.out\/stacks does not exist\. Run `npm run synth` first/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});
