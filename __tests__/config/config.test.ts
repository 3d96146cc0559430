import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { configFilePath, configWarnings, DEFAULT_CONFIG, deepMerge, loadConfigFile, loadProjectConfig, resolveConfig } from "../../src/config";
import { configProblems as problems } from "../helpers/config-problems";

describe("config defaults", () => {
  it("are the seed: us-east-2 a/b/c and us-west-1 c/b, 3 t3.micro web servers, 2 t3.medium nodes, db.t3.small", () => {
    const c = resolveConfig();
    expect(c.regions.primary.region).toBe("us-east-2");
    expect(c.regions.primary.availabilityZones).toEqual(["us-east-2a", "us-east-2b", "us-east-2c"]);
    expect(c.regions.secondary.region).toBe("us-west-1");
    expect(c.regions.secondary.availabilityZones).toEqual(["us-west-1c", "us-west-1b"]);
    expect(c.web).toMatchObject({ instanceType: "t3.micro", desiredCapacity: 3 });
    // 2 nodes: one node group of 1 in each of the first 2 AZs.
    expect(c.eks).toMatchObject({ nodeInstanceType: "t3.medium", nodeZoneCount: 2, nodesPerZone: { min: 1, desired: 1, max: 2 } });
    expect(c.database.instanceClass).toBe("db.t3.small");
    expect(c.backend).toEqual({ type: "local" });
  });

  it("merges objects key by key and replaces arrays", () => {
    const merged = deepMerge(DEFAULT_CONFIG, { regions: { secondary: { availabilityZones: ["us-west-1b", "us-west-1c"] } }, web: { maxSize: 9 } });
    expect(merged.regions.secondary.availabilityZones).toEqual(["us-west-1b", "us-west-1c"]);
    expect(merged.regions.secondary.vpcCidr).toBe("10.20.0.0/16");
    expect(merged.web).toMatchObject({ instanceType: "t3.micro", maxSize: 9 });
  });
});

describe("config validation", () => {
  it("rejects an unknown key, naming it and suggesting the closest known key", () => {
    const p = problems({ web: { instanceTyp: "t3.small" } });
    expect(p).toHaveLength(1);
    expect(p[0].field).toBe("web.instanceTyp");
    expect(p[0].message).toContain('did you mean "instanceType"');
  });

  it("rejects an unknown top-level section", () => {
    const p = problems({ netwrok: {} });
    expect(p[0].field).toBe("netwrok");
    expect(p[0].message).toMatch(/unknown key.*did you mean "network"/);
  });

  it("rejects an AZ that is not in its region and lists the region's AZs", () => {
    const p = problems({ regions: { secondary: { availabilityZones: ["us-west-1c", "us-east-2a"] } } });
    expect(p).toEqual([
      {
        field: "regions.secondary.availabilityZones[1]",
        message: '"us-east-2a" is not an availability zone of us-west-1. Fix: use one of us-west-1a, us-west-1b, us-west-1c',
      },
    ]);
  });

  it("rejects an AZ letter the region does not have", () => {
    const p = problems({ regions: { primary: { availabilityZones: ["us-east-2a", "us-east-2d"] } } });
    expect(p[0].field).toBe("regions.primary.availabilityZones[1]");
    expect(p[0].message).toContain('"us-east-2d" is not an availability zone of us-east-2');
  });

  it("rejects fewer than 2 AZs", () => {
    const p = problems({ regions: { primary: { availabilityZones: ["us-east-2a"] } } });
    expect(p[0].field).toBe("regions.primary.availabilityZones");
    expect(p[0].message).toMatch(/1 availability zone\(s\) given.*at least 2.*Fix: list 2 or more AZs of us-east-2/);
  });

  it("rejects a duplicated AZ", () => {
    const p = problems({ regions: { primary: { availabilityZones: ["us-east-2a", "us-east-2a"] } } });
    expect(p[0].message).toContain('"us-east-2a" is listed twice');
  });

  it("rejects an unknown region", () => {
    const p = problems({ regions: { secondary: { region: "us-west-9", availabilityZones: ["us-west-9a", "us-west-9b"] } } });
    expect(p[0].field).toBe("regions.secondary.region");
    expect(p[0].message).toMatch(/unknown region "us-west-9"\. Fix: use one of .*us-west-1/);
  });

  it("rejects overlapping VPC CIDRs between the regions, naming both fields and suggesting blocks that are free", () => {
    const p = problems({ regions: { secondary: { vpcCidr: "10.10.128.0/17" } } });
    expect(p).toHaveLength(1);
    expect(p[0].field).toBe("regions.secondary.vpcCidr");
    expect(p[0].message).toContain("regions.primary.vpcCidr (10.10.0.0/16) and regions.secondary.vpcCidr (10.10.128.0/17) overlap");
    expect(p[0].message).toContain("Fix: change regions.secondary.vpcCidr to a free block such as 10.11.0.0/17, or regions.primary.vpcCidr to a free block such as 10.11.0.0/16");
    // Every suggestion really is free: it passes.
    expect(() => resolveConfig({ regions: { secondary: { vpcCidr: "10.11.0.0/17" } } })).not.toThrow();
    expect(() => resolveConfig({ regions: { primary: { vpcCidr: "10.11.0.0/16" }, secondary: { vpcCidr: "10.10.128.0/17" } } })).not.toThrow();
  });

  it("reports an overlap on the VPC field the user changed, not on the one left at its default", () => {
    const p = problems({ regions: { primary: { vpcCidr: "10.20.0.0/16" } } });
    expect(p).toHaveLength(1);
    expect(p[0].field).toBe("regions.primary.vpcCidr");
    expect(p[0].message).not.toMatch(/such as 10\.20\.0\.0\/16/);
    expect(p[0].message).toMatch(/Fix: change regions\.secondary\.vpcCidr to a free block such as 10\.21\.0\.0\/16, or regions\.primary\.vpcCidr to a free block such as 10\.21\.0\.0\/16/);
  });

  it("rejects a CIDR with host bits set, naming the network address", () => {
    const p = problems({ regions: { primary: { vpcCidr: "10.10.5.0/16" } } });
    expect(p[0].field).toBe("regions.primary.vpcCidr");
    expect(p[0].message).toContain("the network address is 10.10.0.0/16");
  });

  it("rejects a subnet plan that does not fit the VPC", () => {
    const p = problems({ network: { subnetNewBits: 3 } });
    expect(p.map((x) => x.field)).toEqual(["network.subnetSlotsPerTier", "network.subnetSlotsPerTier"]);
    expect(p[0].message).toContain("needs 3 tiers x 4 slots = 12 subnets of /19, but 10.10.0.0/16 (primary) holds only 8");
    expect(p[0].message).toContain("Fix: raise network.subnetNewBits or lower network.subnetSlotsPerTier");
  });

  it("rejects subnets smaller than AWS allows", () => {
    const p = problems({ regions: { primary: { vpcCidr: "10.10.0.0/24" } }, network: { subnetNewBits: 6 } });
    expect(p.find((x) => x.field === "network.subnetNewBits")?.message).toContain("gives /30 subnets; AWS subnets can be at most /28");
  });

  it("rejects more AZs than subnet slots per tier", () => {
    const p = problems({ network: { subnetSlotsPerTier: 2 } });
    expect(p[0].field).toBe("regions.primary.availabilityZones");
    expect(p[0].message).toContain("3 AZs do not fit the 2 subnet slots per tier");
  });

  it.each([
    ["web", "desiredCapacity"],
    ["web", "minSize"],
    ["eks", "nodeZoneCount"],
    ["network", "subnetSlotsPerTier"],
  ])("rejects a count below 1 in %s.%s", (section, key) => {
    const p = problems({ [section]: { [key]: 0 } });
    const mine = p.find((x) => x.field === `${section}.${key}`);
    expect(mine?.message).toBe("must be at least 1. Fix: set a count of 1 or more");
  });

  it("rejects min > desired", () => {
    const p = problems({ web: { minSize: 4 } });
    expect(p[0]).toEqual({ field: "web", message: "sizes must satisfy min <= desired <= max, got min 4, desired 3, max 6. Fix: adjust the web sizes" });
  });

  it("rejects a value of the wrong type, naming the expected type", () => {
    const p = problems({ web: { desiredCapacity: "3" } });
    expect(p[0].field).toBe("web.desiredCapacity");
    expect(p[0].message).toContain("expected number, received string. Fix: give a number here");
  });

  it("rejects a flow-log retention CloudWatch does not offer", () => {
    const p = problems({ network: { flowLogs: { retentionDays: 100 } } });
    expect(p[0].field).toBe("network.flowLogs.retentionDays");
    expect(p[0].message).toMatch(/100 is not a CloudWatch Logs retention period\. Fix: use one of 1, 3, 5/);
  });

  it("rejects an S3 backend whose failover state bucket is in the primary region", () => {
    const p = problems({
      backend: { type: "s3", primaryBucket: { bucket: "s-use2", region: "us-east-2" }, secondaryBucket: { bucket: "s-usw1", region: "us-east-2" } },
    });
    expect(p[0].field).toBe("backend.secondaryBucket.region");
    expect(p[0].message).toContain("would live only in the primary region us-east-2");
  });

  it("rejects an unknown backend type", () => {
    const p = problems({ backend: { type: "gcs" } });
    expect(p[0].field).toBe("backend.type");
    expect(p[0].message).toContain("'local' | 's3'");
  });

  it("accepts a complete S3 backend and fills the key prefix", () => {
    const c = resolveConfig({
      backend: { type: "s3", primaryBucket: { bucket: "s-use2", region: "us-east-2" }, secondaryBucket: { bucket: "s-usw1", region: "us-west-1" } },
    });
    expect(c.backend).toMatchObject({ type: "s3", keyPrefix: "drweb/prod" });
  });

  it("derives the state key prefix from project and environment, so environments never share state", () => {
    const s3 = { type: "s3", primaryBucket: { bucket: "s-use2", region: "us-east-2" }, secondaryBucket: { bucket: "s-usw1", region: "us-west-1" } };
    expect(resolveConfig({ project: "shop", environment: "staging", backend: s3 }).backend).toMatchObject({ keyPrefix: "shop/staging" });
    expect(resolveConfig({ environment: "staging", backend: { ...s3, keyPrefix: "tf/staging" } }).backend).toMatchObject({ keyPrefix: "tf/staging" });
  });

  it("refuses a state key prefix that names another environment (staging would overwrite prod's state)", () => {
    const s3 = { type: "s3", primaryBucket: { bucket: "s-use2", region: "us-east-2" }, secondaryBucket: { bucket: "s-usw1", region: "us-west-1" } };
    const p = problems({ environment: "staging", backend: { ...s3, keyPrefix: "drweb/prod" } });
    expect(p).toEqual([
      {
        field: "backend.keyPrefix",
        message: `"drweb/prod" names the environment "prod", but environment is "staging": this environment would read and overwrite prod's state. Fix: remove backend.keyPrefix to use the default "drweb/staging", or use a prefix that names staging`,
      },
    ]);
    expect(problems({ backend: { ...s3, keyPrefix: "/drweb//x/" } })[0].field).toBe("backend.keyPrefix");
    // A prefix naming no environment at all is allowed, with a warning.
    const c = resolveConfig({ environment: "staging", backend: { ...s3, keyPrefix: "team-a" } });
    expect(configWarnings(c).join("\n")).toMatch(/backend\.keyPrefix: "team-a" does not name the environment "staging"/);
    expect(configWarnings(resolveConfig({ environment: "staging", backend: s3 })).join("\n")).not.toMatch(/keyPrefix/);
  });

  it("reports type and enum errors together with the checks across fields, in one run", () => {
    const p = problems({
      web: { desiredCapacity: "three" },
      database: { drState: "failed" },
      regions: { secondary: { availabilityZones: ["us-east-2a", "us-west-1b"] } },
      dns: { domainName: "app.other.org" },
      backend: { type: "s3", keyPrefix: "drweb/prod", primaryBucket: { bucket: "s-use2", region: "us-east-2" }, secondaryBucket: { bucket: "s-usw1", region: "us-east-2" } },
      environment: "staging",
    });
    expect(p.map((x) => x.field).sort()).toEqual([
      "backend.keyPrefix",
      "backend.secondaryBucket.region",
      "database.drState",
      "dns.domainName",
      "regions.secondary.availabilityZones[0]",
      "web.desiredCapacity",
    ]);
    expect(p.find((x) => x.field === "web.desiredCapacity")!.message).toBe("Invalid input: expected number, received string. Fix: give a number here");
    expect(p.find((x) => x.field === "database.drState")!.message).toBe("unknown DR state. Fix: use one of normal, failedOver, failback");
  });

  it("does not report a check across fields against a value the user never gave", () => {
    // primary.vpcCidr has the wrong type; the overlap check must not run
    // against the default that stood in for it (10.10.0.0/16).
    const p = problems({ regions: { primary: { vpcCidr: 10 }, secondary: { vpcCidr: "10.10.0.0/16" } } });
    expect(p).toEqual([{ field: "regions.primary.vpcCidr", message: "Invalid input: expected string, received number. Fix: give a string here" }]);
    // A wrong-typed region: its AZs are not judged against the default region.
    const q = problems({ regions: { secondary: { region: 5, availabilityZones: ["eu-west-1a", "eu-west-1b"] } } });
    expect(q.map((x) => x.field)).toEqual(["regions.secondary.region"]);
    expect(problems({ regions: { secondary: { availabilityZones: "us-west-1b" } } })[0].message).toMatch(/Fix: give an array here$/);
  });

  it("reports every problem at once", () => {
    const p = problems({ web: { desiredCapacity: 0 }, regions: { secondary: { vpcCidr: "10.10.0.0/16" } }, typo: 1 });
    expect(p.map((x) => x.field).sort()).toEqual(["regions.secondary.vpcCidr", "typo", "web", "web.desiredCapacity"]);
  });
});

describe("loadConfigFile", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drcfg-"));
  const write = (name: string, text: string) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, text);
    return f;
  };

  it("applies a JSON override file", () => {
    const c = loadConfigFile(write("ok.json", JSON.stringify({ environment: "staging", network: { natGateways: "single" } })));
    expect(c.environment).toBe("staging");
    expect(c.network.natGateways).toBe("single");
  });

  it("names the file and the JSON error on a syntax error", () => {
    const f = write("bad.json", "{ \"web\": ");
    expect(() => loadConfigFile(f)).toThrow(new RegExp(`Invalid configuration \\(${f.replace(/[.]/g, "\\.")}\\):\\n  - \\(file\\): not valid JSON`));
  });

  it("says how to fix a missing file", () => {
    expect(() => loadConfigFile(path.join(dir, "nope.json"))).toThrow(/cannot read the file.*Fix: check the path given by DR_CONFIG/);
  });

  it("rejects a JSON value that is not an object", () => {
    expect(() => loadConfigFile(write("arr.json", "[1]"))).toThrow(/must be a JSON object/);
  });
});

describe("configFilePath (main.ts, dr, npm run policy, the drill)", () => {
  const saved = { DR_CONFIG: process.env.DR_CONFIG, CDKTF_CONTEXT_JSON: process.env.CDKTF_CONTEXT_JSON };
  afterEach(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
  const root = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drroot-"));
    fs.writeFileSync(path.join(dir, "cdktf.json"), JSON.stringify({ context: { configFile: "from-cdktf-json.json" } }));
    return dir;
  };

  it("takes an explicit path, then $DR_CONFIG, then cdktf's context, then cdktf.json", () => {
    const dir = root();
    delete process.env.DR_CONFIG;
    delete process.env.CDKTF_CONTEXT_JSON;
    expect(configFilePath(dir)).toBe("from-cdktf-json.json");
    process.env.CDKTF_CONTEXT_JSON = JSON.stringify({ configFile: "from-cli.json" });
    expect(configFilePath(dir)).toBe("from-cli.json");
    process.env.DR_CONFIG = "from-env.json";
    expect(configFilePath(dir)).toBe("from-env.json");
    expect(configFilePath(dir, "explicit.json")).toBe("explicit.json");
  });

  it("means the defaults when nothing names a file", () => {
    delete process.env.DR_CONFIG;
    delete process.env.CDKTF_CONTEXT_JSON;
    expect(configFilePath(fs.mkdtempSync(path.join(os.tmpdir(), "drroot-")))).toBe("");
    expect(loadProjectConfig(fs.mkdtempSync(path.join(os.tmpdir(), "drroot-")))).toEqual(resolveConfig({}));
  });
});

describe("regions.secondary.unreachable (docs/deploy-and-state.md \"Deploying the primary while the secondary region is down\")", () => {
  it("is off by default and can be turned on for the secondary region in the normal DR state", () => {
    expect(resolveConfig().regions.secondary.unreachable).toBe(false);
    const c = resolveConfig({ regions: { secondary: { unreachable: true } } });
    expect(c.regions.secondary.unreachable).toBe(true);
    expect(configWarnings(c)).toEqual(configWarnings(resolveConfig()));
  });

  it("is refused on the primary region, naming the field and why no stack needs it", () => {
    const p = problems({ regions: { primary: { unreachable: true } } });
    expect(p).toHaveLength(1);
    expect(p[0].field).toBe("regions.primary.unreachable");
    expect(p[0].message).toMatch(/no stack needs it: the secondary, dns, dns-zone and dns-alarms stacks never read or write the primary region.*Fix: remove regions\.primary\.unreachable/);
  });

  it("is refused outside the normal DR state, naming the state", () => {
    const failedOver = problems({ regions: { secondary: { unreachable: true } }, database: { drState: "failedOver" }, dns: { forceFailover: true } });
    expect(failedOver).toEqual([{ field: "regions.secondary.unreachable", message: expect.stringMatching(/in "failedOver" the primary stack is not deployed at all.*Fix: remove regions\.secondary\.unreachable, or use it only in drState "normal"/) }]);
    const failback = problems({ regions: { secondary: { unreachable: true } }, database: { drState: "failback", generations: { primary: 2 } } });
    expect(failback).toEqual([{ field: "regions.secondary.unreachable", message: expect.stringMatching(/in "failback" the primary's database is rebuilt as a replica of the secondary's writer/) }]);
  });

  it("is refused while the primary's own state is in a bucket in the secondary region", () => {
    const p = problems({
      regions: { secondary: { unreachable: true } },
      backend: { type: "s3", primaryBucket: { bucket: "state-usw1-a", region: "us-west-1" }, secondaryBucket: { bucket: "state-usw1-b", region: "us-west-1" } },
    });
    expect(p).toEqual([{ field: "regions.secondary.unreachable", message: expect.stringMatching(/the primary stack's state is in backend\.primaryBucket \(state-usw1-a\), in us-west-1, the region marked unreachable.*Fix: keep the primary's state out of the secondary region/) }]);
  });

  it("must be a boolean", () => {
    expect(problems({ regions: { secondary: { unreachable: "yes" } } })).toEqual([{ field: "regions.secondary.unreachable", message: expect.stringMatching(/expected boolean.*Fix: give a boolean here/) }]);
  });
});

describe("config ci (the CI identity)", () => {
  it("is off by default, and needs nothing then", () => {
    expect(resolveConfig().ci).toEqual({ enabled: false, createOidcProvider: true, applyMaxSessionSeconds: 14400 });
  });

  it("accepts an owner/name repository", () => {
    expect(resolveConfig({ ci: { enabled: true, githubRepository: "acme-corp/dr.web_app" } }).ci.githubRepository).toBe("acme-corp/dr.web_app");
  });

  it("requires the repository when enabled, naming the field and the fix", () => {
    const p = problems({ ci: { enabled: true } });
    expect(p).toHaveLength(1);
    expect(p[0].field).toBe("ci.githubRepository");
    expect(p[0].message).toMatch(/^missing: .*Fix: set it to "owner\/name"/);
  });

  it.each([
    ["acme", /is not owner\/name/],
    ["acme/drweb/extra", /is not owner\/name/],
    ["-acme/drweb", /owner "-acme" GitHub does not allow/],
    ["ac--me/drweb", /owner "ac--me" GitHub does not allow/],
    ["a".repeat(40) + "/drweb", /owner "a{40}" GitHub does not allow/],
    ["acme/*", /repository name "\*" GitHub does not allow/],
    ["*/drweb", /owner "\*" GitHub does not allow/],
    ["acme/..", /repository name "\.\." GitHub does not allow/],
    ["acme/dr web", /repository name "dr web" GitHub does not allow/],
  ])("rejects the repository %s with GitHub's rule and the fix", (repo, message) => {
    const p = problems({ ci: { enabled: true, githubRepository: repo } });
    expect(p).toHaveLength(1);
    expect(p[0].field).toBe("ci.githubRepository");
    expect(p[0].message).toMatch(message);
    expect(p[0].message).toContain('Fix: give "owner/name"');
  });

  it("rejects a plan environment that cannot be matched exactly, or that is an apply environment", () => {
    expect(problems({ ci: { enabled: true, githubRepository: "acme/drweb", planEnvironment: "plan:*" } })[0]).toMatchObject({ field: "ci.planEnvironment", message: expect.stringMatching(/cannot be matched exactly.*Fix: e\.g\. "plan"/) });
    expect(problems({ ci: { enabled: true, githubRepository: "acme/drweb", planEnvironment: "apply-primary" } })[0]).toMatchObject({ field: "ci.planEnvironment", message: expect.stringMatching(/apply job's environment/) });
  });

  it("rejects an apply session outside IAM's 1-12 hours", () => {
    expect(problems({ ci: { applyMaxSessionSeconds: 600 } })[0]).toMatchObject({ field: "ci.applyMaxSessionSeconds", message: expect.stringContaining("3600-43200") });
  });
});
