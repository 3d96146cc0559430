#!/usr/bin/env bash
# The offline plan's short set for `npm test` (docs/offline-plan.md "Offline plan"): the
# real `terraform plan` of the primary stack in the default state, and its
# database rebuild in the failback (failback step 3), with
# the real hashicorp/aws provider, a fake account and no network beyond
# loopback. Prints "plan: N passed, M failed". The full matrix (every DR
# state, every runbook deploy, control plans) is `npm run plan:offline`,
# which .ci/run runs after `npm test`. Extra arguments go to the command.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
npx tsx src/offline-plan/offline-plan.ts --quick "$@"
