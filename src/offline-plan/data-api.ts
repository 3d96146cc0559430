/**
 * The fake account's answers to the reads a plain `terraform plan` makes for
 * the stacks' data sources (the `terraform test` plans override them
 * instead). Used only for the pipeline's own plan step
 * (scripts/ci/plan-stack.sh, run by src/offline-plan/ci-plan.ts): the values are
 * the same ones dataSourceValues() gives the overrides, in each service's
 * wire format (STS and EC2: query protocol, XML; SSM: JSON 1.1; EKS: REST
 * JSON; Route 53: REST XML). A call no data source of the stack explains is
 * left to the responder, which refuses and records it, and the check fails.
 */
import type * as http from "node:http";
import type { ValidConfig } from "../../src/config";
import { dataSourceValues, FAKE_ACCOUNT_ID, LOCAL_DATA_SOURCES } from "./fake-aws";
import type { ExtraAnswer, ExtraHandler } from "./responder";
import { providerRegions } from "./tftest";
import type { StackJson } from "./types";

const xml = (text: string): ExtraAnswer => ({ status: 200, contentType: "text/xml", text: `<?xml version="1.0" encoding="UTF-8"?>\n${text}` });
const json = (value: unknown, contentType = "application/x-amz-json-1.1"): ExtraAnswer => ({ status: 200, contentType, text: JSON.stringify(value) });
const esc = (s: unknown) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const REQUEST_ID = "<requestId>00000000-0000-4000-8000-000000000000</requestId>";

/** The region a request is signed for (SigV4 credential scope: key/date/region/service/aws4_request). */
export function signedRegion(req: http.IncomingMessage): string | undefined {
  return /Credential=[^/]+\/[^/]+\/([^/]+)\//.exec(String(req.headers.authorization ?? ""))?.[1];
}

/** Answers the stack's data-source reads with the fake account's values. */
export function dataApiHandler(stack: StackJson, config: ValidConfig): ExtraHandler {
  const regionOf = providerRegions(stack);
  // The values of each data source the stack declares, by type, with its region.
  const values: Array<{ type: string; region: string; args: Record<string, any>; v: Record<string, any> }> = [];
  for (const [type, items] of Object.entries(stack.data ?? {})) {
    if (LOCAL_DATA_SOURCES.has(type)) continue;
    for (const [name, args] of Object.entries(items)) {
      const region = regionOf(args.provider);
      values.push({ type, region, args, v: dataSourceValues(type, name, args, region, config) });
    }
  }
  const find = (type: string, region: string | undefined, match: (args: Record<string, any>, v: Record<string, any>) => boolean = () => true) =>
    values.find((x) => x.type === type && (region === undefined || x.region === region) && match(x.args, x.v));

  return (call, req, body) => {
    const region = signedRegion(req);
    const url = new URL(req.url ?? "/", "http://x");
    if (call.endsWith(" GetCallerIdentity")) {
      const v = find("aws_caller_identity", undefined)?.v;
      if (!v) return undefined;
      return xml(
        `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>${esc(v.arn)}</Arn><UserId>${esc(v.user_id)}</UserId><Account>${FAKE_ACCOUNT_ID}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>0</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
      );
    }
    if (call === "AmazonSSM.GetParameter") {
      const name = String((JSON.parse(body || "{}") as { Name?: string }).Name);
      const v = find("aws_ssm_parameter", region, (a) => a.name === name)?.v;
      if (!v) return undefined;
      return json({ Parameter: { Name: name, Type: v.type, Value: v.value, Version: 1, ARN: v.arn, DataType: "text", LastModifiedDate: 0 } });
    }
    if (call.endsWith(" DescribeAvailabilityZones")) {
      const v = find("aws_availability_zones", region)?.v;
      if (!v) return undefined;
      const items = (v.names as string[]).map(
        (n, i) =>
          `<item><zoneName>${n}</zoneName><zoneState>available</zoneState><regionName>${region}</regionName><zoneId>${(v.zone_ids as string[])[i]}</zoneId><zoneType>availability-zone</zoneType><groupName>${region}</groupName><optInStatus>opt-in-not-required</optInStatus><networkBorderGroup>${region}</networkBorderGroup><messageSet/></item>`,
      );
      return xml(`<DescribeAvailabilityZonesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">${REQUEST_ID}<availabilityZoneInfo>${items.join("")}</availabilityZoneInfo></DescribeAvailabilityZonesResponse>`);
    }
    if (call.endsWith(" DescribeManagedPrefixLists")) {
      const v = find("aws_ec2_managed_prefix_list", region)?.v;
      if (!v) return undefined;
      return xml(
        `<DescribeManagedPrefixListsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">${REQUEST_ID}<prefixListSet><item><prefixListId>${v.id}</prefixListId><addressFamily>IPv4</addressFamily><state>create-complete</state><prefixListArn>${esc(v.arn)}</prefixListArn><prefixListName>${esc(v.name)}</prefixListName><maxEntries>${v.max_entries}</maxEntries><version>1</version><tagSet/><ownerId>AWS</ownerId></item></prefixListSet></DescribeManagedPrefixListsResponse>`,
      );
    }
    if (call.endsWith(" GetManagedPrefixListEntries")) {
      if (!find("aws_ec2_managed_prefix_list", region)) return undefined;
      return xml(`<GetManagedPrefixListEntriesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">${REQUEST_ID}<entrySet/></GetManagedPrefixListEntriesResponse>`);
    }
    if (req.method === "GET" && url.pathname === "/addons/supported-versions") {
      const addon = url.searchParams.get("addonName");
      const k8s = url.searchParams.get("kubernetesVersion");
      const v = find("aws_eks_addon_version", region, (a) => a.addon_name === addon)?.v;
      if (!v) return undefined;
      return json(
        { addons: [{ addonName: addon, type: "networking", owner: "aws", addonVersions: [{ addonVersion: v.version, architecture: ["amd64", "arm64"], computeTypes: ["ec2"], compatibilities: [{ clusterVersion: k8s, defaultVersion: true, platformVersions: ["*"] }], requiresConfiguration: false }] }] },
        "application/json",
      );
    }
    // Route 53 (REST XML): the zone looked up by name.
    const zone = find("aws_route53_zone", undefined)?.v;
    const zoneXml = () =>
      zone
        ? `<HostedZone><Id>/hostedzone/${zone.zone_id}</Id><Name>${esc(zone.name)}.</Name><CallerReference>offline-plan</CallerReference><Config><PrivateZone>false</PrivateZone></Config><ResourceRecordSetCount>2</ResourceRecordSetCount></HostedZone>`
        : "";
    if (zone && req.method === "GET" && /^\/2013-04-01\/hostedzone(sbyname)?$/.test(url.pathname)) {
      const tag = url.pathname.endsWith("byname") ? "ListHostedZonesByNameResponse" : "ListHostedZonesResponse";
      return xml(`<${tag} xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><HostedZones>${zoneXml()}</HostedZones><IsTruncated>false</IsTruncated><MaxItems>100</MaxItems></${tag}>`);
    }
    if (zone && req.method === "GET" && url.pathname === `/2013-04-01/hostedzone/${zone.zone_id}`) {
      return xml(
        `<GetHostedZoneResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/">${zoneXml()}<DelegationSet><NameServers><NameServer>ns-1.awsdns-01.org</NameServer><NameServer>ns-2.awsdns-02.com</NameServer></NameServers></DelegationSet></GetHostedZoneResponse>`,
      );
    }
    if (zone && req.method === "GET" && url.pathname === `/2013-04-01/tags/hostedzone/${zone.zone_id}`) {
      return xml(`<ListTagsForResourceResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><ResourceTagSet><ResourceType>hostedzone</ResourceType><ResourceId>${zone.zone_id}</ResourceId><Tags/></ResourceTagSet></ListTagsForResourceResponse>`);
    }
    return undefined;
  };
}
