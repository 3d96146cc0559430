import { resolveConfig } from "../../src/config";
import { failoverBudget, HEALTH_CHECK_TAG } from "../../src/dns/contract";
import { resourceList, synthApp, type StackJson } from "../helpers/synth";

const PROD = { dns: { zoneName: "drweb.io", domainName: "www.drweb.io" } };

function records(st: StackJson) {
  return resourceList(st, "aws_route53_record").filter((r) => r.failover_routing_policy);
}

function healthCheck(st: StackJson, ref: string): any {
  const id = /^\$\{aws_route53_health_check\.([A-Za-z0-9_]+)\.id\}$/.exec(ref)![1];
  return st.resource!.aws_route53_health_check[id];
}

function ssmName(st: StackJson, ref: string): string {
  const id = /^\$\{data\.aws_ssm_parameter\.([A-Za-z0-9_]+)\.value\}$/.exec(ref)![1];
  return st.data!.aws_ssm_parameter[id].name;
}

describe("dns stack", () => {
  const app = synthApp(PROD);
  const dns = () => app.stacks.dns;

  it("declares one PRIMARY/SECONDARY alias pair for the domain, the gate on PRIMARY, the secondary's check on SECONDARY", () => {
    const pair = records(dns());
    expect(pair).toHaveLength(2);
    const [primary, secondary] = ["PRIMARY", "SECONDARY"].map((t) => pair.find((r) => r.failover_routing_policy.type === t));
    expect(primary.name).toBe("www.drweb.io");
    expect(secondary.name).toBe(primary.name);
    expect(secondary.type).toBe(primary.type);
    expect(primary.type).toBe("A");
    expect(primary.set_identifier).not.toBe(secondary.set_identifier);
    expect(primary.zone_id).toBe(secondary.zone_id);
    expect(healthCheck(dns(), primary.health_check_id).tags[HEALTH_CHECK_TAG]).toBe("primary-gate");
    expect(healthCheck(dns(), secondary.health_check_id).tags[HEALTH_CHECK_TAG]).toBe("secondary");
    for (const r of [primary, secondary]) expect(r.alias.evaluate_target_health).toBe(true);
    // Alias targets come from the SSM handoff, not from another stack's state.
    expect(ssmName(dns(), primary.alias.name)).toBe("/drweb-prod/dr/primary/alb-dns-name");
    expect(ssmName(dns(), primary.alias.zone_id)).toBe("/drweb-prod/dr/primary/alb-zone-id");
    expect(ssmName(dns(), secondary.alias.name)).toBe("/drweb-prod/dr/secondary/alb-dns-name");
  });

  it("health-checks each ALB over HTTPS on the app's deep-readiness path with the configured interval, threshold and checker regions", () => {
    const checks = resourceList(dns(), "aws_route53_health_check").filter((c) => c.type === "HTTPS");
    expect(checks.map((c) => c.tags[HEALTH_CHECK_TAG]).sort()).toEqual(["primary", "secondary"]);
    for (const c of checks) {
      expect(c).toMatchObject({ resource_path: "/readyz", port: 443, request_interval: 10, failure_threshold: 3, enable_sni: true });
      expect(c.regions).toEqual(["us-east-1", "us-west-2", "eu-west-1"]);
    }
    const primary = checks.find((c) => c.tags[HEALTH_CHECK_TAG] === "primary");
    expect(ssmName(dns(), primary.fqdn)).toBe("/drweb-prod/dr/primary/alb-dns-name");
    const gate = resourceList(dns(), "aws_route53_health_check").find((c) => c.type === "CALCULATED");
    expect(gate.child_healthchecks).toEqual([expect.stringMatching(/aws_route53_health_check\.Failover_PrimaryHealthCheck_[A-Z0-9]+\.id/)]);
    expect(gate.child_health_threshold).toBe(1);
    // The path follows the app's config (one source of truth).
    const moved = synthApp({ ...PROD, web: { readinessPath: "/ready/deep" }, dns: { ...PROD.dns, healthCheck: { requestIntervalSeconds: 30, failureThreshold: 2 } } });
    for (const c of resourceList(moved.stacks.dns, "aws_route53_health_check").filter((x) => x.type === "HTTPS")) {
      expect(c).toMatchObject({ resource_path: "/ready/deep", request_interval: 30, failure_threshold: 2 });
    }
  });

  it("puts the alarms, their topic and its key in us-east-1 through a provider alias", () => {
    const providers = dns().provider!.aws as any[];
    const usEast1 = providers.find((p) => p.alias === "us_east_1");
    expect(usEast1.region).toBe("us-east-1");
    const alarms = resourceList(dns(), "aws_cloudwatch_metric_alarm");
    expect(alarms).toHaveLength(3);
    for (const a of alarms) {
      expect(a.provider).toBe("aws.us_east_1");
      expect(a).toMatchObject({ namespace: "AWS/Route53", metric_name: "HealthCheckStatus", comparison_operator: "LessThanThreshold", threshold: 1 });
      expect(a.dimensions.HealthCheckId).toMatch(/aws_route53_health_check\./);
      expect(a.alarm_actions).toEqual([expect.stringMatching(/aws_sns_topic\./)]);
    }
    const topic = resourceList(dns(), "aws_sns_topic")[0];
    expect(topic.provider).toBe("aws.us_east_1");
    expect(topic.kms_master_key_id).toMatch(/aws_kms_key\.HealthAlarms_Key/);
    expect(resourceList(dns(), "aws_kms_key")[0]).toMatchObject({ provider: "aws.us_east_1", enable_key_rotation: true });
    expect(resourceList(dns(), "aws_sns_topic_subscription")).toEqual([]);
    const mail = synthApp({ dns: { ...PROD.dns, alarmEmail: "oncall@drweb.io" } });
    expect(resourceList(mail.stacks.dns, "aws_sns_topic_subscription")).toEqual([expect.objectContaining({ protocol: "email", endpoint: "oncall@drweb.io", provider: "aws.us_east_1" })]);
  });

  it("forced failover changes exactly one attribute (the gate's threshold) and nothing in any other stack", () => {
    const forced = synthApp({ dns: { ...PROD.dns, forceFailover: true } });
    const diffs: string[] = [];
    const walk = (a: any, b: any, path: string) => {
      if (typeof a !== "object" || a === null || typeof b !== "object" || b === null) {
        if (JSON.stringify(a) !== JSON.stringify(b)) diffs.push(path);
        return;
      }
      for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) walk(a[k], b[k], `${path}.${k}`);
    };
    const strip = (st: StackJson) => ({ ...st, terraform: { ...st.terraform, backend: undefined }, output: { ...st.output, force_failover: undefined } });
    walk(strip(app.stacks.dns), strip(forced.stacks.dns), "dns");
    expect(diffs).toEqual([expect.stringMatching(/^dns\.resource\.aws_route53_health_check\.Failover_PrimaryGate_[A-Z0-9]+\.child_health_threshold$/)]);
    const gate = resourceList(forced.stacks.dns, "aws_route53_health_check").find((c) => c.type === "CALCULATED");
    // More than its one child: Route53 treats the gate as unhealthy.
    expect(gate.child_health_threshold).toBe(2);
    expect(forced.stacks.dns.output!.force_failover.value).toBe(true);
    const others = Object.keys(app.stacks).filter((n) => n !== "dns");
    expect(others).toEqual(expect.arrayContaining(["primary", "secondary"]));
    for (const s of others) {
      expect(forced.text(s).replace(/terraform\.[a-z-]+\.tfstate/g, "")).toBe(app.text(s).replace(/terraform\.[a-z-]+\.tfstate/g, ""));
    }
  });

  it("outputs the failover budget: interval x threshold + the alias TTL", () => {
    expect(dns().output!.failover_budget_seconds.value).toBe(90);
    expect(dns().output!.failover_budget.value).toMatchObject({ detection_seconds: 30, alias_ttl_seconds: 60, total_seconds: 90 });
    const slow = resolveConfig({ dns: { healthCheck: { requestIntervalSeconds: 30, failureThreshold: 5 } } });
    expect(failoverBudget(slow)).toEqual({ detectionSeconds: 150, ttlSeconds: 60, totalSeconds: 210 });
  });

  it("stays usable while the primary region is down: state with the secondary's, nothing read from the primary region", () => {
    const s3 = synthApp({
      ...PROD,
      backend: { type: "s3", primaryBucket: { bucket: "st-use2", region: "us-east-2" }, secondaryBucket: { bucket: "st-usw1", region: "us-west-1" } },
    });
    expect(s3.stacks.dns.terraform.backend.s3).toMatchObject({ bucket: "st-usw1", region: "us-west-1", key: "drweb/prod/dns.tfstate" });
    const st = s3.stacks.dns;
    const regions = (st.provider!.aws as any[]).map((p) => p.region).sort();
    expect(regions).toEqual(["us-east-1", "us-west-1"]);
    expect(JSON.stringify(st)).not.toContain("terraform_remote_state");
    expect(JSON.stringify(st)).not.toContain("us-east-2");
    // Deploy order: after the secondary only (which follows the primary only while it replicates from it).
    expect(s3.drApp.dns!.dependencies.map((d: any) => d.node.id)).toEqual(["secondary"]);
  });

  it("creates the zone in its own stack when asked, before the regional stacks", () => {
    const created = synthApp({ dns: { ...PROD.dns, createZone: true } });
    expect(resourceList(created.stacks["dns-zone"], "aws_route53_zone")).toEqual([expect.objectContaining({ name: "drweb.io" })]);
    expect(created.stacks["dns-zone"].output!.name_servers).toBeDefined();
    for (const r of ["primary", "secondary"] as const) expect(created.drApp.regional[r].dependencies.map((d: any) => d.node.id)).toContain("dns-zone");
    expect(app.stacks["dns-zone"]).toBeUndefined();
  });

  describe("regional side", () => {
    it.each([
      ["primary", "us-east-2"],
      ["secondary", "us-west-1"],
    ])("%s gets an ACM certificate for the domain in its own region, validated in the zone, and publishes its ALB in us-west-1", (stack, _region) => {
      const st = app.stacks[stack];
      const cert = resourceList(st, "aws_acm_certificate")[0];
      expect(cert).toMatchObject({ domain_name: "www.drweb.io", validation_method: "DNS" });
      expect(cert.provider).toBeUndefined(); // the stack's own region
      const validation = resourceList(st, "aws_route53_record")[0];
      expect(validation).toMatchObject({ allow_overwrite: true });
      expect(validation.zone_id).toMatch(/data\.aws_route53_zone\.Zone/);
      expect(Object.values(st.data!.aws_route53_zone)).toEqual([expect.objectContaining({ name: "drweb.io", private_zone: false })]);
      const params = resourceList(st, "aws_ssm_parameter");
      expect(params.map((p) => p.name).sort()).toEqual([`/drweb-prod/dr/${stack}/alb-dns-name`, `/drweb-prod/dr/${stack}/alb-zone-id`]);
      const providerOf = (p: any) => (p.provider ? (st.provider!.aws as any[]).find((x) => `aws.${x.alias}` === p.provider).region : (st.provider!.aws as any[]).find((x) => !x.alias).region);
      for (const p of params) expect(providerOf(p)).toBe("us-west-1");
    });

    it("uses a configured certificate instead of creating one, and builds no dns stack when dns is off", () => {
      const arn = "arn:aws:acm:us-east-2:123456789012:certificate/11111111-2222-3333-4444-555555555555";
      const own = synthApp({ ...PROD, regions: { primary: { certificateArn: arn } } });
      expect(resourceList(own.stacks.primary, "aws_acm_certificate")).toEqual([]);
      expect(resourceList(own.stacks.primary, "aws_lb_listener").find((l) => l.port === 443).certificate_arn).toBe(arn);
      expect(resourceList(own.stacks.secondary, "aws_acm_certificate")).toHaveLength(1);
      const off = synthApp({ dns: { enabled: false } });
      expect(off.stacks.dns).toBeUndefined();
      expect(resourceList(off.stacks.primary, "aws_ssm_parameter")).toEqual([]);
    });
  });

  it("stores names without the root's final dot, so every stack uses one spelling", () => {
    const dotted = resolveConfig({ dns: { zoneName: "drweb.io.", domainName: "www.drweb.io." } });
    expect(dotted.dns).toMatchObject({ zoneName: "drweb.io", domainName: "www.drweb.io" });
  });

  describe("config errors", () => {
    it.each([
      [{ zoneName: "" }, /dns\.zoneName: missing: the failover records need a hosted zone\. Fix:/],
      [{ zoneName: "drweb.io", domainName: "www.other.io" }, /dns\.domainName: www\.other\.io is outside the zone drweb\.io.*Fix: use a name ending in \.drweb\.io/],
      [{ healthCheck: { requestIntervalSeconds: 20 } }, /dns\.healthCheck\.requestIntervalSeconds: 20 is not a Route53 request interval.*Fix: use 10 or 30/],
      [{ healthCheck: { regions: ["us-east-1", "us-west-2"] } }, /dns\.healthCheck\.regions: Route53 needs at least 3 distinct checker regions/],
      [{ healthCheck: { regions: ["us-east-1", "us-west-2", "us-east-2"] } }, /dns\.healthCheck\.regions\[2\]: "us-east-2" has no Route53 health checkers/],
      [{ healthCheck: { failureThreshold: 11 } }, /dns\.healthCheck\.failureThreshold: must be 1-10/],
      [{ createZone: true, zoneId: "Z0123456789ABCDEFGHIJ" }, /dns\.zoneId: a zone id looks up an existing zone, but createZone creates a new one/],
      [{ alarmEmail: "oncall" }, /dns\.alarmEmail: must be an e-mail address/],
      [{ forceFailove: true }, /dns\.forceFailove: unknown key\. Fix: did you mean "forceFailover"/],
    ])("rejects %j", (dnsOverride, message) => {
      expect(() => resolveConfig({ dns: dnsOverride })).toThrow(message);
    });
  });
});
