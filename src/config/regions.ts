/**
 * Availability-zone letters per AWS region, as AWS publishes them. AZ letters
 * map to different physical zones per account and some accounts see fewer
 * letters (us-west-1 usually offers only two), so this table is the
 * synth-time check and the network module adds a plan-time check against the
 * account's own `aws_availability_zones` data source.
 */
export const KNOWN_REGION_AZ_LETTERS: Readonly<Record<string, readonly string[]>> = {
  "us-east-1": ["a", "b", "c", "d", "e", "f"],
  "us-east-2": ["a", "b", "c"],
  "us-west-1": ["a", "b", "c"],
  "us-west-2": ["a", "b", "c", "d"],
  "ca-central-1": ["a", "b", "d"],
  "eu-west-1": ["a", "b", "c"],
  "eu-west-2": ["a", "b", "c"],
  "eu-west-3": ["a", "b", "c"],
  "eu-central-1": ["a", "b", "c"],
  "eu-north-1": ["a", "b", "c"],
  "ap-south-1": ["a", "b", "c"],
  "ap-southeast-1": ["a", "b", "c"],
  "ap-southeast-2": ["a", "b", "c"],
  "ap-northeast-1": ["a", "c", "d"],
  "ap-northeast-2": ["a", "b", "c", "d"],
  "sa-east-1": ["a", "b", "c"],
};

export const KNOWN_REGIONS = Object.keys(KNOWN_REGION_AZ_LETTERS);

/** CloudWatch Logs accepts only these retention periods (days). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
  3288, 3653,
] as const;
