#!/usr/bin/env bash
# Scheduling gates (issue #14, item 4), against the real API server with kube-scheduler as the
# reference: a pod with spec.schedulingGates is never placed and holds nothing (a pod created
# after it takes the only slot) and is not pending demand: it keeps the PodScheduled=False
# SchedulingGated condition the API server gives every gated pod at creation (kubemesos writes
# nothing over it, as kube-scheduler), and is bound in the first cycles after its last gate is
# removed. The old binary bound it (the API server refused) and held the core for it.
set -euo pipefail
# shellcheck source=tests/integration/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../cluster/lib.sh"
km_test_begin gates
# shellcheck source=tests/integration/operator/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
op_install_crds
op_nodes 1 1 4Gi # one node, one core: one 1-core pod at a time
op_group_with_framework

# The reference: kube-scheduler's condition on a gated pod of its own.
op_start_kube_scheduler
gated_pod() { # NAME SCHEDULER: a 1-core pod of framework "work" on the test's node, held by a gate
  km_pod "${TEST_NS}" work "$1" 1 1Gi |
    sed "s|schedulerName: kubemesos|schedulerName: $2\n  nodeSelector: {kubemesos.io/test: ${TEST_NS}}\n  schedulingGates: [{name: example.com/hold}]|"
}
# scheduled_condition POD: "status/reason/message" of its PodScheduled condition.
scheduled_condition() {
  kc get pod "$1" -n "${TEST_NS}" -o jsonpath='{range .status.conditions[?(@.type=="PodScheduled")]}{.status}/{.reason}/{.message}{end}'
}
has_condition() { [[ -n $(scheduled_condition "$1") ]]; }
gated_pod reference default-scheduler | kc_quiet apply -f -
check "kube-scheduler's gated pod has its condition" km::wait_for "reference condition" 60 has_condition reference
want=$(scheduled_condition reference)
echo "     kube-scheduler: ${want}"
kc_quiet delete pod reference -n "${TEST_NS}" --wait=false

op_start_kubemesos
gated_pod held kubemesos | kc_quiet apply -f -
check "the gated pod says what kube-scheduler's says (${want})" \
  km::wait_for "gated condition" 30 jsonpath_is "${want}" \
  '{range .status.conditions[?(@.type=="PodScheduled")]}{.status}/{.reason}/{.message}{end}' pod held -n "${TEST_NS}"
# A pod created after it gets the node's only core: the gated pod holds nothing.
km_pod "${TEST_NS}" work open 1 1Gi |
  sed "s|schedulerName: kubemesos|schedulerName: kubemesos\n  nodeSelector: {kubemesos.io/test: ${TEST_NS}}|" | kc_quiet apply -f -
check "a pod created later is bound to the only node" \
  wait_for_jsonpath 60 "${TEST_NS}-n0" pod open -n "${TEST_NS}" '{.spec.nodeName}'
check "the gated pod is still not bound" test -z "$(kc get pod held -n "${TEST_NS}" -o jsonpath='{.spec.nodeName}')"
check "no Event on the gated pod" \
  test -z "$(kc get events -n "${TEST_NS}" --field-selector involvedObject.name=held -o name)"
# Free the core, then remove the last gate: bound.
kc_quiet delete pod open -n "${TEST_NS}" --grace-period=0 --force
kc_quiet patch pod held -n "${TEST_NS}" --type=json -p '[{"op":"remove","path":"/spec/schedulingGates"}]'
check "once its last gate is removed the pod is bound" \
  wait_for_jsonpath 60 "${TEST_NS}-n0" pod held -n "${TEST_NS}" '{.spec.nodeName}'

op_check_stopped_cleanly
