/**
 * The offline plan's secondary-region outage (src/offline-plan/peer-scenarios.ts):
 * the test file it writes makes every endpoint of that region refuse and
 * leaves its data sources to the provider; what the real provider then
 * plans is `npm run plan:offline -- --only peer-down-primary,...`.
 */
import * as net from "node:net";
import { resolveConfig } from "../../src/config";
import { acmValidationRecordName, dataSourceValues, REFUSED_ENDPOINT } from "../../src/offline-plan/fake-aws";
import { checkPlan } from "../../src/offline-plan/expectations";
import { drStates, transitions } from "../../src/offline-plan/scenarios";
import { dataOverrides, testProviders, type Workspace } from "../../src/offline-plan/tftest";
import type { PlanResourceChange } from "../../src/offline-plan/types";
import { certificateValidationParameter } from "../../src/dns/contract";
import { synthApp } from "../helpers/synth";

const ws = { endpointNames: ["kms", "ssm", "sts"] } as unknown as Workspace;

describe("offline plan: the primary while the secondary region is down", () => {
  const base = resolveConfig();
  const states = drStates(base);
  const deploys = transitions(states).filter((t) => t.id.startsWith("peer-"));

  it("plans the switch from the normal state, its control without the switch, and the way back, all in the full matrix only", () => {
    expect(deploys.map((t) => [t.id, t.from, t.createdIn ?? t.from, t.to, t.unreachableRegion ?? null, t.mustFailReaching ?? null, t.quick])).toEqual([
      ["peer-down-primary", "normal", "normal", "peerDown", "us-west-1", null, false],
      ["peer-down-primary-without-switch", "normal", "normal", "peerFixed", "us-west-1", "us-west-1", false],
      ["peer-back-primary", "peerDown", "normal", "peerFixed", null, null, false],
    ]);
    const down = states.find((s) => s.id === "peerDown")!;
    const fixed = states.find((s) => s.id === "peerFixed")!;
    expect(down).toMatchObject({ targetOnly: true, config: { regions: { secondary: { unreachable: true } }, kms: { deletionWindowDays: 7 } } });
    expect(fixed).toMatchObject({ targetOnly: true, config: { regions: { secondary: { unreachable: false } }, kms: { deletionWindowDays: 7 } } });
  });

  it("gives every endpoint of the unreachable region's provider the refusing address, the other region's the responder", () => {
    const primary = synthApp({ regions: { secondary: { unreachable: true } } }).stacks.primary as any;
    const p = testProviders(primary, ws, "http://127.0.0.1:4567", "us-west-1") as { aws: any[] };
    const peer = p.aws.find((x) => x.alias === "peer");
    const home = p.aws.find((x) => !x.alias);
    expect(peer).toMatchObject({ region: "us-west-1", sts_region: "us-east-2", endpoints: [{ kms: REFUSED_ENDPOINT, ssm: REFUSED_ENDPOINT, sts: REFUSED_ENDPOINT }] });
    expect(home).toMatchObject({ region: "us-east-2", endpoints: [{ kms: "http://127.0.0.1:4567", ssm: "http://127.0.0.1:4567", sts: "http://127.0.0.1:4567" }] });
    // A stack without a provider there: making that region unreachable would prove nothing.
    const secondary = synthApp().stacks.secondary as any;
    expect(() => testProviders(secondary, ws, "http://127.0.0.1:4567", "us-east-2")).toThrow("the stack has no provider in us-east-2");
  });

  it("leaves the unreachable region's data sources to the provider (no override), and overrides the others", () => {
    const primary = synthApp().stacks.primary as any;
    const all = dataOverrides(primary, base).map((o) => o.target);
    const reachable = dataOverrides(primary, base, { unreachableRegion: "us-west-1" }).map((o) => o.target);
    expect(all.filter((t) => !reachable.includes(t))).toEqual(["data.aws_ssm_parameter.CertificateValidationRecord"]);
    expect(reachable).toContain("data.aws_caller_identity.Account");
  });

  it("refuses connections on the refusing address (nothing listens on loopback port 1 here)", async () => {
    const { hostname, port } = new URL(REFUSED_ENDPOINT);
    const err = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      const s = net.connect(Number(port), hostname);
      s.once("connect", () => (s.destroy(), resolve(undefined)));
      s.once("error", resolve);
    });
    expect(err?.code).toBe("ECONNREFUSED");
  });

  it("gives every certificate for a name ACM's one validation record, and the dns-zone parameter its FQDN (lower case, no final dot)", () => {
    const name = acmValidationRecordName("drweb.example.com");
    expect(name).toMatch(/^_[0-9a-f]{32}\.drweb\.example\.com\.$/);
    const param = dataSourceValues("aws_ssm_parameter", "X", { name: certificateValidationParameter(base) }, "us-west-1", base);
    expect(param.value).toBe(name.slice(0, -1));
  });

  it("fails the way back if the held change is not planned, or if anything is created there", () => {
    const back = deploys.find((t) => t.id === "peer-back-primary")!;
    const keyUpdate: PlanResourceChange = {
      address: "aws_kms_key.SecretReplicaKey_5B4F648F",
      mode: "managed",
      type: "aws_kms_key",
      name: "SecretReplicaKey_5B4F648F",
      change: { actions: ["update"], before: { arn: "arn:aws:kms:us-west-1:123456789012:key/k", deletion_window_in_days: 30 }, after: { arn: "arn:aws:kms:us-west-1:123456789012:key/k", deletion_window_in_days: 7 } },
    };
    const validation: PlanResourceChange = {
      address: "aws_acm_certificate_validation.V",
      mode: "managed",
      type: "aws_acm_certificate_validation",
      name: "V",
      change: { actions: ["update"], before: { validation_record_fqdns: ["a"] }, after: { validation_record_fqdns: ["a"] } },
    };
    expect(checkPlan([keyUpdate, validation], {}, back.expect).problems).toEqual([]);
    const secondKey: PlanResourceChange = { ...keyUpdate, address: "aws_kms_key.Other", change: { actions: ["create"], before: null, after: { deletion_window_in_days: 7 } } };
    expect(checkPlan([keyUpdate, validation, secondKey], {}, back.expect).problems.join("\n")).toContain("unexpected change (the runbook does not promise it): create aws_kms_key.Other");
    expect(checkPlan([validation], {}, back.expect).problems.join("\n")).toContain("expected update: the us-west-1 secret replica key's deletion window 7 days");
    const replaced = { ...validation, change: { ...validation.change, before: { validation_record_fqdns: ["a"] }, after: { validation_record_fqdns: ["b"] } } };
    expect(checkPlan([keyUpdate, replaced], {}, back.expect).problems.join("\n")).toContain("values change");
  });
});
