/**
 * The synthesized value of a database endpoints parameter (`${jsonencode({...})}`) evaluated as Terraform would,
 * with stand-ins for the apply-time values: an Aurora cluster's reader_endpoint is
 * `<cluster_identifier>.cluster-ro-c9akciq32lzp.<region>.rds.amazonaws.com` (the shape of Aurora User Guide, "Types of
 * Aurora endpoints"; the same stand-in as __tests__/web/app-contract.test.ts) and its port 5432 (the default port of
 * aurora-postgresql, the member declares none). Any other expression throws, so a new kind of value gets a stand-in
 * on purpose.
 */
import type { StackJson } from "./synth";

export const STAND_IN_PORT = 5432;

/** Splits `a, b(c, d), "e, f"` at its top-level commas. */
function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      if (c === "\\") i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === "(" || c === "{" || c === "[") depth++;
    else if (c === ")" || c === "}" || c === "]") depth--;
    else if (c === "," && depth === 0) {
      out.push(s.slice(start, i).trim());
      start = i + 1;
    }
  }
  if (s.slice(start).trim()) out.push(s.slice(start).trim());
  return out;
}

function evaluate(stack: StackJson, expr: string, region: string): string | number {
  if (/^"[^"\\]*"$/.test(expr)) return expr.slice(1, -1);
  const call = /^replace\((.+)\)$/.exec(expr);
  if (call) {
    const [inner, from, to] = splitTopLevel(call[1]);
    const v = String(evaluate(stack, inner, region));
    const f = evaluate(stack, from, region);
    const t = evaluate(stack, to, region);
    return v.split(String(f)).join(String(t));
  }
  const ref = /^aws_rds_cluster\.([A-Za-z0-9_]+)\.([a-z_]+)$/.exec(expr);
  const res = ref ? stack.resource?.aws_rds_cluster?.[ref[1]] : undefined;
  if (ref && res && typeof res.cluster_identifier === "string") {
    if (ref[2] === "reader_endpoint") return `${res.cluster_identifier}.cluster-ro-c9akciq32lzp.${region}.rds.amazonaws.com`;
    if (ref[2] === "port") return STAND_IN_PORT;
  }
  throw new Error(`${expr}: an expression this helper has no stand-in for; add one`);
}

/** The parameter value (a JSON string, as the provider would send it in PutParameter) of a synthesized `value`. */
export function endpointsValueLiteral(stack: StackJson, value: string, region: string): string {
  const m = /^\$\{jsonencode\(\{(.*)\}\)\}$/s.exec(value);
  if (!m) throw new Error(`not a jsonencode({...}) value: ${value}`);
  const doc: Record<string, string | number> = {};
  for (const pair of splitTopLevel(m[1])) {
    const kv = /^"([a-z]+)" = (.+)$/s.exec(pair);
    if (!kv) throw new Error(`unexpected object entry: ${pair}`);
    doc[kv[1]] = evaluate(stack, kv[2], region);
  }
  // Terraform's jsonencode writes the keys sorted.
  return JSON.stringify(Object.fromEntries(Object.keys(doc).sort().map((k) => [k, doc[k]])));
}
