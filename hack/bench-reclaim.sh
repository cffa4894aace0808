#!/usr/bin/env bash
# Reclaim benchmark (issue #16), modelled on KAI-Scheduler's KWOK scale test (test/e2e/scale:
# 500 KWOK nodes x 8 GPUs, a filler queue with quota 0 fills all 4,000 GPUs with one-GPU jobs;
# KAI reports 6m38s for the fill, 13.9 s on average over 10 one-GPU jobs submitted one after the
# other to a queue with quota (each reclaims one GPU from the full cluster: job creation to
# PodScheduled), and 11m34s to reclaim for 4,000 one-GPU jobs created while the scheduler is off).
# Here, on the local control plane (hack/cluster.sh: kube-apiserver, etcd, KWOK,
# kube-controller-manager with the ReplicaSet controller), with `kubemesos run`:
#   fill    ResourceGroup "filler" (guarantee --filler-guarantee units, default 0; Lend) fills the
#           whole cluster: a Deployment of nodes x units-per-node one-unit pods, created while
#           kubemesos is stopped (a backlog, as KAI); timed from kubemesos' start to all bound.
#   single  ResourceGroup "reclaimer" (guarantee --guarantee units, default half the cluster;
#           Lend; spec.preemption.delaySeconds --delay-seconds, default 0 for the benchmark)
#           submits --samples one-unit pods one after the other, each only after the previous is
#           bound: time from the pod's creation to its bind (KAI's "reclaim one GPU").
#   bulk    the reclaimer submits the rest of its guarantee at once (guarantee - samples pods,
#           64 POSTs in flight; --backlog: created while kubemesos is stopped, timed from its
#           restart, as KAI's 4,000): time to the first and to the last bind, i.e. to reclaim
#           the first unit and the whole guarantee.
#   quiet   --quiet-seconds more with nothing submitted: the victims re-created by the filler's
#           ReplicaSet wait (the filler is above its guarantee) and must evict nobody.
# Counted by a watch of each namespace (bench/pod_deletions.py), not by kubemesos: evictions of
# filler pods per phase (victims; divided by the reclaimer's pods bound: evictions per reclaimed
# unit, 1.0 is minimal) and reclaimer pods deleted (must be 0). From kubemesos' /metrics per
# phase: the allocation cycle (mean, p99, count; kubemesos_allocation_cycle_seconds) and, when
# present, its own eviction and preemption counters. The 1-minute load average at each phase's
# end (the machine is shared). Output: a Markdown table on stdout and OUT/table.md, OUT/results.json,
# and per phase the watcher CSVs, scrapes and kubemesos' log.
#
#   hack/bench-reclaim.sh [--nodes 500] [--unit gpu|cpu] [--units-per-node 8] [--guarantee N]
#                         [--filler-guarantee 0] [--delay-seconds 0] [--samples 10]
#                         [--quiet-seconds 60] [--backlog] [--fill-only] [--quick] [--check]
#                         [--name bench-reclaim] [--out DIR] [--build-dir build-bench]
#                         [--no-build] [--reuse] [--keep] [--timeout 1800]
#                         [--kubemesos-args "..."]
# --unit gpu: the KWOK nodes get nvidia.com/gpu = units-per-node (a node status patch, as KAI's
# fake GPU operator does) and each pod requests nvidia.com/gpu: 1 and nothing else; --unit cpu:
# nodes of units-per-node cpu, pods of 1 cpu. KWOK removes a deleting pod at once, so the victims'
# terminationGracePeriodSeconds adds nothing here (on a real cluster reclaim waits for it).
# --fill-only: cluster, groups and the fill phase only (needs no preemption). --quick: 20 nodes,
# guarantee 80 of 160 units, 3 samples, 15 quiet seconds. --check: exit 1 unless every pod was
# bound, each reclaimed unit cost exactly one eviction, no reclaimer pod was deleted and the quiet
# window evicted nobody (CTest integration.bench.reclaim runs --quick --check).
# Everything runs under `nice -n 10`; the cluster is stopped at the end unless --keep/--reuse.
set -euo pipefail
[[ -n ${KM_BENCH_NICED:-} ]] || KM_BENCH_NICED=1 exec nice -n 10 "$0" "$@"
cd "$(dirname "$0")/.."
root=$PWD
# shellcheck source=hack/lib/common.sh
source hack/lib/common.sh
# shellcheck source=hack/lib/objects.sh
source hack/lib/objects.sh
# shellcheck source=hack/lib/bench.sh
source hack/lib/bench.sh

nodes=500 unit=gpu per_node=8 guarantee="" filler_guarantee=0 delay=0 samples=10 quiet=60
backlog=0 fill_only=0 check=0 name=bench-reclaim out="" build_dir=build-bench build=1 reuse=0 keep=0
timeout=1800 kubemesos_args="" qps=5000
while (($#)); do
  case "$1" in
    --nodes) nodes=$2; shift 2 ;;
    --unit) unit=$2; shift 2 ;;
    --units-per-node) per_node=$2; shift 2 ;;
    --guarantee) guarantee=$2; shift 2 ;;
    --filler-guarantee) filler_guarantee=$2; shift 2 ;;
    --delay-seconds) delay=$2; shift 2 ;;
    --samples) samples=$2; shift 2 ;;
    --quiet-seconds) quiet=$2; shift 2 ;;
    --backlog) backlog=1; shift ;;
    --fill-only) fill_only=1; shift ;;
    --quick) nodes=20 per_node=8 guarantee=80 samples=3 quiet=15; shift ;;
    --check) check=1; shift ;;
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
case $unit in
  gpu) resource=nvidia.com/gpu node_cpu=32 ;;
  cpu) resource=cpu node_cpu=$per_node ;;
  *) km::die "--unit is gpu or cpu" ;;
esac
total=$((nodes * per_node))
guarantee=${guarantee:-$((total / 2))}
((guarantee > samples && guarantee <= total)) ||
  km::die "--guarantee ($guarantee) must be above --samples ($samples) and at most the cluster ($total)"
((filler_guarantee + guarantee <= total)) || km::die "the two guarantees exceed the cluster ($total)"
read -r -a km_extra <<<"$kubemesos_args"
[[ $build_dir = /* ]] || build_dir=$root/$build_dir
out=${out:-$build_dir/bench-reclaim}
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
  km::log "starting cluster $name: $nodes nodes ($node_cpu cpu, 256Gi, 110 pods)"
  kubeconfig=$(hack/cluster.sh up --name "$name" --nodes "$nodes" --node-cpu "$node_cpu" \
    --node-memory 256Gi --node-pods 110 --timeout 900 | tail -n1)
fi
export KUBECONFIG=$kubeconfig
# shellcheck disable=SC1091
source "$(dirname "$kubeconfig")/cluster.env"
pki=$KUBEMESOS_CLUSTER_DIR/pki
kubectl() { "$KUBEMESOS_BIN_DIR/kubectl" "$@"; }

operator_pid="" watcher_pid="" deletions_pids=()
stop_pid() { if [[ -n $1 ]] && kill -TERM "$1" 2>/dev/null; then wait "$1" 2>/dev/null || true; fi; }
cleanup() {
  local p
  stop_pid "$operator_pid"
  stop_pid "$watcher_pid"
  for p in "${deletions_pids[@]}"; do stop_pid "$p"; done
  if ((!keep && !reuse)); then hack/cluster.sh down --name "$name" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

ready_nodes() { [[ $(kubectl get nodes -l type=kwok --no-headers | grep -c ' Ready ') -ge $nodes ]]; }
km::wait_for "$nodes nodes Ready" 900 ready_nodes

# gen_gpu_patches: a curl config that gives every KWOK node nvidia.com/gpu = per_node (status
# subresource, merge patch; KWOK's node stages keep allocatable as it is).
gen_gpu_patches() {
  local i body
  body=$(printf '{"status":{"capacity":{"nvidia.com/gpu":"%s"},"allocatable":{"nvidia.com/gpu":"%s"}}}' "$per_node" "$per_node")
  for ((i = 0; i < nodes; i++)); do
    ((i == 0)) || printf 'next\n'
    printf 'url = "%s/api/v1/nodes/%s%d/status"\nrequest = "PATCH"\ndata = %s\n' \
      "$KUBEMESOS_APISERVER" "$KUBEMESOS_NODE_PREFIX" "$i" "$(jq -Rn --arg b "$body" '$b')"
    printf 'cacert = "%s/ca.crt"\ncert = "%s/admin.crt"\nkey = "%s/admin.key"\n' "$pki" "$pki" "$pki"
    printf 'header = "Content-Type: application/merge-patch+json"\noutput = "/dev/null"\n'
    printf 'write-out = "%%{http_code}\\n"\n'
  done
}
if [[ $unit == gpu ]]; then
  km::log "giving each node $per_node nvidia.com/gpu"
  gen_gpu_patches >"$out/gpu-patches.cfg"
  bad=$(curl --no-progress-meter --http2 --parallel --parallel-max 32 --max-time 120 \
    --config "$out/gpu-patches.cfg" | grep -vc '^200$' || true)
  ((bad == 0)) || km::die "$bad node status patches failed"
  gpus() {
    [[ $(kubectl get nodes -l type=kwok -o json |
      jq '[.items[].status.allocatable["nvidia.com/gpu"] // "0" | tonumber] | add') == "$total" ]]
  }
  km::wait_for "$total nvidia.com/gpu allocatable" 120 gpus
fi

kubectl apply -f crds/ >/dev/null
kubectl wait --for=condition=Established crd/frameworks.kubemesos.io \
  crd/resourcegroups.kubemesos.io --timeout=60s >/dev/null
has_field() { # PATH in the ResourceGroup spec schema, e.g. guaranteePolicy
  kubectl get crd resourcegroups.kubemesos.io -o json |
    jq -e --arg f "$1" '.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties | has($f)' >/dev/null
}
lend=1
if ! has_field guaranteePolicy || ! has_field preemption; then
  ((fill_only)) || km::die "this kubemesos' ResourceGroup has no spec.guaranteePolicy/spec.preemption (issue #16): only --fill-only runs"
  km::log "no spec.guaranteePolicy in the CRD: the groups are created without it (--fill-only)"
  lend=0
fi
for ns in reclaim-a reclaim-b; do
  kubectl get namespace "$ns" >/dev/null 2>&1 || kubectl create namespace "$ns" >/dev/null
  has_sa() { kubectl get serviceaccount default -n "$1" >/dev/null 2>&1; }
  km::wait_for "the default ServiceAccount of $ns" 60 has_sa "$ns"
done
group() { # NAME GUARANTEE
  printf -- '---\napiVersion: kubemesos.io/v1alpha1\nkind: ResourceGroup\nmetadata:\n  name: %s\nspec:\n  weight: 1\n' "$1"
  printf '  guarantee:\n    %s: "%s"\n' "$resource" "$2"
  if ((lend)); then
    printf '  guaranteePolicy: Lend\n  preemption:\n    delaySeconds: %s\n' "$delay"
  fi
}
# Without Lend the reclaimer's unused guarantee would be held back from the filler (Hold): then
# (--fill-only on a kubemesos before issue #16) the reclaimer's group is not created.
{
  group filler "$filler_guarantee"
  printf -- '---\napiVersion: kubemesos.io/v1alpha1\nkind: Framework\nmetadata:\n  name: filler\n  namespace: reclaim-a\nspec:\n  resourceGroup: filler\n'
  if ((lend)); then
    group reclaimer "$guarantee"
    printf -- '---\napiVersion: kubemesos.io/v1alpha1\nkind: Framework\nmetadata:\n  name: reclaimer\n  namespace: reclaim-b\nspec:\n  resourceGroup: reclaimer\n'
  fi
} >"$out/groups.yaml"
kubectl apply -f "$out/groups.yaml" >/dev/null

# pod_body FRAMEWORK [INDENT]: labels and spec of the pods both groups run: one unit, for
# kubemesos, no grace period.
pod_body() {
  local i=${2:-}
  printf '%s  labels:\n%s    kubemesos.io/framework: %s\n%s    app: %s\n' "$i" "$i" "$1" "$i" "$1"
  printf '%sspec:\n%s  schedulerName: kubemesos\n%s  automountServiceAccountToken: false\n' "$i" "$i" "$i"
  printf '%s  terminationGracePeriodSeconds: 0\n%s  containers:\n%s  - name: task\n' "$i" "$i" "$i"
  printf '%s    image: fake.example/task:1\n%s    resources:\n' "$i" "$i"
  printf '%s      requests: {%s: "1"}\n%s      limits: {%s: "1"}\n' "$i" "$resource" "$i" "$resource"
}
gen_filler() {
  printf 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: filler\n  namespace: reclaim-a\n'
  printf 'spec:\n  replicas: %s\n  selector: {matchLabels: {app: filler}}\n' "$total"
  printf '  strategy: {type: Recreate}\n  template:\n    metadata:\n'
  pod_body filler '    '
}
# gen_pods PREFIX FROM TO: reclaimer pods PREFIX<FROM>..<TO-1>.
gen_pods() {
  local i
  for ((i = $2; i < $3; i++)); do
    printf -- '---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: %s%d\n  namespace: reclaim-b\n' "$1" "$i"
    pod_body reclaimer
  done
}

# Both ports are the kernel's choice (127.0.0.1:0), read back from the log: a port picked
# beforehand can be taken by then, and the probe port (metrics port + 1 by default) often is.
metrics_port=""
start_operator() { # LOG
  metrics_port=""
  "$build_dir/kubemesos" run --kubeconfig "$kubeconfig" \
    --metrics-address 127.0.0.1:0 --probe-address 127.0.0.1:0 \
    --client-qps "$qps" --client-burst "$qps" \
    "${km_extra[@]}" >"$1" 2>&1 &
  operator_pid=$!
}
port_in_log() { grep -m1 '"serving /metrics' "$1" | jq -e .port; }
operator_ready() { # LOG
  if ! kill -0 "$operator_pid" 2>/dev/null; then
    echo "kubemesos exited; the end of $1:"; tail -n 30 "$1"; return 125
  fi
  local port
  port=$(port_in_log "$1") || return 1
  (($(grep -c '"msg":"watch synced"' "$1") >= 4)) &&
    curl -sf --max-time 5 "http://127.0.0.1:$port/metrics" >/dev/null
}
# wait_operator LOG: until it is ready; sets metrics_port.
wait_operator() {
  km::wait_for "kubemesos ready" 300 operator_ready "$1" || return 1
  metrics_port=$(port_in_log "$1")
}
scrape() { curl -s --max-time 10 "http://127.0.0.1:$metrics_port/metrics" >"$1" || true; }
watcher_ready() { [[ -s $1 ]] || { kill -0 "$watcher_pid" || return 125; false; }; }
watch_bound() { # NS COUNT CSV: bench/bind_watcher until COUNT pods of NS are bound
  rm -f "$3.ready"
  "$build_dir/bench/bind_watcher" --kubeconfig "$kubeconfig" --namespace "$1" --count "$2" \
    --out "$3" --ready-file "$3.ready" --timeout-seconds "$timeout" 2>"$3.log" &
  watcher_pid=$!
  km::wait_for "the bind watcher" 120 watcher_ready "$3.ready"
}
watcher_done() {
  kill -0 "$watcher_pid" 2>/dev/null || return 0
  kill -0 "$operator_pid" || { km::log "kubemesos exited early"; return 125; }
  return 1
}
wait_bound() { # WHAT
  local rc=0
  km::wait_for "$1" "$timeout" watcher_done || kill -TERM "$watcher_pid" 2>/dev/null || true
  wait "$watcher_pid" || rc=$?
  watcher_pid=""
  return "$rc"
}
mark() { # PHASE KEY VALUE: one fact of a phase into OUT/PHASE/facts
  mkdir -p "$out/$1"
  printf '%s=%s\n' "$2" "$3" >>"$out/$1/facts"
}
now() { date +%s.%N; }
load1() { cut -d' ' -f1 /proc/loadavg; }

# ---- fill -------------------------------------------------------------------------------
km::log "fill: a Deployment of $total one-unit ($resource) pods in reclaim-a, kubemesos stopped"
mkdir -p "$out/fill"
gen_filler >"$out/filler.yaml"
kubectl apply -f "$out/filler.yaml" >/dev/null
all_created() { [[ $(km::bench::pod_count reclaim-a) -ge $total ]]; }
km::wait_for "$total filler pods created" 600 all_created
watch_bound reclaim-a "$total" "$out/fill/bound.csv"
mark fill t0 "$(now)"
start_operator "$out/fill/kubemesos.log"
wait_operator "$out/fill/kubemesos.log"
wait_bound "kubemesos to bind $total filler pods" || km::log "not every filler pod was bound"
mark fill t1 "$(now)"
scrape "$out/fill/metrics.after"
mark fill load1 "$(load1)"
mark fill pods "$total"
if ((fill_only)); then
  python3 bench/reclaim_report.py "$out" --nodes "$nodes" --unit "$unit" --units-per-node "$per_node" \
    --guarantee "$guarantee" --filler-guarantee "$filler_guarantee" --delay-seconds "$delay"
  exit 0
fi

# Evictions are counted from here on, by time.
for ns in reclaim-a reclaim-b; do
  rm -f "$out/$ns.deletions.ready"
  python3 bench/pod_deletions.py --server "$KUBEMESOS_APISERVER" --pki "$pki" --namespace "$ns" \
    --out "$out/$ns.deletions" --ready-file "$out/$ns.deletions.ready" 2>"$out/$ns.deletions.log" &
  deletions_pids+=($!)
  deletions_ready() { [[ -s $1 ]]; }
  km::wait_for "the deletion watch of $ns" 60 deletions_ready "$out/$ns.deletions.ready"
done

# ---- single -----------------------------------------------------------------------------
km::log "single: $samples one-unit pods of the reclaimer, one after the other"
mkdir -p "$out/single"
cp "$out/fill/metrics.after" "$out/single/metrics.before"
mark single t0 "$(now)"
for ((i = 0; i < samples; i++)); do
  watch_bound reclaim-b "$((i + 1))" "$out/single/bound-$i.csv"
  km::objects::post "$KUBEMESOS_APISERVER" /api/v1/namespaces/reclaim-b/pods "$pki" 1 \
    gen_pods single- "$i" "$((i + 1))"
  wait_bound "single-$i bound" || km::die "single-$i was not bound in ${timeout}s"
done
mark single t1 "$(now)"
scrape "$out/single/metrics.after"
mark single load1 "$(load1)"
mark single pods "$samples"

# ---- bulk -------------------------------------------------------------------------------
rest=$((guarantee - samples))
km::log "bulk: $rest more reclaimer pods at once (its guarantee: $guarantee)"
mkdir -p "$out/bulk"
if ((backlog)); then
  stop_pid "$operator_pid"
  operator_pid=""
  km::objects::post "$KUBEMESOS_APISERVER" /api/v1/namespaces/reclaim-b/pods "$pki" 64 \
    gen_pods bulk- 0 "$rest"
  watch_bound reclaim-b "$guarantee" "$out/bulk/bound.csv"
  mark bulk t0 "$(now)"
  start_operator "$out/bulk/kubemesos.log"
  wait_operator "$out/bulk/kubemesos.log"
else
  cp "$out/single/metrics.after" "$out/bulk/metrics.before"
  watch_bound reclaim-b "$guarantee" "$out/bulk/bound.csv"
  mark bulk t0 "$(now)"
  km::objects::post "$KUBEMESOS_APISERVER" /api/v1/namespaces/reclaim-b/pods "$pki" 64 \
    gen_pods bulk- 0 "$rest"
  mark bulk created "$(now)"
fi
wait_bound "the reclaimer's $guarantee pods bound" || km::log "not every reclaimer pod was bound"
mark bulk t1 "$(now)"
scrape "$out/bulk/metrics.after"
mark bulk load1 "$(load1)"
mark bulk pods "$rest"

# ---- quiet ------------------------------------------------------------------------------
km::log "quiet: ${quiet}s with nothing submitted (the victims' replacements must evict nobody)"
mkdir -p "$out/quiet"
cp "$out/bulk/metrics.after" "$out/quiet/metrics.before"
mark quiet t0 "$(now)"
sleep "$quiet" # the measured window itself, not a wait for a condition
mark quiet t1 "$(now)"
scrape "$out/quiet/metrics.after"
mark quiet load1 "$(load1)"
mark quiet pods 0
kubectl get pods -n reclaim-a -o json | jq '[.items[] | select(.spec.nodeName == null)] | length' \
  >"$out/quiet/filler-pending"
kubectl get pods -n reclaim-b -o json | jq '[.items[] | select(.spec.nodeName != null)] | length' \
  >"$out/quiet/reclaimer-bound"
kubectl get resourcegroups -o json >"$out/quiet/resourcegroups.json" || true

for p in "${deletions_pids[@]}"; do stop_pid "$p"; done
deletions_pids=()
report_args=(--nodes "$nodes" --unit "$unit" --units-per-node "$per_node" --guarantee "$guarantee"
  --filler-guarantee "$filler_guarantee" --delay-seconds "$delay")
((check)) && report_args+=(--check)
python3 bench/reclaim_report.py "$out" "${report_args[@]}"
