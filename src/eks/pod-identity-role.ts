import { Construct } from "constructs";
import { DataAwsIamPolicyDocument, type DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { EksPodIdentityAssociation } from "@cdktf/provider-aws/lib/eks-pod-identity-association";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";

export interface PodIdentityRoleProps {
  /** IAM role name (global: carries the region code). */
  readonly roleName: string;
  readonly description: string;
  /** Account id and cluster ARN the role is confined to (trust conditions). */
  readonly accountId: string;
  readonly clusterArn: string;
  /** Inline permissions. */
  readonly statements: DataAwsIamPolicyDocumentStatement[];
  /** AWS-managed policies to attach. @default - none */
  readonly managedPolicyArns?: readonly string[];
  /**
   * Service account to associate: cluster + namespace + name. Omit when the
   * association is made elsewhere (an EKS add-on's own association).
   */
  readonly serviceAccount?: { readonly clusterName: string; readonly namespace: string; readonly name: string };
}

/**
 * An IAM role for one Kubernetes service account through EKS Pod Identity:
 * trusted by pods.eks.amazonaws.com only on behalf of this account's
 * cluster, with exactly the given permissions.
 */
export class PodIdentityRole extends Construct {
  readonly roleArn: string;
  readonly roleName: string;

  constructor(scope: Construct, id: string, props: PodIdentityRoleProps) {
    super(scope, id);
    const trust = new DataAwsIamPolicyDocument(this, "Trust", {
      statement: [
        {
          actions: ["sts:AssumeRole", "sts:TagSession"],
          principals: [{ type: "Service", identifiers: ["pods.eks.amazonaws.com"] }],
          condition: [
            { test: "StringEquals", variable: "aws:SourceAccount", values: [props.accountId] },
            { test: "ArnEquals", variable: "aws:SourceArn", values: [props.clusterArn] },
          ],
        },
      ],
    });
    const role = new IamRole(this, "Role", { name: props.roleName, description: props.description, assumeRolePolicy: trust.json });
    this.roleArn = role.arn;
    this.roleName = role.name;
    const doc = new DataAwsIamPolicyDocument(this, "Permissions", { statement: props.statements });
    new IamRolePolicy(this, "Policy", { name: "permissions", role: role.id, policy: doc.json });
    (props.managedPolicyArns ?? []).forEach((arn, i) => new IamRolePolicyAttachment(this, `Managed${i}`, { role: role.name, policyArn: arn }));
    if (props.serviceAccount) {
      new EksPodIdentityAssociation(this, "Association", {
        clusterName: props.serviceAccount.clusterName,
        namespace: props.serviceAccount.namespace,
        serviceAccount: props.serviceAccount.name,
        roleArn: role.arn,
      });
    }
  }
}
