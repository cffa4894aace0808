#!/usr/bin/env bash
# The API server restarts in the middle of a run, and etcd is compacted meanwhile so that the
# watches' resourceVersions are gone (410): kubemesos keeps running, its watches resume or
# relist, every pod ends bound, no bind is refused as a double bind, no node is over-committed.
set -euo pipefail
# shellcheck source=tests/integration/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../cluster/lib.sh"
# shellcheck source=hack/lib/objects.sh
source "${KM_REPO_ROOT}/hack/lib/objects.sh"
# shellcheck source=hack/lib/workload.sh
source "${KM_REPO_ROOT}/hack/lib/workload.sh"
km_test_begin restart
KUBEMESOS="${KUBEMESOS_BINARY:-${KM_REPO_ROOT}/build/kubemesos}"
work="$(mktemp -d)"
KM_CLEANUPS+=("rm -rf '${work}'")
kc_quiet apply -f "${KM_REPO_ROOT}/crds/"
kc_quiet wait --for=condition=Established crd/resourcegroups.kubemesos.io crd/frameworks.kubemesos.io --timeout=60s

prefix="${TEST_NS}-n"
km::objects::nodes 0 20 8 32Gi 110 2 "${prefix}" | kc_quiet apply -f -
node_names="$(seq -f "${prefix}%g" 0 19 | tr '\n' ' ')"
KM_CLEANUPS+=("'${KUBECTL}' delete nodes ${node_names} --wait=false")
ready() { [[ $(kc get nodes -o json | jq "[.items[] | select(.metadata.name | startswith(\"${prefix}\")) | select(any(.status.conditions[]?; .type == \"Ready\" and .status == \"True\"))] | length") == 20 ]]; }
check "20 test nodes Ready" km::wait_for "test nodes Ready" 60 ready
cat <<YAML | kc_quiet apply -f -
apiVersion: kubemesos.io/v1alpha1
kind: ResourceGroup
metadata: {name: ${TEST_NS}-g}
spec: {}
---
apiVersion: kubemesos.io/v1alpha1
kind: Framework
metadata: {name: work, namespace: ${TEST_NS}}
spec: {resourceGroup: ${TEST_NS}-g}
YAML
KM_CLEANUPS+=("'${KUBECTL}' delete rg ${TEST_NS}-g --wait=false")

"${KUBEMESOS}" run --kubeconfig "${KUBECONFIG}" >"${work}/kubemesos.log" 2>&1 &
operator=$!
KM_CLEANUPS+=("kill -TERM ${operator}; wait ${operator}")

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
check "kubemesos is still running" kill -0 "${operator}"
kill -TERM "${operator}"
check "kubemesos exits 0 on SIGTERM" wait "${operator}"
stats="$(grep '"msg":"stopped"' "${work}/kubemesos.log")"
echo "     ${stats}"
check "no bind was refused or failed" test "$(jq .bindFailures <<<"${stats}")" == 0
check "exactly 300 binds were sent" test "$(jq .bindsSent <<<"${stats}")" == 300
check "the pod watch resumed or relisted after the restart" \
  test "$(jq '.watches["/api/v1/pods"] | .restarts + .relists' <<<"${stats}")" -ge 1
kc get nodes -o json >"${work}/nodes.json"
kc get pods -A -o json >"${work}/pods.json"
check "no node is over-committed" \
  python3 "$(dirname "${BASH_SOURCE[0]}")/check_allocation.py" "${work}/nodes.json" "${work}/pods.json" "${TEST_NS}"
