export { DEFAULT_CONFIG } from "./defaults";
export { ConfigError, configFilePath, configSource, describeConfigSource, type ConfigSource, deepMerge, loadConfigFile, loadProjectConfig, resolveConfig, type ConfigProblem } from "./load";
export { configSchema, configWarnings, type DrConfig, type S3Backend, type ValidConfig } from "./schema";
export { REGION_ROLES, SUBNET_TIERS, type RegionConfig, type RegionRole } from "./sections/network";
export { DB_ENGINES, DR_STATES, type DrState } from "./sections/database";
export { PLACEHOLDER_ZONE, ROUTE53_CHECKER_REGIONS } from "./sections/dns";
