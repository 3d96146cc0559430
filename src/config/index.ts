export { DEFAULT_CONFIG } from "./defaults";
export { ConfigError, configFilePath, configSource, describeConfigSource, type ConfigSource, deepMerge, loadConfigFile, loadProjectConfig, resolveConfig, type ConfigProblem } from "./load";
export { DB_ENGINES, DR_STATES, REGION_ROLES, type DrState, SUBNET_TIERS, configSchema, configWarnings, PLACEHOLDER_ZONE, ROUTE53_CHECKER_REGIONS, type DrConfig, type RegionConfig, type RegionRole, type S3Backend, type ValidConfig } from "./schema";
