import * as fs from "node:fs";
import * as path from "node:path";
import { Construct } from "constructs";
import { TerraformStack } from "cdktf";
// cdktf's own hook for writing files next to a stack's cdk.tf.json (what
// TerraformAsset uses); not re-exported from the package root.
import { addCustomSynthesis } from "cdktf/lib/synthesize/synthesizer";

export interface StackFileAssetProps {
  /** The file to ship, as it is on the synth machine (absolute path). */
  readonly sourcePath: string;
  /** SHA-256 of its bytes, already checked by the caller (names the asset's folder; the file is not hashed again). */
  readonly sha256: string;
}

/** Folder of a stack's assets, next to its cdk.tf.json (cdktf's TerraformAsset uses the same). */
export const ASSETS_DIR = "assets";

/**
 * A file shipped INSIDE the stack's output folder, referenced by a path
 * relative to it, so `cdktf.out/` is self-contained: Terraform runs in the
 * stack folder (cdktf-cli: manifest.json `workingDirectory`), so a pipeline
 * that synthesizes in one job and applies in another, or an apply from a
 * copy of cdktf.out, finds the file. An absolute path of the synth machine
 * does not (the provider opens `source` only on apply: "opening S3 object
 * source (<path>): no such file or directory", internal/service/s3/object.go
 * resourceObjectUpload).
 *
 * The same layout as cdktf's TerraformAsset (`assets/<logical id>/<sha256>/<file>`,
 * the previous hash's folder removed at each synth), but the file is HARD-LINKED
 * into the stack folder, with a copy where a link is impossible (another
 * filesystem: EXDEV; a filesystem without links: EPERM/ENOTSUP/EMLINK).
 * Why: TerraformAsset copies the file at every synth, and the wheel archive
 * is ~23 MB in two stacks: ~0.2 s per synth, and the tests synthesize many
 * times. A link is safe here: `npm run wheels` replaces the archive by a
 * rename (a new file), never in place, so a linked asset keeps the bytes it
 * was synthesized with; `cp -r cdktf.out` copies the bytes; and the plan
 * checks the asset's SHA-256 anyway (AppArtifact's precondition).
 */
export class StackFileAsset extends Construct {
  /** Path relative to the stack's folder, posix separators: what the Terraform JSON names. */
  readonly path: string;
  private readonly stack: TerraformStack;

  constructor(scope: Construct, id: string, private readonly props: StackFileAssetProps) {
    super(scope, id);
    if (!path.isAbsolute(props.sourcePath)) throw new Error(`StackFileAsset ${this.node.path}: sourcePath must be absolute (got ${props.sourcePath})`);
    if (!/^[0-9a-f]{64}$/.test(props.sha256)) throw new Error(`StackFileAsset ${this.node.path}: sha256 must be 64 hex digits (got ${props.sha256})`);
    this.stack = TerraformStack.of(this);
    this.path = path.posix.join(this.namedFolder, props.sha256, path.basename(props.sourcePath));
    addCustomSynthesis(this, { onSynthesize: (session) => this.write(path.join(session.manifest.outdir, session.manifest.forStack(this.stack).workingDirectory)) });
  }

  private get namedFolder(): string {
    return path.posix.join(ASSETS_DIR, this.stack.getLogicalId(this.node));
  }

  private write(stackDir: string): void {
    const target = path.join(stackDir, this.path);
    // An earlier synth's asset (another hash, or a stale copy of this one).
    fs.rmSync(path.join(stackDir, this.namedFolder), { recursive: true, force: true });
    fs.mkdirSync(path.dirname(target), { recursive: true });
    linkOrCopy(this.props.sourcePath, target);
  }
}

const CANNOT_LINK = new Set(["EXDEV", "EPERM", "ENOTSUP", "EOPNOTSUPP", "EMLINK"]);

/** Hard-links `source` to `target`, or copies it where a link is impossible. */
export function linkOrCopy(source: string, target: string): "linked" | "copied" {
  try {
    fs.linkSync(source, target);
    return "linked";
  } catch (e) {
    if (!CANNOT_LINK.has((e as NodeJS.ErrnoException).code ?? "")) throw e;
    fs.copyFileSync(source, target);
    return "copied";
  }
}
