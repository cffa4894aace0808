#!/usr/bin/env bash
# End-to-end benchmark (issue #8): on the local control plane (hack/cluster.sh, real
# kube-apiserver + etcd + KWOK) it creates M pending pods and measures, one after the other on
# the same fresh cluster state, how fast each contender binds them all:
#   kubemesos              `kubemesos run` (Release build), frameworks and groups of the mix
#   kube-scheduler         the pinned Kubernetes' kube-scheduler, default client limits (50/100)
#   kube-scheduler-lifted  the same with clientConnection qps/burst 5000, as scheduler_perf does
#   null                   bench/null_binder: round-robin binds, no decisions, kubemesos' client
#                          library at the same bind concurrency (the API server's own ceiling)
#   null-watch-all         (optional) the null binder watching every pod, as a scheduler must
# Per run: binds per second (average over first..last bind, p50/p99 of per-second samples),
# queue→bound (create→bound with --arrival-rate) latency p50/p99, the contender's CPU seconds,
# CPU per pod and peak RSS, the API server's and etcd's CPU per bound pod, the load average.
# Prints one table with the ratios and writes a PNG of bound pods over time
# (bench/e2e_report.py).
#
#   hack/bench-e2e.sh [--nodes 5000] [--pods 10000] [--frameworks 8] [--groups 4]
#                     [--sizes 100m:128Mi,250m:512Mi,500m:1Gi,1:2Gi,2:4Gi] [--concurrency 16]
#                     [--contenders kubemesos,kube-scheduler,kube-scheduler-lifted,null]
#                     [--arrival backlog|stream] [--arrival-rate R] [--rounds 1]
#                     [--creator-concurrency 64] [--name bench-e2e] [--out DIR] [--chart FILE]
#                     [--build-dir build-bench] [--no-build] [--reuse] [--keep] [--quick]
#                     [--kubemesos-args "--policy spread ..."] [--kubemesos-bin BIN] [--perf]
# --arrival backlog (default): the pods exist before the contender starts; latency counts from
#   max(pod first seen, contender start). stream: the contender starts first and the pods are
#   created while it runs (create→bound latency; the rate is then capped by creation).
# --arrival-rate R (issue #17): the contender starts first, then bench/pod_creator (compiled,
#   kept-alive connections, --creator-concurrency requests in flight) creates the pods on a
#   fixed schedule, pod i at start + i/R, all of framework fw-0 and 100m/128Mi (unless --sizes).
#   Latency is create→bound: the creator's send time to the binding seen by bench/bind_watcher
#   (one clock). The table says whether creation kept up (achieved rate, p99 lag of a send
#   behind its schedule). CPU of the contender, the API server and etcd counts from the first
#   create to the last bind. Default contenders: kubemesos,kube-scheduler-lifted.
# --rounds R: each round runs the contenders in order, then in reverse (A B B A, A B C C B A),
#   so a drift of the shared machine's load hits all alike (default: 1 with --arrival-rate;
#   otherwise each contender once, in order). Runs go to OUT/NN-CONTENDER/.
# --kubemesos-bin BIN: the kubemesos to run (default BUILD_DIR/kubemesos), e.g. another
#   worktree's Release build. --kubemesos-b-bin BIN: the binary of a contender `kubemesos-b`
#   (a second kubemesos build in the same run: before/after a change).
# --quick: 50 nodes, 300 pods, 3 frameworks in 2 groups; checks every contender bound every pod
#   (CTest integration.bench.quick), not speed. --reuse: use the running cluster NAME;
#   --keep: leave it running. --perf: `perf record -g` each contender (from its watches synced)
#   into DIR/CONTENDER/perf.data.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# shellcheck source=hack/lib/common.sh
source hack/lib/common.sh
# shellcheck source=hack/lib/objects.sh
source hack/lib/objects.sh
# shellcheck source=hack/lib/bench.sh
source hack/lib/bench.sh

nodes=5000 pods=10000 frameworks=8 groups=4 concurrency=16 qps=5000
sizes=100m:128Mi,250m:512Mi,500m:1Gi,1:2Gi,2:4Gi
contenders=kubemesos,kube-scheduler,kube-scheduler-lifted,null
arrival=backlog arrival_rate=0 rounds=0 creator_concurrency=64 contenders_given=0
name=bench-e2e out="" chart="" build_dir=build-bench build=1 reuse=0 keep=0
quick=0 timeout=1800 kubemesos_args="" perf=0 sizes_given=0
while (($#)); do
  case "$1" in
    --nodes) nodes=$2; shift 2 ;;
    --pods) pods=$2; shift 2 ;;
    --frameworks) frameworks=$2; shift 2 ;;
    --groups) groups=$2; shift 2 ;;
    --sizes) sizes=$2 sizes_given=1; shift 2 ;;
    --concurrency) concurrency=$2; shift 2 ;;
    --contenders) contenders=$2 contenders_given=1; shift 2 ;;
    --arrival-rate) arrival=rate arrival_rate=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --creator-concurrency) creator_concurrency=$2; shift 2 ;;
    --arrival) arrival=$2; shift 2 ;;
    --name) name=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --chart) chart=$2; shift 2 ;;
    --build-dir) build_dir=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    --reuse) reuse=1; shift ;;
    --keep) keep=1; shift ;;
    --timeout) timeout=$2; shift 2 ;;
    --kubemesos-args) kubemesos_args=$2; shift 2 ;;
    --kubemesos-bin) kubemesos_bin=$2; shift 2 ;;
    --kubemesos-b-bin) kubemesos_b_bin=$2; shift 2 ;;
    --perf) perf=1; shift ;;
    --quick) quick=1 nodes=50 pods=300 frameworks=3 groups=2; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) km::die "unknown option $1 (see --help)" ;;
  esac
done
[[ $arrival == backlog || $arrival == stream || $arrival == rate ]] ||
  km::die "--arrival is backlog or stream (or give --arrival-rate R)"
if [[ $arrival == rate ]]; then
  awk -v r="$arrival_rate" 'BEGIN { exit !(r > 0) }' || km::die "--arrival-rate must be > 0"
  ((contenders_given)) || contenders=kubemesos,kube-scheduler-lifted
  ((sizes_given)) || sizes=100m:128Mi
  frameworks=1 groups=1
fi
((groups >= 1 && frameworks >= groups)) || km::die "need 1 <= groups <= frameworks"
[[ $build_dir = /* ]] || build_dir=$root/$build_dir
kubemesos_bin=${kubemesos_bin:-$build_dir/kubemesos}
kubemesos_b_bin=${kubemesos_b_bin:-}
out=${out:-$build_dir/bench-e2e}
[[ $out = /* ]] || out=$root/$out
chart=${chart:-$out/bench-e2e.png}
IFS=, read -r -a contender_list <<<"$contenders"
read -r -a km_extra <<<"$kubemesos_args"

if ((build)); then
  km::log "building kubemesos, null_binder, bind_watcher (Release) in $build_dir"
  [[ -f $build_dir/build.ninja ]] ||
    cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  ninja -C "$build_dir" -j2 kubemesos null_binder bind_watcher pod_creator >/dev/null
fi
grep -q 'CMAKE_BUILD_TYPE:STRING=Release' "$build_dir/CMakeCache.txt" ||
  km::log "warning: $build_dir is not a Release build"
for b in kubemesos bench/null_binder bench/bind_watcher bench/pod_creator; do
  [[ -x $build_dir/$b ]] || km::die "$build_dir/$b is missing (build it or drop --no-build)"
done
[[ -x $kubemesos_bin ]] || km::die "$kubemesos_bin is not executable"

rm -rf "$out"
mkdir -p "$out"
if ((reuse)); then
  kubeconfig=$(hack/cluster.sh kubeconfig --name "$name")
else
  km::log "starting cluster $name with $nodes nodes"
  kubeconfig=$(hack/cluster.sh up --name "$name" --nodes "$nodes" --node-cpu 32 \
    --node-memory 256Gi --timeout 900 | tail -n1)
fi
export KUBECONFIG=$kubeconfig
# shellcheck disable=SC1091
source "$(dirname "$kubeconfig")/cluster.env"
pki=$KUBEMESOS_CLUSTER_DIR/pki
kubectl() { "$KUBEMESOS_BIN_DIR/kubectl" "$@"; }

contender_pid="" watcher_pid=""
cleanup() {
  local p
  for p in $contender_pid $watcher_pid; do
    if kill -TERM "$p" 2>/dev/null; then wait "$p" 2>/dev/null || true; fi
  done
  if ((!keep && !reuse)); then hack/cluster.sh down --name "$name" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

kubectl apply -f crds/ >/dev/null
kubectl wait --for=condition=Established crd/frameworks.kubemesos.io \
  crd/resourcegroups.kubemesos.io --timeout=60s >/dev/null
ready_nodes() {
  [[ $(kubectl get nodes -l type=kwok --no-headers | grep -c ' Ready ') -ge $nodes ]]
}
km::wait_for "$nodes nodes Ready" 900 ready_nodes

# gen_pods NS SCHEDULER: the M pods as one YAML stream. Pod i belongs to framework fw-(i mod F)
# (frameworks interleaved, as concurrent jobs submit) and takes size (i/F + f) mod |sizes|.
gen_pods() {
  awk -v ns="$1" -v sched="$2" -v count="$pods" -v fws="$frameworks" -v sizes="$sizes" 'BEGIN {
    n = split(sizes, size, ",")
    for (i = 0; i < count; i++) {
      f = i % fws
      split(size[(int(i / fws) + f) % n + 1], cm, ":")
      printf "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p-%d\n  namespace: %s\n", i, ns
      printf "  labels:\n    kubemesos.io/framework: fw-%d\nspec:\n  schedulerName: \"%s\"\n", f, sched
      printf "  automountServiceAccountToken: false\n  containers:\n  - name: task\n"
      printf "    image: fake.example/task:1\n    resources:\n      requests:\n"
      printf "        cpu: \"%s\"\n        memory: \"%s\"\n", cm[1], cm[2]
    }
  }'
}
# gen_groups / gen_frameworks NS: G ResourceGroups (weights 1..4) and F Frameworks, fw-i in
# group bench-g-(i mod G), for kubemesos' DRF.
gen_groups() {
  awk -v g="$groups" 'BEGIN { for (i = 0; i < g; i++)
    printf "---\napiVersion: kubemesos.io/v1alpha1\nkind: ResourceGroup\nmetadata:\n  name: bench-g-%d\nspec:\n  weight: %d\n", i, i % 4 + 1 }'
}
gen_frameworks() {
  awk -v ns="$1" -v f="$frameworks" -v g="$groups" 'BEGIN { for (i = 0; i < f; i++)
    printf "---\napiVersion: kubemesos.io/v1alpha1\nkind: Framework\nmetadata:\n  name: fw-%d\n  namespace: %s\nspec:\n  resourceGroup: bench-g-%d\n", i, ns, i % g }'
}

# create_pods NS SCHEDULER DIR: POSTs the pods (64 in parallel over HTTP/2), records the time.
# With --arrival-rate, bench/pod_creator sends them on schedule (DIR/created.csv, creator.json).
create_pods() {
  local started
  if [[ $arrival == rate ]]; then
    IFS=: read -r cpu_q mem_q <<<"${sizes%%,*}"
    "$build_dir/bench/pod_creator" --kubeconfig "$kubeconfig" --namespace "$1" --count "$pods" \
      --rate "$arrival_rate" --concurrency "$creator_concurrency" --scheduler-name "$2" \
      --label kubemesos.io/framework=fw-0 --cpu "$cpu_q" --memory "$mem_q" \
      --out "$3/created.csv" >"$3/creator.json" 2>"$3/creator.log" ||
      km::log "pod_creator: $(cat "$3/creator.log")"
    jq -r '.seconds' "$3/creator.json" >"$3/create_seconds"
    return
  fi
  started=$(date +%s.%N)
  km::objects::post "$KUBEMESOS_APISERVER" "/api/v1/namespaces/$1/pods" "$pki" 64 \
    gen_pods "$1" "$2"
  awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN { printf "%.3f\n", e - s }' >"$3/create_seconds"
}

# start_contender NAME NS DIR: starts it in the background; sets contender_pid.
start_contender() {
  local c=$1 ns=$2 dir=$3
  case $c in
    kubemesos | kubemesos-b)
      local bin=$kubemesos_bin
      if [[ $c == kubemesos-b ]]; then
        bin=$kubemesos_b_bin
        [[ -x $bin ]] || km::die "contender kubemesos-b needs --kubemesos-b-bin"
      fi
      "$bin" run --kubeconfig "$kubeconfig" --metrics-address 127.0.0.1:0 \
        --client-qps "$qps" --client-burst "$qps" --bind-concurrency "$concurrency" \
        "${km_extra[@]}" >"$dir/log" 2>&1 &
      ;;
    kube-scheduler | kube-scheduler-lifted)
      local lifted=""
      [[ $c == kube-scheduler-lifted ]] && lifted=$qps
      km::bench::scheduler_config "$c" ${lifted:+"$lifted"} >"$dir/config.yaml"
      km::bench::start_kube_scheduler "$dir/config.yaml" "$dir" "$dir/log"
      ;;
    null | null-watch-all)
      local all=()
      [[ $c == null-watch-all ]] && all=(--watch-all-pods)
      "$build_dir/bench/null_binder" --kubeconfig "$kubeconfig" --scheduler-name null-binder \
        --namespace "$ns" --concurrency "$concurrency" --qps "$qps" --burst "$qps" "${all[@]}" \
        >"$dir/result.json" 2>"$dir/log" &
      ;;
    *) km::die "unknown contender $c" ;;
  esac
  contender_pid=$!
}
# contender_ready NAME DIR: its watches have synced (for --arrival stream).
contender_ready() {
  kill -0 "$contender_pid" || return 125
  case $1 in
    kubemesos*) (($(grep -c '"msg":"watch synced"' "$2/log") >= 4)) ;;
    null*) grep -q 'null_binder: synced' "$2/log" ;;
    *) [[ $(curl -sk "https://127.0.0.1:$KUBEMESOS_SCHEDULER_PORT/readyz") == ok ]] ;;
  esac
}
watcher_done() {
  kill -0 "$watcher_pid" 2>/dev/null || return 0
  kill -0 "$contender_pid" || { km::log "the contender exited early"; return 125; }
  return 1
}
watcher_ready() { [[ -s $1 ]] || { kill -0 "$watcher_pid" || return 125; false; }; }

# plane_cpu: CPU seconds so far of kube-apiserver, etcd and kwok (one line, in that order).
plane_cpu() {
  local c
  for c in kube-apiserver etcd kwok; do km::bench::cpu_of "$(cat "$KUBEMESOS_CLUSTER_DIR/pids/$c.pid")"; done |
    paste -sd' '
}

# run_one NAME DIR: one contender on a clean state; leaves DIR/{bound.csv,meta.json,log}.
run_one() {
  local c=$1 ns dir sched t0 cpu cpu0 rss threads load load0 plane0 plane rc=0
  ns=bench-$c dir=$2 sched=$c
  [[ $c == null* ]] && sched=null-binder # a bare `null` would be YAML's null
  [[ $c == kubemesos* ]] && sched=kubemesos
  mkdir -p "$dir"
  kubectl get namespace "$ns" >/dev/null 2>&1 || kubectl create namespace "$ns" >/dev/null
  local other # a fresh state: no pod of any contender left, from this run or an earlier one
  for other in kubemesos kubemesos-b kube-scheduler kube-scheduler-lifted null null-watch-all; do
    if kubectl get namespace "bench-$other" >/dev/null 2>&1; then km::bench::clear_pods "bench-$other"; fi
  done
  if [[ $c == kubemesos* ]]; then
    km::objects::post "$KUBEMESOS_APISERVER" /apis/kubemesos.io/v1alpha1/resourcegroups \
      "$pki" 32 gen_groups
    km::objects::post "$KUBEMESOS_APISERVER" "/apis/kubemesos.io/v1alpha1/namespaces/$ns/frameworks" \
      "$pki" 32 gen_frameworks "$ns"
  fi
  [[ $arrival == backlog ]] && create_pods "$ns" "$sched" "$dir"
  "$build_dir/bench/bind_watcher" --kubeconfig "$kubeconfig" --namespace "$ns" --count "$pods" \
    --out "$dir/bound.csv" --ready-file "$dir/watcher.ready" --timeout-seconds "$timeout" \
    2>"$dir/watcher.log" &
  watcher_pid=$!
  km::wait_for "the bind watcher" 120 watcher_ready "$dir/watcher.ready"
  km::log "$c: $pods pods, $nodes nodes"
  plane0=$(plane_cpu)
  load0=$(cut -d' ' -f1 /proc/loadavg)
  t0=$(date +%s.%N)
  start_contender "$c" "$ns" "$dir"
  cpu0=0
  if [[ $arrival != backlog ]] || ((perf)); then
    km::wait_for "$c ready" 300 contender_ready "$c" "$dir"
  fi
  # Attached once its threads exist (perf -p follows only the threads present then).
  ((perf)) && perf record -q -F 499 -g -o "$dir/perf.data" -p "$contender_pid" >/dev/null 2>&1 &
  if [[ $arrival != backlog ]]; then
    # CPU counts from the first create: the start-up sync is not the cost per arriving pod.
    plane0=$(plane_cpu)
    cpu0=$(km::bench::cpu_of "$contender_pid")
    create_pods "$ns" "$sched" "$dir"
  fi
  if ! km::wait_for "$c to bind $pods pods" "$timeout" watcher_done; then
    kill -TERM "$watcher_pid" 2>/dev/null || true
  fi
  wait "$watcher_pid" || rc=$?
  watcher_pid=""
  # CPU (utime + stime) and peak RSS of the contender, read before it is stopped.
  cpu=$(km::bench::cpu_of "$contender_pid")
  plane=$(paste -d' ' <(tr ' ' '\n' <<<"$plane0") <(plane_cpu | tr ' ' '\n') | awk '{ printf "%s%.2f", (NR > 1 ? "," : ""), $2 - $1 }')
  rss=$(awk '/VmHWM/ { print $2 / 1024 }' "/proc/$contender_pid/status" 2>/dev/null || echo -1)
  threads=$(awk '/Threads/ { print $2 }' "/proc/$contender_pid/status" 2>/dev/null || echo -1)
  kill -TERM "$contender_pid" 2>/dev/null || true
  wait "$contender_pid" || true
  contender_pid=""
  load=$(cut -d' ' -f1 /proc/loadavg) # the machine is shared: say how busy it was
  local creator='{}'
  [[ -s $dir/creator.json ]] && creator=$(cat "$dir/creator.json")
  jq -n --arg c "$c" --argjson t0 "$t0" --argjson cpu "$cpu" --argjson rss "$rss" --argjson load "$load" \
    --argjson plane "[$plane]" --argjson cpu0 "$cpu0" --argjson load0 "$load0" \
    --argjson creator "$creator" --argjson rate "$arrival_rate" --argjson threads "$threads" \
    --argjson pods "$pods" --argjson nodes "$nodes" --argjson rc "$rc" \
    --argjson create "$(cat "$dir/create_seconds")" --arg arrival "$arrival" \
    '{contender: $c, t0: $t0, cpu_seconds: $cpu, peak_rss_mib: $rss, pods: $pods,
      nodes: $nodes, watcher_rc: $rc, create_seconds: $create, arrival: $arrival,
      load1: $load, load1_start: $load0, apiserver_cpu: $plane[0], etcd_cpu: $plane[1],
      kwok_cpu: $plane[2], cpu_seconds_total: $cpu, cpu_seconds_before_create: $cpu0,
      arrival_rate: $rate, creator: $creator, threads: $threads}
      | .cpu_seconds = ($cpu - $cpu0)' \
    >"$dir/meta.json"
  km::log "$c: $(($(wc -l <"$dir/bound.csv") - 1)) of $pods bound; CPU ${cpu}s, peak RSS ${rss} MiB"
}

order=()
if ((rounds == 0)); then
  if [[ $arrival == rate ]]; then rounds=1; else order=("${contender_list[@]}"); fi
fi
mapfile -t -O "${#order[@]}" order < <(km::bench::abba_order "$rounds" "${contender_list[@]}")
runs=() i=0
for c in "${order[@]}"; do
  i=$((i + 1))
  runs+=("$(printf '%02d' "$i")-$c")
  run_one "$c" "$out/${runs[-1]}"
done
# A cluster that stays up is left without benchmark pods (one that goes down is not cleared).
if ((keep || reuse)); then for c in "${contender_list[@]}"; do km::bench::clear_pods "bench-$c"; done; fi

report_args=(--out "$out" --chart "$chart" --nodes "$nodes" --pods "$pods"
  --frameworks "$frameworks" --groups "$groups" --concurrency "$concurrency" --arrival "$arrival")
((quick)) && report_args+=(--check)
[[ $arrival == rate ]] && report_args+=(--arrival-rate "$arrival_rate")
python3 bench/e2e_report.py "${report_args[@]}" "${runs[@]}"
