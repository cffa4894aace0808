#!/usr/bin/env bash
# Smoke test: kube-scheduler from the tool cache binds a plain pod (no
# spec.nodeName) to a fake node, and KWOK then runs it. The scheduler runs only
# for this test, on the cluster's scheduler port, and is stopped at the end.
set -euo pipefail
# shellcheck source=tests/integration/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
km_test_begin kube-scheduler

pki="${KUBEMESOS_CLUSTER_DIR}/pki"
log="${KUBEMESOS_LOGS_DIR}/kube-scheduler-test.log"
if km::port_open "${KUBEMESOS_SCHEDULER_PORT}"; then
  echo "a kube-scheduler already serves port ${KUBEMESOS_SCHEDULER_PORT} (cluster.sh up --kube-scheduler); using it"
else
  "${KUBEMESOS_BIN_DIR}/kube-scheduler" \
    --kubeconfig="${pki}/scheduler.kubeconfig" \
    --authentication-kubeconfig="${pki}/scheduler.kubeconfig" \
    --authorization-kubeconfig="${pki}/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="${KUBEMESOS_SCHEDULER_PORT}" \
    --cert-dir="${pki}/scheduler-test-serving" --leader-elect=false \
    </dev/null >"${log}" 2>&1 &
  sched_pid=$!
  echo "${sched_pid}" >"${KUBEMESOS_CLUSTER_DIR}/pids/kube-scheduler-test.pid"  # cluster.sh down stops it too
  KM_CLEANUPS+=("km::stop_pid kube-scheduler ${sched_pid} kube-scheduler 20; rm -f '${KUBEMESOS_CLUSTER_DIR}/pids/kube-scheduler-test.pid'")
  healthy() { km::pid_alive "${sched_pid}" || { tail -n 20 "${log}"; return 125; }
    curl -fsSk --max-time 2 "https://127.0.0.1:${KUBEMESOS_SCHEDULER_PORT}/healthz"; }
  check "kube-scheduler serves /healthz" km::wait_for "kube-scheduler" 60 healthy
fi

pod_manifest plain | kc apply -f - >/dev/null
bound() { [[ "$(kc get pod plain -n "${TEST_NS}" -o jsonpath='{.spec.nodeName}')" == "${KUBEMESOS_NODE_PREFIX}"* ]]; }
check "kube-scheduler binds the plain pod to a fake node" km::wait_for "binding" 60 bound
check "the scheduled pod becomes Running" wait_for_jsonpath 30 Running pod plain -n "${TEST_NS}" '{.status.phase}'
check "a Scheduled event was recorded" km::wait_for "event" 20 \
  bash -c "'${KUBECTL}' get events -n '${TEST_NS}' --field-selector reason=Scheduled -o name | grep -q ."
