#!/usr/bin/env python3
"""Report of the end-to-end benchmark (hack/bench-e2e.sh): reads each run's bound.csv
(bench/bind_watcher), meta.json and, with --arrival-rate, created.csv (bench/pod_creator's send
times), prints one Markdown table of the runs, the mean per contender and the ratios, writes
table.md and results.json beside them and a PNG of bound pods over time (gnuplot).
Run directories are named CONTENDER or NN-CONTENDER (rounds, A B B A).
With --check it fails unless every run bound every pod (the CI mode)."""
import argparse
import csv
import json
import math
import os
import re
import shutil
import subprocess
import sys

LABELS = {
    "kubemesos": "kubemesos",
    "kubemesos-b": "kubemesos (B build)",
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


def contender_of(run):
    """'03-kubemesos' -> 'kubemesos'."""
    return re.sub(r"^\d+-", "", run)


def read_csv(path):
    """Rows of a CSV keyed by its 'pod' column, the other columns as floats ({} when absent)."""
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return {r["pod"]: {k: float(v) for k, v in r.items() if k != "pod"}
                for r in csv.DictReader(f)}


def measure(out, run):
    d = os.path.join(out, run)
    with open(os.path.join(d, "meta.json")) as f:
        meta = json.load(f)
    by_pod = read_csv(os.path.join(d, "bound.csv"))
    rows = list(by_pod.values())
    t0 = meta["t0"]
    bound = sorted(r["bound"] - t0 for r in rows)
    name = contender_of(run)
    m = {"run": run, "name": name, "label": LABELS.get(name, name), "bound": len(bound), **meta}
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
    created = read_csv(os.path.join(d, "created.csv"))
    if created:
        # create→bound: the creator's send time -> binding seen (one clock, ms resolution).
        lat = [r["bound"] - created[p]["sent"] for p, r in by_pod.items() if p in created]
    else:
        # Latency from the moment the pod was waiting for this contender: max(first seen by the
        # watcher, contender start) -> binding seen.
        lat = [r["bound"] - max(r["seen"], t0) for r in rows]
    m["lat_p50"] = percentile(lat, 50)
    m["lat_p99"] = percentile(lat, 99)
    n = max(1, len(bound))
    if meta.get("cpu_seconds", -1) >= 0:
        m["cpu_ms_per_pod"] = 1000 * meta["cpu_seconds"] / n
    for k in ("apiserver", "etcd"):
        if meta.get(f"{k}_cpu") is not None:
            m[f"{k}_ms_per_pod"] = 1000 * meta[f"{k}_cpu"] / n
    return m, bound


def fmt(v, digits=0):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    return f"{v:,.{digits}f}"


def creation(m):
    """'achieved/s, lag p99 s' of bench/pod_creator (--arrival-rate), else the seconds."""
    c = m.get("creator") or {}
    if c.get("achieved_rate") is not None:
        return f"{c['achieved_rate']:.0f}/s, lag p99 {c['lag_p99']:.2f} s"
    return f"{fmt(m.get('create_seconds'), 1)} s"


def table(results):
    head = ("| run | contender | bound | first bind (s) | all bound (s) | binds/s avg | binds/s p50 | "
            "latency p50 (s) | latency p99 (s) | CPU (s) | CPU ms/pod | peak RSS (MiB) | "
            "API server ms/pod | etcd ms/pod | creation | load avg start→end |")
    lines = [head, "|" + "---|" * 16]
    for m in results:
        lines.append("| " + " | ".join([
            m["run"][:2] if m["run"] != m["name"] else "", m["label"],
            f"{m['bound']:,}/{m['pods']:,}", fmt(m.get("first_bind_s"), 1),
            fmt(m.get("all_bound_s"), 1), fmt(m.get("rate_avg")), fmt(m.get("rate_p50")),
            fmt(m.get("lat_p50"), 2), fmt(m.get("lat_p99"), 2),
            fmt(m.get("cpu_seconds"), 1), fmt(m.get("cpu_ms_per_pod"), 2),
            fmt(m.get("peak_rss_mib")), fmt(m.get("apiserver_ms_per_pod"), 2),
            fmt(m.get("etcd_ms_per_pod"), 2), creation(m),
            f"{fmt(m.get('load1_start'), 1)}→{fmt(m.get('load1'), 1)}"]) + " |")
    return "\n".join(lines)


METRICS = [("rate_avg", "binds/s avg", 0), ("lat_p50", "latency p50 (s)", 2),
           ("lat_p99", "latency p99 (s)", 2), ("cpu_ms_per_pod", "CPU ms/pod", 2),
           ("apiserver_ms_per_pod", "API server ms/pod", 2), ("etcd_ms_per_pod", "etcd ms/pod", 2),
           ("peak_rss_mib", "peak RSS (MiB)", 0), ("threads", "threads at the end", 0)]


def mean(values):
    values = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    return sum(values) / len(values) if values else None


def summary(results):
    """Mean over each contender's runs, and kubemesos / other for each metric."""
    names = list(dict.fromkeys(m["name"] for m in results))
    means = {n: {k: mean([m.get(k) for m in results if m["name"] == n]) for k, _, _ in METRICS}
             for n in names}
    runs = {n: sum(1 for m in results if m["name"] == n) for n in names}
    lines = ["| contender (mean of runs) | runs | " + " | ".join(t for _, t, _ in METRICS) + " |",
             "|" + "---|" * (len(METRICS) + 2)]
    for n in names:
        lines.append(f"| {LABELS.get(n, n)} | {runs[n]} | " +
                     " | ".join(fmt(means[n][k], d) for k, _, d in METRICS) + " |")
    km = means.get("kubemesos")
    if km:
        for n in names:
            if n == "kubemesos":
                continue
            cells = []
            for k, _, _ in METRICS:
                a, b = km[k], means[n][k]
                cells.append(f"{a / b:.2f}×" if a is not None and b else "—")
            lines.append(f"| kubemesos / {LABELS.get(n, n)} | | " + " | ".join(cells) + " |")
    return lines


def chart(results, bounds, out, path, title):
    gnuplot = shutil.which("gnuplot")
    if not gnuplot:
        print("e2e_report: gnuplot not found (hack/install-deps.sh installs it); no chart",
              file=sys.stderr)
        return False
    plots = []
    for m, b in zip(results, bounds):
        data = os.path.join(out, m["run"], "curve.dat")
        with open(data, "w") as f:
            f.write("0 0\n")
            step = max(1, len(b) // 2000)  # at most ~2,000 points a curve
            for i, t in enumerate(b):
                if i % step == 0 or i == len(b) - 1:
                    f.write(f"{t:.3f} {i + 1}\n")
        key = m["label"] + (f" ({m['run'][:2]})" if m["run"] != m["name"] else "")
        plots.append(f"'{data}' using 1:2 with lines lw 2 title '{key}'")
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
    ap.add_argument("--arrival-rate", type=float, default=0)
    ap.add_argument("--check", action="store_true")
    ap.add_argument("contenders", nargs="+")
    a = ap.parse_args()
    results, bounds = [], []
    for name in a.contenders:
        m, b = measure(a.out, name)
        results.append(m)
        bounds.append(b)
    arrival = f"arriving at {a.arrival_rate:g}/s" if a.arrival == "rate" else a.arrival
    title = (f"{a.pods:,} pods ({arrival}), {a.nodes:,} KWOK nodes, {a.frameworks} frameworks "
             f"in {a.groups} groups, bind concurrency {a.concurrency}")
    text = "\n".join([f"### {title}", "", table(results), ""] + summary(results)) + "\n"
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
