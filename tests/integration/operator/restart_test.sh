#!/usr/bin/env bash
# The API server restarts in the middle of a run, and etcd is compacted meanwhile so that the
# watches' resourceVersions are gone (410): kubemesos keeps running, its watches resume or
# relist, every pod ends bound, no bind is refused as a double bind, no node is over-committed.
set -euo pipefail
# shellcheck source=tests/integration/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../cluster/lib.sh"
km_test_begin restart
# shellcheck source=tests/integration/operator/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
op_install_crds

op_nodes 20 8 32Gi
op_group_with_framework

op_start_kubemesos

bound() { kc get pods -n "${TEST_NS}" -o json | jq '[.items[] | select(.spec.nodeName != null)] | length'; }
at_least() { (($(bound) >= $1)); }
km_interleaved_pods "${TEST_NS} work 150 250m 512Mi" | kc_quiet apply -f -
check "the first pods are bound" km::wait_for "first binds" 60 at_least 150

# The API server crashes (SIGKILL); while it is down, etcd is compacted to its current revision.
pidfile="${KUBEMESOS_CLUSTER_DIR}/pids/kube-apiserver.pid"
apiserver_pid="$(cat "${pidfile}")"
mapfile -d '' cmdline <"/proc/${apiserver_pid}/cmdline"
[[ "${cmdline[*]}" == *"${KUBEMESOS_CLUSTER_DIR}/"* ]] || km::die "pid ${apiserver_pid} is not this cluster's API server"
kill -KILL "${apiserver_pid}"
gone() { ! grep -qs '^State:.*[RSD]' "/proc/${apiserver_pid}/status"; }  # gone or a zombie
check "the API server stopped" km::wait_for "apiserver exit" 30 gone
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/${KUBEMESOS_APISERVER##*:}") 2>/dev/null; }
check "its port is free" km::wait_for "apiserver port" 30 port_free
revision="$(curl -sf -X POST "${KUBEMESOS_ETCD_ENDPOINT}/v3/kv/range" -d '{"key":"AA=="}' | jq -r .header.revision)"
check "etcd compacted to revision ${revision}" curl -sf -X POST "${KUBEMESOS_ETCD_ENDPOINT}/v3/kv/compaction" \
  -d "{\"revision\": \"${revision}\", \"physical\": true}" -o /dev/null
setsid "${cmdline[@]}" </dev/null >>"${KUBEMESOS_LOGS_DIR}/kube-apiserver.log" 2>&1 &
echo $! >"${pidfile}"
healthy() { kc get --raw /readyz >/dev/null; }
check "the API server is back" km::wait_for "apiserver ready" 120 healthy

# More pods arrive after the restart; all of them must be bound, once.
{ for i in $(seq 150 299); do km_pod "${TEST_NS}" work "work-$i" 250m 512Mi; done; } | kc_quiet apply -f -
check "every pod ends bound" km::wait_for "all 300 bound" 120 at_least 300
op_check_stopped_cleanly
stats="$(grep '"msg":"stopped"' "${WORK}/kubemesos.log")"
echo "     ${stats}"
grep '"bind failed' "${WORK}/kubemesos.log" | sed 's/^/     /' || true
check "no bind was refused or failed" test "$(jq .bindFailures <<<"${stats}")" == 0
check "exactly 300 binds were sent" test "$(jq .bindsSent <<<"${stats}")" == 300
check "the pod watch resumed after the restart" \
  test "$(jq '.watches["/api/v1/pods"] | .restarts + .relists' <<<"${stats}")" -ge 1
check "a watch whose resourceVersion was compacted away relisted (410)" \
  test "$(jq '[.watches[] | .relists] | add' <<<"${stats}")" -ge 1
op_check_cluster
