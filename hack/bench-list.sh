#!/usr/bin/env bash
# Start-up cost of listing every pod (issue #17): kubemesos' Informer against a running local
# cluster (hack/cluster.sh up), in JSON and in protobuf, by LIST pages and by a watch-list
# stream, ROUNDS times each in turn. Prints one line per run: wall seconds until synced, the
# informer's own CPU, and the kube-apiserver's CPU for it (from /proc/<pid>/stat).
#
# Usage: hack/bench-list.sh [--name CLUSTER] [--build-dir DIR] [--rounds N] [--path P]
# Create the pods first, e.g. with km::objects::post (see hack/bench-e2e.sh); keep the
# cluster otherwise idle while it runs.
set -euo pipefail
HACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NAME=kubemesos BUILD_DIR="${HACK_DIR}/../build" ROUNDS=2 LIST_PATH=/api/v1/pods
while (($#)); do
  case "$1" in
    --name) NAME="$2"; shift ;;
    --build-dir) BUILD_DIR="$2"; shift ;;
    --rounds) ROUNDS="$2"; shift ;;
    --path) LIST_PATH="$2"; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
eval "$("${HACK_DIR}/cluster.sh" env --name "${NAME}")"
pid="$(cat "${KUBEMESOS_CLUSTER_DIR}/pids/kube-apiserver.pid")"
tick="$(getconf CLK_TCK)"
cpu() { awk '{ print $14 + $15 }' "/proc/${pid}/stat"; }  # utime + stime, in ticks

printf '%-11s %-9s %8s %8s %13s %16s\n' mode encoding objects seconds informer_cpu_s apiserver_cpu_s
for ((round = 0; round < ROUNDS; round++)); do
  for mode in list watch-list; do
    for encoding in json protobuf; do
      flags=(--kubeconfig "${KUBECONFIG}" --encoding "${encoding}" --path "${LIST_PATH}")
      [[ "${mode}" == watch-list ]] && flags+=(--watch-list)
      before="$(cpu)"
      out="$("${BUILD_DIR}/bench/list_bench" "${flags[@]}")"
      after="$(cpu)"
      jq -r --argjson api "$(awk -v a="${before}" -v b="${after}" -v t="${tick}" 'BEGIN { print (b - a) / t }')" \
        '[.mode, .encoding, .objects, (.seconds * 100 | round / 100), (.cpu_seconds * 100 | round / 100), $api] |
         "\(.[0])\t\(.[1])\t\(.[2])\t\(.[3])\t\(.[4])\t\(.[5])"' <<<"${out}" |
        awk -F'\t' '{ printf "%-11s %-9s %8s %8s %13s %16s\n", $1, $2, $3, $4, $5, $6 }'
    done
  done
done
