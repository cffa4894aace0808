#!/usr/bin/env bash
# The examples of examples/frameworks/ applied as a user would, with kubemesos running: each
# applies cleanly, its pods are created, bound and Running (or finish), and `kubectl get rg,fw`
# shows the right numbers: team-a held at its 12-core limit with 2 servers pending on quota,
# team-b's 8 workers running, the batch job Succeeded with 5 results, the Spark driver plus 3
# adopted executors running; deleting the Spark Framework leaves the executors alone.
set -euo pipefail
# shellcheck source=tests/integration/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../cluster/lib.sh"
km_test_begin examples
# shellcheck source=tests/integration/operator/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
op_install_crds
op_nodes 6 8 32Gi
EXAMPLES="${KM_REPO_ROOT}/examples/frameworks"
KM_CLEANUPS+=("'${KUBECTL}' delete -f '${EXAMPLES}' --ignore-not-found --wait=false")
op_start_kubemesos --task-backoff 1
for example in two-teams batch-job spark-adopted; do
  check "${example}.yaml applies cleanly" kc_quiet apply -f "${EXAMPLES}/${example}.yaml"
done

fw_is() {  # fw_is NAMESPACE NAME JQ-CONDITION
  kc get fw "$2" -n "$1" -o json | jq -e ".status | $3" >/dev/null
}
check "team-a/web: 12 running at the group's limit, 2 pending" km::wait_for "web" 90 \
  fw_is team-a web '.phase == "Running" and .tasks.running == 12 and .tasks.pending == 2'
# Waited for: the pods' conditions are written by another writer than the Framework status.
quota_exceeded() {
  kc get pods -n team-a -o json | jq -e '[.items[] | select(.spec.nodeName == null) |
    .status.conditions[]? | select(.type == "PodScheduled") | .reason] ==
    ["QuotaExceeded", "QuotaExceeded"]' >/dev/null
}
check "the 2 waiting servers say QuotaExceeded" km::wait_for "QuotaExceeded" 30 quota_exceeded
check "team-b/etl: 8 workers running" km::wait_for "etl" 60 fw_is team-b etl '.tasks.running == 8'
check "nightly/report: Succeeded, 5 results with exit code 0" km::wait_for "report" 90 \
  fw_is nightly report '.phase == "Succeeded" and .tasks.succeeded == 5 and
    (.lastResults | length == 5 and all(.exitCode == 0))'
nightly_released() { [[ -z "$(kc get rg nightly -o jsonpath='{.status.allocated.cpu}')" ]]; }
check "the finished batch job's group holds nothing any more" km::wait_for "nightly released" 30 nightly_released
check "spark/spark-pi: driver + 3 adopted executors running" km::wait_for "spark" 90 \
  fw_is spark spark-pi '.phase == "Running" and .tasks.running == 4'
rg_row() {  # rg_row NAME COLUMN VALUE: the `kubectl get rg` column equals VALUE
  kc get rg "$1" --no-headers | awk -v col="$2" -v want="$3" '{ exit !($col == want) }'
}
check "kubectl get rg team-a: weight 1, guarantee 4, allocated 12 cpu / 24Gi" bash -c \
  "$(declare -f rg_row kc); KUBECTL='${KUBECTL}'; rg_row team-a 2 1 && rg_row team-a 3 4 && rg_row team-a 4 12 && rg_row team-a 5 24Gi"
check "kubectl get rg team-b: allocated 16 cpu, 1 framework" bash -c \
  "$(declare -f rg_row kc); KUBECTL='${KUBECTL}'; rg_row team-b 4 16 && rg_row team-b 7 1"
check "kubectl get fw -A lists the four frameworks" test "$(kc get fw -A --no-headers | wc -l)" -ge 4

kc_quiet delete fw spark-pi -n spark
executors_only() {
  [[ $(kc get pods -n spark -o json | jq '[.items[] | select(.metadata.deletionTimestamp == null) |
      .metadata.labels["spark-role"]] | unique') == '[
  "executor"
]' ]]
}
check "deleting spark-pi removed its driver; the 3 adopted executors stay" km::wait_for "spark delete" 60 executors_only
check "still 3 executors" test "$(kc get pods -n spark -l spark-role=executor --no-headers | wc -l)" == 3
op_check_stopped_cleanly
