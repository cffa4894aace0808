#!/usr/bin/env bash
# A real Prometheus (Debian's package) scrapes `kubemesos run` while it schedules a workload;
# PromQL returns the per-group allocation and the scheduling-latency histogram.
set -euo pipefail
# shellcheck source=tests/integration/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../cluster/lib.sh"
km_test_begin prometheus
# shellcheck source=tests/integration/operator/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
command -v prometheus >/dev/null || km::die "prometheus is not installed (hack/install-deps.sh installs it)"
op_install_crds
op_nodes 4 8 32Gi

cat <<YAML | kc_quiet apply -f -
apiVersion: kubemesos.io/v1alpha1
kind: ResourceGroup
metadata: {name: ${TEST_NS}-team}
spec: {weight: 1, guarantee: {cpu: "4"}, limit: {cpu: "10"}}
---
apiVersion: kubemesos.io/v1alpha1
kind: Framework
metadata: {name: jobs, namespace: ${TEST_NS}}
spec: {resourceGroup: ${TEST_NS}-team}
YAML
KM_CLEANUPS+=("'${KUBECTL}' delete rg ${TEST_NS}-team --wait=false")
op_start_kubemesos

# Prometheus on a free loopback port, scraping kubemesos every second.
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
cat >"${WORK}/prometheus.yml" <<YAML
global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
- job_name: kubemesos
  static_configs: [{targets: ["${METRICS_URL#http://}"]}]
YAML
prometheus --config.file="${WORK}/prometheus.yml" --storage.tsdb.path="${WORK}/tsdb" \
  --web.listen-address="127.0.0.1:${port}" >"${WORK}/prometheus.log" 2>&1 &
prom=$!
KM_CLEANUPS+=("kill -TERM ${prom}; wait ${prom}")
promql() { curl -sf "http://127.0.0.1:${port}/api/v1/query" --data-urlencode "query=$1" | jq -r '.data.result[0].value[1] // empty'; }
target_up() { [[ "$(promql 'up{job="kubemesos"}')" == 1 ]]; }
check "Prometheus scrapes kubemesos" km::wait_for "target up" 60 target_up

# 12 one-cpu tasks for a group capped at 10 cpu: 10 bound, 2 held by the limit.
{ for i in $(seq 0 11); do km_pod "${TEST_NS}" jobs "job-$i" 1 1Gi | sed "s|^spec:|spec:\n  nodeSelector: {kubemesos.io/test: ${TEST_NS}}|"; done; } |
  kc_quiet apply -f -
allocated_is() { [[ "$(promql "kubemesos_group_allocated{group=\"${TEST_NS}-team\",resource=\"cpu\"}")" == 10 ]]; }
check "PromQL: the group's allocated cpu is its 10-cpu limit" km::wait_for "group allocation" 60 allocated_is
guarantee_is() { [[ "$(promql "kubemesos_group_guarantee{group=\"${TEST_NS}-team\",resource=\"cpu\"}")" == 4 ]]; }
check "PromQL: the group's guarantee is 4 cpu" km::wait_for "group guarantee" 30 guarantee_is
latency_count() { (($(promql 'sum(kubemesos_scheduling_latency_seconds_count)' | cut -d. -f1) >= 10)); }
check "PromQL: the latency histogram counted the 10 binds" km::wait_for "latency count" 30 latency_count
p99="$(promql 'histogram_quantile(0.99, sum by (le) (kubemesos_scheduling_latency_seconds_bucket))')"
check "PromQL: a p99 scheduling latency is computed (${p99} s)" test -n "${p99}"
share_is() { [[ -n "$(promql "kubemesos_group_dominant_share{group=\"${TEST_NS}-team\"} > 0")" ]]; }
check "PromQL: the group's dominant share is above 0" km::wait_for "group share" 30 share_is
pending_is() { [[ "$(promql "kubemesos_pending_tasks{framework=\"${TEST_NS}/jobs\"}")" == 2 ]]; }
check "PromQL: 2 tasks pending (held by the limit)" km::wait_for "pending tasks" 30 pending_is
op_check_stopped_cleanly
