import * as fs from "node:fs";
import { type DbEndpoints, encodeEndpoints, parseEndpoints } from "../database/endpoints-parameter";
import type { EndpointsParameterState } from "./endpoints-parameter-platform";
import type { RestoreAttempt } from "./restore-platform";

/**
 * The drill's stand-in for SSM Parameter Store (the Aurora mode's database endpoints parameter,
 * src/database/endpoints-parameter.ts): one JSON file `{"parameters": {"<name>": "<value string>"}}` that the drill's
 * app instances read at start (DRWEB_DRILL_PARAMETERS_FILE, never set in production) and the runbook's local
 * platform reads and overwrites (src/drill/aurora-restore.ts serves it over the drill's control plane, so a region
 * that is down does not answer). Every write replaces the file by rename (an app starting meanwhile reads the old
 * or the new file, never half of one), as PutParameter replaces a value atomically.
 *
 * AWS: GetParameter answers ParameterNotFound for a missing name; PutParameter with Overwrite true replaces the
 * value and raises its version (AWS Systems Manager API Reference, "GetParameter", "PutParameter"). The runbook's
 * put is idempotent on top of it (EndpointsParameterPlatform): an equal value, compared parsed, sends nothing.
 */
export class ParametersFile {
  constructor(readonly file: string) {}

  /** Every parameter (name -> value string); a missing file holds none. Throws on a file that is not the format. */
  all(): Record<string, string> {
    if (!fs.existsSync(this.file)) return {};
    const doc = JSON.parse(fs.readFileSync(this.file, "utf8")) as { parameters?: Record<string, unknown> };
    if (typeof doc !== "object" || doc === null || typeof doc.parameters !== "object" || doc.parameters === null) throw new Error(`${this.file}: not {"parameters": {...}}`);
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(doc.parameters)) if (typeof v === "string") out[k] = v;
    return out;
  }

  /** The file with `name` set to `value` (a string), replaced by rename. */
  set(name: string, value: string): void {
    const all = { ...this.all(), [name]: value };
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ parameters: all }, null, 1));
    fs.renameSync(tmp, this.file);
  }

  /** GetParameter's stand-in, parsed as the endpoints parameter. */
  endpoints(name: string): EndpointsParameterState {
    const raw = this.all()[name];
    if (raw === undefined) return { name, found: false, value: null, detail: `ParameterNotFound (drill stand-in): ${name} in ${this.file}` };
    try {
      const value = parseEndpoints(raw);
      return { name, found: true, value, detail: `${name} = ${raw}` };
    } catch (e) {
      return { name, found: true, value: null, detail: `${name}: ${(e as Error).message}` };
    }
  }

  /** PutParameter (Overwrite) of the endpoints parameter; an equal value (parsed) sends nothing: "exists". */
  putEndpoints(name: string, value: DbEndpoints): RestoreAttempt {
    const encoded = encodeEndpoints(value);
    const now = this.endpoints(name);
    if (now.value && encodeEndpoints(now.value) === encoded) return { outcome: "exists", detail: `${name} already names ${value.cluster} (${value.writer}): nothing sent` };
    this.set(name, encoded);
    return { outcome: "requested", detail: `PutParameter (drill stand-in) ${name} --overwrite = ${encoded}${now.value ? ` (was ${now.value.cluster})` : ""}` };
  }
}
