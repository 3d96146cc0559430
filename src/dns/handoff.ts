import { Construct } from "constructs";
import type { TerraformProvider } from "cdktf";
import { DataAwsSsmParameter } from "@cdktf/provider-aws/lib/data-aws-ssm-parameter";
import { SsmParameter } from "@cdktf/provider-aws/lib/ssm-parameter";

export interface AlbHandoffNames {
  readonly dnsName: string;
  readonly zoneId: string;
}

/**
 * Publishes a region's ALB alias target (DNS name, hosted zone id) as SSM
 * parameters in the handoff region (src/dns/contract.ts). Not secret: both
 * values are public in DNS. The dns stack reads them there instead of
 * reading the regional stack's state, which may be in the region that is down.
 */
export class AlbHandoff extends Construct {
  constructor(scope: Construct, id: string, props: { names: AlbHandoffNames; dnsName: string; zoneId: string; provider?: TerraformProvider }) {
    super(scope, id);
    const param = (cid: string, name: string, value: string, what: string) =>
      new SsmParameter(this, cid, { provider: props.provider, name, type: "String", value, description: `${what} (read by the dns stack)` });
    param("DnsName", props.names.dnsName, props.dnsName, "ALB DNS name");
    param("ZoneId", props.names.zoneId, props.zoneId, "ALB hosted zone id");
  }
}

/** Reads a region's ALB alias target published by AlbHandoff. */
export function readAlbHandoff(scope: Construct, id: string, names: AlbHandoffNames, provider?: TerraformProvider): AlbHandoffNames {
  return {
    dnsName: new DataAwsSsmParameter(scope, `${id}DnsName`, { provider, name: names.dnsName }).value,
    zoneId: new DataAwsSsmParameter(scope, `${id}ZoneId`, { provider, name: names.zoneId }).value,
  };
}

/**
 * Publishes non-secret values (ids, names) one stack hands to another as SSM
 * String parameters, the same way as AlbHandoff: found by name, never by
 * reading the other stack's state.
 */
export class ParameterHandoff extends Construct {
  constructor(scope: Construct, id: string, props: { readonly parameters: ReadonlyArray<{ readonly id: string; readonly name: string; readonly value: string; readonly description: string }>; readonly provider?: TerraformProvider }) {
    super(scope, id);
    for (const p of props.parameters) new SsmParameter(this, p.id, { provider: props.provider, name: p.name, type: "String", value: p.value, description: p.description });
  }
}

/** Reads one parameter published by ParameterHandoff. */
export function readParameter(scope: Construct, id: string, name: string, provider?: TerraformProvider): string {
  return new DataAwsSsmParameter(scope, id, { provider, name }).value;
}
