#!/usr/bin/env bash
# Task results in the registry survive a leader change: a Framework's tasks run to completion
# on KWOK (kubemesos.io/complete-after, kubemesos.io/exit-code); the leader records each result
# (state, exit code, reason, start and finish time) in the registry (a dedicated etcd); the
# leader is SIGKILLed; the new leader reads the registry back: the results are all there, the
# frameworkID is unchanged, and the results of tasks finishing under the new leader join them.
set -euo pipefail
# shellcheck source=tests/integration/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../cluster/lib.sh"
km_test_begin failover-results
# shellcheck source=tests/integration/operator/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/integration/operator/failover_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/failover_lib.sh"

LEASE=6
op_install_crds
op_nodes 3 8 32Gi
G="${TEST_NS}-g"
framework() {  # framework NAME OK_INSTANCES FAILING_INSTANCES EXIT_CODE
  cat <<YAML | kc_quiet apply -f -
apiVersion: kubemesos.io/v1alpha1
kind: Framework
metadata: {name: $1, namespace: ${TEST_NS}}
spec:
  resourceGroup: ${G}
  failoverTimeoutSeconds: 120
  tasks:
  - name: ok
    instances: $2
    template:
      metadata: {annotations: {kubemesos.io/complete-after: "1s"}}
      spec: {containers: [{name: c, image: busybox, resources: {requests: {cpu: 500m, memory: 512Mi}}}]}
  - name: bad
    instances: $3
    restartPolicy: Never
    template:
      metadata: {annotations: {kubemesos.io/complete-after: "1s", kubemesos.io/exit-code: "$4"}}
      spec: {containers: [{name: c, image: busybox, resources: {requests: {cpu: 500m, memory: 512Mi}}}]}
YAML
}
cat <<YAML | kc_quiet apply -f -
apiVersion: kubemesos.io/v1alpha1
kind: ResourceGroup
metadata: {name: ${G}}
spec: {nodeSelector: {kubemesos.io/test: ${TEST_NS}}}
YAML
KM_CLEANUPS+=("'${KUBECTL}' delete rg ${G} --wait=false")

fo_start_etcd
for r in a b; do fo_start_replica "$r" --etcd-endpoints "${FO_ETCD_URL}" --lease-seconds "${LEASE}"; done
check "one of two replicas leads" km::wait_for "one leader" 30 fo_one_leader
leader="$(fo_leaders)"
framework batch 4 2 7

# results NAME: the framework's task results in the registry, as {pod: record}.
results() {
  "${KUBEMESOS}" registry dump "tasks/${TEST_NS}/$1/" --etcd-endpoints "${FO_ETCD_URL}" |
    jq --arg p "tasks/${TEST_NS}/$1/" 'with_entries(.key |= ltrimstr($p))'
}
results_are() {  # results_are NAME OK FAILING EXIT_CODE
  results "$1" >"${WORK}/results.json" &&
    jq -e --argjson ok "$2" --argjson bad "$3" --argjson code "$4" '
      ([.[] | select(.state == "Succeeded" and .exitCode == 0)] | length) == $ok and
      ([.[] | select(.state == "Failed" and .exitCode == $code)] | length) == $bad and
      all(.[]; .finishTime >= .startTime and (.startTime | startswith("20")))' \
      "${WORK}/results.json" >/dev/null
}
check "the leader recorded 6 results: 4 Succeeded (exit 0), 2 Failed (exit 7), with times" \
  km::wait_for "6 results" 90 results_are batch 4 2 7
check "each result is keyed by its pod" bash -c \
  "jq -e 'has(\"batch-ok-0\") and has(\"batch-bad-1\")' '${WORK}/results.json' >/dev/null"
id_of() { "${KUBEMESOS}" registry get "frameworks/${TEST_NS}/$1" --etcd-endpoints "${FO_ETCD_URL}" | jq -r .frameworkID; }
id_before="$(id_of batch)"
status_id() { [[ "$(kc get fw batch -n "${TEST_NS}" -o jsonpath='{.status.frameworkID}')" == "${id_before}" ]]; }
check "status.frameworkID is the registry's" km::wait_for "frameworkID in status" 30 status_id

kill -KILL "${FO_PID[$leader]}"
standby=a
[[ "${leader}" == a ]] && standby=b
standby_leads() { [[ "$(fo_leaders)" == "${standby}" ]]; }
check "the standby takes over" km::wait_for "takeover" $((LEASE + 5)) standby_leads
check "the new leader read the registry back" km::wait_for "registry read" 10 \
  grep -q '"msg":"registry read after winning leadership"' "${FO_LOG[$standby]}"
check "after the leader change the 6 results are still there" results_are batch 4 2 7
check "the frameworkID is unchanged" test "$(id_of batch)" == "${id_before}"

framework later 2 3 5
check "results of tasks finishing under the new leader join them (2 ok, 3 exit 5)" \
  km::wait_for "later results" 90 results_are later 2 3 5
check "and the first framework's results are untouched" results_are batch 4 2 7
check "the new leader keeps the same frameworkID in the status" km::wait_for "status id" 30 status_id
check "the new leader logged no errors" bash -c "! grep -q '\"level\":\"error\"' '${FO_LOG[$standby]}'"
