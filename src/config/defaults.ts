import type { DrConfig } from "./schema";

/**
 * The seed (shared/seed/infrastructure-dr-plan.md) as configuration. A user
 * file overrides any part of it; objects merge key by key, arrays replace.
 */
export const DEFAULT_CONFIG: DrConfig = {
  project: "drweb",
  environment: "prod",
  tags: {},
  regions: {
    primary: {
      region: "us-east-2",
      availabilityZones: ["us-east-2a", "us-east-2b", "us-east-2c"],
      vpcCidr: "10.10.0.0/16",
    },
    secondary: {
      region: "us-west-1",
      availabilityZones: ["us-west-1c", "us-west-1b"],
      vpcCidr: "10.20.0.0/16",
      // true only while this region is down: the primary is then deployed
      // without reading or writing anything here (README "Deploying the
      // primary while the secondary region is down").
      unreachable: false,
    },
  },
  network: {
    // /16 VPC + 4 new bits = /20 subnets (4,091 usable addresses each);
    // 4 slots per tier x 3 tiers = 12 of the 16 /20 blocks.
    subnetNewBits: 4,
    subnetSlotsPerTier: 4,
    natGateways: "perAz",
    flowLogs: { retentionDays: 365, trafficType: "ALL" },
  },
  kms: { deletionWindowDays: 30 },
  web: {
    instanceType: "t3.micro",
    desiredCapacity: 3,
    minSize: 3,
    maxSize: 6,
    appPort: 8080,
    metricsPort: 9102,
    livenessPath: "/healthz",
    readinessPath: "/readyz",
    amiSsmParameter: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
    rootVolumeGb: 16,
    ingressCidrs: ["0.0.0.0/0"],
    albDeletionProtection: true,
    accessLogRetentionDays: 90,
    // The install from user data (dnf + pip) takes 2-4 minutes on a t3.micro.
    healthCheckGraceSeconds: 420,
    // 3 instances: replace one at a time, keeping 2 of 3 serving.
    refreshMinHealthyPercentage: 66,
  },
  eks: {
    // In EKS standard support until 2027-03-27 (src/config/eks-versions.ts).
    kubernetesVersion: "1.35",
    nodeInstanceType: "t3.medium",
    // The seed's 2 nodes: one node group of 1 node in each of the first 2
    // AZs of each region, so each monitoring volume's AZ always has a node.
    nodeZoneCount: 2,
    nodesPerZone: { min: 1, desired: 1, max: 2 },
    nodeDiskGb: 40,
    // Public endpoint off. The monitoring stacks are deployed through the
    // deploy runner's Session Manager tunnel (monitoring/README.md), or from
    // the networks listed in privateAccessCidrs (VPN, peering) or, with a
    // public endpoint, publicAccessCidrs.
    publicAccessCidrs: [],
    privateAccessCidrs: [],
    deployRunner: { enabled: true, instanceType: "t3.micro" },
    clusterCreatorAdmin: true,
    adminPrincipalArns: [],
    logRetentionDays: 90,
    addonVersions: {
      "vpc-cni": "default",
      "kube-proxy": "default",
      coredns: "default",
      "eks-pod-identity-agent": "default",
      "aws-ebs-csi-driver": "default",
    },
  },
  monitoring: {
    namespace: "monitoring",
    chart: { repository: "https://prometheus-community.github.io/helm-charts", version: "79.7.1" },
    // prometheus-cloudwatch-exporter 0.28.1 = cloudwatch_exporter 0.17.0.
    cloudwatchExporter: { chartVersion: "0.28.1" },
    // Two t3.medium nodes (2 vCPU, 4 GiB each): Prometheus gets 1 GiB,
    // Grafana 256 MiB; 15 days or 8 GB of samples on a 10 GB volume.
    prometheus: { retention: "15d", retentionSizeGb: 8, volumeGb: 10, scrapeIntervalSeconds: 30 },
    grafana: { volumeGb: 5, exposure: "portForward", allowedCidrs: [], adminPasswordVersion: 1 },
    alertmanager: { volumeGb: 2 },
  },
  database: {
    engine: "postgres",
    engineVersion: "17",
    instanceClass: "db.t3.small",
    allocatedStorageGb: 50,
    maxAllocatedStorageGb: 200,
    backupRetentionDays: 7,
    readersPerRegion: 1,
    performanceInsights: true,
    monitoringIntervalSeconds: 60,
    dbName: "drweb",
    masterUsername: "drweb_admin",
    masterPasswordVersion: 1,
    writeForwarding: "off",
    drState: "normal",
    generations: { primary: 1, secondary: 1 },
  },
  dns: {
    enabled: true,
    // Placeholder (RFC 2606): synth works; main.ts warns until it is set.
    zoneName: "example.com",
    createZone: false,
    domainName: "drweb.example.com",
    // Failover budget (stacks/dns-stack.ts failoverBudget): detection
    // 10 s x 3 failures = 30 s, plus the 60 s TTL of ALB alias answers
    // that resolvers may cache = 90 s worst case from primary failure to
    // clients on the secondary.
    healthCheck: { requestIntervalSeconds: 10, failureThreshold: 3, regions: ["us-east-1", "us-west-2", "eu-west-1"] },
    forceFailover: false,
  },
  runbook: {
    // Planned failover: refuse to fence writes while the replica is more
    // than 30 s behind (catching up would keep the app read-only too long).
    maxReplicaLagSeconds: 30,
    // Scaling a web fleet to zero: deregistration delay (300 s) + termination.
    fenceTimeoutSeconds: 600,
    catchUpTimeoutSeconds: 300,
    // RDS promote-read-replica: typically 5-15 minutes incl. a backup.
    promoteTimeoutSeconds: 1800,
    dnsTimeoutSeconds: 300,
    verifyTimeoutSeconds: 300,
    pollIntervalSeconds: 10,
    // Unplanned failover: two minutes of Route53's own verdict (1-minute
    // HealthCheckStatus datapoints) before the primary is given up.
    minOutageSeconds: 120,
    journalDir: ".dr",
  },
  backend: { type: "local" },
};
