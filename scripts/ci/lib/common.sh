# Shared by the pipeline's step scripts (scripts/ci/*.sh; docs/ci-identity.md "Delivery pipeline").
# Terraform runs non-interactively, as plain `terraform -chdir=<out>/stacks/<stack>`:
# the synthesized folder is a complete root module (backend, providers, assets inside it),
# so no cdktf CLI is needed to plan or apply it.
set -euo pipefail
export TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
CI_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
# The synthesized output (npm run synth) and where a step keeps what it hands on (artifacts).
export CI_OUT="${DRWEB_CI_OUT:-$CI_ROOT/cdktf.out}"
export CI_ARTIFACTS="${DRWEB_CI_ARTIFACTS:-$CI_ROOT/ci-artifacts}"

ci_fail() {
  echo "$(basename "$0"): $*" >&2
  exit 2
}

# ci_stack_dir <stack>: the stack's folder, refused with the fix when it was not synthesized.
ci_stack_dir() {
  local stack=$1
  [[ $stack =~ ^[a-z0-9][a-z0-9-]*$ ]] || ci_fail "stack name '$stack' is not a stack name (lowercase letters, digits, dashes). Fix: use a name from cdktf.out/manifest.json"
  local dir="$CI_OUT/stacks/$stack"
  if [[ ! -f $dir/cdk.tf.json ]]; then
    local known=("$CI_OUT"/stacks/*/)
    known=("${known[@]%/}")
    ci_fail "$dir/cdk.tf.json not found. Fix: run \`npm run synth\` first (stacks: ${known[*]##*/})"
  fi
  # In the workflows (DRWEB_CI_REQUIRE_REMOTE_STATE=1): a local backend would plan against an empty
  # state on a fresh runner and apply everything again; only the S3 backend is accepted there.
  if [[ ${DRWEB_CI_REQUIRE_REMOTE_STATE:-} == 1 ]] && ! node -e 'process.exit(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).terraform?.backend?.s3 ? 0 : 1)' "$dir/cdk.tf.json"; then
    ci_fail "$stack keeps its state in a local file (config backend.type \"local\"): a pipeline run would start from an empty state. Fix: set backend.type \"s3\" with the state buckets in the config (docs/deploy-and-state.md \"State\")"
  fi
  printf '%s\n' "$dir"
}

# ci_tsx <script> <args...>: one of this folder's TypeScript steps.
ci_tsx() {
  local script=$1
  shift
  (cd "$CI_ROOT" && npx --no-install tsx "scripts/ci/$script" "$@")
}

# ci_with_cluster_tunnel <stack> <command...>: the monitoring stacks reach their cluster's
# private API through the region's deploy runner (monitoring/README.md, "Reaching the cluster
# API"): open the tunnel (AWS CLI + Session Manager plugin), wait for its local port, run the
# command with TF_VAR_eks_api_tunnel=true, close the tunnel. Other stacks: the command alone.
ci_with_cluster_tunnel() {
  local stack=$1
  shift
  case $stack in
    *-monitoring) ;;
    *)
      "$@"
      return
      ;;
  esac
  local role=${stack%-monitoring} log
  log=$(mktemp)
  (cd "$CI_ROOT" && exec npx --no-install tsx scripts/eks-api-tunnel.ts "$role") >"$log" 2>&1 &
  local pid=$! port=""
  # The tunnel prints "Tunnel: https://127.0.0.1:<port> -> ..." before it starts the session;
  # the port is bound when a TCP connection to it succeeds.
  for _ in $(seq 1 120); do
    port=$(sed -n 's|^Tunnel: https://127.0.0.1:\([0-9]*\) .*|\1|p' "$log")
    port=${port%%$'\n'*}
    if [[ -n $port ]] && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; ci_fail "the EKS API tunnel for $role exited before its port opened"; }
    sleep 1
  done
  if [[ -z $port ]] || ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    cat "$log" >&2
    ci_fail "the EKS API tunnel for $role did not open its port in 120 s"
  fi
  local rc=0
  TF_VAR_eks_api_tunnel=true "$@" || rc=$?
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  return $rc
}
