#!/usr/bin/env python3
"""The eviction counter of hack/bench-reclaim.sh: watches the pods of one namespace and appends a
line per pod that starts terminating or is deleted, with the local wall clock (epoch seconds, ms),
so the script can count evictions per phase by time, independently of the scheduler's own metrics.

pod_deletions.py --server URL --pki DIR --namespace NS --out FILE [--ready-file F]

Lines of FILE: "<epoch>\\tTERMINATING|DELETED\\t<pod name>", flushed at once. Starts from the
current resourceVersion (existing pods are not listed), re-watches from the last version seen
when the server ends a watch, and after a 410 Gone starts again from a fresh list's version (then
it says so on stderr: events in between may be missed). Runs until SIGTERM."""

import argparse
import json
import signal
import ssl
import sys
import time
import urllib.request


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--server", required=True)
    p.add_argument("--pki", required=True, help="directory with ca.crt, admin.crt, admin.key")
    p.add_argument("--namespace", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--ready-file")
    a = p.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    ctx = ssl.create_default_context(cafile=f"{a.pki}/ca.crt")
    ctx.load_cert_chain(f"{a.pki}/admin.crt", f"{a.pki}/admin.key")
    base = f"{a.server}/api/v1/namespaces/{a.namespace}/pods"

    def current_version():
        with urllib.request.urlopen(f"{base}?limit=1", context=ctx, timeout=60) as r:
            return json.load(r)["metadata"]["resourceVersion"]

    version = current_version()
    terminating = set()
    with open(a.out, "a", buffering=1) as out:
        if a.ready_file:
            with open(a.ready_file, "w") as f:
                f.write("watching\n")
        while True:
            url = f"{base}?watch=1&resourceVersion={version}&timeoutSeconds=600"
            try:
                with urllib.request.urlopen(url, context=ctx, timeout=700) as stream:
                    for line in stream:
                        event = json.loads(line)
                        obj = event.get("object", {})
                        if event.get("type") == "ERROR":
                            if obj.get("code") == 410:
                                print("pod_deletions: 410 Gone, watching from a fresh list",
                                      file=sys.stderr)
                                version = current_version()
                            break
                        meta = obj.get("metadata", {})
                        version = meta.get("resourceVersion", version)
                        name = meta.get("name", "")
                        now = f"{time.time():.3f}"
                        if event.get("type") == "DELETED":
                            if name not in terminating:
                                out.write(f"{now}\tTERMINATING\t{name}\n")
                            terminating.discard(name)
                            out.write(f"{now}\tDELETED\t{name}\n")
                        elif meta.get("deletionTimestamp") and name not in terminating:
                            terminating.add(name)
                            out.write(f"{now}\tTERMINATING\t{name}\n")
            except (OSError, ValueError) as e:  # a broken stream: watch again shortly
                print(f"pod_deletions: {e}", file=sys.stderr)
                time.sleep(1)


if __name__ == "__main__":
    main()
