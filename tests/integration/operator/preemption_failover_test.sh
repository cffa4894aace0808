#!/usr/bin/env bash
# The leader killed in the middle of a preemption plan (issue #16, design E13, rule P16), with
# two replicas on the cluster's etcd: a Deployment's 4 low-priority pods fill the test's 4-cpu
# node; their terminationGracePeriodSeconds is 30 and KWOK honours it
# (kubemesos.io/graceful-delete), so the plan of a 2-cpu high-priority pod stays in flight
# while its victims terminate. The leader is SIGKILLed as soon as they do. The standby takes
# over, reads the plan back from the registry (preemptions/<ns>/<name>) before its first cycle,
# issues no second, different victim set while the ReplicaSet re-creates the victims, binds the
# preemptor on the nominated node once the victims are gone, and deletes the record.
set -euo pipefail
# shellcheck source=tests/integration/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../cluster/lib.sh"
km_test_begin preempt-failover
# shellcheck source=tests/integration/operator/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
op_install_crds
op_nodes 1 4 16Gi
op_group_with_framework
GRACE=30
PREFIX="/kubemesos-test/${TEST_NS}/"

op_priority_classes
cat <<YAML | kc_quiet apply -f -
apiVersion: apps/v1
kind: Deployment
metadata: {name: low, namespace: ${TEST_NS}}
spec:
  replicas: 4
  selector: {matchLabels: {app: low}}
  template:
    metadata:
      labels: {app: low, kubemesos.io/framework: work}
      annotations: {kubemesos.io/graceful-delete: "true"}
    spec:
      schedulerName: kubemesos
      priorityClassName: ${TEST_NS}-low
      terminationGracePeriodSeconds: ${GRACE}
      nodeSelector: {kubemesos.io/test: ${TEST_NS}}
      containers:
      - {name: task, image: busybox, resources: {requests: {cpu: "1", memory: 1Gi}}}
YAML

declare -A pid url
for r in a b; do
  "${KUBEMESOS}" run --kubeconfig "${KUBECONFIG}" --metrics-address 127.0.0.1:0 \
    --etcd-endpoints "${KUBEMESOS_ETCD_ENDPOINT}" --etcd-prefix "${PREFIX}" \
    --identity "replica-${r}" --lease-seconds 6 >"${WORK}/${r}.log" 2>&1 &
  pid[$r]=$!
  KM_CLEANUPS+=("kill -TERM ${pid[$r]}; wait ${pid[$r]}")
done
port_of() { grep -m1 '"serving /metrics' "${WORK}/$1.log" | jq -e .port; }
for r in a b; do
  check "replica ${r} serves metrics" km::wait_for "replica ${r} metrics" 30 port_of "${r}"
  url[$r]="http://127.0.0.1:$(port_of "${r}")/metrics"
done
metric() { curl -sf "${url[$1]}" | awk -v want="$2" '$1 == want { print $2 }'; }
one_leader() { [[ $(($(metric a kubemesos_is_leader) + $(metric b kubemesos_is_leader))) == 1 ]]; }
check "exactly one replica leads" km::wait_for "a leader" 30 one_leader
if [[ "$(metric a kubemesos_is_leader)" == 1 ]]; then leader=a standby=b; else leader=b standby=a; fi

pods_json() { kc get pods -n "${TEST_NS}" -o json; }
running_low() {
  [[ $(pods_json | jq '[.items[] | select(.metadata.labels.app == "low" and .spec.nodeName != null and
    .metadata.deletionTimestamp == null and .status.phase == "Running")] | length') == "$1" ]]
}
check "4 low-priority pods fill the node" km::wait_for "4 running" 60 running_low 4

km_pod "${TEST_NS}" work high 2 1Gi |
  sed "s|^spec:|spec:\n  priorityClassName: ${TEST_NS}-high\n  nodeSelector: {kubemesos.io/test: ${TEST_NS}}|" |
  kc_quiet apply -f -
terminating() {
  pods_json | jq -r '[.items[] | select(.metadata.deletionTimestamp != null) | .metadata.name] | sort | join(" ")'
}
two_terminating() { [[ $(wc -w <<<"$(terminating)") -ge 2 ]]; }
check "the leader evicts two victims" km::wait_for "two victims" 30 two_terminating
victims="$(terminating)"
kill -KILL "${pid[$leader]}"
start=${SECONDS}
km::log "victims: ${victims}; replica-${leader} killed"
check "the plan is in the registry" bash -c "'${KUBEMESOS}' registry dump preemptions/ \
  --etcd-endpoints '${KUBEMESOS_ETCD_ENDPOINT}' --etcd-prefix '${PREFIX}' | jq -e 'length == 1' >/dev/null"

standby_leads() { [[ "$(metric "${standby}" kubemesos_is_leader)" == 1 ]]; }
check "the standby takes over" km::wait_for "takeover" 30 standby_leads
km::log "takeover after $((SECONDS - start)) s"
# The leader gauge flips when the lease is won; the plans are read back at the loop's next poll.
read_back() { grep -q '"preemption plans read back from the registry".*"restored":1' "${WORK}/${standby}.log"; }
check "the new leader read the plan back" km::wait_for "the plans read back" 15 read_back
read_back || grep -E 'preemption|registry|leader' "${WORK}/${standby}.log" | tail -n 20 >&2 || true

# Until the preemptor is bound: every pod ever terminating is one of the two victims.
ever="${victims}" bound_node=""
while ((SECONDS - start < GRACE + 60)); do
  for p in $(terminating); do [[ " ${ever} " == *" ${p} "* ]] || ever="${ever} ${p}"; done
  bound_node="$(kc get pod high -n "${TEST_NS}" -o jsonpath='{.spec.nodeName}')"
  [[ -z "${bound_node}" ]] || break
  sleep 0.5 # the sampling period (not a synchronisation)
done
km::log "preemptor bound after $((SECONDS - start)) s on ${bound_node:-nothing}"
check "the preemptor is bound on the test node" test "${bound_node}" == "${TEST_NS}-n0"
check "no second, different victim set (ever terminating: ${ever})" test "${ever}" == "${victims}"
check "the re-created low-priority pods wait (2 running, the freed capacity is the preemptor's)" \
  running_low 2
record_gone() {
  "${KUBEMESOS}" registry dump preemptions/ --etcd-endpoints "${KUBEMESOS_ETCD_ENDPOINT}" \
    --etcd-prefix "${PREFIX}" | jq -e 'length == 0' >/dev/null
}
check "the plan's record is deleted once it is done" km::wait_for "record deleted" 30 record_gone
check "the new leader issued no eviction of its own that was refused" \
  test "$(metric "${standby}" 'kubemesos_evictions_total{mode="EvictionAPI",result="pdb_429"}')" == 0
op_check_cluster
