#!/usr/bin/env python3
"""Report of the end-to-end benchmark (hack/bench-e2e.sh): reads each contender's bound.csv
(bench/bind_watcher) and meta.json, prints one Markdown table with the ratios, writes
table.md and results.json beside them and a PNG of bound pods over time (gnuplot).
With --check it fails unless every contender bound every pod (the CI mode)."""
import argparse
import csv
import json
import math
import os
import shutil
import subprocess
import sys

LABELS = {
    "kubemesos": "kubemesos",
    "kube-scheduler": "kube-scheduler (QPS 50/burst 100)",
    "kube-scheduler-lifted": "kube-scheduler (QPS/burst 5000)",
    "null": "null binder",
    "null-watch-all": "null binder watching all pods",
}


def percentile(values, p):
    """Nearest-rank percentile of a list (None when empty)."""
    if not values:
        return None
    s = sorted(values)
    k = max(0, min(len(s) - 1, math.ceil(p / 100 * len(s)) - 1))
    return s[k]


def measure(out, name):
    d = os.path.join(out, name)
    with open(os.path.join(d, "meta.json")) as f:
        meta = json.load(f)
    rows = []
    path = os.path.join(d, "bound.csv")
    if os.path.exists(path):
        with open(path) as f:
            rows = [{k: float(v) for k, v in r.items() if k != "pod"} for r in csv.DictReader(f)]
    t0 = meta["t0"]
    bound = sorted(r["bound"] - t0 for r in rows)
    m = {"name": name, "label": LABELS.get(name, name), "bound": len(bound), **meta}
    if not bound:
        return m, bound
    first, last = bound[0], bound[-1]
    window = last - first
    m["first_bind_s"] = first
    m["all_bound_s"] = last
    m["rate_avg"] = (len(bound) - 1) / window if window > 0 else float("nan")
    # Per-second samples: binds in each whole second from the first bind (the last, partial
    # second left out when there are full ones).
    seconds = int(window)
    counts = [0] * (seconds + 1)
    for b in bound:
        counts[min(seconds, int(b - first))] += 1
    samples = counts[:-1] if seconds >= 1 else counts
    m["rate_p50"] = percentile(samples, 50)
    m["rate_p99"] = percentile(samples, 99)
    # Latency from the moment the pod was waiting for this contender: max(first seen by the
    # watcher, contender start) -> binding seen.
    lat = [r["bound"] - max(r["seen"], t0) for r in rows]
    m["lat_p50"] = percentile(lat, 50)
    m["lat_p99"] = percentile(lat, 99)
    if meta.get("cpu_seconds", -1) >= 0:
        m["cpu_ms_per_pod"] = 1000 * meta["cpu_seconds"] / max(1, len(bound))
    return m, bound


def fmt(v, digits=0):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    return f"{v:,.{digits}f}"


def table(results):
    head = ("| contender | bound | first bind (s) | all bound (s) | pods/s avg | pods/s p50 | "
            "pods/s p99 | latency p50 (s) | latency p99 (s) | CPU (s) | CPU ms/pod | peak RSS (MiB) | "
            "API server CPU (s) | load avg |")
    lines = [head, "|" + "---|" * 14]
    for m in results:
        lines.append("| " + " | ".join([
            m["label"], f"{m['bound']:,}/{m['pods']:,}", fmt(m.get("first_bind_s"), 1),
            fmt(m.get("all_bound_s"), 1), fmt(m.get("rate_avg")), fmt(m.get("rate_p50")),
            fmt(m.get("rate_p99")), fmt(m.get("lat_p50"), 1), fmt(m.get("lat_p99"), 1),
            fmt(m.get("cpu_seconds"), 1), fmt(m.get("cpu_ms_per_pod"), 2),
            fmt(m.get("peak_rss_mib")), fmt(m.get("apiserver_cpu"), 1),
            fmt(m.get("load1"), 1)]) + " |")
    return "\n".join(lines)


def ratios(results):
    by = {m["name"]: m for m in results}
    km = by.get("kubemesos")
    out = []
    if not km or not km.get("rate_avg"):
        return out
    for other in ("kube-scheduler", "kube-scheduler-lifted", "null", "null-watch-all"):
        o = by.get(other)
        if o and o.get("rate_avg"):
            r = km["rate_avg"] / o["rate_avg"]
            t = km["all_bound_s"] / o["all_bound_s"]
            out.append(f"| kubemesos / {o['label']} | {r:.2f}× | {t:.2f}× |")
    if out:
        out = ["| ratio | pods/s avg | time to all bound |", "|---|---|---|"] + out
    return out


def chart(results, bounds, out, path, title):
    gnuplot = shutil.which("gnuplot")
    if not gnuplot:
        print("e2e_report: gnuplot not found (hack/install-deps.sh installs it); no chart",
              file=sys.stderr)
        return False
    plots = []
    for m, b in zip(results, bounds):
        data = os.path.join(out, m["name"], "curve.dat")
        with open(data, "w") as f:
            f.write("0 0\n")
            step = max(1, len(b) // 2000)  # at most ~2,000 points a curve
            for i, t in enumerate(b):
                if i % step == 0 or i == len(b) - 1:
                    f.write(f"{t:.3f} {i + 1}\n")
        plots.append(f"'{data}' using 1:2 with lines lw 2 title '{m['label']}'")
    script = "\n".join([
        "set terminal pngcairo size 900,520 font 'sans,10'",
        f"set output '{path}'",
        f"set title '{title}'",
        "set xlabel 'seconds since the contender started'",
        "set ylabel 'pods bound'",
        "set key right bottom",
        "set grid",
        "set format y '%.0f'",
        "plot " + ", ".join(plots),
    ])
    subprocess.run([gnuplot], input=script, text=True, check=True)
    return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--chart", required=True)
    ap.add_argument("--nodes", type=int, required=True)
    ap.add_argument("--pods", type=int, required=True)
    ap.add_argument("--frameworks", type=int, default=0)
    ap.add_argument("--groups", type=int, default=0)
    ap.add_argument("--concurrency", type=int, default=0)
    ap.add_argument("--arrival", default="backlog")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("contenders", nargs="+")
    a = ap.parse_args()
    results, bounds = [], []
    for name in a.contenders:
        m, b = measure(a.out, name)
        results.append(m)
        bounds.append(b)
    title = (f"{a.pods:,} pods ({a.arrival}), {a.nodes:,} KWOK nodes, {a.frameworks} frameworks "
             f"in {a.groups} groups, bind concurrency {a.concurrency}")
    text = "\n".join([f"### {title}", "", table(results), ""] + ratios(results)) + "\n"
    print(text)
    with open(os.path.join(a.out, "table.md"), "w") as f:
        f.write(text)
    with open(os.path.join(a.out, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    if chart(results, bounds, a.out, a.chart, title):
        print(f"chart: {a.chart}")
    if a.check:
        bad = [m["name"] for m in results if m["bound"] != a.pods or m.get("watcher_rc", 1) != 0]
        if bad:
            print(f"FAIL: not every pod bound by {', '.join(bad)}", file=sys.stderr)
            return 1
        print(f"ok: every contender bound all {a.pods} pods")
    return 0


if __name__ == "__main__":
    sys.exit(main())
