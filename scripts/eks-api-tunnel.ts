// Opens a Session Manager port-forwarding tunnel from this machine to a
// region's private EKS API endpoint through its deploy runner
// (monitoring/README.md, "Reaching the cluster API"):
//
//   npx tsx scripts/eks-api-tunnel.ts primary|secondary
//
// Needs the AWS CLI with the Session Manager plugin, credentials allowed by
// the regional stack's output eks_tunnel_operator_policy_arn, and the same
// config as the deploy (DR_CONFIG or cdktf.json). Runs until Ctrl-C.
import { spawn, spawnSync } from "node:child_process";
import * as path from "node:path";
import { ConfigError, loadProjectConfig, REGION_ROLES, type RegionRole } from "../src/config";
import { endpointArgs, findRunnerArgs, startSessionArgs, tunnelPlan, tunnelUsage } from "../src/eks/api-tunnel";
import { MONITORING_STACK_NAMES } from "../stacks/app";

function fail(message: string, code = 1): never {
  process.stderr.write(`eks-api-tunnel: ${message}\n`);
  process.exit(code);
}

/** Runs `aws <args>` and returns its trimmed stdout, or fails with its stderr. */
function aws(args: string[], what: string): string {
  const r = spawnSync("aws", args, { encoding: "utf8" });
  if (r.error) fail(`could not run the AWS CLI (${r.error.message}). Fix: install AWS CLI v2 and the Session Manager plugin`);
  if (r.status !== 0) fail(`${what} failed: ${r.stderr.trim() || `aws exited with ${r.status}`}`);
  return r.stdout.trim();
}

const role = process.argv[2] as RegionRole;
if (!REGION_ROLES.includes(role)) fail(`usage: npx tsx scripts/eks-api-tunnel.ts <${REGION_ROLES.join("|")}>`, 2);

let plan;
try {
  plan = tunnelPlan(loadProjectConfig(path.resolve(__dirname, "..")), role);
} catch (e) {
  if (e instanceof ConfigError) fail(e.message);
  fail((e as Error).message);
}
const ids = aws(findRunnerArgs(plan), "finding the deploy runner").split(/\s+/).filter((s) => /^i-[0-9a-f]+$/.test(s));
if (ids.length === 0) fail(`no running instance in Auto Scaling group ${plan.runnerAsgName} (${plan.region}). Fix: deploy the ${role} stack first (it creates the runner), or wait for the group to replace its instance`);
const endpoint = aws(endpointArgs(plan), `reading the endpoint of ${plan.clusterName}`);
const host = endpoint.replace(/^https:\/\//, "");
if (!/^[A-Za-z0-9.-]+$/.test(host)) fail(`unexpected endpoint of ${plan.clusterName}: "${endpoint}"`);

for (const line of tunnelUsage(plan, host, MONITORING_STACK_NAMES[role])) process.stdout.write(`${line}\n`);
const session = spawn("aws", startSessionArgs(plan, ids[0], host), { stdio: "inherit" });
session.on("error", (e) => fail(`could not start the session (${e.message})`));
session.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => session.kill(sig));
