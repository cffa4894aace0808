#!/usr/bin/env python3
"""Checks a cluster after kubemesos scheduled a workload, from `kubectl get -o json` dumps:
  check_allocation.py NODES_JSON PODS_JSON NAMESPACE [EXPECTED_SIMULATE_JSON]
- no node is over-committed by the requests of the non-terminal pods bound to it (any scheduler);
- every pending kubemesos pod of NAMESPACE carries PodScheduled=False with a reason;
- with EXPECTED: the bound pods per framework of NAMESPACE equal what `kubemesos simulate`
  placed on a snapshot of the same cluster (the engine's DRF answer).
Prints what it checked; exits 1 on the first class of failure found."""
import json
import re
import sys
from collections import Counter, defaultdict

SUFFIX = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "": 1}


def qty(text):
    m = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", str(text))
    if not m:
        raise ValueError(f"unparsable quantity {text!r}")
    return float(m.group(1)) * SUFFIX[m.group(2)]


def pod_request(pod):
    req = defaultdict(float)
    for c in pod["spec"].get("containers", []):
        for r, v in c.get("resources", {}).get("requests", {}).items():
            req[r] += qty(v)
    req["pods"] += 1
    return req


def main():
    nodes = json.load(open(sys.argv[1]))["items"]
    pods = json.load(open(sys.argv[2]))["items"]
    ns = sys.argv[3]
    expected = json.load(open(sys.argv[4])) if len(sys.argv) > 4 else None
    failures = []

    used = defaultdict(lambda: defaultdict(float))
    for p in pods:
        node = p["spec"].get("nodeName")
        if node and p.get("status", {}).get("phase") not in ("Succeeded", "Failed"):
            for r, v in pod_request(p).items():
                used[node][r] += v
    for n in nodes:
        name = n["metadata"]["name"]
        alloc = n["status"].get("allocatable", {})
        for r, v in used[name].items():
            if r in alloc and v > qty(alloc[r]) + 1e-9:
                failures.append(f"node {name} over-committed in {r}: {v} > {alloc[r]}")
    print(f"checked {len(nodes)} nodes for over-commitment")

    bound = Counter()
    unexplained = []
    for p in pods:
        if p["metadata"]["namespace"] != ns or p["spec"].get("schedulerName") != "kubemesos":
            continue
        fw = p["metadata"].get("labels", {}).get("kubemesos.io/framework", "")
        if p["spec"].get("nodeName"):
            bound[fw] += 1
            continue
        conds = [c for c in p.get("status", {}).get("conditions", []) if c.get("type") == "PodScheduled"]
        if not conds or conds[0].get("status") != "False" or not conds[0].get("reason"):
            unexplained.append(p["metadata"]["name"])
    if unexplained:
        failures.append(f"{len(unexplained)} pending pods without PodScheduled=False: {unexplained[:5]}")
    print(f"bound per framework: {dict(sorted(bound.items()))}")

    if expected is not None:
        want = {k.split("/", 1)[1]: v["placed"] for k, v in expected["frameworks"].items() if k.startswith(ns + "/")}
        got = {fw: bound.get(fw, 0) for fw in want}
        print(f"simulate placed:     {dict(sorted(want.items()))}")
        if got != want:
            failures.append(f"bound {got} != simulate {want}")
    for f in failures:
        print("FAIL:", f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
