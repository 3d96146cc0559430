import { Naming } from "../lib/naming";

/**
 * What the regional stacks (which create the EKS clusters) and the
 * monitoring stacks (which deploy into them) agree on. The monitoring stacks
 * find everything by these names through data sources, never by reading the
 * regional stacks' state.
 */

/** EKS cluster name of a region, e.g. drweb-prod-use2-eks. */
export function clusterName(naming: Naming): string {
  return naming.name("eks");
}

/** The command that adds a region's cluster to ~/.kube/config. */
export function kubeconfigCommand(region: string, naming: Naming): string {
  return `aws eks update-kubeconfig --region ${region} --name ${clusterName(naming)}`;
}

/** Alias (without "alias/") of the region's customer-managed KMS key. */
export function regionKeyAlias(naming: Naming): string {
  return naming.regional;
}

/** Helm release name of kube-prometheus-stack. */
export const MONITORING_RELEASE = "kube-prometheus-stack";

/**
 * Service account of the Prometheus pods, set explicitly in the chart values
 * so the EKS Pod Identity association (regional stack) names the same one.
 */
export const PROMETHEUS_SERVICE_ACCOUNT = "drweb-prometheus";

/** EC2 tag the web servers carry for Prometheus EC2 service discovery. */
export const SCRAPE_TAG = { key: "drweb-scrape", value: "web" } as const;

/** Prometheus job name of the web fleet (the alert rules select on it). */
export const WEB_SCRAPE_JOB = "drweb-web";

/**
 * Service account of the CloudWatch exporter (RDS ReplicaLag for the
 * DatabaseReplicaLagHigh alert), with its own Pod Identity role.
 */
export const CLOUDWATCH_EXPORTER_SERVICE_ACCOUNT = "drweb-cloudwatch-exporter";

/** Service account of the EBS CSI controller (the EKS add-on's default). */
export const EBS_CSI_SERVICE_ACCOUNT = { namespace: "kube-system", name: "ebs-csi-controller-sa" } as const;

/** Service account of Alertmanager: its Pod Identity role may publish to the alert topic. */
export const ALERTMANAGER_SERVICE_ACCOUNT = "drweb-alertmanager";

/** SNS topic of a region's alerts (Alertmanager publishes, people subscribe). */
export function alertTopicName(naming: Naming): string {
  return naming.name("alerts");
}

/**
 * Name of a region's deploy runner (its Auto Scaling group and the Name tag
 * of its instance): the Session Manager tunnel host to the private API.
 */
export function deployRunnerName(naming: Naming): string {
  return naming.name("eks-tunnel");
}

/**
 * Port on the operator's machine where each region's API tunnel listens
 * (scripts/eks-api-tunnel.ts). Different per region, so both tunnels can be
 * open at once for one `cdktf deploy primary-monitoring secondary-monitoring`.
 */
export const EKS_API_TUNNEL_LOCAL_PORT = { primary: 8443, secondary: 9443 } as const;

/**
 * Terraform variable of the monitoring stacks: true sends the kubernetes and
 * helm providers through the local tunnel port instead of the endpoint
 * (set it with TF_VAR_eks_api_tunnel=true).
 */
export const EKS_API_TUNNEL_VARIABLE = "eks_api_tunnel";

/**
 * AZs of a region's monitoring node groups: the first `nodeZoneCount` of its
 * availability zones. The monitoring storage class creates volumes only here.
 */
export function monitoringNodeZones(availabilityZones: readonly string[], nodeZoneCount: number): string[] {
  return availabilityZones.slice(0, nodeZoneCount);
}
