import type { RegionRole, ValidConfig } from "../config";
import { Naming } from "../lib/naming";
import { clusterName, deployRunnerName, EKS_API_TUNNEL_LOCAL_PORT, EKS_API_TUNNEL_VARIABLE } from "./contract";
import { PORT_FORWARDING_DOCUMENT } from "./deploy-runner";

/** Everything needed to open one region's API tunnel, derived from the config alone. */
export interface TunnelPlan {
  readonly role: RegionRole;
  readonly region: string;
  readonly clusterName: string;
  /** Auto Scaling group of the deploy runner. */
  readonly runnerAsgName: string;
  /** Port on this machine the tunnel listens on. */
  readonly localPort: number;
}

/** The tunnel plan of a region; throws with the config key to set when there is no runner. */
export function tunnelPlan(config: ValidConfig, role: RegionRole): TunnelPlan {
  if (!config.eks.deployRunner.enabled) {
    throw new Error(
      "eks.deployRunner.enabled is false: there is no deploy runner to tunnel through. Fix: set it to true and deploy the regional stack, or reach the API from a network listed in eks.privateAccessCidrs / eks.publicAccessCidrs",
    );
  }
  const region = config.regions[role].region;
  const naming = new Naming(config.project, config.environment, region);
  return { role, region, clusterName: clusterName(naming), runnerAsgName: deployRunnerName(naming), localPort: EKS_API_TUNNEL_LOCAL_PORT[role] };
}

/** `aws` arguments listing the running instance ids of the runner's Auto Scaling group. */
export function findRunnerArgs(p: TunnelPlan): string[] {
  return [
    "ec2", "describe-instances", "--region", p.region,
    "--filters", `Name=tag:aws:autoscaling:groupName,Values=${p.runnerAsgName}`, "Name=instance-state-name,Values=running",
    "--query", "Reservations[].Instances[].InstanceId", "--output", "text",
  ];
}

/** `aws` arguments printing the cluster's API endpoint (https://<host>). */
export function endpointArgs(p: TunnelPlan): string[] {
  return ["eks", "describe-cluster", "--region", p.region, "--name", p.clusterName, "--query", "cluster.endpoint", "--output", "text"];
}

/**
 * `aws` arguments of the Session Manager port-forwarding session: local
 * port -> the endpoint's host name, port 443, resolved and reached from the
 * runner inside the VPC (Session Manager, "Port forwarding to remote hosts":
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-sessions-start.html#sessions-remote-port-forwarding).
 */
export function startSessionArgs(p: TunnelPlan, instanceId: string, endpointHost: string): string[] {
  const parameters = { host: [endpointHost], portNumber: ["443"], localPortNumber: [String(p.localPort)] };
  return ["ssm", "start-session", "--region", p.region, "--target", instanceId, "--document-name", PORT_FORWARDING_DOCUMENT, "--parameters", JSON.stringify(parameters)];
}

/** What to run while the tunnel is open. */
export function tunnelUsage(p: TunnelPlan, endpointHost: string, monitoringStack: string): string[] {
  return [
    `Tunnel: https://127.0.0.1:${p.localPort} -> ${endpointHost}:443 (${p.clusterName}, ${p.region}). Keep this running; Ctrl-C closes it.`,
    "In another terminal:",
    `  TF_VAR_${EKS_API_TUNNEL_VARIABLE}=true npx cdktf deploy ${monitoringStack} --ignore-missing-stack-dependencies`,
    `  aws eks update-kubeconfig --region ${p.region} --name ${p.clusterName}   # once; then kubectl through the tunnel:`,
    `  kubectl --server https://127.0.0.1:${p.localPort} --tls-server-name ${endpointHost} get nodes`,
  ];
}
