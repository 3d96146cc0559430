import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { AutoscalingGroup } from "@cdktf/provider-aws/lib/autoscaling-group";
import { Lb } from "@cdktf/provider-aws/lib/lb";
import { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
import { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { resolveConfig } from "../../src/config";
import { loadAppBundle } from "../../src/web/app-bundle";
import { renderUserData, unpackBundleArchive } from "../../src/web/user-data";
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

    it("has no SSH key and no public IP, and uses a t3.micro from the region's SSM AMI parameter", () => {
      const lt = launchTemplate(app.stacks.primary);
      expect(lt.key_name).toBeUndefined();
      expect(lt.network_interfaces[0].associate_public_ip_address).toBe("false");
      expect(lt.instance_type).toBe("t3.micro");
      expect(lt.image_id).toMatch(/^\$\{data\.aws_ssm_parameter\..*\.value\}$/);
      const ssm = Object.values(app.stacks.primary.data!.aws_ssm_parameter) as any[];
      expect(ssm.map((p) => p.name)).toContain("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64");
      expect(JSON.stringify(app.stacks.primary)).not.toMatch(/"ami-[0-9a-f]{8,}"/);
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
    it("publishes exactly the app code the Python tests test to the region's KMS-encrypted artifact bucket", () => {
      for (const stack of ["primary", "secondary"]) {
        const st = app.stacks[stack];
        const objects = resourceList(st, "aws_s3_object");
        expect(objects).toHaveLength(1);
        const bundle = loadAppBundle(path.join(PROJECT_ROOT, "webapp"));
        expect(objects[0]).toMatchObject({ key: `app/drweb-${bundle.sha256}.tar.gz`, server_side_encryption: "aws:kms" });
        expect(objects[0].kms_key_id).toMatch(/aws_kms_key\.RegionKey_/);
        const files = unpackBundleArchive(objects[0].content_base64);
        for (const f of bundle.files) expect(files[f.path].content).toBe(fs.readFileSync(path.join(PROJECT_ROOT, "webapp", f.path), "utf8"));
        expect(Object.keys(files)).toEqual(expect.arrayContaining(["drweb/app.py", "requirements.txt", "deploy/install.sh", "deploy/drweb.service"]));
        expect(Object.keys(files).some((p) => p.startsWith("tests/"))).toBe(false);
        expect(files["deploy/install.sh"].permissions).toBe("0755");
      }
    });

    it("lets the instances fetch exactly that archive and nothing else from S3", () => {
      const doc = Object.entries(app.stacks.primary.data!.aws_iam_policy_document).find(([id]) => id.startsWith("Web_Fleet_AppPermissions"))![1];
      const fetch = doc.statement.find((s: any) => s.sid === "FetchAppArchive");
      expect(fetch.actions).toEqual(["s3:GetObject"]);
      expect(fetch.resources).toEqual([expect.stringMatching(/^\$\{aws_s3_bucket\.Web_Artifact_Store_Bucket_[A-Z0-9]+\.arn\}\/\$\{aws_s3_object\..*\.key\}$/)]);
    });

    it("writes the app's environment and runs the archive's own installer", () => {
      const lt = launchTemplate(app.stacks.primary);
      expect(lt.user_data).toMatch(/^\$\{base64encode\(join\("\\n", \["#cloud-config", jsonencode\(/);
      expect(lt.user_data).toContain('["tar", "-xzf", "/opt/drweb/bundle.tar.gz", "-C", "/opt/drweb/src"]');
      expect(lt.user_data).toContain('["bash", "/opt/drweb/src/deploy/install.sh"]');
      expect(lt.user_data).toContain('"path" = "/etc/drweb/drweb.env"');
      expect(userDataEnv(app.stacks.primary)).toMatchObject({ DRWEB_REGION: "us-east-2", DRWEB_PORT: "8080", DRWEB_METRICS_PORT: "9102" });
      expect(userDataEnv(app.stacks.secondary).DRWEB_REGION).toBe("us-west-1");
    });

    it("changes (so the launch template gets a new version) whenever the app changes, and only then", () => {
      const copy = fs.mkdtempSync(path.join(os.tmpdir(), "webapp-"));
      fs.cpSync(path.join(PROJECT_ROOT, "webapp"), copy, { recursive: true, filter: (src) => !src.includes(".venv") && !src.includes("__pycache__") });
      const before = loadAppBundle(copy);
      fs.appendFileSync(path.join(copy, "drweb", "app.py"), "\n# changed\n");
      const after = loadAppBundle(copy);
      expect(after.sha256).not.toBe(before.sha256);
      expect(after.archiveBase64).not.toBe(before.archiveBase64);
      const loc = { bucket: "b", key: "k", region: "us-east-2" };
      expect(renderUserData(loc, after.sha256, {})).not.toBe(renderUserData(loc, before.sha256, {}));
      // Tests and caches are not shipped: changing them changes nothing.
      fs.mkdirSync(path.join(copy, "tests"), { recursive: true });
      fs.writeFileSync(path.join(copy, "tests", "test_new.py"), "def test_x(): pass\n");
      expect(loadAppBundle(copy).sha256).toBe(after.sha256);
      // The same files always give the same archive bytes.
      expect(loadAppBundle(copy).archiveBase64).toBe(after.archiveBase64);
      expect(userDataEnv(app.stacks.primary).DRWEB_BUNDLE_SHA256).toBe(loadAppBundle(path.join(PROJECT_ROOT, "webapp")).sha256);
    });

    it("refuses an environment value that would break the env file", () => {
      expect(() => renderUserData({ bucket: "b", key: "k", region: "r" }, "x", { DB_HOST: 'x"; rm -rf /' })).toThrow(/DB_HOST has whitespace, a quote or a backslash/);
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

    it("follows the launch template's latest version with a rolling instance refresh", () => {
      expect(app.text("primary")).toHaveResourceWithProperties(AutoscalingGroup, {
        instance_refresh: { strategy: "Rolling", preferences: { min_healthy_percentage: 66, auto_rollback: true, instance_warmup: "420" } },
      });
      const asg = webAsg(app.stacks.primary);
      expect(asg.launch_template.version).toMatch(/aws_launch_template\..*\.latest_version/);
      expect(asg.target_group_arns[0]).toMatch(/aws_lb_target_group\./);
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

    it("admits Route53 health checkers through the region's managed prefix list even with narrowed ingress", () => {
      const narrow = synthApp({ web: { ingressCidrs: ["203.0.113.0/24"] } });
      for (const [stack, region] of [["primary", "us-east-2"], ["secondary", "us-west-1"]]) {
        const st = narrow.stacks[stack];
        const pl = Object.values(st.data!.aws_ec2_managed_prefix_list) as any[];
        expect(pl.map((p) => p.name)).toEqual([`com.amazonaws.${region}.route53-healthchecks`]);
        const r53 = ingress(st).filter((r) => r.prefix_list_id);
        expect(r53.map((r) => [sgName(st, r.security_group_id), r.from_port]).sort()).toEqual([["alb", 443], ["alb", 80]]);
        expect(ingress(st).filter((r) => r.cidr_ipv4 === "0.0.0.0/0")).toEqual([]);
      }
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
