/**
 * The readiness check's AWS side, stubbed (no AWS API emulator runs here): FakeAws's clients plus EC2
 * (DescribeLaunchTemplateVersions, DescribeImages) and IAM (SimulatePrincipalPolicy), and the ASG's MaxSize and
 * launch template on DescribeAutoScalingGroups; S3 HeadBucket / GetBucketVersioning (the state buckets) and Secrets
 * Manager DescribeSecret (the db master secret and its replica), answered as the SDK does (HeadBucket's errors have
 * no body: name NotFound / Forbidden and $metadata.httpStatusCode; a missing secret ResourceNotFoundException). Every call goes through FakeAws.enter (recorded; hangs, injected
 * errors and down regions apply), so a region that is down is down for these calls too.
 */
import { DescribeAutoScalingGroupsCommand } from "@aws-sdk/client-auto-scaling";
import { DescribeImagesCommand, DescribeLaunchTemplateVersionsCommand } from "@aws-sdk/client-ec2";
import { SimulatePrincipalPolicyCommand } from "@aws-sdk/client-iam";
import { GetBucketVersioningCommand, HeadBucketCommand } from "@aws-sdk/client-s3";
import { DescribeSecretCommand } from "@aws-sdk/client-secrets-manager";
import type { AwsClients } from "../../src/dr/aws-clients";
import type { FakeAws } from "./fake-aws";

export class FakeReadinessAws {
  /** The ASGs' MaxSize per region. */
  readonly maxSize: Record<string, number> = { "us-east-2": 6, "us-west-1": 6 };
  /** The launch template each region's ASG names; null: none. */
  readonly launchTemplate: Record<string, { id: string; version: string } | null> = { "us-east-2": { id: "lt-use2", version: "$Latest" }, "us-west-1": { id: "lt-usw1", version: "$Latest" } };
  /** Launch templates that exist (by id) and the AMI their version resolves to (ResolveAlias). */
  readonly templates = new Map<string, string>([["lt-use2", "ami-use2"], ["lt-usw1", "ami-usw1"]]);
  /** AMI states (absent: deregistered / disabled, not listed). */
  readonly images = new Map<string, string>([["ami-use2", "available"], ["ami-usw1", "available"]]);
  /** State buckets (S3): name -> versioning Status (undefined: never enabled). Absent: 404. */
  readonly buckets = new Map<string, string | undefined>([["drweb-tfstate-use2", "Enabled"], ["drweb-tfstate-usw1", "Enabled"]]);
  /** Buckets whose HeadBucket answers 403. */
  readonly forbiddenBuckets = new Set<string>();
  /** Secrets by "<region> <name>": DeletedDate, PrimaryRegion and ReplicationStatus as DescribeSecret gives them. Absent: ResourceNotFoundException. */
  readonly secrets = new Map<string, { DeletedDate?: Date; PrimaryRegion: string; ReplicationStatus?: Array<{ Region: string; Status: string; StatusMessage?: string }> }>([
    ["us-east-2 drweb-prod/db/master", { PrimaryRegion: "us-east-2", ReplicationStatus: [{ Region: "us-west-1", Status: "InSync", StatusMessage: "Replication succeeded" }] }],
    ["us-west-1 drweb-prod/db/master", { PrimaryRegion: "us-east-2" }],
  ]);
  /** Actions the runbook's role is denied (implicitDeny). */
  readonly denied = new Set<string>();

  /** base: the clients to add to (default FakeAws's; the Aurora tests pass FakeAurora's). */
  constructor(
    private readonly aws: FakeAws,
    private readonly base: () => AwsClients = () => aws.clients(),
  ) {}

  clients(): AwsClients {
    const base = this.base();
    const mk = (client: string, region: string, handle: (cmd: { input: Record<string, unknown> }) => unknown) => ({
      send: async (cmd: { input: Record<string, unknown> }, opts?: { abortSignal?: AbortSignal }) => {
        const call = { client, region, command: cmd.constructor.name, input: cmd.input };
        if ((await this.aws.enter(call, opts)) === "hang") {
          return new Promise((_, reject) => opts?.abortSignal?.addEventListener("abort", () => reject(Object.assign(new Error("Request aborted"), { name: "AbortError" })), { once: true }));
        }
        return handle(cmd);
      },
    });
    return {
      ...base,
      autoscaling: (region) => {
        const real = base.autoscaling(region) as unknown as { send: (c: unknown, o?: unknown) => Promise<{ AutoScalingGroups?: Array<Record<string, unknown>> }> };
        return {
          send: async (cmd: unknown, opts?: unknown) => {
            const out = await real.send(cmd, opts);
            if (cmd instanceof DescribeAutoScalingGroupsCommand) {
              const lt = this.launchTemplate[region];
              for (const g of out.AutoScalingGroups ?? []) Object.assign(g, { MaxSize: this.maxSize[region], ...(lt ? { LaunchTemplate: { LaunchTemplateId: lt.id, Version: lt.version } } : {}) });
            }
            return out;
          },
        } as never;
      },
      ec2: (region) =>
        mk("ec2", region, (cmd) => {
          if (cmd instanceof DescribeLaunchTemplateVersionsCommand) {
            const id = cmd.input.LaunchTemplateId!;
            const ami = this.templates.get(id);
            if (!ami) throw Object.assign(new Error(`The specified launch template, with template ID ${id}, does not exist.`), { name: "InvalidLaunchTemplateId.NotFound" });
            if (cmd.input.ResolveAlias !== true) throw new Error("the stub expects ResolveAlias: true (the fleet's ImageId is resolve:ssm:)");
            return { LaunchTemplateVersions: [{ LaunchTemplateId: id, VersionNumber: 3, LaunchTemplateData: { ImageId: ami } }] };
          }
          if (cmd instanceof DescribeImagesCommand) {
            const ids = cmd.input.ImageIds!;
            return { Images: ids.filter((i) => this.images.has(i)).map((i) => ({ ImageId: i, State: this.images.get(i) })) };
          }
          throw new Error(`ec2 stub: ${cmd.constructor.name}`);
        }) as never,
      s3: (region) => {
        const state = mk("s3", region, (cmd) => {
          const bucket = String(cmd.input.Bucket);
          if (cmd instanceof HeadBucketCommand) {
            // No body on a HEAD error: the SDK names it after the status (NotFound / Forbidden).
            if (this.forbiddenBuckets.has(bucket)) throw Object.assign(new Error("Forbidden"), { name: "Forbidden", $metadata: { httpStatusCode: 403 } });
            if (!this.buckets.has(bucket)) throw Object.assign(new Error("NotFound"), { name: "NotFound", $metadata: { httpStatusCode: 404 } });
            return { BucketRegion: region };
          }
          const status = this.buckets.get(bucket);
          return status ? { Status: status } : {};
        });
        // HeadBucket / GetBucketVersioning here; anything else (the run report's PutObject) to the base clients.
        return {
          send: (cmd: { input: Record<string, unknown> }, opts?: { abortSignal?: AbortSignal }) =>
            cmd instanceof HeadBucketCommand || cmd instanceof GetBucketVersioningCommand ? state.send(cmd, opts) : (base.s3!(region) as unknown as typeof state).send(cmd, opts),
        } as never;
      },
      secretsmanager: (region) =>
        mk("secretsmanager", region, (cmd) => {
          if (!(cmd instanceof DescribeSecretCommand)) throw new Error(`secretsmanager stub: ${cmd.constructor.name} (the check reads metadata only)`);
          const id = String(cmd.input.SecretId);
          const sec = this.secrets.get(`${region} ${id}`);
          if (!sec) throw Object.assign(new Error("Secrets Manager can't find the specified secret."), { name: "ResourceNotFoundException" });
          return { ARN: `arn:aws:secretsmanager:${region}:123456789012:secret:${id}-AbCdEf`, Name: id, ...sec };
        }) as never,
      iam: mk("iam", "us-east-1", (cmd) => {
        if (!(cmd instanceof SimulatePrincipalPolicyCommand)) throw new Error(`iam stub: ${cmd.constructor.name}`);
        const names = cmd.input.ActionNames!;
        // Two pages, to exercise the Marker loop.
        const start = cmd.input.Marker ? Number(cmd.input.Marker) : 0;
        const page = names.slice(start, start + 20);
        return {
          EvaluationResults: page.map((a) => ({ EvalActionName: a, EvalResourceName: "*", EvalDecision: this.denied.has(a) ? "implicitDeny" : "allowed" })),
          IsTruncated: start + 20 < names.length,
          ...(start + 20 < names.length ? { Marker: String(start + 20) } : {}),
        };
      }) as never,
    };
  }
}
