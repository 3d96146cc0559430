// Entry point of `cdktf synth`: loads and validates the config once, then
// wires the stacks. Nothing is written when the config is invalid.
import { App } from "cdktf";
import { ConfigError, loadConfigFile, resolveConfig } from "./src/config";
import { buildApp } from "./stacks/app";

function main(): void {
  const app = new App();
  const configPath = process.env.DR_CONFIG || (app.node.tryGetContext("configFile") as string | undefined) || "";
  let config;
  try {
    config = configPath ? loadConfigFile(configPath) : resolveConfig({}, "defaults");
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  buildApp(app, config, __dirname);
  app.synth();
}

main();
