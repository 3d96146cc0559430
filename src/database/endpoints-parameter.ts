import type { RegionRole, ValidConfig } from "../config";
import { Naming } from "../lib/naming";

/**
 * The database endpoints parameter (Aurora mode, issue 26): where a region's web fleet reads which cluster it writes
 * to. One SSM Parameter Store parameter per region, in that region, named here so the stacks (which create it and
 * give the instance role ssm:GetParameter on it), the web app (env DB_ENDPOINTS_PARAMETER, read when the app starts),
 * the `dr restore` runbook (which overwrites it in the writer's region to move the app to a restored cluster) and the
 * readiness checker all use the same name and the same value format.
 *
 * Why a parameter: in the Aurora mode a point-in-time restore creates a NEW standalone cluster
 * (RestoreDBClusterToPointInTime), and AWS does not document that an Aurora cluster endpoint follows a rename
 * (ModifyDBCluster NewDBClusterIdentifier; docs/dr-runbook.md, "dr restore", Aurora mode). The fleet therefore
 * reads its endpoints from a name the project controls; moving the app is a PutParameter in the writer's own region
 * (a regional data write, no Terraform run, no call in another region: REL11-BP04), followed by the fleet restart
 * the fence already does.
 *
 * Value: JSON `{"cluster": "<cluster identifier>", "writer": "<cluster endpoint>", "reader": "<reader endpoint>",
 * "port": 5432}` (a Standard parameter holds up to 4 KB: AWS Systems Manager User Guide, "Parameter tiers").
 * Name: `/<project>-<environment>-<region code>/db/endpoints`, e.g. `/drweb-prod-use2/db/endpoints` (names may
 * contain letters, digits and `.-_/`, at most 1011 characters for the fully qualified name, at most 15 levels:
 * "Requirements and constraints for parameter names", same guide).
 */

/** The endpoints a region's fleet uses: the cluster it writes to and that cluster's two endpoints. */
export interface DbEndpoints {
  /** The DB cluster identifier the endpoints belong to (the member cluster, or a restored cluster). */
  readonly cluster: string;
  /** The cluster (writer) endpoint host name. */
  readonly writer: string;
  /** The reader endpoint host name. */
  readonly reader: string;
  readonly port: number;
}

/** The env variable through which the web app is given the parameter's name (webapp/drweb/config.py). */
export const ENDPOINTS_PARAMETER_ENV = "DB_ENDPOINTS_PARAMETER";

/** The parameter's name for a region prefix (Naming.regional), e.g. /drweb-prod-use2/db/endpoints. */
export function endpointsParameterNameFor(regionalPrefix: string): string {
  return `/${regionalPrefix}/db/endpoints`;
}

/** The parameter's name for a region of the config. */
export function endpointsParameterName(config: Pick<ValidConfig, "project" | "environment" | "regions">, role: RegionRole): string {
  return endpointsParameterNameFor(new Naming(config.project, config.environment, config.regions[role].region).regional);
}

const HOST = /^[A-Za-z0-9._-]{1,253}$/;
const CLUSTER = /^[A-Za-z][A-Za-z0-9-]{0,62}$/;

/**
 * The parameter's value for `e`: minified JSON with the keys sorted (cluster, port, reader, writer), byte for byte
 * what the stacks' Terraform `jsonencode` writes for the same endpoints (Terraform encodes an object's attributes in
 * lexicographic order, minified: "The jsonencode command outputs a minified representation of the input", Terraform
 * docs, jsonencode; host names hold none of the characters it escapes, <, >, &, U+2028, U+2029). So the deploy that
 * records a `dr restore` plans no change to the parameter the runbook wrote (the offline plan's
 * aurora-restore-recorded-primary checks it with the real Terraform). Readers still compare values parsed.
 */
export function encodeEndpoints(e: DbEndpoints): string {
  const p = endpointsProblem(e);
  if (p) throw new Error(`database endpoints parameter: ${p}`);
  return JSON.stringify({ cluster: e.cluster, port: e.port, reader: e.reader, writer: e.writer });
}

/**
 * The value for `cluster` with placeholders for what only AWS knows (DescribeDBClusters Endpoint, ReaderEndpoint,
 * Port), in encodeEndpoints' key order: for the commands the runbook prints for an operator to run by hand.
 */
export function endpointsValueTemplate(cluster: string, writer = "<its Endpoint>"): string {
  return `{"cluster":"${cluster}","port":<its Port>,"reader":"<its ReaderEndpoint>","writer":"${writer}"}`;
}

/**
 * What is wrong with `e` as a parameter value, or null. The typeof checks matter for parsed values: RegExp.test
 * converts its argument to a string, so without them a missing key ("undefined"), null, true, 123 or ["abc"] would pass.
 */
export function endpointsProblem(e: DbEndpoints): string | null {
  if (typeof e.cluster !== "string" || !CLUSTER.test(e.cluster)) return `"cluster" must be a DB cluster identifier, got ${JSON.stringify(e.cluster)}`;
  if (typeof e.writer !== "string" || !HOST.test(e.writer)) return `"writer" must be a host name, got ${JSON.stringify(e.writer)}`;
  if (typeof e.reader !== "string" || !HOST.test(e.reader)) return `"reader" must be a host name, got ${JSON.stringify(e.reader)}`;
  if (!Number.isInteger(e.port) || e.port < 1 || e.port > 65535) return `"port" must be a TCP port, got ${JSON.stringify(e.port)}`;
  return null;
}

/** Parses a parameter value; throws an Error naming what is wrong (the same rules as webapp/drweb/endpoints.py). */
export function parseEndpoints(value: string): DbEndpoints {
  let doc: unknown;
  try {
    doc = JSON.parse(value);
  } catch (e) {
    throw new Error(`database endpoints parameter is not JSON (${(e as Error).message}): ${value.slice(0, 200)}`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new Error(`database endpoints parameter must be a JSON object {cluster, writer, reader, port}, got ${value.slice(0, 200)}`);
  const d = doc as Record<string, unknown>;
  const e = { cluster: d.cluster, writer: d.writer, reader: d.reader, port: d.port } as DbEndpoints;
  const p = endpointsProblem(e);
  if (p) throw new Error(`database endpoints parameter: ${p}`);
  return e;
}
