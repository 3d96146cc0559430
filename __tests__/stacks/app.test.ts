import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { RegionalStack } from "../../stacks/regional-stack";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT, synthApp } from "../helpers/synth";

const S3 = {
  backend: {
    type: "s3",
    keyPrefix: "drweb/prod",
    primaryBucket: { bucket: "drweb-state-use2", region: "us-east-2" },
    secondaryBucket: { bucket: "drweb-state-usw1", region: "us-west-1" },
  },
};

describe("the app", () => {
  const app = synthApp();

  it("synthesizes a primary and a secondary stack from one regional stack class", () => {
    expect(Object.keys(app.stacks)).toEqual(expect.arrayContaining(["primary", "secondary"]));
    expect(app.drApp.regional.primary).toBeInstanceOf(RegionalStack);
    expect(app.drApp.regional.secondary).toBeInstanceOf(RegionalStack);
    expect(app.drApp.regional.primary.constructor).toBe(app.drApp.regional.secondary.constructor);
  });

  it.each([
    ["primary", "us-east-2"],
    ["secondary", "us-west-1"],
  ])("configures the %s AWS provider for %s with default tags", (stack, region) => {
    expect(app.text(stack)).toHaveProviderWithProperties(AwsProvider, {
      region,
      default_tags: [{ tags: { project: "drweb", environment: "prod", "dr-role": stack, "managed-by": "cdktf" } }],
    });
  });

  it("adds user tags to the default tags without letting them replace the managed ones", () => {
    const tagged = synthApp({ tags: { "cost-center": "cc-42", project: "spoofed" } });
    const tags = tagged.stacks.primary.provider!.aws[0].default_tags[0].tags;
    expect(tags).toEqual({ "cost-center": "cc-42", project: "drweb", environment: "prod", "dr-role": "primary", "managed-by": "cdktf" });
  });

  it("requires Terraform >= 1.11 in every stack (write-only arguments) and pins the aws provider", () => {
    for (const [name, stack] of Object.entries(app.stacks)) {
      expect([name, stack.terraform.required_version]).toEqual([name, ">= 1.11"]);
      expect(stack.terraform.required_providers.aws.version).toBe("5.100.0");
    }
    // The reason: write-only arguments exist only from Terraform 1.11 on.
    const writeOnly = Object.entries(app.stacks).filter(([, s]) => /"[a-z_]+_wo"\s*:/.test(JSON.stringify(s)));
    const names = writeOnly.map(([n]) => n);
    expect(names.includes("primary") && names.includes("primary-monitoring")).toBe(true);
    expect(fs.readFileSync(path.join(PROJECT_ROOT, ".terraform-version"), "utf8").trim()).toMatch(/^1\.(1[1-9]|[2-9]\d)\.\d+$/);
  });

  it("uses a local backend by default, one state file per stack, beside the output folder by a path relative to the stack's folder (the project root for cdktf.out)", () => {
    for (const [name, stack] of Object.entries(app.stacks)) expect(stack.terraform.backend, name).toEqual({ local: { path: `../../../terraform.${name}.tfstate` } });
    // Terraform runs in cdktf.out/stacks/<stack>: the same file the absolute path of earlier versions named.
    expect(path.resolve(PROJECT_ROOT, "cdktf.out", "stacks", "primary", app.stacks.primary.terraform.backend.local.path)).toBe(path.join(PROJECT_ROOT, "terraform.primary.tfstate"));
  });

  it("uses an S3 backend with native locking and a key per stack, the secondary's state in the secondary region", () => {
    const s3 = synthApp(S3);
    expect(s3.stacks.primary.terraform.backend).toEqual({
      s3: { bucket: "drweb-state-use2", region: "us-east-2", key: "drweb/prod/primary.tfstate", encrypt: true, use_lockfile: true },
    });
    expect(s3.stacks.secondary.terraform.backend).toEqual({
      s3: { bucket: "drweb-state-usw1", region: "us-west-1", key: "drweb/prod/secondary.tfstate", encrypt: true, use_lockfile: true },
    });
  });

  it("names regional resources so global names (IAM) never collide between regions", () => {
    const names = ["primary", "secondary"].map((s) => Object.values(app.stacks[s].resource!.aws_iam_role).map((r: any) => r.name));
    const expected = (code: string) =>
      ["alertmanager", "cloudwatch-exporter", "eks-cluster", "eks-ebs-csi", "eks-node", "eks-tunnel", "prometheus", "rds-monitoring", "vpc-flow-logs", "web"].map((n) => `drweb-prod-${code}-${n}`);
    expect(names[0].sort()).toEqual(expected("use2"));
    // The secondary also holds the readiness checker's two roles (src/dr/readiness-checker.ts).
    expect(names[1].sort()).toEqual([...expected("usw1"), "drweb-prod-usw1-dr-readiness", "drweb-prod-usw1-dr-readiness-scheduler"].sort());
  });

  it("keeps logical ids free of region and environment names (they are state addresses)", () => {
    const other = synthApp({ environment: "staging", regions: { secondary: { region: "us-west-2", availabilityZones: ["us-west-2a", "us-west-2b"] } } });
    for (const stack of ["primary", "secondary"]) {
      const ids = (s: typeof app) => Object.entries(s.stacks[stack].resource!).flatMap(([t, r]) => Object.keys(r).map((k) => `${t}.${k}`)).sort();
      expect(ids(other)).toEqual(ids(app));
    }
  });
});
