#!/usr/bin/env bash
# The Framework controller against the real kube-apiserver and KWOK: a Framework's tasks are
# launched as pods (names, owner references, labels), bound and Running; tasks that finish
# move to the succeeded/failed counts and lastResults with their exit codes; an OnFailure task
# is relaunched up to maxRetries; scaling instances down deletes pods; an adopted pod is
# counted and never deleted; `kubectl get fw` shows the numbers and the status stops changing
# once the framework is steady; suspending holds new tasks back; deleting the ResourceGroup
# leaves the framework pending with a clear condition; deleting the Framework removes its pods
# (and releases their resources) but not the adopted one.
set -euo pipefail
# shellcheck source=tests/integration/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../cluster/lib.sh"
km_test_begin framework
# shellcheck source=tests/integration/operator/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
op_install_crds
op_nodes 3 8 32Gi

G="${TEST_NS}-g"
framework() {  # framework SVC_INSTANCES [SUSPENDED]
  cat <<YAML | kc_quiet apply -f -
apiVersion: kubemesos.io/v1alpha1
kind: Framework
metadata: {name: batch, namespace: ${TEST_NS}}
spec:
  resourceGroup: ${G}
  suspended: ${2:-false}
  tasks:
  - name: ok
    instances: 3
    template:
      metadata: {annotations: {kubemesos.io/complete-after: "2s"}}
      spec: {containers: [{name: c, image: busybox, resources: {requests: {cpu: "1", memory: 1Gi}}}]}
  - name: flaky
    restartPolicy: OnFailure
    maxRetries: 2
    template:
      metadata: {annotations: {kubemesos.io/complete-after: "1s", kubemesos.io/exit-code: "3"}}
      spec: {containers: [{name: c, image: busybox, resources: {requests: {cpu: "1", memory: 1Gi}}}]}
  - name: svc
    instances: $1
    template:
      spec: {containers: [{name: c, image: busybox, resources: {requests: {cpu: "2", memory: 2Gi}}}]}
YAML
}
cat <<YAML | kc_quiet apply -f -
apiVersion: kubemesos.io/v1alpha1
kind: ResourceGroup
metadata: {name: ${G}}
spec: {weight: 1}
YAML
KM_CLEANUPS+=("'${KUBECTL}' delete rg ${G} --wait=false --ignore-not-found")
framework 4
op_start_kubemesos --task-backoff 1

fw_json() { kc get fw batch -n "${TEST_NS}" -o json; }
pods_json() { kc get pods -n "${TEST_NS}" -o json; }
# The svc pods: created with our names, owner and labels, bound and Running.
svc_running() {
  [[ $(pods_json | jq '[.items[] | select(.metadata.labels["kubemesos.io/task"] == "svc"
      and .status.phase == "Running" and .spec.nodeName != null)] | length') == "$1" ]]
}
check "4 svc task pods Running" km::wait_for "svc pods" 60 svc_running 4
uid="$(fw_json | jq -r .metadata.uid)"
check "pods named <framework>-<task>-<index>, owned by the Framework, schedulerName kubemesos" \
  bash -c "'${KUBECTL}' get pods -n '${TEST_NS}' -o json | jq -e '[.items[] | select(.metadata.name | test(\"^batch-svc-[0-3]\$\")) |
    select(.metadata.ownerReferences[0].uid == \"${uid}\" and .spec.schedulerName == \"kubemesos\" and
           .metadata.labels[\"kubemesos.io/framework\"] == \"batch\")] | length == 4' >/dev/null"

# Finished tasks: 3 succeed; flaky fails with exit code 3, is relaunched twice, then stays Failed.
finished() {
  fw_json | jq -e '.status.tasks.succeeded == 3 and .status.tasks.failed == 1 and
    .status.tasks.restarts == 2 and .status.tasks.running == 4 and .status.phase == "Running"' >/dev/null
}
check "status: 3 succeeded, 1 failed after 2 restarts, 4 running" km::wait_for "task counts" 90 finished
check "the flaky pod carries retry 2 and is Failed" bash -c "'${KUBECTL}' get pod batch-flaky-0 -n '${TEST_NS}' -o json |
  jq -e '.metadata.annotations[\"kubemesos.io/retry\"] == \"2\" and .status.phase == \"Failed\"' >/dev/null"
check "lastResults: the final flaky run with exit code 3, and a succeeded ok task" bash -c "'${KUBECTL}' get fw batch -n '${TEST_NS}' -o json |
  jq -e '(.status.lastResults | map(select(.pod == \"batch-flaky-0\" and .exitCode == 3 and .retry == 2)) | length == 1) and
         (.status.lastResults | map(select(.task == \"ok\" and .state == \"Succeeded\" and .exitCode == 0)) | length >= 1)' >/dev/null"

# An adopted pod (another controller's, labelled for the framework) is counted, not owned.
cat <<YAML | kc_quiet apply -f -
apiVersion: v1
kind: Pod
metadata: {name: spark-exec-1, namespace: ${TEST_NS}, labels: {kubemesos.io/framework: batch}}
spec:
  schedulerName: kubemesos
  containers: [{name: c, image: busybox, resources: {requests: {cpu: "1", memory: 1Gi}}}]
YAML
adopted_running() { fw_json | jq -e '.status.tasks.running == 5' >/dev/null; }
check "the adopted pod runs and counts: 5 running" km::wait_for "adopted" 60 adopted_running

# Scale down: svc 4 -> 2 deletes batch-svc-2 and -3 only.
framework 2
scaled() { svc_running 2 && ! kc get pod batch-svc-2 -n "${TEST_NS}" >/dev/null 2>&1 &&
  ! kc get pod batch-svc-3 -n "${TEST_NS}" >/dev/null 2>&1 && fw_json | jq -e '.status.tasks.running == 3' >/dev/null; }
check "scaling svc to 2 deleted batch-svc-2 and -3; 3 running" km::wait_for "scale down" 60 scaled
check "kubectl get fw shows group, phase, running and pending" bash -c "'${KUBECTL}' get fw batch -n '${TEST_NS}' --no-headers |
  awk '{ exit !(\$2 == \"${G}\" && \$3 == \"Running\" && \$4 == 3 && \$5 == 0) }'"

# Steady: the status stops changing (no write loop).
rv="$(fw_json | jq -r .metadata.resourceVersion)"
writes_before="$(op_metric 'kubemesos_binds_total{result="success"}')"
sleep 5  # a window in which nothing may change: its absence is what is checked
check "no Framework status write in 5 s of steady state" test "$(fw_json | jq -r .metadata.resourceVersion)" == "${rv}"
check "no binds either" test "$(op_metric 'kubemesos_binds_total{result="success"}')" == "${writes_before}"

# Suspended: a new instance waits, and says why.
framework 3 true
suspended() {
  kc get pod batch-svc-2 -n "${TEST_NS}" -o json | jq -e '.spec.nodeName == null and
    (.status.conditions[] | select(.type == "PodScheduled") | .reason == "Suspended")' >/dev/null &&
    fw_json | jq -e '.status.phase == "Suspended"' >/dev/null
}
check "suspended: the new pod stays pending with reason Suspended; phase Suspended" km::wait_for "suspended" 60 suspended
framework 3 false
check "resumed: 3 svc pods Running" km::wait_for "resumed" 60 svc_running 3

# Deleting the group that the framework uses: the framework says so, new tasks wait (running
# ones keep running: allocation is not preemptive).
kc_quiet delete rg "${G}"
framework 4 false
unknown_group() {
  fw_json | jq -e '(.status.conditions[] | select(.type == "Ready") |
    .status == "False" and .reason == "UnknownGroup")' >/dev/null &&
    kc get pod batch-svc-3 -n "${TEST_NS}" -o json | jq -e '.spec.nodeName == null' >/dev/null
}
check "without its ResourceGroup: Ready=False UnknownGroup, the new pod stays pending" km::wait_for "unknown group" 60 unknown_group

# Deleting the Framework removes its pods, not the adopted one; resources are released.
kc_quiet delete fw batch -n "${TEST_NS}"
cleaned() {
  [[ $(pods_json | jq '[.items[] | .metadata.name] | join(",")') == '"spark-exec-1"' ]]
}
check "deleting the Framework deleted its pods; the adopted pod stays" km::wait_for "cleanup" 60 cleaned
op_check_stopped_cleanly
deleted="$(grep '"msg":"stopped"' "${WORK}/kubemesos.log" | jq .taskPodsDeleted)"
# 2 scaled down + 2 relaunched at least (the garbage collector may beat it to the rest).
check "kubemesos deleted the scaled-down and relaunched pods (${deleted} >= 4)" test "${deleted}" -ge 4
