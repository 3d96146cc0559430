/**
 * How the config checks report an issue that depends on several fields.
 */
import type { z } from "zod";

export type Ctx = z.RefinementCtx;
export type FieldPath = Array<string | number>;

/**
 * A problem that depends on other fields besides its own: `uses` lists them,
 * so that when one of them had a value of the wrong type (and was checked
 * with the seed's value instead, src/config/load.ts), this problem is not
 * reported against a value the user never gave. `blame`: the fields the
 * problem could be reported on; the one the user set wins.
 */
export function crossIssue(ctx: Ctx, path: FieldPath, message: string, uses: FieldPath[], blame?: FieldPath[]): void {
  ctx.addIssue({ code: "custom", path, message, params: { uses, ...(blame ? { blame } : {}) } });
}
