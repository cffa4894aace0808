#!/usr/bin/env bash
# Lend and reclaim against the real kube-apiserver, kube-controller-manager (ReplicaSets re-create
# every victim) and KWOK:
# (a) "owner" guarantees 8 cpu (Lend, delaySeconds 5) and runs nothing; "borrower" (no guarantee)
#     runs a Deployment of 16 x 1 cpu on 16 cpu: all bound, revocable, borrowed 16, owner's 8 lent.
#     The owner's Deployment of 8 x 1 cpu arrives: within delaySeconds + grace + one attempt it
#     has all 8 bound; exactly 8 borrower pods were preempted (Preempted Events), each victim's
#     replacement stays pending (its group is at no guarantee) and nothing more is evicted for
#     5 x delaySeconds while the ReplicaSet keeps them pending: no storm.
# (b) a gang of 4 x 2 cpu (minMember 4) in a group guaranteeing 8 cpu reclaims from single
#     tasks: all 4 members bound together, exactly 8 cpu of single tasks preempted.
set -euo pipefail
# shellcheck source=tests/integration/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../cluster/lib.sh"
km_test_begin reclaim
# shellcheck source=tests/integration/operator/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
op_install_crds
op_nodes 4 4 16Gi

group() {  # group NAME SPEC
  printf 'apiVersion: kubemesos.io/v1alpha1\nkind: ResourceGroup\nmetadata: {name: %s}\nspec: %s\n' \
    "$1" "$2" | kc_quiet apply -f -
  KM_CLEANUPS+=("'${KUBECTL}' delete rg $1 --wait=false --ignore-not-found")
}
framework() {  # framework NAME GROUP: a Framework that adopts the pods labelled with it
  printf 'apiVersion: kubemesos.io/v1alpha1\nkind: Framework\nmetadata: {name: %s, namespace: %s}\nspec: {resourceGroup: %s}\n' \
    "$1" "${TEST_NS}" "$2" | kc_quiet apply -f -
}
deployment() {  # deployment NAME FRAMEWORK REPLICAS CPU
  cat <<YAML | kc_quiet apply -f -
apiVersion: apps/v1
kind: Deployment
metadata: {name: $1, namespace: ${TEST_NS}}
spec:
  replicas: $3
  selector: {matchLabels: {app: $1}}
  template:
    metadata: {labels: {app: $1, kubemesos.io/framework: $2}}
    spec:
      schedulerName: kubemesos
      terminationGracePeriodSeconds: 0
      nodeSelector: {kubemesos.io/test: ${TEST_NS}}
      containers: [{name: c, image: busybox, resources: {requests: {cpu: "$4", memory: 256Mi}}}]
YAML
}
pods_json() { kc get pods -n "${TEST_NS}" -l "kubemesos.io/framework=$1" -o json; }
bound() { pods_json "$1" | jq '[.items[] | select(.spec.nodeName != null and .metadata.deletionTimestamp == null)] | length'; }
pending() { pods_json "$1" | jq '[.items[] | select(.spec.nodeName == null)] | length'; }
bound_is() { [[ "$(bound "$1")" == "$2" ]]; }
rg_status() { kc get rg "$1" -o json | jq -c ".status.$2 // {}"; }
preempted_events() {
  kc get events -n "${TEST_NS}" --field-selector reason=Preempted,involvedObject.kind=Pod -o json |
    jq '[.items[] | .count // 1] | add // 0'
}
cycles_after() { local n; n=$(op_metric kubemesos_allocation_cycle_seconds_count); [[ -n $n ]] && ((${n%.*} >= $1)); }

OWN="${TEST_NS}-owner"
BOR="${TEST_NS}-borrower"
group "${OWN}" '{guarantee: {cpu: "8"}, guaranteePolicy: Lend, preemption: {delaySeconds: 5}}'
group "${BOR}" '{}'
framework own "${OWN}"
framework bor "${BOR}"
op_start_kubemesos

echo "# (a) lend, then reclaim within the bound, without a storm"
deployment bor bor 16 1
check "the borrower's 16 pods are bound on the owner's idle guarantee" km::wait_for "bor bound" 90 bound_is bor 16
all_revocable() {
  pods_json bor | jq -e '[.items[] | select(.spec.nodeName != null) |
    .metadata.annotations["kubemesos.io/revocable"] == "true"] | length == 16 and all' >/dev/null
}
check "each of them is annotated kubemesos.io/revocable=true (set in its Binding)" all_revocable
lent() { [[ "$(rg_status "${OWN}" lent)" == *'"cpu":"8"'* ]]; }
check "owner: status.lent cpu 8" km::wait_for "lent" 30 lent
echo "     owner status: lent $(rg_status "${OWN}" lent), borrower borrowed $(rg_status "${BOR}" borrowed)"
start=$(date +%s.%N)
deployment own own 8 1
check "the owner gets its 8 cpu back" km::wait_for "own bound" 90 bound_is own 8
if ! bound_is own 8; then  # what happened, for the failure's reader
  echo "     own bound $(bound own), pending $(pending own); bor bound $(bound bor)"
  curl -sf "${METRICS_URL}/metrics" | grep -E '^kubemesos_(preemptions_total|evictions_total|preemptions_in_flight)' | grep -v ' 0$' || true
  kc get pods -n "${TEST_NS}" -l kubemesos.io/framework=own -o json |
    jq -r '.items[0] | "\(.metadata.name) \(.status.conditions // [] | map(.reason + ": " + (.message // "")) | join("; "))"'
  grep -iE 'preempt|evict|plan' "${WORK}/kubemesos.log" | tail -5 || true
fi
took=$(echo "$(date +%s.%N) - ${start}" | bc)
echo "     reclaimed 8 cpu in ${took} s (delaySeconds 5, grace 0, attempt interval 15)"
within_bound() { (($(echo "${took} < 5 + 15 + 15" | bc))); }
check "within delaySeconds + one attempt interval + slack" within_bound
eight_events() { [[ "$(preempted_events)" == 8 ]]; }
check "exactly 8 Preempted Events (one per victim, the minimal set)" km::wait_for "events" 30 eight_events
replaced() { [[ "$(pending bor)" == 8 ]]; }
check "the ReplicaSet re-created the 8 victims; they wait" km::wait_for "replacements" 60 replaced
base=$(op_metric kubemesos_allocation_cycle_seconds_count)
check "25 s (5 x delaySeconds) of cycles pass" km::wait_for "cycles" 120 cycles_after "$((${base%.*} + 25))"
no_storm() { [[ "$(preempted_events)" == 8 ]] && bound_is own 8 && bound_is bor 8; }
check "no further preemption: 8 events, owner 8, borrower 8 bound" no_storm
op_check_cluster

echo "# (b) a gang reclaims from single tasks, all members at once"
GANG="${TEST_NS}-ml"
group "${GANG}" '{guarantee: {cpu: "8"}, preemption: {delaySeconds: 5}}'
kc_quiet scale deployment own -n "${TEST_NS}" --replicas=0
check "the owner's pods are gone" km::wait_for "own gone" 60 bound_is own 0
check "the borrower takes the freed 8 cpu back (lent again)" km::wait_for "bor 16" 60 bound_is bor 16
cat <<YAML | kc_quiet apply -f -
apiVersion: kubemesos.io/v1alpha1
kind: Framework
metadata: {name: train, namespace: ${TEST_NS}}
spec:
  resourceGroup: ${GANG}
  gang: {minMember: 4}
  tasks:
  - name: w
    instances: 4
    template:
      spec:
        terminationGracePeriodSeconds: 0
        nodeSelector: {kubemesos.io/test: ${TEST_NS}}
        containers: [{name: c, image: busybox, resources: {requests: {cpu: "2", memory: 256Mi}}}]
YAML
check "the gang's 4 members are bound" km::wait_for "gang bound" 120 bound_is train 4
gang_events() { [[ "$(preempted_events)" == 16 ]]; }
check "exactly 8 more single tasks preempted (8 cpu for 4 x 2 cpu)" km::wait_for "gang events" 30 gang_events
op_check_cluster
op_check_stopped_cleanly
