/**
 * The database endpoints parameter as the regional stacks declare it (Aurora mode): the contract (name, value format)
 * is src/database/endpoints-parameter.ts; this file is the Terraform side of it.
 */
import { Construct } from "constructs";
import { Fn } from "cdktf";
import { SsmParameter } from "@cdktf/provider-aws/lib/ssm-parameter";
import type { DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import type { RegionRole, ValidConfig } from "../config";
import type { AuroraGlobalTier } from "./aurora-tier";
import { regionClusterIdentifier } from "./aurora-contract";
import { endpointsParameterName } from "./endpoints-parameter";

/** The parameter's tier: Standard (values up to 4 KB, no charge; AWS Systems Manager User Guide, "Managing parameter tiers"). */
export const ENDPOINTS_PARAMETER_TIER = "Standard";
/** The instance role's only SSM permission of its own (the statement's sid). */
export const ENDPOINTS_READ_SID = "ReadDbEndpoints";

export interface EndpointsParameterProps {
  readonly config: ValidConfig;
  readonly role: RegionRole;
  /** This region's Aurora member (its identifier, endpoints and port). */
  readonly tier: AuroraGlobalTier;
}

/**
 * One region's database endpoints parameter, in that region (the stack's provider): which cluster the region's web
 * fleet uses, read by the app when it starts (env DB_ENDPOINTS_PARAMETER, webapp/drweb). `dr restore` overwrites it
 * (PutParameter) to move the app to a restored cluster; the deploy that records `database.restoredCluster` then
 * writes the same endpoints, so Terraform and the runbook agree (an in-place update, or nothing, never a replacement:
 * the name is the only ForceNew argument used here, hashicorp/aws internal/service/ssm/parameter.go schema).
 *
 * Type String, not SecureString, a deliberate exception to the project's "customer keys everywhere": the value is
 * three DNS names and a port, public (Aurora endpoints are public DNS names that anyone can resolve) and not secret;
 * a SecureString would add a KMS Decrypt dependency (key policy, grant, the key's region being up) to every app start
 * and to the restore move, for no confidentiality gained. The credentials stay in Secrets Manager under the region's
 * key. Tier Standard: 4 KB is plenty. Tags: the provider's default tags (the project's tags, src/lib/tags.ts) reach
 * it as tags_all, like every resource of the stack.
 */
export class EndpointsParameter extends Construct {
  readonly parameter: SsmParameter;
  /** The parameter's name, a plan-time literal (endpointsParameterName). */
  readonly name: string;

  constructor(scope: Construct, id: string, props: EndpointsParameterProps) {
    super(scope, id);
    const { config, role, tier } = props;
    this.name = endpointsParameterName(config, role);
    const restored = config.database.restoredCluster?.region === role ? config.database.restoredCluster : undefined;
    // Terraform's jsonencode sorts the keys, as the runbook's encodeEndpoints does: the same bytes for the same endpoints.
    const value = Fn.jsonencode({
      cluster: restored ? restored.identifier : regionClusterIdentifier(config, role),
      // The member's writer host is derived from its reader endpoint (auroraClusterEndpoint), not the provider's
      // `endpoint` attribute, which DescribeDBClusters leaves empty on a secondary member (docs/aurora.md): the value
      // must not change at the first refresh after a switchover, nor ever name an empty writer.
      writer: restored ? restored.writerEndpoint : tier.appWriterHost,
      reader: restored ? restored.readerEndpoint : tier.appReaderHost,
      // A restored cluster listens on its source's port: "The target DB cluster is created from the source DB cluster
      // with the same configuration as the original DB cluster, except that the new DB cluster is created with the
      // default DB security group" (RDS API Reference, RestoreDBClusterToPointInTime; dr restore sends no Port).
      port: tier.cluster.port,
    });
    this.parameter = new SsmParameter(this, "Parameter", {
      name: this.name,
      type: "String",
      tier: ENDPOINTS_PARAMETER_TIER,
      value,
      // The same in both cases: recording a restore changes the value only (the runbook's PutParameter wrote it).
      description: "Database endpoints the web fleet reads when it starts: this region's Aurora member cluster, or the restored cluster a dr restore moved it to (database.restoredCluster)",
    });
  }

  /**
   * The web instances' read of it: ssm:GetParameter on exactly this parameter's ARN,
   * `arn:<partition>:ssm:<region>:<account>:parameter/<name without its leading slash>` (Service Authorization
   * Reference, AWS Systems Manager, resource type "parameter": `arn:${Partition}:ssm:${Region}:${Account}:parameter/
   * ${ParameterNameWithoutLeadingSlash}`). Built from the name, not the resource's `arn` attribute: a reference would
   * make the role's policy document wait for the parameter's every update (a data source that depends on a resource
   * with planned changes is read again at apply), so recording a restore would also plan the role's policy. The
   * ordering before the instances boot is the Auto Scaling group's depends_on. A String parameter needs no
   * kms:Decrypt (GetParameter WithDecryption applies to SecureString only: AWS Systems Manager API Reference,
   * GetParameter).
   */
  readStatements(p: { readonly partition: string; readonly accountId: string; readonly region: string }): DataAwsIamPolicyDocumentStatement[] {
    return [{ sid: ENDPOINTS_READ_SID, actions: ["ssm:GetParameter"], resources: [endpointsParameterArn(p.partition, p.region, p.accountId, this.name)] }];
  }
}

/** The ARN of a parameter named `name` (with its leading slash), as IAM and the SSM API give it. */
export function endpointsParameterArn(partition: string, region: string, accountId: string, name: string): string {
  return `arn:${partition}:ssm:${region}:${accountId}:parameter/${name.replace(/^\//, "")}`;
}
