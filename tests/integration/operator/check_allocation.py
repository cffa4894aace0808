#!/usr/bin/env python3
"""Checks a cluster after kubemesos scheduled a workload, from `kubectl get -o json` dumps:
  check_allocation.py NODES_JSON PODS_JSON NAMESPACE [EXPECTED_SIMULATE_JSON]
  check_allocation.py --overcommit-only NODES_JSON PODS_JSON
- no node that kubemesos bound a pod to is over-committed by the requests of the non-terminal
  pods on it (of any scheduler), summed exactly. A node over-committed only by pods another
  scheduler (or spec.nodeName) put there is not kubemesos' doing, and other tests leave such
  nodes behind (overflow_test.sh does it on purpose);
- every pending kubemesos pod of NAMESPACE carries PodScheduled=False with a reason;
- with EXPECTED: the bound pods per framework of NAMESPACE equal what `kubemesos simulate`
  placed on a snapshot of the same cluster (the engine's DRF answer).
Prints what it checked; exits 1 on the first class of failure found."""
import json
import re
import sys
from collections import Counter, defaultdict
from fractions import Fraction

SUFFIX = {"": 1, "n": Fraction(1, 10**9), "u": Fraction(1, 10**6), "m": Fraction(1, 1000),
          "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18,
          "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}


def qty(text):
    """A Kubernetes quantity, exactly (the API server writes 5000000000000000 back as 5P)."""
    m = re.fullmatch(r"([+-]?[0-9.]+)(?:[eE]([-+]?[0-9]+))?([A-Za-z]*)", str(text))
    if not m or m.group(3) not in SUFFIX:
        raise ValueError(f"unparsable quantity {text!r}")
    return Fraction(m.group(1)) * Fraction(10) ** int(m.group(2) or 0) * SUFFIX[m.group(3)]


def pod_request(pod):
    req = defaultdict(Fraction)
    for c in pod["spec"].get("containers", []):
        for r, v in c.get("resources", {}).get("requests", {}).items():
            req[r] += qty(v)
    req["pods"] += 1
    return req


def overcommitted(nodes, pods):
    """Failures for the nodes kubemesos bound a pod to whose requests exceed allocatable."""
    ours = {p["spec"].get("nodeName") for p in pods if p["spec"].get("schedulerName") == "kubemesos"}
    used = defaultdict(lambda: defaultdict(Fraction))
    for p in pods:
        node = p["spec"].get("nodeName")
        if node in ours and p.get("status", {}).get("phase") not in ("Succeeded", "Failed"):
            for r, v in pod_request(p).items():
                used[node][r] += v
    failures = []
    checked = 0
    for n in nodes:
        name = n["metadata"]["name"]
        if name not in ours:
            continue
        checked += 1
        alloc = n["status"].get("allocatable", {})
        for r, v in used[name].items():
            if r in alloc and v > qty(alloc[r]):
                failures.append(f"node {name} over-committed in {r}: {float(v):g} > {alloc[r]}")
    print(f"checked {checked} nodes kubemesos bound pods to (of {len(nodes)}) for over-commitment")
    return failures


def main():
    if sys.argv[1] == "--overcommit-only":
        failures = overcommitted(json.load(open(sys.argv[2]))["items"], json.load(open(sys.argv[3]))["items"])
        for f in failures:
            print("FAIL:", f)
        sys.exit(1 if failures else 0)
    nodes = json.load(open(sys.argv[1]))["items"]
    pods = json.load(open(sys.argv[2]))["items"]
    ns = sys.argv[3]
    expected = json.load(open(sys.argv[4])) if len(sys.argv) > 4 else None
    failures = overcommitted(nodes, pods)

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
