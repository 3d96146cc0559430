import { Construct } from "constructs";
import { TerraformOutput, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { Route53Zone } from "@cdktf/provider-aws/lib/route53-zone";
import type { ValidConfig } from "../src/config";
import { CertificateValidationRecord } from "../src/dns/certificate";
import { albHandoffParameters, certificateValidationParameter, failoverBudget, failoverSwitch, HEALTH_CHECK_ROLES, handoffRegion, healthCheckParameter } from "../src/dns/contract";
import { FailoverRecords } from "../src/dns/failover-records";
import { ParameterHandoff, readAlbHandoff, readParameter } from "../src/dns/handoff";
import { ALARMED_HEALTH_CHECKS, type AlarmedHealthCheck, HealthAlarms } from "../src/dns/health-alarms";
import { lookupZone } from "../src/dns/zone";
import { Naming } from "../src/lib/naming";
import { managedTags } from "../src/lib/tags";
import { configureBackend, requireTerraformVersion } from "./backend";

export interface GlobalStackProps {
  readonly config: ValidConfig;
}

const baseName = (config: ValidConfig) => new Naming(config.project, config.environment, config.regions.primary.region).base;

/**
 * Route53 failover for the application's name (Route53 is global). Its
 * state lives with the secondary's, its only provider is the secondary
 * region (the handoff region), and it reads the ALB targets from SSM
 * parameters there: it can be planned and applied while the primary region
 * or us-east-1 is down. Failing over needs no deploy of it at all: the
 * switch is a metric (src/dns/failover-switch.ts).
 */
export class DnsStack extends TerraformStack {
  readonly records: FailoverRecords;

  constructor(scope: Construct, id: string, props: GlobalStackProps) {
    super(scope, id);
    const { config } = props;
    const dns = config.dns;
    requireTerraformVersion(this);
    configureBackend(this, config, { stackName: id, stateHome: "secondary" });
    new AwsProvider(this, "Aws", { region: handoffRegion(config), defaultTags: [{ tags: managedTags(config, "global") }] });
    const base = baseName(config);
    const sw = failoverSwitch(config);

    const zone = lookupZone(this, "Zone", dns);
    this.records = new FailoverRecords(this, "Failover", {
      namePrefix: base,
      zoneId: zone.zoneId,
      domainName: dns.domainName,
      targets: {
        primary: readAlbHandoff(this, "PrimaryAlb", albHandoffParameters(config, "primary")),
        secondary: readAlbHandoff(this, "SecondaryAlb", albHandoffParameters(config, "secondary")),
      },
      readinessPath: config.web.readinessPath,
      healthCheck: dns.healthCheck,
      switch: sw,
    });
    // The health check ids, for the dns-alarms stack (us-east-1).
    new ParameterHandoff(this, "HealthCheckHandoff", {
      parameters: HEALTH_CHECK_ROLES.map((role) => ({
        id: role.replace(/(^|-)(.)/g, (_, _d, c: string) => c.toUpperCase()),
        name: healthCheckParameter(config, role),
        value: this.records.healthCheckIds[role],
        description: `Route53 health check id of ${role} (read by the dns-alarms stack)`,
      })),
    });

    const budget = failoverBudget(config);
    const out = (name: string, value: unknown, description: string) => new TerraformOutput(this, name, { value, description });
    out("domain_name", this.records.fqdn, "The application's name (failover alias records)");
    out("zone_id", zone.zoneId, "Hosted zone of the records");
    out("health_check_ids", this.records.healthCheckIds, "Route53 health checks by role (dr-health-check tag): primary-gate is on PRIMARY, secondary-gate on SECONDARY");
    out("failover_switch", {
      region: sw.region,
      namespace: sw.namespace,
      metric_name: sw.metricName,
      dimensions: sw.dimensions,
      alarm_name: this.records.switchAlarmName,
      forced_value: sw.forcedValue,
      released_value: sw.releasedValue,
    }, "The forced-failover switch: PutMetricData of forced_value / released_value (dr failover / failback do it); Terraform manages the alarm, not the position");
    out("failover_budget_seconds", budget.totalSeconds, "Worst case from primary failure to clients on the secondary: detection + alias TTL");
    out("failover_budget", {
      detection_seconds: budget.detectionSeconds,
      request_interval_seconds: dns.healthCheck.requestIntervalSeconds,
      failure_threshold: dns.healthCheck.failureThreshold,
      alias_ttl_seconds: budget.ttlSeconds,
      total_seconds: budget.totalSeconds,
    }, "How the failover budget adds up");
  }
}

/**
 * CloudWatch alarms on the dns stack's health checks, their SNS topic and
 * its key: in us-east-1, where Route53 publishes its health-check metrics
 * (Route 53 Developer Guide, "Monitoring health checks using CloudWatch").
 * A stack of their own, so that nothing the failover path deploys needs
 * us-east-1. It reads the health check ids from SSM in the handoff region
 * (written by the dns stack) and follows it in deploy order.
 */
export class DnsAlarmsStack extends TerraformStack {
  readonly alarms: HealthAlarms;

  constructor(scope: Construct, id: string, props: GlobalStackProps) {
    super(scope, id);
    const { config } = props;
    requireTerraformVersion(this);
    // State with the other global stacks (the secondary's bucket).
    configureBackend(this, config, { stackName: id, stateHome: "secondary" });
    const tags = managedTags(config, "global");
    // The same provider layout, construct ids and so Terraform addresses the
    // dns stack gave these resources before they moved here (main provider:
    // the handoff region; alias us_east_1 for the alarms): their state moves
    // over with `terraform state mv` and then plans clean (docs/dns-failover.md).
    new AwsProvider(this, "Aws", { region: handoffRegion(config), defaultTags: [{ tags }] });
    const usEast1 = new AwsProvider(this, "AwsUsEast1", { alias: "us_east_1", region: "us-east-1", defaultTags: [{ tags }] });
    const account = new DataAwsCallerIdentity(this, "Account");
    const partition = new DataAwsPartition(this, "Partition");
    const roles = Object.keys(ALARMED_HEALTH_CHECKS) as AlarmedHealthCheck[];
    const healthCheckIds = Object.fromEntries(
      roles.map((role) => [role, readParameter(this, `HealthCheck-${role}`.replace(/-(.)/g, (_, c: string) => c.toUpperCase()), healthCheckParameter(config, role))]),
    ) as Record<AlarmedHealthCheck, string>;
    this.alarms = new HealthAlarms(this, "HealthAlarms", {
      provider: usEast1,
      namePrefix: baseName(config),
      accountId: account.accountId,
      partition: partition.partition,
      deletionWindowDays: config.kms.deletionWindowDays,
      healthCheckIds,
      email: config.dns.alarmEmail,
    });
    new TerraformOutput(this, "alarm_topic_arn", { value: this.alarms.topicArn, description: "SNS topic (us-east-1) of the health-check alarms" });
  }
}

/**
 * What must be in the zone before the regional stacks validate their
 * certificates: the public hosted zone when this project creates it
 * (dns.createZone), and the ACM validation record both regions'
 * certificates share (src/dns/certificate.ts), with its FQDN published for
 * them in SSM. Separate from `dns` because that stack needs the regional
 * stacks' ALBs: one stack holding both would make a cycle. Global (the
 * handoff region only), state in the secondary's bucket.
 */
export class DnsZoneStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: GlobalStackProps & { readonly validationRecord: boolean }) {
    super(scope, id);
    const { config } = props;
    requireTerraformVersion(this);
    configureBackend(this, config, { stackName: id, stateHome: "secondary" });
    new AwsProvider(this, "Aws", { region: handoffRegion(config), defaultTags: [{ tags: managedTags(config, "global") }] });
    let zoneId: string;
    if (config.dns.createZone) {
      const zone = new Route53Zone(this, "Zone", {
        name: config.dns.zoneName,
        comment: `${config.project}-${config.environment}: failover records of ${config.dns.domainName}`,
      });
      zoneId = zone.zoneId;
      new TerraformOutput(this, "name_servers", { value: zone.nameServers, description: "Delegate the zone to these name servers at the parent zone or registrar" });
    } else {
      zoneId = lookupZone(this, "ZoneLookup", config.dns).zoneId;
    }
    new TerraformOutput(this, "zone_id", { value: zoneId, description: "Hosted zone id" });
    if (props.validationRecord) {
      const record = new CertificateValidationRecord(this, "CertificateValidation", { domainName: config.dns.domainName, zoneId });
      new ParameterHandoff(this, "CertificateValidationHandoff", {
        parameters: [{ id: "Fqdn", name: certificateValidationParameter(config), value: record.fqdn, description: "FQDN of the ACM validation record (read by the regional stacks)" }],
      });
      new TerraformOutput(this, "certificate_validation_record", { value: record.fqdn, description: "The ACM DNS validation record both regions' certificates use (owned here)" });
    }
  }
}
