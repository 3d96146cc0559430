import type { Construct } from "constructs";
import type { TerraformProvider } from "cdktf";
import { DataAwsRoute53Zone } from "@cdktf/provider-aws/lib/data-aws-route53-zone";
import type { ValidConfig } from "../config";

/**
 * The public hosted zone of the domain, looked up by id when configured,
 * else by name (public zones only). A created zone (dns.createZone) is
 * looked up the same way once the `dns-zone` stack has made it.
 */
export function lookupZone(scope: Construct, id: string, dns: ValidConfig["dns"], provider?: TerraformProvider): DataAwsRoute53Zone {
  return new DataAwsRoute53Zone(scope, id, {
    provider,
    ...(dns.zoneId ? { zoneId: dns.zoneId } : { name: dns.zoneName, privateZone: false }),
  });
}
