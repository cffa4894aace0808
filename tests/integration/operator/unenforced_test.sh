#!/usr/bin/env bash
# Issue #14, "nothing silently ignored": a pending pod of ours asking for a placement constraint
# kubemesos does not enforce (here dynamic resource allocation, spec.resourceClaims, and an
# inline disk VolumeRestrictions guards, spec.volumes[].awsElasticBlockStore) is refused with
# PodScheduled=False, reason Unsupported (not InvalidSpec: the spec is valid), naming the field,
# and an Event with reason Unsupported; it is not bound. What kubemesos enforces is scheduled as
# before: host ports (two pods asking for one host port go to different nodes) and a pod with
# only preferences. (Before, host ports were refused here too, and required inter-pod
# (anti-)affinity and DoNotSchedule spread were placed as if absent; they have their own tests.)
set -euo pipefail
# shellcheck source=tests/integration/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../cluster/lib.sh"
km_test_begin unenforced
# shellcheck source=tests/integration/operator/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
op_install_crds
op_nodes 2 4 16Gi
op_group_with_framework
op_start_kubemesos

pod_with() { # NAME SPEC_YAML_LINES: a 100m pod of framework "work" on the test's nodes
  km_pod "${TEST_NS}" work "$1" 100m 64Mi |
    sed "s|schedulerName: kubemesos|schedulerName: kubemesos\n  nodeSelector: {kubemesos.io/test: ${TEST_NS}}\n$2|"
}
with_port() { # NAME: a pod of framework "work" asking for host port 8080
  km_pod "${TEST_NS}" work "$1" 100m 64Mi |
    sed "s|schedulerName: kubemesos|schedulerName: kubemesos\n  nodeSelector: {kubemesos.io/test: ${TEST_NS}}|; s|  - name: task|  - name: task\n    ports: [{containerPort: 80, hostPort: 8080}]|"
}
pod_with claims '  resourceClaims: [{name: gpu, resourceClaimName: gpu-0}]' | kc_quiet apply -f -
pod_with disk '  volumes: [{name: d, awsElasticBlockStore: {volumeID: vol-0}}]' | kc_quiet apply -f -
with_port port-a | kc_quiet apply -f -
with_port port-b | kc_quiet apply -f -
pod_with preferred '  affinity: {podAntiAffinity: {preferredDuringSchedulingIgnoredDuringExecution: [{weight: 1, podAffinityTerm: {topologyKey: kubernetes.io/hostname, labelSelector: {matchLabels: {app: x}}}}]}}' | kc_quiet apply -f -

refused() { # POD FIELD: PodScheduled=False/Unsupported naming FIELD
  local c
  c=$(kc get pod "$1" -n "${TEST_NS}" -o jsonpath='{range .status.conditions[?(@.type=="PodScheduled")]}{.status}/{.reason}/{.message}{end}')
  [[ $c == False/Unsupported/*"$2: "*"is not enforced by kubemesos"* ]] || { echo "got '${c}'"; return 1; }
}
event() { # POD: an Event with reason Unsupported on it
  kc get events -n "${TEST_NS}" --field-selector "involvedObject.name=$1,reason=Unsupported" -o json |
    jq -e '.items | length > 0' >/dev/null
}
node_of() { kc get pod "$1" -n "${TEST_NS}" -o jsonpath='{.spec.nodeName}'; }
check "resourceClaims is refused as Unsupported, naming the field" \
  km::wait_for "claims" 30 refused claims spec.resourceClaims
check "an inline EBS disk is refused as Unsupported, naming the field" \
  km::wait_for "disk" 30 refused disk 'spec.volumes[0].awsElasticBlockStore'
check "the refusal has an Unsupported Event" km::wait_for "claims event" 30 event claims
bound() { [[ -n $(node_of "$1") ]]; }
for p in port-a port-b preferred; do
  check "${p} is bound" km::wait_for "${p} bound" 60 bound "${p}"
done
check "pods sharing a host port are on different nodes" test "$(node_of port-a)" != "$(node_of port-b)"
for p in claims disk; do
  check "${p} is not bound" test -z "$(node_of "${p}")"
done
op_check_stopped_cleanly
