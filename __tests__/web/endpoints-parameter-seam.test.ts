/**
 * The seam of the database endpoints parameter (Aurora mode) between its writers and its reader:
 * the dr runbook and the stacks write the value with src/database/endpoints-parameter.ts
 * (encodeEndpoints; the runbook compares with parseEndpoints), the web app reads it with
 * webapp/drweb/endpoints.py (parse_endpoints) when it starts. Every value here goes through the
 * REAL functions of both sides (the Python one through webapp/.venv's python, one process for the
 * whole corpus), and both must accept the same values, parse them to the same endpoints, and
 * refuse the same values for the same field. A value one side writes and the other refuses would
 * stop every instance of the region from starting (the app fails closed).
 */
import * as path from "node:path";
import { encodeEndpoints, parseEndpoints, type DbEndpoints } from "../../src/database/endpoints-parameter";
import { run } from "../helpers/run";
import { PROJECT_ROOT } from "../helpers/synth";

const WEBAPP = path.join(PROJECT_ROOT, "webapp");
const PYTHON = path.join(WEBAPP, ".venv", "bin", "python");

/** Reads a JSON list of values on stdin, prints one {ok: endpoints} or {error: message} per value. */
const PY = `
import json, sys
from drweb.endpoints import EndpointsInvalid, parse_endpoints
out = []
for v in json.load(sys.stdin):
    try:
        e = parse_endpoints(v)
        out.append({"ok": {"cluster": e.cluster, "writer": e.writer, "reader": e.reader, "port": e.port}})
    except EndpointsInvalid as x:
        out.append({"error": str(x)})
print(json.dumps(out))
`;

type Verdict = { ok: DbEndpoints } | { error: string };

async function python(values: readonly string[]): Promise<Verdict[]> {
  const r = await run(PYTHON, ["-c", PY], { cwd: WEBAPP, input: JSON.stringify(values) });
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
  const out = JSON.parse(r.stdout) as Verdict[];
  expect(out).toHaveLength(values.length);
  return out;
}

function typescript(value: string): Verdict {
  try {
    return { ok: { ...parseEndpoints(value) } };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** What a refusal is about: the field it names, or the JSON shape. */
function reason(v: Verdict): string {
  if ("ok" in v) return "accepted";
  const m = /"(cluster|writer|reader|port)"|is not JSON|must be a JSON object/.exec(v.error);
  return m ? (m[1] ?? m[0]) : `unrecognised: ${v.error}`;
}

const MEMBER: DbEndpoints = {
  cluster: "drweb-prod-use2-aurora",
  writer: "drweb-prod-use2-aurora.cluster-c9akciq32lzp.us-east-2.rds.amazonaws.com",
  reader: "drweb-prod-use2-aurora.cluster-ro-c9akciq32lzp.us-east-2.rds.amazonaws.com",
  port: 5432,
};

/** Values the writers produce: encodeEndpoints of valid endpoints, at the rules' edges. */
const WRITTEN: DbEndpoints[] = [
  MEMBER,
  { cluster: "drweb-prod-use2-aurora-pitr-20240102t030405z", writer: "drweb-prod-use2-aurora-pitr-20240102t030405z.cluster-c9akciq32lzp.us-east-2.rds.amazonaws.com", reader: "drweb-prod-use2-aurora-pitr-20240102t030405z.cluster-ro-c9akciq32lzp.us-east-2.rds.amazonaws.com", port: 5432 },
  { cluster: "a", writer: "w", reader: "r", port: 1 },
  { cluster: `A${"b-".repeat(31)}`, writer: "h".repeat(253), reader: "10.0.0.1", port: 65535 },
  { cluster: "Z9", writer: "a_b-c.d", reader: "_.-", port: 3306 },
];

/** Terraform's jsonencode sorts the keys (the stacks write the value that way). */
const sortedKeys = (e: object): string => JSON.stringify(Object.fromEntries(Object.entries(e).sort(([a], [b]) => a.localeCompare(b))));

/** One field replaced by each candidate (undefined: the key is absent). */
const CANDIDATES: Record<keyof DbEndpoints, unknown[]> = {
  cluster: ["", "1abc", "-a", "a".repeat(63), "a".repeat(64), "a_b", "a.b", "abc\n", "ab c", "é", null, true, 123, ["abc"], {}, undefined],
  writer: ["", "h".repeat(253), "h".repeat(254), "db.example:5432", "db example", "db/x", "db.example\n", "\ndb", "ünï", null, false, 123, ["db"], undefined],
  reader: ["", "r.example", "r:1", "r\n", null, true, 0, ["r"], undefined],
  port: [0, 1, 65535, 65536, -1, 5432.5, 5432.0, "5432", null, true, [5432], {}, undefined],
};

/** Raw values: JSON shapes and number spellings a JavaScript object cannot express. */
const RAW: string[] = [
  "",
  "not json",
  "[]",
  "null",
  "1",
  '"drweb"',
  "{}",
  `${JSON.stringify(MEMBER)} trailing`,
  `  ${JSON.stringify(MEMBER)}\n`,
  JSON.stringify(MEMBER, null, 2),
  ...["5432.0", "5.432e3", "5432e0", "1e999", "-0", "0.5", "NaN", "Infinity", "-Infinity", "05432", "+5432", "0x1538"].map(
    (n) => JSON.stringify({ ...MEMBER, port: 0 }).replace('"port":0', `"port":${n}`),
  ),
  // duplicate keys: both take the last
  JSON.stringify(MEMBER).replace('{"cluster":', '{"cluster":"bad!","cluster":'),
  JSON.stringify(MEMBER).replace('{"cluster":"drweb-prod-use2-aurora",', '{"cluster":"drweb-prod-use2-aurora","cluster":"bad!",'),
  // "__proto__" is an ordinary key of JSON.parse's result, never the prototype
  JSON.stringify({ writer: MEMBER.writer, reader: MEMBER.reader, port: 5432 }).replace("{", '{"__proto__":{"cluster":"x"},'),
  // unknown keys of any type are ignored
  JSON.stringify({ ...MEMBER, note: { moved: "2024-01-02T03:04:05Z" }, tags: [1, null, true] }),
  "\uFEFF" + JSON.stringify(MEMBER),
];

function corpus(): string[] {
  const values: string[] = [];
  for (const [field, candidates] of Object.entries(CANDIDATES)) {
    for (const c of candidates) values.push(JSON.stringify({ ...MEMBER, [field]: c }));
  }
  return [...values, ...RAW];
}

describe("database endpoints parameter: the TypeScript writers and the web app's parser agree", () => {
  beforeAll(async () => {
    const setup = await run("bash", [path.join(PROJECT_ROOT, "scripts", "setup-python.sh")]);
    expect(setup.status, setup.stderr).toBe(0);
  }, 600_000);

  it("the app accepts every value encodeEndpoints writes (as written and key-sorted as Terraform's jsonencode) and parses it to the same endpoints", async () => {
    const values = WRITTEN.flatMap((e) => [encodeEndpoints(e), sortedKeys(e)]);
    const py = await python(values);
    values.forEach((v, i) => {
      const e = WRITTEN[Math.floor(i / 2)];
      expect(parseEndpoints(v)).toEqual(e);
      expect(py[i], v).toEqual({ ok: e });
    });
  });

  it("both sides accept and refuse the same values, for the same field", async () => {
    const values = corpus();
    const py = await python(values);
    const disagreements = values
      .map((v, i) => ({ value: v, ts: typescript(v), py: py[i] }))
      .filter((d) => reason(d.ts) !== reason(d.py) || ("ok" in d.ts && JSON.stringify(d.ts) !== JSON.stringify(d.py)));
    expect(disagreements).toEqual([]);
    // the corpus exercises both outcomes and every field's refusal
    const reasons = new Set(values.map((v) => reason(typescript(v))));
    expect([...reasons].sort()).toEqual(["accepted", "cluster", "is not JSON", "must be a JSON object", "port", "reader", "writer"]);
    expect(values.filter((v) => "error" in typescript(v)).length).toBeGreaterThan(50);
  });

  it("values with a key missing or of the wrong type are refused by the TypeScript side too (RegExp.test would stringify them)", () => {
    expect(() => parseEndpoints(JSON.stringify({ port: 5432 }))).toThrow(/"cluster" must be a DB cluster identifier, got undefined/);
    expect(() => parseEndpoints(JSON.stringify({ ...MEMBER, cluster: null }))).toThrow(/"cluster" must be a DB cluster identifier, got null/);
    expect(() => parseEndpoints(JSON.stringify({ ...MEMBER, writer: 123 }))).toThrow(/"writer" must be a host name, got 123/);
    expect(() => parseEndpoints(JSON.stringify({ ...MEMBER, reader: ["r"] }))).toThrow(/"reader" must be a host name/);
  });

  it("what encodeEndpoints refuses to write, the app refuses to read", async () => {
    const invalid = Object.entries(CANDIDATES).flatMap(([field, cs]) =>
      cs.map((c) => ({ ...MEMBER, [field]: c }) as DbEndpoints).filter((e) => "error" in typescript(JSON.stringify(e))),
    );
    expect(invalid.length).toBeGreaterThan(40);
    for (const e of invalid) expect(() => encodeEndpoints(e)).toThrow(/database endpoints parameter: "(cluster|writer|reader|port)"/);
    const py = await python(invalid.map((e) => JSON.stringify(e)));
    expect(py.filter((v) => "ok" in v)).toEqual([]);
  });
});
