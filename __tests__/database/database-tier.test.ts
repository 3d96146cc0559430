import { DbParameterGroup } from "@cdktf/provider-aws/lib/db-parameter-group";
import { configWarnings, resolveConfig } from "../../src/config";
import { resourceList, synthApp, userDataEnv, type StackJson, type SynthResult } from "../helpers/synth";

const db = (stack: StackJson) => stack.resource!.aws_db_instance as Record<string, any>;
const writerOf = (stack: StackJson) => Object.entries(db(stack)).find(([id]) => id.startsWith("Database_Writer"))![1];
const readersOf = (stack: StackJson) => Object.entries(db(stack)).filter(([id]) => id.startsWith("Database_Reader")).map(([, r]) => r);
const keyRef = (stack: StackJson) => `\${aws_kms_key.${Object.keys(stack.resource!.aws_kms_key).find((k) => k.startsWith("RegionKey_"))}.arn}`;
const ARN_PREFIX = "arn:${data.aws_partition.Partition.partition}:rds";
const ACCOUNT = "${data.aws_caller_identity.Account.account_id}";

/** Dependencies cdktf records between the regional stacks (manifest), by stack name (both also follow dns-zone, which holds the ACM validation record). */
function dependsOn(app: SynthResult, stack: string): string[] {
  return app.drApp.regional[stack as "primary"].dependencies.map((d) => (d as any).node.id).filter((id: string) => id !== "dns-zone").sort();
}

/** Each database instance's final-snapshot settings, by identifier (both regional stacks). */
function snapshotPolicy(app: SynthResult): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const stack of ["primary", "secondary"]) {
    for (const inst of Object.values(db(app.stacks[stack]))) {
      out[inst.identifier] = { skip_final_snapshot: inst.skip_final_snapshot, ...(inst.final_snapshot_identifier !== undefined ? { final_snapshot_identifier: inst.final_snapshot_identifier } : {}) };
    }
  }
  return out;
}

/** A Terraform duration ("90m", "2h") in minutes. */
function minutes(d: string): number {
  const m = /^(\d+)(m|h)$/.exec(d);
  if (!m) throw new Error(`not a duration: ${d}`);
  return Number(m[1]) * (m[2] === "h" ? 60 : 1);
}

/** Every leaf path where two JSON values differ. */
function diff(a: unknown, b: unknown, path = ""): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return [path];
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].flatMap((k) => diff((a as any)[k], (b as any)[k], path ? `${path}.${k}` : k));
}

describe("DatabaseTier", () => {
  const normal = synthApp();

  describe("in the normal state", () => {
    it("makes the primary Writer a Multi-AZ source with backups, credentials write-only", () => {
      const w = writerOf(normal.stacks.primary);
      expect(w).toMatchObject({
        identifier: "drweb-prod-use2-db-g1-writer",
        engine: "postgres",
        engine_version: "17",
        instance_class: "db.t3.small",
        multi_az: true,
        backup_retention_period: 7,
        username: "drweb_admin",
        db_name: "drweb",
        password_wo: "${jsondecode(ephemeral.aws_secretsmanager_secret_version.DbMasterPasswordStored.secret_string).password}",
        password_wo_version: 1,
      });
      expect(w.password).toBeUndefined();
      expect(w.replicate_source_db).toBeUndefined();
      expect(w.manage_master_user_password).toBeUndefined();
    });

    it("replicates the primary Writer into us-west-1 by ARN, and each region's readers from its own Writer", () => {
      const sw = writerOf(normal.stacks.secondary);
      expect(sw.replicate_source_db).toBe(`${ARN_PREFIX}:us-east-2:${ACCOUNT}:db:${writerOf(normal.stacks.primary).identifier}`);
      expect(sw).toMatchObject({ identifier: "drweb-prod-usw1-db-g1-writer", multi_az: true, backup_retention_period: 7 });
      expect(sw.username).toBeUndefined();
      expect(sw.engine).toBeUndefined();
      for (const stack of ["primary", "secondary"]) {
        const st = normal.stacks[stack];
        const writerId = Object.keys(db(st)).find((id) => id.startsWith("Database_Writer"));
        const readers = readersOf(st);
        expect(readers).toHaveLength(1);
        expect(readers[0].replicate_source_db).toBe(`\${aws_db_instance.${writerId}.identifier}`);
      }
    });

    it("encrypts each Writer (the us-west-1 replica included) and every Performance Insights with its own region's key; readers name no key (their source's applies)", () => {
      for (const app of [normal, synthApp({ database: { drState: "failback", generations: { primary: 2 } } })]) {
        for (const stack of ["primary", "secondary"]) {
          const st = app.stacks[stack];
          expect(writerOf(st)).toMatchObject({ storage_encrypted: true, kms_key_id: keyRef(st), performance_insights_enabled: true, performance_insights_kms_key_id: keyRef(st) });
          // CreateDBInstanceReadReplica refuses KmsKeyId for a replica in its
          // source's region (issue 23): the reader inherits the Writer's key.
          const readers = readersOf(st);
          expect(readers.length).toBeGreaterThan(0);
          for (const r of readers) {
            expect(r.kms_key_id, `${stack} ${r.identifier}`).toBeUndefined();
            expect(r).toMatchObject({ storage_encrypted: true, performance_insights_enabled: true, performance_insights_kms_key_id: keyRef(st) });
          }
        }
      }
    });

    it("keeps every instance private, protected from deletion, with logs exported", () => {
      for (const stack of ["primary", "secondary"]) {
        for (const inst of Object.values(db(normal.stacks[stack]))) {
          expect(inst).toMatchObject({
            publicly_accessible: false,
            deletion_protection: true,
            copy_tags_to_snapshot: true,
            enabled_cloudwatch_logs_exports: ["postgresql", "upgrade"],
            monitoring_interval: 60,
            max_allocated_storage: 200,
            storage_type: "gp3",
          });
          expect(inst.monitoring_role_arn).toMatch(/aws_iam_role\.Database_MonitoringRole/);
        }
      }
    });

    it("asks for a final snapshot only of the standalone writer: RDS refuses one for a read replica (readers and the us-west-1 replica)", () => {
      expect(snapshotPolicy(normal)).toEqual({
        "drweb-prod-use2-db-g1-writer": { skip_final_snapshot: false, final_snapshot_identifier: "drweb-prod-use2-db-g1-writer-final" },
        "drweb-prod-use2-db-g1-reader1": { skip_final_snapshot: true },
        "drweb-prod-usw1-db-g1-writer": { skip_final_snapshot: true },
        "drweb-prod-usw1-db-g1-reader1": { skip_final_snapshot: true },
      });
    });

    it("writes the master password to the secret first and gives the database the value read back from that secret version", () => {
      const p = normal.stacks.primary as any;
      const [versionId, version] = Object.entries(p.resource.aws_secretsmanager_secret_version as Record<string, any>)[0];
      const reads = p.ephemeral.aws_secretsmanager_secret_version as Record<string, any>;
      expect(Object.keys(reads)).toEqual(["DbMasterPasswordStored"]);
      // Exactly the version this stack wrote: the database waits for it, and a
      // retry after a failed database apply reads the same password again.
      expect(reads.DbMasterPasswordStored).toMatchObject({ secret_id: version.secret_id, version_id: `\${aws_secretsmanager_secret_version.${versionId}.version_id}` });
      const w = writerOf(p);
      expect(w.password_wo).toBe("${jsondecode(ephemeral.aws_secretsmanager_secret_version.DbMasterPasswordStored.secret_string).password}");
      expect(w.password_wo).not.toContain("random_password");
      // The generated value goes to the secret only.
      expect(version.secret_string_wo).toContain("ephemeral.aws_secretsmanager_random_password.DbMasterPassword.random_password");
      expect(w.password_wo_version).toBe(version.secret_string_wo_version);
    });

    it("sets explicit create/update/delete timeouts on every database instance, longer than the provider's defaults for create", () => {
      for (const app of [normal]) {
        for (const stack of ["primary", "secondary"]) {
          for (const inst of Object.values(db(app.stacks[stack]))) {
            expect(Object.keys(inst.timeouts ?? {}).sort()).toEqual(["create", "delete", "update"]);
            // hashicorp/aws 5.100.0 aws_db_instance defaults: create 40m, update 80m, delete 60m.
            expect(minutes(inst.timeouts.create)).toBeGreaterThan(40);
            expect(minutes(inst.timeouts.update)).toBeGreaterThanOrEqual(80);
            expect(minutes(inst.timeouts.delete)).toBeGreaterThanOrEqual(60);
          }
        }
      }
    });

    it("requires TLS through the parameter group and places instances in the private-data subnets", () => {
      expect(normal.text("primary")).toHaveResourceWithProperties(DbParameterGroup, { family: "postgres17" });
      const pg = resourceList(normal.stacks.primary, "aws_db_parameter_group")[0];
      expect(pg.parameter).toContainEqual({ name: "rds.force_ssl", value: "1" });
      const sg = resourceList(normal.stacks.secondary, "aws_db_subnet_group")[0];
      for (const ref of sg.subnet_ids) {
        expect(normal.stacks.secondary.resource!.aws_subnet[/aws_subnet\.([^.]+)\.id/.exec(ref)![1]].tags.Tier).toBe("privateData");
      }
      expect(writerOf(normal.stacks.secondary).db_subnet_group_name).toMatch(/aws_db_subnet_group\./);
    });

    it("admits only the web servers on 5432", () => {
      for (const stack of ["primary", "secondary"]) {
        const st = normal.stacks[stack];
        const dbSg = Object.keys(st.resource!.aws_security_group).find((k) => k.startsWith("Database_"))!;
        const rules = resourceList(st, "aws_vpc_security_group_ingress_rule").filter((r) => r.security_group_id.includes(dbSg));
        expect(rules).toHaveLength(1);
        expect(rules[0]).toMatchObject({ from_port: 5432, to_port: 5432 });
        expect(rules[0].referenced_security_group_id).toMatch(/aws_security_group\.Web_SecurityGroups_Web_/);
        expect(resourceList(st, "aws_vpc_security_group_egress_rule").filter((r) => r.security_group_id.includes(dbSg))).toEqual([]);
      }
    });

    it("replicates the credentials secret to us-west-1 under a us-west-1 key, never writing the password to code or state", () => {
      const p = normal.stacks.primary;
      const secret = resourceList(p, "aws_secretsmanager_secret")[0];
      expect(secret.name).toBe("drweb-prod/db/master");
      expect(secret.kms_key_id).toBe(keyRef(p));
      expect(secret.replica).toHaveLength(1);
      expect(secret.replica[0].region).toBe("us-west-1");
      const replicaKeyId = /aws_kms_key\.([^.]+)\.arn/.exec(secret.replica[0].kms_key_id)![1];
      expect(replicaKeyId).toMatch(/^SecretReplicaKey_/);
      expect(p.resource!.aws_kms_key[replicaKeyId]).toMatchObject({ enable_key_rotation: true, provider: "aws.peer" });
      expect(p.provider!.aws.find((x: any) => x.alias === "peer").region).toBe("us-west-1");
      const version = resourceList(p, "aws_secretsmanager_secret_version")[0];
      expect(version.secret_string).toBeUndefined();
      expect(version.secret_string_wo).toContain("ephemeral.aws_secretsmanager_random_password.DbMasterPassword.random_password");
      // The secondary stack creates no secret: it reads the replica.
      expect(normal.stacks.secondary.resource!.aws_secretsmanager_secret).toBeUndefined();
    });

    it("keeps a destroyed credentials secret restorable 30 days by default, and deletes it at once in a disposable environment that asks so", () => {
      expect(resourceList(normal.stacks.primary, "aws_secretsmanager_secret")[0].recovery_window_in_days).toBe(30);
      const dev = synthApp({ environment: "dev", database: { secretRecoveryWindowDays: 0 } });
      expect(resourceList(dev.stacks.primary, "aws_secretsmanager_secret")[0]).toMatchObject({ name: "drweb-dev/db/master", recovery_window_in_days: 0 });
    });

    it("lets each region's web servers read exactly the secret (or its replica) in their own region", () => {
      for (const [stack, region] of [["primary", "us-east-2"], ["secondary", "us-west-1"]]) {
        const st = normal.stacks[stack];
        const doc = Object.entries(st.data!.aws_iam_policy_document).find(([id]) => id.startsWith("Web_Fleet_AppPermissions"))![1];
        const secretArn = `arn:\${data.aws_partition.Partition.partition}:secretsmanager:${region}:${ACCOUNT}:secret:drweb-prod/db/master-??????`;
        const bySid = (sid: string) => doc.statement.find((x: any) => x.sid === sid);
        expect(bySid("ReadDbCredentials")).toMatchObject({ actions: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], resources: [secretArn] });
        expect(bySid("DecryptDbCredentials").condition).toContainEqual({ test: "StringEquals", variable: "kms:ViaService", values: [`secretsmanager.${region}.amazonaws.com`] });
        expect(bySid("DecryptDbCredentials").condition).toContainEqual({ test: "StringLike", variable: "kms:EncryptionContext:SecretARN", values: [secretArn] });
        expect(doc.statement.map((x: any) => x.sid).sort()).toEqual(["DecryptAppArchive", "DecryptDbCredentials", "FetchAppArchive", "PublishDatabaseRole", "ReadDbCredentials"]);
        const env = userDataEnv(st);
        expect(env).toMatchObject({ DB_AUTH: "secretsmanager", DB_SECRET_ID: "drweb-prod/db/master", DB_SECRET_REGION: region, DB_SSLMODE: "verify-full", DB_NAME: "drweb" });
        expect(env.DB_WRITER_HOST).toMatch(/^aws_db_instance\.Database_Writer_[A-Z0-9]+\.address$/);
        expect(env.DB_READER_HOST).toMatch(/^aws_db_instance\.Database_Reader0_[A-Z0-9]+\.address$/);
      }
    });

    it("orders deploys by replication (secondary after primary) without reading state across stacks", () => {
      expect(dependsOn(normal, "secondary")).toEqual(["primary"]);
      expect(dependsOn(normal, "primary")).toEqual([]);
      for (const st of Object.values(normal.stacks)) expect(JSON.stringify(st.data ?? {})).not.toContain("terraform_remote_state");
    });
  });

  describe("DR lifecycle", () => {
    const failedOver = synthApp({ database: { drState: "failedOver" } });
    const failback = synthApp({ database: { drState: "failback", generations: { primary: 2 } } });
    const switchedBack = synthApp({ database: { drState: "normal", generations: { primary: 2, secondary: 2 } } });

    it("failedOver: expresses the promoted us-west-1 Writer as standalone, changing only what a promotion changes", () => {
      expect(writerOf(failedOver.stacks.secondary).replicate_source_db).toBeUndefined();
      // Resource by resource, the secondary stack differs from normal only in
      // the Writer's source and the outputs that report the state.
      // (and, now that it is a standalone writer that RDS lets keep a final
      // snapshot, its final-snapshot settings: Terraform-only, no AWS call).
      const changed = diff(normal.stacks.secondary.resource, failedOver.stacks.secondary.resource);
      const writerId = Object.keys(db(normal.stacks.secondary)).find((id) => id.startsWith("Database_Writer"));
      // And the readiness checker's package, which carries the config (drState) it compares AWS with.
      const fnId = Object.keys(normal.stacks.secondary.resource!.aws_lambda_function)[0];
      expect(changed.sort()).toEqual([`aws_db_instance.${writerId}.final_snapshot_identifier`, `aws_db_instance.${writerId}.replicate_source_db`, `aws_db_instance.${writerId}.skip_final_snapshot`, `aws_lambda_function.${fnId}.filename`, `aws_lambda_function.${fnId}.source_code_hash`].sort());
      expect(diff(normal.stacks.secondary.data, failedOver.stacks.secondary.data)).toEqual([]);
      expect(diff(normal.stacks.secondary.output, failedOver.stacks.secondary.output).sort()).toEqual(["db_writer_mode.value", "dr_state.value"]);
      // Nothing is renamed, so nothing is replaced or destroyed.
      expect(Object.keys(failedOver.stacks.secondary.resource!).sort()).toEqual(Object.keys(normal.stacks.secondary.resource!).sort());
      // The primary stack is untouched by a failover (it is not deployed
      // during one), but for the hold on the master password's version
      // (lifecycle only: nothing to plan).
      const secretVersionId = Object.keys(normal.stacks.primary.resource!.aws_secretsmanager_secret_version)[0];
      const primaryWriterId = Object.keys(db(normal.stacks.primary)).find((id) => id.startsWith("Database_Writer"));
      expect(diff(normal.stacks.primary.resource, failedOver.stacks.primary.resource).sort()).toEqual([
        `aws_db_instance.${primaryWriterId}.lifecycle`,
        `aws_secretsmanager_secret_version.${secretVersionId}.lifecycle`,
      ]);
      expect(dependsOn(failedOver, "secondary")).toEqual([]);
    });

    it("failback: rebuilds us-east-2 (next generation) as a cross-region replica of the us-west-1 Writer", () => {
      const pw = writerOf(failback.stacks.primary);
      expect(pw.identifier).toBe("drweb-prod-use2-db-g2-writer");
      expect(pw.replicate_source_db).toBe(`${ARN_PREFIX}:us-west-1:${ACCOUNT}:db:drweb-prod-usw1-db-g1-writer`);
      expect(pw.username).toBeUndefined();
      expect(pw.password_wo).toBeUndefined();
      expect(pw).toMatchObject({ multi_az: true, backup_retention_period: 7, kms_key_id: keyRef(failback.stacks.primary) });
      expect(readersOf(failback.stacks.primary)[0].identifier).toBe("drweb-prod-use2-db-g2-reader1");
      expect(writerOf(failback.stacks.secondary).replicate_source_db).toBeUndefined();
      expect(dependsOn(failback, "primary")).toEqual(["secondary"]);
      expect(dependsOn(failback, "secondary")).toEqual([]);
      // The credentials secret and its replica stay where they are.
      expect(resourceList(failback.stacks.primary, "aws_secretsmanager_secret")[0].replica[0].region).toBe("us-west-1");
    });

    it("switch-back: the promoted us-east-2 Writer keeps its replica declaration (plus the master password it now writes with) and us-west-1 replicates from it again", () => {
      const pw = writerOf(switchedBack.stacks.primary);
      expect(pw.identifier).toBe("drweb-prod-use2-db-g2-writer");
      expect(pw.replicate_source_db).toBeUndefined();
      // Born a replica: declaring its creation settings now would force a new instance.
      expect(pw.username).toBeUndefined();
      expect(pw.db_name).toBeUndefined();
      expect(pw.engine).toBeUndefined();
      const failbackPw = writerOf(failback.stacks.primary);
      expect(diff(failbackPw, pw).sort()).toEqual(["final_snapshot_identifier", "password_wo", "password_wo_version", "replicate_source_db", "skip_final_snapshot"]);
      const sw = writerOf(switchedBack.stacks.secondary);
      expect(sw.identifier).toBe("drweb-prod-usw1-db-g2-writer");
      expect(sw.replicate_source_db).toBe(`${ARN_PREFIX}:us-east-2:${ACCOUNT}:db:drweb-prod-use2-db-g2-writer`);
    });

    it("rebuilds a region's instances on a generation bump: new Terraform addresses, never the old instances renamed in place", () => {
      const addresses = (app: SynthResult, stack: string) => Object.keys(db(app.stacks[stack])).sort();
      // Generation 1 keeps the addresses deployed stacks have in their state.
      expect(addresses(normal, "primary")).toEqual(["Database_Reader0_12A4B157", "Database_Writer_2C00925F"]);
      // Failback: the g2 instances are new resources (Terraform destroys g1, creates g2).
      const rebuilt = addresses(failback, "primary");
      expect(rebuilt.filter((a) => addresses(normal, "primary").includes(a))).toEqual([]);
      expect(rebuilt.map((a) => a.replace(/_[0-9A-F]{8}$/, ""))).toEqual(["Database_Reader0G2", "Database_WriterG2"]);
      // Switching back keeps the promoted g2 primary and rebuilds the secondary.
      expect(addresses(switchedBack, "primary")).toEqual(rebuilt);
      expect(addresses(switchedBack, "secondary").filter((a) => addresses(normal, "secondary").includes(a))).toEqual([]);
      const g2Reader = readersOf(switchedBack.stacks.secondary)[0];
      expect(g2Reader.replicate_source_db).toMatch(/^\$\{aws_db_instance\.Database_WriterG2_[0-9A-F]{8}\.identifier\}$/);
    });

    it("gives a final snapshot to every standalone writer and to no replica, in every state", () => {
      // failedOver: the promoted us-west-1 writer holds the only copy of new writes.
      expect(snapshotPolicy(failedOver)).toMatchObject({
        "drweb-prod-usw1-db-g1-writer": { skip_final_snapshot: false, final_snapshot_identifier: "drweb-prod-usw1-db-g1-writer-final" },
        "drweb-prod-usw1-db-g1-reader1": { skip_final_snapshot: true },
      });
      // failback: the rebuilt us-east-2 g2 writer is a replica until the switch back.
      expect(snapshotPolicy(failback)).toEqual({
        "drweb-prod-use2-db-g2-writer": { skip_final_snapshot: true },
        "drweb-prod-use2-db-g2-reader1": { skip_final_snapshot: true },
        "drweb-prod-usw1-db-g1-writer": { skip_final_snapshot: false, final_snapshot_identifier: "drweb-prod-usw1-db-g1-writer-final" },
        "drweb-prod-usw1-db-g1-reader1": { skip_final_snapshot: true },
      });
      expect(snapshotPolicy(switchedBack)).toEqual({
        "drweb-prod-use2-db-g2-writer": { skip_final_snapshot: false, final_snapshot_identifier: "drweb-prod-use2-db-g2-writer-final" },
        "drweb-prod-use2-db-g2-reader1": { skip_final_snapshot: true },
        "drweb-prod-usw1-db-g2-writer": { skip_final_snapshot: true },
        "drweb-prod-usw1-db-g2-reader1": { skip_final_snapshot: true },
      });
      for (const app of [failedOver, failback, switchedBack]) {
        for (const stack of ["primary", "secondary"]) for (const inst of Object.values(db(app.stacks[stack]))) expect(Object.keys(inst.timeouts ?? {}).sort()).toEqual(["create", "delete", "update"]);
      }
    });

    describe("master password rotation (database.masterPasswordVersion)", () => {
      const rotatedAfterFailback = synthApp({ database: { drState: "normal", generations: { primary: 2, secondary: 2 }, masterPasswordVersion: 2 } });
      const secretVersion = (app: SynthResult) => resourceList(app.stacks.primary, "aws_secretsmanager_secret_version")[0];
      const STORED = "${jsondecode(ephemeral.aws_secretsmanager_secret_version.DbMasterPasswordStored.secret_string).password}";

      it("after a failback, delivers a new password to the writer that writes (the promoted g2 Writer), after the secret: never a secret no database gets", () => {
        const pw = writerOf(rotatedAfterFailback.stacks.primary);
        expect(pw.identifier).toBe("drweb-prod-use2-db-g2-writer");
        expect(pw).toMatchObject({ password_wo: STORED, password_wo_version: 2 });
        expect(pw.lifecycle).toBeUndefined();
        expect(secretVersion(rotatedAfterFailback)).toMatchObject({ secret_string_wo_version: 2 });
        expect(secretVersion(rotatedAfterFailback).lifecycle).toBeUndefined();
        // Nothing in us-west-1 carries a password: its writer is a replica (RDS gives it the source's).
        for (const inst of Object.values(db(rotatedAfterFailback.stacks.secondary))) expect(inst.password_wo).toBeUndefined();
        // Readers never do.
        for (const r of readersOf(rotatedAfterFailback.stacks.primary)) expect(r.password_wo).toBeUndefined();
      });

      it("holds the version outside normal: the secret and the writer ignore a bump until drState is normal again", () => {
        const failedOverBumped = synthApp({ database: { drState: "failedOver", masterPasswordVersion: 2 }, dns: { forceFailover: true } });
        const failbackBumped = synthApp({ database: { drState: "failback", generations: { primary: 2 }, masterPasswordVersion: 2 } });
        for (const app of [failedOverBumped, failbackBumped]) {
          expect(secretVersion(app).lifecycle).toEqual({ ignore_changes: ["secret_string_wo_version"] });
        }
        // failedOver: the old source (diverged, isolated by the runbook) keeps the password it has.
        expect(writerOf(failedOverBumped.stacks.primary)).toMatchObject({ password_wo: STORED, password_wo_version: 2, lifecycle: { ignore_changes: ["password_wo_version"] } });
        // failback: the rebuilt us-east-2 Writer is a replica (no password); the promoted us-west-1 one has none either.
        expect(writerOf(failbackBumped.stacks.primary).password_wo).toBeUndefined();
        expect(writerOf(failbackBumped.stacks.secondary).password_wo).toBeUndefined();
        // Normal holds nothing.
        expect(secretVersion(normal).lifecycle).toBeUndefined();
        expect(writerOf(normal.stacks.primary).lifecycle).toBeUndefined();
      });

      it("says at synth, outside normal, that a rotation waits for normal", () => {
        const warning = configWarnings(resolveConfig({ database: { drState: "failback", generations: { primary: 2 }, masterPasswordVersion: 2 } })).join("\n");
        expect(warning).toMatch(/database\.masterPasswordVersion: 2 is held while drState is "failback": the database that writes is in us-west-1.*takes effect at the first deploy of primary with drState "normal"/);
        expect(configWarnings(resolveConfig({ database: { masterPasswordVersion: 2 } })).join("\n")).not.toMatch(/masterPasswordVersion/);
      });
    });

    it("reports the state and the Writer's mode in outputs", () => {
      expect(failback.stacks.primary.output!.db_writer_mode.value).toBe("replica");
      expect(failback.stacks.secondary.output!.db_writer_mode.value).toBe("promoted");
      expect(normal.stacks.primary.output!.db_writer_mode.value).toBe("source");
      expect(Object.keys(normal.stacks.secondary.output!)).toEqual(
        expect.arrayContaining(["db_writer_endpoint", "db_reader_endpoint", "db_writer_identifier", "db_writer_arn", "db_reader_identifiers", "db_reader_arns", "db_secret_name"]),
      );
      expect(Object.keys(normal.stacks.primary.output!)).toContain("db_secret_arn");
    });
  });

  it("creates as many readers per region as configured", () => {
    const two = synthApp({ database: { readersPerRegion: 2 } });
    expect(readersOf(two.stacks.secondary).map((r) => r.identifier)).toEqual(["drweb-prod-usw1-db-g1-reader1", "drweb-prod-usw1-db-g1-reader2"]);
  });

  describe("config", () => {
    const err = (o: unknown) => {
      try {
        resolveConfig(o);
      } catch (e) {
        return (e as Error).message;
      }
      throw new Error("expected an error");
    };
    it("rejects an unknown engine", () => {
      expect(err({ database: { engine: "mysql" } })).toContain("database.engine: unknown engine. Fix: use one of postgres, aurora-postgresql");
    });
    it("rejects an unknown instance class", () => {
      expect(err({ database: { instanceClass: "db.z9.huge" } })).toMatch(/database\.instanceClass: unknown instance class "db\.z9\.huge"\. Fix: use db\.<family>\.<size>/);
    });
    it("rejects a burstable class with Aurora Global Database", () => {
      expect(err({ database: { engine: "aurora-postgresql", instanceClass: "db.t3.small" } })).toContain(
        "database.instanceClass: db.t3.small is burstable, and Aurora Global Database does not allow burstable (db.t*) classes. Fix: use a memory-optimized class such as db.r6g.large",
      );
    });
    it("rejects a db.m* class with Aurora (Aurora PostgreSQL has none) and names the supported families", () => {
      expect(err({ database: { engine: "aurora-postgresql", instanceClass: "db.m6g.large" } })).toContain(
        "database.instanceClass: db.m6g.large is not an Aurora PostgreSQL class that Aurora Global Database supports (memory-optimized only: db.r5, db.r6g",
      );
    });
    it("rejects a major-only version with Aurora (a global cluster needs an exact version)", () => {
      expect(err({ database: { engine: "aurora-postgresql", engineVersion: "16" } })).toContain('database.engineVersion: "16" is a major version only');
    });
    it("gives the Aurora mode its own defaults for the class and version the override does not set", () => {
      const c = resolveConfig({ database: { engine: "aurora-postgresql" } });
      expect([c.database.instanceClass, c.database.engineVersion]).toEqual(["db.r6g.large", "16.6"]);
      const d = resolveConfig({ database: { engine: "aurora-postgresql", instanceClass: "db.r7g.xlarge", engineVersion: "16.8" } });
      expect([d.database.instanceClass, d.database.engineVersion]).toEqual(["db.r7g.xlarge", "16.8"]);
      // The RDS mode keeps the seed's.
      expect(resolveConfig({}).database.instanceClass).toBe("db.t3.small");
    });
    it("rejects a backup retention of 0 on the replication source", () => {
      expect(err({ database: { backupRetentionDays: 0 } })).toMatch(/database\.backupRetentionDays: 0 turns off automated backups, but the writer is a replication source.*Fix: set 1-35 days/);
    });
    it.each([0, 6])("rejects %i readers per region (breaks the seed's shape)", (n) => {
      expect(err({ database: { readersPerRegion: n } })).toContain(`database.readersPerRegion: ${n} breaks the seed's shape`);
    });
    it("rejects an unknown DR state", () => {
      expect(err({ database: { drState: "failover" } })).toContain("database.drState: unknown DR state. Fix: use one of normal, failedOver, failback");
    });
    it.each([1, 6, 31])("rejects a secret recovery window of %i days (Secrets Manager takes 7-30, or 0)", (n) => {
      expect(err({ environment: "dev", database: { secretRecoveryWindowDays: n } })).toContain(
        `database.secretRecoveryWindowDays: ${n} is not a Secrets Manager recovery window (DeleteSecret waits 7 to 30 days, or deletes at once without recovery). Fix: set 7 to 30, or 0`,
      );
    });
    it("refuses a recovery window of 0 (deleted at once, unrecoverable) in a production environment, naming the fix", () => {
      expect(err({ database: { secretRecoveryWindowDays: 0 } })).toContain(
        'database.secretRecoveryWindowDays: 0 deletes the secret at once, with no way to restore it, when the stack is destroyed, and environment "prod" is a production one',
      );
      expect(err({ environment: "prod-eu", database: { secretRecoveryWindowDays: 0 } })).toContain("Fix: set database.secretRecoveryWindowDays to 7-30 days, or give a disposable environment a non-production name");
      expect(() => resolveConfig({ environment: "staging", database: { secretRecoveryWindowDays: 0 } })).not.toThrow();
    });
    it("rejects a storage ceiling below the allocation", () => {
      expect(err({ database: { maxAllocatedStorageGb: 30 } })).toContain("database.maxAllocatedStorageGb: 30 is below allocatedStorageGb (50)");
    });
  });
});
