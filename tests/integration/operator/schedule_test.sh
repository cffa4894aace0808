#!/usr/bin/env bash
# `kubemesos run` against the real kube-apiserver: 100 fake nodes, 2 ResourceGroups, 3
# Frameworks and 1,000 pods created with plain kubectl. Every pod that fits is bound, the counts
# per framework equal the engine's DRF answer (`kubemesos simulate` on a snapshot taken before
# kubemesos starts), no node is over-committed, and every pending pod says why. Lists and
# watches in protobuf (the default), or in JSON with OP_RUN_FLAGS=--content-type=json.
set -euo pipefail
# shellcheck source=tests/integration/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../cluster/lib.sh"
km_test_begin schedule
# shellcheck source=tests/integration/operator/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
op_install_crds

op_nodes 100 8 32Gi

cat <<YAML | kc_quiet apply -f -
apiVersion: kubemesos.io/v1alpha1
kind: ResourceGroup
metadata: {name: ${TEST_NS}-batch}
spec: {weight: 2, limit: {cpu: "300"}}
---
apiVersion: kubemesos.io/v1alpha1
kind: ResourceGroup
metadata: {name: ${TEST_NS}-ml}
spec: {weight: 1, guarantee: {cpu: "100"}}
---
apiVersion: kubemesos.io/v1alpha1
kind: Framework
metadata: {name: etl, namespace: ${TEST_NS}}
spec: {resourceGroup: ${TEST_NS}-batch}
---
apiVersion: kubemesos.io/v1alpha1
kind: Framework
metadata: {name: reports, namespace: ${TEST_NS}}
spec: {resourceGroup: ${TEST_NS}-batch}
---
apiVersion: kubemesos.io/v1alpha1
kind: Framework
metadata: {name: train, namespace: ${TEST_NS}}
spec: {resourceGroup: ${TEST_NS}-ml}
YAML
KM_CLEANUPS+=("'${KUBECTL}' delete rg ${TEST_NS}-batch ${TEST_NS}-ml --wait=false")

# 1,000 pods, mixed sizes, more than the 800 cpu of the test nodes can hold.
km_interleaved_pods "${TEST_NS} etl 400 1 2Gi" "${TEST_NS} reports 200 500m 1Gi" \
  "${TEST_NS} train 400 2 4Gi" | kc_quiet apply -f -

# The engine's answer on a snapshot of the cluster as it is now.
kc get nodes,pods,resourcegroups,frameworks -A -o yaml >"${WORK}/snapshot.yaml"
"${KUBEMESOS}" simulate -f "${WORK}/snapshot.yaml" >"${WORK}/expected.json" 2>"${WORK}/simulate.err"
op_start_kubemesos

settled() {
  kc get pods -n "${TEST_NS}" -o json | jq -e '[.items[] | select(.spec.nodeName == null and
      ([.status.conditions[]? | select(.type == "PodScheduled" and .status == "False")] | length == 0))] | length == 0' >/dev/null
}
check "every pod bound or explained" km::wait_for "pods settled" 180 settled
op_check_cluster "${WORK}/expected.json"

# The metrics say the same (published at most once a second: wait for the last binds).
bound_total="$(kc get pods -n "${TEST_NS}" -o json | jq '[.items[] | select(.spec.nodeName != null)] | length')"
binds_counted() { [[ "$(op_metric 'kubemesos_binds_total{result="success"}')" == "${bound_total}" ]]; }
check "kubemesos_binds_total{result=success} = ${bound_total} bound pods" km::wait_for "bind metric" 30 binds_counted
check "scheduling latency observed for every bind" \
  test "$(op_metric kubemesos_scheduling_latency_seconds_count)" == "${bound_total}"
batch_cpu() { [[ "$(op_metric "kubemesos_group_allocated{group=\"${TEST_NS}-batch\",resource=\"cpu\"}")" == 300 ]]; }
check "group_allocated of the capped group = its 300-cpu limit" km::wait_for "group metric" 30 batch_cpu
check "group_limit exported" test "$(op_metric "kubemesos_group_limit{group=\"${TEST_NS}-batch\",resource=\"cpu\"}")" == 300
check "/readyz is ready" curl -sf "${METRICS_URL}/readyz" -o /dev/null
check "promtool check metrics passes" bash -c "curl -sf '${METRICS_URL}/metrics' | promtool check metrics"

# ResourceGroup and Framework status, written by kubemesos through the status subresource.
rg_cpu() { [[ "$(kc get rg "${TEST_NS}-batch" -o jsonpath='{.status.allocated.cpu}')" == 300 ]]; }
check "ResourceGroup status: allocated cpu 300 (its limit)" km::wait_for "rg status" 30 rg_cpu
etl_bound="$(kc get pods -n "${TEST_NS}" -l kubemesos.io/framework=etl -o json | jq '[.items[] | select(.spec.nodeName != null)] | length')"
fw_running() { [[ "$(kc get fw etl -n "${TEST_NS}" -o jsonpath='{.status.phase}/{.status.tasks.running}')" == "Running/${etl_bound}" ]]; }
check "Framework status: Running with ${etl_bound} running tasks" km::wait_for "fw status" 30 fw_running
check "kubectl get rg shows the allocation column" bash -c "'${KUBECTL}' get rg '${TEST_NS}-batch' | grep -q ' 300 '"
# Issue #17: Nodes and Pods come in protobuf by default (JSON with --content-type=json, the
# schedule_json registration); custom resources always in JSON, as the API server serves them.
want="application/vnd.kubernetes.protobuf"
[[ "${OP_RUN_FLAGS:-}" == *content-type=json* ]] && want="application/json"
synced_as() { grep '"msg":"watch synced"' "${WORK}/kubemesos.log" | jq -r "select(.kind == \"$1\") | .contentType"; }
for kind in Node Pod; do  # a watch-list answer adds ";stream=watch"
  check "${kind}s listed as ${want}" test "$(synced_as "${kind}" | cut -d';' -f1)" == "${want}"
done
check "Frameworks listed as application/json" test "$(synced_as Framework | cut -d';' -f1)" == "application/json"
op_check_stopped_cleanly
writes="$(grep '"msg":"stopped"' "${WORK}/kubemesos.log" | jq .objectStatusWrites)"
check "status writes stay bounded (${writes} for 5 objects over the run)" test "${writes}" -le 100
