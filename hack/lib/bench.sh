# Helpers shared by the end-to-end benchmarks (hack/bench-e2e.sh, hack/bench-perf.sh) on the
# local control plane. Source it after cluster.env; it defines functions only. They expect
# $pki (the cluster's PKI directory), $KUBEMESOS_APISERVER and $KUBEMESOS_SCHEDULER_PORT.
# shellcheck shell=bash

# km::bench::api METHOD PATH [curl args...]: one request as the cluster admin.
km::bench::api() {
  local method=$1 path=$2; shift 2
  curl -sS --max-time 300 --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" \
    -X "$method" "$KUBEMESOS_APISERVER$path" "$@"
}

# km::bench::pod_count NS: pods in the namespace (one cheap LIST of limit 1).
km::bench::pod_count() {
  km::bench::api GET "/api/v1/namespaces/$1/pods?limit=1" |
    jq -e '(.items | length) + (.metadata.remainingItemCount // 0)'
}

# km::bench::clear_pods NS: deletes every pod of NS at once (no grace) and waits until none is
# left.
km::bench::clear_pods() {
  local ns=$1
  _km_bench_pods_gone() {
    [[ $(km::bench::pod_count "$1") == 0 ]] && return 0
    km::bench::api DELETE "/api/v1/namespaces/$1/pods" -H 'Content-Type: application/json' \
      -d '{"apiVersion":"v1","kind":"DeleteOptions","gracePeriodSeconds":0}' >/dev/null || true
    [[ $(km::bench::pod_count "$1") == 0 ]]
  }
  km::wait_for "pods of $ns deleted" 900 _km_bench_pods_gone "$ns"
}

# km::bench::cpu_of PID: its CPU seconds so far (utime + stime); -1 when gone.
km::bench::cpu_of() {
  awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$1/stat" 2>/dev/null || echo -1
}

# km::bench::scheduler_config SCHEDULER_NAME [QPS]: a KubeSchedulerConfiguration with one
# profile; QPS (optional) lifts the client's qps and burst to it, as scheduler_perf does.
km::bench::scheduler_config() {
  echo "apiVersion: kubescheduler.config.k8s.io/v1"
  echo "kind: KubeSchedulerConfiguration"
  echo "clientConnection:"
  echo "  kubeconfig: $pki/scheduler.kubeconfig"
  [[ -n ${2:-} ]] && printf '  qps: %s\n  burst: %s\n' "$2" "$2"
  echo "leaderElection: {leaderElect: false}"
  echo "profiles:"
  echo "- schedulerName: $1"
}

# km::bench::start_kube_scheduler CONFIG DIR LOG [FLAGS...]: the pinned kube-scheduler in the
# background; its pid is $!.
km::bench::start_kube_scheduler() {
  "$KUBEMESOS_BIN_DIR/kube-scheduler" --config "$1" "${@:4}" \
    --authentication-kubeconfig "$pki/scheduler.kubeconfig" \
    --authorization-kubeconfig "$pki/scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$KUBEMESOS_SCHEDULER_PORT" \
    --cert-dir "$2/serving" --profiling=false --v=1 >"$3" 2>&1 &
}

# km::bench::abba_order ROUNDS CONTENDER...: the run order, one per line: each round the
# contenders in order, then in reverse (A B B A; A B C C B A), so a drift of the shared
# machine's load hits every contender alike. A single contender runs once per round.
km::bench::abba_order() {
  local rounds=$1 r k; shift
  local list=("$@")
  for ((r = 0; r < rounds; r++)); do
    printf '%s\n' "${list[@]}"
    if ((${#list[@]} > 1)); then
      for ((k = ${#list[@]} - 1; k >= 0; k--)); do printf '%s\n' "${list[k]}"; done
    fi
  done
}
