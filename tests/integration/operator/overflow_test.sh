#!/usr/bin/env bash
# Issue #12, finding 4: requests and capacities that do not fit kubemesos' per-object maximum
# (2^62 milli-units) against the real kube-apiserver, which accepts them:
# - a pod with two containers of cpu "5000000000000000" (summed in int64 it wrapped negative
#   and was bound to a full 4-core node) is not bound; its PodScheduled=False condition (reason
#   InvalidSpec) and a Warning Event InvalidSpec say why; no node is over-committed; a normal pod created afterwards is still bound;
# - a node reporting cpu "5000000000000000" gets an InvalidSpec Event and no pod;
# - a pod of another scheduler put on a node with spec.nodeName and such a request fills that
#   node for kubemesos (it holds whatever it holds there), rather than being ignored.
set -euo pipefail
# shellcheck source=tests/integration/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../cluster/lib.sh"
km_test_begin overflow
# shellcheck source=tests/integration/operator/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
op_install_crds

# Three 4-core nodes of the test's own (0, 1, 3), and one that claims 5e15 cores (2; same label,
# so deleted at the end with the others).
prefix="${TEST_NS}-n"
op_nodes 2 4 16Gi
{
  km::objects::nodes 2 3 5000000000000000 16Gi 110 3 "${prefix}"
  km::objects::nodes 3 4 4 16Gi 110 3 "${prefix}"
} | sed "s|    type: kwok|    type: kwok\n    kubemesos.io/test: ${TEST_NS}|" | kc_quiet apply -f -
op_group_with_framework

selected_pod() { # NAME CPU: a pod of framework "work" restricted to the test's nodes
  km_pod "${TEST_NS}" work "$1" "$2" 1Gi | sed "s|^spec:|spec:\n  nodeSelector: {kubemesos.io/test: ${TEST_NS}}|"
}
node_of() { kc get pod "$1" -n "${TEST_NS}" -o jsonpath='{.spec.nodeName}'; }

op_start_kubemesos

# A 4-core pod fills node 0 (binpack, ties by name; the 5e15-core node is refused).
selected_pod full 4 | sed "s|nodeSelector: {|nodeSelector: {kubernetes.io/hostname: ${prefix}0, |" |
  kc_quiet apply -f -
check "the 4-core pod is bound to node 0" wait_for_jsonpath 60 "${prefix}0" pod full -n "${TEST_NS}" '{.spec.nodeName}'

# The reproducer: the API server accepts it.
check "the API server accepts a pod with two containers of cpu 5000000000000000" \
  kc_quiet apply -f - <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: overflow
  namespace: ${TEST_NS}
  labels: {kubemesos.io/framework: work}
spec:
  schedulerName: kubemesos
  nodeSelector: {kubemesos.io/test: ${TEST_NS}}
  containers:
  - {name: a, image: busybox, resources: {requests: {cpu: "5000000000000000", memory: 1Gi}}}
  - {name: b, image: busybox, resources: {requests: {cpu: "5000000000000000", memory: 1Gi}}}
YAML

# warning_event NAMESPACE OBJECT TEXT: a Warning Event InvalidSpec on OBJECT whose message
# contains TEXT.
warning_event() {
  kc get events -n "$1" --field-selector "involvedObject.name=$2,reason=InvalidSpec" -o json |
    jq -e --arg text "$3" '[.items[] | select(.type == "Warning" and (.message | contains($text)))] | length > 0' >/dev/null
}
# (The API server writes the quantity back as "5P".)
check "the pod has a Warning Event InvalidSpec: quantity too large" km::wait_for "overflow event" 30 \
  warning_event "${TEST_NS}" overflow \
  'Pod '"${TEST_NS}"'/overflow: spec.containers[0].resources.requests.cpu: quantity too large: "5P" (max 4611686018427387904m)'
# scheduled_condition POD: "status/reason/message" of its PodScheduled condition.
scheduled_condition() {
  kc get pod "$1" -n "${TEST_NS}" -o jsonpath='{range .status.conditions[?(@.type=="PodScheduled")]}{.status}/{.reason}/{.message}{end}'
}
invalid_spec_condition() { [[ $(scheduled_condition overflow) == False/InvalidSpec/*"quantity too large"* ]]; }
check "the pod is pending with PodScheduled=False, reason InvalidSpec, saying why" \
  km::wait_for "overflow condition" 30 invalid_spec_condition
check "the 5e15-core node has a Warning Event InvalidSpec: quantity too large" km::wait_for "node event" 30 \
  warning_event default "${prefix}2" 'status.allocatable.cpu: quantity too large: "5P" (max 4611686018427387904m)'

# Another scheduler's pod with the same request, put on node 1 directly (KWOK runs it): node 1
# is full for kubemesos from then on.
check "a pod with spec.nodeName and two containers of cpu 5000000000000000 is accepted" \
  kc_quiet apply -f - <<YAML
apiVersion: v1
kind: Pod
metadata: {name: foreign, namespace: ${TEST_NS}}
spec:
  nodeName: ${prefix}1
  containers:
  - {name: a, image: busybox, resources: {requests: {cpu: "5000000000000000"}}}
  - {name: b, image: busybox, resources: {requests: {cpu: "5000000000000000"}}}
YAML
check "the foreign pod runs on node 1" wait_for_jsonpath 60 Running pod foreign -n "${TEST_NS}" '{.status.phase}'

# kubemesos goes on: a normal pod created afterwards is bound (node 0 is full, node 1 holds the
# foreign pod: node 3), and a pod larger than the 4-core nodes is not put on the node it refused.
selected_pod after 1 | kc_quiet apply -f -
check "a normal pod created afterwards is bound to node 3" \
  wait_for_jsonpath 60 "${prefix}3" pod after -n "${TEST_NS}" '{.spec.nodeName}'
selected_pod large 8 | kc_quiet apply -f -
reason_is() { [[ $(kc get pod "$1" -n "${TEST_NS}" -o jsonpath='{.status.conditions[?(@.type=="PodScheduled")].reason}') == "$2" ]]; }
check "an 8-core pod is Unschedulable, not placed on the refused node" \
  km::wait_for "large explained" 30 reason_is large Unschedulable
check "the overflowing pod is not bound" test -z "$(node_of overflow)"

# No node kubemesos bound a pod to is over-committed: requests of the non-terminal pods on each
# such node, summed exactly, against its allocatable. (Node 1 is, by the foreign pod alone.)
kc get nodes -l "kubemesos.io/test=${TEST_NS}" -o json >"${WORK}/nodes.json"
kc get pods -n "${TEST_NS}" -o json >"${WORK}/pods.json"
check "no node kubemesos bound a pod to is over-committed (exact sums)" \
  python3 "${KM_REPO_ROOT}/tests/integration/operator/check_allocation.py" --overcommit-only \
  "${WORK}/nodes.json" "${WORK}/pods.json"

op_check_stopped_cleanly
