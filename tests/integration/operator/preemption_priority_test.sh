#!/usr/bin/env bash
# Priority preemption inside one group (issue #16, design E8), on the real control plane:
# 8 low-priority pods (PriorityClass objects) fill the test's two 4-cpu nodes. A pod of equal
# priority and a high-priority pod with preemptionPolicy Never wait and evict nothing. A
# high-priority 2-cpu pod then evicts exactly the minimal set, 2 low-priority pods on one node,
# through the Eviction API: they get a DisruptionTarget condition and a Preempted Event naming
# the preemptor, which gets a Preempting Event and status.nominatedNodeName, and is bound on
# that node once the victims are gone (they stay terminating for their 5 s grace period:
# kubemesos.io/graceful-delete, hack/kwok/kwok.yaml). Nothing else is ever evicted.
# PREEMPT_EVICTION_MODE=Delete runs the same with --eviction-mode Delete.
set -euo pipefail
# shellcheck source=tests/integration/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../cluster/lib.sh"
km_test_begin preempt-priority
# shellcheck source=tests/integration/operator/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
op_install_crds
op_nodes 2 4 16Gi
op_group_with_framework

op_priority_classes
cat <<YAML | kc_quiet apply -f -
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: ${TEST_NS}-never}
value: 1000
preemptionPolicy: Never
YAML
KM_CLEANUPS+=("'${KUBECTL}' delete priorityclass ${TEST_NS}-never --ignore-not-found")

# pod NAME CPU CLASS: a pod of Framework "work" on this test's nodes, terminating for 5 s once
# deleted.
pod() {
  km_pod "${TEST_NS}" work "$1" "$2" 1Gi | sed \
    -e "s|^  labels: {kubemesos.io/framework: work}|  labels: {kubemesos.io/framework: work}\n  annotations: {kubemesos.io/graceful-delete: \"true\"}|" \
    -e "s|^spec:|spec:\n  priorityClassName: ${TEST_NS}-$3\n  terminationGracePeriodSeconds: 5\n  nodeSelector: {kubemesos.io/test: ${TEST_NS}}|"
}
pods_json() { kc get pods -n "${TEST_NS}" -o json; }
running_count() {
  pods_json | jq "[.items[] | select(.metadata.name | startswith(\"$1\")) |
    select(.spec.nodeName != null and .metadata.deletionTimestamp == null and .status.phase == \"Running\")] | length"
}
running_is() { [[ "$(running_count "$1")" == "$2" ]]; }
# Names of the pods that ever had a deletionTimestamp (sampled by `watch_terminating`).
touched() { sort -u "${WORK}/terminating" 2>/dev/null | grep -c . || true; }
watch_terminating() {  # samples pods being deleted for `seconds`
  local end=$((SECONDS + $1))
  while ((SECONDS < end)); do
    pods_json | jq -r '.items[] | select(.metadata.deletionTimestamp != null) | .metadata.name' \
      >>"${WORK}/terminating"
    sleep 0.5 # the sampling period (not a synchronisation)
  done
}
pending_reason() {
  kc get pod "$1" -n "${TEST_NS}" -o json |
    jq -r '.status.conditions[]? | select(.type == "PodScheduled" and .status == "False") | .reason'
}
has_pending_reason() { [[ -n "$(pending_reason "$1")" ]]; }

MODE="${PREEMPT_EVICTION_MODE:-EvictionAPI}"
op_start_kubemesos --eviction-mode "${MODE}"
for i in $(seq 0 7); do pod "low-$i" 1 low; done | kc_quiet apply -f -
check "8 low-priority pods fill both nodes" km::wait_for "8 running" 60 running_is low- 8

# Equal priority never preempts; preemptionPolicy Never never preempts.
pod eq 1 low | kc_quiet apply -f -
pod never 1 never | kc_quiet apply -f -
check "the equal-priority pod is explained as pending" km::wait_for "eq pending" 30 has_pending_reason eq
check "the Never pod is explained as pending" km::wait_for "never pending" 30 has_pending_reason never
check "the Never pod got spec.priority 1000 and preemptionPolicy Never from its class" bash -c \
  "[[ \$('${KUBECTL}' get pod never -n '${TEST_NS}' -o jsonpath='{.spec.priority}/{.spec.preemptionPolicy}') == 1000/Never ]]"
watch_terminating 4
check "neither the equal-priority nor the Never pod evicted anything" test "$(touched)" == 0

# A high-priority pod evicts exactly two low-priority pods on one node.
pod high 2 high | kc_quiet apply -f -
two_terminating() { [[ $(pods_json | jq '[.items[] | select(.metadata.deletionTimestamp != null)] | length') -ge 2 ]]; }
check "the high-priority pod evicts" km::wait_for "two evictions" 30 two_terminating
pods_json >"${WORK}/during.json"
victims="$(jq -r '[.items[] | select(.metadata.deletionTimestamp != null) | .metadata.name] | sort | join(" ")' "${WORK}/during.json")"
km::log "victims: ${victims}"
nominated="$(jq -r '.items[] | select(.metadata.name == "high") | .status.nominatedNodeName // ""' "${WORK}/during.json")"
check "the preemptor is nominated to a node (${nominated:-none})" test -n "${nominated}"
victim_nodes="$(jq -r '[.items[] | select(.metadata.deletionTimestamp != null) | .spec.nodeName] | unique | join(" ")' "${WORK}/during.json")"
check "the victims are on the nominated node (${victim_nodes})" test "${victim_nodes}" == "${nominated}"
conditions="$(jq -r '[.items[] | select(.metadata.deletionTimestamp != null) | .status.conditions[]? |
  select(.type == "DisruptionTarget" and .status == "True") | .reason] | join(" ")' "${WORK}/during.json")"
check "every victim has DisruptionTarget=True, reason PreemptionByScheduler (${conditions})" \
  test "${conditions}" == "PreemptionByScheduler PreemptionByScheduler"
watch_terminating 1
bound_high() {
  [[ "$(kc get pod high -n "${TEST_NS}" -o jsonpath='{.spec.nodeName}')" == "${nominated}" ]]
}
check "the preemptor is bound on the nominated node" km::wait_for "high bound" 60 bound_high
check "exactly two pods were evicted: the minimal set (${victims})" test "$(wc -w <<<"${victims}")" == 2
events="$(kc get events -n "${TEST_NS}" -o json)"
for v in ${victims}; do
  check "a Preempted Event on ${v} names the preemptor" bash -c "jq -e --arg v '${v}' '[.items[] |
    select(.involvedObject.name == \$v and .reason == \"Preempted\" and (.message | contains(\"high\")))] |
    length >= 1' <<<'${events}' >/dev/null"
done
check "a Preempting Event on the preemptor" bash -c "jq -e '[.items[] | select(.involvedObject.name == \"high\" and
  .reason == \"Preempting\")] | length >= 1' <<<'${events}' >/dev/null"
watch_terminating 3
check "nothing but the two victims was ever evicted" test "$(touched)" == 2
check "the low-priority pods left keep running (6)" running_is low- 6
check "the equal-priority and Never pods still wait" bash -c \
  "[[ -z \$('${KUBECTL}' get pod eq never -n '${TEST_NS}' -o jsonpath='{.items[*].spec.nodeName}') ]]"
ok_evictions="$(op_metric "kubemesos_evictions_total{mode=\"${MODE}\",result=\"ok\"}")"
check "kubemesos_evictions_total{mode=${MODE},result=ok} == 2 (${ok_evictions:-absent})" \
  test "${ok_evictions%.*}" == 2
op_check_cluster
op_check_stopped_cleanly
