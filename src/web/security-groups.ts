import { Construct } from "constructs";
import { DataAwsEc2ManagedPrefixList } from "@cdktf/provider-aws/lib/data-aws-ec2-managed-prefix-list";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { albIngressPlan, SG_INBOUND_RULES_QUOTA } from "../lib/alb-ingress";

export interface WebSecurityGroupsProps {
  /** Name prefix, e.g. drweb-prod-use2. */
  readonly namePrefix: string;
  /** Region (for the Route53 health-checker prefix list). */
  readonly region: string;
  /**
   * The listener port Route53's health checks reach (HTTPS 443): admitted
   * from the region's route53-healthchecks prefix list even when ingressCidrs
   * is narrowed.
   * @default - no health checks: no prefix-list rule
   */
  readonly route53HealthCheckPort?: number;
  /** VPC id. */
  readonly vpcId: string;
  /** VPC CIDR: the database's network. */
  readonly vpcCidr: string;
  /** CIDRs allowed to reach the ALB listeners. */
  readonly ingressCidrs: readonly string[];
  /** ALB listener ports (80 and, with a certificate, 443). */
  readonly listenerPorts: readonly number[];
  /** Port the app serves on. */
  readonly appPort: number;
  /** Port of the app's metrics endpoint. */
  readonly metricsPort: number;
}

/**
 * Security groups of the web tier, every rule a separate, described resource:
 * internet -> ALB listeners; Route53 health checkers -> ALB's HTTPS port; ALB -> app port;
 * the monitoring cluster -> metrics port (allowMetricsFrom). Nothing else
 * reaches the fleet.
 */
export class WebSecurityGroups extends Construct {
  /** The ALB's group. */
  readonly albSecurityGroupId: string;
  /** The web instances' group. */
  readonly webSecurityGroupId: string;

  private readonly metricsPort: number;

  constructor(scope: Construct, id: string, props: WebSecurityGroupsProps) {
    super(scope, id);
    this.metricsPort = props.metricsPort;
    const alb = new SecurityGroup(this, "Alb", {
      name: `${props.namePrefix}-alb`,
      description: "Internet-facing ALB of the web tier: listeners only",
      vpcId: props.vpcId,
      tags: { Name: `${props.namePrefix}-alb` },
    });
    const web = new SecurityGroup(this, "Web", {
      name: `${props.namePrefix}-web`,
      description: "Web servers: app port from the ALB, metrics from the monitoring cluster",
      vpcId: props.vpcId,
      tags: { Name: `${props.namePrefix}-web` },
    });
    this.albSecurityGroupId = alb.id;
    this.webSecurityGroupId = web.id;

    const plan = albIngressPlan(props.ingressCidrs.length, props.listenerPorts.includes(443), props.route53HealthCheckPort !== undefined);
    if (plan.rules > SG_INBOUND_RULES_QUOTA) {
      // The config refuses this first (src/config/checks/web.ts, checkAlbRuleQuota); a
      // second guard for callers that build the construct directly.
      throw new Error(`the ALB security group would need ${plan.rules} inbound rules (quota ${SG_INBOUND_RULES_QUOTA}); at most ${plan.maxCidrs} ingress CIDRs fit`);
    }
    for (const port of props.listenerPorts) {
      props.ingressCidrs.forEach((cidr, i) => {
        new VpcSecurityGroupIngressRule(this, `AlbIngress${port}From${i}`, {
          securityGroupId: alb.id,
          description: `Clients to the ALB listener on ${port}`,
          ipProtocol: "tcp",
          fromPort: port,
          toPort: port,
          cidrIpv4: cidr,
        });
      });
    }
    if (props.route53HealthCheckPort !== undefined) {
      if (!props.listenerPorts.includes(props.route53HealthCheckPort)) {
        throw new Error(`Route53 health checks target port ${props.route53HealthCheckPort}, but the ALB listens on ${props.listenerPorts.join(", ")}`);
      }
      // Route53 health checkers must reach the ALB even when ingressCidrs is
      // narrowed to a corporate range: they are admitted by AWS's managed
      // list, on the health checks' port only (the rule costs the list's
      // weight, 25, of the group's 60-rule quota: src/lib/alb-ingress.ts).
      const checkers = new DataAwsEc2ManagedPrefixList(this, "Route53HealthCheckers", {
        name: `com.amazonaws.${props.region}.route53-healthchecks`,
      });
      const port = props.route53HealthCheckPort;
      new VpcSecurityGroupIngressRule(this, `AlbIngress${port}FromRoute53`, {
        securityGroupId: alb.id,
        description: `Route53 health checkers to the ALB listener on ${port}`,
        ipProtocol: "tcp",
        fromPort: port,
        toPort: port,
        prefixListId: checkers.id,
      });
    }
    new VpcSecurityGroupEgressRule(this, "AlbToApp", {
      securityGroupId: alb.id,
      description: "ALB to the web servers' app port",
      ipProtocol: "tcp",
      fromPort: props.appPort,
      toPort: props.appPort,
      referencedSecurityGroupId: web.id,
    });
    new VpcSecurityGroupIngressRule(this, "AppFromAlb", {
      securityGroupId: web.id,
      description: "App port from the ALB only",
      ipProtocol: "tcp",
      fromPort: props.appPort,
      toPort: props.appPort,
      referencedSecurityGroupId: alb.id,
    });
    // Deliberate exception: HTTPS egress to anywhere, through the NAT
    // gateways. The instances install Python (dnf, AL2023 repositories), fetch
    // the app from S3 (its Python dependencies come with it, no PyPI) and call AWS
    // APIs (SSM Session Manager, Secrets Manager, KMS) without VPC endpoints.
    new VpcSecurityGroupEgressRule(this, "WebHttpsOut", {
      securityGroupId: web.id,
      description: "HTTPS out via NAT: package install, SSM, Secrets Manager",
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: "0.0.0.0/0",
    });
    new VpcSecurityGroupEgressRule(this, "WebPostgresOut", {
      securityGroupId: web.id,
      description: "PostgreSQL to the database in this VPC",
      ipProtocol: "tcp",
      fromPort: 5432,
      toPort: 5432,
      cidrIpv4: props.vpcCidr,
    });
  }

  /** Lets a security group (the monitoring cluster's) scrape the metrics port. */
  allowMetricsFrom(id: string, securityGroupId: string, description: string): void {
    new VpcSecurityGroupIngressRule(this, id, {
      securityGroupId: this.webSecurityGroupId,
      description,
      ipProtocol: "tcp",
      fromPort: this.metricsPort,
      toPort: this.metricsPort,
      referencedSecurityGroupId: securityGroupId,
    });
  }
}
