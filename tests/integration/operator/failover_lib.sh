# Shared helpers of the failover tests: a dedicated etcd for the registry (never the cluster's
# own: stopping that one stops the API server), replicas of `kubemesos run` by name, who leads,
# the API server's own count of binding POSTs, and bound pods. Source after
# tests/integration/operator/lib.sh.
# shellcheck shell=bash

ETCD_BIN="${KUBEMESOS_BIN_DIR}/etcd"
declare -A FO_PID FO_URL FO_LOG
FO_RESTARTS=0

fo_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# fo_start_etcd: a dedicated etcd on free loopback ports (FO_ETCD_URL), data in ${WORK}/etcd.
# Calling it again after fo_stop_etcd restarts the same member on the same data and ports. A
# first start that dies (a port taken meanwhile) is retried on other ports.
fo_start_etcd() {
  [[ -x "${ETCD_BIN}" ]] || km::die "etcd not found in ${KUBEMESOS_BIN_DIR}"
  local attempt
  for attempt in 1 2 3; do
    if [[ -z "${FO_ETCD_PORT:-}" ]]; then
      FO_ETCD_PORT=$(fo_free_port)
      FO_ETCD_PEER=$(fo_free_port)
      rm -rf "${WORK}/etcd"
    fi
    FO_ETCD_URL="http://127.0.0.1:${FO_ETCD_PORT}"
    "${ETCD_BIN}" --name fo --data-dir "${WORK}/etcd" \
      --listen-client-urls "${FO_ETCD_URL}" --advertise-client-urls "${FO_ETCD_URL}" \
      --listen-peer-urls "http://127.0.0.1:${FO_ETCD_PEER}" \
      --initial-advertise-peer-urls "http://127.0.0.1:${FO_ETCD_PEER}" \
      --initial-cluster "fo=http://127.0.0.1:${FO_ETCD_PEER}" \
      >>"${WORK}/etcd.log" 2>&1 &
    FO_ETCD_PID=$!
    KM_CLEANUPS+=("kill -TERM ${FO_ETCD_PID}; wait ${FO_ETCD_PID}")
    fo_etcd_up() {
      kill -0 "${FO_ETCD_PID}" || return 125  # died: give up waiting
      curl -sf "${FO_ETCD_URL}/health" | jq -e '.health == "true"' >/dev/null
    }
    km::wait_for "etcd healthy" 90 fo_etcd_up && return 0
    kill -0 "${FO_ETCD_PID}" 2>/dev/null && break  # alive but not healthy: no retry
    [[ -n "${FO_ETCD_STARTED:-}" ]] && break       # a restart must keep its ports
    FO_ETCD_PORT=""
  done
  tail -n 20 "${WORK}/etcd.log" >&2
  km::die "the registry's etcd did not start"
}

fo_stop_etcd() {
  FO_ETCD_STARTED=1
  kill -TERM "${FO_ETCD_PID}"
  wait "${FO_ETCD_PID}" || true
}

# fo_start_replica NAME [FLAGS...]: `kubemesos run` as replica NAME (identity "replica-NAME",
# log ${WORK}/NAME.<n>.log, metrics on an ephemeral port in FO_URL[NAME]).
fo_start_replica() {
  local name=$1
  shift
  FO_RESTARTS=$((FO_RESTARTS + 1))
  FO_LOG[$name]="${WORK}/${name}.${FO_RESTARTS}.log"
  "${KUBEMESOS}" run --kubeconfig "${KUBECONFIG}" --metrics-address 127.0.0.1:0 \
    --identity "replica-${name}" "$@" >"${FO_LOG[$name]}" 2>&1 &
  FO_PID[$name]=$!
  KM_CLEANUPS+=("kill -TERM ${FO_PID[$name]}; wait ${FO_PID[$name]}")
  fo_port_of() { grep -m1 '"serving /metrics' "${FO_LOG[$1]}" | jq -e .port; }
  km::wait_for "replica ${name} metrics" 30 fo_port_of "${name}" >/dev/null
  FO_URL[$name]="http://127.0.0.1:$(fo_port_of "${name}")/metrics"
}

fo_alive() { kill -0 "${FO_PID[$1]}" 2>/dev/null; }

# fo_metric NAME SAMPLE: one sample of replica NAME's /metrics ("" if absent or dead).
fo_metric() {
  curl -sf --max-time 2 "${FO_URL[$1]}" 2>/dev/null | awk -v want="$2" '$1 == want { print $2 }'
}

# fo_leaders: the live replicas that say they lead (kubemesos_is_leader 1), space-separated.
fo_leaders() {
  local r out=()
  for r in "${!FO_PID[@]}"; do
    fo_alive "$r" && [[ "$(fo_metric "$r" kubemesos_is_leader)" == 1 ]] && out+=("$r")
  done
  echo "${out[*]}"
}
fo_one_leader() { local l; l="$(fo_leaders)"; [[ -n "$l" && "$l" != *" "* ]]; }

# fo_apiserver_binds CODE|other: the API server's own count of pods/binding POSTs answered with
# CODE, whoever sent them. 201: bound. 409: the pod was already bound (a second bind). 504: the
# sender vanished mid-request (a SIGKILLed leader); the binding may or may not have been
# applied. other: any other code.
fo_apiserver_binds() {
  kc get --raw /metrics | awk -v want="$1" '
    /^apiserver_request_total\{/ && /subresource="binding"/ && /verb="POST"/ {
      match($0, /code="[0-9]+"/); code = substr($0, RSTART + 6, RLENGTH - 7)
      known = code == "201" || code == "409" || code == "504"
      if ((want == "other" && !known) || code == want) sum += $2 }
    END { print sum + 0 }'
}
# fo_binds_snapshot: "201 409 504 other" now.
fo_binds_snapshot() {
  echo "$(fo_apiserver_binds 201) $(fo_apiserver_binds 409) $(fo_apiserver_binds 504) $(fo_apiserver_binds other)"
}

# fo_bound: pods of the test's namespace with spec.nodeName.
fo_bound() {
  kc get pods -n "${TEST_NS}" --field-selector spec.nodeName!= -o name | wc -l
}

# fo_pods FROM TO CPU MEM [ANNOTATIONS_YAML]: pods w-FROM..w-TO of framework "work", restricted
# to this test's nodes.
fo_pods() {
  local i
  for ((i = $1; i <= $2; i++)); do
    km_pod "${TEST_NS}" work "w-$i" "$3" "$4" |
      sed "s|^spec:|spec:\n  nodeSelector: {kubemesos.io/test: ${TEST_NS}}|"
  done
}

# fo_now: seconds since the epoch, with milliseconds.
fo_now() { date +%s.%3N; }
fo_since() { awk -v a="$1" -v b="$(fo_now)" 'BEGIN { printf "%.1f", b - a }'; }
