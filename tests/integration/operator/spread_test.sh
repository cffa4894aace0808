#!/usr/bin/env bash
# Topology spread constraints (issue #14, item 2) on the real API server, with kube-scheduler as
# the reference, on 6 KWOK nodes in 3 zones (2 each):
# - the issue's reproducer: 9 pods, maxSkew 1 on topology.kubernetes.io/zone, DoNotSchedule:
#   kube-scheduler places 3/3/3, and so does kubemesos (the old binary put all 9 in one zone,
#   then refused the field);
# - a constraint that cannot be met (minDomains 4 over 3 zones: the global minimum counts as 0,
#   so each zone takes one pod): both bind 3 pods, one per zone, and leave the 4th pending, with
#   kube-scheduler's reason text in the message.
set -euo pipefail
# shellcheck source=tests/integration/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../cluster/lib.sh"
km_test_begin spread
# shellcheck source=tests/integration/operator/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
op_install_crds
op_nodes 6 4 16Gi # zone-a, zone-b, zone-c, zone-a, ... (hack/lib/objects.sh)
op_group_with_framework

op_start_kube_scheduler

# spread_pod NAME SCHEDULER APP [MIN_DOMAINS]: a 100m pod of framework "work" labelled app=APP
# on the test's nodes, spread over zones with maxSkew 1 among the pods labelled app=APP.
spread_pod() {
  local min=""
  [[ -n ${4:-} ]] && min=", minDomains: $4"
  km_pod "${TEST_NS}" work "$1" 100m 64Mi |
    sed "s|  labels: {kubemesos.io/framework: work}|  labels: {kubemesos.io/framework: work, app: $3}|; s|schedulerName: kubemesos|schedulerName: $2\n  nodeSelector: {kubemesos.io/test: ${TEST_NS}}\n  topologySpreadConstraints: [{maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: $3}}${min}}]|"
}
# bound_count APP: how many pods labelled app=APP are bound.
bound_count() {
  kc get pods -n "${TEST_NS}" -l "app=$1" -o json | jq '[.items[] | select(.spec.nodeName)] | length'
}
bound_is() { [[ $(bound_count "$1") == "$2" ]]; }
# zones APP: the sorted per-zone counts of the bound pods labelled app=APP, e.g. "3 3 3".
zones() {
  kc get nodes -l "kubemesos.io/test=${TEST_NS}" -o json |
    jq -r '.items[] | "\(.metadata.name) \(.metadata.labels["topology.kubernetes.io/zone"])"' >"${WORK}/zones"
  kc get pods -n "${TEST_NS}" -l "app=$1" -o jsonpath='{range .items[*]}{.spec.nodeName}{"\n"}{end}' |
    awk 'NR == FNR { zone[$1] = $2; next } $1 != "" { n[zone[$1]]++ } END { for (z in n) print n[z] }' \
      "${WORK}/zones" - | sort -n | paste -sd' '
}
# scheduled_message POD: the message of its PodScheduled condition.
scheduled_message() {
  kc get pod "$1" -n "${TEST_NS}" -o jsonpath='{range .status.conditions[?(@.type=="PodScheduled")]}{.message}{end}'
}
message_has() { [[ $(scheduled_message "$1") == *"$2"* ]]; }

# ---- the issue's reproducer
for i in $(seq 0 8); do spread_pod "ref-$i" default-scheduler ref; done | kc_quiet apply -f -
check "kube-scheduler binds the 9 reference pods" km::wait_for "reference bound" 90 bound_is ref 9
ref_zones=$(zones ref)
echo "     kube-scheduler: ${ref_zones}"
check "kube-scheduler spreads them 3/3/3" test "${ref_zones}" = "3 3 3"

op_start_kubemesos
for i in $(seq 0 8); do spread_pod "km-$i" kubemesos km; done | kc_quiet apply -f -
check "kubemesos binds the 9 pods" km::wait_for "kubemesos bound" 60 bound_is km 9
km_zones=$(zones km)
echo "     kubemesos: ${km_zones}"
check "kubemesos spreads them as kube-scheduler does (${ref_zones})" test "${km_zones}" = "${ref_zones}"

# ---- a constraint that cannot be met: minDomains 4 over 3 zones
for i in $(seq 0 3); do spread_pod "refmin-$i" default-scheduler refmin 4; done | kc_quiet apply -f -
check "kube-scheduler binds 3 of the 4 minDomains pods" km::wait_for "reference minDomains" 90 bound_is refmin 3
ref_pending=$(kc get pods -n "${TEST_NS}" -l app=refmin -o json |
  jq -r '[.items[] | select(.spec.nodeName == null)][0].metadata.name')
check "kube-scheduler says why" km::wait_for "reference message" 60 message_has "${ref_pending}" \
  "didn't match pod topology spread constraints"
echo "     kube-scheduler: $(scheduled_message "${ref_pending}")"
check "kube-scheduler's 3 are one per zone" test "$(zones refmin)" = "1 1 1"

for i in $(seq 0 3); do spread_pod "kmmin-$i" kubemesos kmmin 4; done | kc_quiet apply -f -
check "kubemesos binds 3 of the 4 minDomains pods" km::wait_for "kubemesos minDomains" 60 bound_is kmmin 3
km_pending=$(kc get pods -n "${TEST_NS}" -l app=kmmin -o json |
  jq -r '[.items[] | select(.spec.nodeName == null)][0].metadata.name')
check "kubemesos says why, in kube-scheduler's words" km::wait_for "kubemesos message" 30 \
  message_has "${km_pending}" "6 didn't match pod topology spread constraints"
echo "     kubemesos: $(scheduled_message "${km_pending}")"
check "kubemesos's 3 are one per zone" test "$(zones kmmin)" = "1 1 1"
check "the 4th is still not bound" test -z "$(kc get pod "${km_pending}" -n "${TEST_NS}" -o jsonpath='{.spec.nodeName}')"

op_check_stopped_cleanly
