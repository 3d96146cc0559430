// `npm run dr -- <command>`: the failover runbook as a command (docs/dr-runbook.md).
import { parseArgs } from "node:util";
import { ConfigError, loadProjectConfig, type ValidConfig } from "../config";
import { AwsPlatform, sdkClients } from "./aws-platform";
import { realClock } from "./clock";
import { runRunbook, RunnerError } from "./runner";
import { collectStatus, renderStatus } from "./status";

const USAGE = `usage:
  dr status [--json]                         both regions, Route53, database roles and lag; config vs AWS
                                             (exit 3: mismatch, 4: something could not be read)
  dr failover --to secondary --planned       switchover: fence writes, wait for lag 0, promote, force DNS (RPO 0)
  dr failover --to secondary --unplanned     the primary is down: promote, force DNS
  dr failback                                rebuild the old primary as a replica, switch back, rebuild the secondary
options:
  --dry-run            print the plan (steps, preconditions, waits, timeouts, what to do on failure); change nothing
  --confirm <step>     treat that step's checks as confirmed by you (repeatable)
  --fresh              archive an unfinished journal and start over (default: resume it)
  --config <file>      config override file (default: $DR_CONFIG, else cdktf.json context configFile)
  --journal-dir <dir>  default: runbook.journalDir (${".dr"})`;

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      to: { type: "string" },
      planned: { type: "boolean", default: false },
      unplanned: { type: "boolean", default: false },
      "dry-run": { type: "boolean", default: false },
      confirm: { type: "string", multiple: true, default: [] },
      fresh: { type: "boolean", default: false },
      config: { type: "string" },
      "journal-dir": { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const command = positionals[0];
  if (values.help || !command) {
    console.log(USAGE);
    return command || values.help ? 0 : 2;
  }
  let config: ValidConfig;
  try {
    config = loadProjectConfig(process.cwd(), values.config);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      return 2;
    }
    throw e;
  }
  const platform = new AwsPlatform(config, sdkClients(), realClock);
  const log = (line: string) => console.log(line);

  if (command === "status") {
    const s = await collectStatus(config, platform);
    if (values.json) console.log(JSON.stringify(s, null, 2));
    else for (const l of renderStatus(s)) console.log(l);
    return s.mismatches.length ? 3 : s.incomplete ? 4 : 0;
  }
  if (command !== "failover" && command !== "failback") {
    console.error(`unknown command "${command}"\n${USAGE}`);
    return 2;
  }
  let mode: "planned" | "unplanned" = "planned";
  if (command === "failover") {
    if (values.to !== "secondary") {
      console.error(values.to === "primary" ? "failing over to the primary is `dr failback`" : "give --to secondary");
      return 2;
    }
    if (values.planned === values.unplanned) {
      console.error("give exactly one of --planned (switchover, RPO 0) or --unplanned (the primary is down)");
      return 2;
    }
    mode = values.unplanned ? "unplanned" : "planned";
    if (config.database.drState !== "normal" && !values["dry-run"]) {
      console.error(`warning: config database.drState is "${config.database.drState}"; a failover starts from "normal" (steps already done in AWS pass their checks and are not repeated). See \`dr status\`.`);
    }
  }
  process.on("SIGINT", () => {
    console.log(`${new Date().toISOString()} interrupted: the journal keeps the progress; run the same command again to resume`);
    process.exit(130);
  });
  try {
    const result = await runRunbook({
      config,
      platform,
      operation: command,
      mode,
      clock: realClock,
      log,
      journalDir: values["journal-dir"],
      dryRun: values["dry-run"],
      confirm: values.confirm,
      fresh: values.fresh,
    });
    return result.ok ? 0 : 1;
  } catch (e) {
    if (e instanceof RunnerError) {
      console.error(e.message);
      return 2;
    }
    throw e;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: Error) => {
      console.error(e.stack ?? e.message);
      process.exit(1);
    },
  );
}
