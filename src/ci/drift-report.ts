/**
 * The nightly workflow's report: one GitHub issue per stack that drifted
 * (`terraform plan -detailed-exitcode` exit 2) or could not be planned
 * (exit 1), and one for `dr status` when config and AWS disagree. Drift that
 * a runbook run explains (a promotion or a forced switch that the config
 * does not record yet: `dr status` sees a database role or the switch
 * differ from `database.drState`/`dns.forceFailover`) is reported as that,
 * with the step that records it, not as unexplained drift.
 *
 * Pure: scripts/ci/report-drift.ts reads the files and talks to GitHub.
 */

/** One stack's nightly plan, as scripts/ci/drift-stack.sh records it (drift.json). */
export interface DriftResult {
  readonly stack: string;
  /** terraform plan -detailed-exitcode: 0 no changes, 2 changes, 1 error. */
  readonly exitCode: number;
  /** The plan's summary line, or the error's first line. */
  readonly summary: string;
  /** The end of the plan's output (what changed, or the error). */
  readonly detail: string;
}

/** The parts of `dr status --json` (src/dr/status.ts DrStatus) the report reads. */
export interface StatusLike {
  readonly drState: string;
  readonly forceFailover: boolean;
  readonly failoverSwitch: { readonly forced: boolean | null } | null;
  readonly regions: readonly {
    readonly role: string;
    readonly region: string;
    readonly expectedDbRole: string;
    readonly database: { readonly identifier: string; readonly dbRole: string };
  }[];
  readonly mismatches: readonly string[];
  readonly warnings: readonly string[];
  readonly readErrors: readonly { readonly what: string; readonly reason: string }[];
  readonly verdict: "agree" | "mismatch" | "incomplete";
}

export type IssueState = "clean" | "drift" | "expected-drift" | "error";

export interface IssueReport {
  /** Stable key of the issue (the stack, or "dr-status"). */
  readonly key: string;
  readonly state: IssueState;
  /** The issue's title; the reporter finds an open issue by it. */
  readonly title: string;
  readonly body: string;
}

/** Label every issue of the report carries (the reporter searches by it). */
export const DRIFT_LABEL = "drweb-drift";

/** Stacks whose state a runbook run changes before the config records it. */
const RUNBOOK_STACKS = new Set(["primary", "secondary", "dns"]);

/**
 * What a runbook run changed that the config does not record yet, one
 * sentence each (empty: nothing): a database whose role is not the one
 * drState expects, or the failover switch not where dns.forceFailover puts it.
 */
export function unrecordedRunbookChanges(status: StatusLike): string[] {
  const out: string[] = [];
  for (const r of status.regions) {
    const role = r.database.dbRole;
    if (r.expectedDbRole === "any" || !(role === "writer" || role === "replica")) continue;
    if (role !== r.expectedDbRole) {
      out.push(`${r.database.identifier} (${r.region}) is a ${role}; database.drState "${status.drState}" expects a ${r.expectedDbRole}`);
    }
  }
  const forced = status.failoverSwitch?.forced;
  if (forced !== null && forced !== undefined && forced !== status.forceFailover) {
    out.push(`the failover switch is ${forced ? "forced" : "released"}; dns.forceFailover is ${status.forceFailover}`);
  }
  return out;
}

const fence = (s: string) => `\n\n\`\`\`\n${s.slice(-6000)}\n\`\`\`\n`;

/**
 * The issues to open, update or close. `status` is null when `dr status`
 * could not run (its error is `statusError`).
 */
export function driftIssues(results: readonly DriftResult[], status: StatusLike | null, statusError: string, runUrl: string): IssueReport[] {
  const unrecorded = status ? unrecordedRunbookChanges(status) : [];
  const out: IssueReport[] = [];
  for (const r of [...results].sort((a, b) => a.stack.localeCompare(b.stack))) {
    const title = `Drift: ${r.stack}`;
    if (r.exitCode === 0) {
      out.push({ key: r.stack, state: "clean", title, body: `No drift in the nightly plan of ${r.stack} (${runUrl}).` });
    } else if (r.exitCode === 2 && unrecorded.length && RUNBOOK_STACKS.has(r.stack)) {
      out.push({
        key: r.stack,
        state: "expected-drift",
        title,
        body:
          `**Expected drift after a runbook run**: the DR state in AWS is not the one the config records yet (\`dr status\`):\n\n` +
          unrecorded.map((u) => `- ${u}`).join("\n") +
          `\n\nRecord it as the runbook's last step printed (docs/failover-runbook.md "Database failover and failback runbook": set \`database.drState\`/\`dns.forceFailover\`, then the deploy it names); this issue closes when the nightly plan is clean.\n\n` +
          `Plan of ${r.stack}: ${r.summary} (${runUrl})` +
          fence(r.detail),
      });
    } else if (r.exitCode === 2) {
      out.push({
        key: r.stack,
        state: "drift",
        title,
        body:
          `**Drift**: the nightly \`terraform plan -detailed-exitcode\` of ${r.stack} wants to change what AWS has, and no unrecorded runbook run explains it${status ? "" : " (`dr status` could not be read)"}.\n\n` +
          `Find who changed it (CloudTrail), then either revert it in AWS or change the code to match; never apply over it blindly.\n\nPlan: ${r.summary} (${runUrl})` +
          fence(r.detail),
      });
    } else {
      out.push({ key: r.stack, state: "error", title, body: `**The nightly plan of ${r.stack} failed** (exit ${r.exitCode}): ${r.summary} (${runUrl})` + fence(r.detail) });
    }
  }
  const title = "DR status: config and AWS disagree";
  if (!status) {
    out.push({ key: "dr-status", state: "error", title, body: `\`dr status --json\` could not run: ${statusError} (${runUrl})` });
  } else if (status.verdict === "agree") {
    out.push({ key: "dr-status", state: "clean", title, body: `\`dr status\` agrees with the config (database.drState "${status.drState}") (${runUrl}).` });
  } else {
    const lines = [
      `\`dr status\` verdict: **${status.verdict}** (config database.drState "${status.drState}", dns.forceFailover ${status.forceFailover}) (${runUrl})`,
      ...(unrecorded.length ? ["", "A runbook run the config does not record yet:", ...unrecorded.map((u) => `- ${u}`)] : []),
      ...(status.mismatches.length ? ["", "Mismatches:", ...status.mismatches.map((m) => `- ${m}`)] : []),
      ...(status.readErrors.length ? ["", "Could not be read:", ...status.readErrors.map((e) => `- ${e.what}: ${e.reason}`)] : []),
      ...(status.warnings.length ? ["", "Warnings:", ...status.warnings.map((w) => `- ${w}`)] : []),
    ];
    out.push({ key: "dr-status", state: status.verdict === "incomplete" ? "error" : unrecorded.length ? "expected-drift" : "drift", title, body: lines.join("\n") });
  }
  return out;
}
