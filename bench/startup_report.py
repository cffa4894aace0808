#!/usr/bin/env python3
"""Report of the start-up benchmark (hack/bench-startup.sh): reads each run's meta.json,
bound.csv (bench/bind_watcher), log and metrics.after, prints one Markdown table of the runs
and the mean per contender, and writes table.md and results.json beside them.

Per run: seconds from the contender's start to its watches synced (kubemesos: the last
"watch synced" log line; kube-scheduler does not log its informers' sync at --v=1), to its
first bind and to all pending pods bound; per-cycle time from the contender's histogram
(kubemesos_allocation_cycle_seconds; kube-scheduler's scheduler_scheduling_attempt_duration_seconds,
one scheduling attempt of one pod), peak RSS, threads, CPU, the API server's and etcd's CPU."""
import argparse
import csv
import datetime
import json
import math
import os
import re
import sys

HISTOGRAMS = {"kubemesos": "kubemesos_allocation_cycle_seconds",
              "kubemesos-b": "kubemesos_allocation_cycle_seconds",
              "kube-scheduler": "scheduler_scheduling_attempt_duration_seconds"}
LABELS = {"kubemesos": "kubemesos", "kubemesos-b": "kubemesos (B build)",
          "kube-scheduler": "kube-scheduler (QPS/burst 5000)"}


def histogram(path, name):
    """(buckets {le: cumulative count}, sum, count) of histogram NAME summed over its series."""
    if not os.path.exists(path):
        return None
    buckets, total, count = {}, 0.0, 0.0
    with open(path) as f:
        for line in f:
            if line.startswith(name + "_bucket"):
                le = re.search(r'[{,]le="([^"]+)"', line).group(1)
                b = math.inf if le == "+Inf" else float(le)
                buckets[b] = buckets.get(b, 0.0) + float(line.split()[-1])
            elif line.startswith(name + "_sum"):
                total += float(line.split()[-1])
            elif line.startswith(name + "_count"):
                count += float(line.split()[-1])
    return (buckets, total, count) if count > 0 else None


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


def synced_at(contender, log):
    """Epoch seconds of the last 'synced' line of the contender's log (None when absent)."""
    if not os.path.exists(log):
        return None
    last = None
    with open(log, errors="replace") as f:
        for line in f:
            if contender.startswith("kubemesos") and '"msg":"watch synced"' in line:
                ts = json.loads(line)["ts"]
                last = datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
                    tzinfo=datetime.timezone.utc).timestamp()
    return last


def measure(out, run):
    d = os.path.join(out, run)
    with open(os.path.join(d, "meta.json")) as f:
        meta = json.load(f)
    name = re.sub(r"^\d+-", "", run)
    m = {"run": run, "name": name, "label": LABELS.get(name, name), **meta}
    bound = []
    if os.path.exists(os.path.join(d, "bound.csv")):
        with open(os.path.join(d, "bound.csv")) as f:
            bound = sorted(float(r["bound"]) - meta["t0"] for r in csv.DictReader(f))
    m["bound"] = len(bound)
    if bound:
        m["first_bind_s"], m["all_bound_s"] = bound[0], bound[-1]
    s = synced_at(name, os.path.join(d, "log"))
    if s is not None:
        m["synced_s"] = s - meta["t0"]
    h = histogram(os.path.join(d, "metrics.after"), HISTOGRAMS.get(name, ""))
    if h:
        m["cycles"] = int(h[2])
        m["cycle_mean_ms"] = 1000 * h[1] / h[2]
        m["cycle_p99_ms"] = 1000 * (quantile(0.99, h[0]) or 0)
    return m


def fmt(v, digits=1):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    return f"{v:,.{digits}f}"


COLUMNS = [("synced_s", "watches synced (s)", 1), ("first_bind_s", "first bind (s)", 1),
           ("all_bound_s", "all pending bound (s)", 1), ("peak_rss_mib", "peak RSS (MiB)", 0),
           ("threads", "threads", 0), ("cpu_seconds", "CPU (s)", 1),
           ("cycles", "cycles / attempts", 0), ("cycle_mean_ms", "cycle mean (ms)", 1),
           ("cycle_p99_ms", "cycle p99 (ms)", 1), ("apiserver_cpu", "API server CPU (s)", 1),
           ("etcd_cpu", "etcd CPU (s)", 1)]


def table(results):
    lines = ["| run | contender | bound | " + " | ".join(t for _, t, _ in COLUMNS) +
             " | load avg start→end |", "|" + "---|" * (len(COLUMNS) + 4)]
    for m in results:
        lines.append(f"| {m['run'][:2]} | {m['label']} | {m['bound']}/{m['pending']} | " +
                     " | ".join(fmt(m.get(k), d) for k, _, d in COLUMNS) +
                     f" | {fmt(m.get('load1_start'))}→{fmt(m.get('load1'))} |")
    return lines


def summary(results):
    names = list(dict.fromkeys(m["name"] for m in results))
    lines = ["| contender (mean of runs) | runs | " + " | ".join(t for _, t, _ in COLUMNS) + " |",
             "|" + "---|" * (len(COLUMNS) + 2)]
    for n in names:
        runs = [m for m in results if m["name"] == n]
        cells = []
        for k, _, d in COLUMNS:
            vals = [m[k] for m in runs if m.get(k) is not None]
            cells.append(fmt(sum(vals) / len(vals), d) if vals else "—")
        lines.append(f"| {LABELS.get(n, n)} | {len(runs)} | " + " | ".join(cells) + " |")
    return lines


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--nodes", type=int, required=True)
    ap.add_argument("--pods", type=int, required=True)
    ap.add_argument("--pending", type=int, required=True)
    ap.add_argument("runs", nargs="+")
    a = ap.parse_args()
    results = [measure(a.out, r) for r in a.runs]
    title = (f"Start-up: {a.nodes:,} KWOK nodes, {a.pods:,} existing pods "
             f"({a.pods - a.pending:,} bound, {a.pending:,} pending for the contender)")
    lines = [f"### {title}", ""]
    creation = os.path.join(a.out, "creation.json")
    if os.path.exists(creation):
        with open(creation) as f:
            c = json.load(f)
        lines += [f"Creating the {c['created']:,} bound pods (bench/pod_creator, {c['concurrency']} in "
                  f"flight): {c['seconds']:.0f} s, {c['achieved_rate']:.0f} pods/s, {c['failed']} "
                  f"failed; API server CPU {c['apiserver_cpu']:.0f} s, etcd {c['etcd_cpu']:.0f} s; "
                  f"load {c['load1_start']}→{c['load1']}.", ""]
    lines += table(results) + [""] + summary(results)
    text = "\n".join(lines) + "\n"
    print(text)
    with open(os.path.join(a.out, "table.md"), "w") as f:
        f.write(text)
    with open(os.path.join(a.out, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    return 0 if all(m["bound"] == m["pending"] for m in results) else 1


if __name__ == "__main__":
    sys.exit(main())
