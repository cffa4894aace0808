#!/usr/bin/env bash
# Pods made by real controllers, through kube-scheduler and through kubemesos side by side on
# the same nodes (issue #14, "Done when"): a Deployment with required pod anti-affinity on the
# hostname, a StatefulSet spread over zones with DoNotSchedule, a Deployment whose pods ask for
# a host port, and a Job whose pods ask for one too (KWOK completes Job pods, so the Job runs in
# waves and must finish). Six nodes in three zones; the Deployments want more pods than their
# constraint allows. Both schedulers must satisfy every constraint and bind the same number of
# pods; the pods left over say why. Each scheduler's workloads select only their own pods (and use their
# own host port), so the two never constrain each other.
set -euo pipefail
# shellcheck source=tests/integration/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../cluster/lib.sh"
km_test_begin controllers
# shellcheck source=tests/integration/operator/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
op_install_crds
op_nodes 6 8 32Gi
for i in 0 1 2 3 4 5; do
  kc_quiet label node "${TEST_NS}-n${i}" --overwrite "topology.kubernetes.io/zone=${TEST_NS}-z$((i / 2))"
done
op_group_with_framework
op_start_kube_scheduler
op_start_kubemesos

# workloads SCHEDULER TAG PORT: the three workloads of one scheduler, named *-TAG.
workloads() {
  local sched=$1 tag=$2 port=$3
  local meta="labels: {app: APP-${tag}, kubemesos.io/framework: work}"
  local common="schedulerName: ${sched}
      nodeSelector: {kubemesos.io/test: ${TEST_NS}}
      terminationGracePeriodSeconds: 0"
  cat <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: web-${tag}, namespace: ${TEST_NS}}
spec:
  replicas: 8
  selector: {matchLabels: {app: web-${tag}}}
  template:
    metadata: {${meta//APP/web}}
    spec:
      ${common}
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - {topologyKey: kubernetes.io/hostname, labelSelector: {matchLabels: {app: web-${tag}}}}
      containers: [{name: c, image: busybox, resources: {requests: {cpu: 100m, memory: 64Mi}}}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db-${tag}, namespace: ${TEST_NS}}
spec:
  replicas: 9
  serviceName: db-${tag}
  podManagementPolicy: Parallel
  selector: {matchLabels: {app: db-${tag}}}
  template:
    metadata: {${meta//APP/db}}
    spec:
      ${common}
      topologySpreadConstraints:
      - {maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: DoNotSchedule,
         labelSelector: {matchLabels: {app: db-${tag}}}}
      containers: [{name: c, image: busybox, resources: {requests: {cpu: 100m, memory: 64Mi}}}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: agent-${tag}, namespace: ${TEST_NS}}
spec:
  replicas: 8
  selector: {matchLabels: {app: agent-${tag}}}
  template:
    metadata: {${meta//APP/agent}}
    spec:
      ${common}
      containers:
      - {name: c, image: busybox, ports: [{containerPort: 80, hostPort: ${port}}],
         resources: {requests: {cpu: 100m, memory: 64Mi}}}
---
apiVersion: batch/v1
kind: Job
metadata: {name: batch-${tag}, namespace: ${TEST_NS}}
spec:
  parallelism: 8
  completions: 8
  template:
    metadata: {${meta//APP/batch}}
    spec:
      ${common}
      restartPolicy: Never
      containers:
      - {name: c, image: busybox, ports: [{containerPort: 81, hostPort: $((port + 100))}],
         resources: {requests: {cpu: 100m, memory: 64Mi}}}
YAML
}
workloads default-scheduler ref 8081 | kc_quiet apply -f -
workloads kubemesos km 8082 | kc_quiet apply -f -

# summary APP: "bound/total nodes-distinct max-zone-skew" of the workload's live pods.
summary() {
  kc get pods -n "${TEST_NS}" -l "app=$1" -o json >"${WORK}/$1.json"
  kc get nodes -l "kubemesos.io/test=${TEST_NS}" -o json >"${WORK}/nodes.json"
  python3 - "${WORK}/$1.json" "${WORK}/nodes.json" <<'PY'
import json, sys
pods = [p for p in json.load(open(sys.argv[1]))["items"] if not p["metadata"].get("deletionTimestamp")]
zone = {n["metadata"]["name"]: n["metadata"]["labels"]["topology.kubernetes.io/zone"]
        for n in json.load(open(sys.argv[2]))["items"]}
nodes = [p["spec"].get("nodeName") for p in pods if p["spec"].get("nodeName")]
per_zone = {z: 0 for z in set(zone.values())}
for n in nodes: per_zone[zone[n]] += 1
distinct = "distinct" if len(set(nodes)) == len(nodes) else "shared"
print(f"{len(nodes)}/{len(pods)} {distinct} {max(per_zone.values()) - min(per_zone.values())}")
PY
}
# settled APP WANT: the workload's summary is WANT.
settled() { [[ $(summary "$1") == "$2" ]]; }
# Anti-affinity on the hostname: one pod per node, 6 of 8. Spread over 3 zones with maxSkew 1:
# all 9 (3/3/3). Host port: one pod per node, 6 of 8; the Job's 8 pods all succeed.
job_done() { [[ $(kc get job "$1" -n "${TEST_NS}" -o jsonpath='{.status.succeeded}') == 8 ]]; }
for tag in ref km; do
  check "web-${tag}: 6/8 bound, one per node" km::wait_for "web-${tag}" 120 settled "web-${tag}" "6/8 distinct 0"
  check "db-${tag}: 9/9 bound, 3 per zone" km::wait_for "db-${tag}" 120 settled "db-${tag}" "9/9 shared 0"
  check "agent-${tag}: 6/8 bound, one per node" km::wait_for "agent-${tag}" 120 settled "agent-${tag}" "6/8 distinct 0"
  check "batch-${tag}: the Job's 8 pods succeed" km::wait_for "batch-${tag}" 120 job_done "batch-${tag}"
done

# The pods left over say why, as kube-scheduler's do.
pending_message() { # APP: the PodScheduled message of one unbound pod of the workload
  kc get pods -n "${TEST_NS}" -l "app=$1" -o json |
    jq -r '[.items[] | select(.spec.nodeName == null)][0].status.conditions[]? | select(.type == "PodScheduled") | "\(.status)/\(.reason)/\(.message)"'
}
for app in web agent; do
  echo "     kube-scheduler ${app}: $(pending_message "${app}-ref")"
  echo "     kubemesos      ${app}: $(pending_message "${app}-km")"
done
says() { [[ $(pending_message "$1") == False/Unschedulable/*"$2"* ]]; }
check "an unbound web pod names anti-affinity" km::wait_for "web message" 30 says web-km "anti-affinity"
check "an unbound agent pod names the ports" km::wait_for "agent message" 30 says agent-km "free ports"
# A second look, once everything has had time to settle: nothing more was bound.
cycles_after() { local n; n=$(op_metric kubemesos_allocation_cycle_seconds_count); [[ -n $n ]] && ((n >= $1)); }
base=$(op_metric kubemesos_allocation_cycle_seconds_count)
check "kubemesos ran 3 more cycles" km::wait_for "cycles" 90 cycles_after "$((${base%.*} + 3))"
for app in web agent; do
  check "${app}-km still 6/8" settled "${app}-km" "6/8 distinct 0"
done
op_check_stopped_cleanly
