# Helpers for kubemesos' shell integration tests against the shared local
# cluster (hack/cluster.sh): locating the cluster, a namespace per test that is
# deleted when the test ends, polling with deadlines, assertions.
# A test sources this file and calls km_test_begin first.
# shellcheck shell=bash

KM_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
# shellcheck source=hack/lib/common.sh
source "${KM_REPO_ROOT}/hack/lib/common.sh"

# The cluster: KUBEMESOS_TEST_KUBECONFIG (set by CTest), else the cluster named
# KUBEMESOS_TEST_CLUSTER (default "kubemesos") started by hack/cluster.sh up.
km_test_locate_cluster() {
  local name="${KUBEMESOS_TEST_CLUSTER:-kubemesos}"
  local cache="${KUBEMESOS_CACHE:-${HOME}/.cache/kubemesos}"
  KM_ENV_FILE="${KUBEMESOS_TEST_ENV_FILE:-${cache}/clusters/${name}/cluster.env}"
  [[ -f "${KM_ENV_FILE}" ]] || km::die "no cluster env file ${KM_ENV_FILE}: run hack/cluster.sh up --name ${name}"
  # shellcheck disable=SC1090
  source "${KM_ENV_FILE}"
  export KUBEMESOS_TEST_KUBECONFIG="${KUBEMESOS_TEST_KUBECONFIG:-${KUBEMESOS_KUBECONFIG}}"
  export KUBECONFIG="${KUBEMESOS_TEST_KUBECONFIG}"
  KUBECTL="${KUBEMESOS_BIN_DIR}/kubectl"
  [[ -x "${KUBECTL}" ]] || km::die "kubectl not found in ${KUBEMESOS_BIN_DIR}"
}

kc() { "${KUBECTL}" "$@"; }
# kc_quiet ARGS...: kubectl with its output shown only when it fails.
kc_quiet() { quiet "${KUBECTL}" "$@"; }
# quiet COMMAND...: runs COMMAND, shows its output only if it fails.
quiet() { local out; if out="$("$@" 2>&1)"; then return 0; else echo "${out}" | tail -n 20; return 1; fi; }

KM_FAILURES=0
KM_CLEANUPS=()

km_test_cleanup() {
  local i
  for ((i = ${#KM_CLEANUPS[@]} - 1; i >= 0; i--)); do
    eval "${KM_CLEANUPS[i]}" >/dev/null 2>&1 || true
  done
}

# km_test_begin NAME: locate the cluster, create this test's namespace
# (exported as TEST_NS, deleted at exit) and register the cleanup.
km_test_begin() {
  KM_TEST_NAME="$1"
  km_test_locate_cluster
  TEST_NS="$(km_test_namespace "${KM_TEST_NAME}")"
  km_test_own_namespace "${TEST_NS}"
  export TEST_NS
  trap 'km_test_end_trap' EXIT
}

# km_test_namespace PREFIX: creates a fresh namespace and prints its name.
# Callers run it as $(...), a subshell, so the deletion is registered by km_test_own_namespace
# in the caller's shell.
km_test_namespace() {
  local ns
  ns="$(printf '%s' "$1" | tr -c 'a-z0-9-' '-' | cut -c1-40)-$(printf '%04x%04x' "${RANDOM}" "${RANDOM}")"
  kc create namespace "${ns}" -o name >/dev/null
  echo "${ns}"
}

# km_test_own_namespace NS: deletes NS when the test ends.
km_test_own_namespace() {
  KM_CLEANUPS+=("'${KUBECTL}' delete namespace '$1' --wait=false")
}

km_test_end_trap() {
  local rc=$?
  km_test_cleanup
  if ((rc == 0 && KM_FAILURES == 0)); then
    echo "PASS ${KM_TEST_NAME}"
  else
    echo "FAIL ${KM_TEST_NAME} (exit ${rc}, ${KM_FAILURES} failed checks)"
    ((rc != 0)) || exit 1
  fi
}

# check DESCRIPTION COMMAND...: one assertion; counts failures, keeps going.
check() {
  local what="$1"; shift
  if "$@"; then
    echo "ok   - ${what}"
  else
    echo "FAIL - ${what}"
    KM_FAILURES=$((KM_FAILURES + 1))
  fi
}

# wait_for_jsonpath TIMEOUT EXPECTED KUBECTL_GET_ARGS... : polls
# `kubectl get ARGS -o jsonpath=...` (last arg is the jsonpath) until it prints EXPECTED.
wait_for_jsonpath() {
  local timeout="$1" expected="$2"; shift 2
  local path="${*: -1}"
  km::wait_for "${*:1:$#-1} ${path} = ${expected}" "${timeout}" \
    jsonpath_is "${expected}" "${path}" "${@:1:$#-1}"
}

# jsonpath_is EXPECTED JSONPATH KUBECTL_GET_ARGS...: one check of the above.
jsonpath_is() {
  local expected="$1" path="$2" got; shift 2
  got="$(kc get "$@" -o "jsonpath=${path}" 2>&1)" || true
  [[ "${got}" == "${expected}" ]] || { echo "got '${got}', want '${expected}'"; return 1; }
}

# pod_manifest NAME [ANNOTATIONS_YAML] [SPEC_EXTRA_YAML]: a minimal pod.
pod_manifest() {
  cat <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: $1
  namespace: ${TEST_NS}
  annotations: {${2:-}}
spec:
  ${3:-}
  restartPolicy: Never
  containers:
  - name: main
    image: fake.example/kubemesos-task:1
    resources:
      requests: {cpu: 100m, memory: 64Mi}
EOF
}
