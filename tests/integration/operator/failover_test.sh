#!/usr/bin/env bash
# Two replicas of `kubemesos run` elect a leader on the cluster's etcd: exactly one binds; when
# the leader is SIGKILLed the standby takes over within the lease TTL, every pod ends bound, no
# bind conflicts (nothing bound twice), no node over-committed.
set -euo pipefail
# shellcheck source=tests/integration/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../cluster/lib.sh"
km_test_begin failover
# shellcheck source=tests/integration/operator/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
op_install_crds
op_nodes 4 8 32Gi
op_group_with_framework

declare -A pid url
for r in a b; do
  "${KUBEMESOS}" run --kubeconfig "${KUBECONFIG}" --metrics-address 127.0.0.1:0 \
    --etcd-endpoints "${KUBEMESOS_ETCD_ENDPOINT}" --etcd-prefix "/kubemesos-test/${TEST_NS}/" \
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
leaders() { echo $(( $(metric a kubemesos_is_leader) + $(metric b kubemesos_is_leader) )); }
one_leader() { [[ "$(leaders)" == 1 ]]; }
check "exactly one replica leads" km::wait_for "a leader" 30 one_leader
if [[ "$(metric a kubemesos_is_leader)" == 1 ]]; then leader=a standby=b; else leader=b standby=a; fi
echo "     leader: replica-${leader}"

selected() {  # pods restricted to this test's nodes
  for i in $(seq "$1" "$2"); do
    km_pod "${TEST_NS}" work "w-$i" 500m 1Gi | sed "s|^spec:|spec:\n  nodeSelector: {kubemesos.io/test: ${TEST_NS}}|"
  done
}
bound() { kc get pods -n "${TEST_NS}" -o json | jq '[.items[] | select(.spec.nodeName != null)] | length'; }
bound_is() { [[ "$(bound)" == "$1" ]]; }
selected 0 19 | kc_quiet apply -f -
check "20 pods bound by the leader" km::wait_for "20 bound" 60 bound_is 20
check "the standby bound nothing" test "$(metric "${standby}" 'kubemesos_binds_total{result="success"}')" == 0

# The leader dies without a goodbye; the standby takes over within the lease TTL.
kill -KILL "${pid[$leader]}"
start=${SECONDS}
standby_leads() { [[ "$(metric "${standby}" kubemesos_is_leader)" == 1 ]]; }
check "the standby takes over" km::wait_for "takeover" 30 standby_leads
echo "     takeover after $((SECONDS - start)) s (lease 6 s)"
selected 20 39 | kc_quiet apply -f -
check "every pod ends bound (40)" km::wait_for "40 bound" 60 bound_is 40
check "no bind conflict: nothing was bound twice" \
  test "$(metric "${standby}" 'kubemesos_binds_total{result="conflict"}')" == 0
check "no failed binds" test "$(metric "${standby}" 'kubemesos_binds_total{result="error"}')" == 0
op_check_cluster
