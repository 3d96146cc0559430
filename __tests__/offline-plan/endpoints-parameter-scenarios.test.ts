/**
 * The offline plan's endpoints-parameter checks (src/offline-plan/endpoints-parameter-scenarios.ts), without
 * Terraform: the recorded-restore state and deploy are built from the contract, and the state-plan check fails a plan
 * that lacks the parameter. The plans themselves: `npm run plan:offline -- --only aurora-restore-recorded-primary`.
 */
import { resolveConfig } from "../../src/config";
import { parseEndpoints } from "../../src/database/endpoints-parameter";
import { auroraVariant } from "../../src/offline-plan/aurora-scenarios";
import { endpointsParameterStateProblems } from "../../src/offline-plan/endpoints-parameter-scenarios";
import { drStates, transitions } from "../../src/offline-plan/scenarios";
import type { PlanResourceChange } from "../../src/offline-plan/types";

const rds = resolveConfig({});
const aurora = auroraVariant(rds);
const created = (after: Record<string, unknown>): PlanResourceChange => ({ address: "aws_ssm_parameter.P", mode: "managed", type: "aws_ssm_parameter", name: "P", change: { actions: ["create"], before: null, after } });

describe("offline plan: the Aurora endpoints parameter", () => {
  it("targets a recorded restore of the primary region (a valid config) with the runbook's PutParameter as the AWS action", () => {
    const states = drStates(aurora);
    const restored = states.find((s) => s.id === "aurora-restored")!;
    expect(restored.targetOnly).toBe(true);
    expect(restored.config.database.restoredCluster).toMatchObject({ region: "primary", identifier: "drweb-prod-use2-db-g1-cluster-pitr-20260101t1200" });
    const t = transitions(states).find((x) => x.id === "aurora-restore-recorded-primary")!;
    expect(t).toMatchObject({ stack: "primary", from: "aurora-normal", to: "aurora-restored", expect: { outputs: [] } });
    // The recording deploy plans nothing: the runbook wrote jsonencode's bytes (keys sorted, minified).
    expect(t.expect.changes).toEqual([]);
    const value = t.edits[0].set.value as string;
    expect(value).toBe(`{"cluster":"${restored.config.database.restoredCluster!.identifier}","port":5432,"reader":"${restored.config.database.restoredCluster!.readerEndpoint}","writer":"${restored.config.database.restoredCluster!.writerEndpoint}"}`);
    expect(parseEndpoints(value)).toEqual({ cluster: restored.config.database.restoredCluster!.identifier, writer: restored.config.database.restoredCluster!.writerEndpoint, reader: restored.config.database.restoredCluster!.readerEndpoint, port: 5432 });
    expect(t.edits[0].where({ name: "/drweb-prod-use2/db/endpoints" })).toBe(true);
  });

  it("fails an Aurora state plan of a regional stack without exactly its parameter (String, Standard), and an RDS one with any", () => {
    const ok = created({ name: "/drweb-prod-use2/db/endpoints", type: "String", tier: "Standard" });
    expect(endpointsParameterStateProblems("primary", aurora, [ok])).toEqual([]);
    expect(endpointsParameterStateProblems("primary", aurora, [])[0]).toMatch(/FAIL: endpoints parameter: expected \/drweb-prod-use2\/db\/endpoints created, the plan creates none/);
    expect(endpointsParameterStateProblems("secondary", aurora, [ok])[0]).toMatch(/expected \/drweb-prod-usw1\/db\/endpoints created, the plan creates \/drweb-prod-use2\/db\/endpoints/);
    expect(endpointsParameterStateProblems("primary", aurora, [created({ name: "/drweb-prod-use2/db/endpoints", type: "SecureString", tier: "Standard" })])[0]).toMatch(/type SecureString/);
    expect(endpointsParameterStateProblems("primary", rds, [ok])[0]).toMatch(/the RDS mode creates a database endpoints parameter/);
    expect(endpointsParameterStateProblems("primary", rds, [])).toEqual([]);
    expect(endpointsParameterStateProblems("dns", aurora, [])).toEqual([]);
  });
});
