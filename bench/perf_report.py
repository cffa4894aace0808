#!/usr/bin/env python3
"""Report of hack/bench-perf.sh (scheduler_perf workloads through kubemesos and kube-scheduler).

perf_report.py OUT: reads each run directory OUT/<i>-<contender>/ (meta.json, bound.csv from
bench/bind_watcher, metrics.after scraped from kubemesos at the end of the measured phase, and
metrics.before when present: absent, the process' whole histogram is the measured phase), prints one Markdown
table (a row per run, in run order, then the mean rate per contender and the ratio) and writes
table.md and results.json into OUT.

perf_report.py --check WORKLOAD DIR: checks the objects of a --create-only run (DIR/nodes.json,
DIR/init.json, DIR/pods.json): every measured pod bound, the node zones and the workload's
constraint held (anti-affinity: one green pod per node; affinity: all in zone-a; spread: zone
skew of the measured pods at most 5; node affinity: zone-a or zone-b). Exit 1 on a failure."""

import json
import math
import os
import re
import sys
from collections import Counter

CYCLE = "kubemesos_allocation_cycle_seconds"
ZONE = "topology.kubernetes.io/zone"


def histogram(path):
    """(buckets {le: cumulative count}, sum, count) of the cycle histogram in a scrape."""
    buckets, total, count = {}, 0.0, 0.0
    if not os.path.exists(path):
        return None
    with open(path) as f:
        for line in f:
            if line.startswith(CYCLE + "_bucket"):
                le = re.search(r'le="([^"]+)"', line).group(1)
                buckets[math.inf if le == "+Inf" else float(le)] = float(line.split()[-1])
            elif line.startswith(CYCLE + "_sum"):
                total = float(line.split()[-1])
            elif line.startswith(CYCLE + "_count"):
                count = float(line.split()[-1])
    return buckets, total, count


def quantile(q, buckets):
    """Prometheus' histogram_quantile: linear interpolation inside the bucket."""
    bounds = sorted(buckets)
    if not bounds or buckets[bounds[-1]] == 0:
        return None
    rank = q * buckets[bounds[-1]]
    prev_bound, prev_count = 0.0, 0.0
    for b in bounds:
        if buckets[b] >= rank:
            if b == math.inf:
                return prev_bound
            return prev_bound + (b - prev_bound) * (rank - prev_count) / max(buckets[b] - prev_count, 1e-12)
        prev_bound, prev_count = b, buckets[b]
    return None


def cycle_stats(d):
    before, after = histogram(os.path.join(d, "metrics.before")), histogram(os.path.join(d, "metrics.after"))
    if not after:
        return None
    if not before:
        before = ({}, 0.0, 0.0)
    delta = {b: after[0][b] - before[0].get(b, 0.0) for b in after[0]}
    count = after[2] - before[2]
    if count <= 0:
        return None
    # The longest cycle lies below the smallest bound whose bucket holds every cycle.
    top = min((b for b in delta if delta[b] >= count), default=math.inf)
    return {"cycles": int(count), "mean_ms": 1000 * (after[1] - before[1]) / count,
            "p99_ms": 1000 * (quantile(0.99, delta) or 0), "max_le_ms": 1000 * top}


def measure(d):
    with open(os.path.join(d, "meta.json")) as f:
        meta = json.load(f)
    bound = []
    with open(os.path.join(d, "bound.csv")) as f:
        next(f, None)
        for line in f:
            parts = line.strip().split(",")
            if len(parts) >= 4 and parts[3]:
                bound.append(float(parts[3]))
    bound.sort()
    r = dict(meta)
    r["bound"] = len(bound)
    if len(bound) >= 2 and bound[-1] > bound[0]:
        r["pods_per_second"] = (len(bound) - 1) / (bound[-1] - bound[0])
    if bound:
        r["pods_per_second_from_start"] = len(bound) / max(bound[-1] - meta["t0"], 1e-6)
    r["cycle"] = cycle_stats(d)
    return r


def fmt(v, spec="{:.1f}"):
    return "-" if v is None else spec.format(v)


def report(out):
    runs = sorted((e for e in os.listdir(out) if re.match(r"^\d+-", e)), key=lambda e: int(e.split("-")[0]))
    rows = [measure(os.path.join(out, e)) for e in runs]
    if not rows:
        sys.exit("no runs in " + out)
    m = rows[0]
    lines = [f"{m['workload']}: {m['nodes']} nodes, {m['init_pods']} init pods, {m['pods']} measured pods, "
             f"{m['cores']} cores", "",
             "| run | contender | bound | pods/s (first..last bind) | pods/s (from start) | CPU s | load1 start/end | cycles | cycle mean ms | cycle p99 ms | longest cycle ms ≤ |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for i, r in enumerate(rows, 1):
        c = r.get("cycle") or {}
        lines.append(f"| {i} | {r['contender']} | {r['bound']}/{r['pods']} | {fmt(r.get('pods_per_second'))} | "
                     f"{fmt(r.get('pods_per_second_from_start'))} | {fmt(r['cpu_seconds'])} | "
                     f"{r['load1_start']}/{r['load1_end']} | {c.get('cycles', '-')} | "
                     f"{fmt(c.get('mean_ms'), '{:.2f}')} | {fmt(c.get('p99_ms'), '{:.2f}')} | "
                     f"{fmt(c.get('max_le_ms'), '{:g}')} |")
    means = {}
    for r in rows:
        if r.get("pods_per_second") and r["bound"] == r["pods"]:
            means.setdefault(r["contender"], []).append(r["pods_per_second"])
    lines.append("")
    for c, v in means.items():
        lines.append(f"- {c}: mean {sum(v) / len(v):.1f} pods/s over {len(v)} complete run(s)")
    if "kubemesos" in means and "kube-scheduler" in means:
        k = sum(means["kubemesos"]) / len(means["kubemesos"])
        s = sum(means["kube-scheduler"]) / len(means["kube-scheduler"])
        lines.append(f"- kubemesos / kube-scheduler: {k / s:.2f}x")
    text = "\n".join(lines)
    print(text)
    with open(os.path.join(out, "table.md"), "w") as f:
        f.write(text + "\n")
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(rows, f, indent=1)


def check(workload, d):
    nodes = {n["metadata"]["name"]: n["metadata"].get("labels", {}) for n in json.load(open(os.path.join(d, "nodes.json")))["items"]}
    init = json.load(open(os.path.join(d, "init.json")))["items"]
    pods = json.load(open(os.path.join(d, "pods.json")))["items"]
    problems = []
    zones = Counter(l.get(ZONE) for l in nodes.values())
    want_zones = {"TopologySpreading": 3}.get(workload, 1)
    if len(zones) != want_zones:
        problems.append(f"nodes are in {len(zones)} zones, want {want_zones}")
    unbound = [p["metadata"]["name"] for p in pods if not p["spec"].get("nodeName")]
    if unbound:
        problems.append(f"{len(unbound)} measured pods not bound, e.g. {unbound[:3]}")
    spec = pods[0]["spec"] if pods else {}
    zone_of = lambda p: nodes.get(p["spec"].get("nodeName"), {}).get(ZONE)
    if workload == "SchedulingPodAntiAffinity":
        terms = spec.get("affinity", {}).get("podAntiAffinity", {}).get("requiredDuringSchedulingIgnoredDuringExecution")
        if not terms:
            problems.append("the measured pods have no required anti-affinity")
        per_node = Counter(p["spec"].get("nodeName") for p in init + pods if p["spec"].get("nodeName"))
        if per_node and max(per_node.values()) > 1:
            problems.append("two green pods share a node")
    elif workload == "SchedulingPodAffinity":
        if not spec.get("affinity", {}).get("podAffinity"):
            problems.append("the measured pods have no pod affinity")
        if {zone_of(p) for p in init + pods if p["spec"].get("nodeName")} - {"zone-a"}:
            problems.append("a pod outside zone-a")
    elif workload == "TopologySpreading":
        if not spec.get("topologySpreadConstraints"):
            problems.append("the measured pods have no spread constraint")
        per_zone = Counter(zone_of(p) for p in pods if p["spec"].get("nodeName"))
        counts = [per_zone.get(z, 0) for z in zones]
        if counts and max(counts) - min(counts) > 5:
            problems.append(f"zone skew {max(counts) - min(counts)} > 5: {dict(per_zone)}")
    elif workload == "SchedulingNodeAffinity":
        if not spec.get("affinity", {}).get("nodeAffinity"):
            problems.append("the measured pods have no node affinity")
        if {zone_of(p) for p in init + pods if p["spec"].get("nodeName")} - {"zone-a", "zone-b"}:
            problems.append("a pod outside zone-a/zone-b")
    print(f"{workload}: {len(nodes)} nodes in zones {dict(zones)}, {len(init)} init pods, {len(pods)} measured pods, "
          f"{len(pods) - len(unbound)} bound")
    for p in problems:
        print("problem: " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--check":
        sys.exit(check(sys.argv[2], sys.argv[3]))
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    report(sys.argv[1])
