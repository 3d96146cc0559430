import { Construct } from "constructs";
import { Fn } from "cdktf";
import { DataAwsEksCluster } from "@cdktf/provider-aws/lib/data-aws-eks-cluster";
import { HelmProvider } from "@cdktf/provider-helm/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { ephemeralResource } from "../lib/escape-hatches";

export interface ClusterAccessProps {
  /** Name of the EKS cluster (created by the regional stack). */
  readonly clusterName: string;
}

/**
 * The Kubernetes and Helm providers of an EKS cluster that another stack
 * created: found by name (data source), never by a cross-stack reference.
 * The bearer token comes from the ephemeral `aws_eks_cluster_auth`
 * (Terraform >= 1.10, hashicorp/aws >= 5.83): it is fetched anew in every
 * plan and apply and is never written to the state or a saved plan, unlike
 * the data source of the same name (its token would sit in the state, and a
 * saved plan's token expires after 15 minutes). No aws CLI is needed, as
 * the providers' `exec` authentication would require.
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
    const token = ephemeralResource(this, "aws_eks_cluster_auth", "ClusterAuth", { name: props.clusterName }, "token");
    const auth = {
      host: this.cluster.endpoint,
      clusterCaCertificate: Fn.base64decode(this.cluster.certificateAuthority.get(0).data),
      token: `\${${token}}`,
    };
    this.kubernetesProvider = new KubernetesProvider(this, "Kubernetes", auth);
    this.helmProvider = new HelmProvider(this, "Helm", { kubernetes: auth });
    this.endpoint = this.cluster.endpoint;
  }
}
