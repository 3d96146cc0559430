// Entry point of `cdktf synth`: loads and validates the config once, then
// wires the stacks. The config is validated BEFORE the App exists, because
// constructing an App creates the output folder: an invalid config writes
// nothing.
import { App, CONTEXT_ENV } from "cdktf";
import { ConfigError, configWarnings, loadConfigFile, resolveConfig, type ValidConfig } from "./src/config";
import { buildApp } from "./stacks/app";

/** The override file: $DR_CONFIG, else the cdktf.json context "configFile". */
function configPath(): string {
  if (process.env.DR_CONFIG) return process.env.DR_CONFIG;
  const context = JSON.parse(process.env[CONTEXT_ENV] || "{}") as { configFile?: string };
  return context.configFile ?? "";
}

function loadConfig(): ValidConfig {
  const file = configPath();
  try {
    return file ? loadConfigFile(file) : resolveConfig({}, "defaults");
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
}

const config = loadConfig();
for (const w of configWarnings(config)) process.stderr.write(`WARNING ${w}\n`);
const app = new App();
buildApp(app, config, __dirname);
app.synth();
