import { Construct } from "constructs";
import { Fn, TerraformVariable, Token } from "cdktf";
import { DataAwsEksCluster } from "@cdktf/provider-aws/lib/data-aws-eks-cluster";
import { HelmProvider } from "@cdktf/provider-helm/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { EKS_API_TUNNEL_VARIABLE } from "../eks/contract";

export interface ClusterAccessProps {
  /** Name of the EKS cluster (created by the regional stack). */
  readonly clusterName: string;
  /** Region of the cluster (the token is signed for it). */
  readonly region: string;
  /**
   * Local port of this region's Session Manager tunnel to the private API
   * (src/eks/contract.ts EKS_API_TUNNEL_LOCAL_PORT), used when the
   * `eks_api_tunnel` variable is true.
   */
  readonly tunnelLocalPort: number;
}

/**
 * The command line of the providers' exec credential plugin: `aws eks
 * get-token` for the cluster, in JSON whatever the user's AWS CLI output
 * default is (the plugin protocol is JSON).
 */
export function eksTokenExec(clusterName: string, region: string) {
  return {
    apiVersion: "client.authentication.k8s.io/v1beta1",
    command: "aws",
    args: ["eks", "get-token", "--cluster-name", clusterName, "--region", region, "--output", "json"],
  };
}

/**
 * The Kubernetes and Helm providers of an EKS cluster that another stack
 * created: found by name (data source), never by a cross-stack reference.
 *
 * Authentication: the `exec` credential plugin `aws eks get-token`. An EKS
 * token is valid for 15 minutes; a token fetched once at plan time (the
 * `aws_eks_cluster_auth` data or ephemeral resource) is not renewed, and a
 * kube-prometheus-stack install (timeout 900 s) plus the releases after it
 * can outlive it. With exec, client-go runs the plugin again when the
 * credential's expirationTimestamp has passed ("rotates credentials by
 * executing a plugin", k8s.io/client-go/plugin/pkg/client/auth/exec;
 * https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins),
 * and the Terraform providers document exec for exactly this ("Exec
 * plugins": short-lived tokens, https://registry.terraform.io/providers/hashicorp/kubernetes/latest/docs#exec-plugins).
 * The deploying machine needs the AWS CLI; no token is in the state or a
 * saved plan.
 *
 * Reaching the API: the endpoint itself (private from inside the VPC or a
 * connected network, public where eks.publicAccessCidrs allows it), or,
 * with `TF_VAR_eks_api_tunnel=true`, https://127.0.0.1:<tunnelLocalPort>,
 * the local end of the deploy runner's Session Manager tunnel; TLS is then
 * still verified against the cluster's CA for the endpoint's host name
 * (tls_server_name).
 */
export class ClusterAccess extends Construct {
  /** The cluster's API endpoint. */
  readonly endpoint: string;
  /** The cluster as a data source. */
  readonly cluster: DataAwsEksCluster;
  /** The stack's (default) Kubernetes provider. */
  readonly kubernetesProvider: KubernetesProvider;
  /** The stack's (default) Helm provider. */
  readonly helmProvider: HelmProvider;

  constructor(scope: Construct, id: string, props: ClusterAccessProps) {
    super(scope, id);
    this.cluster = new DataAwsEksCluster(this, "Cluster", { name: props.clusterName });
    const tunnel = new TerraformVariable(this, "ApiTunnel", {
      type: "bool",
      default: false,
      nullable: false,
      description: `true: reach the cluster API through the local Session Manager tunnel on port ${props.tunnelLocalPort} (scripts/eks-api-tunnel.ts)`,
    });
    // A plain name, the same in both monitoring stacks: TF_VAR_eks_api_tunnel.
    tunnel.overrideLogicalId(EKS_API_TUNNEL_VARIABLE);
    const endpoint = this.cluster.endpoint;
    const auth = {
      host: Token.asString(Fn.conditional(tunnel.booleanValue, `https://127.0.0.1:${props.tunnelLocalPort}`, endpoint)),
      tlsServerName: Fn.trimprefix(endpoint, "https://"),
      clusterCaCertificate: Fn.base64decode(this.cluster.certificateAuthority.get(0).data),
    };
    const exec = eksTokenExec(props.clusterName, props.region);
    this.kubernetesProvider = new KubernetesProvider(this, "Kubernetes", { ...auth, exec: [exec] });
    this.helmProvider = new HelmProvider(this, "Helm", { kubernetes: { ...auth, exec } });
    this.endpoint = endpoint;
  }
}
