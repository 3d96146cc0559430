/**
 * docs/architecture.svg, drawn from the synthesized app (the default config):
 * one box per stack, placed in the column of its region (the global stacks of
 * stacks/app.ts GLOBAL_STACK_NAMES in their own), listing what its Terraform
 * JSON holds (counted by resource type) and an arrow per stack dependency of
 * cdktf.out/manifest.json (the deploy order).
 *
 *   npm run docs:diagram     synthesize the default config and rewrite docs/architecture.svg
 *
 * __tests__/docs/architecture-diagram.test.ts fails when the file is stale.
 */
import { App } from "cdktf";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { resolveConfig, type ValidConfig } from "../src/config";
import { buildApp, GLOBAL_STACK_NAMES } from "../stacks/app";

export const PROJECT_ROOT = path.resolve(__dirname, "..");
export const DIAGRAM_FILE = path.join(PROJECT_ROOT, "docs", "architecture.svg");

type Json = Record<string, any>;

export interface StackBox {
  name: string;
  /** The AWS regions of the stack's aws providers (other providers by name). */
  regions: string[];
  lines: string[];
  dependsOn: string[];
}

export interface ArchitectureModel {
  columns: { title: string; stacks: StackBox[] }[];
}

const count = (stack: Json, type: string) => Object.keys(stack.resource?.[type] ?? {}).length;
const first = (stack: Json, type: string): Json | undefined => Object.values(stack.resource?.[type] ?? {})[0] as Json | undefined;

/** What a stack holds, in words, from the resource types of its Terraform JSON. */
export function describeStack(stack: Json): string[] {
  const out: string[] = [];
  const n = (type: string) => count(stack, type);
  const add = (type: string, label: (k: number) => string) => {
    const k = n(type);
    if (k) out.push(label(k));
  };
  add("aws_kms_key", (k) => `${k} KMS key${k > 1 ? "s" : ""} (customer-managed)`);
  const vpc = first(stack, "aws_vpc");
  if (vpc) out.push(`VPC ${vpc.cidr_block}: ${n("aws_subnet")} subnets, ${n("aws_nat_gateway")} NAT gateways`);
  if (n("aws_lb")) out.push(`${n("aws_lb")} load balancer(s), ${n("aws_lb_listener")} listener(s)`);
  const asg = Object.values(stack.resource?.aws_autoscaling_group ?? {}) as Json[];
  for (const g of [...asg].sort((a, b) => String(b.name).localeCompare(String(a.name)))) {
    out.push(`Auto Scaling group ${g.name}: ${g.desired_capacity} (${g.min_size}-${g.max_size})`);
  }
  for (const lt of Object.values(stack.resource?.aws_launch_template ?? {}) as Json[]) {
    out.push(`  launch template ${lt.name ?? lt.name_prefix ?? ""}: ${lt.instance_type ?? "node group type"}, IMDSv2 ${lt.metadata_options?.http_tokens ?? "?"}`);
  }
  const dbs = Object.values(stack.resource?.aws_db_instance ?? {}) as Json[];
  if (dbs.length) {
    const replicas = dbs.filter((d) => d.replicate_source_db).length;
    out.push(`RDS ${dbs[0].engine ?? "postgres"}: ${dbs.length} instance(s), ${replicas} replica(s), ${dbs[0].instance_class}`);
  }
  add("aws_rds_global_cluster", () => "Aurora Global Database");
  add("aws_rds_cluster", (k) => `${k} Aurora cluster(s), ${n("aws_rds_cluster_instance")} instance(s)`);
  add("aws_db_instance_automated_backups_replication", () => "automated backups replicated to the other region");
  add("aws_secretsmanager_secret", (k) => `${k} Secrets Manager secret(s)`);
  add("aws_acm_certificate", (k) => `${k} ACM certificate(s)`);
  const eks = first(stack, "aws_eks_cluster");
  const ng = first(stack, "aws_eks_node_group");
  if (eks) out.push(`EKS ${eks.version}: ${n("aws_eks_node_group")} node group(s) of ${ng?.instance_types?.join("/") ?? "?"}, ${n("aws_eks_addon")} add-ons`);
  add("aws_instance", (k) => `${k} EC2 instance(s) (SSM deploy runner)`);
  const helm = Object.values(stack.resource?.helm_release ?? {}) as Json[];
  if (helm.length) out.push(`Helm: ${helm.map((h) => h.chart).sort().join(", ")}`);
  add("kubernetes_config_map_v1", (k) => `${k} ConfigMap(s) (dashboards, rules)`);
  add("aws_route53_zone", () => "Route53 hosted zone");
  add("aws_route53_health_check", (k) => `${k} Route53 health checks`);
  add("aws_route53_record", (k) => `${k} Route53 records`);
  add("aws_cloudwatch_metric_alarm", (k) => `${k} CloudWatch alarms`);
  add("aws_sns_topic", (k) => `${k} SNS topic(s)`);
  add("aws_backup_vault", (k) => `${k} AWS Backup vault(s)`);
  add("aws_iam_openid_connect_provider", () => "GitHub OIDC provider");
  add("aws_iam_role", (k) => `${k} IAM roles`);
  return out;
}

function providerRegions(stack: Json): string[] {
  const regions = new Set<string>();
  for (const p of stack.provider?.aws ?? []) if (p.region) regions.add(p.alias ? `${p.region} (${p.alias})` : p.region);
  const others = Object.keys(stack.provider ?? {}).filter((p) => p !== "aws");
  return [...regions, ...others.map((o) => `${o} provider`)];
}

/** The diagram's model: the stacks by column, with what each holds and what it deploys after. */
export function architectureModel(stacks: Record<string, Json>, manifest: Json, config: ValidConfig): ArchitectureModel {
  const global = new Set<string>(Object.values(GLOBAL_STACK_NAMES));
  const cols = [
    { title: `primary: ${config.regions.primary.region}`, stacks: [] as StackBox[] },
    { title: `secondary: ${config.regions.secondary.region}`, stacks: [] as StackBox[] },
    { title: "global (Route53, us-east-1 alarms, CI identity)", stacks: [] as StackBox[] },
  ];
  for (const name of Object.keys(stacks).sort()) {
    const stack = stacks[name];
    const regions = providerRegions(stack);
    const box: StackBox = { name, regions, lines: describeStack(stack), dependsOn: [...(manifest.stacks?.[name]?.dependencies ?? [])].sort() };
    const col = global.has(name) ? 2 : regions.includes(config.regions.primary.region) ? 0 : 1;
    cols[col].stacks.push(box);
  }
  // Regional stack first, then its monitoring; global stacks in deploy order.
  const order = (s: StackBox) => (s.name.endsWith("-monitoring") ? 1 : 0);
  for (const c of cols.slice(0, 2)) c.stacks.sort((a, b) => order(a) - order(b) || a.name.localeCompare(b.name));
  const globalOrder = ["dns-zone", "dns", "dns-alarms", "ci-identity"];
  cols[2].stacks.sort((a, b) => globalOrder.indexOf(a.name) - globalOrder.indexOf(b.name));
  return { columns: cols };
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** The model as an SVG (deterministic: same model, same bytes). */
export function renderArchitectureSvg(model: ArchitectureModel): string {
  const colW = 470;
  const gap = 40;
  const lineH = 16;
  const top = 110;
  const boxes = new Map<string, { x: number; y: number; w: number; h: number }>();
  const parts: string[] = [];
  let height = 0;
  model.columns.forEach((col, ci) => {
    const x = 20 + ci * (colW + gap);
    let y = top;
    parts.push(`<text x="${x + colW / 2}" y="50" class="col">${esc(col.title)}</text>`);
    for (const s of col.stacks) {
      const h = 58 + lineH * s.lines.length;
      boxes.set(s.name, { x, y, w: colW, h });
      parts.push(`<g id="stack-${esc(s.name)}">`);
      parts.push(`<rect x="${x}" y="${y}" width="${colW}" height="${h}" rx="8" class="box"/>`);
      parts.push(`<text x="${x + 12}" y="${y + 22}" class="name">${esc(s.name)}</text>`);
      parts.push(`<text x="${x + 12}" y="${y + 40}" class="region">${esc(s.regions.join(", "))}</text>`);
      s.lines.forEach((l, i) => parts.push(`<text x="${x + 12}" y="${y + 58 + i * lineH}" class="item">${esc(l)}</text>`));
      parts.push(`</g>`);
      y += h + 40;
    }
    height = Math.max(height, y);
  });
  // Dependency arrows, from the stack deployed first to the one that follows it: straight down a column, or
  // across columns through a lane of their own above the boxes.
  const arrows: string[] = [];
  let lane = 0;
  for (const col of model.columns) {
    for (const s of col.stacks) {
      const to = boxes.get(s.name)!;
      for (const d of s.dependsOn) {
        const from = boxes.get(d);
        if (!from) continue;
        let path: string;
        if (from.x === to.x) {
          const up = from.y > to.y;
          const x = from.x + from.w - 30;
          path = `M ${x} ${up ? from.y : from.y + from.h} L ${x} ${up ? to.y + to.h : to.y}`;
        } else {
          const y = top - 12 - lane * 8;
          const x1 = from.x + 40 + lane * 14;
          const x2 = to.x + 60 + lane * 14;
          lane++;
          path = `M ${x1} ${from.y} L ${x1} ${y} L ${x2} ${y} L ${x2} ${to.y}`;
        }
        arrows.push(`<path d="${path}" class="dep" marker-end="url(#arrow)"><title>${esc(s.name)} deploys after ${esc(d)}</title></path>`);
      }
    }
  }
  const width = 20 + model.columns.length * (colW + gap) - gap + 20;
  const h = height + 30;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${h}" viewBox="0 0 ${width} ${h}" font-family="Helvetica, Arial, sans-serif">`,
    `<!-- Generated by scripts/architecture-diagram.ts (npm run docs:diagram) from the synthesized default config; do not edit by hand. -->`,
    `<style>.box{fill:#f6f8fa;stroke:#57606a;stroke-width:1.2}.name{font-size:15px;font-weight:bold;fill:#24292f}.region{font-size:12px;fill:#57606a;font-style:italic}.item{font-size:12px;fill:#24292f;white-space:pre}.col{font-size:16px;font-weight:bold;fill:#0969da;text-anchor:middle}.dep{stroke:#cf222e;stroke-width:1.4;fill:none}.legend{font-size:12px;fill:#57606a}</style>`,
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#cf222e"/></marker></defs>`,
    `<rect x="0" y="0" width="${width}" height="${h}" fill="#ffffff"/>`,
    `<text x="20" y="22" class="legend">Stacks of the default config (cdktf.out/stacks/&lt;name&gt;), what each holds, and red arrows: deployed before (cdktf stack dependencies)</text>`,
    ...parts,
    ...arrows,
    `</svg>`,
    "",
  ].join("\n");
}

/** Synthesizes the default config into a temp folder: its stacks' JSON and manifest. */
export function synthDefault(): { stacks: Record<string, Json>; manifest: Json; config: ValidConfig } {
  const config = resolveConfig({}, "defaults");
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "drdiagram-"));
  try {
    const app = new App({ outdir });
    buildApp(app, config, PROJECT_ROOT);
    app.synth();
    const stacks: Record<string, Json> = {};
    for (const name of fs.readdirSync(path.join(outdir, "stacks"))) {
      stacks[name] = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", name, "cdk.tf.json"), "utf8"));
    }
    const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8"));
    return { stacks, manifest, config };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const { stacks, manifest, config } = synthDefault();
  fs.writeFileSync(DIAGRAM_FILE, renderArchitectureSvg(architectureModel(stacks, manifest, config)));
  console.log(`wrote ${path.relative(PROJECT_ROOT, DIAGRAM_FILE)}`);
}
