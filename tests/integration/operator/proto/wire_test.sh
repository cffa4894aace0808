#!/usr/bin/env bash
# The protobuf codec (operator/proto, issue #17) against the live kube-apiserver: the objects of
# objects.sh (a Pod with affinity, tolerations, spread, volumes, Quantities, ownerReferences and
# a deletionTimestamp; a running Pod; a tainted Node; PV, PVCs, StorageClass, CSINode,
# Namespace, PodGroups), a 404 Status, list pages and a watch (initial events, a label, a
# delete, a create) are each read twice, with Accept: application/json and with Accept:
# application/vnd.kubernetes.protobuf; proto_wire_check decodes the protobuf and compares it
# with the JSON field by field (after leaving out the fields the codec drops).
#
#   wire_test.sh [--save DIR]   # DIR keeps the captures (to refresh tests/unit/.../testdata)
set -euo pipefail
# shellcheck source=tests/integration/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../cluster/lib.sh"
km_test_begin proto_wire
# shellcheck source=tests/integration/operator/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
# shellcheck source=tests/integration/operator/proto/objects.sh
source "$(dirname "${BASH_SOURCE[0]}")/objects.sh"

CHECKER="${KUBEMESOS_PROTO_WIRE_CHECK:-${KM_REPO_ROOT}/build/tests/integration/operator/proto/proto_wire_check}"
[[ -x ${CHECKER} ]] || km::die "proto_wire_check not built (${CHECKER})"
OUT="${WORK}/captures"
if [[ ${1:-} == --save ]]; then
  OUT=${2:?--save DIR}
fi
mkdir -p "${OUT}"
PKI="${KUBEMESOS_CLUSTER_DIR}/pki"
# api PATH ACCEPT FILE: the body of GET PATH into FILE; prints "HTTP-code content-type".
api() {
  curl -sS --cacert "${PKI}/ca.crt" --cert "${PKI}/admin.crt" --key "${PKI}/admin.key" \
    -H "Accept: $2" -o "$3" -w '%{http_code} %{content_type}' "${KUBEMESOS_APISERVER}$1"
}
# both NAME PATH [--exact]: GET PATH in both encodings (NAME.json, NAME.pb); checks the server
# answered the protobuf request in protobuf. --exact (lists): the protobuf read is at exactly the
# resourceVersion of the JSON one, since two plain LISTs a moment apart may see different
# revisions of the cluster (a full local run once saw a PVC list differ in its metadata or item
# count).
both() {
  local json_status pb_status pb_path=$2 rv
  json_status=$(api "$2" application/json "${OUT}/$1.json")
  if [[ ${3:-} == --exact ]]; then
    rv=$(jq -r '.metadata.resourceVersion // empty' "${OUT}/$1.json")
    [[ -n ${rv} ]] || { echo "     $1: JSON ${json_status}, no resourceVersion"; return 1; }
    if [[ $2 == *\?* ]]; then pb_path+='&'; else pb_path+='?'; fi
    pb_path+="resourceVersion=${rv}&resourceVersionMatch=Exact"
  fi
  pb_status=$(api "${pb_path}" application/vnd.kubernetes.protobuf "${OUT}/$1.pb")
  [[ ${json_status%% *} == "${pb_status%% *}" && ${pb_status#* } == application/vnd.kubernetes.protobuf* ]] ||
    { echo "     $1: JSON ${json_status}, protobuf ${pb_status}"; return 1; }
}

ns="${TEST_NS}"
op_nodes 1 8 16Gi
node="${ns}-n0"
kc_quiet taint node "${node}" dedicated=gpu:NoSchedule
kc_quiet create configmap owner -n "${ns}" --from-literal=a=b
owner_uid=$(kc get configmap owner -n "${ns}" -o jsonpath='{.metadata.uid}')
KM_CLEANUPS+=("'${KUBECTL}' delete pv,storageclass,csinode -l kubemesos.io/test=${ns} --wait=false")
KM_CLEANUPS+=("'${KUBECTL}' patch pod rich -n '${ns}' --type=json -p '[{\"op\":\"remove\",\"path\":\"/metadata/finalizers\"}]'")
proto_objects "${ns}" "${owner_uid}" | kc_quiet apply -f -
kc_quiet delete pod rich -n "${ns}" --wait=false # held by its finalizer: a deletionTimestamp
kc_quiet run running -n "${ns}" --image=busybox \
  --overrides="{\"spec\":{\"nodeName\":\"${node}\",\"tolerations\":[{\"operator\":\"Exists\"}]}}"
check "the running pod runs" wait_for_jsonpath 60 Running pod running -n "${ns}" '{.status.phase}'

# The watch, in both encodings at once: initial events and their BOOKMARK, then changes.
watch_path="/api/v1/namespaces/${ns}/pods?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=15"
api "${watch_path}" application/json "${OUT}/pods.watch.json" >/dev/null &
json_watch=$!
api "${watch_path}" application/vnd.kubernetes.protobuf "${OUT}/pods.watch.pb" >/dev/null &
pb_watch=$!
bookmarked() { grep -qa BOOKMARK "${OUT}/pods.watch.json" && grep -qa BOOKMARK "${OUT}/pods.watch.pb"; }
check "both watches delivered their initial events" km::wait_for "initial events" 30 bookmarked
kc_quiet label pod running -n "${ns}" extra=yes
kc_quiet delete pod running -n "${ns}" --wait=false
kc_quiet run second -n "${ns}" --image=busybox \
  --overrides="{\"spec\":{\"nodeName\":\"${node}\",\"tolerations\":[{\"operator\":\"Exists\"}]}}"
check "the second pod runs" wait_for_jsonpath 60 Running pod second -n "${ns}" '{.status.phase}'

check "pod with everything" both pod_rich "/api/v1/namespaces/${ns}/pods/rich"
check "running pod" both pod_second "/api/v1/namespaces/${ns}/pods/second"
check "tainted node" both node "/api/v1/nodes/${node}"
check "bound claim" both pvc "/api/v1/namespaces/${ns}/persistentvolumeclaims/claim"
check "waiting claim" both pvc_waiting "/api/v1/namespaces/${ns}/persistentvolumeclaims/waiting"
check "volume" both pv "/api/v1/persistentvolumes/proto-pv-${ns}"
check "storage class" both storageclass "/apis/storage.k8s.io/v1/storageclasses/proto-sc-${ns}"
check "CSINode" both csinode "/apis/storage.k8s.io/v1/csinodes/proto-csinode-${ns}"
check "namespace" both namespace "/api/v1/namespaces/${ns}"
check "404 Status" both status_not_found "/api/v1/namespaces/${ns}/pods/nothing"
check "gang PodGroup" both podgroup_gang "/apis/scheduling.k8s.io/v1beta1/namespaces/${ns}/podgroups/gang"
check "basic PodGroup" both podgroup_basic "/apis/scheduling.k8s.io/v1beta1/namespaces/${ns}/podgroups/basic"
check "pod list page" both pod_list_page "/api/v1/namespaces/${ns}/pods?limit=1" --exact
check "node list" both node_list "/api/v1/nodes?labelSelector=kubemesos.io/test%3D${ns}" --exact
check "PVC list" both pvc_list "/api/v1/namespaces/${ns}/persistentvolumeclaims" --exact
check "CSINode list" both csinode_list "/apis/storage.k8s.io/v1/csinodes?labelSelector=kubemesos.io/test%3D${ns}" --exact
wait "${json_watch}" "${pb_watch}" || true # both end at the server's timeoutSeconds

check "protobuf decodes to the server's JSON, field by field" "${CHECKER}" "${OUT}"
