import { DescribeAutoScalingGroupsCommand } from "@aws-sdk/client-auto-scaling";
import { DescribeImagesCommand, DescribeLaunchTemplateVersionsCommand, type EC2Client } from "@aws-sdk/client-ec2";
import { SimulatePrincipalPolicyCommand, type IAMClient } from "@aws-sdk/client-iam";
import type { RegionRole, ValidConfig } from "../config";
import type { AwsClients } from "./aws-platform";
import { names } from "./plan";
import type { FleetCapacityState, PermissionDecision } from "./platform";

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
 */

type Sender = { send: (cmd: never, opts?: never) => Promise<unknown> };

/** The extra clients (optional in AwsClients: stubs of the runbook tests need not have them). */
export interface ReadinessClients {
  ec2?(region: string): Pick<EC2Client, "send">;
  readonly iam?: Pick<IAMClient, "send">;
}

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
}
