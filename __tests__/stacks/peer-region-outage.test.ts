/**
 * regions.secondary.unreachable (docs/deploy-and-state.md "Deploying the primary while the
 * secondary region is down"): with it on, the synthesized primary stack has
 * nothing that reads or writes the secondary region; with it off, the app is
 * exactly what it was. What the real provider then plans, with every
 * endpoint of that region refusing connections, is checked by the offline
 * plan (transitions peer-down-primary, peer-down-primary-without-switch,
 * peer-back-primary).
 */
import { App, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { DataAwsSsmParameter } from "@cdktf/provider-aws/lib/data-aws-ssm-parameter";
import { SsmParameter } from "@cdktf/provider-aws/lib/ssm-parameter";
import { holdPeerRegion } from "../../src/lib/peer-region";
import { appWarnings } from "../../stacks/app";
import { synthApp, type StackJson } from "../helpers/synth";

const ON = { regions: { secondary: { unreachable: true } } };
const S3 = {
  backend: {
    type: "s3",
    primaryBucket: { bucket: "drweb-state-use2", region: "us-east-2" },
    secondaryBucket: { bucket: "drweb-state-usw1", region: "us-west-1" },
  },
};

/** Provider references of a stack ("aws", "aws.peer") by region. */
function regionOf(stack: StackJson): (ref: string | undefined) => string {
  const m = new Map<string, string>();
  for (const p of stack.provider?.aws ?? []) m.set(p.alias ? `aws.${p.alias}` : "aws", p.region);
  return (ref) => m.get(ref ?? "aws")!;
}

/** Every resource or data source of a stack whose provider is in `region`: "resource.type.name" / "data.type.name". */
function blocksIn(stack: StackJson, region: string): string[] {
  const r = regionOf(stack);
  const out: string[] = [];
  for (const kind of ["resource", "data"] as const) {
    for (const [type, items] of Object.entries(stack[kind] ?? {})) {
      for (const [name, body] of Object.entries(items as Record<string, any>)) if (r(body.provider) === region) out.push(`${kind}.${type}.${name}`);
    }
  }
  return out.sort();
}

/** Stacks that have an AWS provider in `region` or their state in a bucket there. */
function stacksReachingFromJson(stacks: Record<string, StackJson>, region: string): string[] {
  return Object.entries(stacks)
    .filter(([, j]) => (j.provider?.aws ?? []).some((p: any) => p.region === region) || j.terraform.backend?.s3?.region === region)
    .map(([n]) => n)
    .sort();
}

describe("regions.secondary.unreachable (the primary deployed while the secondary region is down)", () => {
  const off = synthApp();
  const on = synthApp(ON);
  const secondary = off.config.regions.secondary.region;
  const primary = off.config.regions.primary.region;

  it("off (the default): the app is what it was, the primary reading and writing the secondary region as before", () => {
    // The explicit off value synthesizes byte for byte what the defaults do.
    const explicitOff = synthApp({ regions: { secondary: { unreachable: false } } });
    for (const s of Object.keys(off.stacks)) expect(explicitOff.text(s), s).toBe(off.text(s));
    const p = off.stacks.primary;
    expect(blocksIn(p, secondary)).toEqual([
      "data.aws_iam_policy_document.SecretReplicaKey_Policy_6854603D",
      "data.aws_ssm_parameter.CertificateValidationRecord",
      "resource.aws_kms_alias.SecretReplicaKey_Alias_64B01F41",
      "resource.aws_kms_key.SecretReplicaKey_5B4F648F",
      "resource.aws_ssm_parameter.AlbHandoff_DnsName_7DAED338",
      "resource.aws_ssm_parameter.AlbHandoff_ZoneId_F3E819FD",
    ]);
    for (const b of blocksIn(p, secondary).filter((x) => x.startsWith("resource."))) {
      const [, type, name] = b.split(".");
      expect(p.resource![type][name].lifecycle, b).toBeUndefined();
    }
    expect((p.provider!.aws as any[]).find((x) => x.alias === "peer").sts_region).toBeUndefined();
    expect(off.drApp.regional.primary.peerRegionOutage).toBeUndefined();
    expect(appWarnings(off.drApp)).toEqual([]);
  });

  it("on: only the primary stack changes; the secondary, dns and monitoring stacks are byte for byte the same", () => {
    const changed = Object.keys(off.stacks).filter((s) => on.text(s) !== off.text(s));
    expect(changed).toEqual(["primary"]);
  });

  it("on: the primary reads nothing in the secondary region but a policy document the provider computes locally", () => {
    const reads = blocksIn(on.stacks.primary, secondary).filter((b) => b.startsWith("data."));
    expect(reads).toEqual(["data.aws_iam_policy_document.SecretReplicaKey_Policy_6854603D"]);
    // The validation record's FQDN comes from the certificate's own domain_validation_options.
    const validation = Object.values(on.stacks.primary.resource!.aws_acm_certificate_validation)[0] as any;
    const cert = Object.keys(on.stacks.primary.resource!.aws_acm_certificate)[0];
    expect(validation.validation_record_fqdns).toEqual([`\${lower(trimsuffix(element(tolist(tolist(aws_acm_certificate.${cert}.domain_validation_options)), 0).resource_record_name, "."))}`]);
    expect(validation.certificate_arn).toBe(`\${aws_acm_certificate.${cert}.arn}`);
  });

  it("on: every resource the primary keeps in the secondary region is held as the state has it (ignore_changes = all), none removed", () => {
    const p = on.stacks.primary;
    const managed = blocksIn(p, secondary).filter((b) => b.startsWith("resource."));
    // The same resources as with the switch off: nothing is dropped (a drop would destroy it).
    expect(managed).toEqual(blocksIn(off.stacks.primary, secondary).filter((b) => b.startsWith("resource.")));
    for (const b of managed) {
      const [, type, name] = b.split(".");
      expect(p.resource![type][name].lifecycle, b).toEqual({ ignore_changes: "all" });
    }
  });

  it("on: the credentials secret keeps its replica block, held as the state has it (no RemoveRegionsFromReplication)", () => {
    const secretOn = Object.values(on.stacks.primary.resource!.aws_secretsmanager_secret)[0] as any;
    const secretOff = Object.values(off.stacks.primary.resource!.aws_secretsmanager_secret)[0] as any;
    expect(secretOn.replica).toEqual(secretOff.replica);
    expect(secretOn.replica).toEqual([{ region: secondary, kms_key_id: "${aws_kms_key.SecretReplicaKey_5B4F648F.arn}" }]);
    expect(secretOn.lifecycle).toEqual({ ignore_changes: ["replica"] });
    const { lifecycle: _on, ...restOn } = secretOn;
    expect(restOn).toEqual(secretOff);
  });

  it("on: the secondary region's provider makes its own STS calls in the primary region", () => {
    const peer = (on.stacks.primary.provider!.aws as any[]).find((x) => x.alias === "peer");
    expect(peer).toMatchObject({ region: secondary, sts_region: primary });
  });

  it("on: nothing else in the primary stack differs from the switch off", () => {
    const strip = (j: StackJson) => {
      const c = JSON.parse(JSON.stringify(j));
      for (const b of blocksIn(c, secondary)) {
        const [kind, type, name] = b.split(".");
        delete c[kind][type][name].lifecycle;
      }
      delete c.data.aws_ssm_parameter?.CertificateValidationRecord;
      if (c.data.aws_ssm_parameter && Object.keys(c.data.aws_ssm_parameter).length === 0) delete c.data.aws_ssm_parameter;
      for (const v of Object.values(c.resource.aws_acm_certificate_validation) as any[]) delete v.validation_record_fqdns;
      for (const v of Object.values(c.resource.aws_secretsmanager_secret) as any[]) delete v.lifecycle;
      for (const p of c.provider.aws) delete p.sts_region;
      return c;
    };
    expect(strip(on.stacks.primary)).toEqual(strip(off.stacks.primary));
  });

  it("on: synth warns with exactly the addresses held, the read skipped, the commands, and the stacks that reach the secondary region", () => {
    const w = appWarnings(on.drApp);
    expect(w).toHaveLength(1);
    const held = blocksIn(on.stacks.primary, secondary).filter((b) => b.startsWith("resource.")).map((b) => b.slice("resource.".length));
    expect(on.drApp.regional.primary.peerRegionOutage?.held).toEqual(held);
    for (const a of held) expect(w[0]).toContain(a);
    expect(w[0]).toContain(`the replica block (${secondary}) of the credentials secret drweb-prod/db/master`);
    expect(w[0]).toContain("SSM /drweb-prod/dr/dns/acm-validation-record");
    expect(w[0]).toContain("TF_CLI_ARGS_plan=-refresh=false npm run cdktf -- diff primary");
    expect(w[0]).toContain("TF_CLI_ARGS_apply=-refresh=false npm run cdktf -- deploy primary --ignore-missing-stack-dependencies");
    // The stacks it says not to deploy: every other stack with a provider in that region.
    const blocked = stacksReachingFromJson(on.stacks, secondary).filter((s) => s !== "primary");
    expect(blocked).toEqual(["dns", "dns-alarms", "dns-zone", "secondary", "secondary-monitoring"]);
    expect(w[0]).toContain(`Do not deploy ${blocked.join(", ")} while it is on`);
  });

  it("on, with an S3 backend: the stacks named are those with a provider or their state in the secondary region", () => {
    const s3 = synthApp({ ...ON, ...S3 });
    const blocked = stacksReachingFromJson(s3.stacks, secondary).filter((s) => s !== "primary");
    // dns-alarms has its provider in us-east-1 too, but its state and a provider are in the secondary region.
    expect(blocked).toEqual(["dns", "dns-alarms", "dns-zone", "secondary", "secondary-monitoring"]);
    expect(appWarnings(s3.drApp)[0]).toContain(`Do not deploy ${blocked.join(", ")} while it is on`);
  });

  it("the stacks a failover deploys never reach the primary region (why regions.primary.unreachable is refused)", () => {
    const s3 = synthApp(S3);
    expect(stacksReachingFromJson(s3.stacks, primary)).toEqual(["primary", "primary-monitoring"]);
  });
});

describe("holdPeerRegion", () => {
  function stackWith(build: (stack: TerraformStack, peer: AwsProvider) => void): { stack: TerraformStack; peer: AwsProvider } {
    const app = new App({ outdir: require("node:os").tmpdir() });
    const stack = new TerraformStack(app, "s");
    new AwsProvider(stack, "Aws", { region: "us-east-2" });
    const peer = new AwsProvider(stack, "Peer", { alias: "peer", region: "us-west-1" });
    build(stack, peer);
    return { stack, peer };
  }

  it("holds the peer provider's resources and leaves the others alone", () => {
    let here: SsmParameter | undefined;
    let there: SsmParameter | undefined;
    const { stack, peer } = stackWith((s, p) => {
      here = new SsmParameter(s, "Here", { name: "/a", type: "String", value: "a" });
      there = new SsmParameter(s, "There", { name: "/b", type: "String", value: "b", provider: p, lifecycle: { createBeforeDestroy: true } });
      new DataAwsIamPolicyDocument(s, "Doc", { provider: p, statement: [{ actions: ["kms:*"], resources: ["*"] }] });
    });
    const hold = holdPeerRegion(stack, peer, "us-west-1");
    expect(hold).toEqual({ region: "us-west-1", held: ["aws_ssm_parameter.There"] });
    expect(there!.lifecycle).toEqual({ createBeforeDestroy: true, ignoreChanges: "all" });
    expect(here!.lifecycle).toBeUndefined();
  });

  it("refuses a data source that would read the unreachable region, naming it", () => {
    const { stack, peer } = stackWith((s, p) => {
      new DataAwsSsmParameter(s, "Reads", { name: "/x", provider: p });
    });
    expect(() => holdPeerRegion(stack, peer, "us-west-1")).toThrow(/data\.aws_ssm_parameter\.Reads \(s\/Reads\) reads us-west-1, which is marked unreachable/);
  });
});
