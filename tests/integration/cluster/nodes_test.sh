#!/usr/bin/env bash
# Smoke test: every fake node of the shared cluster is Ready, managed by KWOK
# (annotation kwok.x-k8s.io/node=fake), spread over zones, with the allocatable
# that hack/cluster.sh was asked for.
set -euo pipefail
# shellcheck source=tests/integration/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
km_test_begin nodes

want="${KUBEMESOS_NODES}"
ready() {
  [[ "$(kc get nodes -l type=kwok -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c '^True$')" -ge "${want}" ]]
}
check "${want} nodes Ready" km::wait_for "nodes Ready" 60 ready
check "all nodes annotated kwok.x-k8s.io/node=fake" \
  test "$(kc get nodes -o jsonpath='{range .items[*]}{.metadata.annotations.kwok\.x-k8s\.io/node}{"\n"}{end}' | grep -c '^fake$')" -eq "${want}"
zones="$(kc get nodes -L topology.kubernetes.io/zone --no-headers | awk '{print $NF}' | sort -u | wc -l)"
if ((want >= 3)); then
  check "nodes spread over 3 zones (got ${zones})" test "${zones}" -eq 3
fi
alloc="$(kc get node "${KUBEMESOS_NODE_PREFIX}0" -o jsonpath='{.status.allocatable.cpu}/{.status.allocatable.memory}/{.status.allocatable.pods}')"
check "allocatable of ${KUBEMESOS_NODE_PREFIX}0 is set (${alloc})" test -n "${alloc%%/*}"
last="${KUBEMESOS_NODE_PREFIX}$((want - 1))"
check "nodes are named ${KUBEMESOS_NODE_PREFIX}0..${last}" kc_quiet get node "${KUBEMESOS_NODE_PREFIX}0" "${last}"
check "node lease renewed by kwok" kc_quiet get lease -n kube-node-lease "${KUBEMESOS_NODE_PREFIX}0" -o name
