/**
 * The worked example of docs/testing.md "Writing a test": how to test these stacks
 * with cdktf's own `Testing` matchers. Copy this file to start a new test.
 *
 * - synthApp(overrides) (helpers/synth.ts) synthesizes the WHOLE app with
 *   config overrides on the seed defaults, as `cdktf synth` does, so
 *   cross-stack wiring is real; .text(stack) is a stack's JSON as the
 *   matchers take it, .stacks[stack] the parsed JSON.
 * - Matchers take the provider class (deep import) and snake_case Terraform
 *   attribute names.
 * - toBeValidTerraform() runs the real `terraform init` + `validate` on a
 *   synthesized folder (Testing.fullSynth); the test set-up points it at the
 *   offline provider mirror (helpers/setup.ts).
 */
import { Testing } from "cdktf";
import { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import { Route53HealthCheck } from "@cdktf/provider-aws/lib/route53-health-check";
import { resourceList, synthApp } from "../helpers/synth";

describe("writing a test against these stacks (docs/testing.md example)", () => {
  const app = synthApp({ database: { instanceClass: "db.m7g.large" } });

  it("finds a resource with properties in a synthesized stack", () => {
    expect(app.text("secondary")).toHaveResourceWithProperties(DbInstance, { instance_class: "db.m7g.large", storage_encrypted: true });
    expect(app.text("dns")).toHaveResourceWithProperties(Route53HealthCheck, { type: "HTTPS", resource_path: "/readyz" });
    expect(app.text("dns")).not.toHaveResource(DbInstance);
    // The parsed JSON for anything the matchers cannot say:
    expect(resourceList(app.stacks.primary, "aws_db_instance").every((db) => db.deletion_protection === true)).toBe(true);
  });

  it("is valid Terraform for the real CLI and provider (toBeValidTerraform)", () => {
    expect(Testing.fullSynth(app.drApp.dns!)).toBeValidTerraform();
  }, 120_000);
});
