#!/usr/bin/env bash
# Kubernetes' own scheduler_perf workloads (test/integration/scheduler_perf, v1.37.2), run side
# by side through kubemesos and kube-scheduler (client limits lifted: qps/burst 5000, as
# scheduler_perf does) on the local control plane (hack/cluster.sh: real kube-apiserver + etcd,
# KWOK nodes), issue #14. Upstream's templates (bench/scheduler_perf/) and sizes:
#   workload                    template of the measured pods         nodes  init  measured
#   SchedulingBasic             pod-default                           5000   1000  1000
#   SchedulingPodAntiAffinity   pod-with-pod-anti-affinity (hostname) 5000   1000  1000
#   SchedulingPodAffinity       pod-with-pod-affinity (zone)          5000   5000  1000
#   TopologySpreading           pod-with-topology-spreading (zone)    5000   5000  2000
#   SchedulingNodeAffinity      pod-with-node-affinity (zone In)      5000   5000  1000
#   GangScheduling              gang-pod (podgroup/gangscheduling)    5000      0  3000
# GangScheduling (issue #15) is upstream's podgroup/gangscheduling case 5000Nodes_1000Gangs_3000Pods:
# PodGroups gang-0..N-1 (podgroup.yaml, minCount = --pods-per-group, default 3 as upstream)
# made once in sched-1 before the runs, then the measured pods, pod i in gang-(i / per-group);
# kube-scheduler runs with --feature-gates=GenericWorkload=true, and the cluster must serve
# scheduling.k8s.io/v1beta1 (hack/cluster.sh enables it). --measure-pods must be a multiple of
# --pods-per-group.
# (--nodes 500 takes upstream's 500Nodes sizes, --nodes 5 its 5Nodes sizes; any other count
# needs --init-pods and --measure-pods.) Nodes as node-default.yaml: 4 CPU, 32Gi, 110 pods.
# Zones as upstream: one zone for SchedulingPodAffinity and SchedulingNodeAffinity (upstream's
# zone1 is the cluster's zone-a, zone2 zone-b), three for TopologySpreading (moon-1..3 are
# zone-a..c, round robin where upstream draws at random), one elsewhere (unused). Init pods
# (pod-default for TopologySpreading, else the workload's template) go to namespace sched-0 and
# the measured ones to sched-1, as upstream's affinity workloads (the anti-affinity and affinity
# terms name both namespaces).
#
# One run of a contender: every pod of the workload deleted; the contender started, the init
# pods created and all bound; the contender stopped; the measured pods created (a backlog) and
# the contender started again; the clock runs until all measured pods are bound
# (bench/bind_watcher). Runs alternate A B B A (--rounds R repeats that), so a drift of the
# shared machine's load hits both alike. Reported per run (bench/perf_report.py): measured pods
# per second over first..last bind and from the contender's start, the contender's CPU seconds,
# the 1-minute load average and the cores, and for kubemesos the engine's cycle time over the
# measured phase (kubemesos_allocation_cycle_seconds: mean and p99 from the histogram's
# buckets, and the number of cycles). Then the mean rate per contender and the ratio.
#
#   hack/bench-perf.sh --workload NAME [--nodes 5000] [--init-pods N] [--measure-pods M]
#                      [--contenders kubemesos,kube-scheduler] [--rounds 1]
#                      [--name bench-perf] [--out DIR] [--build-dir build-bench] [--no-build]
#                      [--reuse] [--keep] [--timeout 1800] [--kubemesos-args "..."]
#                      [--create-only] [--pods-per-group 3]
# --contenders: two of kubemesos, kube-scheduler (run as A B B A); one runs alone.
# --reuse: use the running cluster NAME (its node count and zones must fit the workload);
# --keep: leave it running. --create-only: run kube-scheduler only, once, and check the
# objects (node zones, pod templates, all measured pods bound) instead of timing: the check
# for workloads kubemesos refuses until it enforces them.
# Everything runs under `nice -n 10` (the script re-executes itself so); the table gives the
# load average, since the numbers depend on how busy the machine was.
set -euo pipefail
# The machine is shared: everything this starts (the cluster, the contenders) runs nice'd.
[[ -n ${KM_BENCH_NICED:-} ]] || KM_BENCH_NICED=1 exec nice -n 10 "$0" "$@"
cd "$(dirname "$0")/.."
root=$PWD
# shellcheck source=hack/lib/common.sh
source hack/lib/common.sh
# shellcheck source=hack/lib/objects.sh
source hack/lib/objects.sh
# shellcheck source=hack/lib/bench.sh
source hack/lib/bench.sh

workload="" nodes=5000 init_pods="" measure_pods="" contenders=kubemesos,kube-scheduler rounds=1
name=bench-perf out="" build_dir=build-bench build=1 reuse=0 keep=0 timeout=1800
kubemesos_args="" create_only=0 qps=5000 per_group=3
while (($#)); do
  case "$1" in
    --workload) workload=$2; shift 2 ;;
    --nodes) nodes=$2; shift 2 ;;
    --init-pods) init_pods=$2; shift 2 ;;
    --measure-pods) measure_pods=$2; shift 2 ;;
    --contenders) contenders=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --name) name=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --build-dir) build_dir=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    --reuse) reuse=1; shift ;;
    --keep) keep=1; shift ;;
    --timeout) timeout=$2; shift 2 ;;
    --kubemesos-args) kubemesos_args=$2; shift 2 ;;
    --create-only) create_only=1; shift ;;
    --pods-per-group) per_group=$2; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) km::die "unknown option $1 (see --help)" ;;
  esac
done

# Upstream's sizes: "init measured" per workload and node count (5Nodes, 500Nodes, 5000Nodes).
upstream_sizes() {
  case "$1/$2" in
    SchedulingBasic/5) echo 5 10 ;; SchedulingBasic/500) echo 500 1000 ;;
    SchedulingBasic/5000) echo 1000 1000 ;;
    SchedulingPodAntiAffinity/5) echo 1 4 ;; SchedulingPodAntiAffinity/500) echo 100 400 ;;
    SchedulingPodAntiAffinity/5000) echo 1000 1000 ;;
    SchedulingPodAffinity/5) echo 5 10 ;; SchedulingPodAffinity/500) echo 500 1000 ;;
    SchedulingPodAffinity/5000) echo 5000 1000 ;;
    TopologySpreading/5) echo 10 10 ;; TopologySpreading/500) echo 1000 1000 ;;
    TopologySpreading/5000) echo 5000 2000 ;;
    SchedulingNodeAffinity/5) echo 5 10 ;; SchedulingNodeAffinity/500) echo 500 1000 ;;
    SchedulingNodeAffinity/5000) echo 5000 1000 ;;
    GangScheduling/5000) echo 0 3000 ;;
  esac
}
case $workload in
  SchedulingBasic) init_tpl=pod-default measure_tpl=pod-default zones=1 ;;
  SchedulingPodAntiAffinity) init_tpl=pod-with-pod-anti-affinity measure_tpl=$init_tpl zones=1 ;;
  SchedulingPodAffinity) init_tpl=pod-with-pod-affinity measure_tpl=$init_tpl zones=1 ;;
  TopologySpreading) init_tpl=pod-default measure_tpl=pod-with-topology-spreading zones=3 ;;
  SchedulingNodeAffinity) init_tpl=pod-with-node-affinity measure_tpl=$init_tpl zones=1 ;;
  GangScheduling) init_tpl=pod-default measure_tpl=gang-pod zones=1 ;;
  *) km::die "--workload is one of SchedulingBasic, SchedulingPodAntiAffinity, SchedulingPodAffinity, TopologySpreading, SchedulingNodeAffinity, GangScheduling" ;;
esac
read -r up_init up_measure <<<"$(upstream_sizes "$workload" "$nodes")" || true
init_pods=${init_pods:-${up_init:-}} measure_pods=${measure_pods:-${up_measure:-}}
[[ -n $init_pods && -n $measure_pods ]] ||
  km::die "upstream has no ${nodes}-node case of $workload: give --init-pods and --measure-pods"
[[ $workload != GangScheduling ]] || ((per_group > 0 && measure_pods % per_group == 0)) ||
  km::die "--measure-pods ($measure_pods) must be a multiple of --pods-per-group ($per_group)"
IFS=, read -r -a contender_list <<<"$contenders"
for c in "${contender_list[@]}"; do
  [[ $c == kubemesos || $c == kube-scheduler ]] || km::die "unknown contender $c"
done
((create_only)) && contender_list=(kube-scheduler) rounds=1
read -r -a km_extra <<<"$kubemesos_args"
[[ $build_dir = /* ]] || build_dir=$root/$build_dir
out=${out:-$build_dir/bench-perf/$workload}
[[ $out = /* ]] || out=$root/$out

if ((build)); then
  km::log "building kubemesos and bind_watcher (Release) in $build_dir"
  [[ -f $build_dir/build.ninja ]] ||
    cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  ninja -C "$build_dir" -j2 kubemesos bind_watcher >/dev/null
fi
grep -q 'CMAKE_BUILD_TYPE:STRING=Release' "$build_dir/CMakeCache.txt" ||
  km::log "warning: $build_dir is not a Release build"
for b in kubemesos bench/bind_watcher; do
  [[ -x $build_dir/$b ]] || km::die "$build_dir/$b is missing (build it or drop --no-build)"
done

rm -rf "$out"
mkdir -p "$out"
if ((reuse)); then
  kubeconfig=$(hack/cluster.sh kubeconfig --name "$name")
else
  km::log "starting cluster $name: $nodes nodes (4 CPU, 32Gi, 110 pods), $zones zone(s)"
  kubeconfig=$(hack/cluster.sh up --name "$name" --nodes "$nodes" --node-cpu 4 \
    --node-memory 32Gi --node-pods 110 --zones "$zones" --timeout 900 | tail -n1)
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
have_zones=$(kubectl get nodes -l type=kwok -o jsonpath='{range .items[*]}{.metadata.labels.topology\.kubernetes\.io/zone}{"\n"}{end}' | sort -u | wc -l)
((have_zones == zones)) || km::die "the cluster's nodes are in $have_zones zones, $workload needs $zones"

kubectl apply -f crds/ >/dev/null
kubectl wait --for=condition=Established crd/frameworks.kubemesos.io \
  crd/resourcegroups.kubemesos.io --timeout=60s >/dev/null
for ns in sched-0 sched-1; do
  kubectl get namespace "$ns" >/dev/null 2>&1 || kubectl create namespace "$ns" >/dev/null
  has_sa() { kubectl get serviceaccount default -n "$1" >/dev/null 2>&1; }
  km::wait_for "the default ServiceAccount of $ns" 60 has_sa "$ns"
done
# kubemesos places a pod for its Framework: one ResourceGroup, one Framework per namespace.
{
  printf -- '---\napiVersion: kubemesos.io/v1alpha1\nkind: ResourceGroup\nmetadata:\n  name: perf\nspec:\n  weight: 1\n'
  for ns in sched-0 sched-1; do
    printf -- '---\napiVersion: kubemesos.io/v1alpha1\nkind: Framework\nmetadata:\n  name: perf\n  namespace: %s\nspec:\n  resourceGroup: perf\n' "$ns"
  done
} | kubectl apply -f - >/dev/null

# gen_pods TEMPLATE NS SCHEDULER COUNT PREFIX: COUNT pods of bench/scheduler_perf/TEMPLATE.yaml
# named PREFIX<i> in NS for SCHEDULER, labelled kubemesos.io/framework=perf, zones mapped.
gen_pods() {
  awk -v ns="$2" -v sched="$3" -v count="$4" -v prefix="$5" -v per="$per_group" '
    { tpl[n++] = $0 }
    END {
      for (i = 0; i < count; i++) {
        printf "---\n"
        for (k = 0; k < n; k++) {
          line = tpl[k]
          if (line ~ /podGroupName: /) {
            sub(/gang-\{\{DivideInt \.Index \.podsPerGroup\}\}/, "gang-" int(i / per), line)
            print line
          } else if (line ~ /^  generateName: / || line ~ /^  name: .*\{\{\.Index\}\}/) {
            printf "  name: %s%d\n  namespace: %s\n  labels:\n    kubemesos.io/framework: perf\n", prefix, i, ns
          } else if (line == "  labels:") {
            continue  # its entries follow the labels block printed above
          } else if (line == "spec:") {
            printf "spec:\n  schedulerName: %s\n", sched
          } else {
            sub(/- zone1$/, "- zone-a", line); sub(/- zone2$/, "- zone-b", line)
            print line
          }
        }
      }
    }' "bench/scheduler_perf/$1.yaml"
}
create_pods() { # TEMPLATE NS SCHEDULER COUNT PREFIX
  km::objects::post "$KUBEMESOS_APISERVER" "/api/v1/namespaces/$2/pods" "$pki" 64 gen_pods "$@"
}
# gen_pod_groups COUNT: PodGroups gang-0..COUNT-1 of bench/scheduler_perf/podgroup.yaml.
gen_pod_groups() {
  local i
  for ((i = 0; i < $1; i++)); do
    printf -- '---\n'
    sed -e "s/{{\.Index}}/$i/; s/{{\.podsPerGroup}}/$per_group/" bench/scheduler_perf/podgroup.yaml
  done
}
if [[ $workload == GangScheduling ]]; then
  km::log "$((measure_pods / per_group)) PodGroups of $per_group in sched-1"
  km::bench::api DELETE /apis/scheduling.k8s.io/v1beta1/namespaces/sched-1/podgroups >/dev/null ||
    km::die "the cluster does not serve scheduling.k8s.io/v1beta1 PodGroups (GenericWorkload)"
  km::objects::post "$KUBEMESOS_APISERVER" /apis/scheduling.k8s.io/v1beta1/namespaces/sched-1/podgroups \
    "$pki" 16 gen_pod_groups "$((measure_pods / per_group))"
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_contender NAME DIR LOG: starts it in the background; sets contender_pid.
metrics_port=""
gates=""
[[ $workload != GangScheduling ]] || gates=GenericWorkload=true
start_contender() {
  local c=$1 dir=$2 log=$3
  if [[ $c == kubemesos ]]; then
    metrics_port=$(free_port)
    "$build_dir/kubemesos" run --kubeconfig "$kubeconfig" \
      --metrics-address "127.0.0.1:$metrics_port" --probe-address 127.0.0.1:0 \
      --client-qps "$qps" --client-burst "$qps" \
      "${km_extra[@]}" >"$log" 2>&1 &
  else
    km::bench::scheduler_config kube-scheduler "$qps" >"$dir/config.yaml"
    km::bench::start_kube_scheduler "$dir/config.yaml" "$dir" "$log" \
      ${gates:+--feature-gates=$gates}
  fi
  contender_pid=$!
}
contender_ready() { # NAME LOG: its watches have synced
  kill -0 "$contender_pid" || return 125
  case $1 in
    kubemesos) (($(grep -c '"msg":"watch synced"' "$2") >= 4)) ;;
    *) [[ $(curl -sk "https://127.0.0.1:$KUBEMESOS_SCHEDULER_PORT/readyz") == ok ]] ;;
  esac
}
scrape() { # FILE: kubemesos' metrics now (nothing for kube-scheduler)
  if [[ -n $metrics_port ]]; then curl -s --max-time 10 "http://127.0.0.1:$metrics_port/metrics" >"$1" || true; fi
}
watcher_done() {
  kill -0 "$watcher_pid" 2>/dev/null || return 0
  kill -0 "$contender_pid" || { km::log "the contender exited early"; return 125; }
  return 1
}
watcher_ready() { [[ -s $1 ]] || { kill -0 "$watcher_pid" || return 125; false; }; }
# watch_bound NS COUNT DIR NAME: starts bench/bind_watcher (DIR/NAME.csv); sets watcher_pid.
watch_bound() {
  "$build_dir/bench/bind_watcher" --kubeconfig "$kubeconfig" --namespace "$1" \
    --count "$2" --out "$3/$4.csv" --ready-file "$3/$4.ready" --timeout-seconds "$timeout" \
    2>"$3/$4.watcher.log" &
  watcher_pid=$!
  km::wait_for "the bind watcher" 120 watcher_ready "$3/$4.ready"
}
wait_bound() { # WHAT: waits for the watcher; returns its exit code
  local rc=0
  km::wait_for "$1" "$timeout" watcher_done || kill -TERM "$watcher_pid" 2>/dev/null || true
  wait "$watcher_pid" || rc=$?
  watcher_pid=""
  return "$rc"
}

# run_one NAME INDEX: one run of contender NAME into $out/INDEX-NAME/.
run_one() {
  local c=$1 dir=$out/$2-$1 t0 cpu load0 load rc=0
  mkdir -p "$dir"
  metrics_port=""
  km::bench::clear_pods sched-1
  km::bench::clear_pods sched-0
  if ((init_pods > 0)); then
    km::log "$c: $init_pods init pods ($init_tpl)"
    start_contender "$c" "$dir" "$dir/init.log"
    watch_bound sched-0 "$init_pods" "$dir" init
    create_pods "$init_tpl" sched-0 "$c" "$init_pods" init-
    wait_bound "$c to bind $init_pods init pods" || km::log "$c: not every init pod was bound"
    stop_pid "$contender_pid"
    contender_pid=""
  fi
  km::log "$c: $measure_pods measured pods ($measure_tpl), $nodes nodes"
  create_pods "$measure_tpl" sched-1 "$c" "$measure_pods" pod-
  watch_bound sched-1 "$measure_pods" "$dir" bound
  load0=$(cut -d' ' -f1 /proc/loadavg)
  t0=$(date +%s.%N)
  start_contender "$c" "$dir" "$dir/log"
  # No scrape before: the process is new, and cycles run only once its watches synced, so its
  # whole histogram is the measured phase (a scrape at "synced" could miss the first cycles).
  km::wait_for "$c ready" 300 contender_ready "$c" "$dir/log"
  wait_bound "$c to bind $measure_pods pods" || rc=$?
  scrape "$dir/metrics.after"
  cpu=$(km::bench::cpu_of "$contender_pid")
  load=$(cut -d' ' -f1 /proc/loadavg)
  stop_pid "$contender_pid"
  contender_pid=""
  jq -n --arg c "$c" --arg w "$workload" --argjson t0 "$t0" --argjson cpu "$cpu" \
    --argjson load0 "$load0" --argjson load "$load" --argjson cores "$(nproc)" \
    --argjson nodes "$nodes" --argjson init "$init_pods" --argjson pods "$measure_pods" \
    --argjson rc "$rc" \
    '{contender: $c, workload: $w, t0: $t0, cpu_seconds: $cpu, load1_start: $load0,
      load1_end: $load, cores: $cores, nodes: $nodes, init_pods: $init, pods: $pods,
      watcher_rc: $rc}' >"$dir/meta.json"
  km::log "$c: $(($(wc -l <"$dir/bound.csv") - 1)) of $measure_pods bound; CPU ${cpu}s; load $load0 -> $load"
}

# check_objects: the objects are the workload's (--create-only).
check_objects() {
  local dir=$out/1-kube-scheduler failed=0
  kubectl get pods -n sched-0 -o json >"$dir/init.json"
  kubectl get pods -n sched-1 -o json >"$dir/pods.json"
  kubectl get nodes -l type=kwok -o json >"$dir/nodes.json"
  python3 bench/perf_report.py --check "$workload" "$dir" || failed=1
  return "$failed"
}

order=()
for ((r = 0; r < rounds; r++)); do
  if ((${#contender_list[@]} == 2)); then
    order+=("${contender_list[0]}" "${contender_list[1]}" "${contender_list[1]}" "${contender_list[0]}")
  else
    order+=("${contender_list[@]}")
  fi
done
i=0
for c in "${order[@]}"; do
  i=$((i + 1))
  run_one "$c" "$i"
done
if ((create_only)); then
  check_objects
else
  python3 bench/perf_report.py "$out"
fi
if ((keep || reuse)); then km::bench::clear_pods sched-1; km::bench::clear_pods sched-0; fi
