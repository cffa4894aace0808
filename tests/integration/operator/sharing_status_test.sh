#!/usr/bin/env bash
# What users see of lend and reclaim (issue #16), against the real kube-apiserver and KWOK:
# (a) lend: "owner" is guaranteed 4 of the 8 cpu and idle; "borrower" (no guarantee) runs 8
#     tasks of 1 cpu: all 8 bound. owner's status says guaranteePolicy Lend and lent cpu 4,
#     the borrower's Framework status.preemption.revocableTasks counts its revocable tasks, and
#     the metrics kubemesos_group_lent and kubemesos_group_revocable_tasks say the same.
# (b) reclaim: owner's Framework asks for 2 tasks of 1 cpu (delaySeconds 0): a reclaim plan is
#     made; the borrower's Framework says status.preemption.lastPreempted {reason Reclaim, by an
#     owner task} and gets a Preempted Event; kubemesos_preemptions_total{kind="reclaim"} and
#     kubemesos_preemption_victims_total{kind="reclaim",preemptor_group=owner,
#     victim_group=borrower} count it. With the evictor, the owner's tasks then run and
#     kubemesos_preemption_to_bind_seconds observes the plan.
# (c) switching owner to Hold shows in status.guaranteePolicy.
set -euo pipefail
# shellcheck source=tests/integration/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../cluster/lib.sh"
km_test_begin sharing_status
# shellcheck source=tests/integration/operator/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
op_install_crds
op_nodes 2 4 16Gi

OWNER="${TEST_NS}-owner"
BORROWER="${TEST_NS}-borrower"
# framework NAME GROUP INSTANCES: a Framework of INSTANCES tasks of 1 cpu on this test's nodes.
framework() {
  cat <<YAML
apiVersion: kubemesos.io/v1alpha1
kind: Framework
metadata: {name: $1, namespace: ${TEST_NS}}
spec:
  resourceGroup: $2
  tasks:
  - name: w
    instances: $3
    template:
      spec:
        nodeSelector: {kubemesos.io/test: ${TEST_NS}}
        terminationGracePeriodSeconds: 1
        containers: [{name: c, image: busybox, resources: {requests: {cpu: "1", memory: 1Gi}}}]
YAML
}
cat <<YAML | kc_quiet apply -f -
apiVersion: kubemesos.io/v1alpha1
kind: ResourceGroup
metadata: {name: ${OWNER}}
spec:
  guarantee: {cpu: "4"}
  preemption: {reclaim: Any, delaySeconds: 0}
---
apiVersion: kubemesos.io/v1alpha1
kind: ResourceGroup
metadata: {name: ${BORROWER}}
YAML
KM_CLEANUPS+=("'${KUBECTL}' delete rg ${OWNER} ${BORROWER} --wait=false --ignore-not-found")
op_start_kubemesos

fw_json() { kc get fw "$1" -n "${TEST_NS}" -o json; }
rg_json() { kc get rg "$1" -o json; }
bound() {
  kc get pods -n "${TEST_NS}" -l "kubemesos.io/framework=$1" -o json |
    jq '[.items[] | select(.spec.nodeName != null)] | length'
}
bound_is() { [[ "$(bound "$1")" == "$2" ]]; }
metric_at_least() {  # SERIES MIN
  local v; v="$(op_metric "$1")"
  [[ -n "${v}" ]] && python3 -c "import sys; sys.exit(0 if float('${v}') >= $2 else 1)"
}

echo "# (a) lend"
framework sweep "${BORROWER}" 8 | kc_quiet apply -f -
check "all 8 borrower tasks bound (owner's idle guarantee is lent)" km::wait_for "sweep bound" 90 bound_is sweep 8
owner_lends() {
  rg_json "${OWNER}" | jq -e '.status.guaranteePolicy == "Lend" and .status.lent.cpu == "4"' >/dev/null
}
check "owner: status.guaranteePolicy Lend, status.lent.cpu 4" km::wait_for "owner status" 30 owner_lends
revocable() { fw_json sweep | jq -r '.status.preemption.revocableTasks // 0'; }
revocable_at_least() { (($(revocable) >= $1)); }
check "borrower Framework: status.preemption.revocableTasks >= 4 (what runs on the lent 4 cpu)" \
  km::wait_for "revocable tasks" 30 revocable_at_least 4
check "kubemesos_group_lent{owner,cpu} = 4" km::wait_for "lent metric" 30 \
  metric_at_least "kubemesos_group_lent{group=\"${OWNER}\",resource=\"cpu\"}" 4
check "kubemesos_group_revocable_tasks{borrower} >= 4" km::wait_for "revocable metric" 30 \
  metric_at_least "kubemesos_group_revocable_tasks{group=\"${BORROWER}\"}" 4
check "kubectl get rg -o wide shows LENT-CPU 4" bash -c \
  "'${KUBECTL}' get rg '${OWNER}' -o wide | tail -n 1 | grep -qE ' Lend +4 '"

echo "# (b) reclaim"
framework train "${OWNER}" 2 | kc_quiet apply -f -
last_preempted() {
  fw_json sweep | jq -e --arg ns "${TEST_NS}" '.status.preemption.lastPreempted |
    .reason == "Reclaim" and (.by | startswith($ns + "/train-")) and .victims >= 1' >/dev/null
}
check "borrower Framework: status.preemption.lastPreempted {reason Reclaim, by an owner task}" \
  km::wait_for "lastPreempted" 60 last_preempted
preempted_event() {
  kc get events -n "${TEST_NS}" --field-selector involvedObject.name=sweep,reason=Preempted -o json |
    jq -e '[.items[] | select(.message | contains("Reclaim"))] | length >= 1' >/dev/null
}
check "a Preempted Event on the borrower Framework" km::wait_for "Preempted event" 30 preempted_event
check "kubemesos_preemptions_total{kind=reclaim} >= 1" km::wait_for "plans metric" 30 \
  metric_at_least 'kubemesos_preemptions_total{kind="reclaim"}' 1
check "kubemesos_preemption_victims_total{reclaim, owner <- borrower} >= 2" km::wait_for "victims metric" 30 \
  metric_at_least "kubemesos_preemption_victims_total{kind=\"reclaim\",preemptor_group=\"${OWNER}\",victim_group=\"${BORROWER}\"}" 2
preempted_tasks_at_least() { (($(fw_json sweep | jq -r '.status.preemption.preemptedTasks // 0') >= $1)); }
check "borrower Framework: status.preemption.preemptedTasks >= 2" \
  km::wait_for "preemptedTasks" 30 preempted_tasks_at_least 2
if km::wait_for "owner tasks bound (needs the evictor)" 90 bound_is train 2 2>/dev/null; then
  check "kubemesos_preemption_to_bind_seconds observed the plan" km::wait_for "to-bind metric" 30 \
    metric_at_least kubemesos_preemption_to_bind_seconds_count 1
else
  echo "skip - owner tasks not bound: no evictor in this build, the reclaim latency is not observed"
fi

echo "# (c) Hold"
kc_quiet patch rg "${OWNER}" --type=merge -p '{"spec":{"guaranteePolicy":"Hold"}}'
holds() { rg_json "${OWNER}" | jq -e '.status.guaranteePolicy == "Hold"' >/dev/null; }
check "owner: status.guaranteePolicy Hold" km::wait_for "Hold status" 30 holds
op_check_stopped_cleanly
