# Shared set-up of the `kubemesos run` integration tests: the CRDs, fake nodes of the test's
# own (deleted at the end), and a kubemesos process (stopped at the end). Source it after
# tests/integration/cluster/lib.sh and km_test_begin.
# shellcheck shell=bash
# shellcheck source=hack/lib/objects.sh
source "${KM_REPO_ROOT}/hack/lib/objects.sh"
# shellcheck source=hack/lib/workload.sh
source "${KM_REPO_ROOT}/hack/lib/workload.sh"

KUBEMESOS="${KUBEMESOS_BINARY:-${KM_REPO_ROOT}/build/kubemesos}"
WORK="$(mktemp -d)"
KM_CLEANUPS+=("rm -rf '${WORK}'")

op_install_crds() {
  kc_quiet apply -f "${KM_REPO_ROOT}/crds/"
  kc_quiet wait --for=condition=Established crd/resourcegroups.kubemesos.io \
    crd/frameworks.kubemesos.io --timeout=60s
}

# op_nodes COUNT CPU MEMORY: COUNT fake nodes "${TEST_NS}-n<i>" labelled
# kubemesos.io/test=${TEST_NS}, Ready before it returns, deleted when the test ends.
op_nodes() {
  local count=$1 cpu=$2 mem=$3 prefix="${TEST_NS}-n"
  km::objects::nodes 0 "${count}" "${cpu}" "${mem}" 110 3 "${prefix}" |
    sed "s|    type: kwok|    type: kwok\n    kubemesos.io/test: ${TEST_NS}|" | kc_quiet apply -f -
  KM_CLEANUPS+=("'${KUBECTL}' delete nodes -l kubemesos.io/test=${TEST_NS} --wait=false")
  op_ready_nodes() {
    [[ $(kc get nodes -l "kubemesos.io/test=${TEST_NS}" -o json | jq '[.items[] |
        select(any(.status.conditions[]?; .type == "Ready" and .status == "True"))] | length') == "$1" ]]
  }
  check "${count} test nodes Ready" km::wait_for "test nodes Ready" 120 op_ready_nodes "${count}"
}

# op_group_with_framework: ResourceGroup "${TEST_NS}-g" (deleted at the end) and Framework
# "work" in it, in the test's namespace.
op_group_with_framework() {
  cat <<YAML | kc_quiet apply -f -
apiVersion: kubemesos.io/v1alpha1
kind: ResourceGroup
metadata: {name: ${TEST_NS}-g}
spec: {}
---
apiVersion: kubemesos.io/v1alpha1
kind: Framework
metadata: {name: work, namespace: ${TEST_NS}}
spec: {resourceGroup: ${TEST_NS}-g}
YAML
  KM_CLEANUPS+=("'${KUBECTL}' delete rg ${TEST_NS}-g --wait=false")
}

# op_priority_classes: PriorityClasses "${TEST_NS}-low" (10) and "${TEST_NS}-high" (1000),
# deleted at the end.
op_priority_classes() {
  local c
  for c in low:10 high:1000; do
    printf 'apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: %s}\nvalue: %s\n' \
      "${TEST_NS}-${c%%:*}" "${c#*:}" | kc_quiet apply -f -
    KM_CLEANUPS+=("'${KUBECTL}' delete priorityclass ${TEST_NS}-${c%%:*} --ignore-not-found --wait=false")
  done
}

# op_start_kubemesos [FLAGS...]: starts `kubemesos run` (log in ${WORK}/kubemesos.log, metrics
# on an ephemeral loopback port) and sets OPERATOR to its pid and METRICS_URL once it serves;
# it is stopped when the test ends. OP_RUN_FLAGS (space-separated) adds flags to every start,
# so a test can be registered twice (e.g. schedule_json: OP_RUN_FLAGS=--content-type=json).
op_start_kubemesos() {
  local extra=()
  read -r -a extra <<<"${OP_RUN_FLAGS:-}"
  "${KUBEMESOS}" run --kubeconfig "${KUBECONFIG}" --metrics-address 127.0.0.1:0 \
    "${extra[@]}" "$@" >"${WORK}/kubemesos.log" 2>&1 &
  OPERATOR=$!
  KM_CLEANUPS+=("kill -TERM ${OPERATOR}; wait ${OPERATOR}")
  op_metrics_port() { grep -m1 '"serving /metrics' "${WORK}/kubemesos.log" | jq -e .port; }
  check "kubemesos serves metrics" km::wait_for "metrics port" 30 op_metrics_port
  METRICS_URL="http://127.0.0.1:$(op_metrics_port)"
}

# op_start_kube_scheduler: the reference. Starts the cluster's kube-scheduler (log in
# ${WORK}/kube-scheduler.log, stopped when the test ends) unless one already serves the
# cluster's scheduler port (cluster.sh up --kube-scheduler), and waits until it is healthy.
op_start_kube_scheduler() {
  local pki="${KUBEMESOS_CLUSTER_DIR}/pki"
  if ! km::port_open "${KUBEMESOS_SCHEDULER_PORT}"; then
    "${KUBEMESOS_BIN_DIR}/kube-scheduler" \
      --kubeconfig="${pki}/scheduler.kubeconfig" \
      --authentication-kubeconfig="${pki}/scheduler.kubeconfig" \
      --authorization-kubeconfig="${pki}/scheduler.kubeconfig" \
      --bind-address=127.0.0.1 --secure-port="${KUBEMESOS_SCHEDULER_PORT}" \
      --cert-dir="${WORK}/kube-scheduler-serving" --leader-elect=false \
      --feature-gates="${KUBEMESOS_FEATURE_GATES}" \
      </dev/null >"${WORK}/kube-scheduler.log" 2>&1 &
    local pid=$!
    KM_CLEANUPS+=("km::stop_pid kube-scheduler ${pid} kube-scheduler 20")
  fi
  op_scheduler_healthy() {
    curl -fsSk --max-time 2 "https://127.0.0.1:${KUBEMESOS_SCHEDULER_PORT}/healthz" >/dev/null
  }
  check "kube-scheduler (the reference) is healthy" \
    km::wait_for "kube-scheduler healthz" 60 op_scheduler_healthy
}

# op_metric NAME_WITH_LABELS: the value of one sample of kubemesos' /metrics ("" if absent).
op_metric() {
  curl -sf "${METRICS_URL}/metrics" | awk -v want="$1" '$1 == want { print $2 }'
}

# op_check_cluster: no node over-committed and every pending pod of the test explained
# (plus, with an argument, bound counts equal to that `kubemesos simulate` output).
op_check_cluster() {
  kc get nodes -o json >"${WORK}/nodes.json"
  kc get pods -A -o json >"${WORK}/pods.json"
  check "no node is over-committed; every pending pod is explained${1:+; counts equal simulate}" \
    python3 "${KM_REPO_ROOT}/tests/integration/operator/check_allocation.py" \
    "${WORK}/nodes.json" "${WORK}/pods.json" "${TEST_NS}" "$@"
}

# op_check_stopped_cleanly: SIGTERM makes kubemesos exit 0 after logging its clean stop.
op_check_stopped_cleanly() {
  check "kubemesos is still running" kill -0 "${OPERATOR}"
  check "kubemesos logged no errors" bash -c "! grep -q '\"level\":\"error\"' '${WORK}/kubemesos.log'"
  kill -TERM "${OPERATOR}"
  check "kubemesos exits 0 on SIGTERM" wait "${OPERATOR}"
  check "kubemesos logged its clean stop" grep -q '"msg":"stopped"' "${WORK}/kubemesos.log"
}
