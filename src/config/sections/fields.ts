/**
 * Field types shared by several sections of the config schema (names, counts,
 * ports, URL paths, DNS names, pinned chart versions).
 */
import { z } from "zod";

export const name = z
  .string()
  .regex(/^[a-z][a-z0-9-]{1,20}$/, {
    message:
      "must be 2-21 characters of lower-case letters, digits and '-', starting with a letter (it prefixes AWS resource names)",
  });

export const count = () =>
  z.number().int({ message: "must be a whole number. Fix: use an integer" }).min(1, { message: "must be at least 1. Fix: set a count of 1 or more" });

/** DNS names are stored without the root's final dot ("example.com." -> "example.com"). */
export const withoutFinalDot = (name: string) => name.replace(/\.$/, "");

export const port = z.number().int().min(1024, { message: "must be an unprivileged port (1024-65535). Fix: e.g. 8080" }).max(65535);
export const urlPath = z.string().regex(/^\/[A-Za-z0-9._~\/-]*$/, { message: "must be a URL path starting with /. Fix: e.g. /healthz" });

/** An exact Helm chart version (a range would make deploys unrepeatable). */
export const exactChartVersion = (example: string) =>
  z.string().regex(/^\d+\.\d+\.\d+$/, { message: `must be an exact chart version like ${example} (pin it; ranges make deploys unrepeatable)` });
