import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { AutoscalingGroup } from "@cdktf/provider-aws/lib/autoscaling-group";
import { Lb } from "@cdktf/provider-aws/lib/lb";
import { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
import { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { resolveConfig } from "../../src/config";
import { createTar } from "../../src/lib/tar";
import { loadAppBundle } from "../../src/web/app-bundle";
import { verifyWheelhouse } from "../../src/web/wheelhouse";
import { BOOTSTRAP_SCRIPT, renderUserData, unpackBundleArchive } from "../../src/web/user-data";
import { run as runCmd } from "../helpers/run";
import { PROJECT_ROOT, resourceList, synthApp, userDataEnv, webLaunchTemplate, type StackJson } from "../helpers/synth";

const CERT = {
  primary: "arn:aws:acm:us-east-2:123456789012:certificate/11111111-2222-3333-4444-555555555555",
  secondary: "arn:aws:acm:us-west-1:123456789012:certificate/66666666-7777-8888-9999-000000000000",
};

function launchTemplate(stack: StackJson) {
  return webLaunchTemplate(stack);
}

/** Security-group id expression -> logical name ("Alb" or "Web"); "" for a group EKS made (the cluster's). */
function sgName(stack: StackJson, ref: string): string {
  const m = /aws_security_group\.([^.]+)\.id/.exec(ref);
  return m ? stack.resource!.aws_security_group[m[1]].name.split("-").pop() : "";
}

/** The web fleet's Auto Scaling group (the EKS deploy runner has one too). */
function webAsg(stack: StackJson): any {
  return resourceList(stack, "aws_autoscaling_group").find((g) => /-web$/.test(g.name));
}

describe("WebTier", () => {
  const app = synthApp();

  describe("launch template", () => {
    it.each(["primary", "secondary"])("requires IMDSv2 with hop limit 1 in %s", (stack) => {
      expect(launchTemplate(app.stacks[stack]).metadata_options).toEqual({
        http_endpoint: "enabled",
        http_tokens: "required",
        http_put_response_hop_limit: 1,
        instance_metadata_tags: "disabled",
      });
    });

    it("encrypts the gp3 root volume with the region's own key", () => {
      for (const stack of ["primary", "secondary"]) {
        const ebs = launchTemplate(app.stacks[stack]).block_device_mappings[0].ebs;
        expect(ebs).toMatchObject({ volume_type: "gp3", encrypted: "true", volume_size: 16 });
        expect(ebs.kms_key_id).toMatch(/^\$\{aws_kms_key\.RegionKey_[A-Za-z0-9_]+\.arn\}$/);
      }
    });

    it("has no SSH key and no public IP, and uses a t3.micro whose AMI EC2 resolves from the region's SSM parameter at launch", () => {
      for (const stack of ["primary", "secondary"]) {
        const lt = launchTemplate(app.stacks[stack]);
        expect(lt.key_name).toBeUndefined();
        expect(lt.network_interfaces[0].associate_public_ip_address).toBe("false");
        expect(lt.instance_type).toBe("t3.micro");
        // Not a plan-time data source: a deploy that records a DR state must
        // not roll the surviving fleet because AWS published a newer AMI.
        expect(lt.image_id).toBe("resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64");
        const ssm = Object.values(app.stacks[stack].data?.aws_ssm_parameter ?? {}) as any[];
        expect(ssm.map((p) => p.name)).not.toContain("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64");
        expect(JSON.stringify(app.stacks[stack])).not.toMatch(/"ami-[0-9a-f]{8,}"/);
      }
    });

    it("keeps the same launch template whatever AMI the parameter names at plan time (nothing to plan from it)", () => {
      const lt = launchTemplate(app.stacks.secondary);
      expect(JSON.stringify(lt)).not.toMatch(/data\.aws_ssm_parameter/);
      const asg = webAsg(app.stacks.secondary);
      expect(JSON.stringify(asg)).not.toMatch(/data\.aws_ssm_parameter/);
    });

    it("gives the instances a role with Session Manager as its only managed policy", () => {
      const attachments = Object.entries(app.stacks.primary.resource!.aws_iam_role_policy_attachment)
        .filter(([id]) => id.startsWith("Web_Fleet_"))
        .map(([, a]) => a as any);
      expect(attachments.map((a) => a.policy_arn)).toEqual(["arn:${data.aws_partition.Partition.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"]);
      const trust = Object.entries(app.stacks.primary.data!.aws_iam_policy_document).find(([id]) => id.startsWith("Web_Fleet_Trust"))![1];
      expect(trust.statement[0].principals[0].identifiers).toEqual(["ec2.amazonaws.com"]);
    });

    it("lets the Auto Scaling service-linked role use the key for EBS, and nobody else through '*'", () => {
      const policy = Object.entries(app.stacks.primary.data!.aws_iam_policy_document).find(([id]) => id.startsWith("RegionKey_Policy"))![1];
      const star = policy.statement.filter((s: any) => s.principals?.[0]?.identifiers?.[0] === "*");
      expect(star.map((s: any) => s.sid)).toEqual(["AutoScalingUsesKeyForEbs", "AutoScalingGrantsForEbs"]);
      for (const s of star) {
        const pa = s.condition.find((c: any) => c.variable === "aws:PrincipalArn");
        expect(pa.values[0]).toMatch(/:role\/aws-service-role\/autoscaling\.amazonaws\.com\/AWSServiceRoleForAutoScaling$/);
        expect(s.condition.find((c: any) => c.variable === "kms:CallerAccount")).toBeTruthy();
      }
    });
  });

  describe("app delivery", () => {
    it("publishes exactly the app code the Python tests test, and its locked wheels, to the region's KMS-encrypted artifact bucket", () => {
      const bundle = loadAppBundle(path.join(PROJECT_ROOT, "webapp"));
      for (const stack of ["primary", "secondary"]) {
        const st = app.stacks[stack];
        const objects = resourceList(st, "aws_s3_object");
        expect(objects.map((o) => o.key).sort()).toEqual(["app/drweb.tar.gz", "app/wheels-cp311-x86_64.tar"]);
        const archive = objects.find((o) => o.key === "app/drweb.tar.gz");
        expect(archive).toMatchObject({ server_side_encryption: "aws:kms", metadata: { "bundle-sha256": bundle.sha256 } });
        expect(archive.kms_key_id).toMatch(/aws_kms_key\.RegionKey_/);
        const files = unpackBundleArchive(archive.content_base64);
        for (const f of bundle.files) expect(files[f.path].content).toBe(fs.readFileSync(path.join(PROJECT_ROOT, "webapp", f.path), "utf8"));
        expect(Object.keys(files)).toEqual(
          expect.arrayContaining(["drweb/app.py", "requirements.txt", "deploy/install.sh", "deploy/drweb.service", "deploy/requirements.lock", "deploy/rds-global-bundle.pem"]),
        );
        expect(Object.keys(files).some((p) => p.startsWith("tests/") || p.startsWith(".wheelhouse/"))).toBe(false);
        expect(files["deploy/install.sh"].permissions).toBe("0755");
        // The wheels travel as a file the plan uploads, not as a string in the JSON/state.
        const wheels = objects.find((o) => o.key === "app/wheels-cp311-x86_64.tar");
        expect(wheels).toMatchObject({ server_side_encryption: "aws:kms", source_hash: bundle.wheelhouse.sha256 });
        expect(wheels.content_base64).toBeUndefined();
      }
    });

    it("ships the wheel archive npm run wheels checked inside each stack's folder, by a path relative to it (hard-linked, not copied), and the plan checks it is there", () => {
      const bundle = loadAppBundle(path.join(PROJECT_ROOT, "webapp"));
      for (const stack of ["primary", "secondary"]) {
        const wheels = resourceList(app.stacks[stack], "aws_s3_object").find((o) => o.key.startsWith("app/wheels-"));
        expect(wheels.source).toMatch(new RegExp(`^assets/Web_Artifact_WheelsAsset_[A-Z0-9]+/${bundle.wheelhouse.sha256}/wheels\\.tar$`));
        const shipped = path.join(app.outdir, "stacks", stack, wheels.source);
        expect(createHash("sha256").update(fs.readFileSync(shipped)).digest("hex")).toBe(bundle.wheelhouse.sha256);
        // The same file as the built archive (a hard link: no 23 MB copy per stack and synth).
        expect(fs.statSync(shipped).ino).toBe(fs.statSync(bundle.wheelhouse.archivePath).ino);
        // Missing or altered in a copied stack folder: the plan stops before anything changes.
        expect(wheels.lifecycle.precondition).toEqual([
          {
            condition: `\${try(filesha256("\${path.module}/${wheels.source}"), "") == "${bundle.wheelhouse.sha256}"}`,
            error_message: expect.stringContaining(`The web app's wheel archive ${wheels.source} is missing from this stack's folder, or its bytes differ from what synth checked`),
          },
        ]);
      }
    });

    it("uploads both archives only after the bucket's versioning, and refuses a release S3 stored without a version id", () => {
      for (const stack of ["primary", "secondary"]) {
        const st = app.stacks[stack];
        const versioning = Object.keys(st.resource!.aws_s3_bucket_versioning).find((id) => id.startsWith("Web_Artifact_Store"))!;
        const policy = Object.keys(st.resource!.aws_s3_bucket_policy).find((id) => id.startsWith("Web_Artifact_Store"))!;
        const region = app.config.regions[stack as "primary" | "secondary"].region;
        for (const o of resourceList(st, "aws_s3_object")) {
          expect(o.depends_on).toEqual([`aws_s3_bucket_policy.${policy}`, `aws_s3_bucket_versioning.${versioning}`]);
          expect(o.lifecycle.postcondition).toHaveLength(1);
          const [post] = o.lifecycle.postcondition;
          expect(post.condition).toBe('${coalesce(self.version_id, "null") != "null"}');
          expect(post.error_message).toContain("without a version id");
          // The repair the message gives keeps older releases: a copy, never a replace.
          expect(post.error_message).toContain(`aws s3api copy-object --region ${region} --bucket \${self.bucket} --key \${self.key} --copy-source \${self.bucket}/\${self.key} --metadata-directive REPLACE`);
          expect(post.error_message).toContain("Never replace or taint this object");
        }
      }
    });

    it("keeps every old release fetchable: one key per archive, new versions, no noncurrent expiry, any version readable", () => {
      const st = app.stacks.primary;
      const lifecycle = Object.entries(st.resource!.aws_s3_bucket_lifecycle_configuration).find(([id]) => id.startsWith("Web_Artifact_Store"))![1] as any;
      expect(lifecycle.rule[0].noncurrent_version_expiration).toBeUndefined();
      expect(lifecycle.rule[0].expiration).toBeUndefined();
      const versioning = Object.entries(st.resource!.aws_s3_bucket_versioning).find(([id]) => id.startsWith("Web_Artifact_Store"))![1] as any;
      expect(versioning.versioning_configuration.status).toBe("Enabled");
      // The access logs still expire (a different bucket, same construct).
      const logs = Object.entries(st.resource!.aws_s3_bucket_lifecycle_configuration).find(([id]) => id.startsWith("Web_AccessLogs"))![1] as any;
      expect(logs.rule[0].noncurrent_version_expiration).toEqual([{ noncurrent_days: 30 }]);
      const doc = Object.entries(st.data!.aws_iam_policy_document).find(([id]) => id.startsWith("Web_Fleet_AppPermissions"))![1];
      const fetch = doc.statement.find((s: any) => s.sid === "FetchAppArchive");
      expect(fetch.actions).toEqual(["s3:GetObjectVersion"]);
      expect(fetch.resources).toEqual([
        expect.stringMatching(/^\$\{aws_s3_bucket\.Web_Artifact_Store_Bucket_[A-Z0-9]+\.arn\}\/app\/drweb\.tar\.gz$/),
        expect.stringMatching(/^\$\{aws_s3_bucket\.Web_Artifact_Store_Bucket_[A-Z0-9]+\.arn\}\/app\/wheels-cp311-x86_64\.tar$/),
      ]);
    });

    it("fetches exactly the uploaded object versions, checks their SHA-256 and runs the archive's own installer", () => {
      const lt = launchTemplate(app.stacks.primary);
      const bundle = loadAppBundle(path.join(PROJECT_ROOT, "webapp"));
      expect(lt.user_data).toMatch(/^\$\{base64encode\(join\("\\n", \["#cloud-config", jsonencode\(/);
      expect(lt.user_data).toContain('"path" = "/etc/drweb/drweb.env"');
      expect(lt.user_data).toContain(`{"path" = "/opt/drweb/bootstrap.sh", "encoding" = "b64", "content" = "${Buffer.from(BOOTSTRAP_SCRIPT).toString("base64")}"`);
      // runcmd: bucket, region, then key/version/sha256 of each archive. The
      // version ids are the uploads' own: the template cannot exist before them.
      const run = /\["bash", "\/opt\/drweb\/bootstrap\.sh", ([^\]]+)\]/.exec(lt.user_data)![1].split(", ");
      expect(run).toHaveLength(8);
      expect(run[0]).toMatch(/^aws_s3_bucket\.Web_Artifact_Store_Bucket_[A-Z0-9]+\.bucket$/);
      expect(run[1]).toBe('"us-east-2"');
      expect(run[2]).toMatch(/^aws_s3_object\.Web_Artifact_Archive_[A-Z0-9]+\.key$/);
      expect(run[3]).toMatch(/^aws_s3_object\.Web_Artifact_Archive_[A-Z0-9]+\.version_id$/);
      expect(run[4]).toBe(`"${bundle.archiveSha256}"`);
      expect(run[5]).toMatch(/^aws_s3_object\.Web_Artifact_Wheels_[A-Z0-9]+\.key$/);
      expect(run[6]).toMatch(/^aws_s3_object\.Web_Artifact_Wheels_[A-Z0-9]+\.version_id$/);
      expect(run[7]).toBe(`"${bundle.wheelhouse.sha256}"`);
      expect(createHash("sha256").update(Buffer.from(bundle.archiveBase64, "base64")).digest("hex")).toBe(bundle.archiveSha256);
      expect(userDataEnv(app.stacks.primary)).toMatchObject({ DRWEB_REGION: "us-east-2", DRWEB_PORT: "8080", DRWEB_METRICS_PORT: "9102" });
      expect(userDataEnv(app.stacks.secondary).DRWEB_REGION).toBe("us-west-1");
    });

    it("has a bootstrap script that is valid bash, checks hashes, fetches by version and holds nothing Terraform would interpolate", async () => {
      expect(BOOTSTRAP_SCRIPT).not.toMatch(/[$%]\{/);
      expect(BOOTSTRAP_SCRIPT).toContain('aws s3api get-object --bucket "$bucket" --region "$region" --key "$1" --version-id "$2" "$4"');
      expect(BOOTSTRAP_SCRIPT).toContain("sha256sum --check --strict --quiet");
      expect(BOOTSTRAP_SCRIPT).toMatch(/^set -euo pipefail$/m);
      expect(BOOTSTRAP_SCRIPT).toMatch(/exec bash \/opt\/drweb\/src\/deploy\/install\.sh\n$/);
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bootstrap-")), "bootstrap.sh");
      fs.writeFileSync(file, BOOTSTRAP_SCRIPT);
      const r = await runCmd("bash", ["-n", file]);
      expect(r.status, r.stderr).toBe(0);
    });

    it("changes (so the launch template gets a new version) whenever the app changes, and only then", () => {
      const copy = fs.mkdtempSync(path.join(os.tmpdir(), "webapp-"));
      fs.cpSync(path.join(PROJECT_ROOT, "webapp"), copy, { recursive: true, filter: (src) => !src.includes(".venv") && !src.includes("__pycache__") });
      const before = loadAppBundle(copy);
      fs.appendFileSync(path.join(copy, "drweb", "app.py"), "\n# changed\n");
      const after = loadAppBundle(copy);
      expect(after.sha256).not.toBe(before.sha256);
      expect(after.archiveBase64).not.toBe(before.archiveBase64);
      const loc = { bucket: "b", key: "k", versionId: "v", sha256: "s", region: "us-east-2" };
      expect(renderUserData(loc, loc, after.sha256, {})).not.toBe(renderUserData(loc, loc, before.sha256, {}));
      // Tests and caches are not shipped: changing them changes nothing.
      fs.mkdirSync(path.join(copy, "tests"), { recursive: true });
      fs.writeFileSync(path.join(copy, "tests", "test_new.py"), "def test_x(): pass\n");
      expect(loadAppBundle(copy).sha256).toBe(after.sha256);
      // The same files always give the same archive bytes.
      expect(loadAppBundle(copy).archiveBase64).toBe(after.archiveBase64);
      expect(userDataEnv(app.stacks.primary).DRWEB_BUNDLE_SHA256).toBe(loadAppBundle(path.join(PROJECT_ROOT, "webapp")).sha256);
    });

    it("refuses to synthesize without the wheel archive, or with one that does not match the lock", () => {
      const copy = fs.mkdtempSync(path.join(os.tmpdir(), "webapp-"));
      fs.cpSync(path.join(PROJECT_ROOT, "webapp"), copy, { recursive: true, filter: (src) => !src.includes(".venv") && !src.includes("__pycache__") });
      expect(loadAppBundle(copy).wheelhouse.sha256).toBe(loadAppBundle(path.join(PROJECT_ROOT, "webapp")).wheelhouse.sha256);
      fs.appendFileSync(path.join(copy, ".wheelhouse", "wheels.tar"), Buffer.alloc(512));
      expect(() => loadAppBundle(copy)).toThrow(/wheels\.tar changed since `npm run wheels` checked it\. Fix: run `npm run wheels`/);
      fs.appendFileSync(path.join(copy, "deploy", "requirements.lock"), "six==1.17.0 --hash=sha256:" + "0".repeat(64) + "\n");
      expect(() => loadAppBundle(copy)).toThrow(/was built for another deploy\/requirements\.lock \(the lock changed since\)/);
      fs.rmSync(path.join(copy, ".wheelhouse"), { recursive: true });
      expect(() => loadAppBundle(copy)).toThrow(/wheels\.tar does not exist: the instances install their Python dependencies from it, offline\. Fix: run `npm run wheels`/);
      fs.rmSync(copy, { recursive: true, force: true });
    });

    it("npm run wheels checks every wheel of the archive against the lock", () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wheels-"));
      fs.mkdirSync(path.join(dir, "deploy"));
      fs.mkdirSync(path.join(dir, ".wheelhouse"));
      const wheel = Buffer.from("a wheel");
      const sha = createHash("sha256").update(wheel).digest("hex");
      fs.writeFileSync(path.join(dir, "deploy", "requirements.lock"), `six==1.17.0 \\\n    --hash=sha256:${sha}\nflask==3.1.3 \\\n    --hash=sha256:${"1".repeat(64)}\n`);
      const write = (entries: Array<[string, Buffer]>) =>
        fs.writeFileSync(path.join(dir, ".wheelhouse", "wheels.tar"), createTar(entries.map(([p, content]) => ({ path: p, content, permissions: "0644" }))));
      write([["six-1.17.0-py2.py3-none-any.whl", wheel], ["flask-3.1.3-py3-none-any.whl", Buffer.from("other")], ["extra-1.0-py3-none-any.whl", wheel]]);
      expect(() => verifyWheelhouse(dir)).toThrow(/flask-3\.1\.3-py3-none-any\.whl does not match the lock's sha256; extra-1\.0-py3-none-any\.whl is not in the lock/);
      write([["six-1.16.0-py2.py3-none-any.whl", wheel]]);
      expect(() => verifyWheelhouse(dir)).toThrow(/six-1\.16\.0-py2\.py3-none-any\.whl is six 1\.16\.0, the lock pins 1\.17\.0; flask==3\.1\.3 is missing/);
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it("refuses an environment value that would break the env file", () => {
      const loc = { bucket: "b", key: "k", versionId: "v", sha256: "s", region: "r" };
      expect(() => renderUserData(loc, loc, "x", { DB_HOST: 'x"; rm -rf /' })).toThrow(/DB_HOST has whitespace, a quote or a backslash/);
    });
  });

  describe("auto scaling group", () => {
    it.each([
      ["primary", 3],
      ["secondary", 2],
    ])("spreads 3 instances over the private-app subnets of every AZ of %s", (stack, azCount) => {
      const asg = webAsg(app.stacks[stack]);
      expect(asg).toMatchObject({ desired_capacity: 3, min_size: 3, max_size: 6, health_check_type: "ELB" });
      expect(asg.vpc_zone_identifier).toHaveLength(azCount as number);
      for (const ref of asg.vpc_zone_identifier) {
        const id = /aws_subnet\.([^.]+)\.id/.exec(ref)![1];
        expect(app.stacks[stack].resource!.aws_subnet[id].tags.Tier).toBe("privateApp");
      }
    });

    it("follows the launch template's latest version with a rolling instance refresh (no auto rollback: unsupported with resolve:ssm)", () => {
      expect(app.text("primary")).toHaveResourceWithProperties(AutoscalingGroup, {
        instance_refresh: { strategy: "Rolling", preferences: { min_healthy_percentage: 66, auto_rollback: false, instance_warmup: "420" } },
      });
      const asg = webAsg(app.stacks.primary);
      expect(asg.launch_template.version).toMatch(/aws_launch_template\..*\.latest_version/);
      expect(asg.target_group_arns[0]).toMatch(/aws_lb_target_group\./);
    });

    it("fails the deploy that creates it when the fleet never becomes healthy behind the load balancer, and never blocks an update", () => {
      for (const stack of ["primary", "secondary"]) {
        const asg = webAsg(app.stacks[stack]);
        expect(asg).toMatchObject({ min_elb_capacity: 3, wait_for_capacity_timeout: "15m", health_check_type: "ELB" });
        expect(asg.wait_for_elb_capacity).toBeUndefined();
      }
      const sized = synthApp({ web: { desiredCapacity: 4, minSize: 2, maxSize: 8 } });
      expect(webAsg(sized.stacks.primary).min_elb_capacity).toBe(4);
    });

    it("takes sizes from config", () => {
      const sized = synthApp({ web: { desiredCapacity: 4, minSize: 2, maxSize: 8 } });
      expect(webAsg(sized.stacks.secondary)).toMatchObject({ desired_capacity: 4, min_size: 2, max_size: 8 });
    });

    it("tags instances for Prometheus EC2 discovery", () => {
      const tags = webAsg(app.stacks.primary).tag;
      expect(tags).toContainEqual({ key: "drweb-scrape", value: "web", propagate_at_launch: true });
      expect(tags).toContainEqual({ key: "dr-role", value: "primary", propagate_at_launch: true });
    });
  });

  describe("load balancer", () => {
    it("is internet-facing in the public subnets, drops invalid headers and logs access to S3", () => {
      expect(app.text("primary")).toHaveResourceWithProperties(Lb, {
        internal: false,
        load_balancer_type: "application",
        drop_invalid_header_fields: true,
        enable_deletion_protection: true,
        access_logs: { enabled: true, prefix: "alb", bucket: expect.stringContaining("aws_s3_bucket") },
      });
      const lb = resourceList(app.stacks.primary, "aws_lb")[0];
      for (const ref of lb.subnets) expect(app.stacks.primary.resource!.aws_subnet[/aws_subnet\.([^.]+)\.id/.exec(ref)![1]].tags.Tier).toBe("public");
      // Turning deletion protection off is a weakening the policy refuses (src/policy).
      expect(() => synthApp({ web: { albDeletionProtection: false } })).toThrow(/alb-hardened: deletion protection is off/);
    });

    it("health-checks targets on the liveness path", () => {
      expect(app.text("secondary")).toHaveResourceWithProperties(LbTargetGroup, { port: 8080, protocol: "HTTP" });
      expect(resourceList(app.stacks.secondary, "aws_lb_target_group")[0].health_check).toMatchObject({ path: "/healthz", matcher: "200", protocol: "HTTP" });
    });

    it("without a certificate (no dns stack, none configured) serves plain HTTP on 80 only", () => {
      const plain = synthApp({ dns: { enabled: false } });
      const listeners = resourceList(plain.stacks.primary, "aws_lb_listener");
      expect(listeners).toHaveLength(1);
      expect(listeners[0]).toMatchObject({ port: 80, protocol: "HTTP", default_action: [{ type: "forward" }] });
      expect(plain.stacks.primary.output!.alb_scheme.value).toBe("http");
      expect(resourceList(plain.stacks.primary, "aws_acm_certificate")).toEqual([]);
    });

    it("by default (dns stack on) serves HTTPS with the region's validated ACM certificate", () => {
      for (const stack of ["primary", "secondary"]) {
        const https = resourceList(app.stacks[stack], "aws_lb_listener").find((l) => l.port === 443);
        expect(https.certificate_arn).toMatch(/^\$\{aws_acm_certificate_validation\.Certificate_Validation_[A-Z0-9]+\.certificate_arn\}$/);
        expect(app.stacks[stack].output!.alb_scheme.value).toBe("https");
      }
    });

    it("with a certificate serves HTTPS with a TLS 1.3 policy and redirects HTTP to it", () => {
      const tls = synthApp({ regions: { primary: { certificateArn: CERT.primary }, secondary: { certificateArn: CERT.secondary } } });
      for (const [stack, cert] of Object.entries(CERT)) {
        const listeners = resourceList(tls.stacks[stack], "aws_lb_listener");
        expect(listeners).toHaveLength(2);
        expect(listeners.find((l) => l.port === 443)).toMatchObject({
          protocol: "HTTPS",
          ssl_policy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
          certificate_arn: cert,
          default_action: [{ type: "forward", target_group_arn: expect.stringContaining("aws_lb_target_group") }],
        });
        expect(tls.text(stack)).toHaveResourceWithProperties(LbListener, {
          port: 80,
          protocol: "HTTP",
          default_action: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", status_code: "HTTP_301" } }],
        });
        expect(tls.stacks[stack].output!.alb_scheme.value).toBe("https");
      }
    });

    it("keeps its access logs in a private, TLS-only bucket", () => {
      expect(app.text("primary")).toHaveResourceWithProperties(S3BucketPublicAccessBlock, {
        block_public_acls: true,
        block_public_policy: true,
        ignore_public_acls: true,
        restrict_public_buckets: true,
      });
      const doc = Object.entries(app.stacks.primary.data!.aws_iam_policy_document).find(([id]) => id.startsWith("Web_AccessLogs_Store_PolicyDocument"))![1];
      expect(doc.statement.map((s: any) => s.sid)).toEqual(["ElbWritesAccessLogs", "DenyInsecureTransport"]);
      expect(doc.statement[0].principals[0].identifiers[0]).toMatch(/data\.aws_elb_service_account\./);
    });
  });

  describe("security groups", () => {
    const ingress = (stack: StackJson) => resourceList(stack, "aws_vpc_security_group_ingress_rule");
    const egress = (stack: StackJson) => resourceList(stack, "aws_vpc_security_group_egress_rule");

    it("opens only the ALB to the internet, and only on its listener ports", () => {
      for (const stack of ["primary", "secondary"]) {
        const st = app.stacks[stack];
        const open = ingress(st).filter((r) => r.cidr_ipv4 === "0.0.0.0/0");
        expect(open.map((r) => [sgName(st, r.security_group_id), r.from_port, r.to_port]).sort()).toEqual([["alb", 443, 443], ["alb", 80, 80]]);
      }
      const plain = synthApp({ dns: { enabled: false } }).stacks.primary;
      const open = ingress(plain).filter((r) => r.cidr_ipv4 === "0.0.0.0/0");
      expect(open.map((r) => [sgName(plain, r.security_group_id), r.from_port])).toEqual([["alb", 80]]);
    });

    it("admits Route53 health checkers through the region's managed prefix list, on 443 only, even with narrowed ingress", () => {
      const narrow = synthApp({ web: { ingressCidrs: ["203.0.113.0/24"] } });
      for (const [stack, region] of [["primary", "us-east-2"], ["secondary", "us-west-1"]]) {
        const st = narrow.stacks[stack];
        const pl = Object.values(st.data!.aws_ec2_managed_prefix_list) as any[];
        expect(pl.map((p) => p.name)).toEqual([`com.amazonaws.${region}.route53-healthchecks`]);
        const r53 = ingress(st).filter((r) => r.prefix_list_id);
        // Port 80 from the prefix list would cost 25 of the 60 rules for checks that never use it.
        expect(r53.map((r) => [sgName(st, r.security_group_id), r.from_port, r.to_port])).toEqual([["alb", 443, 443]]);
        expect(ingress(st).filter((r) => r.cidr_ipv4 === "0.0.0.0/0")).toEqual([]);
      }
    });

    it("admits the checkers on exactly the port the dns stack's health checks use", () => {
      const checks = resourceList(app.stacks.dns, "aws_route53_health_check").filter((h) => h.type === "HTTPS" || h.type === "HTTP");
      expect(checks.length).toBeGreaterThan(0);
      const checked = [...new Set(checks.map((h) => h.port))];
      for (const stack of ["primary", "secondary"]) {
        const admitted = ingress(app.stacks[stack]).filter((r) => r.prefix_list_id).map((r) => r.from_port);
        expect(admitted).toEqual(checked);
      }
    });

    it("has no prefix-list rule when there are no health checks (no dns stack)", () => {
      const plain = synthApp({ dns: { enabled: false } });
      expect(plain.stacks.primary.data?.aws_ec2_managed_prefix_list).toBeUndefined();
      expect(ingress(plain.stacks.primary).filter((r) => r.prefix_list_id)).toEqual([]);
    });

    it("fits the ALB's inbound rules in the 60-rule quota: 17 CIDRs x 2 ports + 25 for the prefix list synthesize, 18 are refused", () => {
      const cidrs = (n: number) => Array.from({ length: n }, (_, i) => `198.51.${i}.0/24`);
      const full = synthApp({ web: { ingressCidrs: cidrs(17) } });
      expect(ingress(full.stacks.primary).filter((r) => sgName(full.stacks.primary, r.security_group_id) === "alb")).toHaveLength(17 * 2 + 1);
      expect(() => resolveConfig({ web: { ingressCidrs: cidrs(18) } })).toThrow(
        /web\.ingressCidrs: 18 CIDRs x 2 listener ports \(80, 443\) \+ 25 for the Route53 health checkers \(a prefix list counts as its maximum entries\) = 61 inbound rules on the ALB security group of the primary region, over the quota of 60 rules per security group\. Fix: list at most 17 CIDRs/,
      );
      // Plain HTTP, no health checks: one port, no prefix list.
      expect(() => resolveConfig({ dns: { enabled: false }, web: { ingressCidrs: cidrs(60) } })).not.toThrow();
      expect(() => resolveConfig({ dns: { enabled: false }, web: { ingressCidrs: cidrs(61) } })).toThrow(/61 CIDRs x 1 listener ports \(80\) = 61 inbound rules .* Fix: list at most 60 CIDRs/);
    });

    it("lets only the ALB reach the app port and only the monitoring cluster reach the metrics port", () => {
      const st = app.stacks.primary;
      const web = ingress(st).filter((r) => sgName(st, r.security_group_id) === "web");
      expect(web).toHaveLength(2);
      const appRule = web.find((r) => r.from_port === 8080)!;
      expect(sgName(st, appRule.referenced_security_group_id)).toBe("alb");
      const metrics = web.find((r) => r.from_port === 9102)!;
      expect(metrics.cidr_ipv4).toBeUndefined();
      expect(metrics.referenced_security_group_id).toMatch(/^\$\{aws_eks_cluster\.Eks_Cluster_[A-Z0-9]+\.vpc_config\[0\]\.cluster_security_group_id\}$/);
      const albOut = egress(st).filter((r) => sgName(st, r.security_group_id) === "alb");
      expect(albOut.map((r) => [r.from_port, sgName(st, r.referenced_security_group_id)])).toEqual([[8080, "web"]]);
    });

    it("describes every group and rule", () => {
      const st = app.stacks.secondary;
      for (const r of [...resourceList(st, "aws_security_group"), ...ingress(st), ...egress(st)]) expect(r.description).toMatch(/\w{4,}/);
    });
  });

  describe("config", () => {
    it("rejects a metrics port equal to the app port", () => {
      expect(() => resolveConfig({ web: { metricsPort: 8080 } })).toThrow(/web\.metricsPort: equals web\.appPort \(8080\).*Fix: use another port/);
    });

    it("rejects a certificate from another region", () => {
      expect(() => resolveConfig({ regions: { secondary: { certificateArn: CERT.primary } } })).toThrow(
        /regions\.secondary\.certificateArn: the certificate is in us-east-2, but an ALB can only use an ACM certificate of its own region \(us-west-1\)/,
      );
    });

    it("rejects an ingress CIDR listed twice (a duplicate rule)", () => {
      expect(() => resolveConfig({ web: { ingressCidrs: ["203.0.113.0/24", "203.0.113.0/24"] } })).toThrow(/web\.ingressCidrs\[1\]: 203\.0\.113\.0\/24 is listed twice/);
    });

    it("rejects an Arm web fleet (the shipped wheels are x86_64)", () => {
      expect(() => resolveConfig({ web: { instanceType: "t4g.micro" } })).toThrow(/web\.instanceType: t4g\.micro .* is an Arm \(Graviton\) web fleet, but the app's wheels are built for x86_64/);
      expect(() => resolveConfig({ web: { amiSsmParameter: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64" } })).toThrow(/web\.amiSsmParameter: .*Fix: use an x86_64 instance type/);
      expect(() => resolveConfig({ web: { instanceType: "m5.large" } })).not.toThrow();
    });

    it("rejects an ingress CIDR that is not a CIDR", () => {
      expect(() => resolveConfig({ web: { ingressCidrs: ["everyone"] } })).toThrow(/web\.ingressCidrs\[0\]: "everyone" is not an IPv4 CIDR block/);
    });
  });

  it("outputs what the dns stack and operators need", () => {
    expect(Object.keys(app.stacks.primary.output!)).toEqual(
      expect.arrayContaining(["alb_dns_name", "alb_zone_id", "alb_arn", "target_group_arn", "asg_name", "alb_scheme"]),
    );
  });
});
