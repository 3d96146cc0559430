/**
 * Finds the Terraform CLI and an offline provider mirror holding
 * hashicorp/aws, and writes a project-local CLI config (.tfcli/terraformrc)
 * that installs providers only from that mirror. Nothing outside the
 * project is written. Used by the validation test and scripts/validate.ts.
 */
import { execFile, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** The hashicorp/aws version that @cdktf/provider-aws 20.1.0 wraps. */
export const AWS_PROVIDER_VERSION = "5.100.0";
const PROVIDER_DIR = path.join("registry.terraform.io", "hashicorp", "aws", AWS_PROVIDER_VERSION);

export interface TerraformEnv {
  /** Path of the terraform binary. */
  readonly terraform: string;
  /** Its version, e.g. 1.11.4. */
  readonly version: string;
  /** Root of the filesystem mirror (holds registry.terraform.io/...). */
  readonly mirrorRoot: string;
  /** Environment for child processes: TF_CLI_CONFIG_FILE etc. */
  readonly env: NodeJS.ProcessEnv;
}

const HOW_TO =
  "How to provide one: install Terraform >= 1.11 on PATH (or set TERRAFORM_BIN), and put hashicorp/aws " +
  `${AWS_PROVIDER_VERSION} in a filesystem mirror (<root>/${PROVIDER_DIR}/<os>_<arch>/terraform-provider-aws_v${AWS_PROVIDER_VERSION}_x5), ` +
  "then set TF_PROVIDER_MIRROR=<root>. On this project's machine kind the mirror is /opt/tf-plugins and terraform 1.11.4 is on PATH.";

function candidateRoots(): string[] {
  const home = os.homedir();
  return [
    process.env.TF_PROVIDER_MIRROR ?? "",
    "/opt/tf-plugins",
    path.join(home, ".terraform.d", "plugins"),
    path.join(home, ".local", "share", "terraform", "plugins"),
    "/usr/local/share/terraform/plugins",
    "/usr/share/terraform/plugins",
  ].filter(Boolean);
}

/** Locates the mirror root, or returns undefined. */
export function findProviderMirror(): string | undefined {
  const arch = `${process.platform}_${process.arch === "x64" ? "amd64" : process.arch}`;
  for (const root of candidateRoots()) {
    if (fs.existsSync(path.join(root, PROVIDER_DIR, arch))) return root;
  }
  // Last resort: a bounded search of the usual install prefixes.
  for (const base of ["/opt", "/usr/local", os.homedir()]) {
    try {
      const hit = execFileSync("find", [base, "-maxdepth", "9", "-name", `terraform-provider-aws_v${AWS_PROVIDER_VERSION}_*`, "-path", "*registry.terraform.io*"], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
        timeout: 20_000,
      })
        .split("\n")
        .find(Boolean);
      if (hit) return hit.slice(0, hit.indexOf(`${path.sep}registry.terraform.io`));
    } catch {
      // find exits non-zero on unreadable folders; keep looking.
    }
  }
  return undefined;
}

/** The Terraform CLI to use and its version, or an Error saying how to provide one. */
export function findTerraform(): { terraform: string; version: string } {
  const terraform = process.env.TERRAFORM_BIN || "terraform";
  let version: string;
  try {
    const out = execFileSync(terraform, ["version", "-json"], { encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1", TF_CLI_CONFIG_FILE: "/dev/null" } });
    version = (JSON.parse(out) as { terraform_version: string }).terraform_version;
  } catch (e) {
    throw new Error(`Terraform CLI not found or not runnable ("${terraform}": ${(e as Error).message.split("\n")[0]}). ${HOW_TO}`);
  }
  const [major, minor] = version.split(".").map(Number);
  if (major < 1 || (major === 1 && minor < 11)) {
    throw new Error(`Terraform ${version} is too old: the stacks require >= 1.11 (write-only arguments; S3 native locking came in 1.10). ${HOW_TO}`);
  }
  return { terraform, version };
}

/** Path of the project-local Terraform CLI config (written by writeMirrorCliConfig). */
export function cliConfigPath(projectRoot: string): string {
  return path.join(projectRoot, ".tfcli", "terraformrc");
}

/**
 * Writes the project-local CLI config that installs hashicorp/aws only from
 * the filesystem mirror (other providers, e.g. kubernetes and helm of the
 * monitoring stacks, still come from the registry). Returns its path.
 */
export function writeMirrorCliConfig(projectRoot: string, mirrorRoot: string): string {
  const cliConfig = cliConfigPath(projectRoot);
  fs.mkdirSync(path.dirname(cliConfig), { recursive: true });
  const content =
    `# Written by scripts/lib/terraform-env.ts: providers come only from the offline mirror.\n` +
    `provider_installation {\n  filesystem_mirror {\n    path    = ${JSON.stringify(mirrorRoot)}\n    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n` +
    `  direct {\n    exclude = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n`;
  if (!fs.existsSync(cliConfig) || fs.readFileSync(cliConfig, "utf8") !== content) fs.writeFileSync(cliConfig, content);
  return cliConfig;
}

/**
 * Returns the Terraform environment or throws an Error whose message says
 * exactly what is missing and how to provide it.
 */
export function prepareTerraformEnv(projectRoot: string): TerraformEnv {
  const { terraform, version } = findTerraform();
  const mirrorRoot = findProviderMirror();
  if (!mirrorRoot) {
    throw new Error(`No offline provider mirror with hashicorp/aws ${AWS_PROVIDER_VERSION} was found (no registry is reachable here). ${HOW_TO}`);
  }
  const cliConfig = writeMirrorCliConfig(projectRoot, mirrorRoot);
  return {
    terraform,
    version,
    mirrorRoot,
    env: { ...process.env, TF_CLI_CONFIG_FILE: cliConfig, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1", TF_INPUT: "0" },
  };
}

/** Stacks whose required providers are the aws provider alone. */
export function awsOnlyStacks(stacksDir: string): string[] {
  return fs
    .readdirSync(stacksDir)
    .filter((name) => {
      const json = JSON.parse(fs.readFileSync(path.join(stacksDir, name, "cdk.tf.json"), "utf8"));
      const providers = Object.keys(json.terraform?.required_providers ?? {});
      return providers.length > 0 && providers.every((p) => p === "aws");
    })
    .sort();
}

export interface ValidateResult {
  readonly stack: string;
  readonly ok: boolean;
  readonly output: string;
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, env, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

/**
 * Several stacks validated by one terraform process: a throw-away root
 * module (a temporary folder; validateStackDirs) that calls each stack folder as a
 * child module, so the aws provider's schema is loaded once instead of once
 * per stack (5 stacks: ~8 s instead of ~26 s here). As a child module each
 * stack is checked by the same validator against the same schema; what a
 * child module does not get checked is its `backend` block (Terraform warns
 * "Backend configuration ignored", dropped here; `init -backend=false`
 * skips backends in a per-stack validate too). Diagnostics are given to the
 * stack their address (`module.<stack>`) or file names. Stack folder names
 * must be valid module names (cdktf's are). `npm run validate` and the
 * tests use it: one terraform process for every stack.
 */
export async function validateStacks(tf: TerraformEnv, stacksDir: string, stacks: readonly string[]): Promise<ValidateResult[]> {
  return validateStackDirs(
    tf,
    stacks.map((name) => ({ name, dir: path.join(stacksDir, name) })),
  );
}

/**
 * validateStacks for stack folders anywhere (e.g. several synthesized
 * configs at once): `name` is the child module's name (unique; letters,
 * digits, `_` and `-`) and the result's `stack`.
 */
export async function validateStackDirs(tf: TerraformEnv, stacks: ReadonlyArray<{ readonly name: string; readonly dir: string }>): Promise<ValidateResult[]> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "drvalidate-"));
  try {
    const source = (dir: string) => {
      const rel = path.relative(root, dir).split(path.sep).join("/");
      return rel.startsWith("../") ? rel : `./${rel}`;
    };
    fs.writeFileSync(path.join(root, "main.tf.json"), JSON.stringify({ module: Object.fromEntries(stacks.map((s) => [s.name, { source: source(s.dir) }])) }));
    const init = await run(tf.terraform, ["init", "-backend=false", "-input=false", "-no-color"], root, tf.env);
    if (init.code !== 0) return stacks.map((s) => ({ stack: s.name, ok: false, output: `terraform init failed:\n${init.output}` }));
    const val = await run(tf.terraform, ["validate", "-no-color", "-json"], root, tf.env);
    let parsed: { valid: boolean; diagnostics: Array<{ severity: string; summary: string; detail?: string; address?: string; range?: { filename?: string } }> };
    try {
      parsed = JSON.parse(val.output);
    } catch {
      return stacks.map((s) => ({ stack: s.name, ok: false, output: val.output }));
    }
    const diags = parsed.diagnostics.filter((d) => d.summary !== "Backend configuration ignored");
    const file = (d: (typeof diags)[number]) => (d.range?.filename ? path.resolve(root, d.range.filename) : null);
    const owner = (d: (typeof diags)[number]) =>
      stacks.find((s) => d.address?.startsWith(`module.${s.name}.`) || d.address === `module.${s.name}` || (file(d) ?? "").startsWith(`${s.dir}${path.sep}`))?.name ?? null;
    const where = (d: (typeof diags)[number]) => {
      const f = file(d);
      const st = stacks.find((s) => f?.startsWith(`${s.dir}${path.sep}`));
      return d.address ?? (f ? (st ? `${path.basename(st.dir)}/${path.relative(st.dir, f)}` : f) : null);
    };
    const text = (d: (typeof diags)[number]) => `${d.severity}: ${d.summary}${where(d) ? ` (${where(d)})` : ""}${d.detail ? `: ${d.detail}` : ""}`;
    const orphans = diags.filter((d) => owner(d) === null).map(text);
    return stacks.map(({ name }) => {
      const all = [...diags.filter((d) => owner(d) === name).map(text), ...orphans];
      // Invalid (or a failed command) with no diagnostic to show for it: nothing can be called valid.
      const unexplained = (!parsed.valid || val.code !== 0) && diags.length === 0;
      return { stack: name, ok: all.length === 0 && !unexplained, output: unexplained ? `terraform validate failed (exit ${val.code}) with no diagnostic` : all.join("\n") };
    });
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

