#!/usr/bin/env bash
# Smoke test of the simulated kubelet (KWOK stages in hack/kwok/kwok.yaml): a
# pod with spec.nodeName runs; kubemesos.io/complete-after makes it Succeeded;
# kubemesos.io/exit-code makes it Failed with that exit code.
set -euo pipefail
# shellcheck source=tests/integration/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
km_test_begin pod-lifecycle

node="${KUBEMESOS_NODE_PREFIX}1"
pod_manifest runs "" "nodeName: ${node}" | kc apply -f - >/dev/null
pod_manifest succeeds '"kubemesos.io/complete-after": "2s"' "nodeName: ${node}" | kc apply -f - >/dev/null
pod_manifest fails '"kubemesos.io/complete-after": "1s", "kubemesos.io/exit-code": "3"' "nodeName: ${node}" | kc apply -f - >/dev/null

check "pod with spec.nodeName is Running" wait_for_jsonpath 30 Running pod runs -n "${TEST_NS}" '{.status.phase}'
check "running pod has a pod IP" test -n "$(kc get pod runs -n "${TEST_NS}" -o jsonpath='{.status.podIP}')"
check "running pod is Ready" wait_for_jsonpath 10 True pod runs -n "${TEST_NS}" '{.status.conditions[?(@.type=="Ready")].status}'
check "complete-after pod reaches Succeeded" wait_for_jsonpath 30 Succeeded pod succeeds -n "${TEST_NS}" '{.status.phase}'
times="$(kc get pod succeeds -n "${TEST_NS}" -o jsonpath='{.status.containerStatuses[0].state.terminated.startedAt} {.status.containerStatuses[0].state.terminated.finishedAt}')"
ran=$(( $(date -d "${times#* }" +%s) - $(date -d "${times% *}" +%s) ))
check "Succeeded pod ran for its delay of 2s (started and finished: ${times}, ${ran}s)" test "${ran}" -ge 2
check "Succeeded pod's container exited 0" wait_for_jsonpath 5 0 pod succeeds -n "${TEST_NS}" '{.status.containerStatuses[0].state.terminated.exitCode}'
check "exit-code pod reaches Failed" wait_for_jsonpath 30 Failed pod fails -n "${TEST_NS}" '{.status.phase}'
check "Failed pod's container exited 3" wait_for_jsonpath 5 3 pod fails -n "${TEST_NS}" '{.status.containerStatuses[0].state.terminated.exitCode}'
check "the plain running pod still runs" wait_for_jsonpath 5 Running pod runs -n "${TEST_NS}" '{.status.phase}'

# Deleting a pod on a fake node completes (KWOK's pod-delete stage).
kc delete pod runs -n "${TEST_NS}" --wait=false >/dev/null
gone() { ! kc get pod runs -n "${TEST_NS}" -o name 2>/dev/null | grep -q .; }
check "deleted pod disappears" km::wait_for "pod deletion" 30 gone
