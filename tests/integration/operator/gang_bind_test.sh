#!/usr/bin/env bash
# A gang with one bind forced to fail (rule G2), on the real kube-apiserver: a Framework gang of
# 4 (minMember 4, bindTimeoutSeconds 8) whose member gang-w-3 can never be bound, because a
# ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1) denies CREATE of the pods/binding
# subresource named gang-w-3 — the API server itself refuses the bind, as a webhook, a quota
# plugin or a node going away would. Expected: the gang is never partly bound (0 < bound < 4)
# for longer than bindTimeoutSeconds plus one cycle and the deletion's propagation; its bound
# members are deleted and re-created (new uids), a GangBindTimeout Event says why, and
# kubemesos_gang_partial_bind_total{outcome="restarted"} counts it. Once the policy is deleted,
# all 4 bind and stay bound.
set -euo pipefail
# shellcheck source=tests/integration/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../cluster/lib.sh"
km_test_begin gang-bind
# shellcheck source=tests/integration/operator/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
op_install_crds
op_nodes 4 4 16Gi

BIND_TIMEOUT=8
# The longest a gang may stay partly bound: the bind timeout, one cycle (1 s), the deletes
# reaching the API server and their watch events coming back (KWOK ends a pod at once), and
# this script's own polling period.
MAX_PARTIAL=$((BIND_TIMEOUT + 5))
POLICY="${TEST_NS}-deny-bind"
G="${TEST_NS}-g"

# The policy matches the binding subresource (and, for the probe only, pod creation); its
# binding limits it to this test's namespace. A server-side dry run of creating a pod named
# "probe" shows when the policy is in force, and changes nothing.
cat <<YAML | kc_quiet apply -f -
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: ${POLICY}}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - apiGroups: [""]
      apiVersions: ["v1"]
      operations: ["CREATE"]
      resources: ["pods/binding", "pods"]
  validations:
  # request.subResource is absent (not empty) on a pod create: has() first.
  - expression: "has(request.subResource) && request.subResource == 'binding' ? object.metadata.name != 'gang-w-3' : object.metadata.name != 'probe'"
    message: "the test denies this binding (or the probe pod)"
    reason: Forbidden
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: ${POLICY}}
spec:
  policyName: ${POLICY}
  validationActions: [Deny]
  matchResources:
    namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ${TEST_NS}}}
YAML
KM_CLEANUPS+=("'${KUBECTL}' delete validatingadmissionpolicybinding ${POLICY} --ignore-not-found"
  "'${KUBECTL}' delete validatingadmissionpolicy ${POLICY} --ignore-not-found")
probe_denied() {
  local out
  out="$(kc run probe -n "${TEST_NS}" --image=busybox --restart=Never --dry-run=server 2>&1)" &&
    return 1
  grep -q "denied request" <<<"${out}"
}
check "the policy is in force (denies the probe)" km::wait_for "policy in force" 30 probe_denied

cat <<YAML | kc_quiet apply -f -
apiVersion: kubemesos.io/v1alpha1
kind: ResourceGroup
metadata: {name: ${G}}
spec: {weight: 1}
---
apiVersion: kubemesos.io/v1alpha1
kind: Framework
metadata: {name: gang, namespace: ${TEST_NS}}
spec:
  resourceGroup: ${G}
  gang: {minMember: 4, bindTimeoutSeconds: ${BIND_TIMEOUT}, onBindFailure: Restart}
  tasks:
  - name: w
    instances: 4
    template:
      spec: {containers: [{name: c, image: busybox, resources: {requests: {cpu: "1", memory: 1Gi}}}]}
YAML
KM_CLEANUPS+=("'${KUBECTL}' delete rg ${G} --wait=false --ignore-not-found")
op_start_kubemesos

# "<bound> <uid of gang-w-0>": members with a node (terminating ones included: they still
# hold it).
members() {
  kc get pods -n "${TEST_NS}" -l kubemesos.io/framework=gang -o json | jq -r '
    ([.items[] | select(.spec.nodeName != null and
       (.status.phase != "Succeeded" and .status.phase != "Failed"))] | length) as $b |
    ([.items[] | select(.metadata.name == "gang-w-0") | .metadata.uid] | first // "-") as $u |
    "\($b) \($u)"'
}
# Watches for `seconds`: the longest run of partly bound observations, the uids of gang-w-0.
longest=0 since="" uids=() saw_partial=0
observe() {
  local end=$((SECONDS + $1)) bound uid now
  while ((SECONDS < end)); do
    read -r bound uid <<<"$(members)"
    now="$(date +%s.%N)"
    if ((bound > 0 && bound < 4)); then
      saw_partial=1
      [[ -n "${since}" ]] || since="${now}"
      longest="$(awk -v a="${longest}" -v b="$(awk -v n="${now}" -v s="${since}" 'BEGIN { print n - s }')" \
        'BEGIN { print (b > a ? b : a) }')"
    else
      since=""
    fi
    [[ "${uid}" == "-" || " ${uids[*]} " == *" ${uid} "* ]] || uids+=("${uid}")
    sleep 0.5 # the sampling period of this observation (not a synchronisation)
  done
}
observe $((3 * BIND_TIMEOUT + 10))
km::log "longest partly bound run: ${longest}s; gang-w-0 incarnations: ${#uids[@]}"
check "the gang was partly bound (gang-w-3 cannot bind)" test "${saw_partial}" == 1
check "never partly bound longer than bindTimeoutSeconds + slack (${longest}s <= ${MAX_PARTIAL}s)" \
  awk -v l="${longest}" -v m="${MAX_PARTIAL}" 'BEGIN { exit !(l <= m) }'
check "the bound members were deleted and re-created (gang-w-0 had >= 2 uids)" test "${#uids[@]}" -ge 2
check "gang-w-3 was never bound" bash -c "'${KUBECTL}' get events -n '${TEST_NS}' -o json |
  jq -e '[.items[] | select(.involvedObject.name == \"gang-w-3\" and .reason == \"Scheduled\")] | length == 0' >/dev/null"
check "a GangBindTimeout Event on the Framework names the failed bind" bash -c "'${KUBECTL}' get events -n '${TEST_NS}' -o json |
  jq -e '[.items[] | select(.involvedObject.kind == \"Framework\" and .reason == \"GangBindTimeout\" and
    (.message | contains(\"gang-w-3\")))] | length >= 1' >/dev/null"
restarted="$(op_metric 'kubemesos_gang_partial_bind_total{outcome="restarted"}')"
check "kubemesos_gang_partial_bind_total{outcome=\"restarted\"} >= 1 (${restarted:-absent})" \
  awk -v v="${restarted:-0}" 'BEGIN { exit !(v >= 1) }'
span_count="$(op_metric 'kubemesos_gang_bind_span_seconds_count')"
check "gang bind spans were measured (${span_count:-absent})" awk -v v="${span_count:-0}" 'BEGIN { exit !(v >= 1) }'

# Without the policy, the whole gang binds and stays bound.
kc_quiet delete validatingadmissionpolicybinding "${POLICY}"
kc_quiet delete validatingadmissionpolicy "${POLICY}"
all_bound() {
  [[ $(kc get pods -n "${TEST_NS}" -l kubemesos.io/framework=gang -o json | jq '[.items[] |
    select(.spec.nodeName != null and .metadata.deletionTimestamp == null and
      .status.phase == "Running")] | length') == 4 ]]
}
check "after the policy is gone, all 4 members bind" km::wait_for "gang bound" 90 all_bound
uid0="$(kc get pod gang-w-0 -n "${TEST_NS}" -o jsonpath='{.metadata.uid}')"
longest=0 since="" uids=() saw_partial=0
observe $((BIND_TIMEOUT + 4))
check "the bound gang stays whole (no partial run, gang-w-0 kept its uid)" \
  bash -c "test '${saw_partial}' == 0 && test \"\$('${KUBECTL}' get pod gang-w-0 -n '${TEST_NS}' -o jsonpath='{.metadata.uid}')\" == '${uid0}'"
op_check_cluster
op_check_stopped_cleanly
