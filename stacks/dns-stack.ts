import { Construct } from "constructs";
import { TerraformOutput, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { Route53Zone } from "@cdktf/provider-aws/lib/route53-zone";
import type { ValidConfig } from "../src/config";
import { albHandoffParameters, failoverBudget, handoffRegion } from "../src/dns/contract";
import { FailoverRecords } from "../src/dns/failover-records";
import { readAlbHandoff } from "../src/dns/handoff";
import { HealthAlarms } from "../src/dns/health-alarms";
import { lookupZone } from "../src/dns/zone";
import { Naming } from "../src/lib/naming";
import { managedTags } from "../src/lib/tags";
import { configureBackend, requireTerraformVersion } from "./backend";

export interface GlobalStackProps {
  readonly config: ValidConfig;
  readonly projectRoot: string;
}

/**
 * Route53 failover for the application's name (Route53 is global). Its
 * state lives with the secondary's, and it reads the ALB targets from SSM
 * parameters in the secondary region: it can be planned and applied while
 * the primary region is down (e.g. to force failover or fail back).
 */
export class DnsStack extends TerraformStack {
  readonly records: FailoverRecords;

  constructor(scope: Construct, id: string, props: GlobalStackProps) {
    super(scope, id);
    const { config } = props;
    const dns = config.dns;
    requireTerraformVersion(this);
    configureBackend(this, config, { stackName: id, stateHome: "secondary" }, props.projectRoot);
    const tags = managedTags(config, "global");
    new AwsProvider(this, "Aws", { region: handoffRegion(config), defaultTags: [{ tags }] });
    const usEast1 = new AwsProvider(this, "AwsUsEast1", { alias: "us_east_1", region: "us-east-1", defaultTags: [{ tags }] });
    const account = new DataAwsCallerIdentity(this, "Account");
    const partition = new DataAwsPartition(this, "Partition");
    const base = new Naming(config.project, config.environment, config.regions.primary.region).base;

    const zone = lookupZone(this, "Zone", dns);
    this.records = new FailoverRecords(this, "Failover", {
      namePrefix: base,
      zoneId: zone.zoneId,
      domainName: dns.domainName,
      primary: readAlbHandoff(this, "PrimaryAlb", albHandoffParameters(config, "primary")),
      secondary: readAlbHandoff(this, "SecondaryAlb", albHandoffParameters(config, "secondary")),
      readinessPath: config.web.readinessPath,
      healthCheck: dns.healthCheck,
      forceFailover: dns.forceFailover,
    });
    const alarms = new HealthAlarms(this, "HealthAlarms", {
      namePrefix: base,
      provider: usEast1,
      accountId: account.accountId,
      partition: partition.partition,
      deletionWindowDays: config.kms.deletionWindowDays,
      healthCheckIds: this.records.healthCheckIds,
      email: dns.alarmEmail,
    });

    const budget = failoverBudget(config);
    const out = (name: string, value: unknown, description: string) => new TerraformOutput(this, name, { value, description });
    out("domain_name", this.records.fqdn, "The application's name (failover alias records)");
    out("zone_id", zone.zoneId, "Hosted zone of the records");
    out("health_check_ids", this.records.healthCheckIds, "Route53 health checks: primary, secondary, primary-gate (on the PRIMARY record)");
    out("force_failover", dns.forceFailover, "Whether traffic is forced to the secondary (dns.forceFailover)");
    out("alarm_topic_arn", alarms.topicArn, "SNS topic (us-east-1) of the health-check alarms");
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
 * The public hosted zone, when this project creates it (dns.createZone).
 * Separate from `dns` because the regional stacks validate their
 * certificates in it and the dns stack needs their ALBs: one stack holding
 * both would make a cycle.
 */
export class DnsZoneStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: GlobalStackProps) {
    super(scope, id);
    const { config } = props;
    requireTerraformVersion(this);
    configureBackend(this, config, { stackName: id, stateHome: "secondary" }, props.projectRoot);
    new AwsProvider(this, "Aws", { region: handoffRegion(config), defaultTags: [{ tags: managedTags(config, "global") }] });
    const zone = new Route53Zone(this, "Zone", {
      name: config.dns.zoneName,
      comment: `${config.project}-${config.environment}: failover records of ${config.dns.domainName}`,
    });
    new TerraformOutput(this, "zone_id", { value: zone.zoneId, description: "Hosted zone id" });
    new TerraformOutput(this, "name_servers", { value: zone.nameServers, description: "Delegate the zone to these name servers at the parent zone or registrar" });
  }
}
