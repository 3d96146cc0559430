import { Testing, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { resolveConfig } from "../../src/config";
import { certificateValidationParameter, failoverBudget, failoverSwitch, HEALTH_CHECK_ROLES, HEALTH_CHECK_TAG, healthCheckParameter } from "../../src/dns/contract";
import { LEGACY_VALIDATION_RECORD } from "../../stacks/regional-stack";
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

  it("declares one PRIMARY/SECONDARY alias pair for the domain, primary-gate on PRIMARY, secondary-gate on SECONDARY, only PRIMARY evaluating target health", () => {
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
    expect(healthCheck(dns(), secondary.health_check_id).tags[HEALTH_CHECK_TAG]).toBe("secondary-gate");
    // While forced, nothing may make SECONDARY unhealthy (Route53 would answer PRIMARY): no target health on it.
    expect(primary.alias.evaluate_target_health).toBe(true);
    expect(secondary.alias.evaluate_target_health).toBe(false);
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
    // The path follows the app's config (one source of truth).
    const moved = synthApp({ ...PROD, web: { readinessPath: "/ready/deep" }, dns: { ...PROD.dns, healthCheck: { requestIntervalSeconds: 30, failureThreshold: 2 } } });
    for (const c of resourceList(moved.stacks.dns, "aws_route53_health_check").filter((x) => x.type === "HTTPS")) {
      expect(c).toMatchObject({ resource_path: "/ready/deep", request_interval: 30, failure_threshold: 2 });
    }
  });

  it("gates: PRIMARY needs the primary AND the released switch, SECONDARY the secondary OR the forced switch", () => {
    const byRole = (role: string) => resourceList(dns(), "aws_route53_health_check").find((c) => c.tags[HEALTH_CHECK_TAG] === role);
    const roleOf = (ref: string) => healthCheck(dns(), ref).tags[HEALTH_CHECK_TAG];
    expect(byRole("primary-gate")).toMatchObject({ type: "CALCULATED", child_health_threshold: 2 });
    expect(byRole("primary-gate").child_healthchecks.map(roleOf)).toEqual(["primary", "switch"]);
    expect(byRole("secondary-gate")).toMatchObject({ type: "CALCULATED", child_health_threshold: 1 });
    expect(byRole("secondary-gate").child_healthchecks.map(roleOf)).toEqual(["secondary", "switch-forced"]);
    const alarm = resourceList(dns(), "aws_cloudwatch_metric_alarm")[0];
    for (const [role, inverted] of [["switch", undefined], ["switch-forced", true]] as const) {
      const c = byRole(role);
      expect(c).toMatchObject({ type: "CLOUDWATCH_METRIC", cloudwatch_alarm_region: "us-west-1", insufficient_data_health_status: "LastKnownStatus" });
      expect(c.invert_healthcheck).toBe(inverted);
      expect(c.cloudwatch_alarm_name).toMatch(/^\$\{aws_cloudwatch_metric_alarm\.Failover_Switch_Alarm_[A-Z0-9]+\.alarm_name\}$/);
      expect(alarm.alarm_name).toBe("drweb-prod-dns-failover-switch");
    }
  });

  it("the failover switch is an alarm in the secondary region on the metric the runbook writes, keeping its state without data", () => {
    const sw = failoverSwitch(app.config);
    const alarms = resourceList(dns(), "aws_cloudwatch_metric_alarm");
    expect(alarms).toHaveLength(1);
    expect(alarms[0].provider).toBeUndefined(); // the stack's only provider: us-west-1
    expect(alarms[0]).toMatchObject({
      alarm_name: sw.alarmName,
      namespace: "drweb/DR",
      metric_name: "ForceFailover",
      dimensions: { Deployment: "drweb-prod" },
      statistic: "Maximum",
      period: 60,
      evaluation_periods: 1,
      threshold: 1,
      comparison_operator: "GreaterThanOrEqualToThreshold",
      treat_missing_data: "ignore",
    });
    expect(alarms[0].alarm_actions).toBeUndefined();
    expect(dns().output!.failover_switch.value).toMatchObject({ region: "us-west-1", namespace: "drweb/DR", metric_name: "ForceFailover", forced_value: 1, released_value: 0 });
  });

  it("publishes each health check's id under its role's SSM parameter in us-west-1: what `dr failover --unplanned` reads instead of Route 53's API", () => {
    // The runbook (src/dr/aws-platform.ts healthCheckIds) maps parameter name -> role -> check id; a value wired to
    // another role's check would make it judge the wrong check. The dns stack's only provider is us-west-1 (the handoff region).
    const params = resourceList(dns(), "aws_ssm_parameter");
    expect(params).toHaveLength(HEALTH_CHECK_ROLES.length);
    for (const role of HEALTH_CHECK_ROLES) {
      const p = params.find((x) => x.name === healthCheckParameter(app.config, role));
      expect(p, role).toBeDefined();
      expect(p.type).toBe("String");
      expect(p.provider).toBeUndefined(); // the stack's default provider: us-west-1
      expect(healthCheck(dns(), p.value).tags[HEALTH_CHECK_TAG]).toBe(role);
    }
  });

  it("keeps us-east-1 out of the dns stack: the alarms, their topic and key are the dns-alarms stack's, which reads the health check ids from SSM", () => {
    expect((dns().provider!.aws as any[]).map((p) => p.region)).toEqual(["us-west-1"]);
    for (const t of ["aws_sns_topic", "aws_kms_key", "aws_sns_topic_subscription"]) expect(resourceList(dns(), t)).toEqual([]);
    // dns publishes every health check id in us-west-1.
    const published = resourceList(dns(), "aws_ssm_parameter").map((p) => p.name).sort();
    expect(published).toEqual(HEALTH_CHECK_ROLES.map((r) => healthCheckParameter(app.config, r)).sort());
    const st = app.stacks["dns-alarms"];
    const providers = st.provider!.aws as any[];
    expect(providers.find((p) => !p.alias).region).toBe("us-west-1");
    expect(providers.find((p) => p.alias === "us_east_1").region).toBe("us-east-1");
    const alarms = resourceList(st, "aws_cloudwatch_metric_alarm");
    expect(alarms).toHaveLength(4);
    for (const a of alarms) {
      expect(a.provider).toBe("aws.us_east_1");
      expect(a).toMatchObject({ namespace: "AWS/Route53", metric_name: "HealthCheckStatus", comparison_operator: "LessThanThreshold", threshold: 1 });
      expect(a.alarm_actions).toEqual([expect.stringMatching(/aws_sns_topic\./)]);
    }
    const read = alarms.map((a) => ssmName(st, a.dimensions.HealthCheckId)).sort();
    expect(read).toEqual(["primary", "primary-gate", "secondary", "secondary-gate"].map((r) => healthCheckParameter(app.config, r as any)).sort());
    for (const d of Object.values(st.data!.aws_ssm_parameter)) expect((d as any).provider).toBeUndefined(); // us-west-1
    expect(resourceList(st, "aws_sns_topic")[0]).toMatchObject({ provider: "aws.us_east_1", kms_master_key_id: expect.stringMatching(/aws_kms_key\.HealthAlarms_Key/) });
    expect(resourceList(st, "aws_kms_key")[0]).toMatchObject({ provider: "aws.us_east_1", enable_key_rotation: true });
    expect(resourceList(st, "aws_sns_topic_subscription")).toEqual([]);
    const mail = synthApp({ dns: { ...PROD.dns, alarmEmail: "oncall@drweb.io" } });
    expect(resourceList(mail.stacks["dns-alarms"], "aws_sns_topic_subscription")).toEqual([expect.objectContaining({ protocol: "email", endpoint: "oncall@drweb.io", provider: "aws.us_east_1" })]);
    // The addresses and provider the dns stack gave them before they moved here, so their state moves
    // with `terraform state mv` (docs/dns-failover.md) instead of being recreated (the key alias and topic name would collide).
    const managed = (j: StackJson) =>
      Object.entries(j.resource ?? {}).flatMap(([t, items]) => Object.entries(items).filter(([, c]) => c.provider === "aws.us_east_1").map(([n]) => `${t}.${n}`)).sort();
    expect(managed(mail.stacks["dns-alarms"])).toEqual([
      "aws_cloudwatch_metric_alarm.HealthAlarms_AlarmPrimaryGate_9E72244F",
      "aws_cloudwatch_metric_alarm.HealthAlarms_AlarmPrimary_7669A102",
      "aws_cloudwatch_metric_alarm.HealthAlarms_AlarmSecondaryGate_" + managed(mail.stacks["dns-alarms"]).find((a) => a.includes("AlarmSecondaryGate"))!.split("_").pop(),
      "aws_cloudwatch_metric_alarm.HealthAlarms_AlarmSecondary_71C546D4",
      "aws_kms_alias.HealthAlarms_Key_Alias_46FFA7C5",
      "aws_kms_key.HealthAlarms_Key_17BE34FC",
      "aws_sns_topic.HealthAlarms_Topic_B45B1E38",
      "aws_sns_topic_subscription.HealthAlarms_Email_F874BCAC",
    ]);
    // Deploy order: after dns; no stack waits for it.
    expect(app.drApp.dnsAlarms!.dependencies.map((d: any) => d.node.id)).toEqual(["dns"]);
    const dependents = app.drApp.dnsAlarms!.node.scope!.node.children.filter((c: any) => (c.dependencies ?? []).includes(app.drApp.dnsAlarms));
    expect(dependents).toEqual([]);
  });

  it("forced failover changes nothing in any stack: the switch is a metric the runbook writes, not Terraform", () => {
    const forced = synthApp({ dns: { ...PROD.dns, forceFailover: true } });
    expect(Object.keys(forced.stacks).sort()).toEqual(Object.keys(app.stacks).sort());
    // But for the readiness checker's package (src/dr/readiness-checker.ts): it carries the config, so it compares
    // the switch with the recorded dns.forceFailover (a code-only update of that one function, no AWS switch).
    const pkg = /"(filename|source_code_hash)": "[^"]*"/g;
    for (const s of Object.keys(app.stacks)) {
      expect(forced.text(s).replace(/terraform\.[a-z-]+\.tfstate/g, "").replace(pkg, ""), s).toBe(app.text(s).replace(/terraform\.[a-z-]+\.tfstate/g, "").replace(pkg, ""));
    }
  });

  it("outputs the failover budget: interval x threshold + the alias TTL", () => {
    expect(dns().output!.failover_budget_seconds.value).toBe(90);
    expect(dns().output!.failover_budget.value).toMatchObject({ detection_seconds: 30, alias_ttl_seconds: 60, total_seconds: 90 });
    const slow = resolveConfig({ dns: { healthCheck: { requestIntervalSeconds: 30, failureThreshold: 5 } } });
    expect(failoverBudget(slow)).toEqual({ detectionSeconds: 150, ttlSeconds: 60, totalSeconds: 210 });
  });

  it("stays usable while the primary region or us-east-1 is down: global state with the secondary's, nothing read from the primary region", () => {
    const s3 = synthApp({
      ...PROD,
      backend: { type: "s3", primaryBucket: { bucket: "st-use2", region: "us-east-2" }, secondaryBucket: { bucket: "st-usw1", region: "us-west-1" } },
    });
    for (const stack of ["dns", "dns-alarms", "dns-zone"]) {
      expect(s3.stacks[stack].terraform.backend.s3).toMatchObject({ bucket: "st-usw1", region: "us-west-1", key: `drweb/prod/${stack}.tfstate` });
    }
    for (const stack of ["dns", "dns-zone"]) {
      const st = s3.stacks[stack];
      expect((st.provider!.aws as any[]).map((p) => p.region)).toEqual(["us-west-1"]);
      expect(JSON.stringify(st)).not.toContain("terraform_remote_state");
      expect(JSON.stringify(st)).not.toContain("us-east-2");
      // No resource or data source anywhere but the stack's one provider (us-west-1).
      for (const kind of [st.resource ?? {}, st.data ?? {}]) for (const items of Object.values(kind)) for (const r of Object.values(items)) expect((r as any).provider).toBeUndefined();
    }
    expect(JSON.stringify(s3.stacks["dns-alarms"])).not.toContain("terraform_remote_state");
    // Deploy order: after the secondary only (which follows the primary only while it replicates from it).
    expect(s3.drApp.dns!.dependencies.map((d: any) => d.node.id)).toEqual(["secondary"]);
  });

  it("creates the zone in the dns-zone stack when asked, before the regional stacks", () => {
    const created = synthApp({ dns: { ...PROD.dns, createZone: true } });
    expect(resourceList(created.stacks["dns-zone"], "aws_route53_zone")).toEqual([expect.objectContaining({ name: "drweb.io" })]);
    expect(created.stacks["dns-zone"].output!.name_servers).toBeDefined();
    for (const r of ["primary", "secondary"] as const) expect(created.drApp.regional[r].dependencies.map((d: any) => d.node.id)).toContain("dns-zone");
    // Without createZone, dns-zone looks the zone up (it holds the validation record).
    expect(resourceList(app.stacks["dns-zone"], "aws_route53_zone")).toEqual([]);
    expect(Object.values(app.stacks["dns-zone"].data!.aws_route53_zone)).toEqual([expect.objectContaining({ name: "drweb.io", private_zone: false })]);
  });

  it("gives the ACM validation record one owner, dns-zone, which survives a primary outage and either regional stack's destruction", () => {
    const validationRecords = (st: StackJson) => resourceList(st, "aws_route53_record").filter((r) => JSON.stringify(r).includes("domain_validation_options"));
    const owners = Object.entries(app.stacks).filter(([, st]) => validationRecords(st).length > 0).map(([n]) => n);
    expect(owners).toEqual(["dns-zone"]);
    const zone = app.stacks["dns-zone"];
    expect(validationRecords(zone)).toHaveLength(1);
    expect(validationRecords(zone)[0]).toMatchObject({ type: expect.stringContaining("resource_record_type"), ttl: 300, allow_overwrite: true });
    // Its values come from a certificate of its own, in us-west-1 (nothing in the primary region).
    const anchor = resourceList(zone, "aws_acm_certificate");
    expect(anchor).toEqual([expect.objectContaining({ domain_name: "www.drweb.io", validation_method: "DNS" })]);
    expect((zone.provider!.aws as any[]).map((p) => p.region)).toEqual(["us-west-1"]);
    expect(resourceList(zone, "aws_ssm_parameter")).toEqual([expect.objectContaining({ name: certificateValidationParameter(app.config), value: expect.stringMatching(/aws_route53_record\..*\.fqdn/) })]);
    // It exists before the certificates validate.
    for (const r of ["primary", "secondary"] as const) expect(app.drApp.regional[r].dependencies.map((d: any) => d.node.id)).toContain("dns-zone");
    // With both certificates brought by config and no zone to create, there is nothing to own.
    const arn = (region: string) => `arn:aws:acm:${region}:123456789012:certificate/11111111-2222-3333-4444-555555555555`;
    const own = synthApp({ ...PROD, regions: { primary: { certificateArn: arn("us-east-2") }, secondary: { certificateArn: arn("us-west-1") } } });
    expect(own.stacks["dns-zone"]).toBeUndefined();
  });

  describe("regional side", () => {
    it.each([
      ["primary", "us-east-2"],
      ["secondary", "us-west-1"],
    ])("%s gets an ACM certificate for the domain in its own region, waits for the dns-zone stack's validation record, and publishes its ALB in us-west-1", (stack, _region) => {
      const st = app.stacks[stack];
      const cert = resourceList(st, "aws_acm_certificate")[0];
      expect(cert).toMatchObject({ domain_name: "www.drweb.io", validation_method: "DNS" });
      expect(cert.provider).toBeUndefined(); // the stack's own region
      // No record of its own: destroying this stack cannot delete the record the other region renews with.
      expect(resourceList(st, "aws_route53_record")).toEqual([]);
      const validation = resourceList(st, "aws_acm_certificate_validation")[0];
      expect(validation.validation_record_fqdns).toHaveLength(1);
      expect(ssmName(st, validation.validation_record_fqdns[0])).toBe(certificateValidationParameter(app.config));
      const providerOf = (p: any) => (p.provider ? (st.provider!.aws as any[]).find((x) => `aws.${x.alias}` === p.provider).region : (st.provider!.aws as any[]).find((x) => !x.alias).region);
      expect(providerOf(Object.values(st.data!.aws_ssm_parameter).find((d: any) => d.name === certificateValidationParameter(app.config)))).toBe("us-west-1");
      // The record it used to manage is forgotten, not destroyed, on its next apply.
      expect((st as any).removed).toEqual([{ from: LEGACY_VALIDATION_RECORD, lifecycle: { destroy: false } }]);
      const params = resourceList(st, "aws_ssm_parameter");
      // In normal the secondary also holds the replicated backups' parameter, in its own region (src/database/backup-plan.ts).
      const backupReplica = stack === "secondary" ? ["/drweb-prod/dr/db/backup-replica"] : [];
      expect(params.map((p) => p.name).sort()).toEqual([`/drweb-prod/dr/${stack}/alb-dns-name`, `/drweb-prod/dr/${stack}/alb-zone-id`, ...backupReplica].sort());
      for (const p of params) expect(providerOf(p)).toBe("us-west-1");
    });

    it("forgets exactly the address the regional stacks gave the validation record before (cdktf's id for Certificate/ValidationRecord)", () => {
      const probe = Testing.app();
      const stack = new TerraformStack(probe, "probe");
      new AwsProvider(stack, "Aws", { region: "us-east-2" });
      const cert = new Construct(stack, "Certificate");
      new Route53Record(cert, "ValidationRecord", { zoneId: "Z1", name: "x", type: "CNAME", records: ["y"], ttl: 300 });
      const json = JSON.parse(Testing.synth(stack));
      expect(`aws_route53_record.${Object.keys(json.resource.aws_route53_record)[0]}`).toBe(LEGACY_VALIDATION_RECORD);
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
