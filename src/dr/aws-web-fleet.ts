import { DescribeAutoScalingGroupsCommand, UpdateAutoScalingGroupCommand } from "@aws-sdk/client-auto-scaling";
import { DescribeLoadBalancersCommand, DescribeTargetGroupsCommand, DescribeTargetHealthCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { RegionRole, ValidConfig } from "../config";
import type { AwsClients } from "./aws-clients";
import { AwsService, type AdapterCalls } from "./aws-service";
import type { Clock } from "./clock";
import { probeApp, readWalPositions } from "./http-probe";
import { names } from "./names";
import type { ProbeResult, WalPositions, WebState } from "./platform";

// The AWS adapter's web tier (part of AwsPlatform, aws-platform.ts): the Auto Scaling group and its target group
// (ELBv2), and the app's own view through the region's load balancer (probe, WAL positions).

export class AwsWebFleet extends AwsService {
  constructor(
    config: ValidConfig,
    clients: AwsClients,
    clock: Clock,
    calls: AdapterCalls,
    /** The HTTP check of a region's entry point (tests stub it: the ALB is not reachable from here). */
    private readonly probeFn: typeof probeApp,
    private readonly walFn: typeof readWalPositions,
  ) {
    super(config, clients, clock, calls);
  }

  /**
   * The fleet: the ASG's desired size and its instances, the target group's
   * targets. An ASG lists an instance in every lifecycle state (Pending,
   * InService, Terminating, Terminating:Wait, ...) until it is terminated
   * ("Amazon EC2 Auto Scaling instance lifecycle", EC2 Auto Scaling User
   * Guide), so no instance listed means none of the fleet still runs.
   */
  async web(role: RegionRole): Promise<WebState> {
    const n = names(this.config, role);
    const asg = (
      await this.send<{ AutoScalingGroups?: Array<{ MinSize?: number; DesiredCapacity?: number; Instances?: Array<{ LifecycleState?: string }> }> }>(
        this.clients.autoscaling(n.region),
        new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [n.asg] }),
        `Auto Scaling DescribeAutoScalingGroups (${n.region})`,
      )
    ).AutoScalingGroups?.[0];
    const elb = this.clients.elbv2(n.region);
    const tg = (await this.send<{ TargetGroups?: Array<{ TargetGroupArn?: string }> }>(elb, new DescribeTargetGroupsCommand({ Names: [n.targetGroup] }), `ELBv2 DescribeTargetGroups (${n.region})`)).TargetGroups?.[0];
    if (!tg?.TargetGroupArn) throw new Error(`target group ${n.targetGroup} not found in ${n.region}`);
    const th =
      (await this.send<{ TargetHealthDescriptions?: Array<{ TargetHealth?: { State?: string } }> }>(elb, new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }), `ELBv2 DescribeTargetHealth (${n.region})`))
        .TargetHealthDescriptions ?? [];
    const states = th.map((t) => t.TargetHealth?.State ?? "unknown");
    const healthy = states.filter((s) => s === "healthy").length;
    const counts = [...new Set(states)].map((s) => `${states.filter((x) => x === s).length} ${s}`).join(", ");
    const instances = asg?.Instances ?? [];
    const life = [...new Set(instances.map((i) => i.LifecycleState ?? "?"))].map((s) => `${instances.filter((i) => (i.LifecycleState ?? "?") === s).length} ${s}`).join(", ");
    return {
      role,
      healthyTargets: healthy,
      totalTargets: th.length,
      desiredCapacity: asg ? (asg.DesiredCapacity ?? null) : null,
      runningInstances: asg ? instances.length : null,
      detail: `ASG ${n.asg}: ${asg ? `min ${asg.MinSize} desired ${asg.DesiredCapacity}, instances ${instances.length}${life ? ` (${life})` : ""}` : "not found"}; ${n.targetGroup}: ${counts || "no targets"}`,
    };
  }

  async scaleWeb(role: RegionRole, size: number): Promise<string> {
    const n = names(this.config, role);
    const min = Math.min(size, this.config.web.minSize);
    await this.send(this.clients.autoscaling(n.region), new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: n.asg, MinSize: min, DesiredCapacity: size }), `Auto Scaling UpdateAutoScalingGroup (${n.region})`);
    return `ASG ${n.asg} (${n.region}): min ${min}, desired ${size}`;
  }

  private async entryPoint(role: RegionRole): Promise<{ baseUrl: string; host?: string } | string> {
    const n = names(this.config, role);
    const lb = (await this.send<{ LoadBalancers?: Array<{ DNSName?: string }> }>(this.clients.elbv2(n.region), new DescribeLoadBalancersCommand({ Names: [n.alb] }), `ELBv2 DescribeLoadBalancers (${n.region})`)).LoadBalancers?.[0];
    if (!lb?.DNSName) return `load balancer ${n.alb} not found in ${n.region}`;
    // With dns enabled (or a certificate) the ALB listens on HTTPS with a certificate for the domain.
    const tls = this.config.dns.enabled || this.config.regions[role].certificateArn !== undefined;
    return { baseUrl: `${tls ? "https" : "http"}://${lb.DNSName}`, ...(this.config.dns.enabled ? { host: this.config.dns.domainName } : {}) };
  }

  async probe(role: RegionRole, opts: { readonly write: boolean }): Promise<ProbeResult> {
    const ep = await this.entryPoint(role);
    if (typeof ep === "string") return { ok: false, dbRole: null, writable: null, wrote: null, detail: ep };
    return this.probeFn({ ...ep, timeoutMs: 5_000 }, this.config.web.readinessPath, opts.write, `dr runbook verification ${new Date(this.clock.now()).toISOString()}`);
  }

  /** The app's view of its database's WAL positions, through the region's ALB (the database itself is private). */
  async walPositions(role: RegionRole): Promise<WalPositions> {
    const ep = await this.entryPoint(role);
    if (typeof ep === "string") {
      return { ok: false, inRecovery: null, lsn: null, receiveLsn: null, replayLsn: null, replayPaused: null, receiverStatus: null, senderLsn: null, lastMessageAgeSeconds: null, receiverTimeoutSeconds: null, requestedAt: this.clock.now(), detail: ep };
    }
    return this.walFn({ ...ep, timeoutMs: 5_000 }, this.config.web.readinessPath, () => this.clock.now());
  }
}
