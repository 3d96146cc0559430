import { DeleteParameterCommand, GetParameterCommand, PutParameterCommand } from "@aws-sdk/client-ssm";
import { handoffRegion, runbookLeaseParameter } from "../dns/contract";
import { AwsService } from "./aws-service";
import { holderIsDead, LeaseHeldError, type HeldLease, type LeaseHolder } from "./lease";

// The AWS adapter's runbook lease (part of AwsPlatform, aws-platform.ts): an SSM parameter in the handoff region.

export class AwsLease extends AwsService {
  /**
   * The runbook's exclusive lease where every operator's machine sees it: an SSM String parameter in the handoff
   * (surviving) region, runbookLeaseParameter, created with PutParameter Overwrite=false. SSM API Reference,
   * PutParameter: "Overwrite: Overwrite an existing parameter. The default value is false." and
   * ParameterAlreadyExists: "The parameter already exists. You can't create duplicate parameters."
   * (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html): of two runs creating
   * it, one gets ParameterAlreadyExists and reads the holder (GetParameter). A lease found holding this run's own
   * token (a PutParameter whose answer was lost) is this run's. A holder is taken over only when provably dead
   * (recorded on this host, its pid gone: lease.ts holderIsDead); otherwise the run is refused naming it.
   * Released with DeleteParameter, only while it still holds this run's token. Data-plane calls in the
   * surviving region (IAM: ssm:PutParameter, ssm:GetParameter, ssm:DeleteParameter on that parameter's ARN).
   */
  async acquireLease(holder: LeaseHolder): Promise<HeldLease> {
    const region = handoffRegion(this.config);
    const name = runbookLeaseParameter(this.config);
    const ssm = this.clients.ssm(region);
    const where = `SSM parameter ${name} (${region})`;
    const read = async (): Promise<LeaseHolder | null | "missing"> => {
      try {
        const out = await this.send<{ Parameter?: { Value?: string } }>(ssm, new GetParameterCommand({ Name: name }), `SSM GetParameter ${name} (${region})`);
        try {
          const h = JSON.parse(out.Parameter?.Value ?? "") as LeaseHolder;
          return typeof h.pid === "number" && typeof h.host === "string" ? h : null;
        } catch {
          return null;
        }
      } catch (e) {
        if ((e as { name?: string }).name === "ParameterNotFound") return "missing";
        throw e;
      }
    };
    const put = async (): Promise<boolean> => {
      try {
        await this.send(
          ssm,
          new PutParameterCommand({ Name: name, Value: JSON.stringify(holder), Type: "String", Overwrite: false, Description: "dr runbook lease: a failover/failback is running (deleted when it ends)" }),
          `SSM PutParameter ${name} (${region})`,
        );
        return true;
      } catch (e) {
        if ((e as { name?: string }).name === "ParameterAlreadyExists") return false;
        throw e;
      }
    };
    const held = (tookOverFrom?: LeaseHolder): HeldLease => ({
      where,
      holder,
      ...(tookOverFrom ? { tookOverFrom } : {}),
      release: async () => {
        const now = await read();
        if (now !== "missing" && now !== null && now.token === holder.token) await this.send(ssm, new DeleteParameterCommand({ Name: name }), `SSM DeleteParameter ${name} (${region})`);
      },
    });
    const clear = `aws ssm delete-parameter --region ${region} --name ${name}`;
    for (let attempt = 0; attempt < 3; attempt++) {
      if (await put()) return held();
      const h = await read();
      if (h === "missing") continue; // released meanwhile
      if (h !== null && h.token === holder.token) return held(); // our own earlier attempt took it
      if (!holderIsDead(h)) throw new LeaseHeldError(where, h, clear);
      await this.send(ssm, new DeleteParameterCommand({ Name: name }), `SSM DeleteParameter ${name} (${region})`).catch((e: unknown) => {
        if ((e as { name?: string }).name !== "ParameterNotFound") throw e;
      });
      if (await put()) return held(h ?? undefined);
    }
    const last = await read();
    throw new LeaseHeldError(where, last === "missing" ? null : last, clear);
  }
}
