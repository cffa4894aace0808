#!/usr/bin/env bash
# Start-up benchmark (issue #17): on the local control plane (hack/cluster.sh: real
# kube-apiserver + etcd, KWOK nodes) with N nodes and M existing pods (M - P bound to the nodes,
# P pending for the contender), how long after its start a scheduler binds its first pending
# pod. Contenders, run A B B A (--rounds R repeats that) on the same cluster:
#   kubemesos        `kubemesos run` (Release build), client QPS/burst 5000
#   kube-scheduler   the pinned kube-scheduler with clientConnection qps/burst 5000
# Per run (bench/startup_report.py): seconds from the process' start to its watches synced
# (kubemesos' log; kube-scheduler logs no such line at --v=1), to its first bind and to all P bound (bench/bind_watcher, ms), peak RSS (VmHWM) and
# threads after, CPU seconds, per-cycle time (kubemesos: kubemesos_allocation_cycle_seconds;
# kube-scheduler: scheduler_scheduling_attempt_duration_seconds, scraped with the admin
# certificate), the API server's and etcd's CPU during the run, the load average.
# The existing pods are created once, before the runs, by bench/pod_creator (compiled, C POSTs
# in flight over kept-alive connections, already bound: spec.nodeName), in namespaces of 50,000
# (startup-bound, startup-bound-1, ...: --reuse with fewer --pods clears the extra ones); the
# time that took is reported too (OUT/creation.json). KWOK then marks each Running (one status
# write a pod, ~40/s on this machine): the runs start once no bound pod is left Pending.
#
#   hack/bench-startup.sh [--nodes 5000] [--pods 50000] [--pending 100] [--rounds 1]
#                         [--contenders kubemesos,kube-scheduler] [--create-concurrency 64]
#                         [--name bench-startup] [--out DIR] [--build-dir build-bench]
#                         [--no-build] [--reuse] [--keep] [--timeout 1800]
#                         [--kubemesos-args "..."] [--kubemesos-bin BIN] [--kubemesos-b-bin BIN]
#                         [--quick]
# --quick: 50 nodes, 1,000 pods, 20 pending; fails unless every run bound every pending pod
# (CTest integration.bench.startup), not a measurement.
# --kubemesos-bin: another kubemesos binary (e.g. another worktree's Release build; default
# BUILD_DIR/kubemesos); --kubemesos-b-bin: the binary of a contender `kubemesos-b` (a second
# build in the same run; the rounds run the contenders in order, then in reverse). --reuse: use the running cluster NAME (bound pods already there are kept, the missing ones
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
    --quick) nodes=50 pods=1000 pending=20; shift ;;
    --kubemesos-bin) kubemesos_bin=$2; shift 2 ;;
    --kubemesos-b-bin) kubemesos_b_bin=$2; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) km::die "unknown option $1 (see --help)" ;;
  esac
done
((pending >= 1 && pods > pending)) || km::die "need 1 <= --pending < --pods"
IFS=, read -r -a contender_list <<<"$contenders"
for c in "${contender_list[@]}"; do
  [[ $c == kubemesos || $c == kubemesos-b || $c == kube-scheduler ]] || km::die "unknown contender $c"
done
read -r -a km_extra <<<"$kubemesos_args"
[[ $build_dir = /* ]] || build_dir=$root/$build_dir
kubemesos_bin=${kubemesos_bin:-$build_dir/kubemesos}
kubemesos_b_bin=${kubemesos_b_bin:-}
[[ ! $contenders =~ kubemesos-b ]] || [[ -x $kubemesos_b_bin ]] ||
  km::die "contender kubemesos-b needs --kubemesos-b-bin"
[[ -x $kubemesos_bin ]] || ((build)) || km::die "$kubemesos_bin is not executable"
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
# Chunk k of the bound pods: namespace, first global index, count (chunk 0 holds 50,000 - P, so
# that --pods 50000 is one namespace).
chunk=50000
bound_ns() { if (($1 == 0)); then echo startup-bound; else echo "startup-bound-$1"; fi; }
chunks=$(((bound_pods + pending + chunk - 1) / chunk))
for ((k = 0; k < chunks; k++)); do
  ns=$(bound_ns "$k")
  kubectl get namespace "$ns" >/dev/null 2>&1 || kubectl create namespace "$ns" >/dev/null
done
kubectl get namespace startup-pending >/dev/null 2>&1 || kubectl create namespace startup-pending >/dev/null
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

# Extra chunks of an earlier, larger run (--reuse): deleted.
for ((k = chunks; ; k++)); do
  kubectl get namespace "$(bound_ns "$k")" >/dev/null 2>&1 || break
  km::log "deleting the pods of $(bound_ns "$k") (more than --pods)"
  km::bench::clear_pods "$(bound_ns "$k")"
done
# The existing bound pods: created once (the missing ones with --reuse), timed. Pod b-i of
# chunk k (i global) is bound to node i mod N.
missing=() total_missing=0
for ((k = 0; k < chunks; k++)); do
  from=$((k == 0 ? 0 : k * chunk - pending))
  to=$(((k + 1) * chunk - pending))
  ((to <= bound_pods)) || to=$bound_pods
  have=$(km::bench::pod_count "$(bound_ns "$k")")
  if ((have < to - from)); then
    # From the first index not there (the names are contiguous); a name there answers 409.
    missing+=("$k:$((from + have)):$((to - from - have))")
    total_missing=$((total_missing + to - from - have))
  fi
done
if ((total_missing > 0)); then
  km::log "creating $total_missing bound pods ($create_concurrency POSTs in flight)"
  p0=$(plane_cpu) l0=$(load1) c0=$(date +%s.%N)
  for m in "${missing[@]}"; do
    IFS=: read -r k first count <<<"$m"
    "$build_dir/bench/pod_creator" --kubeconfig "$kubeconfig" --namespace "$(bound_ns "$k")" \
      --count "$count" --first "$first" --rate 0 --concurrency "$create_concurrency" --prefix b- \
      --node-prefix "$KUBEMESOS_NODE_PREFIX" --nodes "$nodes" >"$out/creator-$k.json" ||
      km::die "creating the bound pods failed: $(cat "$out/creator-$k.json")"
  done
  jq -s --argjson plane "$(plane_delta "$p0")" --argjson load0 "$l0" --argjson load "$(load1)" \
    --argjson seconds "$(awk -v s="$c0" -v e="$(date +%s.%N)" 'BEGIN { print e - s }')" \
    '{created: (map(.created) | add), failed: (map(.failed) | add), seconds: $seconds,
      achieved_rate: ((map(.created) | add) / $seconds), concurrency: .[0].concurrency,
      apiserver_cpu: $plane[0], etcd_cpu: $plane[1], kwok_cpu: $plane[2],
      load1_start: $load0, load1: $load}' "$out"/creator-*.json >"$out/creation.json"
  km::log "created: $(jq -c . "$out/creation.json")"
fi
# KWOK marks each bound pod Running (one status write each, a watch event for every scheduler):
# the runs start once none is left Pending, so that they do not race it.
all_running() {
  local k
  for ((k = 0; k < chunks; k++)); do
    km::bench::api GET "/api/v1/namespaces/$(bound_ns "$k")/pods?fieldSelector=status.phase%21%3DRunning&limit=1" |
      jq -e '.items | length == 0' >/dev/null || return 1
  done
}
k0=$(date +%s.%N)
km::wait_for "KWOK to mark every bound pod Running" 3600 all_running ||
  km::log "some bound pods are still not Running; going on"
km::log "every bound pod Running after $(awk -v s="$k0" -v e="$(date +%s.%N)" 'BEGIN { printf "%.0f", e - s }') s of waiting"

start_contender() { # NAME DIR: in the background; sets contender_pid
  local c=$1 dir=$2
  if [[ $c == kubemesos* ]]; then
    local bin=$kubemesos_bin
    [[ $c == kubemesos ]] || bin=$kubemesos_b_bin
    # Port 0: the port it got is in its log ("serving /metrics").
    "$bin" run --kubeconfig "$kubeconfig" \
      --metrics-address 127.0.0.1:0 --client-qps "$qps" --client-burst "$qps" \
      "${km_extra[@]}" >"$dir/log" 2>&1 &
  else
    km::bench::scheduler_config kube-scheduler "$qps" >"$dir/config.yaml"
    km::bench::start_kube_scheduler "$dir/config.yaml" "$dir" "$dir/log"
  fi
  contender_pid=$!
}
scrape() { # NAME DIR: the contender's metrics now, into DIR/metrics.after
  if [[ $1 == kubemesos* ]]; then
    local port
    port=$(grep -m1 '"msg":"serving /metrics' "$2/log" | jq -r .port)
    curl -s --max-time 30 "http://127.0.0.1:$port/metrics" >"$2/metrics.after" || true
  else
    curl -sk --max-time 30 --cert "$pki/admin.crt" --key "$pki/admin.key" \
      "https://127.0.0.1:$KUBEMESOS_SCHEDULER_PORT/metrics" >"$2/metrics.after" || true
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
  # Names of this run only: KWOK, behind on a loaded machine, deletes a deleted pod by name
  # later and would take a new pod of the same name with it.
  sched=$c
  [[ $c == kubemesos* ]] && sched=kubemesos
  "$build_dir/bench/pod_creator" --kubeconfig "$kubeconfig" --namespace startup-pending \
    --count "$pending" --rate 0 --concurrency 16 --prefix "pending-$(basename "$dir")-" \
    --scheduler-name "$sched" \
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
  scrape "$c" "$dir"
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
mapfile -t -O "${#order[@]}" order < <(km::bench::abba_order "$rounds" "${contender_list[@]}")
runs=() i=0
for c in "${order[@]}"; do
  i=$((i + 1))
  runs+=("$(printf '%02d' "$i")-$c")
  run_one "$c" "$out/${runs[-1]}"
done
python3 bench/startup_report.py --out "$out" --nodes "$nodes" --pods "$pods" --pending "$pending" \
  "${runs[@]}"
if ((keep || reuse)); then km::bench::clear_pods startup-pending; fi
