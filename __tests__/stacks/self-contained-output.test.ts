/**
 * cdktf.out/ is self-contained: no synthesized string names a folder of the
 * synth machine, and every file Terraform reads (file attributes such as
 * aws_s3_object.source, file functions such as filesha256) is a relative
 * path to a file inside its stack's folder (the one deliberate exception:
 * the local backend's state file, beside the output folder,
 * stacks/backend.ts localStatePath); and a copy of the whole output, made
 * with `cp -r` and planned after the original is deleted, plans: the real
 * Terraform CLI and the real hashicorp/aws 5.100.0 provider run IN the
 * copied stack folder (`terraform test` with `command = plan`, the offline
 * plan harness's machinery: fake credentials, endpoints on the loopback
 * responder, data sources overridden; no AWS account).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { dataOverrides, makeJobDir, runTerraformTest, testFile, testProviders, withoutBackend, type TestOutcome } from "../../src/offline-plan/tftest";
import { startResponder, type RecordedCall } from "../../src/offline-plan/responder";
import type { StackJson } from "../../src/offline-plan/types";
import { localStatePath } from "../../stacks/backend";
import { run } from "../helpers/run";
import { freshSynthApp, PROJECT_ROOT } from "../helpers/synth";
import { acquireOfflineWorkspace } from "../helpers/terraform-test";

/** Every string of a JSON value, with where it is. */
function strings(value: unknown, at: string, out: Array<[string, string]> = []): Array<[string, string]> {
  if (typeof value === "string") out.push([at, value]);
  else if (Array.isArray(value)) value.forEach((v, i) => strings(v, `${at}[${i}]`, out));
  else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) strings(v, `${at}.${k}`, out);
  return out;
}

/** Attributes Terraform or a provider opens as a file (aws_s3_object.source, aws_lambda_function.filename, archive_file, module sources). */
const FILE_ATTRIBUTES = new Set(["source", "filename", "source_file", "source_dir", "output_path"]);
/** Terraform functions that read a file at plan time, and their path argument. */
const FILE_FUNCTIONS = /\b(?:file|filebase64|filemd5|filesha1|filesha256|filesha512|filebase64sha256|filebase64sha512|fileexists|fileset|templatefile)\(\s*"((?:[^"\\]|\\.)*)"/g;

/**
 * Problems of one synthesized stack folder: any string naming a folder of
 * the synth machine (the project, the output folder, the home folder), and
 * any file Terraform would read (a file attribute, a file function's
 * argument) that is not a relative path to a file inside the stack folder.
 */
function pathProblems(stackDir: string, name: string, machine: readonly string[]): string[] {
  const json = JSON.parse(fs.readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8")) as StackJson;
  const problems: string[] = [];
  const checkFile = (at: string, p: string) => {
    const rel = p.replace(/^\$\{path\.module\}\//, "");
    const resolved = path.resolve(stackDir, rel);
    if (path.isAbsolute(rel) || rel.startsWith("~")) problems.push(`${at}: ${p} is not relative to the stack folder`);
    else if (!resolved.startsWith(stackDir + path.sep)) problems.push(`${at}: ${p} is outside the stack folder`);
    else if (!fs.existsSync(resolved)) problems.push(`${at}: ${p} does not exist in the stack folder`);
  };
  for (const [at, s] of strings(json, name)) {
    if (at.includes(".//.")) continue; // cdktf's own metadata (construct paths)
    if (at === `${name}.terraform.backend.local.path`) {
      // The deliberate exception: state is not generated output (stacks/backend.ts).
      if (s !== localStatePath(name)) problems.push(`${at}: ${s} (expected ${localStatePath(name)})`);
      continue;
    }
    for (const m of machine) if (s.includes(m)) problems.push(`${at} names ${m}: ${s.slice(0, 160)}`);
    const inBlock = [".resource.", ".data.", ".module."].some((b) => at.startsWith(`${name}${b}`));
    if (inBlock && FILE_ATTRIBUTES.has(at.split(".").pop()!) && !/^\$\{[^}]*\}$/.test(s)) checkFile(at, s);
    for (const [, p] of s.matchAll(FILE_FUNCTIONS)) checkFile(`${at} (function argument)`, p);
  }
  return problems;
}

describe("synthesized output (cdktf.out) is self-contained", () => {
  const synthesized = freshSynthApp();
  const copyParent = fs.mkdtempSync(path.join(os.tmpdir(), "drcopy-"));
  const copy = path.join(copyParent, "elsewhere", "cdktf.out");
  const workspace = acquireOfflineWorkspace();
  let outcome: TestOutcome;
  let calls: RecordedCall[];

  beforeAll(async () => {
    fs.mkdirSync(path.dirname(copy));
    const cp = await run("cp", ["-r", synthesized.outdir, copy]);
    expect(cp.status, cp.stderr).toBe(0);
    fs.rmSync(synthesized.outdir, { recursive: true, force: true });
    // The copied primary stack folder, as it is (backend included), planned where it lies.
    const ws = await workspace.ws;
    const dir = path.join(copy, "stacks", "primary");
    const json = synthesized.stacks.primary;
    makeJobDir(ws, dir);
    const responder = await startResponder();
    try {
      const test = testFile(testProviders(json, ws, responder.url), [{ name: "plan", command: "plan", overrideData: dataOverrides(withoutBackend(json), synthesized.config) }]);
      fs.writeFileSync(path.join(dir, "offline.tftest.json"), JSON.stringify(test));
      outcome = await runTerraformTest(ws, dir, ["plan"], 600);
      calls = [...responder.calls];
    } finally {
      await responder.close();
    }
  }, 900_000);

  afterAll(() => {
    fs.rmSync(copyParent, { recursive: true, force: true });
    workspace.release();
  });

  it("names no path of the synth machine and no path outside a stack's folder, in any stack (the local state file beside cdktf.out excepted)", () => {
    const machine = [PROJECT_ROOT, synthesized.outdir, os.homedir()].filter((p) => p.length > 1);
    const stacks = fs.readdirSync(path.join(copy, "stacks")).sort();
    expect(stacks).toEqual(expect.arrayContaining(["dns", "primary", "primary-monitoring", "secondary", "secondary-monitoring"]));
    const problems = stacks.flatMap((s) => pathProblems(path.join(copy, "stacks", s), s, machine));
    expect(problems).toEqual([]);
    // What the scan would catch: the wheel archive by its absolute path (the code before), a path out of the folder.
    const probe = path.join(copyParent, "probe", "primary");
    fs.mkdirSync(probe, { recursive: true });
    fs.writeFileSync(path.join(probe, "cdk.tf.json"), JSON.stringify({ terraform: {}, resource: { aws_s3_object: { W: { source: path.join(PROJECT_ROOT, "webapp", ".wheelhouse", "wheels.tar") }, X: { source: "../../x.tar" } } } }));
    expect(pathProblems(probe, "primary", machine)).toEqual([
      expect.stringContaining(`primary.resource.aws_s3_object.W.source names ${PROJECT_ROOT}`),
      expect.stringMatching(/^primary\.resource\.aws_s3_object\.W\.source: \/.*wheels\.tar is not relative to the stack folder$/),
      "primary.resource.aws_s3_object.X.source: ../../x.tar is outside the stack folder",
    ]);
    // And a file function reading outside, or a missing asset.
    fs.writeFileSync(path.join(probe, "cdk.tf.json"), JSON.stringify({ terraform: {}, locals: { a: '${filesha256("${path.module}/../secret")}', b: '${file("assets/none.txt")}' } }));
    expect(pathProblems(probe, "primary", machine)).toEqual([
      "primary.locals.a (function argument): ${path.module}/../secret is outside the stack folder",
      "primary.locals.b (function argument): assets/none.txt does not exist in the stack folder",
    ]);
  });

  it("plans the primary stack from the copy (the original deleted), the wheel archive read from the copy's assets", () => {
    expect(fs.existsSync(synthesized.outdir)).toBe(false);
    const errors = outcome.diagnostics.filter((d) => d.severity === "error");
    expect({ status: outcome.runs[0].status, errors, stderr: outcome.stderr }).toEqual({ status: "pass", errors: [], stderr: "" });
    expect(calls.filter((c) => !c.answered)).toEqual([]);
    const wheels = outcome.runs[0].resourceChanges!.find((rc) => rc.type === "aws_s3_object" && rc.name.startsWith("Web_Artifact_Wheels"))!;
    expect(wheels.change.actions).toEqual(["create"]);
    const source = (wheels.change.after as Record<string, string>).source;
    expect(source).toMatch(/^assets\//);
    expect(fs.existsSync(path.join(copy, "stacks", "primary", source))).toBe(true);
  });
});
