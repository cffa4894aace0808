#!/usr/bin/env bash
# Puts the pinned Kubernetes `generated.proto` files the protobuf codec (operator/proto) compiles
# under an output directory, laid out as their import paths (OUT/k8s.io/api/core/v1/...).
# Source, in order: the Go module cache (`go env GOMODCACHE`, when Go is installed and the module
# is there), else the module zip from the Go module proxy, checked against the sha256 pinned
# below. Only the needed files are extracted. Called by CMake at configure time
# (operator/proto/CMakeLists.txt); idempotent (does nothing when OUT already holds them).
#
#   hack/protos.sh OUT_DIR
#
# The versions are those hack/tools/kubernetes/go.mod pins (k8s.io/api, k8s.io/apimachinery);
# to bump, change VERSION and the two sums (sha256sum of the module zip), and the codec tests.
set -euo pipefail

out=${1:?usage: hack/protos.sh OUT_DIR}
VERSION=v0.37.2
API_SHA256=0ed015a8674e49bb21626ef5d9b465e047b9ad29bbd8e27f3d932bb0161a9fbd
APIMACHINERY_SHA256=3d50f66b5a226c5c079af9eb49c4bfd94566ccfd728a32658c438f6df1c7bba5
PROXY=${GOPROXY_URL:-https://proxy.golang.org}

api_files=(core/v1/generated.proto storage/v1/generated.proto scheduling/v1beta1/generated.proto)
apimachinery_files=(
  pkg/api/resource/generated.proto pkg/apis/meta/v1/generated.proto
  pkg/runtime/generated.proto pkg/runtime/schema/generated.proto
  pkg/util/intstr/generated.proto
)

stamp="$out/.version"
if [[ -f $stamp && $(cat "$stamp") == "$VERSION" ]]; then
  exit 0
fi

# fetch MODULE SHA256 FILES...: copies FILES of k8s.io/MODULE@VERSION to $out/k8s.io/MODULE/.
fetch() {
  local module=$1 sum=$2
  shift 2
  local dest="$out/k8s.io/$module" modcache=""
  if command -v go >/dev/null 2>&1; then
    modcache=$(go env GOMODCACHE 2>/dev/null || true)
  fi
  local src="$modcache/k8s.io/$module@$VERSION"
  if [[ -n $modcache && -d $src ]]; then
    local f
    for f in "$@"; do
      install -D -m 0644 "$src/$f" "$dest/$f"
    done
    return
  fi
  local tmp
  tmp=$(mktemp -d)
  # shellcheck disable=SC2064  # expand now: tmp is local
  trap "rm -rf '$tmp'" RETURN
  local zip="$tmp/$module.zip"
  local cached="$modcache/cache/download/k8s.io/$module/@v/$VERSION.zip"
  if [[ -n $modcache && -f $cached ]]; then
    cp "$cached" "$zip"
  else
    echo "protos.sh: downloading k8s.io/$module@$VERSION from $PROXY" >&2
    curl -fsSL --retry 3 -o "$zip" "$PROXY/k8s.io/$module/@v/$VERSION.zip"
  fi
  local got
  got=$(sha256sum "$zip" | cut -d' ' -f1)
  if [[ $got != "$sum" ]]; then
    echo "protos.sh: k8s.io/$module@$VERSION.zip has sha256 $got, expected $sum" >&2
    exit 1
  fi
  local prefix="k8s.io/$module@$VERSION"
  local members=()
  local f
  for f in "$@"; do members+=("$prefix/$f"); done
  if command -v unzip >/dev/null 2>&1; then
    unzip -q -o "$zip" "${members[@]}" -d "$tmp/x"
  else
    python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2], sys.argv[3:])' \
      "$zip" "$tmp/x" "${members[@]}"
  fi
  for f in "$@"; do
    install -D -m 0644 "$tmp/x/$prefix/$f" "$dest/$f"
  done
}

mkdir -p "$out"
fetch api "$API_SHA256" "${api_files[@]}"
fetch apimachinery "$APIMACHINERY_SHA256" "${apimachinery_files[@]}"
echo "$VERSION" >"$stamp"
