#!/usr/bin/env bash
# kubemesos' local Kubernetes control plane for tests and demos: etcd,
# kube-apiserver, kube-controller-manager, optionally kube-scheduler, and KWOK
# simulating N fake nodes and the kubelet's pod lifecycle -- all built from
# pinned Go modules by hack/tools/build.sh, nothing else downloaded.
#
# Usage:
#   hack/cluster.sh up     [--name NAME] [--nodes N] [--node-cpu C] [--node-memory M]
#                          [--node-pods P] [--zones Z] [--port-base PORT]
#                          [--kube-scheduler] [--node-lease-seconds S] [--timeout SECONDS]
#   hack/cluster.sh down   [--name NAME] [--keep-logs]
#   hack/cluster.sh status [--name NAME]
#   hack/cluster.sh env    [--name NAME]     # shell variables describing the cluster
#   hack/cluster.sh kubeconfig [--name NAME] # path of the admin kubeconfig
#   hack/cluster.sh add-nodes --count N [--name NAME] [--node-cpu C] ...
#
# `up` prints the kubeconfig path as its last line. Everything of a cluster
# lives in ${KUBEMESOS_CACHE:-~/.cache/kubemesos}/clusters/NAME/ (data, certs,
# pids, logs/, kubeconfig). Ports: PORT etcd client, +1 etcd peer,
# +2 kube-apiserver, +3 kube-controller-manager, +4 kube-scheduler, +5 kwok;
# the default PORT is derived from NAME (20000-29990), so clusters with
# different names normally do not collide; `up` refuses ports already in use.
set -euo pipefail

HACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=hack/lib/common.sh
source "${HACK_DIR}/lib/common.sh"
# shellcheck source=hack/lib/pki.sh
source "${HACK_DIR}/lib/pki.sh"
# shellcheck source=hack/lib/objects.sh
source "${HACK_DIR}/lib/objects.sh"

CACHE_ROOT="${KUBEMESOS_CACHE:-${HOME}/.cache/kubemesos}"
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)
# Workload-aware scheduling (KEP-4671): the scheduling.k8s.io/v1beta1 Workload and PodGroup
# APIs (beta in v1.37, off by default) and the Job controller creating a Workload and a PodGroup
# for a Job with spec.scheduling (WorkloadWithJob, alpha). The same gates on every component
# that reads them (apiserver, controller-manager, kube-scheduler as the reference).
FEATURE_GATES="GenericWorkload=true,WorkloadWithJob=true"
RUNTIME_CONFIG="scheduling.k8s.io/v1beta1=true"

usage() { awk 'NR >= 7 && /^#/ { sub(/^# ?/, ""); print; next } NR >= 7 { exit }' "${BASH_SOURCE[0]}"; }

# ---- options ---------------------------------------------------------------
CMD="${1:-}"
[[ -n "${CMD}" ]] || { usage >&2; exit 2; }
shift
NAME="kubemesos"
NODES=10
NODE_CPU=32
NODE_MEMORY=256Gi
NODE_PODS=110
ZONES=3
PORT_BASE=""
WITH_SCHEDULER=0
TIMEOUT=600
LEASE_SECONDS=""
KEEP_LOGS=0
COUNT=0
while (($#)); do
  case "$1" in
    --name) NAME="$2"; shift ;;
    --nodes) NODES="$2"; shift ;;
    --count) COUNT="$2"; shift ;;
    --node-cpu) NODE_CPU="$2"; shift ;;
    --node-memory) NODE_MEMORY="$2"; shift ;;
    --node-pods) NODE_PODS="$2"; shift ;;
    --zones) ZONES="$2"; shift ;;
    --port-base) PORT_BASE="$2"; shift ;;
    --kube-scheduler) WITH_SCHEDULER=1 ;;
    --node-lease-seconds) LEASE_SECONDS="$2"; shift ;;
    --timeout) TIMEOUT="$2"; shift ;;
    --keep-logs) KEEP_LOGS=1 ;;
    -h|--help) usage; exit 0 ;;
    *) km::die "unknown option '$1' (see hack/cluster.sh --help)" ;;
  esac
  shift
done
[[ "${NAME}" =~ ^[a-z0-9][a-z0-9-]{0,40}$ ]] || km::die "--name must match [a-z0-9][a-z0-9-]{0,40}"
[[ "${NODES}" =~ ^[0-9]+$ ]] || km::die "--nodes must be a number"
[[ "${ZONES}" =~ ^[0-9]+$ && "${ZONES}" -ge 1 && "${ZONES}" -le 26 ]] || km::die "--zones must be 1..26"

# KWOK renews every node's Lease each quarter of its duration, like a kubelet:
# with kubelet's 40 s that is 500 writes/s for 5,000 nodes, which a 2-core
# machine cannot spare. The default keeps it near 100/s: max(40, nodes/5) s.
if [[ -z "${LEASE_SECONDS}" ]]; then
  LEASE_SECONDS=$((NODES / 5 > 40 ? NODES / 5 : 40))
  LEASE_SECONDS=$((LEASE_SECONDS > 1200 ? 1200 : LEASE_SECONDS))
fi
[[ "${LEASE_SECONDS}" =~ ^[0-9]+$ && "${LEASE_SECONDS}" -ge 10 ]] || km::die "--node-lease-seconds must be >= 10"

CL="${CACHE_ROOT}/clusters/${NAME}"
PKI="${CL}/pki"
LOGS="${CL}/logs"
PIDS="${CL}/pids"
KUBECONFIG_OUT="${CL}/kubeconfig"
ENV_FILE="${CL}/cluster.env"
NODE_PREFIX="kwok-node-"

default_port_base() {
  local sum
  sum="$(printf '%s' "$1" | cksum | awk '{print $1}')"
  echo $((20000 + (sum % 1000) * 10))
}

# Ports of a running cluster come from its env file; otherwise from options.
load_ports() {
  if [[ -z "${PORT_BASE}" && -f "${ENV_FILE}" ]]; then
    PORT_BASE="$(sed -n 's/^KUBEMESOS_PORT_BASE=//p' "${ENV_FILE}")"
  fi
  PORT_BASE="${PORT_BASE:-$(default_port_base "${NAME}")}"
  [[ "${PORT_BASE}" =~ ^[0-9]+$ && "${PORT_BASE}" -ge 1024 && "${PORT_BASE}" -le 65500 ]] ||
    km::die "--port-base must be 1024..65500"
  ETCD_PORT=${PORT_BASE}
  ETCD_PEER_PORT=$((PORT_BASE + 1))
  APISERVER_PORT=$((PORT_BASE + 2))
  KCM_PORT=$((PORT_BASE + 3))
  SCHEDULER_PORT=$((PORT_BASE + 4))
  KWOK_PORT=$((PORT_BASE + 5))
  ALL_PORTS=("${ETCD_PORT}" "${ETCD_PEER_PORT}" "${APISERVER_PORT}" "${KCM_PORT}" "${SCHEDULER_PORT}" "${KWOK_PORT}")
}

pid_of() { cat "${PIDS}/$1.pid" 2>/dev/null || true; }
# Every process we start names the cluster dir in its arguments: that is how we
# recognise our own processes (and never kill a recycled PID).
alive() { km::pid_alive "$(pid_of "$1")" "${CL}"; }
any_alive() { local c; for c in "${COMPONENTS[@]}"; do alive "${c}" && return 0; done; return 1; }

kubectl_() { "${BIN}/kubectl" --kubeconfig "${KUBECONFIG_OUT}" "$@"; }

# start NAME BINARY ARGS...: runs it detached (own session, stdin closed,
# output to logs/NAME.log) and records its PID.
start() {
  local name="$1" bin="$2"; shift 2
  km::log "starting ${name}"
  setsid "${bin}" "$@" </dev/null >"${LOGS}/${name}.log" 2>&1 &
  local pid=$!
  echo "${pid}" >"${PIDS}/${name}.pid"
  # Until the background subshell has exec'd, its command line is this script's, which the
  # liveness checks (matching the cluster dir) would take for a dead component.
  local deadline=$((SECONDS + 5))
  while [[ -d "/proc/${pid}" ]] && ((SECONDS < deadline)) &&
    ! { tr '\0' ' ' <"/proc/${pid}/cmdline"; } 2>/dev/null | grep -qF -- "${bin}"; do
    sleep 0.01
  done
}

# ---- readiness checks (each succeeds or fails once; km::wait_for polls) -----
check_alive() {
  alive "$1" || { echo "$1 exited; tail of ${LOGS}/$1.log:"; tail -n 30 "${LOGS}/$1.log"; exit 125; }
}
etcd_healthy() {
  check_alive etcd
  curl -fsS --max-time 2 "http://127.0.0.1:${ETCD_PORT}/health" | grep -q '"health":"true"'
}
https_ok() { # component port path
  check_alive "$1"
  curl -fsS --max-time 5 --cacert "${PKI}/ca.crt" --cert "${PKI}/admin.crt" --key "${PKI}/admin.key" \
    "https://127.0.0.1:$2$3"
}
https_insecure_ok() { # component port path (self-signed serving cert)
  check_alive "$1"
  curl -fsSk --max-time 5 "https://127.0.0.1:$2$3"
}
http_ok() { check_alive "$1"; curl -fsS --max-time 5 "http://127.0.0.1:$2$3"; }
default_sa_exists() { kubectl_ get serviceaccount default -n default -o name; }
nodes_ready() { # expected count
  local ready
  ready="$(kubectl_ get nodes -l type=kwok --chunk-size=1000 \
    -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' |
    grep -c '^True$' || true)"
  echo "${ready}/$1 nodes Ready"
  [[ "${ready}" -ge "$1" ]]
}

# ---- pieces of `up` -----------------------------------------------------------
make_pki() {
  mkdir -p "${PKI}"
  km::pki::ca "${PKI}" "kubemesos-${NAME}-ca"
  km::pki::cert "${PKI}" apiserver "/CN=kube-apiserver" serverAuth \
    "DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:10.96.0.1"
  km::pki::cert "${PKI}" admin "/O=system:masters/CN=kubemesos-admin" clientAuth
  km::pki::cert "${PKI}" controller-manager "/CN=system:kube-controller-manager" clientAuth
  km::pki::cert "${PKI}" scheduler "/CN=system:kube-scheduler" clientAuth
  km::pki::cert "${PKI}" kwok "/O=kubemesos:kwok/CN=kwok-controller" clientAuth
  km::pki::sa_keys "${PKI}"
  # Front proxy (API aggregation): lets kube-apiserver proxy to extension API
  # servers and lets components check requestheader authentication.
  km::pki::ca "${PKI}" "kubemesos-${NAME}-front-proxy-ca" front-proxy-ca
  km::pki::cert "${PKI}" front-proxy-client "/CN=front-proxy-client" clientAuth "" front-proxy-ca
  local server="https://127.0.0.1:${APISERVER_PORT}" c
  km::pki::kubeconfig "${KUBECONFIG_OUT}" "${server}" "${PKI}/ca.crt" \
    "${PKI}/admin.crt" "${PKI}/admin.key" "kubemesos-${NAME}" kubemesos-admin
  for c in controller-manager scheduler kwok; do
    km::pki::kubeconfig "${PKI}/${c}.kubeconfig" "${server}" "${PKI}/ca.crt" \
      "${PKI}/${c}.crt" "${PKI}/${c}.key" "kubemesos-${NAME}" "${c}"
  done
}

start_etcd() {
  start etcd "${BIN}/etcd" \
    --name=kubemesos --data-dir="${CL}/etcd" \
    --listen-client-urls="http://127.0.0.1:${ETCD_PORT}" \
    --advertise-client-urls="http://127.0.0.1:${ETCD_PORT}" \
    --listen-peer-urls="http://127.0.0.1:${ETCD_PEER_PORT}" \
    --initial-advertise-peer-urls="http://127.0.0.1:${ETCD_PEER_PORT}" \
    --initial-cluster="kubemesos=http://127.0.0.1:${ETCD_PEER_PORT}" \
    --initial-cluster-state=new \
    --unsafe-no-fsync=true \
    --quota-backend-bytes=$((8 * 1024 * 1024 * 1024)) \
    --auto-compaction-mode=periodic --auto-compaction-retention=5m \
    --log-level=warn
}

start_apiserver() {
  # Tuning for large fake clusters: generous inflight limits (the APF
  # concurrency pool is their sum), KWOK exempt from APF (see bootstrap), a
  # bigger watch cache and no goaway churn.
  start kube-apiserver "${BIN}/kube-apiserver" \
    --etcd-servers="http://127.0.0.1:${ETCD_PORT}" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 \
    --secure-port="${APISERVER_PORT}" \
    --endpoint-reconciler-type=none \
    --cert-dir="${PKI}" \
    --tls-cert-file="${PKI}/apiserver.crt" --tls-private-key-file="${PKI}/apiserver.key" \
    --client-ca-file="${PKI}/ca.crt" \
    --authorization-mode=Node,RBAC \
    --service-account-issuer="https://kubernetes.default.svc.cluster.local" \
    --service-account-key-file="${PKI}/sa.pub" \
    --service-account-signing-key-file="${PKI}/sa.key" \
    --api-audiences="https://kubernetes.default.svc.cluster.local" \
    --requestheader-client-ca-file="${PKI}/front-proxy-ca.crt" \
    --requestheader-allowed-names=front-proxy-client \
    --requestheader-username-headers=X-Remote-User \
    --requestheader-group-headers=X-Remote-Group \
    --requestheader-extra-headers-prefix=X-Remote-Extra- \
    --proxy-client-cert-file="${PKI}/front-proxy-client.crt" \
    --proxy-client-key-file="${PKI}/front-proxy-client.key" \
    --service-cluster-ip-range=10.96.0.0/16 \
    --allow-privileged=true \
    --max-requests-inflight=1600 --max-mutating-requests-inflight=800 \
    --enable-priority-and-fairness=true \
    --default-watch-cache-size=1000 \
    --delete-collection-workers=4 \
    --runtime-config="${RUNTIME_CONFIG}" \
    --feature-gates="${FEATURE_GATES}" \
    --profiling=false \
    --v=1
}

bootstrap_manifests() {
  # KWOK writes status for every fake node and pod: its own identity (no
  # system:masters) is bound to cluster-admin and exempt from API priority and
  # fairness, so it is never queued behind the workload under test.
  kubectl_ apply -f - >/dev/null <<'EOF'
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: kubemesos:kwok-controller
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
- apiGroup: rbac.authorization.k8s.io
  kind: User
  name: kwok-controller
---
apiVersion: flowcontrol.apiserver.k8s.io/v1
kind: FlowSchema
metadata:
  name: kubemesos-kwok-exempt
spec:
  matchingPrecedence: 100
  priorityLevelConfiguration:
    name: exempt
  rules:
  - subjects:
    - kind: User
      user:
        name: kwok-controller
    resourceRules:
    - verbs: ["*"]
      apiGroups: ["*"]
      resources: ["*"]
      namespaces: ["*"]
      clusterScope: true
    nonResourceRules:
    - verbs: ["*"]
      nonResourceURLs: ["*"]
EOF
}

start_controller_manager() {
  # Off: ttl-controller (re-annotates every node whenever the node count
  # crosses 100/500/1000/2000: thousands of patches while a big cluster grows,
  # for a kubelet cache that KWOK lacks) and attach-detach (no kubelet, no volumes).
  start kube-controller-manager "${BIN}/kube-controller-manager" \
    --kubeconfig="${PKI}/controller-manager.kubeconfig" \
    --authentication-kubeconfig="${PKI}/controller-manager.kubeconfig" \
    --authorization-kubeconfig="${PKI}/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="${KCM_PORT}" \
    --cert-dir="${PKI}/kcm-serving" \
    --service-account-private-key-file="${PKI}/sa.key" \
    --root-ca-file="${PKI}/ca.crt" \
    --use-service-account-credentials=true \
    --leader-elect=false \
    --controllers='*,-ttl-controller,-persistentvolume-attach-detach-controller' \
    --node-monitor-grace-period="$((LEASE_SECONDS + 10))s" \
    --kube-api-qps=500 --kube-api-burst=1000 \
    --concurrent-gc-syncs=20 --concurrent-namespace-syncs=10 \
    --feature-gates="${FEATURE_GATES}" \
    --profiling=false \
    --v=1
}

start_scheduler() {
  start kube-scheduler "${BIN}/kube-scheduler" \
    --kubeconfig="${PKI}/scheduler.kubeconfig" \
    --authentication-kubeconfig="${PKI}/scheduler.kubeconfig" \
    --authorization-kubeconfig="${PKI}/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="${SCHEDULER_PORT}" \
    --cert-dir="${PKI}/scheduler-serving" \
    --leader-elect=false \
    --kube-api-qps=1000 --kube-api-burst=1000 \
    --feature-gates="${FEATURE_GATES}" \
    --profiling=false \
    --v=1
}

start_kwok() {
  start kwok "${BIN}/kwok" \
    --kubeconfig="${PKI}/kwok.kubeconfig" \
    --config="${HACK_DIR}/kwok/kwok.yaml" \
    --manage-all-nodes=false \
    --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --server-address="127.0.0.1:${KWOK_PORT}" \
    --node-lease-duration-seconds="${LEASE_SECONDS}" \
    --node-ip=10.255.0.1 --cidr=10.0.0.1/16 \
    --v=WARN
}

create_nodes() { # FROM TO
  local from="$1" to="$2"
  ((to > from)) || return 0
  km::log "creating nodes ${NODE_PREFIX}${from}..${NODE_PREFIX}$((to - 1)) (${NODE_CPU} CPU, ${NODE_MEMORY}, ${ZONES} zones)"
  km::objects::post "https://127.0.0.1:${APISERVER_PORT}" /api/v1/nodes "${PKI}" 32 \
    km::objects::nodes "${from}" "${to}" "${NODE_CPU}" "${NODE_MEMORY}" "${NODE_PODS}" "${ZONES}" "${NODE_PREFIX}"
}

write_env() {
  cat >"${ENV_FILE}" <<EOF
# kubemesos local cluster '${NAME}' (written by hack/cluster.sh up)
KUBEMESOS_CLUSTER_NAME=${NAME}
KUBEMESOS_CLUSTER_DIR=${CL}
KUBEMESOS_KUBECONFIG=${KUBECONFIG_OUT}
KUBEMESOS_BIN_DIR=${BIN}
KUBEMESOS_PORT_BASE=${PORT_BASE}
KUBEMESOS_ETCD_ENDPOINT=http://127.0.0.1:${ETCD_PORT}
KUBEMESOS_APISERVER=https://127.0.0.1:${APISERVER_PORT}
KUBEMESOS_CA_FILE=${PKI}/ca.crt
KUBEMESOS_SCHEDULER_PORT=${SCHEDULER_PORT}
KUBEMESOS_KWOK_ADDRESS=127.0.0.1:${KWOK_PORT}
KUBEMESOS_NODES=${NODES}
KUBEMESOS_NODE_LEASE_SECONDS=${LEASE_SECONDS}
KUBEMESOS_NODE_PREFIX=${NODE_PREFIX}
KUBEMESOS_LOGS_DIR=${LOGS}
KUBEMESOS_FEATURE_GATES=${FEATURE_GATES}
EOF
}

cleanup_on_failure() {
  local rc=$?
  if ((rc != 0)); then
    km::log "up failed (exit ${rc}); logs are in ${LOGS}; stopping what was started"
    stop_all
  fi
}

stop_all() {
  local c i
  # Reverse start order: clients first, etcd last.
  for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do
    c="${COMPONENTS[i]}"
    if alive "${c}"; then
      km::stop_pid "${c}" "$(pid_of "${c}")" "${CL}" 30
    fi
    rm -f "${PIDS}/${c}.pid"
  done
  # Helpers that tests started against this cluster record their PIDs here too.
  local f pid
  for f in "${PIDS}"/*.pid; do
    [[ -e "${f}" ]] || continue
    pid="$(cat "${f}")"
    km::stop_pid "$(basename "${f}" .pid)" "${pid}" "${CL}" 30
    rm -f "${f}"
  done
}

# ---- commands -----------------------------------------------------------------
cmd_up() {
  local t0=${SECONDS} t
  if [[ -d "${CL}" ]] && any_alive; then
    km::die "cluster '${NAME}' is already running (hack/cluster.sh down --name ${NAME})"
  fi
  load_ports
  local p
  for p in "${ALL_PORTS[@]}"; do
    km::port_open "${p}" && km::die "port ${p} is in use; choose another --port-base (now ${PORT_BASE})"
  done
  BIN="$("${HACK_DIR}/tools/build.sh" --quiet | tail -n 1)"
  command -v openssl >/dev/null || km::die "openssl is required (apt-get install openssl)"
  command -v curl >/dev/null || km::die "curl is required (apt-get install curl)"

  # A stale directory (processes gone) is replaced; the previous logs are kept aside.
  if [[ -d "${CL}" ]]; then
    rm -rf "${CL}.prev-logs"
    if [[ -d "${LOGS}" ]]; then mv "${LOGS}" "${CL}.prev-logs"; fi
    rm -rf "${CL}"
  fi
  mkdir -p "${PKI}" "${LOGS}" "${PIDS}"
  trap cleanup_on_failure EXIT
  trap 'exit 143' TERM
  trap 'exit 130' INT
  write_env

  make_pki
  start_etcd
  km::wait_for "etcd" 60 etcd_healthy
  start_apiserver
  km::wait_for "kube-apiserver /readyz" 120 https_ok kube-apiserver "${APISERVER_PORT}" /readyz
  t=${SECONDS}
  bootstrap_manifests
  start_controller_manager
  if ((WITH_SCHEDULER)); then start_scheduler; fi
  start_kwok
  km::wait_for "kube-controller-manager /healthz" 120 \
    https_insecure_ok kube-controller-manager "${KCM_PORT}" /healthz
  if ((WITH_SCHEDULER)); then
    km::wait_for "kube-scheduler /healthz" 120 https_insecure_ok kube-scheduler "${SCHEDULER_PORT}" /healthz
  fi
  km::wait_for "kwok /healthz" 60 http_ok kwok "${KWOK_PORT}" /healthz
  km::log "control plane ready in $((SECONDS - t0))s"

  t=${SECONDS}
  create_nodes 0 "${NODES}"
  km::wait_for "${NODES} nodes Ready" "${TIMEOUT}" nodes_ready "${NODES}"
  km::wait_for "the default ServiceAccount" 120 default_sa_exists
  km::log "${NODES} nodes Ready in $((SECONDS - t))s; cluster '${NAME}' up in $((SECONDS - t0))s"
  trap - EXIT TERM INT
  echo "${KUBECONFIG_OUT}"
}

cmd_add_nodes() {
  if [[ ! -f "${ENV_FILE}" ]] || ! alive kube-apiserver; then km::die "cluster '${NAME}' is not running"; fi
  load_ports
  BIN="$(sed -n 's/^KUBEMESOS_BIN_DIR=//p' "${ENV_FILE}")"
  local have
  have="$(kubectl_ get nodes -l type=kwok -o name | wc -l)"
  create_nodes "${have}" "$((have + COUNT))"
  km::wait_for "$((have + COUNT)) nodes Ready" "${TIMEOUT}" nodes_ready "$((have + COUNT))"
  sed -i "s/^KUBEMESOS_NODES=.*/KUBEMESOS_NODES=$((have + COUNT))/" "${ENV_FILE}"
  echo "${KUBECONFIG_OUT}"
}

cmd_down() {
  if [[ ! -d "${CL}" ]]; then
    km::log "cluster '${NAME}' does not exist"
    return 0
  fi
  load_ports
  stop_all
  local p open=()
  for p in "${ALL_PORTS[@]}"; do if km::port_open "${p}"; then open+=("${p}"); fi; done
  if ((KEEP_LOGS)); then
    find "${CL}" -mindepth 1 -maxdepth 1 ! -name logs -exec rm -rf {} +
  else
    rm -rf "${CL}" "${CL}.prev-logs"
  fi
  ((${#open[@]} == 0)) || km::log "warning: ports still open after down: ${open[*]} (not ours?)"
  km::log "cluster '${NAME}' stopped"
}

cmd_status() {
  if [[ ! -d "${CL}" ]]; then
    echo "cluster '${NAME}': not created"
    return 1
  fi
  load_ports
  BIN="$(sed -n 's/^KUBEMESOS_BIN_DIR=//p' "${ENV_FILE}" 2>/dev/null || true)"
  echo "cluster '${NAME}' in ${CL} (port base ${PORT_BASE})"
  local c pid total=0 rss running=0
  for c in "${COMPONENTS[@]}"; do
    pid="$(pid_of "${c}")"
    [[ -n "${pid}" ]] || continue
    if alive "${c}"; then
      rss="$(km::rss_kib "${pid}")"
      total=$((total + rss))
      running=$((running + 1))
      printf '  %-24s running  pid %-8s rss %6d MiB\n' "${c}" "${pid}" $((rss / 1024))
    else
      printf '  %-24s STOPPED  pid %s (log %s/%s.log)\n' "${c}" "${pid}" "${LOGS}" "${c}"
    fi
  done
  printf '  %-24s %d MiB resident in %d processes\n' "total" $((total / 1024)) "${running}"
  if alive kube-apiserver && [[ -x "${BIN}/kubectl" ]]; then
    local ready
    ready="$(https_ok kube-apiserver "${APISERVER_PORT}" /readyz 2>/dev/null || echo "not ready")"
    echo "  apiserver /readyz: ${ready}"
    nodes_ready 0 | sed 's/\/0 / /; s/^/  /' || true
    echo "  pods: $(kubectl_ get pods -A --no-headers --chunk-size=2000 2>/dev/null | awk '{n[$4]++} END {for (p in n) printf "%s=%d ", p, n[p]}')"
  fi
  echo "  kubeconfig: ${KUBECONFIG_OUT}"
  ((running > 0))
}

cmd_env() {
  [[ -f "${ENV_FILE}" ]] || km::die "cluster '${NAME}' is not up"
  grep -v '^#' "${ENV_FILE}"
  echo "KUBECONFIG=${KUBECONFIG_OUT}"
}

case "${CMD}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) cmd_env ;;
  kubeconfig) echo "${KUBECONFIG_OUT}" ;;
  add-nodes) cmd_add_nodes ;;
  -h|--help|help) usage ;;
  *) usage >&2; exit 2 ;;
esac
