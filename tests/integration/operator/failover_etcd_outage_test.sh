#!/usr/bin/env bash
# The registry's etcd (a dedicated one: stopping the cluster's own would stop the API server)
# is stopped for 30 s while pods keep arriving: the leader steps down within its lease (no
# binds without a lease: the bound count does not move during the outage), neither replica
# crashes, the registry errors are counted, and when etcd is back a leader is elected again
# and every pod ends bound exactly once, nothing over-committed.
set -euo pipefail
# shellcheck source=tests/integration/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../cluster/lib.sh"
km_test_begin failover-etcd-outage
# shellcheck source=tests/integration/operator/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/integration/operator/failover_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/failover_lib.sh"

LEASE=6
OUTAGE=${FAILOVER_OUTAGE_SECONDS:-30}
op_install_crds
op_nodes 8 10 40Gi
op_group_with_framework
fo_start_etcd
for r in a b; do fo_start_replica "$r" --etcd-endpoints "${FO_ETCD_URL}" --lease-seconds "${LEASE}"; done
check "one of two replicas leads" km::wait_for "one leader" 30 fo_one_leader
leader="$(fo_leaders)"
read -r b201 b409 b504 bother <<<"$(fo_binds_snapshot)"

fo_pods 0 199 100m 256Mi | kc_quiet apply -f -
bound_is() { [[ "$(fo_bound)" == "$1" ]]; }
check "200 pods bound before the outage" km::wait_for "200 bound" 120 bound_is 200

# Under load: 200 more pods arrive, and etcd stops while they are being bound.
fo_pods 200 399 100m 256Mi | kc_quiet apply -f - &
producer=$!
fo_stop_etcd
t0=$(fo_now)
no_leader() { [[ -z "$(fo_leaders)" ]]; }
check "the leader steps down within its lease (${LEASE} s)" km::wait_for "step-down" "${LEASE}" no_leader
echo "     no leader $(fo_since "$t0") s after etcd stopped"
wait "${producer}"
# Binds already sent when the lease was lost may still land; after that nothing may move.
frozen=$(fo_bound)
moved=0
while [[ "$(fo_since "$t0" | cut -d. -f1)" -lt "${OUTAGE}" ]]; do
  [[ "$(fo_bound)" == "${frozen}" ]] || moved=1
  [[ -z "$(fo_leaders)" ]] || moved=1
  sleep 1  # the outage lasts OUTAGE seconds: sample the cluster once a second
done
echo "     ${frozen} of 400 pods bound during the ${OUTAGE} s outage"
check "no binds and no leader while etcd is down" test "${moved}" == 0
check "neither replica crashed" bash -c "kill -0 ${FO_PID[a]} && kill -0 ${FO_PID[b]}"
check "the registry errors are counted (kubemesos_registry_requests_total{result=error})" bash -c \
  "curl -sf '${FO_URL[$leader]}' | grep -q '^kubemesos_registry_requests_total{.*result=\"error\"} [1-9]'"
check "/healthz still answers" curl -sf "${FO_URL[$leader]%/metrics}/healthz" -o /dev/null

fo_start_etcd
t1=$(fo_now)
check "a leader again once etcd is back" km::wait_for "leader" $((2 * LEASE + 5)) fo_one_leader
echo "     leader again $(fo_since "$t1") s after etcd restarted"
check "every pod ends bound (400)" km::wait_for "400 bound" 120 bound_is 400
read -r a201 a409 a504 aother <<<"$(fo_binds_snapshot)"
echo "     binding POSTs: $((a201 - b201)) bound (201), $((a409 - b409)) already bound (409), $((a504 - b504 + aother - bother)) other"
check "exactly one binding POST per pod (400 answered 201)" test $((a201 - b201)) == 400
check "no binding POST refused or lost" test $((a409 - b409 + a504 - b504 + aother - bother)) == 0
op_check_cluster
for r in a b; do
  check "replica ${r} logged no errors" bash -c "! grep -q '\"level\":\"error\"' '${FO_LOG[$r]}'"
done
