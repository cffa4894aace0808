#!/usr/bin/env bash
# The Framework controller at scale on the local control plane: F Frameworks in G groups with
# T task instances each (default 1,000 x 20 = 20,000 task pods, 100 groups), all applied before
# `kubemesos run` starts. Measures how long until every task pod is created, bound and
# reported Running in its Framework's status, and the status write rate: total, average and
# peak writes per second (bounded by --status-qps, default 50) and writes during a quiet
# window once everything runs (0 expected).
#   bench/framework_scale.sh [--nodes 250] [--frameworks 1000] [--groups 100] [--tasks 20] [--keep]
set -euo pipefail
cd "$(dirname "$0")/.."
nodes=250 frameworks=1000 groups=100 tasks=20 keep=0
while (($#)); do
  case "$1" in
    --nodes) nodes=$2; shift 2 ;;
    --frameworks) frameworks=$2; shift 2 ;;
    --groups) groups=$2; shift 2 ;;
    --tasks) tasks=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
total=$((frameworks * tasks))
cmake --build build --target kubemesos >/dev/null
name=bench-fwscale
kubeconfig=$(hack/cluster.sh up --name "$name" --nodes "$nodes" --node-cpu 32 --node-memory 128Gi | tail -n1)
export KUBECONFIG=$kubeconfig
# shellcheck disable=SC1090
source "$(dirname "$kubeconfig")/cluster.env"
kubectl() { "$KUBEMESOS_BIN_DIR/kubectl" "$@"; }
work=$(mktemp -d)
operator=""
cleanup() {
  [[ -n $operator ]] && kill -TERM "$operator" 2>/dev/null && wait "$operator" || true
  ((keep)) || hack/cluster.sh down --name "$name" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
kubectl apply -f crds/ >/dev/null
kubectl wait --for=condition=Established crd/frameworks.kubemesos.io crd/resourcegroups.kubemesos.io >/dev/null
kubectl create namespace fwscale >/dev/null
{
  for ((g = 0; g < groups; g++)); do
    printf 'apiVersion: kubemesos.io/v1alpha1\nkind: ResourceGroup\nmetadata: {name: fwscale-g%d}\nspec: {weight: %d}\n---\n' "$g" $((g % 3 + 1))
  done
  for ((f = 0; f < frameworks; f++)); do
    cat <<YAML
apiVersion: kubemesos.io/v1alpha1
kind: Framework
metadata: {name: f$f, namespace: fwscale}
spec:
  resourceGroup: fwscale-g$((f % groups))
  tasks:
  - name: t
    instances: $tasks
    template:
      spec: {containers: [{name: c, image: busybox, resources: {requests: {cpu: 100m, memory: 128Mi}}}]}
---
YAML
  done
} >"$work/objects.yaml"
kubectl apply -f "$work/objects.yaml" >/dev/null
echo "applied $groups groups and $frameworks frameworks ($total task instances); starting kubemesos" >&2

build/kubemesos run --metrics-address 127.0.0.1:0 >"$work/kubemesos.log" 2>&1 &
operator=$!
start=$(date +%s.%N)
all_bound() { jq -e --argjson n "$total" 'select(.msg == "progress") | select(.bound >= $n)' \
  "$work/kubemesos.log" >/dev/null 2>&1; }
deadline=$((SECONDS + 3600))
until all_bound; do
  ((SECONDS < deadline)) || { echo "timed out waiting for $total binds" >&2; tail -5 "$work/kubemesos.log" >&2; exit 1; }
  kill -0 "$operator" || { echo "kubemesos died" >&2; tail -20 "$work/kubemesos.log" >&2; exit 1; }
  sleep 2
done
bound_at=$(date +%s.%N)
status_done() {
  kubectl get fw -n fwscale -o json | jq -e --argjson t "$tasks" --argjson n "$frameworks" \
    '[.items[] | select(.status.tasks.running == $t and .status.phase == "Running")] | length == $n' >/dev/null
}
until status_done; do
  ((SECONDS < deadline)) || { echo "timed out waiting for the statuses" >&2; exit 1; }
  sleep 2
done
status_at=$(date +%s.%N)
# A quiet window: once everything runs, nothing should be written.
writes_before=$(jq -s '[.[] | select(.msg == "progress") | .objectStatusWrites] | max' "$work/kubemesos.log")
rv_before=$(kubectl get fw -n fwscale -o json | jq -c '[.items[].metadata.resourceVersion]')
sleep 15
rv_after=$(kubectl get fw -n fwscale -o json | jq -c '[.items[].metadata.resourceVersion]')
changed=$(jq -n --argjson a "$rv_before" --argjson b "$rv_after" '[range($a | length) | select($a[.] != $b[.])] | length')
cpu_ticks=$(awk '{ print $14 + $15 }' "/proc/$operator/stat")
rss_kib=$(awk '/VmHWM/ { print $2 }' "/proc/$operator/status")
kill -TERM "$operator"
wait "$operator" || true
operator=""
stopped=$(jq -c 'select(.msg == "stopped")' "$work/kubemesos.log")
writes=$(jq .objectStatusWrites <<<"$stopped")
created=$(jq .taskPodsCreated <<<"$stopped")
python3 - "$start" "$bound_at" "$status_at" "$writes" "$created" "$work/kubemesos.log" "$changed" \
  "$cpu_ticks" "$rss_kib" "$frameworks" "$total" "$writes_before" <<'PY'
import datetime, json, os, sys
start, bound, status, writes, created, log, changed, ticks, rss, fws, total, before = sys.argv[1:]
start, bound, status = float(start), float(bound), float(status)
hz = os.sysconf("SC_CLK_TCK")
# Peak status writes per second between consecutive progress lines (about a second apart).
samples = []
for line in open(log):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if e.get("msg") == "progress":
        t = datetime.datetime.fromisoformat(e["ts"].replace("Z", "+00:00")).timestamp()
        samples.append((t, e["objectStatusWrites"]))
peak = max([(w1 - w0) / max(1.0, t1 - t0) for (t0, w0), (t1, w1) in zip(samples, samples[1:])],
           default=0)
print(f"frameworks {fws}, task pods {total}: created {created}")
print(f"  all bound after      {bound - start:7.1f} s ({int(total) / (bound - start):.0f} pods/s)")
print(f"  all statuses Running {status - start:7.1f} s")
print(f"  status writes        {writes} in total = {int(writes) / int(fws):.1f} per framework,"
      f" {int(writes) / (status - start):.1f}/s on average, peak {float(peak):.0f}/s")
print(f"  quiet 15 s window    {changed} Framework objects changed (writes counted before: {before})")
print(f"  kubemesos CPU        {int(ticks) / hz:.1f} s, peak RSS {int(rss) / 1024:.0f} MiB")
PY
