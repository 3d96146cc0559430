import { GetParameterCommand, PutParameterCommand } from "@aws-sdk/client-ssm";
import type { RegionRole } from "../config";
import { encodeEndpoints, endpointsParameterName, parseEndpoints, type DbEndpoints } from "../database/endpoints-parameter";
import { failed as requestFailure } from "./aws-aurora-restore";
import { classifyAwsError } from "./aws-errors";
import { AwsService, isNotFound } from "./aws-service";
import type { EndpointsParameterPlatform, EndpointsParameterState } from "./endpoints-parameter-platform";
import { sameEndpoints } from "./endpoints-check";
import type { RestoreAttempt } from "./restore-platform";

/**
 * EndpointsParameterPlatform on AWS (part of AwsPlatform, aws-platform.ts): a region's database endpoints parameter
 * (src/database/endpoints-parameter.ts), read and written with SSM Parameter Store in THAT region only (the writer's
 * region for the restore's move: no call in another region, REL11-BP04). What it relies on, SSM API Reference
 * (https://docs.aws.amazon.com/systems-manager/latest/APIReference/):
 * - GetParameter: the parameter's Value; a name that does not exist answers ParameterNotFound ("The parameter couldn't
 *   be found. Verify the name and try again."): found false. Any other error is thrown (the region did not answer).
 * - PutParameter: Overwrite "Overwrite an existing parameter. The default value is false." (API_PutParameter.html), so
 *   Overwrite true replaces the value of the parameter the stacks created; Type "String": "Specifying a parameter
 *   type isn't required when updating a parameter. You must specify a parameter type when creating a parameter"
 *   (same page, Type): given anyway, the type the stacks create it with, so a parameter deleted by someone is
 *   re-created as the app expects it. Tags are not sent (PutParameter refuses Tags with Overwrite).
 * - Idempotent: the value is read first and an equal one (compared parsed: Terraform's jsonencode sorts keys) sends
 *   nothing ("exists"). A failed PutParameter is judged like the restore's requests (aws-aurora-restore.ts
 *   requestFailure): a 4xx "refused", throttling "refused", a permanent cause thrown, no connection "not-sent",
 *   else "unknown" (it may have been taken): the plan's wait reads the value back.
 */
export class AwsEndpointsParameter extends AwsService implements EndpointsParameterPlatform {
  async endpointsParameter(role: RegionRole): Promise<EndpointsParameterState> {
    const region = this.region(role);
    const name = endpointsParameterName(this.config, role);
    let raw: string | undefined;
    try {
      const out = await this.send<{ Parameter?: { Value?: string } }>(this.clients.ssm(region), new GetParameterCommand({ Name: name }), `SSM GetParameter ${name} (${region})`);
      raw = out.Parameter?.Value;
    } catch (e) {
      if (isNotFound(e, "ParameterNotFound")) return { name, found: false, value: null, detail: `no SSM parameter ${name} in ${region} (ParameterNotFound)` };
      throw e;
    }
    if (raw === undefined) return { name, found: true, value: null, detail: `SSM parameter ${name} (${region}) has no value` };
    try {
      const value = parseEndpoints(raw);
      return { name, found: true, value, detail: `${name} (${region}): cluster ${value.cluster}, writer ${value.writer}, reader ${value.reader}, port ${value.port}` };
    } catch (e) {
      return { name, found: true, value: null, detail: `${name} (${region}): ${(e as Error).message}` };
    }
  }

  async putEndpointsParameter(role: RegionRole, value: DbEndpoints): Promise<RestoreAttempt> {
    const region = this.region(role);
    const name = endpointsParameterName(this.config, role);
    const encoded = encodeEndpoints(value);
    try {
      const now = await this.endpointsParameter(role);
      if (sameEndpoints(now.value, value)) return { outcome: "exists", detail: `${name} (${region}) already names ${value.cluster} (${value.writer}): not written again` };
    } catch (e) {
      if (classifyAwsError(e)?.permanent) throw e;
      return { outcome: "not-sent", detail: `reading ${name} in ${region} before PutParameter failed (${(e as Error)?.message ?? String(e)}): not sent` };
    }
    const what = `SSM PutParameter ${name} (${region})`;
    const r = await this.sendRequest(this.clients.ssm(region), new PutParameterCommand({ Name: name, Value: encoded, Type: "String", Overwrite: true }), what);
    if (r.ok) return { outcome: "requested", detail: `${what} = ${encoded}: taken` };
    return requestFailure(r.error, r.mayHaveBeenSent, what, name, "");
  }
}
