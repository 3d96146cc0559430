/**
 * The Aurora Global Database mode (database.engine "aurora-postgresql") as
 * synthesized: the topology, what each region's web tier writes through (the
 * same in every DR state), and the deploy order. The real provider checks the JSON in
 * terraform-validate.test.ts (and the offline plan); AWS's own behaviour
 * (switchover, failover) cannot run here.
 */
import { AURORA_GLOBAL_PRIMARY, auroraClusterIdentifier, globalClusterIdentifier } from "../../src/database/aurora-contract";
import { REGION_ROLES, resolveConfig, type RegionRole } from "../../src/config";
import { Naming } from "../../src/lib/naming";
import { deref, resourceList, resources, synthApp, userDataEnv, webLaunchTemplate, type StackJson } from "../helpers/synth";

const AURORA = { database: { engine: "aurora-postgresql" } };
/** The Aurora configs of each DR state, written as the other test files write them (one synthesis per config and worker). */
const state = (drState: string): unknown =>
  drState === "normal"
    ? AURORA
    : drState === "failedOver"
      ? { database: { engine: "aurora-postgresql", drState: "failedOver" }, dns: { forceFailover: true } }
      : { database: { engine: "aurora-postgresql", drState } };

const clusterOf = (stack: StackJson) => {
  const cs = resourceList(stack, "aws_rds_cluster");
  expect(cs).toHaveLength(1);
  return cs[0];
};
const clusterAddress = (stack: StackJson) => `aws_rds_cluster.${Object.keys(resources(stack, "aws_rds_cluster"))[0]}`;

describe("Aurora Global Database mode", () => {
  it("builds one encrypted, deletion-protected global cluster, in the primary region's stack only", () => {
    const app = synthApp(AURORA);
    const globals = resourceList(app.stacks.primary, "aws_rds_global_cluster");
    expect(globals).toEqual([
      expect.objectContaining({ global_cluster_identifier: "drweb-prod-db-global", engine: "aurora-postgresql", engine_version: "16.6", storage_encrypted: true, deletion_protection: true }),
    ]);
    for (const name of Object.keys(app.stacks).filter((s) => s !== "primary")) {
      expect(resourceList(app.stacks[name], "aws_rds_global_cluster"), name).toEqual([]);
    }
    expect(globalClusterIdentifier(app.config)).toBe("drweb-prod-db-global");
  });

  it("has no RDS instances in this mode, and the RDS mode has no Aurora resources", () => {
    const aurora = synthApp(AURORA);
    const rds = synthApp();
    for (const role of REGION_ROLES) {
      expect(resourceList(aurora.stacks[role], "aws_db_instance")).toEqual([]);
      for (const t of ["aws_rds_cluster", "aws_rds_cluster_instance", "aws_rds_global_cluster"]) expect(resourceList(rds.stacks[role], t)).toEqual([]);
    }
  });

  it.each(REGION_ROLES)("the %s region's member: joined to the global cluster, encrypted with its own region's key, protected, backed up, logs exported", (role) => {
    const app = synthApp(AURORA);
    const stack = app.stacks[role];
    const c = clusterOf(stack);
    const prefix = new Naming("drweb", "prod", app.config.regions[role].region).regional;
    expect(c.cluster_identifier).toBe(auroraClusterIdentifier(prefix, 1));
    expect(c).toMatchObject({
      engine: "aurora-postgresql",
      storage_encrypted: true,
      deletion_protection: true,
      backup_retention_period: 7,
      skip_final_snapshot: false,
      final_snapshot_identifier: `${c.cluster_identifier}-final`,
      enabled_cloudwatch_logs_exports: ["postgresql"],
    });
    // Its region's key (the stack's RegionKey), not the other region's.
    expect(c.kms_key_id).toMatch(/^\$\{aws_kms_key\.RegionKey_/);
    // The owner references the global cluster (create order); the other region names it.
    if (role === "primary") expect(c.global_cluster_identifier).toMatch(/^\$\{aws_rds_global_cluster\..+\.id\}$/);
    else expect(c.global_cluster_identifier).toBe("drweb-prod-db-global");
    expect(c.lifecycle.ignore_changes).toEqual(expect.arrayContaining(["replication_source_identifier", "engine_version"]));
    // TLS required by the cluster parameter group.
    const pg = deref(stack, `\${${c.db_cluster_parameter_group_name.slice(2, -1)}}`);
    expect(pg.family).toBe("aurora-postgresql16");
    expect(pg.parameter).toContainEqual({ name: "rds.force_ssl", value: "1" });
  });

  it("declares the master user, database and write-only password on the born primary only; the secondary joins without them", () => {
    const app = synthApp(AURORA);
    const p = clusterOf(app.stacks.primary);
    expect(p).toMatchObject({ master_username: "drweb_admin", database_name: "drweb", master_password_wo_version: 1 });
    expect(p.master_password_wo).toMatch(/^\$\{jsondecode\(ephemeral\.aws_secretsmanager_secret_version\.[A-Za-z0-9_]+\.secret_string\)\.password\}$/);
    expect(p.master_password).toBeUndefined();
    expect(p.lifecycle.ignore_changes).toEqual(expect.arrayContaining(["master_username", "database_name"]));
    const s = clusterOf(app.stacks.secondary);
    for (const k of ["master_username", "master_password", "master_password_wo", "master_password_wo_version", "database_name"]) expect(s[k], k).toBeUndefined();
  });

  it("gives each region 1 + readersPerRegion instances of one class, private, with the app's CA and encrypted Performance Insights", () => {
    for (const readers of [1, 2]) {
      const app = synthApp({ database: { engine: "aurora-postgresql", readersPerRegion: readers } });
      for (const role of REGION_ROLES) {
        const stack = app.stacks[role];
        const instances = resourceList(stack, "aws_rds_cluster_instance");
        expect(instances).toHaveLength(1 + readers);
        for (const i of instances) {
          expect(i).toMatchObject({ instance_class: "db.r6g.large", publicly_accessible: false, ca_cert_identifier: "rds-ca-rsa2048-g1", performance_insights_enabled: true, engine: "aurora-postgresql" });
          expect(i.cluster_identifier).toBe(`\${${clusterAddress(stack)}.cluster_identifier}`);
          expect(i.performance_insights_kms_key_id).toMatch(/^\$\{aws_kms_key\.RegionKey_/);
        }
      }
    }
  });

  it.each(["normal", "failedOver", "failback"] as const)("in %s, each region's web tier writes through its OWN cluster's cluster endpoint and reads through its reader endpoint, told it is an Aurora member", (drState) => {
    const app = synthApp(state(drState));
    for (const role of REGION_ROLES) {
      const stack = app.stacks[role];
      const env = userDataEnv(stack);
      const cluster = clusterAddress(stack);
      // The cluster endpoint, derived from the reader endpoint (the provider's
      // `endpoint` is empty on a secondary member): src/database/aurora-tier.ts auroraClusterEndpoint.
      expect(env.DB_WRITER_HOST, `${drState}/${role}`).toBe(`replace(${cluster}.reader_endpoint, ".cluster-ro-", ".cluster-")`);
      expect(env.DB_READER_HOST).toBe(`${cluster}.reader_endpoint`);
      expect(env.DB_ENGINE).toBe("aurora-postgresql");
      expect(stack.output?.db_global_primary?.value).toBe(AURORA_GLOBAL_PRIMARY[drState]);
      expect(stack.output?.db_writer_endpoint?.value).toBe(`\${replace(${cluster}.reader_endpoint, ".cluster-ro-", ".cluster-")}`);
    }
  });

  it("synthesizes the same web launch template and Auto Scaling group in every DR state, rebuild included: recording a switchover or failover replaces no instance", () => {
    // What a role change must not touch: the launch template (its user data
    // carries the app's environment; a new version rolls every instance) and
    // the group that runs it. The rebuild's new cluster has the same construct
    // id, so the user data expression is the same; its endpoints' values
    // change at that apply (the offline plan's aurora-rebuild-primary).
    const web = (stack: StackJson) =>
      JSON.stringify({
        lt: webLaunchTemplate(stack),
        asg: resourceList(stack, "aws_autoscaling_group").filter((g) => String(g.name ?? "").endsWith("-web")),
      });
    const normal = synthApp(state("normal"));
    const others = {
      failedOver: synthApp(state("failedOver")),
      failback: synthApp(state("failback")),
      rebuild: synthApp({ database: { engine: "aurora-postgresql", drState: "failback", generations: { primary: 2 } }, dns: { forceFailover: true } }),
    };
    for (const role of REGION_ROLES) {
      expect(resourceList(normal.stacks[role], "aws_autoscaling_group").filter((g) => String(g.name ?? "").endsWith("-web")), role).toHaveLength(1);
      for (const [name, app] of Object.entries(others)) {
        expect(userDataEnv(app.stacks[role]), `${name}/${role}: the app's environment`).toEqual(userDataEnv(normal.stacks[role]));
        expect(web(app.stacks[role]), `${name}/${role}`).toBe(web(normal.stacks[role]));
      }
    }
  });

  it("checks on every plan that the reader endpoint has the shape the writer host is derived from", () => {
    for (const role of REGION_ROLES) {
      const post = clusterOf(synthApp(AURORA).stacks[role]).lifecycle.postcondition;
      expect(post).toEqual([expect.objectContaining({ condition: '${strcontains(self.reader_endpoint, ".cluster-ro-")}' })]);
      expect(post[0].error_message).toMatch(/does not have the documented shape <cluster>\.cluster-ro-<id>\.<region>\.rds\.amazonaws\.com.*Fix: compare with 'aws rds describe-db-cluster-endpoints --region us-(east-2|west-1)/);
    }
  });

  it("changes no database declaration between DR states (AWS moves the roles; a plan after a switchover is clean), but for the hold on the password version", () => {
    /** The database resources, without the clusters' ignore lists (compared on their own below). */
    const dbResources = (stack: StackJson) =>
      JSON.stringify(
        ["aws_rds_global_cluster", "aws_rds_cluster", "aws_rds_cluster_instance", "aws_rds_cluster_parameter_group"].map((t) =>
          Object.fromEntries(Object.entries(resources(stack, t)).map(([k, v]) => [k, t === "aws_rds_cluster" ? { ...v, lifecycle: undefined } : v])),
        ),
      );
    const normal = synthApp(state("normal"));
    for (const drState of ["failedOver", "failback"]) {
      const other = synthApp(state(drState));
      for (const role of REGION_ROLES) expect(dbResources(other.stacks[role]), `${drState}/${role}`).toBe(dbResources(normal.stacks[role]));
      // Lifecycle only (nothing to plan): the born primary holds its password version outside normal.
      expect(clusterOf(other.stacks.primary).lifecycle.ignore_changes).toEqual([...clusterOf(normal.stacks.primary).lifecycle.ignore_changes, "master_password_wo_version"]);
      expect(clusterOf(other.stacks.secondary).lifecycle).toEqual(clusterOf(normal.stacks.secondary).lifecycle);
    }
  });

  describe("master password rotation", () => {
    const secretVersion = (stack: StackJson) => resourceList(stack, "aws_secretsmanager_secret_version")[0];
    it("applies the born primary's password immediately (Aurora defers a password change to the maintenance window otherwise)", () => {
      expect(clusterOf(synthApp(AURORA).stacks.primary)).toMatchObject({ apply_immediately: true, master_password_wo_version: 1 });
      expect(clusterOf(synthApp(AURORA).stacks.secondary).apply_immediately).toBeUndefined();
    });

    it("after the primary region's cluster was rebuilt, delivers a rotation in normal to that cluster (the global primary), password alone; the secondary member follows by replication", () => {
      const rotated = synthApp({ database: { engine: "aurora-postgresql", generations: { primary: 2 }, masterPasswordVersion: 2 } });
      const p = clusterOf(rotated.stacks.primary);
      expect(p.cluster_identifier).toBe("drweb-prod-use2-db-g2-cluster");
      expect(p).toMatchObject({ master_password_wo_version: 2, apply_immediately: true });
      expect(p.master_password_wo).toMatch(/^\$\{jsondecode\(ephemeral\.aws_secretsmanager_secret_version\.[A-Za-z0-9_]+\.secret_string\)\.password\}$/);
      // Joined as a secondary: its creation settings stay undeclared (ForceNew).
      expect(p.master_username).toBeUndefined();
      expect(p.database_name).toBeUndefined();
      expect(p.lifecycle.ignore_changes).toEqual(["replication_source_identifier", "engine_version"]);
      expect(secretVersion(rotated.stacks.primary)).toMatchObject({ secret_string_wo_version: 2 });
      expect(secretVersion(rotated.stacks.primary).lifecycle).toBeUndefined();
      const s = clusterOf(rotated.stacks.secondary);
      for (const k of ["master_password_wo", "master_password_wo_version", "apply_immediately"]) expect(s[k], k).toBeUndefined();
    });

    it("declares no password on a rebuilt cluster outside normal (it is created then as a secondary member, which CreateDBCluster refuses a password for), and holds the secret", () => {
      const rebuild = synthApp({ database: { engine: "aurora-postgresql", drState: "failback", generations: { primary: 2 }, masterPasswordVersion: 2 } });
      const p = clusterOf(rebuild.stacks.primary);
      for (const k of ["master_username", "database_name", "master_password_wo", "master_password_wo_version", "apply_immediately"]) expect(p[k], k).toBeUndefined();
      expect(secretVersion(rebuild.stacks.primary).lifecycle).toEqual({ ignore_changes: ["secret_string_wo_version"] });
    });
  });

  it.each([
    ["normal", { secondary: ["primary"], primary: [] }],
    ["failedOver", { secondary: [], primary: [] }],
    ["failback", { secondary: [], primary: ["secondary"] }],
  ] as const)("deploy order in %s follows which cluster joins which", (drState, expected) => {
    const app = synthApp(state(drState));
    for (const role of REGION_ROLES as readonly RegionRole[]) {
      const deps = app.drApp.regional[role].dependencies.map((d) => (d as { node: { id: string } }).node.id).filter((id) => REGION_ROLES.includes(id as RegionRole));
      expect(deps, `${drState}/${role}`).toEqual(expected[role]);
    }
  });

  it("a rebuilt generation is a new cluster with new identifiers (a new Terraform address would be the RDS mode's rule; here the identifier changes and forces a new cluster)", () => {
    const app = synthApp({ database: { engine: "aurora-postgresql", drState: "failback", generations: { primary: 2 } } });
    const c = clusterOf(app.stacks.primary);
    expect(c.cluster_identifier).toBe("drweb-prod-use2-db-g2-cluster");
    // Generation 2 of the primary region joined as a secondary: no credentials.
    expect(c.master_username).toBeUndefined();
    expect(resourceList(app.stacks.primary, "aws_rds_cluster_instance").map((i) => i.identifier)).toEqual(["drweb-prod-use2-db-g2-instance1", "drweb-prod-use2-db-g2-instance2"]);
  });

  it.each(REGION_ROLES)("checks at plan time that the %s region offers the version and the class with Global Database support, and plans the database only once both checks pass", (role) => {
    const app = synthApp({ database: { engine: "aurora-postgresql", instanceClass: "db.r7g.xlarge", engineVersion: "16.8" } });
    const stack = app.stacks[role];
    const region = app.config.regions[role].region;
    const data = (type: string) => Object.entries(stack.data?.[type] ?? {}) as Array<[string, any]>;
    // The configured version first, the region's default (one row) after it: the provider returns the
    // first it finds, so a region without 16.8 answers with its default and the postcondition names the field.
    const [[defaultId, regionDefault]] = data("aws_rds_engine_version").filter(([, v]) => v.default_only);
    expect(regionDefault).toMatchObject({ engine: "aurora-postgresql", default_only: true, latest: true });
    const [[versionId, version]] = data("aws_rds_engine_version").filter(([, v]) => !v.default_only);
    expect(version.engine).toBe("aurora-postgresql");
    expect(version.preferred_versions).toEqual(["16.8", `\${data.aws_rds_engine_version.${defaultId}.version}`]);
    expect(version.version).toBeUndefined();
    expect(version.lifecycle.postcondition).toEqual([
      { condition: '${self.version == "16.8"}', error_message: expect.stringMatching(new RegExp(`^database\\.engineVersion: Aurora PostgreSQL 16\\.8 is not offered in ${region} \\(regions\\.${role}\\.region\\) .*Fix: set database\\.engineVersion to a version both regions offer with Global Database support, listed by: aws rds describe-db-engine-versions --engine aurora-postgresql --region ${region} `)) },
      { condition: '${self.version != "16.8" || self.supports_global_databases}', error_message: expect.stringContaining(`database.engineVersion: Aurora PostgreSQL 16.8 in ${region} (regions.${role}.region) does not support Aurora Global Database`) },
    ]);
    // The class first, then fallbacks the region would answer with; the lookup reads the checked version.
    const [[classId, cls]] = data("aws_rds_orderable_db_instance");
    expect(cls.engine).toBe("aurora-postgresql");
    expect(cls.engine_version).toBe(`\${data.aws_rds_engine_version.${versionId}.version}`);
    expect(cls.preferred_instance_classes[0]).toBe("db.r7g.xlarge");
    expect(cls.preferred_instance_classes.slice(1)).toContain("db.r6g.large");
    expect(cls.instance_class).toBeUndefined();
    expect(cls.supports_global_databases).toBeUndefined();
    expect(cls.lifecycle.postcondition.map((p: any) => p.condition)).toEqual(['${self.instance_class == "db.r7g.xlarge"}', '${self.instance_class != "db.r7g.xlarge" || self.supports_global_databases}']);
    expect(cls.lifecycle.postcondition[0].error_message).toMatch(new RegExp(`^database\\.instanceClass: db\\.r7g\\.xlarge is not offered for Aurora PostgreSQL 16\\.8 in ${region} \\(regions\\.${role}\\.region\\).*Fix: set database\\.instanceClass`));
    expect(cls.lifecycle.postcondition[1].error_message).toContain(`database.instanceClass: db.r7g.xlarge is offered for Aurora PostgreSQL 16.8 in ${region} (regions.${role}.region), but not for Aurora Global Database`);
    // Nothing of the database is planned before both checks pass.
    const checks = [`data.aws_rds_engine_version.${versionId}`, `data.aws_rds_orderable_db_instance.${classId}`];
    for (const t of ["aws_rds_cluster", "aws_rds_cluster_instance", "aws_rds_global_cluster"]) {
      for (const r of resourceList(stack, t)) expect(r.depends_on, t).toEqual(expect.arrayContaining(checks));
    }
    expect(resourceList(stack, "aws_rds_cluster_instance")).toHaveLength(2);
  });

  it("has no offering check in the RDS mode (its major-only version is resolved by RDS on create)", () => {
    const rds = synthApp();
    for (const role of REGION_ROLES) {
      expect(rds.stacks[role].data?.aws_rds_engine_version).toBeUndefined();
      expect(rds.stacks[role].data?.aws_rds_orderable_db_instance).toBeUndefined();
    }
  });

  it("write forwarding is off by default and, when chosen, is enabled on both members with its consistency mode", () => {
    const off = synthApp(AURORA);
    for (const role of REGION_ROLES) {
      expect(clusterOf(off.stacks[role]).enable_global_write_forwarding).toBeUndefined();
      expect(JSON.stringify(resources(off.stacks[role], "aws_rds_cluster_parameter_group"))).not.toContain("apg_write_forward");
    }
    const on = synthApp({ database: { engine: "aurora-postgresql", writeForwarding: "session" } });
    for (const role of REGION_ROLES) {
      const stack = on.stacks[role];
      expect(clusterOf(stack).enable_global_write_forwarding).toBe(true);
      expect(resourceList(stack, "aws_rds_cluster_parameter_group")[0].parameter).toContainEqual({ name: "apg_write_forward.consistency_mode", value: "SESSION" });
    }
  });

  it("refuses write forwarding outside the Aurora mode, and on a version without it", () => {
    const err = (o: unknown) => {
      try {
        resolveConfig(o);
      } catch (e) {
        return (e as Error).message;
      }
      return "no error";
    };
    expect(err({ database: { writeForwarding: "session" } })).toContain("database.writeForwarding: write forwarding is a feature of Aurora Global Database");
    expect(err({ database: { engine: "aurora-postgresql", engineVersion: "15.3", writeForwarding: "eventual" } })).toContain("database.writeForwarding: Aurora PostgreSQL 15.3 has no global write forwarding");
    expect(err({ database: { engine: "aurora-postgresql", writeForwarding: "sometimes" } })).toContain("database.writeForwarding: unknown mode. Fix: use one of off, session, eventual, global");
  });
});
