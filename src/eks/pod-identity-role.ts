import { Construct } from "constructs";
import { DataAwsIamPolicyDocument, type DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { EksPodIdentityAssociation } from "@cdktf/provider-aws/lib/eks-pod-identity-association";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";

/** A Kubernetes service account. */
export interface ServiceAccountRef {
  readonly namespace: string;
  readonly name: string;
}

export interface PodIdentityRoleProps {
  /** IAM role name (global: carries the region code). */
  readonly roleName: string;
  readonly description: string;
  /** ARN of the cluster whose pods may assume the role. */
  readonly clusterArn: string;
  /** The one service account whose pods may assume the role. */
  readonly serviceAccount: ServiceAccountRef;
  /** Inline permissions. */
  readonly statements: DataAwsIamPolicyDocumentStatement[];
  /** AWS-managed policies to attach. @default - none */
  readonly managedPolicyArns?: readonly string[];
  /**
   * Name of the cluster to create the Pod Identity association in.
   * @default - no association here: it is made elsewhere (an EKS add-on's own podIdentityAssociation)
   */
  readonly associateInCluster?: string;
}

/**
 * The trust policy statement of an EKS Pod Identity role for one service
 * account of one cluster, with the conditions AWS documents: EKS Pod
 * Identity assumes the role with sts:AssumeRole and sts:TagSession, adding
 * the session tags eks-cluster-arn, kubernetes-namespace and
 * kubernetes-service-account (among others), which the trust policy
 * matches with aws:RequestTag/<tag>. Sources: EKS user guide, "Create IAM
 * role with trust policy required by EKS Pod Identity"
 * (https://docs.aws.amazon.com/eks/latest/userguide/pod-id-role.html,
 * "Setting Conditions") and "Enable or disable session tags", list of
 * session tags added by EKS Pod Identity
 * (https://docs.aws.amazon.com/eks/latest/userguide/pod-id-abac.html).
 * The session tags are on unless an association sets disable_session_tags
 * (none here does); without them these conditions never match.
 */
export function podIdentityTrustStatement(clusterArn: string, sa: ServiceAccountRef): DataAwsIamPolicyDocumentStatement {
  return {
    sid: "EksPodIdentityForOneServiceAccount",
    actions: ["sts:AssumeRole", "sts:TagSession"],
    principals: [{ type: "Service", identifiers: ["pods.eks.amazonaws.com"] }],
    condition: [
      { test: "StringEquals", variable: "aws:RequestTag/eks-cluster-arn", values: [clusterArn] },
      { test: "StringEquals", variable: "aws:RequestTag/kubernetes-namespace", values: [sa.namespace] },
      { test: "StringEquals", variable: "aws:RequestTag/kubernetes-service-account", values: [sa.name] },
    ],
  };
}

/**
 * An IAM role for one Kubernetes service account through EKS Pod Identity:
 * assumable only by pods of that service account in that cluster
 * (podIdentityTrustStatement), with exactly the given permissions.
 */
export class PodIdentityRole extends Construct {
  readonly roleArn: string;
  readonly roleName: string;

  constructor(scope: Construct, id: string, props: PodIdentityRoleProps) {
    super(scope, id);
    const trust = new DataAwsIamPolicyDocument(this, "Trust", { statement: [podIdentityTrustStatement(props.clusterArn, props.serviceAccount)] });
    const role = new IamRole(this, "Role", { name: props.roleName, description: props.description, assumeRolePolicy: trust.json });
    this.roleArn = role.arn;
    this.roleName = role.name;
    const doc = new DataAwsIamPolicyDocument(this, "Permissions", { statement: props.statements });
    new IamRolePolicy(this, "Policy", { name: "permissions", role: role.id, policy: doc.json });
    (props.managedPolicyArns ?? []).forEach((arn, i) => new IamRolePolicyAttachment(this, `Managed${i}`, { role: role.name, policyArn: arn }));
    if (props.associateInCluster) {
      new EksPodIdentityAssociation(this, "Association", {
        clusterName: props.associateInCluster,
        namespace: props.serviceAccount.namespace,
        serviceAccount: props.serviceAccount.name,
        roleArn: role.arn,
      });
    }
  }
}
