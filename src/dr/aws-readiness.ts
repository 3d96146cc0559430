import { DescribeAutoScalingGroupsCommand } from "@aws-sdk/client-auto-scaling";
import { DescribeImagesCommand, DescribeLaunchTemplateVersionsCommand } from "@aws-sdk/client-ec2";
import { SimulatePrincipalPolicyCommand } from "@aws-sdk/client-iam";
import type { RegionRole, ValidConfig } from "../config";
import type { AwsClients, ReadinessClients } from "./aws-clients";
import { names } from "./names";
import { GetBucketVersioningCommand, HeadBucketCommand, type S3Client } from "@aws-sdk/client-s3";
import { DescribeSecretCommand } from "@aws-sdk/client-secrets-manager";
import type { FleetCapacityState, PermissionDecision, SecretMetadata, StateBucketState } from "./platform";
import type { SdkSender } from "./aws-service";

/**
 * The readiness check's own AWS reads (readiness.ts), beside the runbook's (aws-platform.ts): whether the standby
 * fleet can reach its full size, and whether the runbook's role is allowed its actions. Read-only.
 *
 * - The ASG (DescribeAutoScalingGroups): MaxSize, and the launch template it launches from (LaunchTemplate, or
 *   MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification).
 * - The launch template's version (EC2 DescribeLaunchTemplateVersions with ResolveAlias: "If true, and if a Systems
 *   Manager parameter is specified for ImageId, the AMI ID is displayed in the response for imageId" (EC2 API
 *   Reference, DescribeLaunchTemplateVersions); the web fleet's ImageId is `resolve:ssm:<parameter>`,
 *   src/web/fleet.ts).
 * - The AMI (EC2 DescribeImages ImageIds): State "available"; a deregistered or disabled AMI is not listed
 *   (IncludeDisabled defaults to false) or answers InvalidAMIID.*: the fleet cannot launch.
 * - iam:SimulatePrincipalPolicy with the role's ARN as PolicySourceArn, paged (IsTruncated / Marker): each
 *   EvaluationResult's EvalDecision is allowed | explicitDeny | implicitDeny (IAM API Reference, EvaluationResult).
 *   IAM's API is global (its endpoint in us-east-1): not in the primary region.
 * - The standby's Terraform state bucket (S3 HeadBucket, sent to the bucket's region): "returns a 200 OK if the
 *   bucket exists and you have permission to access it. If the bucket does not exist or you do not have permission
 *   to access it, the HEAD request returns a generic 400 Bad Request, 403 Forbidden or 404 Not Found code" (S3 API
 *   Reference, HeadBucket); the SDK's error then has no body, only $metadata.httpStatusCode (name "NotFound" /
 *   "Forbidden"). Then GetBucketVersioning: Status Enabled | Suspended, absent when versioning was never enabled
 *   ("If the versioning state has never been set on a bucket, it has no versioning state; a GetBucketVersioning
 *   request does not return a versioning state value", S3 API Reference, PutBucketVersioning). Both read-only (s3:ListBucket, s3:GetBucketVersioning).
 * - A secret's metadata (Secrets Manager DescribeSecret: "It does not include the encrypted secret value"; never
 *   GetSecretValue): DeletedDate "The date the secret is scheduled for deletion. If it is not scheduled for deletion,
 *   this field is omitted"; PrimaryRegion "The Region the secret is in. If a secret is replicated to other Regions, the
 *   replicas are listed in ReplicationStatus" (so the home region's description holds the replicas' status);
 *   each replica's Region, Status InSync | Failed | InProgress and StatusMessage ("such as \"Secret with this name
 *   already exists in this region\"") (Secrets Manager API Reference, DescribeSecret, ReplicationStatusType). A secret
 *   that does not exist answers ResourceNotFoundException.
 */

type Sender = SdkSender;

// ReadinessClients lives in aws-clients.ts (beside AwsClients, which extends it).
export type { ReadinessClients };

export interface ReadinessSend {
  send<T>(client: Sender, command: unknown, what: string): Promise<T>;
}

interface AsgLt {
  readonly LaunchTemplateId?: string;
  readonly LaunchTemplateName?: string;
  readonly Version?: string;
}

export class AwsReadiness {
  constructor(
    private readonly config: ValidConfig,
    private readonly clients: AwsClients & ReadinessClients,
    private readonly io: ReadinessSend,
  ) {}

  async fleetCapacity(role: RegionRole, size: number): Promise<FleetCapacityState> {
    const n = names(this.config, role);
    const asg = (
      await this.io.send<{ AutoScalingGroups?: Array<{ MaxSize?: number; LaunchTemplate?: AsgLt; MixedInstancesPolicy?: { LaunchTemplate?: { LaunchTemplateSpecification?: AsgLt } } }> }>(
        this.clients.autoscaling(n.region) as Sender,
        new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [n.asg] }),
        `Auto Scaling DescribeAutoScalingGroups (${n.region})`,
      )
    ).AutoScalingGroups?.[0];
    if (!asg) return { canReach: false, maxSize: null, imageId: null, detail: `ASG ${n.asg} not found in ${n.region} (is the ${role} stack deployed?)` };
    const maxSize = asg.MaxSize ?? null;
    const problems: string[] = [];
    if (maxSize !== null && size > maxSize) problems.push(`web.desiredCapacity ${size} is above the ASG's MaxSize ${maxSize}`);
    const lt = asg.LaunchTemplate ?? asg.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification;
    if (!lt || (!lt.LaunchTemplateId && !lt.LaunchTemplateName)) return { canReach: false, maxSize, imageId: null, detail: [...problems, `ASG ${n.asg} names no launch template`].join("; ") };
    const ec2 = this.clients.ec2?.(n.region) as Sender | undefined;
    if (!ec2) throw new Error("no EC2 client: the launch template and its AMI cannot be read");
    const ltName = lt.LaunchTemplateName ?? lt.LaunchTemplateId!;
    let version: { LaunchTemplateData?: { ImageId?: string } } | undefined;
    try {
      version = (
        await this.io.send<{ LaunchTemplateVersions?: Array<{ LaunchTemplateData?: { ImageId?: string } }> }>(
          ec2,
          new DescribeLaunchTemplateVersionsCommand({
            ...(lt.LaunchTemplateId ? { LaunchTemplateId: lt.LaunchTemplateId } : { LaunchTemplateName: lt.LaunchTemplateName }),
            Versions: [lt.Version ?? "$Default"],
            ResolveAlias: true,
          }),
          `EC2 DescribeLaunchTemplateVersions ${ltName} (${n.region})`,
        )
      ).LaunchTemplateVersions?.[0];
    } catch (e) {
      const code = (e as { name?: string })?.name ?? "";
      // The template or its version is gone: InvalidLaunchTemplateId.* / InvalidLaunchTemplateName.* (EC2 API error codes).
      if (/^InvalidLaunchTemplate(Id|Name)\./.test(code)) return { canReach: false, maxSize, imageId: null, detail: [...problems, `launch template ${ltName} version ${lt.Version ?? "$Default"} cannot be resolved (${code})`].join("; ") };
      throw e;
    }
    const imageId = version?.LaunchTemplateData?.ImageId ?? null;
    if (!version || !imageId || imageId.startsWith("resolve:ssm:")) {
      return { canReach: false, maxSize, imageId, detail: [...problems, `launch template ${ltName} version ${lt.Version ?? "$Default"} ${!version ? "not found" : `gives no AMI id (${imageId ?? "none"})`}`].join("; ") };
    }
    let state: string | null = null;
    try {
      const images = (await this.io.send<{ Images?: Array<{ ImageId?: string; State?: string }> }>(ec2, new DescribeImagesCommand({ ImageIds: [imageId] }), `EC2 DescribeImages ${imageId} (${n.region})`)).Images ?? [];
      state = images.find((i) => i.ImageId === imageId)?.State ?? null;
    } catch (e) {
      if (!/^InvalidAMIID\./.test((e as { name?: string })?.name ?? "")) throw e;
    }
    if (state !== "available") problems.push(`AMI ${imageId} of launch template ${ltName} is ${state ?? "not found (deregistered or disabled)"}: instances cannot launch`);
    return {
      canReach: problems.length === 0,
      maxSize,
      imageId,
      detail: problems.length ? problems.join("; ") : `ASG ${n.asg} MaxSize ${maxSize ?? "?"} >= ${size}; launch template ${ltName} (${lt.Version ?? "$Default"}) -> AMI ${imageId} available`,
    };
  }

  async simulate(roleArn: string, actions: readonly string[]): Promise<PermissionDecision[]> {
    const iam = this.clients.iam as Sender | undefined;
    if (!iam) throw new Error("no IAM client: the runbook role's permissions cannot be simulated");
    const out: PermissionDecision[] = [];
    let marker: string | undefined;
    do {
      const page = await this.io.send<{ EvaluationResults?: Array<{ EvalActionName?: string; EvalDecision?: string }>; IsTruncated?: boolean; Marker?: string }>(
        iam,
        new SimulatePrincipalPolicyCommand({ PolicySourceArn: roleArn, ActionNames: [...actions], ...(marker ? { Marker: marker } : {}) }),
        `IAM SimulatePrincipalPolicy ${roleArn}`,
      );
      for (const r of page.EvaluationResults ?? []) out.push({ action: r.EvalActionName ?? "?", decision: r.EvalDecision ?? "?" });
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    return out;
  }

  async stateBucket(bucket: string, region: string): Promise<StateBucketState> {
    const s3 = this.clients.s3?.(region) as Pick<S3Client, "send"> as Sender | undefined;
    if (!s3) throw new Error("no S3 client: the state bucket cannot be read");
    try {
      await this.io.send(s3, new HeadBucketCommand({ Bucket: bucket }), `S3 HeadBucket ${bucket} (${region})`);
    } catch (e) {
      const status = (e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
      const name = (e as { name?: string })?.name ?? "";
      if (status === 404 || name === "NotFound" || name === "NoSuchBucket") return { access: "missing", versioning: null, detail: `HeadBucket ${bucket} (${region}): 404, no such bucket` };
      if (status === 403 || name === "Forbidden" || name === "AccessDenied") return { access: "forbidden", versioning: null, detail: `HeadBucket ${bucket} (${region}): 403, access denied to this principal` };
      throw e;
    }
    const v = await this.io.send<{ Status?: string }>(s3, new GetBucketVersioningCommand({ Bucket: bucket }), `S3 GetBucketVersioning ${bucket} (${region})`);
    const versioning = v.Status ?? "never enabled";
    return { access: "ok", versioning, detail: `s3://${bucket} (${region}) reachable, versioning ${versioning}` };
  }

  async describeSecret(secretId: string, region: string): Promise<SecretMetadata> {
    const sm = this.clients.secretsmanager?.(region) as Sender | undefined;
    if (!sm) throw new Error("no Secrets Manager client: the secret cannot be read");
    try {
      const d = await this.io.send<{ ARN?: string; DeletedDate?: Date; PrimaryRegion?: string; ReplicationStatus?: Array<{ Region?: string; Status?: string; StatusMessage?: string }> }>(
        sm,
        new DescribeSecretCommand({ SecretId: secretId }),
        `Secrets Manager DescribeSecret ${secretId} (${region})`,
      );
      return {
        found: true,
        arn: d.ARN ?? null,
        deletedDate: d.DeletedDate ? new Date(d.DeletedDate).toISOString() : null,
        primaryRegion: d.PrimaryRegion ?? null,
        replication: (d.ReplicationStatus ?? []).map((r) => ({ region: r.Region ?? "?", status: r.Status ?? "?", message: r.StatusMessage ?? null })),
      };
    } catch (e) {
      if ((e as { name?: string })?.name === "ResourceNotFoundException") return { found: false, arn: null, deletedDate: null, primaryRegion: null, replication: [] };
      throw e;
    }
  }
}
