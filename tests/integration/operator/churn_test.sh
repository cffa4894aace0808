#!/usr/bin/env bash
# `kubemesos run` under churn and bad input, against the real kube-apiserver:
# - a default-scheduler pod on a node is counted (never over-committed);
# - a deleted pod's resources are reused; a deleted node gets no more pods;
# - bad objects (a Framework naming a missing group, a group loop, a pod larger than any node,
#   a pod of an unknown framework) are reported on the object, and everything else is scheduled.
set -euo pipefail
# shellcheck source=tests/integration/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../cluster/lib.sh"
km_test_begin churn
# shellcheck source=tests/integration/operator/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
op_install_crds

# 4 nodes of 4 cpu, labelled for this test; the test's pods select them.
prefix="${TEST_NS}-n"
op_nodes 4 4 16Gi

cat <<YAML | kc_quiet apply -f -
apiVersion: kubemesos.io/v1alpha1
kind: ResourceGroup
metadata: {name: ${TEST_NS}-g}
spec: {}
---
apiVersion: kubemesos.io/v1alpha1
kind: ResourceGroup
metadata: {name: ${TEST_NS}-loop-a}
spec: {parent: ${TEST_NS}-loop-b}
---
apiVersion: kubemesos.io/v1alpha1
kind: ResourceGroup
metadata: {name: ${TEST_NS}-loop-b}
spec: {parent: ${TEST_NS}-loop-a}
---
apiVersion: kubemesos.io/v1alpha1
kind: Framework
metadata: {name: work, namespace: ${TEST_NS}}
spec: {resourceGroup: ${TEST_NS}-g}
---
apiVersion: kubemesos.io/v1alpha1
kind: Framework
metadata: {name: orphan, namespace: ${TEST_NS}}
spec: {resourceGroup: ${TEST_NS}-missing}
---
apiVersion: kubemesos.io/v1alpha1
kind: Framework
metadata: {name: looping, namespace: ${TEST_NS}}
spec: {resourceGroup: ${TEST_NS}-loop-a}
YAML
KM_CLEANUPS+=("'${KUBECTL}' delete rg ${TEST_NS}-g ${TEST_NS}-loop-a ${TEST_NS}-loop-b --wait=false")

# A pod of the default scheduler already holds 3 cpu on node 0.
cat <<YAML | kc_quiet apply -f -
apiVersion: v1
kind: Pod
metadata: {name: foreign, namespace: ${TEST_NS}}
spec:
  nodeName: ${prefix}0
  containers: [{name: c, image: busybox, resources: {requests: {cpu: "3"}}}]
YAML

selected_pod() {  # NAME FRAMEWORK CPU: a kubemesos pod restricted to the test's nodes
  km_pod "${TEST_NS}" "$2" "$1" "$3" 1Gi | sed "s|^spec:|spec:\n  nodeSelector: {kubemesos.io/test: ${TEST_NS}}|"
}
{
  for i in $(seq 0 15); do selected_pod "w-$i" work 1; done
  selected_pod huge work 64
  selected_pod no-group orphan 1
  selected_pod in-loop looping 1
  selected_pod stranger nobody 1
} | kc_quiet apply -f -

op_start_kubemesos --status-qps 200

count_bound() { kc get pods -n "${TEST_NS}" -l kubemesos.io/framework=work -o json | jq '[.items[] | select(.spec.nodeName != null)] | length'; }
bound_is() { [[ $(count_bound) == "$1" ]]; }
check "13 of 16 work pods bound (16 cpu minus the foreign pod's 3)" km::wait_for "13 bound" 60 bound_is 13
condition() { kc get pod "$1" -n "${TEST_NS}" -o jsonpath='{.status.conditions[?(@.type=="PodScheduled")].reason}'; }
reason_is() { [[ $(condition "$1") == "$2" ]]; }
check "a pod larger than any node: Unschedulable" km::wait_for "huge explained" 30 reason_is huge Unschedulable
check "a framework whose group is missing: UnknownGroup" km::wait_for "no-group explained" 30 reason_is no-group UnknownGroup
check "a framework in a group loop: UnknownGroup" km::wait_for "in-loop explained" 30 reason_is in-loop UnknownGroup
check "a pod of an unknown framework: UnknownFramework" km::wait_for "stranger explained" 30 reason_is stranger UnknownFramework
loop_event() { kc get events -n default --field-selector "involvedObject.name=${TEST_NS}-loop-a" -o json | jq -e '[.items[] | select(.message | contains("loop"))] | length > 0' >/dev/null; }
check "the group loop is reported as an Event on the ResourceGroup" km::wait_for "loop event" 30 loop_event
pending_event() { kc get events -n "${TEST_NS}" --field-selector involvedObject.name=huge -o json | jq -e '[.items[] | select(.reason == "FailedScheduling")] | length > 0' >/dev/null; }
check "the unschedulable pod has a FailedScheduling Event" km::wait_for "huge event" 30 pending_event

# Deleting two bound pods frees capacity for two pending ones.
mapfile -t victims < <(kc get pods -n "${TEST_NS}" -l kubemesos.io/framework=work -o json | jq -r '[.items[] | select(.spec.nodeName != null) | .metadata.name] | .[0:2] | .[]')
kc_quiet delete pod -n "${TEST_NS}" "${victims[@]}" --wait=true --timeout=60s
check "the freed capacity is reused (13 bound again)" km::wait_for "13 bound after deletes" 60 bound_is 13

# A deleted node gets no more pods: delete node 3, then free capacity elsewhere and add pods.
kc_quiet delete node "${prefix}3" --wait=true --timeout=60s
{ for i in $(seq 100 103); do selected_pod "w-$i" work 1; done; } | kc_quiet apply -f -
kc_quiet delete pod -n "${TEST_NS}" foreign --wait=true --timeout=60s
settle() {  # every work pod bound or explained
  kc get pods -n "${TEST_NS}" -l kubemesos.io/framework=work -o json | jq -e '[.items[] | select(.spec.nodeName == null and
      ([.status.conditions[]? | select(.type == "PodScheduled" and .status == "False")] | length == 0))] | length == 0' >/dev/null
}
check "new pods are bound or explained" km::wait_for "settled" 60 settle
on_deleted() { kc get pods -n "${TEST_NS}" -o json | jq "[.items[] | select(.spec.nodeName == \"${prefix}3\" and (.metadata.name | startswith(\"w-10\")))] | length"; }
check "no new pod went to the deleted node" test "$(on_deleted)" == 0

op_check_cluster
op_check_stopped_cleanly
