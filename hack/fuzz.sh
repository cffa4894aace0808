#!/usr/bin/env bash
# Builds the libFuzzer harnesses (tests/fuzz, clang, in build-fuzz) and runs them.
#
#   hack/fuzz.sh [--seconds N] [harness...]    fuzz each harness N seconds (default 60)
#   hack/fuzz.sh --replay [harness...]         run the committed corpus and regressions once
#   hack/fuzz.sh --minimize HARNESS CRASH      minimise CRASH into tests/fuzz/HARNESS/regressions
#   hack/fuzz.sh --list                        the harness names
#
# Fuzzing starts from tests/fuzz/<h>/corpus and tests/fuzz/<h>/regressions (both committed,
# read only); new inputs go to build-fuzz/out/<h>/corpus (ignored, kept between runs), crashes
# to build-fuzz/out/<h>/crashes/. A harness stops at its first crash; the script goes on with
# the others, prints the reproducer paths and exits 1 if any harness crashed. Reproduce one
# with `build-fuzz/fuzz/fuzz_<h> CRASH`. One fuzzer at a time, niced.
# Environment: FUZZ_BUILD_DIR (build-fuzz), CMAKE_ARGS (extra configure flags), FUZZ_ARGS
# (extra libFuzzer flags), FUZZ_RSS_MB (2048), FUZZ_TIMEOUT (seconds per input, 25).
set -euo pipefail
cd "$(dirname "$0")/.."

mode=fuzz
seconds=60
harnesses=()
minimize_crash=
while (($#)); do
  case "$1" in
    --seconds) seconds=$2; shift ;;
    --seconds=*) seconds=${1#*=} ;;
    --replay) mode=replay ;;
    --minimize) mode=minimize; harnesses=("$2"); minimize_crash=$3; shift 2 ;;
    --list) mode=list ;;
    -h | --help) sed -n '2,16p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) harnesses+=("$1") ;;
  esac
  shift
done

all=()
for f in tests/fuzz/*_fuzz.cpp; do
  f=${f##*/}
  all+=("${f%_fuzz.cpp}")
done
if [[ $mode == list ]]; then
  printf '%s\n' "${all[@]}"
  exit 0
fi
((${#harnesses[@]})) || harnesses=("${all[@]}")
for h in "${harnesses[@]}"; do
  [[ -f tests/fuzz/${h}_fuzz.cpp ]] || { echo "fuzz.sh: no harness $h (--list)" >&2; exit 2; }
done

build=${FUZZ_BUILD_DIR:-build-fuzz}
if ! command -v clang++ >/dev/null 2>&1; then
  echo "fuzz.sh: clang++ not found (hack/install-deps.sh installs clang and libclang-rt-14-dev)" >&2
  exit 2
fi
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# shellcheck disable=SC2086
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DKUBEMESOS_FUZZ=ON -DKUBEMESOS_TESTS=OFF -DKUBEMESOS_BENCH=OFF "${launcher[@]}" \
  ${CMAKE_ARGS:-} >/dev/null
targets=()
for h in "${harnesses[@]}"; do targets+=("fuzz_$h"); done
nice cmake --build "$build" --target "${targets[@]}"

# libFuzzer flags every mode shares. The scratch files of the harnesses go to a folder removed
# on exit.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export TMPDIR=$scratch
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
common=(-rss_limit_mb="${FUZZ_RSS_MB:-2048}" -timeout="${FUZZ_TIMEOUT:-25}")
# shellcheck disable=SC2206
extra=(${FUZZ_ARGS:-})

report() {  # what went wrong, from a libFuzzer log: the error and the first frames of ours
  grep -m3 'runtime error\|what()\|ERROR: \|FUZZ_CHECK failed' "$1" >&2 || tail -25 "$1" >&2
  grep -m4 ' in kubemesos' "$1" | sed 's/ (.*) / /' >&2 || true
}
inputs_of() {  # the committed inputs of harness $1, one path a line
  find "tests/fuzz/$1/corpus" "tests/fuzz/$1/regressions" -type f 2>/dev/null | sort
}
dict_of() {  # -dict=... when the harness has a dictionary
  [[ -f tests/fuzz/$1/dict ]] && echo "-dict=tests/fuzz/$1/dict"
  return 0
}

if [[ $mode == minimize ]]; then
  h=${harnesses[0]}
  mkdir -p "tests/fuzz/$h/regressions"
  out="tests/fuzz/$h/regressions/$(sha1sum "$minimize_crash" | cut -c1-12)"
  "$build/fuzz/fuzz_$h" "${common[@]}" -minimize_crash=1 -max_total_time="$seconds" \
    -exact_artifact_path="$out" "$minimize_crash" 2>&1 | tail -5 || true
  [[ -s $out ]] || cp "$minimize_crash" "$out"
  echo "fuzz.sh: reproducer saved as $out"
  exit 0
fi

failed=()
printf '%-18s %12s %10s %8s  %s\n' harness execs exec/s new result >"$scratch/summary"
for h in "${harnesses[@]}"; do
  bin="$build/fuzz/fuzz_$h"
  log="$build/out/$h/last.log"
  mkdir -p "$build/out/$h/corpus" "$build/out/$h/crashes"
  if [[ $mode == replay ]]; then
    mapfile -t files < <(inputs_of "$h")
    ((${#files[@]})) || { echo "== $h: no committed inputs"; continue; }
    echo "== $h: replaying ${#files[@]} committed inputs"
    if "$bin" "${common[@]}" "${extra[@]}" "${files[@]}" >"$log" 2>&1; then
      result=ok
    else
      culprit=$(grep -o 'Running: .*' "$log" | tail -1 | cut -d' ' -f2-)
      report "$log"
      result="CRASH on ${culprit:-?} (log $log)"
      failed+=("$h")
    fi
    printf '%-18s %12s %10s %8s  %s\n' "$h" "${#files[@]}" - - "$result" >>"$scratch/summary"
    continue
  fi
  echo "== $h: fuzzing ${seconds}s"
  dirs=("$build/out/$h/corpus")
  for d in corpus regressions; do [[ -d tests/fuzz/$h/$d ]] && dirs+=("tests/fuzz/$h/$d"); done
  # shellcheck disable=SC2046
  if nice -n 10 "$bin" "${common[@]}" -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="$build/out/$h/crashes/" $(dict_of "$h") "${extra[@]}" "${dirs[@]}" \
    >"$log" 2>&1; then
    result=ok
  else
    crash=$(grep -o 'Test unit written to .*' "$log" | tail -1 | cut -d' ' -f5-)
    report "$log"
    result="CRASH: ${crash:-see $log}"
    failed+=("$h")
  fi
  stat() { grep -o "stat::$1: *[0-9]*" "$log" | awk '{print $2}' | tail -1; }
  printf '%-18s %12s %10s %8s  %s\n' "$h" "$(stat number_of_executed_units)" \
    "$(stat average_exec_per_sec)" "$(stat new_units_added)" "$result" >>"$scratch/summary"
done

echo
cat "$scratch/summary"
if ((${#failed[@]})); then
  echo
  echo "fuzz.sh: ${#failed[@]} harness(es) crashed: ${failed[*]}. Reproduce with" \
    "$build/fuzz/fuzz_<harness> <file>; keep a fixed one with" \
    "hack/fuzz.sh --minimize <harness> <file> (commits it to tests/fuzz/<harness>/regressions)." >&2
  exit 1
fi
