#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs packages, builds everything with Ninja,
# runs the unit tests, each fuzz harness for a few seconds (hack/fuzz.sh: clang, its own build
# dir build-fuzz; the committed corpus and every saved crash reproducer run first), then the
# integration tests against a real local control plane (etcd, kube-apiserver,
# kube-controller-manager, KWOK) that the CTest fixture starts and always stops.
#
#   hack/test.sh            # everything
#   hack/test.sh --unit     # unit tests and fuzzing only (no Go tools, no control plane)
#   FUZZ_SECONDS=0 hack/test.sh --unit                 # skip the fuzzing (default 8 s each)
#   BUILD_DIR=build-asan CMAKE_ARGS=-DKUBEMESOS_SANITIZE=ON hack/test.sh --unit
set -euo pipefail
cd "$(dirname "$0")/.."

unit_only=0
for arg in "$@"; do
  case "$arg" in
    --unit) unit_only=1 ;;
    -h | --help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "test.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

build_dir=${BUILD_DIR:-build}
hack/install-deps.sh

integration=ON
((unit_only)) && integration=OFF
# shellcheck disable=SC2086
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DKUBEMESOS_INTEGRATION=$integration ${CMAKE_ARGS:-} >/dev/null
cmake --build "$build_dir"

echo "== unit tests"
ctest --test-dir "$build_dir" -LE integration --output-on-failure -j2 --timeout 600

if [[ ${FUZZ_SECONDS:-8} != 0 ]]; then
  echo "== fuzzing: each harness ${FUZZ_SECONDS:-8}s from the committed corpus (hack/fuzz.sh)"
  CMAKE_ARGS= hack/fuzz.sh --seconds "${FUZZ_SECONDS:-8}"
fi

if ((unit_only)); then
  exit 0
fi
echo "== integration tests (real etcd, kube-apiserver, KWOK)"
ctest --test-dir "$build_dir" -L integration --output-on-failure --timeout 5400
