import { REGION_ROLES } from "../../config";
import { isAurora } from "../../database/aurora-contract";
import { endpointsParameterName } from "../../database/endpoints-parameter";
import { Naming } from "../../lib/naming";
import { names, policyStatements, regionalStacks } from "../context";
import type { AppRule, PolicyContext, ResourceView, StackAnchor, Verdict } from "../types";
import { COMPLIANT, fail } from "../types";

/** A parameter that looks like a database endpoints parameter (any region prefix). */
const ENDPOINTS_NAME = /\/db\/endpoints$/;

/** The web instance role of a regional stack: `<regional prefix>-web` (src/web/fleet.ts). */
function webRole(ctx: PolicyContext, stack: string, regional: string): ResourceView | undefined {
  return ctx.resources("aws_iam_role", stack).find((r) => r.config.name === `${regional}-web`);
}

/** The statements of the role's inline policies that grant any SSM action. */
function ssmStatements(ctx: PolicyContext, stack: string, role: ResourceView): any[] {
  return ctx
    .resources("aws_iam_role_policy", stack)
    .filter((p) => names(ctx, stack, p.config.role, role, "name") || names(ctx, stack, p.config.role, role, "id"))
    .flatMap((p) => policyStatements(ctx, stack, p.config.policy) ?? [])
    .filter((s) => (s.effect ?? "Allow") === "Allow" && (s.actions ?? []).some((a: string) => a === "*" || a.startsWith("ssm:")));
}

/**
 * True when an IAM resource is exactly the parameter's ARN: a reference to its `arn`, or
 * `arn:<partition>:ssm:<its region>:<account>:parameter/<name without the leading slash>` (Service Authorization
 * Reference, AWS Systems Manager, resource type "parameter") with no wildcard.
 */
function namesParameter(ctx: PolicyContext, stack: string, resource: unknown, param: ResourceView): boolean {
  if (typeof resource !== "string" || resource.includes("*") || resource.includes("?")) return false;
  if (/\.arn\}$/.test(resource) && ctx.deref(stack, resource)?.address === param.address) return true;
  const name = String(param.config.name).replace(/^\//, "");
  const m = /^arn:([^:]+):ssm:([^:]+):([^:]+):parameter\/(.+)$/.exec(resource);
  return !!m && m[2] === ctx.regionOf(param) && m[4] === name;
}

/** Why the instance role's SSM access is not GetParameter on exactly `param`, or undefined. */
function accessProblem(ctx: PolicyContext, stack: string, role: ResourceView, param: ResourceView): string | undefined {
  const sts = ssmStatements(ctx, stack, role);
  if (!sts.length) return `the web instance role ${role.config.name} has no ssm:GetParameter on ${param.config.name}: the app cannot read its endpoints and never starts (fail closed)`;
  for (const s of sts) {
    const actions = s.actions as string[];
    const resources = (s.resources ?? []) as unknown[];
    if (actions.length !== 1 || actions[0] !== "ssm:GetParameter") return `the web instance role ${role.config.name} is granted ${actions.join(", ")}; it may only read the endpoints parameter (ssm:GetParameter): a fleet that can write it could move itself to another cluster`;
    if (resources.length !== 1 || !namesParameter(ctx, stack, resources[0], param)) return `the web instance role's ssm:GetParameter names ${JSON.stringify(resources)}, not exactly the endpoints parameter's ARN (arn:<partition>:ssm:${ctx.regionOf(param)}:<account>:parameter${param.config.name})`;
  }
  return undefined;
}

/**
 * Aurora mode: each regional stack declares exactly one database endpoints parameter, named by the contract
 * (src/database/endpoints-parameter.ts endpointsParameterName), a String of the Standard tier (its documented
 * exception to customer keys: src/database/endpoints-parameter-resource.ts), and the web instance role's own SSM
 * access is ssm:GetParameter on that parameter's ARN and nothing else (the fleet reads which cluster it uses; only the
 * runbook and the apply role write it). The role's AWS managed AmazonSSMManagedInstanceCore (Session Manager) grants
 * ssm:GetParameter(s) on "*" besides (AWS Managed Policy Reference): reading is all it adds; no write.
 */
export const auroraEndpointsParameter: AppRule = {
  kind: "app",
  id: "aurora-endpoints-parameter",
  description: "Aurora: each regional stack has exactly one database endpoints parameter (String, Standard) with the contract's name, and the web instance role may only ssm:GetParameter it",
  fix: "declare one aws_ssm_parameter named endpointsParameterName(config, role) (type String, tier Standard) per regional stack (src/database/endpoints-parameter-resource.ts), and give the web role a statement with actions [ssm:GetParameter] and resources [that parameter's arn] only",
  check(ctx) {
    if (!isAurora(ctx.config)) return [];
    const stacks = regionalStacks(ctx);
    return REGION_ROLES.flatMap((role) => {
      const stack = stacks[role];
      if (!stack) return [];
      const expected = endpointsParameterName(ctx.config, role);
      const found = ctx.resources("aws_ssm_parameter", stack).filter((p) => p.config.name === expected || ENDPOINTS_NAME.test(String(p.config.name)));
      const anchor: StackAnchor = { stack, address: "aws_ssm_parameter", path: `${stack}/DatabaseEndpoints` };
      if (found.length !== 1) return [{ resource: anchor, verdict: fail(`${stack} declares ${found.length} database endpoints parameter(s) (${found.map((p) => p.config.name).join(", ") || "none"}); it needs exactly one, ${expected}`) }];
      const param = found[0];
      let verdict: Verdict = COMPLIANT;
      const role_ = webRole(ctx, stack, new Naming(ctx.config.project, ctx.config.environment, ctx.config.regions[role].region).regional);
      if (param.config.name !== expected) verdict = fail(`the endpoints parameter is named ${param.config.name}, not ${expected} (the name the app, the runbook and the CI roles use)`);
      else if (param.config.type !== "String" || param.config.tier !== "Standard") verdict = fail(`the endpoints parameter is type ${param.config.type ?? "unset"}, tier ${param.config.tier ?? "unset"}; it must be a String of the Standard tier`);
      else if (!role_) verdict = fail(`${stack} has no web instance role to read the endpoints parameter`);
      else {
        const p = accessProblem(ctx, stack, role_, param);
        if (p) verdict = fail(p);
      }
      return [{ resource: param, verdict }];
    });
  },
};
