#!/usr/bin/env bash
# Failover under load: REPLICAS replicas of `kubemesos run` share a registry (a dedicated etcd,
# or the kubernetes backend: a Lease and ConfigMaps), PODS pods arrive in batches, and the
# leader is SIGKILLed KILLS times at random points while it binds (each killed replica is
# started again, so the standbys stay). Every time a standby takes over within the lease TTL
# plus one allocation interval; in the end every pod is bound exactly once (the API server's
# own count of binding POSTs: PODS answered 201, none refused), no node is over-committed, and
# the registry and the Framework's status agree with the pods.
#
# CTest runs a reduced version (1,000 pods, 2 kills); the issue's full run:
#   FAILOVER_PODS=5000 FAILOVER_KILLS=5 tests/integration/operator/failover_suite_test.sh
# Settings (environment): FAILOVER_PODS, FAILOVER_KILLS, FAILOVER_REPLICAS (3),
# FAILOVER_BACKEND (etcd | kubernetes), FAILOVER_LEASE (lease seconds, 6), FAILOVER_SEED.
set -euo pipefail
# shellcheck source=tests/integration/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../cluster/lib.sh"
km_test_begin failover-suite
# shellcheck source=tests/integration/operator/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/integration/operator/failover_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/failover_lib.sh"

PODS=${FAILOVER_PODS:-1000}
KILLS=${FAILOVER_KILLS:-2}
REPLICAS=${FAILOVER_REPLICAS:-3}
BACKEND=${FAILOVER_BACKEND:-etcd}
LEASE=${FAILOVER_LEASE:-6}
RANDOM=${FAILOVER_SEED:-$$}
MAX_INTERVAL=1  # --max-interval: the allocation interval
echo "     ${PODS} pods, ${KILLS} kills, ${REPLICAS} replicas, backend ${BACKEND}, lease ${LEASE} s"

op_install_crds
NODES=$((PODS / 90 + 1))  # 100 pods of 100m per 10-cpu node: about 10% spare capacity
op_nodes "${NODES}" 10 40Gi
op_group_with_framework

flags=(--lease-seconds "${LEASE}" --max-interval "${MAX_INTERVAL}")
if [[ "${BACKEND}" == etcd ]]; then
  fo_start_etcd
  flags+=(--etcd-endpoints "${FO_ETCD_URL}")
else
  flags+=(--registry kubernetes --registry-namespace "${TEST_NS}")
fi
names=()
for ((r = 1; r <= REPLICAS; r++)); do names+=("r$r"); done
for r in "${names[@]}"; do fo_start_replica "$r" "${flags[@]}"; done
check "exactly one of ${REPLICAS} replicas leads" km::wait_for "one leader" 30 fo_one_leader

read -r b201 b409 b504 bother <<<"$(fo_binds_snapshot)"

# Pods arrive in batches of 100 while the kills happen.
(
  for ((from = 0; from < PODS; from += 100)); do
    to=$((from + 99 < PODS - 1 ? from + 99 : PODS - 1))
    fo_pods "${from}" "${to}" 100m 256Mi | kc_quiet apply -f -
  done
) >"${WORK}/producer.log" 2>&1 &
producer=$!
KM_CLEANUPS+=("kill ${producer}")

takeovers=() resumes=()
for ((k = 1; k <= KILLS; k++)); do
  # A random point in the k-th slice of the run.
  slice=$((PODS / (KILLS + 1)))
  target=$((k * slice - slice / 2 + RANDOM % (slice / 2 + 1)))
  reached() { (($(fo_bound) >= target)); }
  km::wait_for "${target} bound" 300 reached || true
  leader="$(fo_leaders)"
  [[ -n "${leader}" && "${leader}" != *" "* ]] || { check "one leader before kill ${k}" false; continue; }
  bound_at_kill=$(fo_bound)
  kill -KILL "${FO_PID[$leader]}"
  t0=$(fo_now)
  new="" resumed=""
  deadline=$((SECONDS + 3 * LEASE + 10))
  while ((SECONDS < deadline)) && [[ -z "${new}" || -z "${resumed}" ]]; do
    if [[ -z "${new}" ]]; then
      l="$(fo_leaders)"
      [[ -n "$l" && "$l" != *" "* ]] && new=$l && takeover=$(fo_since "$t0")
    fi
    if [[ -n "${new}" && -z "${resumed}" ]] &&
      (($(fo_metric "${new}" 'kubemesos_binds_total{result="success"}' || echo 0) > 0)); then
      resumed=$(fo_since "$t0")
    fi
    sleep 0.1  # polling interval of the measurement itself
  done
  if [[ -n "${new}" ]]; then  # the exact instant: when the new leader logged its win
    won="$(grep '"msg":"became the leader"' "${FO_LOG[$new]}" | tail -n 1 | jq -r .ts)"
    [[ -n "${won}" ]] && takeover=$(awk -v a="$t0" -v b="$(date -d "${won}" +%s.%3N)" 'BEGIN { printf "%.1f", b - a }')
  fi
  echo "     kill ${k}: replica-${leader} at ${bound_at_kill} bound; replica-${new:-none} leads after ${takeover:-?} s; binding again after ${resumed:-?} s"
  check "kill ${k}: a standby took over within lease + allocation interval (${LEASE}+${MAX_INTERVAL} s)" \
    awk -v t="${takeover:-999}" -v max="$((LEASE + MAX_INTERVAL))" 'BEGIN { exit !(t <= max) }'
  takeovers+=("${takeover:-?}")
  resumes+=("${resumed:-?}")
  wait "${FO_PID[$leader]}" 2>/dev/null || true
  fo_start_replica "${leader}" "${flags[@]}"  # back as a standby
done

wait "${producer}" || true
all_bound() { [[ "$(fo_bound)" == "${PODS}" ]]; }
check "every pod ends bound (${PODS})" km::wait_for "${PODS} bound" 300 all_bound
read -r a201 a409 a504 aother <<<"$(fo_binds_snapshot)"
n201=$((a201 - b201)) n409=$((a409 - b409)) n504=$((a504 - b504)) nother=$((aother - bother))
echo "     takeovers (s): ${takeovers[*]}; binding resumed (s): ${resumes[*]}"
echo "     binding POSTs seen by the API server: ${n201} bound (201), ${n409} already bound (409), ${n504} sender killed mid-request (504), ${nother} other"
check "no pod was bound twice: no binding POST found its pod already bound (409)" test "${n409}" == 0
check "one binding per pod: 201s + bindings cut off by a kill (504) cover the ${PODS} pods, 201s never exceed them" \
  test "${n201}" -le "${PODS}" -a $((n201 + n504)) -ge "${PODS}"
in_flight=64  # kubemesos run's default --bind-concurrency
check "no other binding failure; 504s only from kills (at most ${in_flight} in flight per kill)" \
  test "${nother}" == 0 -a "${n504}" -le $((in_flight * KILLS))
op_check_cluster
check "exactly one leader at the end" km::wait_for "one leader" 30 fo_one_leader
check "no replica crashed (the killed ones were restarted)" bash -c \
  "for p in ${FO_PID[*]}; do kill -0 \$p || exit 1; done"

# The registry and the Framework's status agree with the pods.
leader="$(fo_leaders)"
reg=(--kubeconfig "${KUBECONFIG}")
if [[ "${BACKEND}" == etcd ]]; then reg+=(--etcd-endpoints "${FO_ETCD_URL}"); else
  reg+=(--registry kubernetes --registry-namespace "${TEST_NS}"); fi
registry_ready() {
  "${KUBEMESOS}" registry dump "${reg[@]}" >"${WORK}/dump.json" &&
    jq -e --arg k "frameworks/${TEST_NS}/work" '.[$k].frameworkID' "${WORK}/dump.json" >/dev/null &&
    [[ "$(jq --arg p "agents/${TEST_NS}-n" '[keys[] | select(startswith($p))] | length' "${WORK}/dump.json")" == "${NODES}" ]]
}
check "the registry holds the framework and one agent per test node (${NODES})" \
  km::wait_for "registry records" 60 registry_ready
status_agrees() {
  kc get fw work -n "${TEST_NS}" -o json >"${WORK}/fw.json"
  [[ "$(jq -r .status.frameworkID "${WORK}/fw.json")" == \
     "$(jq -r --arg k "frameworks/${TEST_NS}/work" '.[$k].frameworkID' "${WORK}/dump.json")" &&
     "$(jq -r .status.tasks.running "${WORK}/fw.json")" == "${PODS}" &&
     "$(jq -r .status.tasks.pending "${WORK}/fw.json")" == 0 ]]
}
check "the Framework's status: the registry's frameworkID, ${PODS} running, 0 pending" \
  km::wait_for "framework status" 60 status_agrees
check "the leader logged no errors" bash -c "! grep -q '\"level\":\"error\"' '${FO_LOG[$leader]}'"
