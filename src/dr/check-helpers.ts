import type { Check } from "./platform";

/** Small constructors and formatters for a step's Check results, shared by the plan modules. */

export const ok = (detail: string): Check => ({ ok: true, detail });
export const no = (detail: string): Check => ({ ok: false, detail });
export const fatal = (detail: string): Check => ({ ok: false, fatal: true, detail });
export const fmtLag = (s: number | null) => (s === null ? "unknown" : s < 0 ? "-1 (RDS cannot determine it)" : `${s} s`);
export const errorText = (e: unknown) => (e as Error)?.message ?? String(e);
