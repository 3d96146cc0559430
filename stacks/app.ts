import { S3Backend, TerraformStack, type App } from "cdktf";
import type { IConstruct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { REGION_ROLES, type RegionRole, type ValidConfig } from "../src/config";
import * as path from "node:path";
import { hasDnsZoneStack } from "../src/dns/contract";
import { applyPolicy, type AppPolicy } from "../src/policy";
import { loadAppBundle } from "../src/web/app-bundle";
import { readinessLambdaPackage } from "../src/dr/readiness-bundle";
import { CiIdentityStack } from "./ci-identity-stack";
import { DnsAlarmsStack, DnsStack, DnsZoneStack } from "./dns-stack";
import { MonitoringStack } from "./monitoring-stack";
import { RegionalStack } from "./regional-stack";

/** Stack names: one cdktf.out/stacks/<name> each. */
export const STACK_NAMES = {
  primary: "primary",
  secondary: "secondary",
} as const satisfies Record<RegionRole, string>;

/** Stack names of the monitoring workloads on each region's EKS cluster. */
export const MONITORING_STACK_NAMES = {
  primary: "primary-monitoring",
  secondary: "secondary-monitoring",
} as const satisfies Record<RegionRole, string>;

/** Global stacks (Route53, and the health-check alarms in us-east-1); their state lives with the secondary's. */
export const GLOBAL_STACK_NAMES = { dns: "dns", dnsAlarms: "dns-alarms", dnsZone: "dns-zone", ciIdentity: "ci-identity" } as const;

export interface DrApp {
  readonly regional: Readonly<Record<RegionRole, RegionalStack>>;
  readonly monitoring: Readonly<Record<RegionRole, MonitoringStack>>;
  /** Route53 failover (with dns.enabled). */
  readonly dns?: DnsStack;
  /** The health-check alarms in us-east-1 (with dns.enabled). */
  readonly dnsAlarms?: DnsAlarmsStack;
  /** The zone (dns.createZone) and the ACM validation record (with dns.enabled, unless every region brings its certificate). */
  readonly dnsZone?: DnsZoneStack;
  /** The CI identity: GitHub's OIDC provider and the plan and apply roles (with ci.enabled), and the runbook's role (with runbook.role.enabled). */
  readonly ciIdentity?: CiIdentityStack;
  /** Security and DR policy over every stack (src/policy), checked on synth. */
  readonly policy: AppPolicy;
}

/**
 * Wires every stack of the DR deployment into the app. Shared by main.ts and
 * the tests, so tests synthesize exactly what `cdktf synth` does.
 */
export function buildApp(app: App, config: ValidConfig, projectRoot: string): DrApp {
  const appBundle = loadAppBundle(path.join(projectRoot, "webapp"));
  // A zone this project creates, and the one ACM validation record of the
  // domain, must exist before the regional stacks validate their
  // certificates (src/dns/certificate.ts).
  const validationRecord = config.dns.enabled && REGION_ROLES.some((r) => config.regions[r].certificateArn === undefined);
  const zone = hasDnsZoneStack(config) ? new DnsZoneStack(app, GLOBAL_STACK_NAMES.dnsZone, { config, validationRecord }) : undefined;
  // The readiness checker runs in the secondary region (src/dr/readiness-checker.ts): its package is built once per synth.
  const readinessPackage = config.runbook.readiness.enabled ? readinessLambdaPackage(projectRoot, config) : undefined;
  const regional = Object.fromEntries(
    REGION_ROLES.map((role) => [role, new RegionalStack(app, STACK_NAMES[role], { config, role, appBundle, ...(role === "secondary" && readinessPackage ? { readinessPackage } : {}) })]),
  ) as Record<RegionRole, RegionalStack>;
  // Deploy order follows replication in the current DR state (a replica
  // needs its source); no state is read across stacks.
  for (const stack of Object.values(regional)) {
    if (stack.replicatesFrom) stack.addDependency(regional[stack.replicatesFrom]);
    if (zone) stack.addDependency(zone);
  }
  // dns reads the ALB targets the regional stacks publish (SSM, in the
  // secondary region). It follows only the secondary: in a failover the
  // primary cannot be deployed, and the secondary stays deployable then
  // (its dependency on the primary exists only while it replicates from it).
  // dns-alarms (us-east-1) reads the health check ids dns publishes; nothing
  // depends on it, so no failover step needs us-east-1.
  let dns: DnsStack | undefined;
  let dnsAlarms: DnsAlarmsStack | undefined;
  if (config.dns.enabled) {
    dns = new DnsStack(app, GLOBAL_STACK_NAMES.dns, { config });
    dns.addDependency(regional.secondary);
    dnsAlarms = new DnsAlarmsStack(app, GLOBAL_STACK_NAMES.dnsAlarms, { config });
    dnsAlarms.addDependency(dns);
  }
  // Each region's monitoring deploys into the cluster its regional stack
  // created (found by name; the dependency only orders deploys).
  const monitoring = Object.fromEntries(
    REGION_ROLES.map((role) => {
      const stack = new MonitoringStack(app, MONITORING_STACK_NAMES[role], { config, role, projectRoot });
      stack.addDependency(regional[role]);
      return [role, stack];
    }),
  ) as Record<RegionRole, MonitoringStack>;
  // The CI identity trusts one apply-<stack> environment per stack built
  // above; it depends on none (it is created first, by hand). It also holds
  // the runbook's role (IAM is global): built when either is on.
  const ciIdentity = config.ci.enabled || config.runbook.role.enabled
    ? new CiIdentityStack(app, GLOBAL_STACK_NAMES.ciIdentity, { config, applyStacks: app.node.children.filter((c): c is TerraformStack => c instanceof TerraformStack).map((s) => s.node.id) })
    : undefined;
  // Last: the policy sees every stack.
  const policy = applyPolicy(app, config);
  return { regional, monitoring, dns, dnsAlarms, dnsZone: zone, ciIdentity, policy };
}

/**
 * Names of the app's stacks that reach `region` when planned or applied: an
 * AWS provider configured for it, or their state in an S3 bucket there.
 */
export function stacksReaching(app: IConstruct, region: string): string[] {
  const out: string[] = [];
  for (const stack of app.node.children) {
    if (!(stack instanceof TerraformStack)) continue;
    const found = stack.node.findAll();
    const provider = found.some((c) => c instanceof AwsProvider && c.region === region);
    const state = found.some((c) => c instanceof S3Backend && c.toTerraform().terraform?.backend?.s3?.region === region);
    if (provider || state) out.push(stack.node.id);
  }
  return out.sort();
}

/**
 * Advisories about the synthesized app, printed by main.ts after the
 * config's: while a region is marked unreachable, exactly what the stack
 * that can still be deployed holds and skips there (from its constructs),
 * how to deploy it, which stacks must not be deployed, and the way back.
 */
export function appWarnings(drApp: DrApp): string[] {
  const out: string[] = [];
  for (const role of REGION_ROLES) {
    const stack = drApp.regional[role];
    const o = stack.peerRegionOutage;
    if (!o) continue;
    const name = STACK_NAMES[role];
    const other = REGION_ROLES.find((r) => r !== role)!;
    const blocked = stacksReaching(stack.node.root, o.region).filter((s) => s !== name);
    const held = [...o.held, ...o.blocksHeld];
    out.push(
      `regions.${other}.unreachable: ${o.region} is marked unreachable, and the ${name} stack neither reads nor writes anything there. ` +
        `It holds as its state has them (lifecycle ignore_changes): ${held.join(", ")}. ` +
        (o.notRead.length ? `It does not read ${o.notRead.join("; ")}. ` : "") +
        `Its ${o.region} provider calls STS in ${o.stsRegion}. ` +
        `Plan and deploy it with refresh off, or the plan reads those resources in ${o.region} and fails (refresh off: changes made outside Terraform are not seen): ` +
        `TF_CLI_ARGS_plan=-refresh=false npm run cdktf -- diff ${name}, then TF_CLI_ARGS_apply=-refresh=false npm run cdktf -- deploy ${name} --ignore-missing-stack-dependencies. ` +
        `Do not deploy ${blocked.join(", ")} while it is on (each has a provider or its state in ${o.region}). ` +
        `When ${o.region} answers again, remove the switch and deploy ${name} with refresh on: what was held is planned then (docs/deploy-and-state.md "Deploying the primary while the secondary region is down").`,
    );
  }
  return out;
}
