export { DEFAULT_CONFIG } from "./defaults";
export { ConfigError, deepMerge, loadConfigFile, resolveConfig, type ConfigProblem } from "./load";
export { REGION_ROLES, SUBNET_TIERS, configSchema, type DrConfig, type RegionConfig, type RegionRole, type S3Backend, type ValidConfig } from "./schema";
