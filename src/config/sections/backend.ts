/**
 * The config's backend section: where Terraform state lives (local or S3, a
 * bucket per region).
 */
import { z } from "zod";

export const s3BucketSchema = z.strictObject({
  /** State bucket name (created outside this project, versioning on). */
  bucket: z.string().min(3),
  /** Region of the bucket. */
  region: z.string(),
});

export const backendSchema = z.discriminatedUnion("type", [
  z.strictObject({
    /** Where Terraform state lives: "local" (terraform.<stack>.tfstate files) or "s3" (a bucket per region, below). */
    type: z.literal("local"),
  }),
  z.strictObject({
    /** Where Terraform state lives: "local" (terraform.<stack>.tfstate files) or "s3" (a bucket per region, below). */
    type: z.literal("s3"),
    /**
     * Prefix of every state key: <keyPrefix>/<stack>.tfstate. Refused when it names another environment; one
     * that names none prints a warning.
     * @default - "<project>/<environment>", so two environments never share state keys
     */
    keyPrefix: z
      .string()
      .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, { message: 'must be key segments of letters, digits, ".", "_" or "-" separated by single "/", e.g. drweb/prod (no leading or trailing "/")' })
      .optional(),
    /** Holds the state of the stacks of the primary region. */
    primaryBucket: s3BucketSchema,
    /**
     * Holds the state of every stack needed during a failover (secondary,
     * secondary-monitoring, dns): must be outside the primary region.
     */
    secondaryBucket: s3BucketSchema,
  }),
]);
