#!/usr/bin/env bash
# Runs a command (e.g. a GoogleTest integration binary) against the shared test
# cluster in a namespace of its own: creates the namespace, exports
# KUBEMESOS_TEST_NAMESPACE, KUBEMESOS_TEST_KUBECONFIG and KUBECONFIG, runs the
# command, deletes the namespace whatever the outcome, exits with its status.
# Usage: with_namespace.sh PREFIX COMMAND [ARGS...]
set -euo pipefail
# shellcheck source=tests/integration/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
(($# >= 2)) || km::die "usage: with_namespace.sh PREFIX COMMAND [ARGS...]"
prefix="$1"; shift
km_test_locate_cluster
KUBEMESOS_TEST_NAMESPACE="$(km_test_namespace "${prefix}")"
km_test_own_namespace "${KUBEMESOS_TEST_NAMESPACE}"
export KUBEMESOS_TEST_NAMESPACE KUBEMESOS_ETCD_ENDPOINT KUBEMESOS_APISERVER KUBEMESOS_CA_FILE
trap km_test_cleanup EXIT
rc=0
"$@" || rc=$?
exit "${rc}"
