#!/usr/bin/env bash
# Measures kubemesos' local control plane at scale (not part of the CTest
# suite): `hack/cluster.sh up --nodes NODES`, then PODS pods pinned to the nodes
# (spec.nodeName, KWOK makes them Running), then reports times and the resident
# memory of every control-plane process. Stops the cluster at the end unless --keep.
# Usage: tests/integration/cluster/scale.sh [--nodes 5000] [--pods 10000] [--name scale] [--keep]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
# shellcheck source=hack/lib/common.sh
source "${root}/hack/lib/common.sh"
# shellcheck source=hack/lib/objects.sh
source "${root}/hack/lib/objects.sh"

nodes=5000
pods=10000
name=scale
keep=0
while (($#)); do
  case "$1" in
    --nodes) nodes="$2"; shift ;;
    --pods) pods="$2"; shift ;;
    --name) name="$2"; shift ;;
    --keep) keep=1 ;;
    *) km::die "unknown option $1" ;;
  esac
  shift
done

cluster() { "${root}/hack/cluster.sh" "$@" --name "${name}"; }
if ((keep == 0)); then trap 'cluster down' EXIT; fi

t0=${SECONDS}
kubeconfig="$(cluster up --nodes "${nodes}" --timeout 1800 | tail -n 1)"
t_up=$((SECONDS - t0))
km::log "up with ${nodes} nodes: ${t_up}s"
cluster status || true

eval "$(cluster env | grep -E '^(KUBEMESOS_BIN_DIR|KUBEMESOS_NODE_PREFIX|KUBEMESOS_APISERVER|KUBEMESOS_CLUSTER_DIR)=')"
kc() { "${KUBEMESOS_BIN_DIR}/kubectl" --kubeconfig "${kubeconfig}" "$@"; }
kc create namespace load -o name >/dev/null

t1=${SECONDS}
km::objects::post "${KUBEMESOS_APISERVER}" /api/v1/namespaces/load/pods "${KUBEMESOS_CLUSTER_DIR}/pki" 32 \
  km::objects::pods 0 "${pods}" load "${KUBEMESOS_NODE_PREFIX}" "${nodes}"
t_create=$((SECONDS - t1))
km::log "created ${pods} pods in ${t_create}s"
running() {
  local n
  n="$(kc get pods -n load --field-selector=status.phase=Running --chunk-size=5000 --no-headers -o name | wc -l)"
  echo "${n}/${pods} Running"
  ((n >= pods))
}
km::wait_for "${pods} pods Running" 1800 running
t_running=$((SECONDS - t1))
km::log "${pods} pods Running ${t_running}s after the first was created"
sleep_until=$((SECONDS + 30))   # let memory settle after the burst (bounded, measured not synchronised)
while ((SECONDS < sleep_until)); do sleep 5; done

echo "---- scale result"
echo "nodes=${nodes} pods=${pods} up_seconds=${t_up} pod_create_seconds=${t_create} pods_running_seconds=${t_running}"
cluster status
