#!/usr/bin/env bash
# End-to-end bind throughput of `kubemesos run` on the local control plane: N fake nodes,
# M pending kubemesos pods created before kubemesos starts; prints pods bound per second from
# the first to the last binding (as observed by polling the API server) and the operator's CPU.
#   bench/bind_throughput.sh [--nodes 1000] [--pods 10000] [--keep]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
nodes=1000 pods=10000 keep=0
while (($#)); do
  case "$1" in
    --nodes) nodes=$2; shift 2 ;;
    --pods) pods=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
# shellcheck source=hack/lib/objects.sh
source hack/lib/objects.sh
# shellcheck source=hack/lib/workload.sh
source hack/lib/workload.sh
cmake --build build --target kubemesos >/dev/null
name=bench-bind
kubeconfig=$(hack/cluster.sh up --name "$name" --nodes "$nodes" --node-cpu 32 --node-memory 128Gi | tail -n1)
export KUBECONFIG=$kubeconfig
# shellcheck disable=SC1090
source "$(dirname "$kubeconfig")/cluster.env"
kubectl() { "$KUBEMESOS_BIN_DIR/kubectl" "$@"; }
operator=""
cleanup() {
  [[ -n $operator ]] && kill -TERM "$operator" 2>/dev/null && wait "$operator" || true
  ((keep)) || hack/cluster.sh down --name "$name" >/dev/null 2>&1 || true
}
trap cleanup EXIT
kubectl apply -f crds/ >/dev/null
kubectl wait --for=condition=Established crd/frameworks.kubemesos.io crd/resourcegroups.kubemesos.io >/dev/null
kubectl create namespace bench >/dev/null
cat <<YAML | kubectl apply -f - >/dev/null
apiVersion: kubemesos.io/v1alpha1
kind: ResourceGroup
metadata: {name: bench-a}
spec: {weight: 2}
---
apiVersion: kubemesos.io/v1alpha1
kind: ResourceGroup
metadata: {name: bench-b}
spec: {}
---
apiVersion: kubemesos.io/v1alpha1
kind: Framework
metadata: {name: fa, namespace: bench}
spec: {resourceGroup: bench-a}
---
apiVersion: kubemesos.io/v1alpha1
kind: Framework
metadata: {name: fb, namespace: bench}
spec: {resourceGroup: bench-b}
YAML
per=$((pods / 2))
echo "creating $pods pods..." >&2
km::objects::post "$KUBEMESOS_APISERVER" /api/v1/namespaces/bench/pods "$KUBEMESOS_CLUSTER_DIR/pki" 64 \
  km_interleaved_pods "bench fa $per 500m 1Gi" "bench fb $((pods - per)) 1 2Gi"
log=$root/build/bench-bind.log
start=$(date +%s.%N)
build/kubemesos run --kubeconfig "$kubeconfig" --client-qps 5000 --client-burst 5000 --bind-concurrency 32 >"$log" 2>&1 &
operator=$!
# Progress comes from the operator's own log ("progress" lines, at most one a second), so that
# measuring does not load the API server.
progress() { grep '"msg":"progress"' "$log" | tail -n1 | jq -r .bound 2>/dev/null || echo 0; }
deadline=$((SECONDS + 900))
until (($(progress) >= pods)); do
  ((SECONDS < deadline)) || { echo "timed out at $(progress) bound" >&2; exit 1; }
  kill -0 "$operator" || { echo "kubemesos exited" >&2; exit 1; }
  sleep 1
done
ts() { date -d "$1" +%s.%N; }
last=$(ts "$(grep '"msg":"progress"' "$log" | tail -n1 | jq -r .ts)")
synced=$(ts "$(grep '"msg":"watch synced"' "$log" | tail -n1 | jq -r .ts)")
cpu=$(awk '{print ($14 + $15) / 100}' "/proc/$operator/stat")
rss=$(awk '/VmHWM/ {print $2 / 1024}' "/proc/$operator/status")
awk -v p="$pods" -v n="$nodes" -v s="$start" -v y="$synced" -v l="$last" -v c="$cpu" -v r="$rss" 'BEGIN {
  printf "nodes %d, pods %d: watches synced %.1f s after start; all bound %.1f s after sync: %.0f pods/s; kubemesos CPU %.1f s, peak RSS %.0f MiB\n",
    n, p, y - s, l - y, p / (l - y), c, r }'
