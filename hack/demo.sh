#!/usr/bin/env bash
# The main job, from a fresh machine: installs what it needs, builds kubemesos, starts a local
# Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager, KWOK fake nodes),
# runs `kubemesos run`, applies the sample ResourceGroups and Frameworks from examples/demo,
# creates their pods with plain kubectl, and prints per framework and group how many pods were
# bound and their dominant shares. Ctrl-C (or the end) stops everything it started.
#
#   hack/demo.sh [--nodes 20] [--keep]     # --keep: leave the cluster and operator running
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

nodes=20
keep=0
while (($#)); do
  case "$1" in
    --nodes) nodes=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h | --help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "demo.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

say() { printf '\n== %s\n' "$*"; }

say "installing packages and building kubemesos"
hack/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build --target kubemesos

say "building the control-plane tools (cached after the first run) and starting $nodes fake nodes"
bin=$(hack/tools/build.sh | tail -n1)
export PATH="$bin:$PATH"
name=demo
operator_pid=""
cleanup() {
  if [[ -n $operator_pid ]] && kill -0 "$operator_pid" 2>/dev/null; then
    kill -TERM "$operator_pid" 2>/dev/null || true
    wait "$operator_pid" 2>/dev/null || true
  fi
  if ((!keep)); then hack/cluster.sh down --name "$name" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
kubeconfig=$(hack/cluster.sh up --name "$name" --nodes "$nodes" --node-cpu 16 --node-memory 64Gi | tail -n1)
export KUBECONFIG=$kubeconfig
logs=$root/build/demo  # outlives the cluster
mkdir -p "$logs"

say "installing the CRDs and starting kubemesos (log: $logs/kubemesos.log)"
kubectl apply -f crds/ >/dev/null
kubectl wait --for=condition=Established crd/resourcegroups.kubemesos.io crd/frameworks.kubemesos.io --timeout=60s >/dev/null
build/kubemesos run --kubeconfig "$kubeconfig" --metrics-address 127.0.0.1:0 >"$logs/kubemesos.log" 2>&1 &
operator_pid=$!
metrics_port() { grep -m1 '"serving /metrics' "$logs/kubemesos.log" | jq -e .port; }
deadline=$((SECONDS + 30))
until metrics_port >/dev/null 2>&1; do
  ((SECONDS < deadline)) && kill -0 "$operator_pid" 2>/dev/null || { echo "demo.sh: kubemesos did not start; see $logs/kubemesos.log" >&2; exit 1; }
  sleep 0.2
done
metrics_url="http://127.0.0.1:$(metrics_port)/metrics"

say "applying examples/demo (2 ResourceGroups, 3 Frameworks) and creating 450 pods with kubectl"
kubectl apply -f examples/demo/ >/dev/null
# shellcheck source=hack/lib/workload.sh
source hack/lib/workload.sh
km_interleaved_pods "analytics spark-etl 150 1 2Gi" "analytics flink-stream 100 500m 1Gi" \
  "ml trainer 200 2 4Gi" | kubectl apply -f - >/dev/null

say "waiting until every pod is bound or explained (PodScheduled=False)"
deadline=$((SECONDS + 180))
while :; do
  read -r total settled < <(kubectl get pods -A -l kubemesos.io/framework -o json | jq -r '
    [.items[] | select(.spec.schedulerName == "kubemesos")] as $p
    | [$p | length,
       ([$p[] | select(.spec.nodeName != null or
          ([.status.conditions[]? | select(.type == "PodScheduled" and .status == "False")] | length > 0))] | length)]
    | @tsv')
  printf '\r   %s of %s pods bound or explained' "$settled" "$total"
  [[ $total -gt 0 && $settled -eq $total ]] && break
  if ((SECONDS > deadline)); then
    echo; echo "demo.sh: timed out; see $logs/kubemesos.log" >&2
    exit 1
  fi
  if ! kill -0 "$operator_pid" 2>/dev/null; then
    echo; echo "demo.sh: kubemesos exited; see $logs/kubemesos.log" >&2
    exit 1
  fi
  sleep 1
done
echo

say "result"
kubectl get nodes -o json >"$logs/nodes.json"
kubectl get pods -A -o json >"$logs/pods.json"
python3 "$root/hack/lib/shares.py" "$logs/nodes.json" "$logs/pods.json"
echo
echo "Prometheus metrics ($metrics_url), e.g. per-group allocated cpu:"
curl -sf "$metrics_url" | grep '^kubemesos_group_allocated{.*resource="cpu"}' | sed 's/^/  /'
echo
echo "Pending pods say why (kubectl describe pod):"
kubectl get pods -A -l kubemesos.io/framework -o json | jq -r '
  [.items[] | select(.spec.nodeName == null) | .status.conditions[]? | select(.type == "PodScheduled") | .reason + ": " + (.message | split(":")[0])]
  | group_by(.) | map("  \(length) x \(.[0])") | .[]'
if ((keep)); then
  echo
  echo "The cluster and kubemesos keep running: export KUBECONFIG=$kubeconfig"
  echo "Stop them with: kill $operator_pid; hack/cluster.sh down --name $name"
  operator_pid=""
fi
