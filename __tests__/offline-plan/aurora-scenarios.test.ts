import { resolveConfig } from "../../src/config";
import { auroraRefusals, auroraStates, auroraTransitions, auroraVariant, nextMinor } from "../../src/offline-plan/aurora-scenarios";
import { dataSourceValues } from "../../src/offline-plan/fake-aws";
import { refusals } from "../../src/offline-plan/scenarios";
import { deployedState } from "../../src/offline-plan/deployed-state";
import { drStates, transitions } from "../../src/offline-plan/scenarios";
import { withoutIgnoreChanges } from "../../src/offline-plan/tftest";
import type { StackJson } from "../../src/offline-plan/types";

// The Aurora scenarios of the offline plan: which configs they plan and
// that their AWS actions reach the resources the stacks declare. The plans
// themselves run in `npm run plan:offline` (real provider).
describe("offline plan: Aurora Global Database scenarios", () => {
  const rds = resolveConfig({}, "test");

  it("plans the Aurora mode next to the RDS mode, with the Aurora defaults (the RDS class would be refused)", () => {
    const states = drStates(rds);
    // (peerDown, peerFixed: the primary deployed while the secondary region is down, peer-scenarios.ts)
    expect(states.map((s) => s.id)).toEqual([
      "normal",
      "failedOver",
      "failback",
      "switchedBack",
      "switchedBackRotated",
      "failbackRotated",
      "peerDown",
      "peerFixed",
      "aurora-normal",
      "aurora-failedOver",
      "aurora-failback",
      "aurora-rebuild",
      "aurora-upgraded",
      "aurora-switchedBack",
      "aurora-rotated",
      "aurora-failback-rotated",
      "aurora-restored",
    ]);
    const a = states.find((s) => s.id === "aurora-rebuild")!.config.database;
    expect(a).toMatchObject({ engine: "aurora-postgresql", instanceClass: "db.r6g.large", drState: "failback", generations: { primary: 2, secondary: 1 } });
    expect(states.find((s) => s.id === "aurora-upgraded")).toMatchObject({ targetOnly: true, config: { database: { engineVersion: "16.7" } } });
    // An Aurora config plans only its own mode's states and deploys (and the
    // secondary-region outage's, from its own normal state).
    const aurora = auroraVariant(rds);
    expect(drStates(aurora).map((s) => s.id)).toEqual([...auroraStates(aurora).map((s) => s.id), "peerDown", "peerFixed"]);
    const auroraDeploys = transitions(drStates(aurora));
    expect(auroraDeploys.filter((t) => !t.id.startsWith("aurora-")).map((t) => [t.id, t.from])).toEqual([
      ["peer-down-primary", "aurora-normal"],
      ["peer-down-primary-without-switch", "aurora-normal"],
      ["peer-back-primary", "peerDown"],
    ]);
    expect(drStates(aurora).find((s) => s.id === "peerDown")!.config.database.engine).toBe("aurora-postgresql");
    expect(() => nextMinor("16")).toThrow('"16" is not major.minor');
  });

  it("moves the roles on the clusters the stacks declare: the born primary reads as a secondary of the us-west-1 cluster (its ReplicationSourceIdentifier)", () => {
    const ts = auroraTransitions(drStates(rds));
    const t = ts.find((x) => x.id === "aurora-failback-primary")!;
    expect(t.edits).toHaveLength(1);
    const stack: StackJson = {
      terraform: {},
      provider: { aws: [{ region: "us-east-2" }] },
      resource: { aws_rds_cluster: { Cluster: { cluster_identifier: "drweb-prod-use2-db-g1-cluster", database_name: "drweb", master_username: "drweb_admin" } } },
    };
    const schema = { attributes: { cluster_identifier: { optional: true }, database_name: { optional: true, computed: true }, master_username: { optional: true, computed: true }, replication_source_identifier: { optional: true } } };
    const plan = [{ address: "aws_rds_cluster.Cluster", mode: "managed" as const, type: "aws_rds_cluster", name: "Cluster", change: { actions: ["create" as const], before: null, after: stack.resource!.aws_rds_cluster.Cluster } }];
    const d = deployedState(stack, plan, { aws_rds_cluster: schema }, () => "us-east-2", t.edits);
    expect(d.config.resource!.aws_rds_cluster.Cluster.replication_source_identifier).toBe("arn:aws:rds:us-west-1:123456789012:cluster:drweb-prod-usw1-db-g1-cluster");
    // Every control names what it fights and removes an ignore list.
    for (const c of ts.filter((x) => x.id.endsWith("-without-ignore"))) expect(c.fights?.length && c.withoutIgnoreChanges?.length).toBeTruthy();
  });

  it("plans a master password rotation after a failback (both modes) and the same bump held during failback, as deploys from the states the runbook leaves (issue 23)", () => {
    const states = drStates(rds);
    const ts = transitions(states);
    const byId = (id: string) => ts.find((t) => t.id === id)!;
    const cfg = (id: string) => states.find((x) => x.id === id)!.config.database;
    // The bump is the only difference from the state it is deployed over.
    for (const [from, to] of [["switchedBack", "switchedBackRotated"], ["failback", "failbackRotated"], ["aurora-switchedBack", "aurora-rotated"], ["aurora-failback", "aurora-failback-rotated"]]) {
      expect({ ...cfg(to), masterPasswordVersion: 0 }, to).toEqual({ ...cfg(from), masterPasswordVersion: 0 });
      expect(cfg(to).masterPasswordVersion, to).toBe(cfg(from).masterPasswordVersion + 1);
      expect(states.find((x) => x.id === to)!.targetOnly, to).toBe(true);
    }
    expect(cfg("switchedBack")).toMatchObject({ drState: "normal", generations: { primary: 2, secondary: 2 } });
    expect(cfg("aurora-switchedBack")).toMatchObject({ drState: "normal", generations: { primary: 2, secondary: 1 } });
    expect(byId("rotation-after-failback-primary")).toMatchObject({ stack: "primary", createdIn: "failback", from: "switchedBack", to: "switchedBackRotated" });
    expect(byId("rotation-after-failback-primary").expect.changes.map((c) => `${c.kind} ${c.type} [${c.attributes}]`)).toEqual([
      "replace aws_secretsmanager_secret_version [undefined]",
      "update aws_db_instance [password_wo_version]",
    ]);
    expect(byId("rotation-deferred-failback-primary")).toMatchObject({ from: "failback", to: "failbackRotated", expect: { changes: [], outputs: [] } });
    expect(byId("rotation-deferred-failback-primary-without-ignore")).toMatchObject({ withoutIgnoreChanges: ["aws_secretsmanager_secret_version"] });
    expect(byId("aurora-rotation-after-rebuild-primary")).toMatchObject({ stack: "primary", createdIn: "aurora-rebuild", from: "aurora-switchedBack", to: "aurora-rotated" });
    expect(byId("aurora-rotation-deferred-failback-primary")).toMatchObject({ from: "aurora-failback", to: "aurora-failback-rotated", expect: { changes: [], outputs: [] } });
  });

  it("removes lifecycle.ignore_changes for a control, and refuses a control with nothing to remove", () => {
    const stack: StackJson = { terraform: {}, resource: { aws_rds_cluster: { C: { cluster_identifier: "c", lifecycle: { ignore_changes: ["engine_version"], prevent_destroy: false } } }, aws_eks_addon: { A: { lifecycle: { ignore_changes: ["addon_version"] } } } } };
    const out = withoutIgnoreChanges(stack, ["aws_rds_cluster"]);
    expect(out.resource!.aws_rds_cluster.C.lifecycle).toEqual({ prevent_destroy: false });
    expect(out.resource!.aws_eks_addon.A.lifecycle).toEqual({ ignore_changes: ["addon_version"] });
    expect(stack.resource!.aws_rds_cluster.C.lifecycle.ignore_changes).toEqual(["engine_version"]);
    expect(() => withoutIgnoreChanges(out, ["aws_rds_cluster"])).toThrow("the control would prove nothing");
  });

  it("answers the offering check as an account that offers the configured version and class; each refusal answers as a region that does not", () => {
    const aurora = auroraVariant(rds);
    const versionArgs = { engine: "aurora-postgresql", preferred_versions: ["16.6", "${data.aws_rds_engine_version.D.version}"] };
    const classArgs = { engine: "aurora-postgresql", engine_version: "${data.aws_rds_engine_version.V.version}", preferred_instance_classes: ["db.r6g.large", "db.r5.large"] };
    expect(dataSourceValues("aws_rds_engine_version", "V", versionArgs, "us-west-1", aurora)).toMatchObject({ version: "16.6", supports_global_databases: true });
    expect(dataSourceValues("aws_rds_engine_version", "D", { engine: "aurora-postgresql", default_only: true, latest: true }, "us-west-1", aurora)).toMatchObject({ version: "16.6" });
    expect(dataSourceValues("aws_rds_orderable_db_instance", "C", classArgs, "us-west-1", aurora)).toMatchObject({ instance_class: "db.r6g.large", supports_global_databases: true });

    const rs = auroraRefusals(auroraStates(aurora));
    expect(rs.map((r) => [r.id, r.stack, r.refusedBy.dataSource])).toEqual([
      ["aurora-refused-version-not-offered", "secondary", "aws_rds_engine_version"],
      ["aurora-refused-version-without-global", "primary", "aws_rds_engine_version"],
      ["aurora-refused-class-not-offered", "secondary", "aws_rds_orderable_db_instance"],
      ["aurora-refused-class-without-global", "secondary", "aws_rds_orderable_db_instance"],
    ]);
    // Every refusal names the config field it is about, and changes the answer of its own lookup only.
    for (const r of rs) expect(r.refusedBy.says[0]).toMatch(/^database\.(engineVersion|instanceClass)$/);
    const [notOffered, withoutGlobal, classMissing] = rs;
    expect(notOffered.answer("aws_rds_engine_version", versionArgs)).toMatchObject({ version: "15.10" });
    expect(withoutGlobal.answer("aws_rds_engine_version", versionArgs)).toEqual({ supports_global_databases: false });
    expect(withoutGlobal.answer("aws_rds_engine_version", { engine: "aurora-postgresql", default_only: true })).toBeUndefined();
    expect(classMissing.answer("aws_rds_orderable_db_instance", classArgs)).toEqual({ instance_class: "db.r5.large", id: "db.r5.large" });
    expect(classMissing.answer("aws_rds_engine_version", versionArgs)).toBeUndefined();
    // The full matrix plans them with either config mode.
    expect(refusals(drStates(rds)).map((r) => r.id)).toEqual(rs.map((r) => r.id));
  });
});
