import { z } from "zod";
import { type Cidr, formatCidr, overlaps, parseCidr, sizeOf } from "../lib/cidr";
import { albIngressPlan, ROUTE53_HEALTHCHECKS_PREFIX_LIST_WEIGHT, SG_INBOUND_RULES_QUOTA } from "../lib/alb-ingress";
import { WHEEL_TARGET } from "../lib/wheel-target";
import { EKS_ADDONS, EKS_VERSIONS } from "./eks-versions";
import { KNOWN_REGION_AZ_LETTERS, KNOWN_REGIONS, LOG_RETENTION_DAYS } from "./regions";

/** Aurora global write forwarding: off, or the consistency mode of forwarded sessions. */

/** A whole number of minutes from 1 to `max` for runbook.rtoTargetMinutes.<key>, each error naming the field and the fix. */
function rtoTargetMinutes(key: string, max: number, example: number) {
  const fix = `Fix: give a whole number from 1 to ${max}, e.g. ${example} (runbook.rtoTargetMinutes.${key})`;
  return z
    .number({ message: `must be a number of minutes. ${fix}` })
    .int({ message: `must be a whole number of minutes. ${fix}` })
    .min(1, { message: `must be at least 1 minute(s). ${fix}` })
    .max(max, { message: `must be at most ${max} minutes. ${fix}` });
}

export const WRITE_FORWARDING = ["off", "session", "eventual", "global"] as const;

/** Database engines. */
export const DB_ENGINES = ["postgres", "aurora-postgresql"] as const;
/** The database DR lifecycle. */
export const DR_STATES = ["normal", "failedOver", "failback"] as const;
export type DrState = (typeof DR_STATES)[number];
/** RDS instance-class families this project knows (burstable: db.t*). */
export const DB_CLASS_FAMILIES = ["t3", "t4g", "m5", "m6g", "m6i", "m7g", "m7i", "r5", "r6g", "r6i", "r7g", "r7i", "x2g"] as const;

/**
 * Families Aurora Global Database runs on: memory-optimized only (Aurora
 * User Guide, "Limitations of Amazon Aurora Global Database": burstable
 * db.t* classes are not supported; Aurora PostgreSQL offers no db.m* classes).
 */
export const AURORA_GLOBAL_CLASS_FAMILIES = ["r5", "r6g", "r6i", "r7g", "r7i", "x2g"] as const;
/** The smallest class of those families (2 vCPU, 16 GiB): the Aurora mode's default. */
export const AURORA_DEFAULT_INSTANCE_CLASS = "db.r6g.large";
/**
 * The Aurora mode's default engine version: an Aurora PostgreSQL release with
 * Global Database, managed switchover and write forwarding (Aurora User Guide,
 * "Region and version availability" of Aurora Global Database).
 */
export const AURORA_DEFAULT_ENGINE_VERSION = "16.6";

/** The two regional roles of the DR design. */
export const REGION_ROLES = ["primary", "secondary"] as const;
export type RegionRole = (typeof REGION_ROLES)[number];

const name = z
  .string()
  .regex(/^[a-z][a-z0-9-]{1,20}$/, {
    message:
      "must be 2-21 characters of lower-case letters, digits and '-', starting with a letter (it prefixes AWS resource names)",
  });

const count = () =>
  z.number().int({ message: "must be a whole number. Fix: use an integer" }).min(1, { message: "must be at least 1. Fix: set a count of 1 or more" });

/** DNS names are stored without the root's final dot ("example.com." -> "example.com"). */
const withoutFinalDot = (name: string) => name.replace(/\.$/, "");

const port = z.number().int().min(1024, { message: "must be an unprivileged port (1024-65535). Fix: e.g. 8080" }).max(65535);
const urlPath = z.string().regex(/^\/[A-Za-z0-9._~\/-]*$/, { message: "must be a URL path starting with /. Fix: e.g. /healthz" });

/** An exact Helm chart version (a range would make deploys unrepeatable). */
const exactChartVersion = (example: string) =>
  z.string().regex(/^\d+\.\d+\.\d+$/, { message: `must be an exact chart version like ${example} (pin it; ranges make deploys unrepeatable)` });

const regionSchema = z.strictObject({
  /** AWS region name, e.g. us-east-2. */
  region: z.string(),
  /**
   * AZ names in that region; subnets are created in every one. At least 2; checked against the region at synth time
   * and against the account's available AZs at plan time. Append new AZs at the end: the subnet plan reserves
   * network.subnetSlotsPerTier slots per tier, so an existing subnet never moves.
   */
  availabilityZones: z.array(z.string()),
  /** VPC CIDR block; must not overlap the other region's. */
  vpcCidr: z.string(),
  /**
   * An existing ACM certificate ARN (in this region) for the ALB's HTTPS listener, used instead of the one the
   * stack creates for dns.domainName; HTTPS (TLS 1.3 policy) + HTTP->HTTPS redirect either way. Without one and
   * without dns.enabled the ALB serves plain HTTP only.
   */
  certificateArn: z.string().regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/, { message: "must be an ACM certificate ARN. Fix: e.g. arn:aws:acm:us-east-2:123456789012:certificate/<id>" }).optional(),
  /**
   * This region cannot be reached (an outage): the other region's stack is
   * synthesized to neither read nor write anything here, so it can still be
   * planned and deployed (with -refresh=false; docs/deploy-and-state.md "Deploying the primary
   * while the secondary region is down"). Only the secondary region takes
   * it: nothing
   * the failover deploys reaches the primary region. Refused on regions.primary, outside database.drState
   * "normal", and with backend.primaryBucket in the secondary region.
   * @default - false (secondary); absent (primary)
   */
  unreachable: z.boolean().optional(),
});
export type RegionConfig = z.infer<typeof regionSchema>;

const s3BucketSchema = z.strictObject({
  /** State bucket name (created outside this project, versioning on). */
  bucket: z.string().min(3),
  /** Region of the bucket. */
  region: z.string(),
});

const backendSchema = z.discriminatedUnion("type", [
  z.strictObject({
    /** Where Terraform state lives: "local" (terraform.<stack>.tfstate files) or "s3" (a bucket per region, below). */
    type: z.literal("local"),
  }),
  z.strictObject({
    /** Where Terraform state lives: "local" (terraform.<stack>.tfstate files) or "s3" (a bucket per region, below). */
    type: z.literal("s3"),
    /**
     * Prefix of every state key: <keyPrefix>/<stack>.tfstate. Refused when it names another environment; one
     * that names none prints a warning.
     * @default - "<project>/<environment>", so two environments never share state keys
     */
    keyPrefix: z
      .string()
      .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, { message: 'must be key segments of letters, digits, ".", "_" or "-" separated by single "/", e.g. drweb/prod (no leading or trailing "/")' })
      .optional(),
    /** Holds the state of the stacks of the primary region. */
    primaryBucket: s3BucketSchema,
    /**
     * Holds the state of every stack needed during a failover (secondary,
     * secondary-monitoring, dns): must be outside the primary region.
     */
    secondaryBucket: s3BucketSchema,
  }),
]);

const baseSchema = z
  .strictObject({
    /** Short project name; prefixes resource names. */
    project: name,
    /** Environment name (prod, staging, ...); part of names and tags. */
    environment: name,
    /** Extra tags on every resource (provider default tags); the managed tags `project`, `environment`, `dr-role`, `managed-by` always win. */
    tags: z.record(z.string(), z.string()),
    regions: z.strictObject({ primary: regionSchema, secondary: regionSchema }),
    network: z.strictObject({
      /** Bits added to the VPC prefix for each subnet (/16 + 4 = /20). */
      subnetNewBits: z.number().int().min(1).max(12),
      /** Subnet slots reserved per tier (public, private-app, private-data); the AZ count must fit. */
      subnetSlotsPerTier: count(),
      /** "perAz": a NAT gateway per AZ (AZ-independent egress); "single": one NAT gateway to save cost. */
      natGateways: z.enum(["perAz", "single"]),
      flowLogs: z.strictObject({
        /** Days the VPC flow logs are kept: a CloudWatch Logs retention period (1, 3, 5, 7, 14, 30, 60, 90, ... 3653). */
        retentionDays: z.number().int(),
        /** Traffic the VPC flow logs record: ALL, ACCEPT or REJECT. */
        trafficType: z.enum(["ALL", "ACCEPT", "REJECT"]),
      }),
    }),
    kms: z.strictObject({
      /** Waiting period before a scheduled key deletion (7..30 days). */
      deletionWindowDays: z.number().int().min(7).max(30),
    }),
    web: z.strictObject({
      /** EC2 instance type of the web fleet (x86_64: the shipped wheels). */
      instanceType: z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, { message: "must be an EC2 instance type like t3.micro" }),
      /** Instances the web fleet of each region runs (Auto Scaling group desired capacity; minSize..maxSize). */
      desiredCapacity: count(),
      /** Fewest instances of each region's web fleet. */
      minSize: count(),
      /** Most instances of each region's web fleet. */
      maxSize: count(),
      /** Port gunicorn serves the app on (ALB -> instances). */
      appPort: port,
      /** Port of the Prometheus metrics endpoint (VPC only, never the ALB). */
      metricsPort: port,
      /** Liveness path: the ALB target group's health check. */
      livenessPath: urlPath,
      /** Deep readiness path (database reachable): Route53's health check. */
      readinessPath: urlPath,
      /** SSM public parameter naming the AMI: resolved by EC2 in each region at each launch (`resolve:ssm:`), never hard-coded, never at plan time; x86_64 only (the shipped wheels). */
      amiSsmParameter: z.string().startsWith("/aws/service/", { message: "must be an AWS public SSM parameter under /aws/service/. Fix: e.g. /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64" }),
      /** Root volume size (GiB), gp3, encrypted with the region's key. */
      rootVolumeGb: z.number().int().min(8).max(1024),
      /** CIDRs allowed to reach the ALB's listeners (Route53 health checkers are admitted on 443 when the dns stack is on); must fit the security-group rule quota (at most 17 CIDRs with HTTPS and the dns stack: 60 inbound rules per security group). */
      ingressCidrs: z.array(z.string()).min(1),
      /** ALB deletion protection. */
      albDeletionProtection: z.boolean(),
      /** Days the ALB access logs are kept in their bucket. */
      accessLogRetentionDays: count(),
      /** Seconds a new instance gets to install the app before ELB health counts. */
      healthCheckGraceSeconds: z.number().int().min(60).max(3600),
      /** Minimum healthy percentage during an instance refresh. */
      refreshMinHealthyPercentage: z.number().int().min(0).max(100),
    }),
    eks: z.strictObject({
      /** Kubernetes minor version of both clusters (a row of src/config/eks-versions.ts): unknown versions are refused; a version past EKS standard support prints a warning. */
      kubernetesVersion: z.string(),
      /** EC2 instance type of the monitoring nodes. */
      nodeInstanceType: z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, { message: "must be an EC2 instance type like t3.medium" }),
      /**
       * AZs with a monitoring node group: the first N of each region's
       * availabilityZones, one managed node group each. The monitoring
       * volumes (EBS, zonal) are created only in these AZs, so a replacement
       * node always lands in the AZ of the volumes it must mount.
       */
      nodeZoneCount: count(),
      /** Nodes of each per-AZ node group (min >= 1: every volume's AZ keeps a node). */
      nodesPerZone: z.strictObject({
        /** Fewest nodes of each per-AZ node group (at least 1: every volume's AZ keeps a node). */
        min: count(),
        /** Nodes each per-AZ node group runs. */
        desired: count(),
        /** Most nodes of each per-AZ node group. */
        max: count(),
      }),
      /** Node root volume (GiB), gp3, encrypted with the region's key. */
      nodeDiskGb: z.number().int().min(20).max(1024),
      /**
       * CIDRs allowed to reach the public API endpoint. Empty: the public
       * endpoint is off and the API is reachable only from inside the VPC
       * (the private endpoint is always on). Else the operator networks allowed (/8 or narrower).
       */
      publicAccessCidrs: z.array(z.string()),
      /**
       * Networks connected to the VPCs (VPN, Direct Connect, peering, a CI
       * runner's VPC) admitted to the private API endpoint: port 443 on the
       * cluster security group, which otherwise admits only itself. With the deploy runner off and no public CIDRs,
       * one is required (the config refuses a cluster nobody can reach).
       */
      privateAccessCidrs: z.array(z.string()),
      /**
       * A small SSM-managed instance in each region's private app subnets
       * (no SSH, no public IP, no inbound rule) through which operators open
       * a Session Manager port-forwarding tunnel to the private API endpoint
       * (monitoring/README.md). Its role holds only Session Manager.
       */
      deployRunner: z.strictObject({
        /** Build the deploy runner (an SSM-managed tunnel host) in each region. */
        enabled: z.boolean(),
        /** An x86_64 instance type (the runner runs Amazon Linux 2023 x86_64). */
        instanceType: z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, { message: "must be an EC2 instance type like t3.micro" }),
      }),
      /** Give the identity that creates the cluster (the one running `cdktf deploy`) cluster-admin; this or adminPrincipalArns is required. */
      clusterCreatorAdmin: z.boolean(),
      /** IAM role/user ARNs granted cluster-admin through EKS access entries; this or clusterCreatorAdmin is required. */
      adminPrincipalArns: z.array(
        z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@\/-]+$/, { message: "must be an IAM role or user ARN. Fix: e.g. arn:aws:iam::123456789012:role/platform-admin" }),
      ),
      /** Days the control-plane logs are kept. */
      logRetentionDays: z.number().int(),
      /**
       * Version of each managed add-on: an exact version ("v1.20.4-eksbuild.2")
       * pins it; "default" takes the pin of src/config/eks-versions.ts for the
       * Kubernetes version, or, for an add-on without one there, EKS's default
       * version when the add-on is created, never updated by a later deploy (pin one to change it). kube-proxy
       * and CoreDNS are pinned there from the EKS user guide.
       */
      addonVersions: z.strictObject(
        Object.fromEntries(EKS_ADDONS.map((a) => [a, z.string().regex(/^(default|v\d+\.\d+\.\d+-eksbuild\.\d+)$/, { message: 'must be "default" or an EKS add-on version like v1.20.4-eksbuild.2' })])) as Record<(typeof EKS_ADDONS)[number], z.ZodString>,
      ),
    }),
    monitoring: z.strictObject({
      /** Namespace of the monitoring stack. */
      namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, { message: "must be a Kubernetes namespace name (lower-case DNS label)" }),
      /** The kube-prometheus-stack chart, pinned. */
      chart: z.strictObject({
        /** Helm repository of both charts (prometheus-community). */
        repository: z.string().url(),
        /** The kube-prometheus-stack chart version, exact. */
        version: exactChartVersion("79.7.1"),
      }),
      /**
       * The prometheus-cloudwatch-exporter chart (same repository), pinned:
       * exports RDS ReplicaLag for the DatabaseReplicaLagHigh alert.
       */
      cloudwatchExporter: z.strictObject({
        /** The prometheus-cloudwatch-exporter chart version, exact. */
        chartVersion: exactChartVersion("0.28.1"),
      }),
      prometheus: z.strictObject({
        /** Time-based retention, e.g. 15d. */
        retention: z.string().regex(/^\d+[hdwy]$/, { message: "must be a Prometheus duration like 15d" }),
        /** Size-based retention (GB); must leave headroom on the volume. */
        retentionSizeGb: z.number().int().min(1),
        /** Prometheus's EBS volume (GiB, gp3, the region's key), in one of the node AZs. */
        volumeGb: z.number().int().min(2),
        /** Seconds between two scrapes of every target. */
        scrapeIntervalSeconds: z.number().int().min(5).max(300),
      }),
      grafana: z.strictObject({
        /** Grafana's EBS volume (GiB, gp3, the region's key). */
        volumeGb: z.number().int().min(1),
        /** "portForward": a ClusterIP service; "internalLoadBalancer": an internal NLB in the private app subnets. */
        exposure: z.enum(["portForward", "internalLoadBalancer"]),
        /** CIDRs allowed to the internal load balancer (exposure internalLoadBalancer). */
        allowedCidrs: z.array(z.string()),
        /** Bump to generate and write a new Grafana admin password. */
        adminPasswordVersion: count(),
        /**
         * Days the Grafana admin secret stays restorable after a destroy:
         * 7-30, or 0 to delete it at once (checkSecretRecoveryWindow; 0 is refused in a production environment).
         */
        secretRecoveryWindowDays: z.number().int({ message: "must be a whole number of days. Fix: use 0 or 7 to 30" }),
      }),
      alertmanager: z.strictObject({
        /** Alertmanager's EBS volume (GiB, gp3, the region's key). */
        volumeGb: z.number().int().min(1),
        /** E-mail subscribed to each region's alert topic (confirm the subscription once). */
        email: z.string().regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, { message: "must be an e-mail address" }).optional(),
      }),
    }),
    database: z.strictObject({
      /** "postgres" (RDS for PostgreSQL, the default) or "aurora-postgresql" (Aurora Global Database: docs/aurora.md). */
      engine: z.enum(DB_ENGINES, { message: `unknown engine. Fix: use one of ${DB_ENGINES.join(", ")}` }),
      /**
       * Engine version; a major version ("17") follows the latest minor. Aurora mode takes a full version only.
       * @default - "17" (postgres); "16.6" (aurora-postgresql)
       */
      engineVersion: z.string().regex(/^\d+(\.\d+)?$/, { message: "must be a PostgreSQL version like 17 or 17.4" }),
      /**
       * Instance class of every database instance (both regions match). Aurora mode refuses burstable and db.m*
       * classes; at plan time each region must offer the version and the class with Global Database support.
       * @default - db.t3.small (postgres); db.r6g.large (aurora-postgresql)
       */
      instanceClass: z.string(),
      /** Initial storage (GiB) and the storage-autoscaling ceiling. */
      allocatedStorageGb: z.number().int().min(20).max(65536),
      /** The storage-autoscaling ceiling (GiB, gp3). */
      maxAllocatedStorageGb: z.number().int().min(20).max(65536),
      /** Automated-backup retention (days) on the writer and the promotable replica; 0 is refused (a replication source needs backups). */
      backupRetentionDays: z.number().int().min(0).max(35),
      /** In-region read replicas per region (the seed: 1 writer + 1 reader): 1-5; the app reads from the first. */
      readersPerRegion: z.number().int(),
      /** Performance Insights (KMS-encrypted with the region's key). */
      performanceInsights: z.boolean(),
      /** Enhanced monitoring interval (0 = off). */
      monitoringIntervalSeconds: z.union([z.literal(0), z.literal(1), z.literal(5), z.literal(10), z.literal(15), z.literal(30), z.literal(60)]),
      /** Database created on the writer. */
      dbName: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, { message: "must be a PostgreSQL identifier (lower case, digits, _)" }),
      /** Master user name. */
      masterUsername: z.string().regex(/^[a-z][a-z0-9_]{0,15}$/, { message: "must be 1-16 lower-case letters, digits or _, starting with a letter" }),
      /**
       * Bump to generate and write a new master password (write-only, never in state): to the secret, then to the
       * writer; applied only with drState "normal" (held otherwise, with a warning: docs/failover-runbook.md,
       * "Master password rotation").
       */
      masterPasswordVersion: count(),
      /**
       * Days the master-credentials secret stays restorable after a destroy:
       * 7-30, or 0 to delete it at once (checkSecretRecoveryWindow), so a disposable environment can be destroyed and
       * deployed again under the same name (0 is refused in an environment named prod, production, prd or live).
       */
      secretRecoveryWindowDays: z.number().int({ message: "must be a whole number of days. Fix: use 0 or 7 to 30" }),
      /**
       * Aurora mode only: global write forwarding from the secondary cluster
       * to the primary ("off", or its read-after-write consistency: session,
       * eventual, global; Aurora's apg_write_forward.consistency_mode). Off by
       * default: the web app writes only in the region that is primary.
       */
      writeForwarding: z.enum(WRITE_FORWARDING, { message: `unknown mode. Fix: use one of ${WRITE_FORWARDING.join(", ")}` }),
      /** Where the DR lifecycle stands; see docs/failover-runbook.md "Database failover and failback runbook". */
      drState: z.enum(DR_STATES, { message: `unknown DR state. Fix: use one of ${DR_STATES.join(", ")}` }),
      /**
       * Generation of each region's database instances: part of their
       * identifiers. Bumped when a region's database is rebuilt as a replica
       * (failback), so the rebuilt instances never reuse a live name.
       */
      generations: z.strictObject({
        /** Generation of the primary region's database instances. */
        primary: count(),
        /** Generation of the secondary region's database instances. */
        secondary: count(),
      }),
    }),
    dns: z.strictObject({
      /** Build the dns, dns-alarms and dns-zone stacks and an ACM certificate per region (HTTPS); false: no DNS, plain HTTP unless a region has certificateArn. */
      enabled: z.boolean(),
      /** Hosted zone name (looked up, or created with createZone). The default example.com is a placeholder (RFC 2606): synth works, and main.ts warns until it is set. */
      zoneName: z.string().transform(withoutFinalDot),
      /** Hosted zone id, to look the zone up by id instead of name (private/duplicate names). */
      zoneId: z.string().regex(/^Z[A-Z0-9]{4,32}$/, { message: "must be a Route53 hosted zone id like Z0123456789ABCDEFGHIJ" }).optional(),
      /** Create the public hosted zone in the dns-zone stack (then delegate it from the parent zone or registrar). */
      createZone: z.boolean(),
      /** The application's name, inside the zone (the apex is allowed). */
      domainName: z.string().transform(withoutFinalDot),
      healthCheck: z.strictObject({
        /** Seconds between checks from each checker: Route53 offers exactly 10 (fast, billed extra) or 30. */
        requestIntervalSeconds: z.number().int(),
        /** Consecutive failures before an endpoint counts as unhealthy (1-10). */
        failureThreshold: z.number().int().min(1, { message: "must be 1-10" }).max(10, { message: "must be 1-10" }),
        /** Regions the checkers run in (at least 3 of Route53's checker regions). */
        regions: z.array(z.string()),
      }),
      /**
       * Records the position of the failover switch (src/dns/failover-switch.ts):
       * true while all traffic is forced to the secondary. The switch itself is
       * a metric the `dr` runbook writes (PutMetricData in the secondary
       * region); no deploy changes it. `dr status` compares the two.
       */
      forceFailover: z.boolean(),
      /** E-mail subscribed to the health-check alarms (confirm the subscription once). */
      alarmEmail: z.string().regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, { message: "must be an e-mail address" }).optional(),
    }),
    /**
     * Thresholds and timeouts of the `dr` runbook command (src/dr/, docs/dr-runbook.md).
     * Every wait of a plan step polls every pollIntervalSeconds until its timeout.
     */
    runbook: z.strictObject({
      /**
       * Planned failover precondition (and failback's primary-in-sync): the replica's CloudWatch ReplicaLag (seconds)
       * may be at most this before writes are fenced, unless the WAL positions show the replica at its source's WAL
       * end (an idle source's replica reports up to five minutes of lag: docs/dr-runbook.md, "The idle lag").
       */
      maxReplicaLagSeconds: z.number().min(0).max(3600),
      /** Seconds to wait for writes to stop on the old primary (web fleet scaled to zero, targets drained). */
      fenceTimeoutSeconds: z.number().int().min(1).max(7200),
      /** Seconds to wait, once writes are fenced, for the replica to replay everything (lag 0). */
      catchUpTimeoutSeconds: z.number().int().min(1).max(7200),
      /** Seconds to wait for a promoted replica to be available and writable (RDS: usually 5-15 minutes). */
      promoteTimeoutSeconds: z.number().int().min(1).max(7200),
      /** Seconds to wait for the failover switch to reach its new state: its alarm (ALARM forced, OK released) and, when it can be read, Route 53's view of the switch checks. */
      dnsTimeoutSeconds: z.number().int().min(1).max(7200),
      /** Seconds to wait for the new primary region to serve writes (/readyz db_role writer). */
      verifyTimeoutSeconds: z.number().int().min(1).max(7200),
      /** Seconds between two polls of a wait. */
      pollIntervalSeconds: z.number().min(0.01).max(300),
      /**
       * Unplanned failover: Route53's verdict on the primary (its HealthCheckStatus
       * metric) must have been unhealthy this long, without a break, before
       * anything is changed; a shorter fault ends the run with nothing changed.
       */
      minOutageSeconds: z.number().min(0).max(3600),
      /**
       * Unplanned failover: after the failover switch is forced, how long a
       * client may still hold the primary's answer and have a request in
       * flight there (Route53 interval x threshold + alias TTL + ALB idle
       * timeout). The new writer is promoted only after it, unless the old
       * region is provably fenced (no instance of its fleet runs).
       * @default - derived from dns.healthCheck: interval x threshold + 60 s TTL + 60 s ALB idle timeout
       */
      clientDrainSeconds: z.number().min(0).max(7200).optional(),
      /**
       * `dr restore`: minutes to wait for RestoreDBInstanceToPointInTime's new instance to be available. A restore
       * replays the transaction logs since the last backup, so it takes longer with the database's size and the
       * logs to replay (docs/dr-runbook.md, "dr restore").
       */
      restoreTimeoutMinutes: z
        .number({ message: "must be a number of minutes. Fix: give a whole number from 10 to 2880, e.g. 240" })
        .int({ message: "must be a whole number of minutes. Fix: give a whole number from 10 to 2880, e.g. 240" })
        .min(10, { message: "must be at least 10 minutes (an RDS restore takes longer than that). Fix: give 10 to 2880, e.g. 240" })
        .max(2880, { message: "must be at most 2880 minutes (48 h). Fix: give 10 to 2880, e.g. 240" }),
      /** Folder (relative to the working directory) of the runbook's journal files (resume after an interruption). */
      journalDir: z.string().min(1),
      /**
       * The RTO each `dr` run's report (src/dr/run-report.ts) measures against: minutes from the run's start to the
       * first write the runbook verified in the region it activated (the verify step's successful write). Defaults
       * and their sources: docs/dr-runbook.md, "Run reports".
       */
      rtoTargetMinutes: z.strictObject({
        /** `dr failover --planned`. */
        failoverPlanned: rtoTargetMinutes("failoverPlanned", 1440, 20),
        /** `dr failover --unplanned` (the run starts once Route53 saw the outage; it waits the sustained-outage window and the client drain). */
        failoverUnplanned: rtoTargetMinutes("failoverUnplanned", 1440, 30),
        /** `dr failback` (rebuilds the primary's replica before switching back). */
        failback: rtoTargetMinutes("failback", 2880, 180),
        /** `dr restore` (the point-in-time restore itself: runbook.restoreTimeoutMinutes). */
        restore: rtoTargetMinutes("restore", 2880, 300),
      }),
      /**
       * Buckets each `dr` run's report is uploaded to (S3 PutObject, key `dr-reports/<operation>/<run start>.json` and
       * `.md`), in the region the run activated: `secondary` for a failover, `primary` for a failback, the restore's
       * region for a restore. Each regional stack creates its region's bucket (src/dr/report-bucket.ts) named
       * `<project>-<environment>-<region code>-dr-reports`, or this name when set (for a derived name taken in S3's
       * global namespace). Set both to turn the upload on (docs/dr-runbook.md, "Run reports"). A failed upload is
       * printed and never fails the run.
       * @default - none: the stacks create the derived names; the report stays next to the journal only
       */
      reportBucket: z
        .strictObject({
          /** The report bucket in the primary region (failback runs, restores there). */
          primary: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name (3 to 63 lower-case letters, digits, dots and hyphens). Fix: name the bucket in the primary region, e.g. drweb-prod-dr-reports-use2").optional(),
          /** The report bucket in the secondary region (failover runs, restores there). */
          secondary: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name (3 to 63 lower-case letters, digits, dots and hyphens). Fix: name the bucket in the secondary region, e.g. drweb-prod-dr-reports-usw1").optional(),
        })
        .optional(),
      /**
       * `dr status` (and the BackupRestorableLagHigh alert through `dr status --publish-metrics`): warn when a
       * region's latest restorable time (the writer's own automated backups, or their copy replicated into the other
       * region) is more than this many minutes behind now. RDS uploads transaction logs every 5 minutes, so
       * LatestRestorableTime is normally up to 5 minutes behind (RDS User Guide, "Restoring a DB instance to a
       * specified time"); a limit of 5 or less would warn all the time (docs/dr-runbook.md, "dr status").
       */
      maxRestorableLagMinutes: z
        .number()
        .int("must be a whole number of minutes")
        .min(6, "must be at least 6: RDS uploads transaction logs every 5 minutes, so the latest restorable time is normally up to 5 minutes behind and a lower limit warns all the time. Fix: set runbook.maxRestorableLagMinutes to 15 (the default) or more")
        .max(1440, "must be at most 1440 (a day): a larger lag means point-in-time recovery is broken. Fix: set runbook.maxRestorableLagMinutes to 15 (the default) or up to 1440"),
      /**
       * `dr readiness`: the IAM role operators assume to run the runbook; its permissions are simulated
       * (iam:SimulatePrincipalPolicy) over the runbook's actions (src/dr/runbook-actions.ts). Set it from the
       * ci-identity stack's output `runbook_role_arn` (runbook.role.enabled: docs/dr-runbook.md, "The runbook role").
       * Not set: the permissions check fails and says to set it (docs/dr-runbook.md, "readiness").
       */
      roleArn: z
        .string()
        .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\/-]+$/, "must be an IAM role ARN. Fix: give arn:aws:iam::<12-digit account>:role/<name>, the role operators assume to run `dr`")
        .optional(),
      /**
       * The runbook's role as code (src/dr/runbook-role.ts, in the ci-identity stack: IAM is global): the IAM role
       * `<project>-<environment>-dr-runbook` with exactly the runbook's actions (src/dr/runbook-actions.ts), scoped to
       * the project's resources. Set runbook.roleArn from the stack's output `runbook_role_arn` (docs/dr-runbook.md,
       * "The runbook role").
       */
      role: z.strictObject({
        /** Create the role (builds the ci-identity stack even with ci.enabled false). */
        enabled: z.boolean(),
        /**
         * Who may assume the role (sts:AssumeRole): IAM ARNs of users, roles or an account root
         * (arn:aws:iam::<account>:root lets that account's IAM policies decide). Required when the role is enabled.
         * @default - none
         */
        trustedPrincipalArns: z.array(z.string()),
        /**
         * Require MFA for sts:AssumeRole (aws:MultiFactorAuthPresent true). IAM users that signed in with MFA carry
         * it; a role session (IAM Identity Center, a chained role) does not, so turn it off when only roles are trusted.
         * @default - true
         */
        requireMfa: z.boolean(),
        /** Longest session of the role (seconds, 3600-43200: IAM MaxSessionDuration); a failback takes hours. */
        maxSessionSeconds: z
          .number()
          .int({ message: "must be a whole number of seconds. Fix: give 3600 to 43200, e.g. 14400" })
          .min(3600, { message: "must be 3600-43200 (IAM MaxSessionDuration). Fix: e.g. 14400" })
          .max(43200, { message: "must be 3600-43200 (IAM MaxSessionDuration). Fix: e.g. 14400" }),
      }),
      /**
       * The deployed readiness checker (docs/dr-runbook.md, "The deployed checker"): a Lambda function in the
       * secondary region running `dr readiness` on an EventBridge Scheduler schedule, publishing the Ready metric,
       * and an alarm on it to the secondary region's alert topic (src/dr/readiness-checker.ts).
       */
      readiness: z.strictObject({
        /**
         * Deploy the checker (function, schedule, alarm) with the secondary stack.
         * @default true
         */
        enabled: z.boolean({ message: "must be true or false. Fix: set runbook.readiness.enabled to true (the default) or false" }),
        /**
         * How often it runs: an EventBridge Scheduler expression, rate(<n> minutes|hours|days) or a 6-field
         * cron(...) ("Schedule types on EventBridge Scheduler"). The alarm's period follows a rate (missing data is
         * breaching, so a rate longer than the alarm's window alarms between runs: keep it at most 60 minutes).
         * @default "rate(5 minutes)"
         */
        schedule: z
          .string()
          .regex(
            /^(rate\((1 (minute|hour|day)|[1-9]\d* (minutes|hours|days))\)|cron\(\S+( \S+){5}\))$/,
            "must be an EventBridge Scheduler expression. Fix: give rate(5 minutes) (the default), rate(<n> minutes|hours) or cron(<6 fields>) (runbook.readiness.schedule)",
          ),
      }),
    }),
    /**
     * The CI identity (stacks/ci-identity-stack.ts, docs/ci-identity.md "CI identity"):
     * GitHub Actions' OIDC provider and the plan and apply roles the
     * delivery pipeline assumes. Created once by hand (`npx cdktf deploy ci-identity`).
     */
    ci: z.strictObject({
      /** Build the ci-identity stack. */
      enabled: z.boolean(),
      /**
       * The GitHub repository whose workflows may assume the roles, as
       * "owner/name" exactly as GitHub spells it (the token's `sub` claim
       * compares case-sensitively with StringEquals); both parts are checked against GitHub's naming rules.
       * @default - none; required when enabled
       */
      githubRepository: z.string().optional(),
      /**
       * A GitHub environment the plan jobs of pull requests run in. Set: the
       * plan role trusts `environment:<it>` instead of every pull request
       * (protect it with required reviewers: a pull request's workflow can
       * print what the plan role may read). Nightly plans on main are trusted either way.
       * @default - pull requests of the repository (`sub` repo:<owner>/<name>:pull_request)
       */
      planEnvironment: z.string().optional(),
      /**
       * Create the account's GitHub OIDC provider (IAM holds one provider per
       * URL and account): false looks up the one that exists instead (e.g.
       * made by another project), by its URL (token.actions.githubusercontent.com).
       */
      createOidcProvider: z.boolean(),
      /**
       * Longest session of the apply role (seconds, 3600-43200): an apply of
       * a regional stack (RDS, EKS) takes longer than an hour.
       */
      applyMaxSessionSeconds: z.number().int().min(3600, { message: "must be 3600-43200 (IAM MaxSessionDuration). Fix: e.g. 14400" }).max(43200, { message: "must be 3600-43200 (IAM MaxSessionDuration). Fix: e.g. 14400" }),
    }),
    /**
     * Backups restorable in either region and outside the account (issue 26;
     * docs/backups.md "Backups: restorable in either region"). src/database/backup-plan.ts.
     */
    backups: z.strictObject({
      /**
       * RDS mode: the writer's automated backups (snapshots and transaction
       * logs) replicated to the other region (aws_db_instance_automated_backups_replication),
       * encrypted there with that region's key. Which writer, in each DR state:
       * src/database/backup-plan.ts BACKUP_REPLICATION.
       */
      crossRegion: z.strictObject({
        /** Replicate the writer's backups into the other region (RDS mode) or copy them there with AWS Backup (Aurora mode); refused off in a production environment. */
        enabled: z.boolean(),
        /** Days the replicated backups are kept (the restorable window in the other region): 1-35. */
        retentionDays: z.number().int({ message: "must be a whole number of days. Fix: use 1 to 35" }),
      }),
      /** The least retention (days) the policy accepts on every backup this app keeps (writers' automated backups, replicated backups, isolated copies). */
      minRetentionDays: z.number().int({ message: "must be a whole number of days. Fix: use 1 to 35" }),
      /**
       * AWS Backup copies of the writing database into a vault in another
       * account (vault lock there), so a compromised production account cannot
       * delete every copy.
       * @default - on in a production environment (prod, production, prd, live), off elsewhere
       */
      isolatedCopy: z.strictObject({
        /**
         * Copy the writing database into the other account's vault. On without accountId and vaultName: synth
         * warns and builds nothing; true without them is refused.
         * @default - true in a production environment (prod, production, prd, live), false elsewhere
         */
        enabled: z.boolean().optional(),
        /** The backup account's id (12 digits): not this app's account. */
        accountId: z.string().optional(),
        /** The vault's name in that account (created and locked there, not by this app). */
        vaultName: z.string().optional(),
        /**
         * Region of that vault.
         * @default - regions.secondary.region
         */
        region: z.string().optional(),
        /** Days AWS Backup keeps each copy in that vault (its lock's minimum retention must allow it). */
        retentionDays: z.number().int({ message: "must be a whole number of days. Fix: e.g. 35" }),
        /** When the backup runs, an AWS Backup cron expression in UTC. */
        schedule: z.string(),
      }),
      /**
       * AWS Backup Vault Lock and a vault access policy on this app's OWN vaults (the per-region
       * `<prefix>-db-backups` vaults, src/database/backup-vault.ts; they exist in the Aurora mode and with
       * isolatedCopy). docs/backups.md "Vault lock". The lock refuses DeleteRecoveryPoint and lifecycle
       * changes, and fails any backup or copy job whose retention is outside min/max (AWS Backup API
       * Reference, PutBackupVaultLockConfiguration); the access policy denies backup:DeleteRecoveryPoint and
       * backup:UpdateRecoveryPointLifecycle to every principal.
       * @default - on in a production environment (prod, production, prd, live), off elsewhere
       */
      vaultLock: z.strictObject({
        /**
         * Lock the app's own vaults and deny recovery-point deletion on them.
         * @default - true in a production environment, false elsewhere. Fix for a disposable environment: false
         */
        enabled: z.boolean().optional(),
        /**
         * "governance": users with backup:DeleteBackupVaultLockConfiguration can remove or change the lock at any
         * time (Terraform can still replace it). "compliance": the lock becomes immutable `changeableForDays`
         * after it is set ("On and after the lock date, the Vault Lock becomes immutable and cannot be changed or
         * deleted"): min/max can then never change again and `cdktf destroy` can never remove it.
         * @default "governance"
         */
        mode: z.enum(["governance", "compliance"], { message: 'unknown mode. Fix: use "governance" or "compliance"' }),
        /**
         * Compliance mode only: days before the lock date (the grace time), at least 3 ("AWS Backup enforces a
         * 72-hour cooling-off period ... you must set ChangeableForDays to 3 or greater").
         * @default 3 in compliance mode; must be unset in governance mode
         */
        changeableForDays: z.number().int({ message: "must be a whole number of days. Fix: use 3 or more" }).optional(),
        /**
         * The lock's minimum retention: a backup or copy job into the vault with a shorter retention FAILS.
         * Must be at most backups.crossRegion.retentionDays (the retention of every recovery point in these vaults).
         * @default - backups.minRetentionDays (the plan's retention floor)
         */
        minRetentionDays: z.number().int({ message: "must be a whole number of days. Fix: e.g. 7" }).optional(),
        /**
         * The lock's maximum retention: a job with a longer retention FAILS. At least backups.crossRegion.retentionDays, at most 36500.
         * @default - none (no maximum enforced)
         */
        maxRetentionDays: z.number().int({ message: "must be a whole number of days. Fix: e.g. 35" }).optional(),
      }),
    }),
    backend: backendSchema,
  });

/** The config as the checks see it: well-typed, before the derived defaults. */
type CheckedConfig = z.output<typeof baseSchema>;

export const configSchema = baseSchema
  .superRefine((cfg, ctx) => {
    checkRegions(cfg, ctx);
    checkSubnetPlan(cfg, ctx);
    checkSizes(cfg, ctx);
    checkWeb(cfg, ctx);
    checkDatabase(cfg, ctx);
    checkEks(cfg, ctx);
    checkMonitoring(cfg, ctx);
    checkDns(cfg, ctx);
    checkUnreachable(cfg, ctx);
    checkCi(cfg, ctx);
    checkRunbookRole(cfg, ctx);
    checkBackups(cfg, ctx);
    checkVaultLock(cfg, ctx);
    if (!(LOG_RETENTION_DAYS as readonly number[]).includes(cfg.network.flowLogs.retentionDays)) {
      ctx.addIssue({
        code: "custom",
        path: ["network", "flowLogs", "retentionDays"],
        message: `${cfg.network.flowLogs.retentionDays} is not a CloudWatch Logs retention period. Fix: use one of ${LOG_RETENTION_DAYS.join(", ")}`,
      });
    }
    if (cfg.backend.type === "s3") {
      checkStateKeyPrefix(cfg, cfg.backend.keyPrefix, ctx);
      if (cfg.backend.secondaryBucket.region === cfg.regions.primary.region) {
        ctx.addIssue({
          code: "custom",
          path: ["backend", "secondaryBucket", "region"],
          params: { uses: [["regions", "primary", "region"]] },
          message: `the state needed during a failover (secondary, dns, secondary-monitoring) would live only in the primary region ${cfg.regions.primary.region}. Fix: put secondaryBucket in another region, e.g. ${cfg.regions.secondary.region}`,
        });
      }
      for (const key of ["primaryBucket", "secondaryBucket"] as const) {
        const r = cfg.backend[key].region;
        if (!KNOWN_REGIONS.includes(r)) {
          ctx.addIssue({
            code: "custom",
            path: ["backend", key, "region"],
            message: `unknown region "${r}". Fix: use one of ${KNOWN_REGIONS.join(", ")}`,
          });
        }
      }
    }
  })
  .transform(
    (cfg): Omit<CheckedConfig, "backend"> & { backend: { type: "local" } | (S3BackendInput & { keyPrefix: string }) } =>
      cfg.backend.type === "s3" ? { ...cfg, backend: { ...cfg.backend, keyPrefix: cfg.backend.keyPrefix ?? defaultKeyPrefix(cfg) } } : { ...cfg, backend: cfg.backend },
  );

type S3BackendInput = Extract<CheckedConfig["backend"], { type: "s3" }>;

/** The state key prefix when none is configured: project and environment, so environments never share state. */
export function defaultKeyPrefix(cfg: { project: string; environment: string }): string {
  return `${cfg.project}/${cfg.environment}`;
}

/** Environment names the state key check recognizes in a key prefix. */
const ENVIRONMENT_WORDS = ["prod", "production", "prd", "live", "staging", "stage", "stg", "preprod", "dev", "development", "test", "testing", "qa", "uat", "sandbox", "demo"];

/**
 * A state key prefix that names ANOTHER environment would make this
 * environment plan against (and then overwrite) that environment's state.
 */
function checkStateKeyPrefix(cfg: { project: string; environment: string }, prefix: string | undefined, ctx: Ctx): void {
  if (prefix === undefined) return;
  const words = prefix.toLowerCase().split(/[\/._-]+/);
  if (words.includes(cfg.environment.toLowerCase())) return;
  const other = words.find((w) => ENVIRONMENT_WORDS.includes(w));
  if (other) {
    crossIssue(
      ctx,
      ["backend", "keyPrefix"],
      `"${prefix}" names the environment "${other}", but environment is "${cfg.environment}": this environment would read and overwrite ${other}'s state. Fix: remove backend.keyPrefix to use the default "${defaultKeyPrefix(cfg)}", or use a prefix that names ${cfg.environment}`,
      [["environment"]],
    );
  }
}

export type DrConfig = z.input<typeof configSchema>;
/** Config after validation (defaults applied). */
export type ValidConfig = z.output<typeof configSchema>;
export type S3Backend = Extract<ValidConfig["backend"], { type: "s3" }>;

type Ctx = z.RefinementCtx;
type FieldPath = Array<string | number>;

/**
 * A problem that depends on other fields besides its own: `uses` lists them,
 * so that when one of them had a value of the wrong type (and was checked
 * with the seed's value instead, src/config/load.ts), this problem is not
 * reported against a value the user never gave. `blame`: the fields the
 * problem could be reported on; the one the user set wins.
 */
function crossIssue(ctx: Ctx, path: FieldPath, message: string, uses: FieldPath[], blame?: FieldPath[]): void {
  ctx.addIssue({ code: "custom", path, message, params: { uses, ...(blame ? { blame } : {}) } });
}

/**
 * A block of `prefix` size that overlaps none of `taken`: the first free one
 * after the blocks in use, inside the private range of the first (10/8,
 * 172.16/12 or 192.168/16), or undefined.
 */
export function freeBlock(taken: readonly Cidr[], prefix: number): Cidr | undefined {
  const ranges = [parseCidr("10.0.0.0/8"), parseCidr("172.16.0.0/12"), parseCidr("192.168.0.0/16")].filter((r): r is Cidr => typeof r !== "string");
  const home = ranges.find((r) => taken.length > 0 && overlaps(r, taken[0]));
  const size = 2 ** (32 - prefix);
  for (const range of home ? [home, ...ranges.filter((r) => r !== home)] : ranges) {
    if (range.prefix > prefix) continue;
    const start = Math.max(range.base, ...taken.filter((t) => overlaps(t, range)).map((t) => t.base));
    const end = range.base + sizeOf(range);
    for (let base = Math.ceil(start / size) * size; base + size <= end; base += size) {
      const c = { base, prefix };
      if (!taken.some((t) => overlaps(t, c))) return c;
    }
  }
  return undefined;
}

function checkRegions(cfg: CheckedConfig, ctx: Ctx): void {
  const parsed: Partial<Record<RegionRole, ReturnType<typeof parseCidr>>> = {};
  for (const role of REGION_ROLES) {
    const rc = cfg.regions[role];
    const letters = KNOWN_REGION_AZ_LETTERS[rc.region];
    if (!letters) {
      ctx.addIssue({
        code: "custom",
        path: ["regions", role, "region"],
        message: `unknown region "${rc.region}". Fix: use one of ${KNOWN_REGIONS.join(", ")}`,
      });
    } else {
      rc.availabilityZones.forEach((az, i) => {
        const ok = az.startsWith(rc.region) && letters.includes(az.slice(rc.region.length));
        if (!ok) {
          crossIssue(
            ctx,
            ["regions", role, "availabilityZones", i],
            `"${az}" is not an availability zone of ${rc.region}. Fix: use one of ${letters.map((l) => rc.region + l).join(", ")}`,
            [["regions", role, "region"]],
          );
        }
      });
    }
    if (rc.availabilityZones.length < 2) {
      ctx.addIssue({
        code: "custom",
        path: ["regions", role, "availabilityZones"],
        message: `${rc.availabilityZones.length} availability zone(s) given; the ALB, RDS Multi-AZ and EKS need at least 2. Fix: list 2 or more AZs of ${rc.region}`,
      });
    }
    const dup = rc.availabilityZones.find((az, i) => rc.availabilityZones.indexOf(az) !== i);
    if (dup) {
      ctx.addIssue({
        code: "custom",
        path: ["regions", role, "availabilityZones"],
        message: `"${dup}" is listed twice. Fix: list each AZ once`,
      });
    }
    const c = parseCidr(rc.vpcCidr);
    if (typeof c === "string") {
      ctx.addIssue({ code: "custom", path: ["regions", role, "vpcCidr"], message: `${c}. Fix: give a network address such as 10.10.0.0/16` });
    } else if (c.prefix < 16 || c.prefix > 28) {
      ctx.addIssue({
        code: "custom",
        path: ["regions", role, "vpcCidr"],
        message: `a VPC block must be between /16 and /28, got /${c.prefix}. Fix: use e.g. ${formatCidr({ base: c.base, prefix: 16 })}`,
      });
    } else {
      parsed[role] = c;
    }
  }
  const p = parsed.primary;
  const s = parsed.secondary;
  if (p && s && typeof p !== "string" && typeof s !== "string" && overlaps(p, s)) {
    const P: FieldPath = ["regions", "primary", "vpcCidr"];
    const S: FieldPath = ["regions", "secondary", "vpcCidr"];
    const forS = freeBlock([p, s], s.prefix);
    const forP = freeBlock([s, p], p.prefix);
    const suggest = (field: string, c: Cidr | undefined) => (c ? `${field} to a free block such as ${formatCidr(c)}` : `${field} to a block outside the other`);
    crossIssue(
      ctx,
      S,
      `regions.primary.vpcCidr (${cfg.regions.primary.vpcCidr}) and regions.secondary.vpcCidr (${cfg.regions.secondary.vpcCidr}) overlap; the regions must not overlap (peering, VPN and failover routing need distinct ranges). Fix: change ${suggest("regions.secondary.vpcCidr", forS)}, or ${suggest("regions.primary.vpcCidr", forP)}`,
      [P, S],
      [P, S],
    );
  }
  if (cfg.regions.primary.region === cfg.regions.secondary.region) {
    crossIssue(
      ctx,
      ["regions", "secondary", "region"],
      `the secondary region equals the primary (${cfg.regions.primary.region}); a regional DR design needs two regions. Fix: choose another region, e.g. us-west-1`,
      [["regions", "primary", "region"]],
      [["regions", "primary", "region"], ["regions", "secondary", "region"]],
    );
  }
}

/** Tiers of the subnet plan, in allocation order. */
export const SUBNET_TIERS = ["public", "privateApp", "privateData"] as const;

function checkSubnetPlan(cfg: CheckedConfig, ctx: Ctx): void {
  const { subnetNewBits: bits, subnetSlotsPerTier: slots } = cfg.network;
  for (const role of REGION_ROLES) {
    const rc = cfg.regions[role];
    const c = parseCidr(rc.vpcCidr);
    if (typeof c === "string") continue;
    const needed = SUBNET_TIERS.length * slots;
    if (c.prefix + bits > 28) {
      ctx.addIssue({
        code: "custom",
        path: ["network", "subnetNewBits"],
        params: { uses: [["regions", role, "vpcCidr"]] },
        message: `${rc.vpcCidr} (${role}) + ${bits} bits gives /${c.prefix + bits} subnets; AWS subnets can be at most /28. Fix: lower network.subnetNewBits to ${28 - c.prefix} or less`,
      });
    } else if (needed > 2 ** bits) {
      ctx.addIssue({
        code: "custom",
        path: ["network", "subnetSlotsPerTier"],
        params: { uses: [["regions", role, "vpcCidr"], ["network", "subnetNewBits"]] },
        message: `the subnet plan needs ${SUBNET_TIERS.length} tiers x ${slots} slots = ${needed} subnets of /${c.prefix + bits}, but ${rc.vpcCidr} (${role}) holds only ${2 ** bits} (${sizeOf(c)} addresses). Fix: raise network.subnetNewBits or lower network.subnetSlotsPerTier`,
      });
    }
    if (rc.availabilityZones.length > slots) {
      ctx.addIssue({
        code: "custom",
        path: ["regions", role, "availabilityZones"],
        params: { uses: [["network", "subnetSlotsPerTier"]] },
        message: `${rc.availabilityZones.length} AZs do not fit the ${slots} subnet slots per tier. Fix: raise network.subnetSlotsPerTier to ${rc.availabilityZones.length} or list fewer AZs`,
      });
    }
  }
}

function checkSizes(cfg: CheckedConfig, ctx: Ctx): void {
  const groups: Array<[string, { min: number; desired: number; max: number }]> = [
    ["web", { min: cfg.web.minSize, desired: cfg.web.desiredCapacity, max: cfg.web.maxSize }],
    ["eks", { min: cfg.eks.nodesPerZone.min, desired: cfg.eks.nodesPerZone.desired, max: cfg.eks.nodesPerZone.max }],
  ];
  for (const [section, g] of groups) {
    if (g.min > g.desired || g.desired > g.max) {
      const fields: FieldPath[] = section === "web" ? [["web", "minSize"], ["web", "desiredCapacity"], ["web", "maxSize"]] : [["eks", "nodesPerZone", "min"], ["eks", "nodesPerZone", "desired"], ["eks", "nodesPerZone", "max"]];
      ctx.addIssue({
        code: "custom",
        path: section === "web" ? [section] : ["eks", "nodesPerZone"],
        params: { uses: fields },
        message: `sizes must satisfy min <= desired <= max, got min ${g.min}, desired ${g.desired}, max ${g.max}. Fix: adjust the ${section === "web" ? "web" : "eks.nodesPerZone"} sizes`,
      });
    }
  }
}

function checkWeb(cfg: CheckedConfig, ctx: Ctx): void {
  if (cfg.web.appPort === cfg.web.metricsPort) {
    ctx.addIssue({
      code: "custom",
      path: ["web", "metricsPort"],
        params: { uses: [["web", "appPort"]] },
      message: `equals web.appPort (${cfg.web.appPort}); the metrics must be on a separate port the ALB does not expose. Fix: use another port, e.g. 9102`,
    });
  }
  cfg.web.ingressCidrs.forEach((cidr, i) => {
    const c = parseCidr(cidr);
    if (typeof c === "string") {
      ctx.addIssue({ code: "custom", path: ["web", "ingressCidrs", i], message: `${c}. Fix: give a CIDR block such as 0.0.0.0/0 or 203.0.113.0/24` });
    } else if (cfg.web.ingressCidrs.indexOf(cidr) !== i) {
      ctx.addIssue({ code: "custom", path: ["web", "ingressCidrs", i], message: `${cidr} is listed twice (AWS refuses a duplicate security-group rule). Fix: remove the repeat` });
    }
  });
  checkAlbRuleQuota(cfg, ctx);
  // The instances install wheels built for x86_64 (src/web/wheelhouse.ts).
  if (/arm64|aarch64/.test(cfg.web.amiSsmParameter) || /^[a-z]+\d+g[a-z]*\./.test(cfg.web.instanceType)) {
    ctx.addIssue({
      code: "custom",
      path: ["web", /arm64|aarch64/.test(cfg.web.amiSsmParameter) ? "amiSsmParameter" : "instanceType"],
      params: { uses: [["web", "instanceType"], ["web", "amiSsmParameter"]] },
      message: `${cfg.web.instanceType} / ${cfg.web.amiSsmParameter} is an Arm (Graviton) web fleet, but the app's wheels are built for ${WHEEL_TARGET.architecture} (src/web/wheelhouse.ts). Fix: use an x86_64 instance type (e.g. t3.micro) and the x86_64 AL2023 parameter`,
    });
  }
  for (const role of REGION_ROLES) {
    const arn = cfg.regions[role].certificateArn;
    if (arn && arn.split(":")[3] !== cfg.regions[role].region) {
      ctx.addIssue({
        code: "custom",
        path: ["regions", role, "certificateArn"],
        params: { uses: [["regions", role, "region"]] },
        message: `the certificate is in ${arn.split(":")[3]}, but an ALB can only use an ACM certificate of its own region (${cfg.regions[role].region}). Fix: issue or import the certificate in ${cfg.regions[role].region}`,
      });
    }
  }
}

/** The ALB's inbound rules in each region must fit the security-group quota (src/lib/alb-ingress.ts). */
function checkAlbRuleQuota(cfg: CheckedConfig, ctx: Ctx): void {
  for (const role of REGION_ROLES) {
    const p = albIngressPlan(cfg.web.ingressCidrs.length, cfg.dns.enabled || !!cfg.regions[role].certificateArn, cfg.dns.enabled);
    if (p.rules <= SG_INBOUND_RULES_QUOTA) continue;
    const checkers = p.healthCheckers ? ` + ${ROUTE53_HEALTHCHECKS_PREFIX_LIST_WEIGHT} for the Route53 health checkers (a prefix list counts as its maximum entries)` : "";
    ctx.addIssue({
      code: "custom",
      path: ["web", "ingressCidrs"],
      params: { uses: [["dns", "enabled"], ["regions", role, "certificateArn"]] },
      message: `${p.cidrs} CIDRs x ${p.ports.length} listener ports (${p.ports.join(", ")})${checkers} = ${p.rules} inbound rules on the ALB security group of the ${role} region, over the quota of ${SG_INBOUND_RULES_QUOTA} rules per security group. Fix: list at most ${p.maxCidrs} CIDRs (aggregate neighbouring ranges into larger blocks)`,
    });
    return; // one message: ingressCidrs is shared by both regions
  }
}

/** Environment names that mean production (a secret there keeps its recovery window). */
export const PRODUCTION_ENVIRONMENT_WORDS = ["prod", "production", "prd", "live"];

/**
 * A secret's recovery window (aws_secretsmanager_secret
 * recovery_window_in_days): what the provider sends to DeleteSecret when
 * Terraform destroys the secret. Secrets Manager takes "The number of days
 * from 7 to 30 that Secrets Manager waits before permanently deleting the
 * secret" (RecoveryWindowInDays), or ForceDeleteWithoutRecovery ("you have
 * no opportunity to recover the secret. You lose the secret permanently");
 * the provider sends the latter for 0 ("This value can be 0 to force
 * deletion without recovery or range from 7 to 30 days", hashicorp/aws
 * 5.100.0 docs, secretsmanager_secret; internal/service/secretsmanager/secret.go
 * resourceSecretDelete reads the value from state). Until the window ends
 * the secret's name is taken, so an environment destroyed and deployed
 * again within it fails at CreateSecret: 0 is for such disposable
 * environments, and refused in a production one, where the window is what
 * makes an accidental destroy recoverable (RestoreSecret). One key per
 * secret, next to what it keeps (database.*, monitoring.grafana.*): their
 * defaults differ and stay as they were (30 days for the master credentials,
 * Secrets Manager's own default; 7 for the regenerable Grafana login).
 * AWS Secrets Manager API Reference, DeleteSecret:
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DeleteSecret.html
 */
function checkSecretRecoveryWindow(cfg: CheckedConfig, path: FieldPath, days: number, ctx: Ctx): void {
  const field = path.join(".");
  if (days !== 0 && (days < 7 || days > 30)) {
    ctx.addIssue({
      code: "custom",
      path,
      message: `${days} is not a Secrets Manager recovery window (DeleteSecret waits 7 to 30 days, or deletes at once without recovery). Fix: set 7 to 30, or 0 to delete the secret at once when the stack is destroyed`,
    });
  } else if (days === 0 && cfg.environment.toLowerCase().split(/[-_.]+/).some((w) => PRODUCTION_ENVIRONMENT_WORDS.includes(w))) {
    crossIssue(
      ctx,
      path,
      `0 deletes the secret at once, with no way to restore it, when the stack is destroyed, and environment "${cfg.environment}" is a production one (its secrets keep a recovery window against an accidental destroy). Fix: set ${field} to 7-30 days, or give a disposable environment a non-production name (environment: e.g. "staging", "dev")`,
      [["environment"]],
    );
  }
}

function checkDatabase(cfg: CheckedConfig, ctx: Ctx): void {
  const db = cfg.database;
  checkSecretRecoveryWindow(cfg, ["database", "secretRecoveryWindowDays"], db.secretRecoveryWindowDays, ctx);
  const m = /^db\.([a-z0-9]+)\.([a-z0-9]+)$/.exec(db.instanceClass);
  if (!m || !(DB_CLASS_FAMILIES as readonly string[]).includes(m[1])) {
    ctx.addIssue({
      code: "custom",
      path: ["database", "instanceClass"],
      message: `unknown instance class "${db.instanceClass}". Fix: use db.<family>.<size> with a family of ${DB_CLASS_FAMILIES.join(", ")}, e.g. db.t3.small`,
    });
  } else if (db.engine === "aurora-postgresql" && m[1].startsWith("t")) {
    ctx.addIssue({
      code: "custom",
      path: ["database", "instanceClass"],
      params: { uses: [["database", "engine"]] },
      message: `${db.instanceClass} is burstable, and Aurora Global Database does not allow burstable (db.t*) classes. Fix: use a memory-optimized class such as ${AURORA_DEFAULT_INSTANCE_CLASS}, or engine "postgres" to keep db.t3.small`,
    });
  } else if (db.engine === "aurora-postgresql" && !(AURORA_GLOBAL_CLASS_FAMILIES as readonly string[]).includes(m[1])) {
    ctx.addIssue({
      code: "custom",
      path: ["database", "instanceClass"],
      params: { uses: [["database", "engine"]] },
      message: `${db.instanceClass} is not an Aurora PostgreSQL class that Aurora Global Database supports (memory-optimized only: ${AURORA_GLOBAL_CLASS_FAMILIES.map((f) => `db.${f}`).join(", ")}). Fix: use e.g. ${AURORA_DEFAULT_INSTANCE_CLASS}`,
    });
  }
  if (db.engine === "aurora-postgresql" && !/^\d+\.\d+$/.test(db.engineVersion)) {
    ctx.addIssue({
      code: "custom",
      path: ["database", "engineVersion"],
      params: { uses: [["database", "engine"]] },
      message: `"${db.engineVersion}" is a major version only; an Aurora global cluster is created with an exact Aurora PostgreSQL version (its members must all run it). Fix: give major.minor, e.g. ${AURORA_DEFAULT_ENGINE_VERSION}`,
    });
  }
  if (db.writeForwarding !== "off" && db.engine !== "aurora-postgresql") {
    ctx.addIssue({
      code: "custom",
      path: ["database", "writeForwarding"],
      params: { uses: [["database", "engine"]] },
      message: `write forwarding is a feature of Aurora Global Database; RDS for PostgreSQL read replicas cannot forward writes. Fix: set "off", or engine "aurora-postgresql"`,
    });
  } else if (db.writeForwarding !== "off" && /^\d+\.\d+$/.test(db.engineVersion)) {
    const [major, minor] = db.engineVersion.split(".").map(Number);
    if (major < 14 || (major === 14 && minor < 9) || (major === 15 && minor < 4)) {
      ctx.addIssue({
        code: "custom",
        path: ["database", "writeForwarding"],
        params: { uses: [["database", "engineVersion"]] },
        message: `Aurora PostgreSQL ${db.engineVersion} has no global write forwarding (it needs 14.9+, 15.4+ or 16 and later). Fix: raise database.engineVersion, or set "off"`,
      });
    }
  }
  if (db.backupRetentionDays === 0) {
    ctx.addIssue({
      code: "custom",
      path: ["database", "backupRetentionDays"],
      message: `0 turns off automated backups, but the writer is a replication source (RDS requires backups on a source) and the promotable replica must be ready to become one. Fix: set 1-35 days, e.g. 7`,
    });
  }
  if (db.readersPerRegion < 1 || db.readersPerRegion > 5) {
    ctx.addIssue({
      code: "custom",
      path: ["database", "readersPerRegion"],
      message: `${db.readersPerRegion} breaks the seed's shape (a writer-or-promotable instance and at least one reader in each region; RDS allows at most 5 replicas per source). Fix: set 1 to 5`,
    });
  }
  if (db.maxAllocatedStorageGb < db.allocatedStorageGb) {
    ctx.addIssue({
      code: "custom",
      path: ["database", "maxAllocatedStorageGb"],
        params: { uses: [["database", "allocatedStorageGb"]] },
      message: `${db.maxAllocatedStorageGb} is below allocatedStorageGb (${db.allocatedStorageGb}); storage autoscaling needs a higher ceiling. Fix: set it to at least ${db.allocatedStorageGb}`,
    });
  }
}

function checkEks(cfg: CheckedConfig, ctx: Ctx): void {
  const e = cfg.eks;
  if (!(e.kubernetesVersion in EKS_VERSIONS)) {
    ctx.addIssue({
      code: "custom",
      path: ["eks", "kubernetesVersion"],
      message: `"${e.kubernetesVersion}" is not a Kubernetes version this project knows for EKS. Fix: use one of ${Object.keys(EKS_VERSIONS).join(", ")} (add new versions to src/config/eks-versions.ts)`,
    });
  }
  e.publicAccessCidrs.forEach((cidr, i) => {
    const c = parseCidr(cidr);
    if (typeof c === "string") {
      ctx.addIssue({ code: "custom", path: ["eks", "publicAccessCidrs", i], message: `${c}. Fix: give an operator network such as 203.0.113.0/24` });
    } else if (c.prefix < 8) {
      ctx.addIssue({
        code: "custom",
        path: ["eks", "publicAccessCidrs", i],
        message: `${cidr} opens the Kubernetes API to /${c.prefix} of the internet; the public endpoint must be restricted. Fix: list your operators' networks (a /8 or narrower), or [] to turn the public endpoint off`,
      });
    }
  });
  e.privateAccessCidrs.forEach((cidr, i) => {
    const c = parseCidr(cidr);
    if (typeof c === "string") {
      ctx.addIssue({ code: "custom", path: ["eks", "privateAccessCidrs", i], message: `${c}. Fix: give a connected network such as 10.100.0.0/16 (your VPN's range)` });
    } else if (c.prefix < 8) {
      ctx.addIssue({
        code: "custom",
        path: ["eks", "privateAccessCidrs", i],
        message: `${cidr} admits /${c.prefix} of all addresses to the Kubernetes API. Fix: list the networks connected to the VPCs (VPN, Direct Connect, peering), a /8 or narrower`,
      });
    }
  });
  // EKS's cluster security group admits only itself, and the endpoint is
  // private unless publicAccessCidrs is set: without one of these paths the
  // monitoring stacks' kubernetes and helm providers cannot reach the API.
  if (!e.deployRunner.enabled && e.privateAccessCidrs.length === 0 && e.publicAccessCidrs.length === 0) {
    crossIssue(
      ctx,
      ["eks", "deployRunner", "enabled"],
      "nothing could reach the clusters' Kubernetes API, so primary-monitoring and secondary-monitoring could not be deployed (the endpoint is private and EKS's cluster security group admits only itself). Fix: set eks.deployRunner.enabled to true (an SSM tunnel host in each VPC, see monitoring/README.md), or list the networks connected to the VPCs (VPN, Direct Connect, peering) in eks.privateAccessCidrs, or your operators' public networks in eks.publicAccessCidrs",
      [["eks", "privateAccessCidrs"], ["eks", "publicAccessCidrs"]],
      [["eks", "deployRunner", "enabled"], ["eks", "privateAccessCidrs"], ["eks", "publicAccessCidrs"]],
    );
  }
  // Graviton families carry a "g" right after the generation (t4g, m7gd, c7gn).
  if (/^[a-z]+\d+g/.test(e.deployRunner.instanceType)) {
    ctx.addIssue({
      code: "custom",
      path: ["eks", "deployRunner", "instanceType"],
      message: `${e.deployRunner.instanceType} is an Arm (Graviton) type, but the runner runs Amazon Linux 2023 for x86_64. Fix: use an x86_64 type such as t3.micro`,
    });
  }
  for (const role of REGION_ROLES) {
    const azs = cfg.regions[role].availabilityZones.length;
    if (e.nodeZoneCount > azs) {
      crossIssue(
        ctx,
        ["eks", "nodeZoneCount"],
        `${e.nodeZoneCount} node-group AZs, but the ${role} region lists only ${azs}. Fix: set eks.nodeZoneCount to ${azs} or less, or list more AZs in regions.${role}.availabilityZones`,
        [["regions", role, "availabilityZones"]],
      );
    }
  }
  if (!e.clusterCreatorAdmin && e.adminPrincipalArns.length === 0) {
    ctx.addIssue({
      code: "custom",
      path: ["eks", "adminPrincipalArns"],
        params: { uses: [["eks", "clusterCreatorAdmin"]] },
      message: "no one would be able to administer the clusters (clusterCreatorAdmin is false and no admin principal is listed). Fix: list at least one IAM role ARN, or set eks.clusterCreatorAdmin to true",
    });
  }
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(e.logRetentionDays)) {
    ctx.addIssue({
      code: "custom",
      path: ["eks", "logRetentionDays"],
      message: `${e.logRetentionDays} is not a CloudWatch Logs retention period. Fix: use one of ${LOG_RETENTION_DAYS.join(", ")}`,
    });
  }
}

function checkMonitoring(cfg: CheckedConfig, ctx: Ctx): void {
  checkSecretRecoveryWindow(cfg, ["monitoring", "grafana", "secretRecoveryWindowDays"], cfg.monitoring.grafana.secretRecoveryWindowDays, ctx);
  const p = cfg.monitoring.prometheus;
  // Prometheus needs room for the WAL and compaction beyond the retained blocks.
  const maxRetained = Math.floor(p.volumeGb * 0.8);
  if (p.retentionSizeGb > maxRetained) {
    ctx.addIssue({
      code: "custom",
      path: ["monitoring", "prometheus", "retentionSizeGb"],
        params: { uses: [["monitoring", "prometheus", "volumeGb"]] },
      message: `${p.retentionSizeGb} GB of retained data leaves no headroom on a ${p.volumeGb} GB volume (WAL and compaction need about 20%). Fix: set it to ${maxRetained} or less, or raise monitoring.prometheus.volumeGb`,
    });
  }
  const g = cfg.monitoring.grafana;
  g.allowedCidrs.forEach((cidr, i) => {
    if (typeof parseCidr(cidr) === "string") {
      ctx.addIssue({ code: "custom", path: ["monitoring", "grafana", "allowedCidrs", i], message: `${parseCidr(cidr)}. Fix: give a CIDR block such as 10.0.0.0/8` });
    }
  });
  if (g.exposure === "internalLoadBalancer" && g.allowedCidrs.length === 0) {
    ctx.addIssue({
      code: "custom",
      path: ["monitoring", "grafana", "allowedCidrs"],
        params: { uses: [["monitoring", "grafana", "exposure"]] },
      message: "an internal load balancer for Grafana needs the networks allowed to reach it. Fix: list them (e.g. your VPN range), or use exposure \"portForward\"",
    });
  }
}

/** Route53's health-checker regions. */
export const ROUTE53_CHECKER_REGIONS = ["us-east-1", "us-west-1", "us-west-2", "eu-west-1", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "sa-east-1"] as const;
/** The placeholder zone of the defaults (RFC 2606): synth works, deploy must not. */
export const PLACEHOLDER_ZONE = "example.com";

const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

function checkDns(cfg: CheckedConfig, ctx: Ctx): void {
  const d = cfg.dns;
  if (!d.enabled) return;
  const zone = d.zoneName;
  const domain = d.domainName;
  if (!zone) {
    ctx.addIssue({ code: "custom", path: ["dns", "zoneName"], message: "missing: the failover records need a hosted zone. Fix: set the zone's name, e.g. example.org (or dns.enabled: false)" });
  } else if (!DNS_NAME.test(zone)) {
    ctx.addIssue({ code: "custom", path: ["dns", "zoneName"], message: `"${d.zoneName}" is not a DNS name. Fix: use lower-case labels like example.org` });
  }
  if (!DNS_NAME.test(domain)) {
    ctx.addIssue({ code: "custom", path: ["dns", "domainName"], message: `"${d.domainName}" is not a DNS name. Fix: use lower-case labels like app.example.org` });
  } else if (zone && domain !== zone && !domain.endsWith(`.${zone}`)) {
    ctx.addIssue({
      code: "custom",
      path: ["dns", "domainName"],
      params: { uses: [["dns", "zoneName"]] },
      message: `${domain} is outside the zone ${zone}; Route53 can only answer for names inside it. Fix: use a name ending in .${zone}, or set dns.zoneName to the zone that holds ${domain}`,
    });
  }
  if (d.createZone && d.zoneId) {
    ctx.addIssue({ code: "custom", path: ["dns", "zoneId"], params: { uses: [["dns", "createZone"]] }, message: "a zone id looks up an existing zone, but createZone creates a new one. Fix: remove dns.zoneId or set dns.createZone to false" });
  }
  if (d.healthCheck.requestIntervalSeconds !== 10 && d.healthCheck.requestIntervalSeconds !== 30) {
    ctx.addIssue({
      code: "custom",
      path: ["dns", "healthCheck", "requestIntervalSeconds"],
      message: `${d.healthCheck.requestIntervalSeconds} is not a Route53 request interval; Route53 offers only 10 (fast) or 30 (standard) seconds. Fix: use 10 or 30`,
    });
  }
  const known = ROUTE53_CHECKER_REGIONS as readonly string[];
  d.healthCheck.regions.forEach((r, i) => {
    if (!known.includes(r)) {
      ctx.addIssue({ code: "custom", path: ["dns", "healthCheck", "regions", i], message: `"${r}" has no Route53 health checkers. Fix: use regions of ${known.join(", ")}` });
    }
  });
  if (new Set(d.healthCheck.regions).size < 3) {
    ctx.addIssue({ code: "custom", path: ["dns", "healthCheck", "regions"], message: `Route53 needs at least 3 distinct checker regions, got ${new Set(d.healthCheck.regions).size}. Fix: list 3 or more of ${known.join(", ")}` });
  }
}

/**
 * GitHub's rules for the parts of "owner/name": an account or organization
 * name is 1-39 letters, digits or single hyphens, not starting or ending
 * with one; a repository name is 1-100 letters, digits, ".", "_" or "-",
 * and not "." or "..". Used verbatim in the OIDC token's `sub` claim
 * (GitHub Docs, "OpenID Connect reference", sub: repo:<owner>/<name>:...).
 */
const GITHUB_OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const GITHUB_REPO = /^[A-Za-z0-9._-]{1,100}$/;
/** A GitHub environment name as it appears in `sub` (environment:<name>): no ":" (the claim's separator) and no wildcard. */
const GITHUB_ENVIRONMENT = /^[A-Za-z0-9._ -]{1,255}$/;

function checkCi(cfg: CheckedConfig, ctx: Ctx): void {
  const ci = cfg.ci;
  if (!ci.enabled) return;
  const repo = ci.githubRepository;
  if (repo === undefined || repo === "") {
    ctx.addIssue({ code: "custom", path: ["ci", "githubRepository"], params: { uses: [["ci", "enabled"]] }, message: 'missing: the roles trust the workflows of one repository. Fix: set it to "owner/name" as GitHub spells it, e.g. "acme/drweb" (or ci.enabled: false)' });
  } else {
    const parts = repo.split("/");
    const problem =
      parts.length !== 2
        ? "is not owner/name (exactly one \"/\")"
        : !GITHUB_OWNER.test(parts[0])
          ? `has an owner "${parts[0]}" GitHub does not allow (1-39 letters, digits or single hyphens, not at either end)`
          : !GITHUB_REPO.test(parts[1]) || parts[1] === "." || parts[1] === ".."
            ? `has a repository name "${parts[1]}" GitHub does not allow (1-100 letters, digits, ".", "_" or "-")`
            : undefined;
    if (problem) {
      ctx.addIssue({ code: "custom", path: ["ci", "githubRepository"], message: `"${repo}" ${problem}; it becomes the OIDC token's sub (repo:<owner>/<name>:...), which the trust policy compares exactly. Fix: give "owner/name" as in the repository's URL, e.g. "acme/drweb"` });
    }
  }
  if (ci.planEnvironment !== undefined && !GITHUB_ENVIRONMENT.test(ci.planEnvironment)) {
    ctx.addIssue({ code: "custom", path: ["ci", "planEnvironment"], message: `"${ci.planEnvironment}" cannot be matched exactly in the token's sub (environment:<name>): use 1-255 letters, digits, ".", "_", "-" or spaces (no ":" or "*"). Fix: e.g. "plan"` });
  } else if (ci.planEnvironment?.startsWith("apply-")) {
    ctx.addIssue({ code: "custom", path: ["ci", "planEnvironment"], message: `"${ci.planEnvironment}" is an apply job's environment (apply-<stack>): the plan role would be trusted where the apply role is. Fix: use another name, e.g. "plan"` });
  }
}

/** An IAM principal a trust policy can name: a user, a role (paths allowed) or an account root (IAM User Guide, "IAM identifiers", ARNs). */
const TRUSTED_PRINCIPAL = /^arn:aws[a-z-]*:iam::\d{12}:(root|user\/[\w+=,.@\/-]+|role\/[\w+=,.@\/-]+)$/;

/** runbook.role (src/dr/runbook-role.ts): who may assume it. */
function checkRunbookRole(cfg: CheckedConfig, ctx: Ctx): void {
  const r = cfg.runbook.role;
  r.trustedPrincipalArns.forEach((arn, i) => {
    if (!TRUSTED_PRINCIPAL.test(arn)) {
      ctx.addIssue({
        code: "custom",
        path: ["runbook", "role", "trustedPrincipalArns", i],
        message: `"${arn}" is not an IAM user, role or account-root ARN (an assumed-role session or a group cannot be trusted). Fix: give arn:aws:iam::<12-digit account>:role/<name>, arn:aws:iam::<account>:user/<name> or arn:aws:iam::<account>:root`,
      });
    }
  });
  if (!r.enabled) return;
  if (r.trustedPrincipalArns.length === 0) {
    ctx.addIssue({ code: "custom", path: ["runbook", "role", "trustedPrincipalArns"], params: { uses: [["runbook", "role", "enabled"]] }, message: "missing: nobody could assume the runbook role. Fix: list the IAM ARNs of the operators' roles or users, e.g. [\"arn:aws:iam::123456789012:role/oncall\"] (or runbook.role.enabled: false)" });
  }
  // The role's name, <project>-<environment>-dr-runbook, fits IAM's 64 characters by construction: project and
  // environment are at most 21 characters each (54 at most; IAM User Guide, "IAM and AWS STS quotas": role name 64).
}

/**
 * regions.<role>.unreachable (docs/deploy-and-state.md "Deploying the primary while the
 * secondary region is down"). Only the secondary region takes it, and only
 * while the primary is the writing region and keeps its state elsewhere:
 * - no stack needs a switch for the primary region: the secondary, dns,
 *   dns-zone and dns-alarms stacks have no provider, data source or state in
 *   it (a test checks the synthesized stacks), so its outage is the failover
 *   runbook's, not a deploy switch's;
 * - in failedOver the primary stack is not deployed (src/database/topology.ts),
 *   and in failback its database is rebuilt as a cross-region replica of the
 *   secondary's writer (CreateDBInstanceReadReplica copies from the source
 *   region), which cannot happen while that region is down.
 */
function checkUnreachable(cfg: CheckedConfig, ctx: Ctx): void {
  if (cfg.regions.primary.unreachable) {
    ctx.addIssue({
      code: "custom",
      path: ["regions", "primary", "unreachable"],
      message:
        "no stack needs it: the secondary, dns, dns-zone and dns-alarms stacks never read or write the primary region (their providers and state are in the secondary region and us-east-1), so a primary-region outage is handled by the failover runbook (docs/dr-runbook.md), not by a deploy switch. Fix: remove regions.primary.unreachable",
    });
  }
  if (cfg.regions.secondary.unreachable && cfg.database.drState !== "normal") {
    crossIssue(
      ctx,
      ["regions", "secondary", "unreachable"],
      `the switch deploys the primary while it is the writing region (database.drState "normal"); in "${cfg.database.drState}" ${cfg.database.drState === "failedOver" ? "the primary stack is not deployed at all (the secondary holds the writer)" : "the primary's database is rebuilt as a replica of the secondary's writer, which needs the secondary region"}. Fix: remove regions.secondary.unreachable, or use it only in drState "normal"`,
      [["database", "drState"]],
    );
  }
  const b = cfg.backend;
  if (cfg.regions.secondary.unreachable && b.type === "s3" && b.primaryBucket.region === cfg.regions.secondary.region) {
    crossIssue(
      ctx,
      ["regions", "secondary", "unreachable"],
      `the primary stack's state is in backend.primaryBucket (${b.primaryBucket.bucket}), in ${b.primaryBucket.region}, the region marked unreachable: no plan of the primary can read it. Fix: keep the primary's state out of the secondary region (backend.primaryBucket in ${cfg.regions.primary.region}), or remove regions.secondary.unreachable`,
      [["backend", "primaryBucket", "region"]],
    );
  }
}

/** True when the environment's name says production (prod, production, prd, live as a word of it). */
export function isProductionEnvironment(environment: string): boolean {
  return environment.toLowerCase().split(/[-_.]+/).some((w) => PRODUCTION_ENVIRONMENT_WORDS.includes(w));
}

/** AWS Backup vault names: "2 to 50 alphanumeric, '-' or '_'" (AWS Backup API Reference, CreateBackupVault, BackupVaultName pattern ^[a-zA-Z0-9\-\_]{2,50}$). */
export const BACKUP_VAULT_NAME = /^[a-zA-Z0-9\-_]{2,50}$/;

/**
 * The isolated copy's settings once the defaults are applied: undefined
 * when it is off, or on by default but naming no account (configWarnings
 * says so). An explicit `enabled: true` without an account is refused by
 * checkBackups.
 */
export function isolatedCopySettings(cfg: Pick<ValidConfig, "environment" | "backups" | "regions">): { accountId: string; vaultName: string; region: string; retentionDays: number; schedule: string } | undefined {
  const c = cfg.backups.isolatedCopy;
  const on = c.enabled ?? isProductionEnvironment(cfg.environment);
  if (!on || !c.accountId || !c.vaultName) return undefined;
  return { accountId: c.accountId, vaultName: c.vaultName, region: c.region ?? cfg.regions.secondary.region, retentionDays: c.retentionDays, schedule: c.schedule };
}

/** The vault lock of the app's own vaults once the defaults are applied (undefined: off). */
export interface VaultLockSettings {
  readonly mode: "governance" | "compliance";
  readonly minRetentionDays: number;
  readonly maxRetentionDays?: number;
  /** Set in compliance mode only (the provider: "If omitted creates a vault lock in governance mode"). */
  readonly changeableForDays?: number;
}

/** The vault lock settings: on by default in a production environment, min retention defaulting to backups.minRetentionDays. */
export function vaultLockSettings(cfg: Pick<ValidConfig, "environment" | "backups">): VaultLockSettings | undefined {
  const l = cfg.backups.vaultLock;
  if (!(l.enabled ?? isProductionEnvironment(cfg.environment))) return undefined;
  return {
    mode: l.mode,
    minRetentionDays: l.minRetentionDays ?? cfg.backups.minRetentionDays,
    ...(l.maxRetentionDays !== undefined ? { maxRetentionDays: l.maxRetentionDays } : {}),
    ...(l.mode === "compliance" ? { changeableForDays: l.changeableForDays ?? 3 } : {}),
  };
}

/**
 * The vault lock (backups.vaultLock). Every recovery point in the app's
 * vaults is kept backups.crossRegion.retentionDays (the local rule's
 * lifecycle and the Aurora mode's copy into the other region's vault,
 * stacks/regional-stack.ts), so that retention must lie within the lock's
 * min and max: "If the job's retention period is shorter than that minimum
 * retention period, then the vault fails that backup or copy job" (and the
 * same for a longer one than the maximum; AWS Backup API Reference,
 * PutBackupVaultLockConfiguration). Limits there: "The shortest minimum
 * retention period you can specify is 1 day", "The longest maximum retention
 * period you can specify is 36500 days".
 */
function checkVaultLock(cfg: CheckedConfig, ctx: Ctx): void {
  const l = cfg.backups.vaultLock;
  const P = ["backups", "vaultLock"];
  if (l.mode === "governance" && l.changeableForDays !== undefined) {
    crossIssue(ctx, [...P, "changeableForDays"], `is set, but mode is "governance" (a governance lock has no lock date; changeable_for_days is what makes it compliance). Fix: remove changeableForDays, or set backups.vaultLock.mode "compliance" (irreversible after the grace time)`, [[...P, "mode"]]);
  }
  if (l.changeableForDays !== undefined && l.changeableForDays < 3) {
    ctx.addIssue({ code: "custom", path: [...P, "changeableForDays"], message: `${l.changeableForDays} days is below AWS Backup's 72-hour cooling-off period. Fix: set 3 or more` });
  }
  if (l.minRetentionDays !== undefined && l.minRetentionDays < 1) {
    ctx.addIssue({ code: "custom", path: [...P, "minRetentionDays"], message: `${l.minRetentionDays} is below the shortest minimum retention AWS Backup accepts (1 day). Fix: set 1 or more, or remove it to use backups.minRetentionDays` });
  }
  if (l.maxRetentionDays !== undefined && (l.maxRetentionDays < 1 || l.maxRetentionDays > 36500)) {
    ctx.addIssue({ code: "custom", path: [...P, "maxRetentionDays"], message: `${l.maxRetentionDays} is outside 1-36500 days (AWS Backup's longest maximum retention is 36500). Fix: set 1 to 36500, or remove it for no maximum` });
  }
  if (!(l.enabled ?? isProductionEnvironment(cfg.environment))) return;
  const min = l.minRetentionDays ?? cfg.backups.minRetentionDays;
  const plan = cfg.backups.crossRegion.retentionDays;
  // A default minimum (backups.minRetentionDays) above the plan's retention is
  // already refused on backups.crossRegion.retentionDays (checkBackups) when
  // replication is on: one problem, one message.
  const reported = l.minRetentionDays === undefined && cfg.backups.crossRegion.enabled;
  if (min > plan && !reported) {
    crossIssue(
      ctx,
      [...P, "minRetentionDays"],
      `${min} days${l.minRetentionDays === undefined ? " (from backups.minRetentionDays)" : ""} is above backups.crossRegion.retentionDays (${plan}), the retention of every backup and copy in the app's vaults: the locked vault would FAIL every backup and copy job. Fix: lower backups.vaultLock.minRetentionDays to at most ${plan}, or raise backups.crossRegion.retentionDays to at least ${min}`,
      [["backups", "crossRegion", "retentionDays"], ["backups", "minRetentionDays"]],
    );
  }
  if (l.maxRetentionDays !== undefined && l.maxRetentionDays < plan) {
    crossIssue(
      ctx,
      [...P, "maxRetentionDays"],
      `${l.maxRetentionDays} days is below backups.crossRegion.retentionDays (${plan}), the retention of every backup and copy in the app's vaults: the locked vault would FAIL every backup and copy job. Fix: raise backups.vaultLock.maxRetentionDays to at least ${plan}, remove it, or lower backups.crossRegion.retentionDays`,
      [["backups", "crossRegion", "retentionDays"]],
    );
  }
  if (l.maxRetentionDays !== undefined && l.maxRetentionDays < min && l.maxRetentionDays >= plan) {
    crossIssue(ctx, [...P, "maxRetentionDays"], `${l.maxRetentionDays} days is below the lock's minimum retention (${min}). Fix: raise maxRetentionDays to at least ${min}`, [[...P, "minRetentionDays"], ["backups", "minRetentionDays"]]);
  }
}

/**
 * Backups (issue 26). Retention limits: automated backups and their
 * cross-region replicas are kept 1-35 days (RDS User Guide, "Backup
 * retention period": "You can set the backup retention period to between 0
 * and 35 days"; 0 turns backups off, and replication needs them on:
 * "the source DB instance must have automated backups enabled" is implied by
 * StartDBInstanceAutomatedBackupsReplication copying "all snapshots and
 * transaction logs as soon as they are ready", none exist without them).
 */
function checkBackups(cfg: CheckedConfig, ctx: Ctx): void {
  const b = cfg.backups;
  const days = (path: FieldPath, v: number) => {
    if (v < 1 || v > 35) ctx.addIssue({ code: "custom", path, message: `${v} is outside RDS's backup retention range (1 to 35 days). Fix: set 1 to 35, e.g. 7` });
  };
  days(["backups", "crossRegion", "retentionDays"], b.crossRegion.retentionDays);
  days(["backups", "minRetentionDays"], b.minRetentionDays);
  if (b.minRetentionDays >= 1 && b.minRetentionDays <= 35) {
    if (cfg.database.backupRetentionDays > 0 && cfg.database.backupRetentionDays < b.minRetentionDays) {
      crossIssue(ctx, ["database", "backupRetentionDays"], `${cfg.database.backupRetentionDays} days is below backups.minRetentionDays (${b.minRetentionDays}). Fix: raise database.backupRetentionDays to at least ${b.minRetentionDays}, or lower backups.minRetentionDays`, [["backups", "minRetentionDays"]]);
    }
    if (b.crossRegion.enabled && b.crossRegion.retentionDays < b.minRetentionDays) {
      crossIssue(ctx, ["backups", "crossRegion", "retentionDays"], `${b.crossRegion.retentionDays} days is below backups.minRetentionDays (${b.minRetentionDays}). Fix: raise backups.crossRegion.retentionDays to at least ${b.minRetentionDays}`, [["backups", "minRetentionDays"]]);
    }
  }
  if (b.crossRegion.enabled === false && isProductionEnvironment(cfg.environment)) {
    crossIssue(ctx, ["backups", "crossRegion", "enabled"], `false leaves environment "${cfg.environment}" (a production one) with backups in one region only: a bad write replicates to the other region within seconds, and with the writer's region down nothing restores to a time before it. Fix: set true, or give a disposable environment a non-production name`, [["environment"]]);
  }
  const c = b.isolatedCopy;
  const on = c.enabled ?? isProductionEnvironment(cfg.environment);
  if (c.enabled === true) {
    for (const field of ["accountId", "vaultName"] as const) {
      if (!c[field]) ctx.addIssue({ code: "custom", path: ["backups", "isolatedCopy", field], message: `required with isolatedCopy.enabled true: ${field === "accountId" ? "the 12-digit id of the backup account (another account than this app's)" : "the name of the locked vault in that account"}. Fix: set backups.isolatedCopy.${field}, or set enabled false` });
    }
  }
  if (c.accountId !== undefined && !/^\d{12}$/.test(c.accountId)) {
    ctx.addIssue({ code: "custom", path: ["backups", "isolatedCopy", "accountId"], message: `"${c.accountId}" is not an AWS account id. Fix: give the backup account's 12 digits, as a string, e.g. "210987654321"` });
  }
  if (c.vaultName !== undefined && !BACKUP_VAULT_NAME.test(c.vaultName)) {
    ctx.addIssue({ code: "custom", path: ["backups", "isolatedCopy", "vaultName"], message: `"${c.vaultName}" is not an AWS Backup vault name (2-50 letters, digits, '-' or '_'). Fix: give the vault's name as the backup account created it, e.g. "drweb-isolated"` });
  }
  if (c.region !== undefined && !KNOWN_REGIONS.includes(c.region)) {
    ctx.addIssue({ code: "custom", path: ["backups", "isolatedCopy", "region"], message: `unknown region "${c.region}". Fix: use one of ${KNOWN_REGIONS.join(", ")}, or remove it to use regions.secondary.region` });
  }
  if (on && c.retentionDays < b.minRetentionDays) {
    crossIssue(ctx, ["backups", "isolatedCopy", "retentionDays"], `${c.retentionDays} days is below backups.minRetentionDays (${b.minRetentionDays}). Fix: raise it to at least ${b.minRetentionDays}`, [["backups", "minRetentionDays"]]);
  }
  if (!/^cron\(.+\)$/.test(c.schedule)) {
    ctx.addIssue({ code: "custom", path: ["backups", "isolatedCopy", "schedule"], message: `"${c.schedule}" is not an AWS Backup schedule expression. Fix: use cron(...) in UTC, e.g. "cron(0 5 ? * * *)"` });
  }
}

/**
 * Advisories that do not stop a synth (printed by main.ts): e.g. a
 * Kubernetes version past EKS standard support.
 */
export function configWarnings(cfg: ValidConfig, today: Date = new Date()): string[] {
  const out: string[] = [];
  if (cfg.dns.enabled && (cfg.dns.zoneName === PLACEHOLDER_ZONE || cfg.dns.zoneName.endsWith(`.${PLACEHOLDER_ZONE}`))) {
    out.push(`dns.zoneName: "${cfg.dns.zoneName}" is the placeholder. Set dns.zoneName and dns.domainName to your zone and the app's name before \`cdktf deploy\` (the certificates and records go there).`);
  }
  if (cfg.backend.type === "s3" && !cfg.backend.keyPrefix.toLowerCase().split(/[\/._-]+/).includes(cfg.environment.toLowerCase())) {
    out.push(`backend.keyPrefix: "${cfg.backend.keyPrefix}" does not name the environment "${cfg.environment}". Make sure no other environment uses the same buckets with this prefix (it would share this environment's state), or remove keyPrefix to use "${defaultKeyPrefix(cfg)}".`);
  }
  if (cfg.database.drState !== "normal") {
    // src/database/topology.ts PASSWORD_ROTATION_STATE: the secret and the
    // writer hold their password version outside "normal".
    out.push(
      `database.masterPasswordVersion: ${cfg.database.masterPasswordVersion} is held while drState is "${cfg.database.drState}": the database that writes is in ${cfg.regions.secondary.region}, ` +
        `and the secret is written by the primary stack only, so a rotation now would store a password no database has. A bump made now takes effect at the first deploy of primary ` +
        `with drState "normal" (secret first, then the ${cfg.regions.primary.region} writer). docs/failover-runbook.md "Master password rotation".`,
    );
  }
  {
    const c = cfg.backups.isolatedCopy;
    if ((c.enabled ?? isProductionEnvironment(cfg.environment)) && c.enabled !== true && (!c.accountId || !c.vaultName)) {
      out.push(
        `backups.isolatedCopy: on by default in environment "${cfg.environment}", but no backup account is named, so no copy leaves this account: a compromised account can delete every backup. ` +
          `Set backups.isolatedCopy.accountId and vaultName (docs/backups.md "Isolated copies in another account"), or set enabled false to opt out.`,
      );
    }
  }
  const v = EKS_VERSIONS[cfg.eks.kubernetesVersion];
  if (v && today.toISOString().slice(0, 10) > v.standardSupportEnds) {
    out.push(`eks.kubernetesVersion: ${cfg.eks.kubernetesVersion} left EKS standard support on ${v.standardSupportEnds} (extended support is billed per cluster hour). Upgrade to a newer version.`);
  }
  return out;
}
