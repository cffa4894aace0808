#!/usr/bin/env python3
"""Prints bound pods, allocation and dominant share per framework and per group, computed from
`kubectl get nodes -o json` and `kubectl get pods -A -o json` (the demo's summary)."""
import json
import re
import sys
from collections import defaultdict

UNITS = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "": 1}


def quantity(text):
    m = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", str(text))
    return float(m.group(1)) * UNITS.get(m.group(2), 1)


def main(nodes_file, pods_file):
    nodes = json.load(open(nodes_file))["items"]
    pods = json.load(open(pods_file))["items"]
    total = {"cpu": 0.0, "memory": 0.0}
    for n in nodes:
        for r in total:
            total[r] += quantity(n["status"]["allocatable"].get(r, "0"))
    groups = {"analytics": ["analytics/spark-etl", "analytics/flink-stream"], "ml": ["ml/trainer"]}
    used = defaultdict(lambda: {"cpu": 0.0, "memory": 0.0, "bound": 0, "pending": 0})
    for p in pods:
        fw = p["metadata"].get("labels", {}).get("kubemesos.io/framework")
        if not fw or p["spec"].get("schedulerName") != "kubemesos":
            continue
        key = p["metadata"]["namespace"] + "/" + fw
        if not p["spec"].get("nodeName"):
            used[key]["pending"] += 1
            continue
        used[key]["bound"] += 1
        for c in p["spec"]["containers"]:
            req = c.get("resources", {}).get("requests", {})
            for r in ("cpu", "memory"):
                used[key][r] += quantity(req.get(r, "0"))

    def share(u):
        return max(u["cpu"] / total["cpu"], u["memory"] / total["memory"])

    print(f"cluster: {len(nodes)} nodes, {total['cpu']:.0f} cpu, {total['memory'] / 2**30:.0f} GiB")
    print(f"{'framework':<26}{'bound':>7}{'pending':>9}{'cpu':>8}{'memory GiB':>12}{'share':>8}")
    for key in sorted(used):
        u = used[key]
        print(f"{key:<26}{u['bound']:>7}{u['pending']:>9}{u['cpu']:>8.1f}{u['memory'] / 2**30:>12.1f}{share(u):>8.3f}")
    print(f"{'group':<26}{'bound':>7}{'pending':>9}{'cpu':>8}{'memory GiB':>12}{'share':>8}")
    for g, fws in groups.items():
        u = {"cpu": 0.0, "memory": 0.0, "bound": 0, "pending": 0}
        for f in fws:
            for k in u:
                u[k] += used[f][k]
        print(f"{g:<26}{u['bound']:>7}{u['pending']:>9}{u['cpu']:>8.1f}{u['memory'] / 2**30:>12.1f}{share(u):>8.3f}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
