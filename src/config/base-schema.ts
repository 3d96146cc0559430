/**
 * The config's root object: every section of the schema in order (each in
 * src/config/sections/), before the cross-field checks (src/config/checks/)
 * and the derived defaults (src/config/schema.ts).
 *
 * scripts/config-reference.ts reads the JSDoc of every key starting from the
 * const named baseSchema here and following the imports into the sections:
 * keep the name, and give every key a JSDoc comment.
 */
import { z } from "zod";
import { backendSchema } from "./sections/backend";
import { backupsSchema } from "./sections/backups";
import { ciSchema } from "./sections/ci";
import { databaseSchema } from "./sections/database";
import { dnsSchema } from "./sections/dns";
import { eksSchema } from "./sections/eks";
import { name } from "./sections/fields";
import { monitoringSchema } from "./sections/monitoring";
import { kmsSchema, networkSchema, regionSchema } from "./sections/network";
import { runbookSchema } from "./sections/runbook";
import { webSchema } from "./sections/web";

export const baseSchema = z
  .strictObject({
    /** Short project name; prefixes resource names. */
    project: name,
    /** Environment name (prod, staging, ...); part of names and tags. */
    environment: name,
    /** Extra tags on every resource (provider default tags); the managed tags `project`, `environment`, `dr-role`, `managed-by` always win. */
    tags: z.record(z.string(), z.string()),
    regions: z.strictObject({ primary: regionSchema, secondary: regionSchema }),
    network: networkSchema,
    kms: kmsSchema,
    web: webSchema,
    eks: eksSchema,
    monitoring: monitoringSchema,
    database: databaseSchema,
    dns: dnsSchema,
    /**
     * Thresholds and timeouts of the `dr` runbook command (src/dr/, docs/dr-runbook.md).
     * Every wait of a plan step polls every pollIntervalSeconds until its timeout.
     */
    runbook: runbookSchema,
    /**
     * The CI identity (stacks/ci-identity-stack.ts, docs/ci-identity.md "CI identity"):
     * GitHub Actions' OIDC provider and the plan and apply roles the
     * delivery pipeline assumes. Created once by hand (`npx cdktf deploy ci-identity`).
     */
    ci: ciSchema,
    /**
     * Backups restorable in either region and outside the account (issue 26;
     * docs/backups.md "Backups: restorable in either region"). src/database/backup-plan.ts.
     */
    backups: backupsSchema,
    backend: backendSchema,
  });

/** The config as the checks see it: well-typed, before the derived defaults. */
export type CheckedConfig = z.output<typeof baseSchema>;
