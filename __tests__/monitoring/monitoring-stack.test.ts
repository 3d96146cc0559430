// The primary-monitoring and secondary-monitoring stacks, from whole-app
// synthesis. These stacks use the kubernetes and helm providers, which the
// offline Terraform mirror of this machine lacks, so `terraform validate`
// cannot run on them (awsOnlyStacks leaves them out): they are tested by
// synthesis only, against the provider typings' attribute names.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { ConfigError, resolveConfig } from "../../src/config";
import { clusterName, DB_ROLE_METRIC, EKS_API_TUNNEL_LOCAL_PORT, MONITORING_RELEASE, PROMETHEUS_SERVICE_ACCOUNT } from "../../src/eks/contract";
import { Naming } from "../../src/lib/naming";
import { MONITORING_FILES } from "../../src/monitoring/repo-files";
import { DASHBOARD_LABEL, GRAFANA_ADMIN_KEYS, kubePrometheusStackValues } from "../../src/monitoring/values";
import { MONITORING_STACK_NAMES } from "../../stacks/app";
import { MonitoringStack } from "../../stacks/monitoring-stack";
import * as os from "node:os";
import { awsOnlyStacks, prepareTerraformEnv } from "../../scripts/lib/terraform-env";
import { run } from "../helpers/run";
import { PROJECT_ROOT, resourceList, resources, type StackJson, synthApp, userDataEnv } from "../helpers/synth";

const REGIONS = { primary: "us-east-2", secondary: "us-west-1" } as const;
const ROLES = ["primary", "secondary"] as const;
const RULES_FILE = path.join(PROJECT_ROOT, MONITORING_FILES.rules);
const DASHBOARD_DIR = path.join(PROJECT_ROOT, MONITORING_FILES.dashboards);

/** Undoes Terraform's template escaping: what reaches the cluster. */
const unescapeTf = (s: string) => s.replace(/\$\$\{/g, "${").replace(/%%\{/g, "%{");

function release(stack: StackJson, chart: string): any {
  const r = resourceList(stack, "helm_release").filter((x) => x.chart === chart);
  expect(r).toHaveLength(1);
  return r[0];
}

/** The Helm values of a release as Helm reads them (its first, literal values document). */
function valuesOf(rel: any): any {
  expect(rel.values.length).toBeGreaterThanOrEqual(1);
  return parse(unescapeTf(rel.values[0]));
}

/** The logical id of the only data source / resource of a type. */
function onlyId(block: Record<string, any> | undefined, type: string): string {
  const ids = Object.keys(block?.[type] ?? {});
  expect(ids).toHaveLength(1);
  return ids[0];
}

/** Every `type.name` address a stack's expressions refer to. */
function referencedAddresses(stack: StackJson): string[] {
  const text = JSON.stringify({ ...stack, "//": undefined });
  const out = new Set<string>();
  for (const expr of text.matchAll(/(?<!\$)\$\{([^}]*)\}/g)) {
    for (const m of expr[1].matchAll(/\b((?:data|ephemeral)\.)?([a-z][a-z0-9_]+)\.([A-Za-z][A-Za-z0-9_]*)\b/g)) {
      if (/^(aws|kubernetes|helm|terraform)_/.test(m[2])) out.add(`${m[1] ?? ""}${m[2]}.${m[3]}`);
    }
  }
  return [...out];
}

/** Every string value in a JSON document, with the key it is under. */
function* strings(node: unknown, key = ""): Generator<[string, string]> {
  if (typeof node === "string") yield [key, node];
  else if (Array.isArray(node)) for (const v of node) yield* strings(v, key);
  else if (node && typeof node === "object") for (const [k, v] of Object.entries(node)) yield* strings(v, k);
}

describe("MonitoringStack", () => {
  const app = synthApp();
  const mon = (role: (typeof ROLES)[number]) => app.stacks[MONITORING_STACK_NAMES[role]];

  it("synthesizes primary-monitoring and secondary-monitoring from one class, each deployed after its regional stack", () => {
    expect(Object.keys(app.stacks)).toEqual(expect.arrayContaining(["primary-monitoring", "secondary-monitoring"]));
    const { primary, secondary } = app.drApp.monitoring;
    expect(primary).toBeInstanceOf(MonitoringStack);
    expect(primary.constructor).toBe(secondary.constructor);
    expect(primary.dependencies).toEqual([app.drApp.regional.primary]);
    expect(secondary.dependencies).toEqual([app.drApp.regional.secondary]);
    expect([primary.region, secondary.region]).toEqual([REGIONS.primary, REGIONS.secondary]);
  });

  it.each(ROLES)("%s-monitoring: kubernetes and helm authenticate with the `aws eks get-token` exec plugin, renewed during a long apply (issue 14, item 11)", (role) => {
    const st = mon(role);
    const name = clusterName(new Naming("drweb", "prod", REGIONS[role]));
    expect(name).toBe(role === "primary" ? "drweb-prod-use2-eks" : "drweb-prod-usw1-eks");
    expect(st.provider!.aws).toEqual([expect.objectContaining({ region: REGIONS[role] })]);
    const cluster = onlyId(st.data, "aws_eks_cluster");
    expect(st.data!.aws_eks_cluster[cluster].name).toBe(name);
    const endpoint = `data.aws_eks_cluster.${cluster}.endpoint`;
    const exec = {
      api_version: "client.authentication.k8s.io/v1beta1",
      command: "aws",
      args: ["eks", "get-token", "--cluster-name", name, "--region", REGIONS[role], "--output", "json"],
    };
    const expected = {
      // The endpoint, or the local end of the deploy runner's tunnel (issue 14, item 1).
      host: `\${var.eks_api_tunnel ? "https://127.0.0.1:${EKS_API_TUNNEL_LOCAL_PORT[role]}" : ${endpoint}}`,
      tls_server_name: `\${trimprefix(${endpoint}, "https://")}`,
      cluster_ca_certificate: `\${base64decode(data.aws_eks_cluster.${cluster}.certificate_authority[0].data)}`,
    };
    // The kubernetes provider's exec is a block (list), helm 3's an attribute (object).
    expect(st.provider!.kubernetes).toEqual([{ ...expected, exec: [exec] }]);
    expect(st.provider!.helm).toEqual([{ kubernetes: { ...expected, exec } }]);
    // No token fetched once at plan time (it lasts 15 minutes and is not renewed).
    expect(JSON.stringify(st)).not.toMatch(/aws_eks_cluster_auth|"token"/);
    expect((st as any).variable).toEqual({ eks_api_tunnel: expect.objectContaining({ type: "bool", default: false, nullable: false }) });
    expect(st.terraform.required_version).toBe(">= 1.11");
    expect(st.terraform.required_providers.kubernetes.version).toBe("2.38.0");
    expect(st.terraform.required_providers.helm.version).toBe("3.1.1");
  });

  it("sends the providers to the tunnel only when TF_VAR_eks_api_tunnel=true, verifying TLS for the endpoint's name either way (real Terraform)", async () => {
    const tf = prepareTerraformEnv(PROJECT_ROOT);
    const st = mon("primary");
    const k8s = st.provider!.kubernetes[0];
    const cluster = onlyId(st.data, "aws_eks_cluster");
    const endpoint = "https://ABCDEF0123456789.gr7.us-east-2.eks.amazonaws.com";
    // The stack's own expressions, with the data source's endpoint as a literal.
    const sub = (expr: string) => expr.replaceAll(`data.aws_eks_cluster.${cluster}.endpoint`, JSON.stringify(endpoint));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drtunnelvar-"));
    fs.writeFileSync(
      path.join(dir, "main.tf.json"),
      JSON.stringify({ variable: (st as any).variable, output: { host: { value: sub(k8s.host) }, tls_server_name: { value: sub(k8s.tls_server_name) } } }),
    );
    const terraform = (args: string[], env: NodeJS.ProcessEnv = {}) => run(tf.terraform, args, { cwd: dir, env: { ...tf.env, ...env } });
    expect((await terraform(["init", "-input=false"])).status).toBe(0);
    const outputs = async (env: NodeJS.ProcessEnv) => {
      const apply = await terraform(["apply", "-auto-approve", "-input=false"], env);
      expect(apply.stderr).toBe("");
      const o = JSON.parse((await terraform(["output", "-json"])).stdout);
      return { host: o.host.value, tls: o.tls_server_name.value };
    };
    expect(await outputs({})).toEqual({ host: endpoint, tls: "ABCDEF0123456789.gr7.us-east-2.eks.amazonaws.com" });
    expect(await outputs({ TF_VAR_eks_api_tunnel: "true" })).toEqual({ host: "https://127.0.0.1:8443", tls: "ABCDEF0123456789.gr7.us-east-2.eks.amazonaws.com" });
  }, 60_000);

  it.each(ROLES)("%s-monitoring refers only to its own data sources and resources, never to another stack's state", (role) => {
    const st = mon(role);
    expect(st.data?.terraform_remote_state).toBeUndefined();
    const own = new Set<string>([
      ...Object.entries(st.resource ?? {}).flatMap(([t, r]) => Object.keys(r).map((id) => `${t}.${id}`)),
      ...Object.entries(st.data ?? {}).flatMap(([t, r]) => Object.keys(r).map((id) => `data.${t}.${id}`)),
      ...Object.entries((st as any).ephemeral ?? {}).flatMap(([t, r]) => Object.keys(r as object).map((id) => `ephemeral.${t}.${id}`)),
    ]);
    const refs = referencedAddresses(st);
    expect(refs.length).toBeGreaterThan(5);
    expect(refs.filter((r) => !own.has(r))).toEqual([]);
  });

  it("keeps each monitoring stack's state with its region: local files by default, the region's S3 bucket when configured", () => {
    expect(mon("primary").terraform.backend.local.path).toMatch(/terraform\.primary-monitoring\.tfstate$/);
    const s3 = synthApp({
      backend: {
        type: "s3",
        keyPrefix: "drweb/prod",
        primaryBucket: { bucket: "drweb-state-use2", region: "us-east-2" },
        secondaryBucket: { bucket: "drweb-state-usw1", region: "us-west-1" },
      },
    });
    expect(s3.stacks["primary-monitoring"].terraform.backend.s3).toMatchObject({ bucket: "drweb-state-use2", key: "drweb/prod/primary-monitoring.tfstate", use_lockfile: true });
    // Needed during a failover: not only in the primary region.
    expect(s3.stacks["secondary-monitoring"].terraform.backend.s3).toMatchObject({ bucket: "drweb-state-usw1", region: "us-west-1", key: "drweb/prod/secondary-monitoring.tfstate" });
  });

  it("leaves the monitoring stacks out of the aws-only terraform validation", () => {
    const stacks = awsOnlyStacks(path.join(app.outdir, "stacks"));
    expect(stacks).toEqual(expect.arrayContaining(["primary", "secondary"]));
    expect(stacks).not.toContain("primary-monitoring");
    expect(stacks).not.toContain("secondary-monitoring");
  });

  it("installs both charts at the exact versions of the config, from the configured repository", () => {
    const kps = release(mon("primary"), "kube-prometheus-stack");
    const cw = release(mon("primary"), "prometheus-cloudwatch-exporter");
    expect(kps).toMatchObject({ name: MONITORING_RELEASE, version: app.config.monitoring.chart.version, repository: app.config.monitoring.chart.repository });
    expect(cw).toMatchObject({ version: app.config.monitoring.cloudwatchExporter.chartVersion, repository: app.config.monitoring.chart.repository });
    for (const v of [kps.version, cw.version]) expect(v).toMatch(/^\d+\.\d+\.\d+$/);
    const other = synthApp({ monitoring: { chart: { version: "80.0.0" }, cloudwatchExporter: { chartVersion: "0.29.0" } } });
    expect(release(other.stacks["secondary-monitoring"], "kube-prometheus-stack").version).toBe("80.0.0");
    expect(release(other.stacks["secondary-monitoring"], "prometheus-cloudwatch-exporter").version).toBe("0.29.0");
  });

  it.each([
    [{ monitoring: { chart: { version: "~79.7" } } }, "monitoring.chart.version"],
    [{ monitoring: { chart: { version: "79.x" } } }, "monitoring.chart.version"],
    [{ monitoring: { cloudwatchExporter: { chartVersion: ">=0.28.1" } } }, "monitoring.cloudwatchExporter.chartVersion"],
    [{ monitoring: { prometheus: { retentionSizeGb: 9, volumeGb: 10 } } }, "monitoring.prometheus.retentionSizeGb"],
    [{ monitoring: { grafana: { exposure: "internalLoadBalancer", allowedCidrs: [] } } }, "monitoring.grafana.allowedCidrs"],
  ])("rejects a config error before synthesis: %j", (overrides, field) => {
    let err: unknown;
    try {
      resolveConfig(overrides, "test");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems.map((p) => p.field)).toContain(field);
  });

  it.each(ROLES)("%s-monitoring deploys exactly the values kubePrometheusStackValues builds for its region", (role) => {
    const st = mon(role);
    const sc = resourceList(st, "kubernetes_storage_class_v1")[0];
    const secret = resourceList(st, "kubernetes_secret_v1")[0];
    const expected = kubePrometheusStackValues({
      region: REGIONS[role],
      monitoring: app.config.monitoring,
      metricsPort: app.config.web.metricsPort,
      storageClassName: sc.metadata.name,
      grafanaAdminSecretName: secret.metadata.name,
      // drweb-alerts.yaml, then the restorable-window alerts (drweb-backup-alerts.yaml).
      ruleGroups: [...parse(fs.readFileSync(RULES_FILE, "utf8")).groups, ...parse(fs.readFileSync(path.join(PROJECT_ROOT, MONITORING_FILES.backupRules), "utf8")).groups],
    });
    // Through YAML, Terraform escaping and back: nothing lost or altered.
    expect(valuesOf(release(st, "kube-prometheus-stack"))).toEqual(expected);
    const v = valuesOf(release(st, "kube-prometheus-stack"));
    expect(v.prometheus.serviceAccount.name).toBe(PROMETHEUS_SERVICE_ACCOUNT);
    const job = v.prometheus.prometheusSpec.additionalScrapeConfigs[0];
    expect(job.job_name).toBe("drweb-web");
    expect(job.ec2_sd_configs[0]).toMatchObject({ region: REGIONS[role], port: 9102 });
    expect(job.relabel_configs).toContainEqual({ source_labels: ["__meta_ec2_region"], target_label: "region" });
    // The address is EC2 discovery's default: <private IP>:<port>.
    expect(job.relabel_configs.map((c: any) => c.target_label)).not.toContain("__address__");
  });

  it.each(ROLES)("%s-monitoring keeps the volumes on a gp3 class encrypted with the region key found by its alias", (role) => {
    const st = mon(role);
    const alias = onlyId(st.data, "aws_kms_alias");
    expect(st.data!.aws_kms_alias[alias].name).toBe(`alias/${new Naming("drweb", "prod", REGIONS[role]).regional}`);
    const scs = resourceList(st, "kubernetes_storage_class_v1");
    expect(scs).toHaveLength(1);
    expect(scs[0]).toMatchObject({
      storage_provisioner: "ebs.csi.aws.com",
      volume_binding_mode: "WaitForFirstConsumer",
      parameters: { type: "gp3", encrypted: "true", kmsKeyId: `\${data.aws_kms_alias.${alias}.target_key_arn}` },
    });
    // Volumes only in the AZs that have a node group of their own (issue 14:
    // a volume's AZ must keep a node): the regional stack's node groups.
    const zones = app.config.regions[role].availabilityZones.slice(0, 2);
    expect(scs[0].allowed_topologies).toEqual({ match_label_expressions: [{ key: "topology.kubernetes.io/zone", values: zones }] });
    const groups = resourceList(app.stacks[role], "aws_eks_node_group");
    const subnets = resources(app.stacks[role], "aws_subnet");
    const groupZones = groups.map((g) => subnets[/aws_subnet\.([A-Za-z0-9_]+)\.id/.exec(g.subnet_ids[0])![1]].availability_zone);
    expect(groupZones).toEqual(zones);
    for (const g of groups) expect(g.subnet_ids).toHaveLength(1);
    const v = valuesOf(release(st, "kube-prometheus-stack"));
    const name = scs[0].metadata.name;
    expect(v.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.storageClassName).toBe(name);
    expect(v.alertmanager.alertmanagerSpec.storage.volumeClaimTemplate.spec.storageClassName).toBe(name);
    expect(v.grafana.persistence.storageClassName).toBe(name);
    // The class exists before the chart's volume claims.
    const scId = Object.keys(resources(st, "kubernetes_storage_class_v1"))[0];
    expect(release(st, "kube-prometheus-stack").depends_on).toContain(`kubernetes_storage_class_v1.${scId}`);
  });

  it.each(ROLES)("%s-monitoring writes the Grafana admin password only through write-only arguments: generated into the secret, read back from that secret version into Kubernetes", (role) => {
    const st = mon(role);
    const eph = (st as any).ephemeral;
    const pw = onlyId(eph, "aws_secretsmanager_random_password");
    const ref = `ephemeral.aws_secretsmanager_random_password.${pw}.random_password`;
    const version = resourceList(st, "aws_secretsmanager_secret_version");
    expect(version).toHaveLength(1);
    expect(version[0].secret_string).toBeUndefined();
    // The generated value goes to the secret only.
    expect(version[0].secret_string_wo).toContain(`password = ${ref}`);
    expect(version[0].secret_string_wo_version).toBe(app.config.monitoring.grafana.adminPasswordVersion);
    // Grafana's Kubernetes secret gets the password read back from exactly
    // the version written (its version_id): it waits for that write, and a
    // retry after a failed Kubernetes write cannot get a fresh password that
    // the secret does not hold (the split issue 23 describes). The monitoring
    // stacks are not planned offline (no kubernetes/helm provider here), so
    // the wiring is checked on the JSON.
    const versionId = onlyId(st.resource, "aws_secretsmanager_secret_version");
    const reads = eph.aws_secretsmanager_secret_version as Record<string, any>;
    expect(Object.keys(reads)).toHaveLength(1);
    const [readId, read] = Object.entries(reads)[0];
    expect(read).toMatchObject({ secret_id: version[0].secret_id, version_id: `\${aws_secretsmanager_secret_version.${versionId}.version_id}` });
    const k8s = resourceList(st, "kubernetes_secret_v1");
    expect(k8s).toHaveLength(1);
    expect(k8s[0].data).toBeUndefined();
    expect(k8s[0].data_wo).toEqual({ [GRAFANA_ADMIN_KEYS.user]: "admin", [GRAFANA_ADMIN_KEYS.password]: `\${jsondecode(ephemeral.aws_secretsmanager_secret_version.${readId}.secret_string).password}` });
    expect(JSON.stringify(k8s[0])).not.toContain("random_password");
    expect(k8s[0].data_wo_revision).toBe(app.config.monitoring.grafana.adminPasswordVersion);
    const secret = resourceList(st, "aws_secretsmanager_secret")[0];
    const naming = new Naming("drweb", "prod", REGIONS[role]);
    expect(secret.name).toBe(`${naming.regional}/grafana/admin`);
    expect(secret.kms_key_id).toBe(`\${data.aws_kms_alias.${onlyId(st.data, "aws_kms_alias")}.target_key_arn}`);
    // Grafana reads that secret; the chart is given no password.
    const v = valuesOf(release(st, "kube-prometheus-stack"));
    expect(v.grafana.admin.existingSecret).toBe(k8s[0].metadata.name);
    expect(st.output!.grafana_admin_secret_name.value).toBe(`${naming.regional}/grafana/admin`);
  });

  it("has no password value anywhere in the synthesized monitoring stacks", () => {
    for (const role of ROLES) {
      const st = mon(role);
      const text = app.text(MONITORING_STACK_NAMES[role]);
      // The chart's password value (adminPassword, its default prom-operator),
      // or a JSON "password" field.
      expect(text).not.toMatch(/adminPassword|prom-operator/);
      expect(text).not.toMatch(/"password"\s*:/i);
      for (const [key, value] of strings(st)) {
        if (!/pass(word)?|secret_string/i.test(key)) continue;
        // The only password-ish values: the ephemeral reference, and key names.
        const ok = value.includes("ephemeral.aws_secretsmanager_random_password.") || value.includes("ephemeral.aws_secretsmanager_secret_version.") || value === GRAFANA_ADMIN_KEYS.password;
        expect({ key, value, ok }).toEqual({ key, value, ok: true });
      }
      // Inside the Helm values (a YAML string), no password key either.
      for (const rel of resourceList(st, "helm_release")) {
        const keys = [...JSON.stringify(valuesOf(rel)).matchAll(/"([^"]+)":/g)].map((m) => m[1]);
        expect(keys.filter((k) => /password/i.test(k) && k !== "passwordKey")).toEqual([]);
      }
    }
  });

  it("keeps a destroyed Grafana admin secret restorable 7 days by default, 0 (deleted at once) when a disposable environment asks so, and refuses other windows", () => {
    expect(resourceList(mon("primary"), "aws_secretsmanager_secret")[0].recovery_window_in_days).toBe(7);
    const dev = synthApp({ environment: "dev", monitoring: { grafana: { secretRecoveryWindowDays: 0 } } });
    for (const role of ROLES) expect(resourceList(dev.stacks[MONITORING_STACK_NAMES[role]], "aws_secretsmanager_secret")[0].recovery_window_in_days).toBe(0);
    expect(() => resolveConfig({ environment: "dev", monitoring: { grafana: { secretRecoveryWindowDays: 45 } } })).toThrow(
      "monitoring.grafana.secretRecoveryWindowDays: 45 is not a Secrets Manager recovery window",
    );
    expect(() => resolveConfig({ environment: "live", monitoring: { grafana: { secretRecoveryWindowDays: 0 } } })).toThrow(/monitoring\.grafana\.secretRecoveryWindowDays: 0 deletes the secret at once.*environment "live" is a production one/);
  });

  it("writes a new Grafana password in both places when adminPasswordVersion is bumped", () => {
    const bumped = synthApp({ monitoring: { grafana: { adminPasswordVersion: 2 } } }).stacks["primary-monitoring"];
    expect(resourceList(bumped, "kubernetes_secret_v1")[0].data_wo_revision).toBe(2);
    expect(resourceList(bumped, "aws_secretsmanager_secret_version")[0].secret_string_wo_version).toBe(2);
  });

  it("deploys the alert rules of monitoring/rules/drweb-alerts.yaml (and drweb-backup-alerts.yaml after them) unchanged, where the chart's rule selector finds them", () => {
    const fileGroups = [...parse(fs.readFileSync(RULES_FILE, "utf8")).groups, ...parse(fs.readFileSync(path.join(PROJECT_ROOT, MONITORING_FILES.backupRules), "utf8")).groups];
    for (const role of ROLES) {
      const v = valuesOf(release(mon(role), "kube-prometheus-stack"));
      expect(Object.keys(v.additionalPrometheusRulesMap)).toEqual(["drweb-alerts"]);
      expect(v.additionalPrometheusRulesMap["drweb-alerts"].groups).toEqual(fileGroups);
      // The chart labels its PrometheusRules release=<release name>.
      expect(v.prometheus.prometheusSpec.ruleSelector).toEqual({ matchLabels: { release: release(mon(role), "kube-prometheus-stack").name } });
    }
    // Alert templates reach Prometheus as written ({{ $labels.region }}).
    expect(valuesOf(release(mon("primary"), "kube-prometheus-stack")).additionalPrometheusRulesMap["drweb-alerts"].groups[0].rules[0].annotations.summary).toContain("{{ $labels.region }}");
  });

  it.each(ROLES)("%s-monitoring creates one labelled ConfigMap per dashboard file, with the file's content", (role) => {
    const st = mon(role);
    const files = fs.readdirSync(DASHBOARD_DIR).filter((f) => f.endsWith(".json")).sort();
    expect(files.length).toBeGreaterThanOrEqual(2);
    const cms = resourceList(st, "kubernetes_config_map_v1");
    expect(cms).toHaveLength(files.length);
    const nsId = onlyId(st.resource, "kubernetes_namespace_v1");
    for (const f of files) {
      const cm = cms.find((c) => Object.keys(c.data)[0] === f);
      expect(cm, f).toBeDefined();
      expect(cm.metadata.labels).toEqual({ [DASHBOARD_LABEL.key]: DASHBOARD_LABEL.value });
      expect(cm.metadata.namespace).toBe(`\${kubernetes_namespace_v1.${nsId}.metadata[0].name}`);
      expect(unescapeTf(cm.data[f])).toBe(fs.readFileSync(path.join(DASHBOARD_DIR, f), "utf8"));
      // Grafana's ${datasource} must not be read as a Terraform expression.
      expect(cm.data[f]).not.toMatch(/(?<!\$)\$\{datasource\}/);
    }
    const sidecar = valuesOf(release(st, "kube-prometheus-stack")).grafana.sidecar.dashboards;
    expect(sidecar).toMatchObject({ enabled: true, label: DASHBOARD_LABEL.key, labelValue: DASHBOARD_LABEL.value });
  });

  it("runs the CloudWatch exporter after kube-prometheus-stack (its ServiceMonitor needs the CRD), in the same namespace", () => {
    const st = mon("secondary");
    const kpsId = Object.entries(resources(st, "helm_release")).find(([, r]) => r.chart === "kube-prometheus-stack")![0];
    const cw = release(st, "prometheus-cloudwatch-exporter");
    expect(cw.depends_on).toEqual([`helm_release.${kpsId}`]);
    expect(cw.namespace).toBe(release(st, "kube-prometheus-stack").namespace);
    const v = valuesOf(cw);
    expect(parse(v.config).region).toBe("us-west-1");
    expect(v.serviceMonitor).toMatchObject({ enabled: true, labels: { release: MONITORING_RELEASE } });
  });

  it("reads, in each region, the database role that both regions' web servers publish into it (the split-brain path)", () => {
    // The publishing side (regional stacks): the app's environment and the instance role.
    const published = ROLES.map((role) => {
      const env = userDataEnv(app.stacks[role]);
      const doc = Object.values(app.stacks[role].data!.aws_iam_policy_document as Record<string, any>).find((d) =>
        (d.statement ?? []).some((st: any) => st.sid === "PublishDatabaseRole"),
      );
      const st = doc.statement.find((x: any) => x.sid === "PublishDatabaseRole");
      expect(st.actions).toEqual(["cloudwatch:PutMetricData"]);
      expect(st.condition).toContainEqual({ test: "StringEquals", variable: "cloudwatch:namespace", values: [DB_ROLE_METRIC.namespace] });
      const regionsAllowed = st.condition.find((c: any) => c.variable === "aws:RequestedRegion").values;
      return { role, env, regionsAllowed };
    });
    for (const p of published) {
      expect(p.env.DRWEB_ROLE_METRIC_REGIONS.split(",").sort()).toEqual(["us-east-2", "us-west-1"]);
      expect(p.regionsAllowed.sort()).toEqual(["us-east-2", "us-west-1"]);
      expect(p.env.DRWEB_ROLE_METRIC_DEPLOYMENT).toBe("drweb-prod");
      expect(p.env.DRWEB_REGION).toBe(REGIONS[p.role]);
    }
    // The reading side: each region's exporter reads its own CloudWatch, for every region that publishes into it.
    for (const role of ROLES) {
      const m = parse(valuesOf(release(mon(role), "prometheus-cloudwatch-exporter")).config).metrics.find((x: any) => x.aws_metric_name === DB_ROLE_METRIC.metricName);
      expect(parse(valuesOf(release(mon(role), "prometheus-cloudwatch-exporter")).config).region).toBe(REGIONS[role]);
      expect(m.aws_namespace).toBe(DB_ROLE_METRIC.namespace);
      expect(m.aws_dimension_select.Deployment).toEqual([published[0].env.DRWEB_ROLE_METRIC_DEPLOYMENT]);
      // every region whose web servers publish into this region is read
      const writers = published.filter((p) => p.env.DRWEB_ROLE_METRIC_REGIONS.split(",").includes(REGIONS[role])).map((p) => p.env.DRWEB_REGION);
      expect([...m.aws_dimension_select.Region].sort()).toEqual(writers.sort());
      expect(m.period_seconds).toBe(Number(published[0].env.DRWEB_ROLE_METRIC_SECONDS));
    }
  });

  it("exposes Grafana through ClusterIP by default and an internal NLB limited to the allowed CIDRs when configured", () => {
    const def = valuesOf(release(mon("primary"), "kube-prometheus-stack")).grafana.service;
    expect(def).toEqual({ type: "ClusterIP" });
    const lb = synthApp({ monitoring: { grafana: { exposure: "internalLoadBalancer", allowedCidrs: ["10.8.0.0/16"] } } });
    const svc = valuesOf(release(lb.stacks["secondary-monitoring"], "kube-prometheus-stack")).grafana.service;
    expect(svc.type).toBe("LoadBalancer");
    expect(svc.annotations).toMatchObject({ "service.beta.kubernetes.io/aws-load-balancer-internal": "true", "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal" });
    expect(svc.loadBalancerSourceRanges).toEqual(["10.8.0.0/16"]);
  });

  it("outputs the secret, namespace, releases and the port-forward command of the chart's Grafana service", () => {
    const out = mon("primary").output!;
    expect(out.grafana_admin_secret_name.value).toBe("drweb-prod-use2/grafana/admin");
    expect(out.namespace.value).toBe("monitoring");
    expect(out.helm_chart_version.value).toBe("79.7.1");
    const kpsId = Object.entries(resources(mon("primary"), "helm_release")).find(([, r]) => r.chart === "kube-prometheus-stack")![0];
    expect(out.helm_release_name.value).toBe(`\${helm_release.${kpsId}.name}`);
    // kube-prometheus-stack names Grafana's service <release>-grafana, port 80.
    expect(out.grafana_port_forward_command.value).toBe("kubectl -n monitoring port-forward svc/kube-prometheus-stack-grafana 3000:80");
    expect(mon("secondary").output!.kubeconfig_command.value).toBe("aws eks update-kubeconfig --region us-west-1 --name drweb-prod-usw1-eks");
    const ns = synthApp({ monitoring: { namespace: "observability" } }).stacks["primary-monitoring"];
    expect(ns.output!.grafana_port_forward_command.value).toBe("kubectl -n observability port-forward svc/kube-prometheus-stack-grafana 3000:80");
    expect(resourceList(ns, "kubernetes_namespace_v1")[0].metadata.name).toBe("observability");
  });
});

describe("Alertmanager routing to the region's SNS topic", () => {
  const app = synthApp();

  it.each(ROLES)("%s: Alertmanager runs as the service account whose Pod Identity role may publish to the topic found by name", (role) => {
    const st = app.stacks[MONITORING_STACK_NAMES[role]];
    const rel = release(st, "kube-prometheus-stack");
    expect(valuesOf(rel).alertmanager.serviceAccount).toEqual({ create: true, name: "drweb-alertmanager" });
    const topicId = onlyId(st.data, "aws_sns_topic");
    expect(st.data!.aws_sns_topic[topicId].name).toBe(`drweb-prod-${role === "primary" ? "use2" : "usw1"}-alerts`);
    expect(rel.values).toHaveLength(2);
    expect(rel.values[1]).toContain(`data.aws_sns_topic.${topicId}.arn`);
    // The regional stack: the topic (region key) and the role allowed to publish to it only.
    const regional = app.stacks[role];
    const topic = resourceList(regional, "aws_sns_topic")[0];
    expect(topic.name).toBe(st.data!.aws_sns_topic[topicId].name);
    expect(topic.kms_master_key_id).toMatch(/aws_kms_key\.RegionKey_[A-Z0-9]+\.arn/);
    const perms = Object.entries(regional.data!.aws_iam_policy_document).find(([id]) => id.startsWith("MonitoringRoles_Alertmanager_Permissions"))![1] as any;
    expect(perms.statement.map((x: any) => [x.actions, x.resources])).toEqual([
      [["sns:Publish"], [expect.stringMatching(/^\$\{aws_sns_topic\.Alerts_Topic_[A-Z0-9]+\.arn\}$/)]],
      [["kms:GenerateDataKey*", "kms:Decrypt"], [expect.stringMatching(/aws_kms_key\.RegionKey_/)]],
    ]);
    expect(resourceList(regional, "aws_eks_pod_identity_association").map((a) => a.service_account)).toContain("drweb-alertmanager");
  });

  it("renders (real Terraform, yamlencode) to an Alertmanager config sending every alert but the chart's heartbeat to SNS", async () => {
    const tf = prepareTerraformEnv(PROJECT_ROOT);
    const rel = release(app.stacks["secondary-monitoring"], "kube-prometheus-stack");
    const arn = "arn:aws:sns:us-west-1:123456789012:drweb-prod-usw1-alerts";
    const expr = (rel.values[1] as string).replace(/data\.aws_sns_topic\.[A-Za-z0-9_]+\.arn/, JSON.stringify(arn));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drvalues-"));
    fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify({ output: { values: { value: expr } } }));
    const terraform = (...args: string[]) => run(tf.terraform, args, { cwd: dir, env: tf.env });
    expect((await terraform("init", "-input=false")).status).toBe(0);
    const apply = await terraform("apply", "-auto-approve", "-input=false");
    expect(apply.stderr).toBe("");
    const yamlText = JSON.parse((await terraform("output", "-json")).stdout).values.value as string;
    const cfg = parse(yamlText).alertmanager.config;
    expect(cfg.route).toMatchObject({ receiver: "sns", group_by: ["alertname", "region"] });
    expect(cfg.route.routes).toEqual([
      { receiver: "null", matchers: ["alertname=Watchdog"] },
      { receiver: "null", matchers: ["alertname=InfoInhibitor"] },
    ]);
    const sns = cfg.receivers.find((r: any) => r.name === "sns").sns_configs[0];
    expect(sns).toMatchObject({ topic_arn: arn, sigv4: { region: "us-west-1" }, send_resolved: true });
    expect(sns.subject).toBe("[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.region }})");
  }, 60_000);

  it("subscribes the configured e-mail to each region's topic", () => {
    const withMail = synthApp({ monitoring: { alertmanager: { email: "oncall@drweb.io" } } });
    for (const role of ROLES) {
      expect(resourceList(withMail.stacks[role], "aws_sns_topic_subscription")).toEqual([expect.objectContaining({ protocol: "email", endpoint: "oncall@drweb.io" })]);
    }
    expect(resourceList(app.stacks.primary, "aws_sns_topic_subscription")).toEqual([]);
    expect(() => resolveConfig({ monitoring: { alertmanager: { email: "oncall" } } })).toThrow(/monitoring\.alertmanager\.email: must be an e-mail address/);
  });
});
