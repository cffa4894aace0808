#!/usr/bin/env bash
# Inter-pod affinity and anti-affinity (issue #14, item 1), the same workloads through
# kube-scheduler (the reference) and through kubemesos, on 4 KWOK nodes (zones a, b, c, a):
# - the issue's reproducer: 6 pods with required podAntiAffinity on kubernetes.io/hostname:
#   4 bound, one per node, 2 pending with PodScheduled=False naming the anti-affinity rules
#   (the old binary refused them; before that, it bound all 6 to one node);
# - required podAffinity: 3 pods follow a target pod (pinned to n0) into its zone (n0 or n3);
#   one whose target does not exist stays pending naming the affinity rules;
# - preferred podAffinity on the hostname: 2 pods go to the node of a pod they prefer, the
#   emptiest one (kubemesos' binpack would otherwise pick a fuller node).
set -euo pipefail
# shellcheck source=tests/integration/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../cluster/lib.sh"
km_test_begin affinity
# shellcheck source=tests/integration/operator/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
op_install_crds
op_nodes 4 4 16Gi
op_group_with_framework
N="${TEST_NS}-n"

op_start_kube_scheduler
op_start_kubemesos

# pod NAME SCHEDULER APP AFFINITY_FLOW_YAML [NODE]: a 100m pod of framework "work" on the
# test's nodes, labelled app=APP, with spec.affinity (and spec.nodeName NODE if given).
pod() {
  local node=""
  [[ -n ${5:-} ]] && node="nodeName: $5"
  cat <<YAML
---
apiVersion: v1
kind: Pod
metadata:
  name: $1
  namespace: ${TEST_NS}
  labels: {kubemesos.io/framework: work, app: $3}
spec:
  schedulerName: $2
  ${node}
  nodeSelector: {kubemesos.io/test: ${TEST_NS}}
  affinity: $4
  containers:
  - name: task
    image: busybox
    resources:
      requests: {cpu: 100m, memory: 64Mi}
YAML
}
node_of() { kc get pod "$1" -n "${TEST_NS}" -o jsonpath='{.spec.nodeName}'; }
condition() { # POD: "status/reason/message" of PodScheduled
  kc get pod "$1" -n "${TEST_NS}" -o jsonpath='{range .status.conditions[?(@.type=="PodScheduled")]}{.status}/{.reason}/{.message}{end}'
}
bound_count() { # PREFIX: how many pods named PREFIX* are bound, and on how many nodes
  kc get pods -n "${TEST_NS}" -o json | jq -r --arg p "$1" \
    '[.items[] | select(.metadata.name | startswith($p)) | .spec.nodeName // empty] |
     "\(length) \(unique | length)"'
}
pending_with() { # POD TEXT: PodScheduled=False, unbound, message containing TEXT
  local c
  c=$(condition "$1")
  [[ -z $(node_of "$1") && $c == False/Unschedulable/*"$2"* ]] || { echo "got '${c}'"; return 1; }
}
on_one_of() { # POD NODE...: bound to one of the nodes
  local n
  n=$(node_of "$1")
  shift
  for want in "$@"; do [[ ${n} == "${want}" ]] && return 0; done
  echo "on '${n}'"
  return 1
}

for sched in default-scheduler kubemesos; do
  p=km
  [[ ${sched} == default-scheduler ]] && p=ref
  echo "---- ${sched}"
  # The issue's reproducer.
  anti="{podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{topologyKey: kubernetes.io/hostname, labelSelector: {matchLabels: {app: ${p}-anti}}}]}}"
  for i in 0 1 2 3 4 5; do pod "${p}-anti-${i}" "${sched}" "${p}-anti" "${anti}"; done | kc_quiet apply -f -
  pending_two() {
    local n=0 i
    for i in 0 1 2 3 4 5; do
      if pending_with "${p}-anti-${i}" "didn't match pod anti-affinity rules" >/dev/null; then n=$((n + 1)); fi
    done
    [[ ${n} == 2 ]]
  }
  check "${sched}: 2 anti-affine pods pending with the anti-affinity reason" km::wait_for "2 pending" 60 pending_two
  four_on_four() { [[ $(bound_count "${p}-anti-") == "4 4" ]]; }
  check "${sched}: 4 anti-affine pods bound, one per node" km::wait_for "4 bound on 4 nodes" 30 four_on_four
  for i in 0 1 2 3 4 5; do
    if [[ -z $(node_of "${p}-anti-${i}") ]]; then echo "     ${p}-anti-${i}: $(condition "${p}-anti-${i}")"; fi
  done

  # Required affinity: the target is pinned to n0 (zone-a; n3 is in zone-a too).
  pod "${p}-db" "${sched}" "${p}-db" "{}" "${N}0" | kc_quiet apply -f -
  follow="{podAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{topologyKey: topology.kubernetes.io/zone, labelSelector: {matchLabels: {app: ${p}-db}}}]}}"
  for i in 0 1 2; do pod "${p}-follow-${i}" "${sched}" "${p}-follow" "${follow}"; done | kc_quiet apply -f -
  orphan="{podAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{topologyKey: topology.kubernetes.io/zone, labelSelector: {matchLabels: {app: ${p}-nothing}}}]}}"
  pod "${p}-orphan" "${sched}" "${p}-orphan" "${orphan}" | kc_quiet apply -f -
  for i in 0 1 2; do
    check "${sched}: follower ${i} is bound in the target's zone" \
      km::wait_for "follower ${i}" 60 on_one_of "${p}-follow-${i}" "${N}0" "${N}3"
  done
  check "${sched}: a pod whose affinity target does not exist is pending with the affinity reason" \
    km::wait_for "orphan pending" 60 pending_with "${p}-orphan" "didn't match pod affinity rules"
  echo "     ${p}-orphan: $(condition "${p}-orphan")"

  # Preferred affinity to a lure pinned on n2, the emptiest node: binpack alone would choose
  # n0 or n3 (the most allocated), so only the preference brings the pods to n2.
  pod "${p}-lure" "${sched}" "${p}-lure" "{}" "${N}2" | kc_quiet apply -f -
  near="{podAffinity: {preferredDuringSchedulingIgnoredDuringExecution: [{weight: 100, podAffinityTerm: {topologyKey: kubernetes.io/hostname, labelSelector: {matchLabels: {app: ${p}-lure}}}}]}}"
  check "${sched}: the lure is on n2" km::wait_for "lure" 30 on_one_of "${p}-lure" "${N}2"
  for i in 0 1; do pod "${p}-near-${i}" "${sched}" "${p}-near" "${near}"; done | kc_quiet apply -f -
  for i in 0 1; do
    check "${sched}: preferred-affinity pod ${i} is bound next to the lure" \
      km::wait_for "near ${i}" 60 on_one_of "${p}-near-${i}" "${N}2"
  done
done

# Every later cycle kept the 2 pending anti-affine pods off the nodes (the other pods came and
# were bound meanwhile).
check "kubemesos: still exactly 4 anti-affine pods bound on 4 nodes" \
  test "$(bound_count km-anti-)" == "4 4"
op_check_stopped_cleanly
