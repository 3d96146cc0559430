/**
 * The fake AWS account of the offline plan: provider settings that keep the
 * real hashicorp/aws provider away from AWS, the values of the data sources
 * that would call AWS, and plausible values for attributes AWS computes when
 * a resource is created. None of these values is real; docs/offline-plan.md "Offline plan"
 * says what that means for what the plan proves.
 */
import * as crypto from "node:crypto";
import type { ValidConfig } from "../../src/config";
import { KNOWN_REGION_AZ_LETTERS } from "../../src/config/regions";
import { albHandoffParameters, certificateValidationParameter, HEALTH_CHECK_ROLES, healthCheckParameter } from "../../src/dns/contract";
import { Naming } from "../../src/lib/naming";
import { albName } from "../../src/web/load-balancer";

/**
 * The endpoint of a region that is down (regions.secondary.unreachable
 * checks): port 1 on loopback, where nothing listens inside the plan's
 * network namespace (the responder binds a port the kernel picks), so every
 * connection is refused. The control transition
 * peer-down-primary-without-switch proves the refusal reaches the plan.
 */
export const REFUSED_ENDPOINT = "http://127.0.0.1:1";

/** AWS's documentation example account (never a real one). */
export const FAKE_ACCOUNT_ID = "123456789012";
/** A syntactically valid hosted zone id for the looked-up zone. */
export const FAKE_ZONE_ID = "Z0OFFLINEPLAN0000000";
export const FAKE_AMI = "ami-0123456789abcdef0";

/**
 * Provider arguments that replace credentials and discovery: static fake
 * keys, no STS/IMDS/region lookups, one retry, and every service endpoint on
 * the loopback responder (src/offline-plan/responder.ts). Argument names: the
 * provider's schema (`terraform providers schema -json`); what each skip does:
 * https://registry.terraform.io/providers/hashicorp/aws/5.100.0/docs#skip_credentials_validation
 */
export function offlineProviderSettings(endpointNames: readonly string[], endpointUrl: string): Record<string, unknown> {
  return {
    access_key: "AKIAOFFLINEPLAN00000",
    secret_key: "offline-plan-fake-secret-key-not-a-credential",
    skip_credentials_validation: true,
    skip_requesting_account_id: true,
    skip_metadata_api_check: true,
    skip_region_validation: true,
    max_retries: 1,
    endpoints: [Object.fromEntries(endpointNames.map((n) => [n, endpointUrl]))],
  };
}

/**
 * Endpoint names that are aliases of another name of the same service. The
 * provider warns "Only one of the following attributes should be set" when
 * two names of one service are set (hashicorp/aws 5.100.0, names/data); the
 * first name of each group is kept. Captured from the provider's own
 * warnings with every endpoint set; a name missing here makes the plan
 * report that warning, so a provider upgrade cannot go unnoticed.
 */
const ENDPOINT_ALIASES: readonly (readonly string[])[] = [
  ["lexv2models", "lexmodelsv2"], ["cur", "costandusagereportservice"], ["elasticsearch", "es", "elasticsearchservice"],
  ["appautoscaling", "applicationautoscaling"], ["rbin", "recyclebin"], ["ce", "costexplorer"], ["kafka", "msk"],
  ["oam", "cloudwatchobservabilityaccessmanager"], ["serverlessrepo", "serverlessapprepo", "serverlessapplicationrepository"],
  ["opensearch", "opensearchservice"], ["simpledb", "sdb"], ["amp", "prometheus", "prometheusservice"],
  ["lexmodels", "lexmodelbuilding", "lexmodelbuildingservice", "lex"], ["elasticbeanstalk", "beanstalk"],
  ["databrew", "gluedatabrew"], ["transcribe", "transcribeservice"], ["events", "eventbridge", "cloudwatchevents"],
  ["deploy", "codedeploy"], ["osis", "opensearchingestion"], ["evidently", "cloudwatchevidently"],
  ["redshiftdata", "redshiftdataapiservice"], ["elbv2", "elasticloadbalancingv2"], ["grafana", "managedgrafana", "amg"],
  ["cloudcontrol", "cloudcontrolapi"], ["elb", "elasticloadbalancing"], ["sfn", "stepfunctions"],
  ["resourcegroupstaggingapi", "resourcegroupstagging"], ["cloudhsmv2", "cloudhsm"], ["logs", "cloudwatchlog", "cloudwatchlogs"],
  ["ds", "directoryservice"], ["servicecatalogappregistry", "appregistry"], ["dms", "databasemigration", "databasemigrationservice"],
  ["s3", "s3api"], ["configservice", "config"], ["appintegrations", "appintegrationsservice"], ["inspector2", "inspectorv2"],
  ["cognitoidp", "cognitoidentityprovider"], ["location", "locationservice"], ["rum", "cloudwatchrum"],
];

/** One endpoint name per service, from the names the provider's schema offers. */
export function endpointNamesOnePerService(schemaNames: readonly string[]): string[] {
  const aliases = new Set(ENDPOINT_ALIASES.flatMap((g) => g.slice(1)));
  return schemaNames.filter((n) => !aliases.has(n)).sort();
}

/**
 * Canonical hosted zone ids of Application Load Balancers per region (AWS
 * General Reference, "Elastic Load Balancing endpoints and quotas"); what an
 * ALB's `zone_id` reads in that region.
 */
const ALB_ZONE_IDS: Readonly<Record<string, string>> = {
  "us-east-1": "Z35SXDOTRQ7X7K",
  "us-east-2": "Z3AADJGX6KTTL2",
  "us-west-1": "Z368ELLRRE2KJ0",
  "us-west-2": "Z1H1FL5HABSF5",
  "eu-west-1": "Z32O12XQLNTSW2",
  "eu-central-1": "Z215JYRZR1TBD5",
};

/** Data sources that the provider answers locally (no AWS call): they run for real. */
export const LOCAL_DATA_SOURCES = new Set(["aws_iam_policy_document", "aws_partition", "aws_elb_service_account", "aws_region", "aws_default_tags"]);

/** A deterministic hex token for an address. */
export function token(seed: string, length = 17): string {
  return crypto.createHash("sha256").update(seed).digest("hex").slice(0, length);
}

/**
 * The fake account's answer for a data source that would call AWS, or an
 * Error naming the data source and where to add its value.
 */
export function dataSourceValues(type: string, name: string, args: Record<string, any>, region: string, config: ValidConfig): Record<string, unknown> {
  switch (type) {
    case "aws_caller_identity":
      return { account_id: FAKE_ACCOUNT_ID, arn: `arn:aws:iam::${FAKE_ACCOUNT_ID}:user/offline-plan`, user_id: "AIDAOFFLINEPLAN00000", id: FAKE_ACCOUNT_ID };
    case "aws_availability_zones": {
      // The account sees every AZ AWS publishes for the region.
      const letters = KNOWN_REGION_AZ_LETTERS[region] ?? ["a", "b", "c"];
      return { names: letters.map((l) => `${region}${l}`), zone_ids: letters.map((_, i) => `${region}-az${i + 1}`), id: region };
    }
    case "aws_ec2_managed_prefix_list":
      return { id: "pl-0123456789abcdef0", arn: `arn:aws:ec2:${region}:aws:prefix-list/pl-0123456789abcdef0`, name: args.name, owner_id: "AWS", max_entries: 0 };
    case "aws_eks_addon_version":
      return { version: "v1.0.0-eksbuild.1", id: args.addon_name };
    // The Aurora mode's plan-time offering check (src/database/aurora-offering.ts):
    // the fake account offers the configured version and class, both with
    // Global Database support. What the provider returns, as it would
    // compute it: the first of `preferred_versions` / `preferred_instance_classes`
    // the region has (the configured one, listed first); the region's
    // default version for the `default_only` lookup. The refusal checks
    // (aurora-scenarios.ts auroraRefusals) answer otherwise.
    case "aws_rds_engine_version": {
      const version = args.default_only ? config.database.engineVersion : String(args.preferred_versions?.[0] ?? args.version);
      return { version, version_actual: version, id: version, engine: args.engine, parameter_group_family: `${args.engine}${version.split(".")[0]}`, status: "available", supports_global_databases: true };
    }
    case "aws_rds_orderable_db_instance": {
      const cls = String(args.preferred_instance_classes?.[0] ?? args.instance_class);
      return { id: cls, instance_class: cls, engine: args.engine, engine_version: config.database.engineVersion, supports_clusters: true, supports_global_databases: true, supports_storage_encryption: true };
    }
    // The account's GitHub OIDC provider (ci.createOidcProvider false): IAM's
    // ARN of an OIDC provider is oidc-provider/<url without https://>.
    case "aws_iam_openid_connect_provider": {
      const host = String(args.url).replace(/^https:\/\//, "");
      return { arn: `arn:aws:iam::${FAKE_ACCOUNT_ID}:oidc-provider/${host}`, id: `arn:aws:iam::${FAKE_ACCOUNT_ID}:oidc-provider/${host}`, url: host, client_id_list: ["sts.amazonaws.com"], thumbprint_list: [], tags: {} };
    }
    case "aws_route53_zone":
      return { zone_id: config.dns.zoneId ?? FAKE_ZONE_ID, id: config.dns.zoneId ?? FAKE_ZONE_ID, name: config.dns.zoneName, private_zone: false };
    case "aws_ssm_parameter": {
      const value = ssmParameterValue(String(args.name), config);
      if (value === undefined) break;
      return { value, insecure_value: value, type: "String", id: args.name, arn: `arn:aws:ssm:${region}:${FAKE_ACCOUNT_ID}:parameter${args.name}` };
    }
  }
  throw new Error(
    `offline plan: no fake value for data.${type}.${name} (${JSON.stringify(args).slice(0, 120)}): it would call AWS. ` +
      "Fix: add its value to dataSourceValues() in src/offline-plan/fake-aws.ts (or, if the provider answers it locally, to LOCAL_DATA_SOURCES)",
  );
}

/** What the stacks hand each other through SSM (src/dns/contract.ts), as the writing stack would have stored it. */
function ssmParameterValue(name: string, config: ValidConfig): string | undefined {
  if (name === config.web.amiSsmParameter) return FAKE_AMI;
  // dns-zone: the FQDN of the ACM validation record (as aws_route53_record
  // stores it: lower case, no final dot), the one acmValidationRecordName gives.
  if (name === certificateValidationParameter(config)) return acmValidationRecordName(config.dns.domainName).replace(/\.$/, "");
  // dns: the ids of its health checks (Route53 health check ids are UUIDs).
  for (const role of HEALTH_CHECK_ROLES) {
    if (name === healthCheckParameter(config, role)) return `${token(name, 8)}-0000-4000-8000-${token(name + role, 12)}`;
  }
  for (const role of ["primary", "secondary"] as const) {
    const region = config.regions[role].region;
    const p = albHandoffParameters(config, role);
    if (name === p.dnsName) return `${albName(new Naming(config.project, config.environment, region).regional)}-1234567890.${region}.elb.amazonaws.com`;
    if (name === p.zoneId) return ALB_ZONE_IDS[region] ?? "Z0FAKEALBZONE000000";
  }
  return undefined;
}

/**
 * The DNS validation record name ACM gives a certificate for `domain`: the
 * same for every certificate of that name in the account, in every region
 * (src/dns/certificate.ts), with the final dot ACM writes.
 */
export function acmValidationRecordName(domain: string): string {
  return `_${token(`acm-validation:${domain}`, 32)}.${domain}.`;
}

/** ARN service of a resource type where it is not the type's second word. */
const ARN_SERVICE: Readonly<Record<string, string>> = {
  aws_lb: "elasticloadbalancing", aws_lb_listener: "elasticloadbalancing", aws_lb_target_group: "elasticloadbalancing",
  aws_cloudwatch_log_group: "logs", aws_db_instance: "rds", aws_db_parameter_group: "rds", aws_db_subnet_group: "rds",
  aws_eip: "ec2", aws_vpc: "ec2", aws_subnet: "ec2", aws_security_group: "ec2", aws_default_security_group: "ec2",
  aws_route_table: "ec2", aws_internet_gateway: "ec2", aws_nat_gateway: "ec2", aws_launch_template: "ec2", aws_flow_log: "ec2",
  aws_vpc_security_group_ingress_rule: "ec2", aws_vpc_security_group_egress_rule: "ec2", aws_cloudwatch_metric_alarm: "cloudwatch",
};
const GLOBAL_SERVICES = new Set(["iam", "route53", "s3"]);

/** Id prefixes AWS uses (the provider validates some, e.g. lt- in launch_template.id). */
const ID_PREFIX: Readonly<Record<string, string>> = {
  aws_launch_template: "lt-", aws_vpc: "vpc-", aws_subnet: "subnet-", aws_security_group: "sg-", aws_default_security_group: "sg-",
  aws_route_table: "rtb-", aws_internet_gateway: "igw-", aws_nat_gateway: "nat-", aws_eip: "eipalloc-", aws_flow_log: "fl-",
  aws_vpc_security_group_ingress_rule: "sgr-", aws_vpc_security_group_egress_rule: "sgr-",
};
const ATTRIBUTE_PREFIX: Readonly<Record<string, string>> = {
  allocation_id: "eipalloc-", default_network_acl_id: "acl-", default_route_table_id: "rtb-", main_route_table_id: "rtb-",
  default_security_group_id: "sg-", dhcp_options_id: "dopt-", network_interface_id: "eni-", security_group_rule_id: "sgr-",
  association_id: "eipassoc-",
};

/**
 * A value AWS would compute for a string attribute of a new resource: ARNs
 * and ids in AWS's formats (some are validated by the provider), else an
 * empty string (what the provider reads for an unset optional attribute).
 */
export function computedString(type: string, address: string, attribute: string, region: string): string {
  if (attribute === "arn" || attribute.endsWith("_arn")) {
    const service = ARN_SERVICE[type] ?? type.split("_")[1];
    return `arn:aws:${service}:${GLOBAL_SERVICES.has(service) ? "" : region}:${FAKE_ACCOUNT_ID}:${type.slice(4)}/${token(address + attribute, 12)}`;
  }
  if (attribute === "id" && ID_PREFIX[type]) return ID_PREFIX[type] + token(address);
  if (ATTRIBUTE_PREFIX[attribute]) return ATTRIBUTE_PREFIX[attribute] + token(address + attribute);
  if (attribute === "id" || attribute.endsWith("_id")) return token(address + attribute, 12);
  return "";
}

/** Values of computed attributes that are not plain strings, or whose format other resources depend on. */
export function computedSpecials(type: string, address: string, args: Record<string, any>, region: string): Record<string, unknown> {
  switch (type) {
    case "aws_acm_certificate":
      // One DNS validation record per name, the same for every certificate
      // of the name (as ACM gives it), with ACM's final dot.
      return {
        status: "ISSUED",
        domain_validation_options: [
          {
            domain_name: args.domain_name,
            resource_record_name: acmValidationRecordName(String(args.domain_name)),
            resource_record_type: "CNAME",
            resource_record_value: `_${token(`acm-validation-value:${args.domain_name}`, 32)}.acm-validations.aws.`,
          },
        ],
      };
    case "aws_kms_key":
      return { key_id: `${token(address, 8)}-0000-4000-8000-${token(address + "k", 12)}` };
    case "aws_launch_template":
      return { latest_version: 1, default_version: 1 };
    case "aws_db_instance":
      return { address: `${args.identifier}.offline.${region}.rds.amazonaws.com`, port: 5432, status: "available", resource_id: `db-${token(address, 26).toUpperCase()}` };
    // Aurora (ARN formats: RDS User Guide, "Amazon Resource Names (ARNs) in
    // Amazon RDS": cluster:<id>, db:<id>, global-cluster:<id> with no region;
    // endpoint shapes: <id>.cluster-<suffix>, <id>.cluster-ro-<suffix>).
    case "aws_rds_global_cluster":
      // The provider's id of each is the identifier (d.SetId(...Identifier) on create).
      return { id: args.global_cluster_identifier, arn: `arn:aws:rds::${FAKE_ACCOUNT_ID}:global-cluster:${args.global_cluster_identifier}`, global_cluster_resource_id: `cluster-${token(address, 26).toUpperCase()}` };
    case "aws_rds_cluster":
      return {
        id: args.cluster_identifier,
        arn: `arn:aws:rds:${region}:${FAKE_ACCOUNT_ID}:cluster:${args.cluster_identifier}`,
        endpoint: `${args.cluster_identifier}.cluster-offline.${region}.rds.amazonaws.com`,
        reader_endpoint: `${args.cluster_identifier}.cluster-ro-offline.${region}.rds.amazonaws.com`,
        port: 5432,
        cluster_resource_id: `cluster-${token(address, 26).toUpperCase()}`,
      };
    case "aws_rds_cluster_instance":
      return { id: args.identifier, arn: `arn:aws:rds:${region}:${FAKE_ACCOUNT_ID}:db:${args.identifier}`, endpoint: `${args.identifier}.offline.${region}.rds.amazonaws.com`, port: 5432, dbi_resource_id: `db-${token(address, 26).toUpperCase()}` };
    case "aws_lb":
      return { dns_name: `${args.name}-1234567890.${region}.elb.amazonaws.com`, zone_id: ALB_ZONE_IDS[region] ?? "Z0FAKEALBZONE000000" };
    case "aws_eks_cluster":
      return { endpoint: `https://${token(address, 32).toUpperCase()}.gr7.${region}.eks.amazonaws.com`, status: "ACTIVE" };
  }
  return {};
}
