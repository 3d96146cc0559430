#!/usr/bin/env bash
# The shortened DR drill of `npm test` (docs/dr-runbook.md): the planned
# switchover and the frozen-primary unplanned failover (PostgreSQL SIGSTOPped
# until right after the promotion, then resumed), on the 0.1 time scale with
# a 60 s sustained-outage window (6 s scaled). Asserts, per scenario, that the
# runbook did what it must, that no acknowledged write is lost (by content)
# or only on a fenced primary, that a writer serves at the end, that no write
# fails once the new writer is ready and the client's cache points to it
# (slack: this machine's measured event-loop lag), the unplanned safety order
# (gate before promotion, sustained outage, fence or drain first), that
# the real Prometheus with the project's alert rules (and a real
# Alertmanager) fired the expected alerts and no unexpected one, and that
# nothing is left running. Prints "drill: N passed, M failed". Sets up the
# Python venv, HAProxy, Prometheus and Alertmanager itself. Extra arguments go to the drill.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
npx tsx src/drill/drill.ts --scenario planned,db-frozen --min-outage 60 --time-scale 0.1 --warmup 2 --settle 1 --max-seconds 120 --quiet --check --out "$out" "$@"
