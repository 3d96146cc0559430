import { isCustomerKey } from "../context";
import { COMPLIANT, fail, type ResourceRule } from "../types";

/**
 * Lambda functions (the readiness checker, src/dr/readiness-checker.ts): environment variables encrypted with a
 * customer key (kms_key_arn; without it Lambda uses an AWS managed key: "Securing Lambda environment variables",
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars-encryption.html), logs sent to a log group the
 * stack declares (logging_config.log_group; without it Lambda creates /aws/lambda/<name> on first run with no
 * retention and no customer key, which log-group-cmk-retention cannot see), and a concurrency limit (reserved
 * concurrency: a scheduled function that piles up runs is a cost and throttling risk to the account's pool).
 */
export const lambdaHardened: ResourceRule = {
  kind: "resource",
  id: "lambda-hardened",
  description: "Lambda functions: customer key for the environment, logs to a declared log group, reserved concurrency",
  fix: "set kms_key_arn to a key of this project, logging_config.log_group to an aws_cloudwatch_log_group of the stack, and reserved_concurrent_executions",
  resourceTypes: ["aws_lambda_function"],
  check(r, ctx) {
    if (!isCustomerKey(ctx, r.stack, r.config.kms_key_arn)) return fail("no customer-managed key for its environment (kms_key_arn)");
    const group = (r.config.logging_config as { log_group?: unknown } | undefined)?.log_group;
    if (typeof group !== "string" || !/^\$\{aws_cloudwatch_log_group\.[^.]+\.name\}$/.test(group)) return fail("its logs do not go to a log group the stack declares (logging_config.log_group): Lambda would create one without retention or key");
    if (typeof r.config.reserved_concurrent_executions !== "number" || r.config.reserved_concurrent_executions < 0) return fail("no reserved concurrency (reserved_concurrent_executions)");
    return COMPLIANT;
  },
};
