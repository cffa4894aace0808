#!/usr/bin/env bash
# The Kubernetes registry backend with garbage in its ConfigMaps on a REAL API server: entries
# a hostile or older writer left (a value of the wrong type, text that is not JSON, a revision
# that is not a number, an entry name that is no key encoding). `kubemesos registry dump`
# prints what it read, names each bad entry on stderr and exits 1; `kubemesos run` on that
# data wins the Lease, reads the registry (skipping and logging the bad entries), registers
# its Framework (status.frameworkID) and keeps leading; it logs no error and stops cleanly.
set -euo pipefail
# shellcheck source=tests/integration/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../cluster/lib.sh"
km_test_begin registry-kube-hostile
# shellcheck source=tests/integration/operator/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../operator/lib.sh"
op_install_crds
op_nodes 2 8 32Gi

# One shard of the registry, written by someone else: four bad entries and one good one.
cat <<YAML | kc_quiet apply -f -
apiVersion: v1
kind: ConfigMap
metadata:
  name: kubemesos-registry-0
  namespace: ${TEST_NS}
  labels: {kubemesos.io/registry: kubemesos-registry}
  annotations: {kubemesos.io/revision: "not a number"}
data:
  frameworks_2f${TEST_NS}_2fwork: '{"v":5}'
  agents_2fjunk: 'not json'
  settings_2fgroups_2fx: '{"v":"{}","m":"abc"}'
  _zz: 'no key encoding'
  leader-note: '{"v":"kept","c":1,"m":1,"n":1}'
YAML

dump() {
  "${KUBEMESOS}" registry dump --registry kubernetes --registry-namespace "${TEST_NS}" \
    --kubeconfig "${KUBECONFIG}" >"${WORK}/dump.json" 2>"${WORK}/dump.err"
}
rc=0
dump || rc=$?
check "dump exits 1 on malformed entries" test "${rc}" == 1
check "dump still prints what it read" jq -e '.["leader-note"] == "kept"' "${WORK}/dump.json"
for entry in "frameworks_2f${TEST_NS}_2fwork" agents_2fjunk settings_2fgroups_2fx _zz; do
  check "dump names ${entry}" grep -q "entry ${entry}" "${WORK}/dump.err"
done
check "one stderr line per bad entry" test "$(wc -l <"${WORK}/dump.err")" == 4

op_group_with_framework
op_start_kubemesos --registry kubernetes --registry-namespace "${TEST_NS}" --lease-seconds 6
logged() { grep -q "$1" "${WORK}/kubemesos.log"; }
check "it becomes the leader" km::wait_for "leader" 60 logged '"msg":"became the leader"'
check "it reads the registry" km::wait_for "registry read" 60 logged 'registry read after winning'
check "it logs the bad entries" km::wait_for "skipped" 30 logged 'malformed registry record skipped'
framework_id() { [[ -n "$(kc get framework work -n "${TEST_NS}" -o jsonpath='{.status.frameworkID}')" ]]; }
check "the Framework is registered" km::wait_for "frameworkID" 60 framework_id
renewed() { [[ "$(kc get lease kubemesos -n "${TEST_NS}" -o jsonpath='{.spec.renewTime}')" != "$1" ]]; }
before="$(kc get lease kubemesos -n "${TEST_NS}" -o jsonpath='{.spec.renewTime}')"
check "it keeps renewing its Lease" km::wait_for "a renewal" 30 renewed "${before}"
check "it never stepped down" bash -c "! grep -q '\"msg\":\"not the leader\"' '${WORK}/kubemesos.log'"
internal() { op_metric 'kubemesos_internal_errors_total{component="election"}'; }
check "no internal error in the election" test "$(internal)" == "" -o "$(internal)" == 0
op_check_stopped_cleanly
