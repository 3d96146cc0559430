#!/usr/bin/env bash
# The shortened DR drill of `npm test` (docs/dr-runbook.md): the planned
# switchover only, on the 0.1 time scale, asserting that the runbook
# completes, that no acknowledged write is lost (RPO 0), that the RTO is
# within the modelled budget, that the real Prometheus with the project's
# alert rules fired the expected alerts and no unexpected one, and that
# nothing is left running. Prints "drill: N passed, M failed". Sets up the
# Python venv, HAProxy and Prometheus itself.
# Extra arguments go to the drill.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
npx tsx scripts/drill/drill.ts --scenario planned --time-scale 0.1 --warmup 2 --settle 1 --max-seconds 90 --quiet --check --out "$out" "$@"
