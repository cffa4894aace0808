#!/usr/bin/env bash
# Builds the test tools of kubemesos' local control plane from pinned Go modules
# (hack/tools/*/go.mod): etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, kubectl, kwok and helm. Binaries go to a cache folder outside
# the clone, keyed by the pins and the Go version, so a fresh clone on the same
# machine reuses them and a rebuild happens only when a pin changes.
#
# Usage: hack/tools/build.sh [--print-bin-dir] [--print-versions] [-q|--quiet]
#   (no option)       build what is missing, print the bin dir as the last line
#   --print-bin-dir   print the bin dir without building anything
#   --print-versions  print the pinned versions (NAME=VERSION lines)
# Environment: KUBEMESOS_CACHE (default ~/.cache/kubemesos), GO (default: go on
# PATH, else /usr/local/go/bin/go).
set -euo pipefail

TOOLS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# The Go toolchain: $GO, else `go` on PATH, else the usual install location.
if [[ -z "${GO:-}" ]]; then
  GO="$(command -v go || true)"
  GO="${GO:-/usr/local/go/bin/go}"
fi
CACHE_ROOT="${KUBEMESOS_CACHE:-${HOME}/.cache/kubemesos}"
# Bump when the recipe below changes in a way that changes the binaries.
RECIPE_VERSION=2
MODULES=(kubernetes etcd kwok helm)

log() { if [[ "${QUIET:-0}" != 1 ]]; then echo "build.sh: $*" >&2; fi; }
die() { echo "build.sh: error: $*" >&2; exit 1; }

# mod_version DIR MODULE: the version DIR/go.mod requires for MODULE (offline).
mod_version() {
  awk -v m="$2" '
    $1 == "require" && $2 == m { print $3; exit }
    $1 == m && $2 ~ /^v[0-9]/ { print $2; exit }
  ' "${TOOLS_DIR}/$1/go.mod"
}

cache_key() {
  {
    echo "recipe=${RECIPE_VERSION}"
    "${GO}" env GOVERSION GOOS GOARCH
    for m in "${MODULES[@]}"; do
      echo "== ${m}"
      cat "${TOOLS_DIR}/${m}/go.mod" "${TOOLS_DIR}/${m}/go.sum"
    done
  } | sha256sum | cut -c1-16
}

K8S_VERSION="$(mod_version kubernetes k8s.io/kubernetes)"
ETCD_VERSION="$(mod_version etcd go.etcd.io/etcd/server/v3)"
KWOK_VERSION="$(mod_version kwok sigs.k8s.io/kwok)"
HELM_VERSION="$(mod_version helm helm.sh/helm/v3)"

QUIET=0
MODE=build
for arg in "$@"; do
  case "${arg}" in
    --print-bin-dir) MODE=print-bin-dir ;;
    --print-versions) MODE=print-versions ;;
    -q|--quiet) QUIET=1 ;;
    -h|--help) awk 'NR >= 2 && /^#/ { sub(/^# ?/, ""); print; next } NR >= 2 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) die "unknown option ${arg}" ;;
  esac
done

if [[ "${MODE}" == print-versions ]]; then
  printf 'kubernetes=%s\netcd=%s\nkwok=%s\nhelm=%s\n' \
    "${K8S_VERSION}" "${ETCD_VERSION}" "${KWOK_VERSION}" "${HELM_VERSION}"
  exit 0
fi

[[ -x "${GO}" ]] || command -v "${GO}" >/dev/null || die "Go toolchain '${GO}' not found (need Go >= 1.26)"
KEY="$(cache_key)"
TOOL_DIR="${CACHE_ROOT}/tools/${KEY}"
BIN_DIR="${TOOL_DIR}/bin"

if [[ "${MODE}" == print-bin-dir ]]; then
  echo "${BIN_DIR}"
  exit 0
fi

mkdir -p "${BIN_DIR}"
# One build at a time per key (parallel CTest runs, two clusters starting).
exec 9>"${TOOL_DIR}/.lock"
flock 9

# -X flags for Kubernetes, as upstream hack/lib/version.sh sets them.
k8s_ldflags() {
  local v="${K8S_VERSION}" major minor
  major="${v#v}"; major="${major%%.*}"
  minor="${v#v*.}"; minor="${minor%%.*}"
  local flags="-s -w" p
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    flags+=" -X ${p}.gitVersion=${v} -X ${p}.gitMajor=${major} -X ${p}.gitMinor=${minor}"
    flags+=" -X ${p}.gitTreeState=clean -X ${p}.gitCommit= -X ${p}.buildDate=${BUILD_DATE}"
  done
  echo "${flags}"
}

helm_ldflags() {
  # helm reports the client-go minor it was built with as the default
  # Kubernetes version for `helm template` (upstream Makefile does the same).
  local cg major=1 minor
  cg="$(mod_version helm k8s.io/client-go)"   # v0.37.0 -> 1.37
  minor="${cg#v0.}"; minor="${minor%%.*}"
  local flags="-s -w -X helm.sh/helm/v3/internal/version.version=${HELM_VERSION}"
  flags+=" -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
  flags+=" -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=${major}"
  flags+=" -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=${minor}"
  flags+=" -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=${major}"
  flags+=" -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=${minor}"
  echo "${flags}"
}

# build_module NAME OUT PKG... : go build inside hack/tools/NAME (one invocation,
# so packages shared by several commands compile once). OUT is a dir or a file.
build_module() {
  local name="$1" out="$2" ldflags="$3"; shift 3
  local start=$SECONDS
  log "building ${name} ($*) ..."
  (cd "${TOOLS_DIR}/${name}" &&
    CGO_ENABLED=0 GOFLAGS="-mod=readonly -buildvcs=false" \
      "${GO}" build -trimpath -ldflags "${ldflags}" -o "${out}" "$@")
  log "built ${name} in $((SECONDS - start))s"
}

have() { local f; for f in "$@"; do [[ -x "${BIN_DIR}/${f}" ]] || return 1; done; }

total_start=$SECONDS
BUILD_DATE="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
built=0
if ! have kube-apiserver kube-controller-manager kube-scheduler kubectl; then
  build_module kubernetes "${BIN_DIR}/" "$(k8s_ldflags)" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl
  built=1
fi
if ! have etcd; then
  if ! build_module etcd "${BIN_DIR}/etcd" "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=${ETCD_VERSION}" \
    go.etcd.io/etcd/server/v3; then
    # Fallback: Debian's etcd-server (3.4), which recent kube-apiservers use in a
    # degraded mode (some watch features off). The versions test reports it.
    [[ -x /usr/bin/etcd ]] || die "etcd ${ETCD_VERSION} did not build and /usr/bin/etcd is absent (apt-get install etcd-server)"
    echo "build.sh: WARNING: etcd ${ETCD_VERSION} did not build; using Debian's $(/usr/bin/etcd --version | head -n1)" >&2
    ln -sf /usr/bin/etcd "${BIN_DIR}/etcd"
  fi
  built=1
fi
if ! have kwok; then
  build_module kwok "${BIN_DIR}/kwok" "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=${KWOK_VERSION#v}" \
    sigs.k8s.io/kwok/cmd/kwok
  built=1
fi
if ! have helm; then
  build_module helm "${BIN_DIR}/helm" "$(helm_ldflags)" helm.sh/helm/v3/cmd/helm
  built=1
fi
if [[ "${built}" == 1 ]]; then
  {
    echo "key=${KEY}"
    echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "seconds=$((SECONDS - total_start))"
    "${GO}" env GOVERSION
    printf 'kubernetes=%s\netcd=%s\nkwok=%s\nhelm=%s\n' \
      "${K8S_VERSION}" "${ETCD_VERSION}" "${KWOK_VERSION}" "${HELM_VERSION}"
  } > "${TOOL_DIR}/BUILD-INFO"
  log "all tools built in $((SECONDS - total_start))s"
else
  log "tools up to date (key ${KEY})"
fi
echo "${BIN_DIR}"
