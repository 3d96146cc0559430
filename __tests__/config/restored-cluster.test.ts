import { resolveConfig } from "../../src/config";
import { memberClusterIdentifier, RESTORE_REGION_BY_STATE } from "../../src/config/checks/restored-cluster";
import { AURORA_GLOBAL_PRIMARY, regionClusterIdentifier } from "../../src/database/aurora-contract";
import { configProblems as problems } from "../helpers/config-problems";

const ID = "drweb-prod-use2-db-g1-cluster-pitr-20260101t1200";
/** A restoredCluster as dr restore prints it (Aurora mode, drState normal: the primary region us-east-2). */
const RESTORED = {
  region: "primary",
  identifier: ID,
  writerEndpoint: `${ID}.cluster-c9akciq32lzp.us-east-2.rds.amazonaws.com`,
  readerEndpoint: `${ID}.cluster-ro-c9akciq32lzp.us-east-2.rds.amazonaws.com`,
};
const aurora = (restored: Record<string, unknown>, db: Record<string, unknown> = {}) => ({ database: { engine: "aurora-postgresql", ...db, restoredCluster: { ...RESTORED, ...restored } } });

describe("database.restoredCluster", () => {
  it("accepts the record dr restore prints (Aurora mode, the global primary's region, the restored cluster's endpoints)", () => {
    const c = resolveConfig(aurora({}), "test");
    expect(c.database.restoredCluster).toEqual(RESTORED);
    // failedOver: the global primary is the secondary region's cluster, so the restore is there.
    const id = "drweb-prod-usw1-db-g1-cluster-pitr-20260101t1200";
    const s = resolveConfig(aurora({ region: "secondary", identifier: id, writerEndpoint: `${id}.cluster-abc123.us-west-1.rds.amazonaws.com`, readerEndpoint: `${id}.cluster-ro-abc123.us-west-1.rds.amazonaws.com` }, { drState: "failedOver" }), "test");
    expect(s.database.restoredCluster?.region).toBe("secondary");
  });

  it("is refused with engine postgres, naming the field and the fix", () => {
    const p = problems({ database: { restoredCluster: RESTORED } });
    expect(p).toHaveLength(1);
    expect(p[0].field).toBe("database.restoredCluster");
    expect(p[0].message).toMatch(/engine "postgres" has no such parameter.*Fix: remove database\.restoredCluster, or set database\.engine "aurora-postgresql"/);
  });

  it("must be in the global primary's region of drState", () => {
    const p = problems(aurora({ region: "secondary" }));
    expect(p).toEqual([{ field: "database.restoredCluster.region", message: expect.stringMatching(/"secondary" is not where the app writes in drState "normal".*primary region's \(us-east-2\)\. Fix: set database\.restoredCluster\.region to "primary"/) }]);
    const q = problems(aurora({}, { drState: "failback" }));
    expect(q[0].field).toBe("database.restoredCluster.region");
    expect(q[0].message).toContain('Fix: set database.restoredCluster.region to "secondary"');
  });

  it.each([
    ["1abc", "starting with a letter"],
    ["drweb--x", "no two consecutive hyphens"],
    ["drweb-x-", "no hyphen at the end"],
    ["drweb_x", "letters, digits or hyphens"],
    ["a".repeat(64), "1 to 63"],
  ])("refuses %s as an identifier (RDS CreateDBCluster DBClusterIdentifier rules: %s)", (identifier, why) => {
    const p = problems(aurora({ identifier }));
    expect(p).toHaveLength(1);
    expect(p[0].field).toBe("database.restoredCluster.identifier");
    expect(p[0].message).toContain(why);
    expect(p[0].message).toContain("CreateDBCluster DBClusterIdentifier");
  });

  it("refuses a member cluster of the global database (of either region) as the restored cluster", () => {
    const member = "drweb-prod-use2-db-g1-cluster";
    const p = problems(aurora({ identifier: member, writerEndpoint: `${member}.cluster-x1.us-east-2.rds.amazonaws.com`, readerEndpoint: `${member}.cluster-ro-x1.us-east-2.rds.amazonaws.com` }));
    expect(p).toEqual([{ field: "database.restoredCluster.identifier", message: expect.stringContaining("is the primary region's member cluster of the global database") }]);
    const other = "drweb-prod-usw1-db-g1-cluster";
    expect(problems(aurora({ identifier: other, writerEndpoint: `${other}.cluster-x1.us-east-2.rds.amazonaws.com`, readerEndpoint: `${other}.cluster-ro-x1.us-east-2.rds.amazonaws.com` }))[0].message).toContain("secondary region's member cluster");
    // A later generation names another member: the g1 name is then free (not the member any more).
    expect(() => resolveConfig(aurora({ identifier: member, writerEndpoint: `${member}.cluster-x1.us-east-2.rds.amazonaws.com`, readerEndpoint: `${member}.cluster-ro-x1.us-east-2.rds.amazonaws.com` }, { generations: { primary: 2, secondary: 1 } }), "test")).not.toThrow();
  });

  it("refuses endpoints that are not the restored cluster's in the region (Aurora's <identifier>.cluster[-ro]-<id>.<region>.rds.amazonaws.com)", () => {
    const p = problems(
      aurora({
        // another cluster's writer endpoint (e.g. the member's), and a reader endpoint in the wrong region
        writerEndpoint: "drweb-prod-use2-db-g1-cluster.cluster-c9akciq32lzp.us-east-2.rds.amazonaws.com",
        readerEndpoint: `${ID}.cluster-ro-c9akciq32lzp.us-west-1.rds.amazonaws.com`,
      }),
    );
    expect(p.map((x) => x.field)).toEqual(["database.restoredCluster.writerEndpoint", "database.restoredCluster.readerEndpoint"]);
    expect(p[0].message).toContain(`is not the cluster (writer) endpoint of ${ID} in us-east-2: Aurora names it ${ID}.cluster-<id>.us-east-2.rds.amazonaws.com`);
    expect(p[1].message).toContain(`${ID}.cluster-ro-<id>.us-east-2.rds.amazonaws.com`);
    // writer and reader swapped
    const q = problems(aurora({ writerEndpoint: RESTORED.readerEndpoint, readerEndpoint: RESTORED.writerEndpoint }));
    expect(q.map((x) => x.field)).toEqual(["database.restoredCluster.writerEndpoint", "database.restoredCluster.readerEndpoint"]);
    // the two endpoints of one cluster share the account label
    const r = problems(aurora({ readerEndpoint: `${ID}.cluster-ro-otheraccount1.us-east-2.rds.amazonaws.com` }));
    expect(r).toEqual([{ field: "database.restoredCluster.readerEndpoint", message: expect.stringContaining('account label "otheraccount1" differs from the writer endpoint\'s "c9akciq32lzp"') }]);
  });

  it("uses the database layer's global-primary table and member identifiers (the config layer keeps copies)", () => {
    expect(RESTORE_REGION_BY_STATE).toEqual(AURORA_GLOBAL_PRIMARY);
    const c = resolveConfig({ database: { engine: "aurora-postgresql", generations: { primary: 3, secondary: 2 } } }, "test");
    for (const role of ["primary", "secondary"] as const) expect(memberClusterIdentifier(c, role)).toBe(regionClusterIdentifier(c, role));
  });
});
