#!/usr/bin/env bash
# `kubemesos run` against the real kube-apiserver: 100 fake nodes, 2 ResourceGroups, 3
# Frameworks and 1,000 pods created with plain kubectl. Every pod that fits is bound, the counts
# per framework equal the engine's DRF answer (`kubemesos simulate` on a snapshot taken before
# kubemesos starts), no node is over-committed, and every pending pod says why.
set -euo pipefail
# shellcheck source=tests/integration/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../cluster/lib.sh"
# shellcheck source=hack/lib/objects.sh
source "${KM_REPO_ROOT}/hack/lib/objects.sh"
# shellcheck source=hack/lib/workload.sh
source "${KM_REPO_ROOT}/hack/lib/workload.sh"
km_test_begin schedule
KUBEMESOS="${KUBEMESOS_BINARY:-${KM_REPO_ROOT}/build/kubemesos}"
work="$(mktemp -d)"
KM_CLEANUPS+=("rm -rf '${work}'")

kc_quiet apply -f "${KM_REPO_ROOT}/crds/"
kc_quiet wait --for=condition=Established crd/resourcegroups.kubemesos.io crd/frameworks.kubemesos.io --timeout=60s

# 100 nodes of this test (8 cpu, 32Gi), removed at the end.
prefix="${TEST_NS}-n"
km::objects::nodes 0 100 8 32Gi 110 3 "${prefix}" | kc_quiet apply -f -
node_names="$(seq -f "${prefix}%g" 0 99 | tr '\n' ' ')"
KM_CLEANUPS+=("'${KUBECTL}' delete nodes ${node_names} --wait=false")
ready() { [[ $(kc get nodes -o json | jq "[.items[] | select(.metadata.name | startswith(\"${prefix}\")) | select(any(.status.conditions[]?; .type == \"Ready\" and .status == \"True\"))] | length") == 100 ]]; }
check "100 test nodes Ready" km::wait_for "test nodes Ready" 120 ready

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
kc get nodes,pods,resourcegroups,frameworks -A -o yaml >"${work}/snapshot.yaml"
"${KUBEMESOS}" simulate -f "${work}/snapshot.yaml" >"${work}/expected.json" 2>"${work}/simulate.err"

"${KUBEMESOS}" run --kubeconfig "${KUBECONFIG}" >"${work}/kubemesos.log" 2>&1 &
operator=$!
KM_CLEANUPS+=("kill -TERM ${operator}; wait ${operator}")

settled() {
  kc get pods -n "${TEST_NS}" -o json | jq -e '[.items[] | select(.spec.nodeName == null and
      ([.status.conditions[]? | select(.type == "PodScheduled" and .status == "False")] | length == 0))] | length == 0' >/dev/null
}
check "every pod bound or explained" km::wait_for "pods settled" 180 settled
kc get nodes -o json >"${work}/nodes.json"
kc get pods -A -o json >"${work}/pods.json"
check "allocation matches the engine and no node is over-committed" \
  python3 "$(dirname "${BASH_SOURCE[0]}")/check_allocation.py" "${work}/nodes.json" "${work}/pods.json" "${TEST_NS}" "${work}/expected.json"
check "kubemesos logged no errors" bash -c "! grep -q '\"level\":\"error\"' '${work}/kubemesos.log'"
check "kubemesos is still running" kill -0 "${operator}"

# SIGTERM stops it cleanly.
kill -TERM "${operator}"
check "kubemesos exits 0 on SIGTERM" wait "${operator}"
check "kubemesos logged its clean stop" grep -q '"msg":"stopped"' "${work}/kubemesos.log"
