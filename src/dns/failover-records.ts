import { Construct } from "constructs";
import { Route53HealthCheck } from "@cdktf/provider-aws/lib/route53-health-check";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import type { RegionRole, ValidConfig } from "../config";
import { FAILOVER_DESIGN, type FailoverSwitch, HEALTH_CHECK_ROLES, HEALTH_CHECK_TAG, type HealthCheckRole } from "./contract";
import { FailoverSwitchAlarm } from "./failover-switch";
import type { AlbHandoffNames } from "./handoff";

export interface FailoverRecordsProps {
  /** Name prefix, e.g. drweb-prod. */
  readonly namePrefix: string;
  readonly zoneId: string;
  /** The application's name. */
  readonly domainName: string;
  /** Alias targets of the two ALBs. */
  readonly targets: Readonly<Record<RegionRole, AlbHandoffNames>>;
  /** Deep-readiness path of the web app (web.readinessPath). */
  readonly readinessPath: string;
  readonly healthCheck: Readonly<ValidConfig["dns"]["healthCheck"]>;
  /** The forced-failover switch (failoverSwitch(config)); its alarm is created in this construct's region, which must be switch.region. */
  readonly switch: FailoverSwitch;
}

/** Construct ids of the health checks (stable: they are Terraform addresses). */
const CHECK_IDS: Record<HealthCheckRole, string> = {
  primary: "PrimaryHealthCheck",
  secondary: "SecondaryHealthCheck",
  switch: "SwitchHealthCheck",
  "switch-forced": "SwitchForcedHealthCheck",
  "primary-gate": "PrimaryGate",
  "secondary-gate": "SecondaryGate",
};

/** Name tag suffixes (what the Route53 console lists). */
const CHECK_NAMES: Record<HealthCheckRole, string> = {
  primary: "primary-readiness",
  secondary: "secondary-readiness",
  switch: "failover-switch-released",
  "switch-forced": "failover-switch-forced",
  "primary-gate": "primary-gate",
  "secondary-gate": "secondary-gate",
};

/**
 * Route53 failover for the domain, built from FAILOVER_DESIGN
 * (src/dns/contract.ts, where the why is): an HTTPS health check on each
 * ALB's deep-readiness path, the failover switch (a CloudWatch alarm) and
 * two CLOUDWATCH_METRIC checks that follow it, a CALCULATED gate per record,
 * and the PRIMARY/SECONDARY alias record pair.
 */
export class FailoverRecords extends Construct {
  readonly healthCheckIds: Readonly<Record<HealthCheckRole, string>>;
  readonly fqdn: string;
  /** Name of the failover switch's alarm. */
  readonly switchAlarmName: string;

  constructor(scope: Construct, id: string, props: FailoverRecordsProps) {
    super(scope, id);
    const hc = props.healthCheck;
    const alarm = new FailoverSwitchAlarm(this, "Switch", { spec: props.switch });
    this.switchAlarmName = alarm.alarmName;
    const ids = {} as Record<HealthCheckRole, string>;
    // HEALTH_CHECK_ROLES lists children before the checks that monitor them.
    for (const role of HEALTH_CHECK_ROLES) {
      const spec = FAILOVER_DESIGN.checks[role];
      const common = { tags: { Name: `${props.namePrefix}-${CHECK_NAMES[role]}`, [HEALTH_CHECK_TAG]: role }, ...(spec.inverted ? { invertHealthcheck: true } : {}) };
      let check: Route53HealthCheck;
      if (spec.type === "ENDPOINT") {
        check = new Route53HealthCheck(this, CHECK_IDS[role], {
          type: "HTTPS",
          fqdn: props.targets[spec.endpoint].dnsName,
          port: 443,
          // Route53 does not validate the certificate; SNI makes the ALB pick
          // the listener certificate as a browser would.
          enableSni: true,
          resourcePath: props.readinessPath,
          requestInterval: hc.requestIntervalSeconds,
          failureThreshold: hc.failureThreshold,
          regions: [...hc.regions],
          measureLatency: true,
          ...common,
        });
      } else if (spec.type === "CLOUDWATCH_METRIC") {
        if (spec.alarm !== "switch") throw new Error(`FailoverRecords: unknown alarm ${spec.alarm}`);
        check = new Route53HealthCheck(this, CHECK_IDS[role], {
          type: "CLOUDWATCH_METRIC",
          // A reference, so Route53 is asked to follow the alarm only once it exists.
          cloudwatchAlarmName: alarm.alarmName,
          cloudwatchAlarmRegion: props.switch.region,
          insufficientDataHealthStatus: spec.insufficientData,
          ...common,
        });
      } else {
        check = new Route53HealthCheck(this, CHECK_IDS[role], {
          type: "CALCULATED",
          childHealthchecks: spec.children.map((c) => ids[c as HealthCheckRole]),
          childHealthThreshold: spec.threshold,
          ...common,
        });
      }
      ids[role] = check.id;
    }
    this.healthCheckIds = ids;

    let fqdn: string | undefined;
    for (const r of FAILOVER_DESIGN.records) {
      const record = new Route53Record(this, r.failover === "PRIMARY" ? "PrimaryRecord" : "SecondaryRecord", {
        zoneId: props.zoneId,
        name: props.domainName,
        type: "A",
        setIdentifier: `${props.namePrefix}-${r.failover.toLowerCase()}`,
        failoverRoutingPolicy: { type: r.failover },
        ...(r.healthCheck ? { healthCheckId: ids[r.healthCheck as HealthCheckRole] } : {}),
        alias: { name: props.targets[r.target].dnsName, zoneId: props.targets[r.target].zoneId, evaluateTargetHealth: r.evaluateTargetHealth },
      });
      if (r.failover === "PRIMARY") fqdn = record.fqdn;
    }
    this.fqdn = fqdn!;
  }
}
