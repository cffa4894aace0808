#!/usr/bin/env bash
# PodDisruptionBudgets against preemption (issue #16, design E9), on the real control plane with
# kube-controller-manager's disruption controller keeping the budget's disruptionsAllowed: one
# 4-cpu node holds 4 low-priority pods; the 2 youngest (the victims the engine prefers) are
# covered by a PodDisruptionBudget with minAvailable 2 (disruptionsAllowed 0). A 2-cpu
# high-priority pod's plans that name a covered pod are refused by the API server (429), which
# cancels them; the engine plans again without the refused pods and evicts the 2 uncovered ones,
# and the preemptor is bound. A second high-priority pod can only be served by covered pods: it
# stays pending, and the covered pods are never evicted.
set -euo pipefail
# shellcheck source=tests/integration/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../cluster/lib.sh"
km_test_begin preempt-pdb
# shellcheck source=tests/integration/operator/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
op_install_crds
op_nodes 1 4 16Gi
op_group_with_framework

op_priority_classes

# pod NAME CPU CLASS [APP]: a pod of Framework "work" on this test's node.
pod() {
  km_pod "${TEST_NS}" work "$1" "$2" 1Gi | sed \
    -e "s|^  labels: {kubemesos.io/framework: work}|  labels: {kubemesos.io/framework: work, app: ${4:-free}}|" \
    -e "s|^spec:|spec:\n  priorityClassName: ${TEST_NS}-$3\n  nodeSelector: {kubemesos.io/test: ${TEST_NS}}|"
}
pods_json() { kc get pods -n "${TEST_NS}" -o json; }
running_is() {
  [[ $(pods_json | jq "[.items[] | select(.metadata.labels.app == \"$1\" and .spec.nodeName != null and
    .metadata.deletionTimestamp == null and .status.phase == \"Running\")] | length") == "$2" ]]
}
guarded_touched=0
# Fails (and remembers) when a covered pod is being deleted or gone.
guarded_intact() {
  local n
  n="$(pods_json | jq '[.items[] | select(.metadata.labels.app == "guarded" and
    .metadata.deletionTimestamp == null)] | length')"
  [[ "${n}" == 2 ]] || guarded_touched=1
  [[ "${n}" == 2 ]]
}
bound() { [[ -n "$(kc get pod "$1" -n "${TEST_NS}" -o jsonpath='{.spec.nodeName}')" ]]; }
bound_and_guarded_intact() { guarded_intact; bound "$1"; }

op_start_kubemesos
pod free-0 1 low | kc_quiet apply -f -
pod free-1 1 low | kc_quiet apply -f -
check "2 uncovered low-priority pods run" km::wait_for "free running" 60 running_is free 2
# The covered pods start in a later second, so they are the younger ones: the engine's first
# choice of victims.
start="$(date +%s)"
later_second() { [[ "$(date +%s)" -gt "${start}" ]]; }
km::wait_for "the next second" 5 later_second
{ pod guarded-0 1 low guarded; pod guarded-1 1 low guarded; } | kc_quiet apply -f -
check "2 covered low-priority pods run" km::wait_for "guarded running" 60 running_is guarded 2
cat <<YAML | kc_quiet apply -f -
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: guarded, namespace: ${TEST_NS}}
spec:
  minAvailable: 2
  selector: {matchLabels: {app: guarded}}
YAML
budget_ready() {
  [[ "$(kc get pdb guarded -n "${TEST_NS}" -o jsonpath='{.status.currentHealthy}/{.status.disruptionsAllowed}')" == 2/0 ]]
}
check "the disruption controller allows no disruption of the covered pods" \
  km::wait_for "PDB status" 60 budget_ready

pod high-0 2 high preemptor | kc_quiet apply -f -
check "the preemptor is bound, the covered pods untouched" \
  km::wait_for "high-0 bound" 120 bound_and_guarded_intact high-0
free_left() { pods_json | jq '[.items[] | select(.metadata.labels.app == "free")] | length'; }
left="$(free_left)"
check "the uncovered pods were the victims (${left} left)" test "${left}" == 0
refused="$(op_metric 'kubemesos_evictions_total{mode="EvictionAPI",result="pdb_429"}')"
check "the budget refused evictions first (pdb_429 = ${refused:-absent} >= 1)" \
  awk -v v="${refused:-0}" 'BEGIN { exit !(v >= 1) }'

# Only covered pods could make room now: the preemptor waits and they stay.
pod high-1 1 high preemptor | kc_quiet apply -f -
more_refusals() {
  guarded_intact || return 1
  local now
  now="$(op_metric 'kubemesos_evictions_total{mode="EvictionAPI",result="pdb_429"}')"
  awk -v a="${now:-0}" -v b="${refused:-0}" 'BEGIN { exit !(a >= b + 2) }'
}
check "the second preemptor's plans are refused again and again" \
  km::wait_for "more 429s" 90 more_refusals
not_bound() { ! bound "$1"; }
check "the second preemptor still waits" not_bound high-1
check "the covered pods were never evicted" test "${guarded_touched}" == 0
check "kubemesos reported the refusals" grep -q '"preemption plan cancelled"' "${WORK}/kubemesos.log"
op_check_cluster
op_check_stopped_cleanly
