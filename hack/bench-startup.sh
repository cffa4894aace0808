#!/usr/bin/env bash
# Start-up benchmark (issue #17): on the local control plane (hack/cluster.sh: real
# kube-apiserver + etcd, KWOK nodes) with N nodes and M existing pods (M - P bound to the nodes,
# P pending for the contender), how long after its start a scheduler binds its first pending
# pod. Contenders, run A B B A (--rounds R repeats that) on the same cluster:
#   kubemesos        `kubemesos run` (Release build), client QPS/burst 5000
#   kube-scheduler   the pinned kube-scheduler with clientConnection qps/burst 5000
# Per run (bench/startup_report.py): seconds from the process' start to its watches synced (from
# its log), to its first bind and to all P bound (bench/bind_watcher, ms), peak RSS (VmHWM) and
# threads after, CPU seconds, per-cycle time (kubemesos: kubemesos_allocation_cycle_seconds;
# kube-scheduler: scheduler_scheduling_attempt_duration_seconds, scraped with the admin
# certificate), the API server's and etcd's CPU during the run, the load average.
# The existing pods are created once, before the runs, by bench/pod_creator (compiled, C POSTs
# in flight over kept-alive connections, already bound: spec.nodeName, KWOK then marks them
# Running); the time that took is reported too (OUT/creation.json).
#
#   hack/bench-startup.sh [--nodes 5000] [--pods 50000] [--pending 100] [--rounds 1]
#                         [--contenders kubemesos,kube-scheduler] [--create-concurrency 64]
#                         [--name bench-startup] [--out DIR] [--build-dir build-bench]
#                         [--no-build] [--reuse] [--keep] [--timeout 1800]
#                         [--kubemesos-args "..."]
# --reuse: use the running cluster NAME (bound pods already there are kept, the missing ones
# created); --keep: leave it running. Nodes: 32 CPU, 256Gi, 110 pods; pods 100m/128Mi, so
# 30 pods a node (the 150,000-pod case on 5,000 nodes) fit.
# Everything runs under `nice -n 10` (the machine is shared); the table gives the load average.
set -euo pipefail
[[ -n ${KM_BENCH_NICED:-} ]] || KM_BENCH_NICED=1 exec nice -n 10 "$0" "$@"
cd "$(dirname "$0")/.."
root=$PWD
# shellcheck source=hack/lib/common.sh
source hack/lib/common.sh
# shellcheck source=hack/lib/bench.sh
source hack/lib/bench.sh

nodes=5000 pods=50000 pending=100 rounds=1 contenders=kubemesos,kube-scheduler
create_concurrency=64 name=bench-startup out="" build_dir=build-bench build=1 reuse=0 keep=0
timeout=1800 kubemesos_args="" qps=5000
while (($#)); do
  case "$1" in
    --nodes) nodes=$2; shift 2 ;;
    --pods) pods=$2; shift 2 ;;
    --pending) pending=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --contenders) contenders=$2; shift 2 ;;
    --create-concurrency) create_concurrency=$2; shift 2 ;;
    --name) name=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --build-dir) build_dir=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    --reuse) reuse=1; shift ;;
    --keep) keep=1; shift ;;
    --timeout) timeout=$2; shift 2 ;;
    --kubemesos-args) kubemesos_args=$2; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) km::die "unknown option $1 (see --help)" ;;
  esac
done
((pending >= 1 && pods > pending)) || km::die "need 1 <= --pending < --pods"
IFS=, read -r -a contender_list <<<"$contenders"
for c in "${contender_list[@]}"; do
  [[ $c == kubemesos || $c == kube-scheduler ]] || km::die "unknown contender $c"
done
read -r -a km_extra <<<"$kubemesos_args"
[[ $build_dir = /* ]] || build_dir=$root/$build_dir
out=${out:-$build_dir/bench-startup}
[[ $out = /* ]] || out=$root/$out
bound_pods=$((pods - pending))

if ((build)); then
  km::log "building kubemesos, bind_watcher, pod_creator (Release) in $build_dir"
  [[ -f $build_dir/build.ninja ]] ||
    cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  ninja -C "$build_dir" -j2 kubemesos bind_watcher pod_creator >/dev/null
fi
grep -q 'CMAKE_BUILD_TYPE:STRING=Release' "$build_dir/CMakeCache.txt" ||
  km::log "warning: $build_dir is not a Release build"
for b in kubemesos bench/bind_watcher bench/pod_creator; do
  [[ -x $build_dir/$b ]] || km::die "$build_dir/$b is missing (build it or drop --no-build)"
done

rm -rf "$out"
mkdir -p "$out"
if ((reuse)); then
  kubeconfig=$(hack/cluster.sh kubeconfig --name "$name")
else
  km::log "starting cluster $name with $nodes nodes"
  kubeconfig=$(hack/cluster.sh up --name "$name" --nodes "$nodes" --node-cpu 32 \
    --node-memory 256Gi --node-pods 110 --timeout 900 | tail -n1)
fi
export KUBECONFIG=$kubeconfig
# shellcheck disable=SC1091
source "$(dirname "$kubeconfig")/cluster.env"
pki=$KUBEMESOS_CLUSTER_DIR/pki
kubectl() { "$KUBEMESOS_BIN_DIR/kubectl" "$@"; }

contender_pid="" watcher_pid=""
stop_pid() { if [[ -n $1 ]] && kill -TERM "$1" 2>/dev/null; then wait "$1" 2>/dev/null || true; fi; }
cleanup() {
  stop_pid "$contender_pid"
  stop_pid "$watcher_pid"
  if ((!keep && !reuse)); then hack/cluster.sh down --name "$name" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

ready_nodes() {
  [[ $(kubectl get nodes -l type=kwok --no-headers | grep -c ' Ready ') -ge $nodes ]]
}
km::wait_for "$nodes nodes Ready" 900 ready_nodes
kubectl apply -f crds/ >/dev/null
kubectl wait --for=condition=Established crd/frameworks.kubemesos.io \
  crd/resourcegroups.kubemesos.io --timeout=60s >/dev/null
for ns in startup-bound startup-pending; do
  kubectl get namespace "$ns" >/dev/null 2>&1 || kubectl create namespace "$ns" >/dev/null
done
{
  printf -- '---\napiVersion: kubemesos.io/v1alpha1\nkind: ResourceGroup\nmetadata:\n  name: startup\nspec:\n  weight: 1\n'
  printf -- '---\napiVersion: kubemesos.io/v1alpha1\nkind: Framework\nmetadata:\n  name: startup\n  namespace: startup-pending\nspec:\n  resourceGroup: startup\n'
} | kubectl apply -f - >/dev/null

# plane_cpu: CPU seconds so far of kube-apiserver, etcd and kwok (one line, in that order).
plane_cpu() {
  local c
  for c in kube-apiserver etcd kwok; do km::bench::cpu_of "$(cat "$KUBEMESOS_CLUSTER_DIR/pids/$c.pid")"; done |
    paste -sd' '
}
# plane_delta BEFORE: "apiserver etcd kwok" CPU seconds since BEFORE, as a JSON array.
plane_delta() {
  paste -d' ' <(tr ' ' '\n' <<<"$1") <(plane_cpu | tr ' ' '\n') |
    awk 'BEGIN { printf "[" } { printf "%s%.2f", (NR > 1 ? "," : ""), $2 - $1 } END { print "]" }'
}
load1() { cut -d' ' -f1 /proc/loadavg; }

# The existing bound pods: created once (the missing ones with --reuse), timed.
have=$(km::bench::pod_count startup-bound)
if ((have < bound_pods)); then
  km::log "creating $((bound_pods - have)) bound pods ($create_concurrency POSTs in flight)"
  p0=$(plane_cpu) l0=$(load1)
  # Names b-0..b-(M-P-1): those already there answer 409 and count as created.
  "$build_dir/bench/pod_creator" --kubeconfig "$kubeconfig" --namespace startup-bound \
    --count "$bound_pods" --rate 0 --concurrency "$create_concurrency" --prefix b- \
    --node-prefix "$KUBEMESOS_NODE_PREFIX" --nodes "$nodes" >"$out/creator.json" ||
    km::die "creating the bound pods failed: $(cat "$out/creator.json")"
  jq --argjson plane "$(plane_delta "$p0")" --argjson load0 "$l0" --argjson load "$(load1)" \
    --argjson have "$have" \
    '. + {already_there: $have, apiserver_cpu: $plane[0], etcd_cpu: $plane[1], kwok_cpu: $plane[2],
          load1_start: $load0, load1: $load}' "$out/creator.json" >"$out/creation.json"
  km::log "created: $(cat "$out/creation.json")"
fi
# KWOK marks each bound pod Running (one status write each): wait until it is done, so that the
# runs do not race it (at most 20 minutes).
kwok_quiet() {
  local a b
  a=$(km::bench::cpu_of "$(cat "$KUBEMESOS_CLUSTER_DIR/pids/kwok.pid")")
  sleep 10
  b=$(km::bench::cpu_of "$(cat "$KUBEMESOS_CLUSTER_DIR/pids/kwok.pid")")
  awk -v a="$a" -v b="$b" 'BEGIN { exit !(b - a < 1.0) }'
}
km::wait_for "KWOK to finish the bound pods' status" 1200 kwok_quiet ||
  km::log "KWOK still busy; going on"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
metrics_port=""
start_contender() { # NAME DIR: in the background; sets contender_pid
  local c=$1 dir=$2
  if [[ $c == kubemesos ]]; then
    metrics_port=$(free_port)
    "$build_dir/kubemesos" run --kubeconfig "$kubeconfig" \
      --metrics-address "127.0.0.1:$metrics_port" --client-qps "$qps" --client-burst "$qps" \
      "${km_extra[@]}" >"$dir/log" 2>&1 &
  else
    km::bench::scheduler_config kube-scheduler "$qps" >"$dir/config.yaml"
    km::bench::start_kube_scheduler "$dir/config.yaml" "$dir" "$dir/log"
  fi
  contender_pid=$!
}
scrape() { # NAME FILE: the contender's metrics now
  if [[ $1 == kubemesos ]]; then
    curl -s --max-time 30 "http://127.0.0.1:$metrics_port/metrics" >"$2" || true
  else
    curl -sk --max-time 30 --cert "$pki/admin.crt" --key "$pki/admin.key" \
      "https://127.0.0.1:$KUBEMESOS_SCHEDULER_PORT/metrics" >"$2" || true
  fi
}
watcher_done() {
  kill -0 "$watcher_pid" 2>/dev/null || return 0
  kill -0 "$contender_pid" || { km::log "the contender exited early"; return 125; }
  return 1
}
watcher_ready() { [[ -s $1 ]] || { kill -0 "$watcher_pid" || return 125; false; }; }

# run_one NAME DIR: P pending pods for NAME, then NAME started; the clock runs to all bound.
run_one() {
  local c=$1 dir=$2 sched t0 p0 l0 cpu rss threads rc=0
  mkdir -p "$dir"
  km::bench::clear_pods startup-pending
  sched=$c
  "$build_dir/bench/pod_creator" --kubeconfig "$kubeconfig" --namespace startup-pending \
    --count "$pending" --rate 0 --concurrency 16 --prefix pending- --scheduler-name "$sched" \
    --label kubemesos.io/framework=startup >"$dir/creator.json" ||
    km::die "creating the pending pods failed"
  "$build_dir/bench/bind_watcher" --kubeconfig "$kubeconfig" --namespace startup-pending \
    --count "$pending" --out "$dir/bound.csv" --ready-file "$dir/watcher.ready" \
    --timeout-seconds "$timeout" 2>"$dir/watcher.log" &
  watcher_pid=$!
  km::wait_for "the bind watcher" 120 watcher_ready "$dir/watcher.ready"
  km::log "$c: start-up with $nodes nodes, $bound_pods bound pods, $pending pending"
  p0=$(plane_cpu) l0=$(load1)
  t0=$(date +%s.%N)
  start_contender "$c" "$dir"
  km::wait_for "$c to bind $pending pods" "$timeout" watcher_done || rc=$?
  if ((rc)); then kill -TERM "$watcher_pid" 2>/dev/null || true; fi
  wait "$watcher_pid" || rc=$?
  watcher_pid=""
  scrape "$c" "$dir/metrics.after"
  cpu=$(km::bench::cpu_of "$contender_pid")
  rss=$(awk '/VmHWM/ { print $2 / 1024 }' "/proc/$contender_pid/status" 2>/dev/null || echo -1)
  threads=$(awk '/Threads/ { print $2 }' "/proc/$contender_pid/status" 2>/dev/null || echo -1)
  stop_pid "$contender_pid"
  contender_pid=""
  jq -n --arg c "$c" --argjson t0 "$t0" --argjson cpu "$cpu" --argjson rss "$rss" \
    --argjson threads "$threads" --argjson plane "$(plane_delta "$p0")" --argjson load0 "$l0" \
    --argjson load "$(load1)" --argjson nodes "$nodes" --argjson pods "$pods" \
    --argjson pending "$pending" --argjson rc "$rc" --argjson cores "$(nproc)" \
    '{contender: $c, t0: $t0, cpu_seconds: $cpu, peak_rss_mib: $rss, threads: $threads,
      apiserver_cpu: $plane[0], etcd_cpu: $plane[1], kwok_cpu: $plane[2], load1_start: $load0,
      load1: $load, cores: $cores, nodes: $nodes, pods: $pods, pending: $pending,
      watcher_rc: $rc}' >"$dir/meta.json"
  km::log "$c: $(($(wc -l <"$dir/bound.csv") - 1)) of $pending bound; CPU ${cpu}s, peak RSS ${rss} MiB"
}

order=()
for ((r = 0; r < rounds; r++)); do
  if ((${#contender_list[@]} == 2)); then
    order+=("${contender_list[0]}" "${contender_list[1]}" "${contender_list[1]}" "${contender_list[0]}")
  else
    order+=("${contender_list[@]}")
  fi
done
runs=() i=0
for c in "${order[@]}"; do
  i=$((i + 1))
  runs+=("$(printf '%02d' "$i")-$c")
  run_one "$c" "$out/${runs[-1]}"
done
python3 bench/startup_report.py --out "$out" --nodes "$nodes" --pods "$pods" --pending "$pending" \
  "${runs[@]}"
if ((keep || reuse)); then km::bench::clear_pods startup-pending; fi
