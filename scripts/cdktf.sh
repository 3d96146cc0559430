#!/usr/bin/env bash
# `npm run cdktf -- <args>` (and `npm run synth`): the cdktf CLI of this
# project, set up for machines without registry access:
# - CHECKPOINT_DISABLE=1: no version check against checkpoint-api.hashicorp.com;
# - TF_CLI_CONFIG_FILE: the project's .tfcli/terraformrc (hashicorp/aws from
#   the offline mirror, written by `npm run tf:setup`), unless it is already
#   set to a file that exists (yours wins). Where no mirror exists, terraform
#   uses the registry as usual;
# - with the mirror config: --skip-provider-lock for the commands that run
#   terraform (cdktf otherwise runs `terraform providers lock`, which asks
#   registry.terraform.io for checksums even when the provider is installed
#   from the mirror; .terraform.lock.hcl still records the mirror's).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CHECKPOINT_DISABLE=1
if [[ -z ${TF_CLI_CONFIG_FILE:-} || ! -f ${TF_CLI_CONFIG_FILE:-} ]]; then
  if [[ ! -f $ROOT/.tfcli/terraformrc ]]; then
    "$ROOT/node_modules/.bin/tsx" "$ROOT/scripts/terraform-setup.ts" --quiet >/dev/null || true
  fi
  if [[ -f $ROOT/.tfcli/terraformrc ]]; then
    export TF_CLI_CONFIG_FILE="$ROOT/.tfcli/terraformrc"
    case "${1:-}" in
      diff | plan | deploy | apply | destroy | output | outputs) set -- "$@" --skip-provider-lock ;;
    esac
  else
    unset TF_CLI_CONFIG_FILE # a name of a missing file only makes terraform warn
  fi
fi
cd "$ROOT"
# The instances' wheel archive (npm run wheels) is built by the app itself
# when it is missing (main.ts, ensureWheelhouse), so plain `npx cdktf synth`
# works on a fresh clone too.
exec "$ROOT/node_modules/.bin/cdktf" "$@"
