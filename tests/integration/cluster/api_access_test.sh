#!/usr/bin/env bash
# Smoke test of what kubemesos' operator does through the API: bind a pod of
# schedulerName kubemesos with POST pods/binding, create an Event, patch
# pods/status, create a CRD and an object of it, take a Lease; and the default
# ServiceAccount works (token projected into pods, authenticates to the API).
set -euo pipefail
# shellcheck source=tests/integration/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
km_test_begin api-access

ns="${TEST_NS}"
node="${KUBEMESOS_NODE_PREFIX}2"

# POST pods/binding (what a scheduler does).
pod_manifest bindme "" "schedulerName: kubemesos" | kc apply -f - >/dev/null
check "pod for an absent scheduler stays Pending" wait_for_jsonpath 10 Pending pod bindme -n "${ns}" '{.status.phase}'
binding="{\"apiVersion\":\"v1\",\"kind\":\"Binding\",\"metadata\":{\"name\":\"bindme\"},\"target\":{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"name\":\"${node}\"}}"
check "POST pods/binding" kc_quiet create --raw "/api/v1/namespaces/${ns}/pods/bindme/binding" -f - <<<"${binding}"
check "bound pod runs on ${node}" wait_for_jsonpath 30 "Running/${node}" pod bindme -n "${ns}" '{.status.phase}/{.spec.nodeName}'

# Events (events.k8s.io/v1).
check "create an Event" kc_quiet create -f - -o name <<EOF2
apiVersion: events.k8s.io/v1
kind: Event
metadata: {name: bindme.kubemesos, namespace: ${ns}}
eventTime: "$(date -u +%Y-%m-%dT%H:%M:%S.000000Z)"
reportingController: kubemesos.io/operator
reportingInstance: kubemesos-0
action: Binding
reason: Scheduled
type: Normal
note: bound by the smoke test
regarding: {apiVersion: v1, kind: Pod, name: bindme, namespace: ${ns}}
EOF2

# pods/status patch (conditions, as a scheduler reports unschedulable pods).
pod_manifest unsched "" "schedulerName: kubemesos" | kc apply -f - >/dev/null
check "patch pods/status" kc_quiet patch pod unsched -n "${ns}" --subresource=status --type=strategic -p \
  '{"status":{"conditions":[{"type":"PodScheduled","status":"False","reason":"Unschedulable","message":"no offer"}]}}' -o name
check "status condition stored" wait_for_jsonpath 5 Unschedulable pod unsched -n "${ns}" '{.status.conditions[?(@.type=="PodScheduled")].reason}'

# CRD + custom object.
crd="widgets${RANDOM}"
check "create a CRD" kc_quiet apply -o name -f - <<EOF2
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: ${crd}.smoke.kubemesos.io}
spec:
  group: smoke.kubemesos.io
  scope: Namespaced
  names: {plural: ${crd}, singular: ${crd%s}, kind: Widget${crd#widgets}, listKind: Widget${crd#widgets}List}
  versions:
  - name: v1alpha1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, properties: {size: {type: integer, minimum: 1}}}
          status: {type: object, properties: {ok: {type: boolean}}}
EOF2
KM_CLEANUPS+=("'${KUBECTL}' delete crd ${crd}.smoke.kubemesos.io --wait=false")
check "CRD established" km::wait_for "CRD" 30 kc wait --for=condition=Established "crd/${crd}.smoke.kubemesos.io" --timeout=5s
obj() { kc_quiet apply -o name -f - <<EOF2
apiVersion: smoke.kubemesos.io/v1alpha1
kind: Widget${crd#widgets}
metadata: {name: w1, namespace: ${ns}}
spec: {size: 3}
EOF2
}
check "create a custom object" km::wait_for "custom object" 30 obj
check "CEL/OpenAPI validation rejects size 0" bash -c "! '${KUBECTL}' patch ${crd}.smoke.kubemesos.io w1 -n '${ns}' --type=merge -p '{\"spec\":{\"size\":0}}' 2>/dev/null"

# Lease (leader election).
check "create a Lease" kc_quiet create -o name -f - <<EOF2
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: {name: kubemesos-leader, namespace: ${ns}}
spec: {holderIdentity: smoke, leaseDurationSeconds: 15, renewTime: "$(date -u +%Y-%m-%dT%H:%M:%S.000000Z)"}
EOF2

# Default ServiceAccount: exists in a new namespace and its token authenticates.
check "default ServiceAccount created in the test namespace" km::wait_for "default SA" 30 kc get sa default -n "${ns}" -o name
sa_volume() { [[ "$(kc get pod bindme -n "${ns}" -o jsonpath='{.spec.volumes[0].name}')" == kube-api-access-* ]]; }
check "pods get the projected service-account token volume" sa_volume
token="$(kc create token default -n "${ns}" --duration=10m)"
whoami="$(curl -fsS --cacert "${KUBEMESOS_CA_FILE}" -H "Authorization: Bearer ${token}" \
  -H 'Content-Type: application/json' -X POST \
  -d '{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}' \
  "${KUBEMESOS_APISERVER}/apis/authentication.k8s.io/v1/selfsubjectreviews")"
check "a default ServiceAccount token authenticates" grep -q "system:serviceaccount:${ns}:default" <<<"${whoami}"
code="$(curl -s -o /dev/null -w '%{http_code}' --cacert "${KUBEMESOS_CA_FILE}" \
  -H "Authorization: Bearer ${token}" "${KUBEMESOS_APISERVER}/api/v1/nodes")"
check "RBAC is on: the default ServiceAccount may not list nodes (HTTP ${code})" test "${code}" == 403

# Garbage collection: a ConfigMap owned by the pod goes when the pod goes.
uid="$(kc get pod unsched -n "${ns}" -o jsonpath='{.metadata.uid}')"
kc create -f - -o name >/dev/null <<EOF2
apiVersion: v1
kind: ConfigMap
metadata:
  name: owned
  namespace: ${ns}
  ownerReferences: [{apiVersion: v1, kind: Pod, name: unsched, uid: ${uid}}]
EOF2
kc delete pod unsched -n "${ns}" --wait=false >/dev/null
collected() { ! kc get configmap owned -n "${ns}" -o name 2>/dev/null | grep -q .; }
check "garbage collector deletes dependents" km::wait_for "garbage collection" 60 collected
