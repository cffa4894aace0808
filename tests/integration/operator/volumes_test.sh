#!/usr/bin/env bash
# Volumes (issue #14, item 5) on the real control plane, kube-scheduler as the reference. Two
# nodes in two zones; PersistentVolumes with node affinity for one zone, bound statically to
# their claims by kube-controller-manager's PV controller (claimRef + volumeName, no
# provisioner). A pod whose claim is bound to the zone-b volume goes to zone b under kubemesos
# and under kube-scheduler. A pod whose claim does not exist is not bound: kubemesos says
# PodScheduled=False/WaitingForVolume naming the claim (kube-scheduler: Unschedulable with the
# same "not found"); once the claim is created and bound to a zone-a volume, the pod is bound in
# zone a.
set -euo pipefail
# shellcheck source=tests/integration/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../cluster/lib.sh"
km_test_begin volumes
# shellcheck source=tests/integration/operator/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
op_install_crds
op_nodes 2 4 16Gi
zone_a="${TEST_NS}-a" zone_b="${TEST_NS}-b"
kc_quiet label node "${TEST_NS}-n0" "topology.kubernetes.io/zone=${zone_a}" --overwrite
kc_quiet label node "${TEST_NS}-n1" "topology.kubernetes.io/zone=${zone_b}" --overwrite
op_group_with_framework

# volume NAME ZONE CLAIM: a PV reachable from ZONE only, pre-bound to CLAIM in the test's
# namespace; and the claim naming it (storageClassName "": no default class, no provisioner).
volume() {
  cat <<YAML | kc_quiet apply -f -
apiVersion: v1
kind: PersistentVolume
metadata: {name: ${TEST_NS}-$1}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: ""
  persistentVolumeReclaimPolicy: Retain
  hostPath: {path: /tmp/${TEST_NS}-$1}
  claimRef: {namespace: ${TEST_NS}, name: $3}
  nodeAffinity:
    required:
      nodeSelectorTerms:
      - matchExpressions: [{key: topology.kubernetes.io/zone, operator: In, values: [$2]}]
YAML
  KM_CLEANUPS+=("'${KUBECTL}' delete pv ${TEST_NS}-$1 --wait=false")
}
claim() { # NAME VOLUME
  cat <<YAML | kc_quiet apply -f -
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: $1, namespace: ${TEST_NS}}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: ""
  volumeName: ${TEST_NS}-$2
  resources: {requests: {storage: 1Gi}}
YAML
}
# pod_with_claim NAME SCHEDULER CLAIM: a 100m pod of framework "work" on the test's nodes.
pod_with_claim() {
  km_pod "${TEST_NS}" work "$1" 100m 64Mi |
    sed "s|schedulerName: kubemesos|schedulerName: $2\n  nodeSelector: {kubemesos.io/test: ${TEST_NS}}\n  volumes: [{name: data, persistentVolumeClaim: {claimName: $3}}]|" |
    kc_quiet apply -f -
}
scheduled_condition() { # POD: "status/reason/message" of its PodScheduled condition
  kc get pod "$1" -n "${TEST_NS}" -o jsonpath='{range .status.conditions[?(@.type=="PodScheduled")]}{.status}/{.reason}/{.message}{end}'
}

volume pv-b "${zone_b}" data
claim data pv-b
check "the claim is bound by the PV controller" \
  wait_for_jsonpath 60 Bound pvc data -n "${TEST_NS}" '{.status.phase}'

# The reference: kube-scheduler.
op_start_kube_scheduler
pod_with_claim zonal-ref default-scheduler data
check "kube-scheduler: the zonal claim's pod goes to zone b" \
  wait_for_jsonpath 60 "${TEST_NS}-n1" pod zonal-ref -n "${TEST_NS}" '{.spec.nodeName}'
pod_with_claim missing-ref default-scheduler missing
has_condition() { [[ -n $(scheduled_condition "$1") ]]; }
check "kube-scheduler: the pod of a missing claim gets a condition" \
  km::wait_for "reference condition" 60 has_condition missing-ref
ref=$(scheduled_condition missing-ref)
echo "     kube-scheduler: ${ref}"
ref_not_found() { [[ ${ref} == False/Unschedulable/*'persistentvolumeclaim "missing" not found'* ]]; }
check "kube-scheduler: not bound, claim not found" ref_not_found
kc_quiet delete pod zonal-ref missing-ref -n "${TEST_NS}" --grace-period=0 --force

op_start_kubemesos
pod_with_claim zonal kubemesos data
check "kubemesos: the zonal claim's pod goes to zone b" \
  wait_for_jsonpath 60 "${TEST_NS}-n1" pod zonal -n "${TEST_NS}" '{.spec.nodeName}'
pod_with_claim waits kubemesos missing
waiting() {
  local c
  c=$(scheduled_condition waits)
  [[ $c == 'False/WaitingForVolume/persistentvolumeclaim "missing" not found' ]] || {
    echo "got '${c}'"
    return 1
  }
}
check "kubemesos: the pod of a missing claim waits, naming it" km::wait_for "waiting" 30 waiting
check "kubemesos: it is not bound" test -z "$(kc get pod waits -n "${TEST_NS}" -o jsonpath='{.spec.nodeName}')"
check "kubemesos: a WaitingForVolume Event names the claim" bash -c \
  "'${KUBECTL}' get events -n '${TEST_NS}' --field-selector involvedObject.name=waits,reason=WaitingForVolume -o jsonpath='{.items[*].message}' | grep -q 'persistentvolumeclaim \"missing\" not found'"
# The claim appears, bound to a zone-a volume: the pod is re-evaluated and bound there.
volume pv-a "${zone_a}" missing
claim missing pv-a
check "kubemesos: once its claim is bound the pod goes to the volume's zone (a)" \
  wait_for_jsonpath 60 "${TEST_NS}-n0" pod waits -n "${TEST_NS}" '{.spec.nodeName}'
op_check_stopped_cleanly
