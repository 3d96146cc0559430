/**
 * AppArtifact's guards, run by the real Terraform CLI with the real
 * hashicorp/aws 5.100.0 provider (`terraform test`, through the offline
 * plan harness's machinery: src/offline-plan/tftest.ts). The two aws_s3_object
 * resources are taken from the synthesized primary stack as they are
 * (lifecycle included), with the bucket and key given as literals instead of
 * references to the rest of the stack.
 *
 * Stand-in, said plainly: S3 is not called. What the provider stores after
 * an upload (PutObject, then HeadObject's VersionId as version_id:
 * internal/service/s3/object.go) is given by override_resource, and the
 * provider's endpoints point at the loopback responder, which must see no
 * call.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startResponder, type Responder } from "../../src/offline-plan/responder";
import { linkStackAssets, runTerraformTest, testFile, testProviders, writeJob, type TestOutcome, type TestRun, type Workspace } from "../../src/offline-plan/tftest";
import type { StackJson } from "../../src/offline-plan/types";
import { synthApp } from "../helpers/synth";
import { acquireOfflineWorkspace } from "../helpers/terraform-test";

const BUCKET = "drweb-prod-artifacts-123456789012";
const KMS_KEY = "arn:aws:kms:us-east-2:123456789012:key/00000000-0000-4000-8000-000000000000";

/** The synthesized objects, standing alone: literals for the bucket and the key, no depends_on (those resources are not here). */
function objectsAlone(stack: StackJson, guarded: boolean): StackJson {
  const objects: Record<string, any> = {};
  for (const [id, body] of Object.entries(stack.resource!.aws_s3_object)) {
    const { depends_on: _ordered, ...rest } = JSON.parse(JSON.stringify(body));
    objects[id] = { ...rest, bucket: BUCKET, kms_key_id: KMS_KEY };
    if (!guarded) delete objects[id].lifecycle;
  }
  return { terraform: { required_providers: stack.terraform.required_providers }, provider: stack.provider, resource: { aws_s3_object: objects } };
}

describe("AppArtifact (real terraform test, real hashicorp/aws 5.100.0)", () => {
  let ws: Workspace;
  let responder: Responder;
  const outcomes: TestOutcome[] = [];
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "drartifact-"));
  const workspace = acquireOfflineWorkspace();

  beforeAll(async () => {
    const app = synthApp();
    const primary = app.stacks.primary;
    const ids = Object.keys(primary.resource!.aws_s3_object).sort();
    const version = (v: string) => ids.map((id) => ({ target: `aws_s3_object.${id}`, values: { version_id: v } }));
    ws = await workspace.ws;
    responder = await startResponder();
    const stackDir = path.join(app.outdir, "stacks", "primary");
    // terraform test skips every run after a failed one: one job per expected failure, that failure last.
    const jobs: TestRun[][] = [
      [
        // An upload S3 gave a version id; then one it stored without ("null").
        { name: "upload_versioned", command: "apply", stateKey: "versioned", overrideData: [], overrideResource: version("3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY") },
        { name: "upload_null", command: "apply", stateKey: "null", overrideData: [], overrideResource: version("null") },
      ],
      [{ name: "upload_empty", command: "apply", stateKey: "empty", overrideData: [], overrideResource: version("") }],
      [
        // A deployment whose objects were written unversioned (recorded
        // without the guard): the next plan of the guarded stack fails.
        { name: "deployed_unversioned", command: "apply", stateKey: "old", module: "./unguarded", overrideData: [], overrideResource: version("null") },
        { name: "plan_after", command: "plan", stateKey: "old", refresh: false, overrideData: [] },
      ],
      // The stack folder without its assets/ (the module's folder has none).
      [{ name: "plan_without_assets", command: "plan", stateKey: "noassets", module: "./noassets", overrideData: [] }],
    ];
    outcomes.push(
      ...(await Promise.all(
        jobs.map(async (runs, i) => {
          const dir = path.join(work, `job${i}`);
          await writeJob(ws, dir, objectsAlone(primary, true), testFile(testProviders(primary, ws, responder.url), runs), {
            unguarded: objectsAlone(primary, false),
            noassets: objectsAlone(primary, true),
          });
          // The wheel archive where Terraform runs (the job folder) and in the unguarded module's folder, not in noassets/.
          expect(linkStackAssets(stackDir, dir)).toBe(1);
          linkStackAssets(stackDir, path.join(dir, "unguarded"));
          return runTerraformTest(ws, dir, runs.map((r) => r.name), 300);
        }),
      )),
    );
  }, 600_000);

  afterAll(async () => {
    await responder?.close();
    fs.rmSync(work, { recursive: true, force: true });
    workspace.release();
  });

  const status = (run: string) => outcomes.flatMap((o) => o.runs).find((r) => r.name === run)?.status;
  const errors = (run: string) => outcomes.flatMap((o) => o.diagnostics).filter((d) => d.run === run && d.severity === "error");

  it("fails the apply right after an upload S3 stored without a version id ('null' or empty), naming the object and a repair that deletes nothing", () => {
    for (const run of ["upload_null", "upload_empty"]) {
      expect(status(run), run).toBe("error"); // terraform test: a run that ends in an error diagnostic
      const e = errors(run);
      expect(e.map((d) => d.summary), run).toEqual(["Resource postcondition failed", "Resource postcondition failed"]);
      for (const key of ["app/drweb.tar.gz", "app/wheels-cp311-x86_64.tar"]) {
        const d = e.find((x) => x.detail?.includes(`s3://${BUCKET}/${key} without a version id`));
        expect(d?.detail, `${run} ${key}`).toContain(
          `aws s3api copy-object --region us-east-2 --bucket ${BUCKET} --key ${key} --copy-source ${BUCKET}/${key} --metadata-directive REPLACE --metadata reupload=1`,
        );
        expect(d?.detail).toContain("Never replace or taint this object");
      }
    }
  });

  it("passes an upload S3 gave a version id", () => {
    expect(status("upload_versioned")).toBe("pass");
    expect(errors("upload_versioned")).toEqual([]);
  });

  it("fails the next plan of a deployment whose release was written unversioned (the value is known from state)", () => {
    expect(status("deployed_unversioned")).toBe("pass");
    expect(status("plan_after")).toBe("error");
    expect(errors("plan_after").map((d) => d.summary)).toEqual(["Resource postcondition failed", "Resource postcondition failed"]);
  });

  it("fails the plan of a stack folder whose wheel archive is missing, before anything changes, and passes it with the archive there", () => {
    expect(status("plan_without_assets")).toBe("error");
    const [e, ...rest] = errors("plan_without_assets");
    expect(rest).toEqual([]);
    expect(e.summary).toBe("Resource precondition failed");
    expect(e.detail).toMatch(/^The web app's wheel archive assets\/Web_Artifact_WheelsAsset_[A-Z0-9]+\/[0-9a-f]{64}\/wheels\.tar is missing from this stack's folder/);
    // The job folders have it: every other run got past the precondition (upload_versioned passed).
    expect(outcomes.flatMap((o) => o.diagnostics).filter((d) => d.summary === "Resource precondition failed").map((d) => d.run)).toEqual(["plan_without_assets"]);
  });

  it("calls no AWS endpoint (everything S3 would answer is an override)", () => {
    expect(responder.calls).toEqual([]);
  });
});
