// The framework's floor for `npm run bench`: a cdktf app with one stack, the
// aws provider and a single resource, imported the same (deep) way.
import { App, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";

const app = new App();
const stack = new TerraformStack(app, "minimal");
new AwsProvider(stack, "Aws", { region: "us-east-2" });
new Vpc(stack, "Vpc", { cidrBlock: "10.0.0.0/16" });
app.synth();
