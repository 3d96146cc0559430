import { Construct } from "constructs";
import { Route53HealthCheck } from "@cdktf/provider-aws/lib/route53-health-check";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import type { ValidConfig } from "../config";
import { gateThreshold, HEALTH_CHECK_TAG, type HealthCheckRole } from "./contract";
import type { AlbHandoffNames } from "./handoff";

export interface FailoverRecordsProps {
  /** Name prefix, e.g. drweb-prod. */
  readonly namePrefix: string;
  readonly zoneId: string;
  /** The application's name. */
  readonly domainName: string;
  /** Alias targets of the two ALBs. */
  readonly primary: AlbHandoffNames;
  readonly secondary: AlbHandoffNames;
  /** Deep-readiness path of the web app (web.readinessPath). */
  readonly readinessPath: string;
  readonly healthCheck: Readonly<ValidConfig["dns"]["healthCheck"]>;
  readonly forceFailover: boolean;
}

/**
 * Route53 failover for the domain: an HTTPS health check on each ALB's
 * deep-readiness path, a CALCULATED "gate" over the primary's check (the
 * forced-failover switch), and the PRIMARY/SECONDARY alias record pair.
 */
export class FailoverRecords extends Construct {
  readonly healthCheckIds: Readonly<Record<HealthCheckRole, string>>;
  readonly fqdn: string;

  constructor(scope: Construct, id: string, props: FailoverRecordsProps) {
    super(scope, id);
    const hc = props.healthCheck;
    const endpointCheck = (role: "primary" | "secondary", target: AlbHandoffNames) =>
      new Route53HealthCheck(this, role === "primary" ? "PrimaryHealthCheck" : "SecondaryHealthCheck", {
        type: "HTTPS",
        fqdn: target.dnsName,
        port: 443,
        // Route53 does not validate the certificate; SNI makes the ALB pick
        // the listener certificate as a browser would.
        enableSni: true,
        resourcePath: props.readinessPath,
        requestInterval: hc.requestIntervalSeconds,
        failureThreshold: hc.failureThreshold,
        regions: [...hc.regions],
        measureLatency: true,
        tags: { Name: `${props.namePrefix}-${role}-readiness`, [HEALTH_CHECK_TAG]: role },
      });
    const primary = endpointCheck("primary", props.primary);
    const secondary = endpointCheck("secondary", props.secondary);
    // The forced-failover switch: a threshold above the number of children
    // makes Route53 consider the gate unhealthy whatever the primary's state,
    // so traffic moves without touching a record.
    const gate = new Route53HealthCheck(this, "PrimaryGate", {
      type: "CALCULATED",
      childHealthchecks: [primary.id],
      childHealthThreshold: gateThreshold(props.forceFailover, 1),
      tags: { Name: `${props.namePrefix}-primary-gate`, [HEALTH_CHECK_TAG]: "primary-gate" },
    });
    this.healthCheckIds = { primary: primary.id, secondary: secondary.id, "primary-gate": gate.id };

    const record = (role: "PRIMARY" | "SECONDARY", target: AlbHandoffNames, healthCheckId: string) =>
      new Route53Record(this, role === "PRIMARY" ? "PrimaryRecord" : "SecondaryRecord", {
        zoneId: props.zoneId,
        name: props.domainName,
        type: "A",
        setIdentifier: `${props.namePrefix}-${role.toLowerCase()}`,
        failoverRoutingPolicy: { type: role },
        healthCheckId,
        alias: { name: target.dnsName, zoneId: target.zoneId, evaluateTargetHealth: true },
      });
    const primaryRecord = record("PRIMARY", props.primary, gate.id);
    record("SECONDARY", props.secondary, secondary.id);
    this.fqdn = primaryRecord.fqdn;
  }
}
