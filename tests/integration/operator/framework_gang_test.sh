#!/usr/bin/env bash
# Framework gangs (spec.gang) against the real kube-apiserver and KWOK:
# (a) a gang of 6 tasks x 3 cpu, minMember 6, on 5 nodes of 4 cpu (one task per node): none is
#     bound, cycle after cycle; its pods say PodScheduled=False Unschedulable with the gang's
#     message; the Framework says status.gang.phase Pending, GangSchedulable=False, and one
#     GangUnschedulable Event; a sixth node makes all 6 bound (phase Running, GangScheduled).
# (b) two gangs that each fit alone but not together, made placeable at once: exactly one runs,
#     the first in DRF order (equal weights and shares: by name, alpha); the other stays
#     Pending; deleting the winner lets the other run.
# (c) a gang whose minimum exceeds its ResourceGroup's limit is never placed: its pods say
#     QuotaExceeded, and GangSchedulable=False says it can never be placed.
set -euo pipefail
# shellcheck source=tests/integration/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../cluster/lib.sh"
km_test_begin framework_gang
# shellcheck source=tests/integration/operator/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
op_install_crds
op_nodes 5 4 16Gi

G="${TEST_NS}-g"
group() {  # group NAME [SPEC]
  local spec="${2:-}"
  printf 'apiVersion: kubemesos.io/v1alpha1\nkind: ResourceGroup\nmetadata: {name: %s}\nspec: %s\n' \
    "$1" "${spec:-"{}"}" | kc_quiet apply -f -
  KM_CLEANUPS+=("'${KUBECTL}' delete rg $1 --wait=false --ignore-not-found")
}
# gang NAME GROUP INSTANCES CPU: a Framework of one task of INSTANCES pods of CPU cpu each, all
# of them its gang (minMember = INSTANCES), kept on this test's nodes.
gang() {
  cat <<YAML
apiVersion: kubemesos.io/v1alpha1
kind: Framework
metadata: {name: $1, namespace: ${TEST_NS}}
spec:
  resourceGroup: $2
  gang: {minMember: $3}
  tasks:
  - name: w
    instances: $3
    template:
      spec:
        nodeSelector: {kubemesos.io/test: ${TEST_NS}}
        containers: [{name: c, image: busybox, resources: {requests: {cpu: "$4", memory: 1Gi}}}]
---
YAML
}
fw_json() { kc get fw "$1" -n "${TEST_NS}" -o json; }
pods_of() { kc get pods -n "${TEST_NS}" -l "kubemesos.io/framework=$1" -o json; }
bound() { pods_of "$1" | jq '[.items[] | select(.spec.nodeName != null)] | length'; }
created() { pods_of "$1" | jq '.items | length'; }
bound_is() { [[ "$(bound "$1")" == "$2" ]]; }
all_created() { [[ "$(created "$1")" == "$2" ]]; }
# condition FW TYPE: "status/reason/message" of the Framework's condition TYPE.
condition() {
  fw_json "$1" | jq -r --arg t "$2" '.status.conditions[]? | select(.type == $t) | "\(.status)/\(.reason)/\(.message)"'
}
gang_phase() { fw_json "$1" | jq -r '.status.gang.phase // ""'; }
# pods_say FW REASON TEXT: every pod of FW is unbound with PodScheduled=False REASON and a
# message containing TEXT.
pods_say() {
  pods_of "$1" | jq -e --arg r "$2" --arg t "$3" '(.items | length) > 0 and all(.items[];
    .spec.nodeName == null and any(.status.conditions[]?; .type == "PodScheduled" and
      .status == "False" and .reason == $r and (.message | contains($t))))' >/dev/null
}
cycles_after() { local n; n=$(op_metric kubemesos_allocation_cycle_seconds_count); [[ -n $n ]] && ((n >= $1)); }
# a few more cycles: long enough for a partial placement to have happened if it were allowed.
more_cycles() {
  local base; base=$(op_metric kubemesos_allocation_cycle_seconds_count)
  check "kubemesos ran $1 more cycles" km::wait_for "cycles" 90 cycles_after "$((${base%.*} + $1))"
}

group "${G}"
op_start_kubemesos

echo "# (a) a gang that does not fit as a whole waits whole"
gang g6 "${G}" 6 3 | kc_quiet apply -f -
check "6 task pods created" km::wait_for "g6 pods" 60 all_created g6 6
g6_waits() {
  [[ "$(gang_phase g6)" == Pending && "$(condition g6 GangSchedulable)" == False/Unschedulable/* ]]
}
check "status.gang.phase Pending, GangSchedulable=False Unschedulable" km::wait_for "g6 pending" 60 g6_waits
echo "     GangSchedulable: $(condition g6 GangSchedulable)"
more_cycles 5
check "no g6 pod bound after 5 more cycles (all or nothing)" bound_is g6 0
check "every g6 pod: PodScheduled=False Unschedulable, naming the gang" \
  km::wait_for "g6 pod reasons" 30 pods_say g6 Unschedulable "${TEST_NS}/g6"
g6_block() {
  fw_json g6 | jq -e '.status.gang | .minMember == 6 and .active == 0 and .pending == 6 and
    (.lastFailure | length > 0) and (.waitingSince | length > 0)' >/dev/null
}
check "status.gang: minMember 6, active 0, pending 6, a lastFailure, waitingSince" g6_block
condition_is() { [[ "$(condition "$1" "$2")" == $3 ]]; }  # FW TYPE PATTERN
check "GangScheduled=False" condition_is g6 GangScheduled "False/*"
gang_events() {
  kc get events -n "${TEST_NS}" --field-selector involvedObject.name=g6,reason=GangUnschedulable -o json |
    jq '[.items[] | .count // 1] | add // 0'
}
one_gang_event() { [[ "$(gang_events)" == 1 ]]; }
check "one GangUnschedulable Event on the Framework" km::wait_for "g6 event" 30 one_gang_event
pending_gangs() { local n; n=$(op_metric 'kubemesos_gangs{phase="Pending"}'); [[ -n $n ]] && ((${n%.*} >= 1)); }
check "kubemesos_gangs{phase=\"Pending\"} counts it" km::wait_for "gangs metric" 30 pending_gangs

km::objects::nodes 5 6 4 16Gi 110 3 "${TEST_NS}-n" |
  sed "s|    type: kwok|    type: kwok\n    kubemesos.io/test: ${TEST_NS}|" | kc_quiet apply -f -
check "a sixth node: all 6 bound" km::wait_for "g6 bound" 60 bound_is g6 6
g6_runs() {
  [[ "$(gang_phase g6)" == Running && "$(condition g6 GangScheduled)" == True/MinMemberBound/* &&
    "$(condition g6 GangSchedulable)" == True/* ]]
}
check "status.gang.phase Running, GangScheduled=True, GangSchedulable=True" km::wait_for "g6 running" 30 g6_runs
time_observed() {
  local n; n=$(op_metric kubemesos_gang_time_to_schedule_seconds_count); [[ -n $n ]] && ((${n%.*} >= 1))
}
check "kubemesos_gang_time_to_schedule_seconds observed it" km::wait_for "gang metric" 30 time_observed
check "one GangUnschedulable Event still (once per change)" one_gang_event
kc_quiet delete fw g6 -n "${TEST_NS}"
none_left() { [[ "$(created "$1")" == 0 ]]; }
check "g6 deleted: its pods are gone" km::wait_for "g6 gone" 60 none_left g6

echo "# (b) two gangs that fit alone, not together: exactly one runs, the first in DRF order"
# 6 nodes of 4 cpu; each gang needs 4 whole nodes. Their group comes last, so that both
# gangs have all their pods when they first become placeable, in the same cycle.
GB="${TEST_NS}-duel"
{ gang beta "${GB}" 4 4; gang alpha "${GB}" 4 4; } | kc_quiet apply -f -
duel_created() { all_created alpha 4 && all_created beta 4; }
check "alpha's and beta's 4 pods created (their group does not exist yet)" \
  km::wait_for "duel pods" 60 duel_created
group "${GB}"
one_runs() { bound_is alpha 4 && [[ "$(gang_phase beta)" == Pending ]]; }
check "alpha (first by name) has all 4 bound; beta Pending" km::wait_for "duel" 60 one_runs
more_cycles 5
check "beta: none bound after 5 more cycles" bound_is beta 0
check "alpha: still 4 bound" bound_is alpha 4
check "beta: GangSchedulable=False" condition_is beta GangSchedulable "False/*"
kc_quiet delete fw alpha -n "${TEST_NS}"
check "alpha deleted: beta runs, all 4 bound" km::wait_for "beta runs" 90 bound_is beta 4
kc_quiet delete fw beta -n "${TEST_NS}"

echo "# (c) a gang over its group's limit never runs"
GL="${TEST_NS}-small"
group "${GL}" '{limit: {cpu: "8"}}'
gang over "${GL}" 3 4 | kc_quiet apply -f -   # 12 cpu > the limit of 8
check "3 task pods created" km::wait_for "over pods" 60 all_created over 3
over_refused() { [[ "$(condition over GangSchedulable)" == False/QuotaExceeded/*"can never be placed"* ]]; }
check "GangSchedulable=False QuotaExceeded: it can never be placed" km::wait_for "over refused" 60 over_refused
echo "     GangSchedulable: $(condition over GangSchedulable)"
check "every pod: PodScheduled=False QuotaExceeded (not Unschedulable: more nodes would not help)" \
  km::wait_for "over pod reasons" 30 pods_say over QuotaExceeded "${GL}"
more_cycles 3
check "no pod of the gang bound" bound_is over 0
phase_is() { [[ "$(gang_phase "$1")" == "$2" ]]; }
check "status.gang.phase Pending" phase_is over Pending
op_check_stopped_cleanly
