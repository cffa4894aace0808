#!/usr/bin/env python3
"""Report of hack/bench-reclaim.sh (fill the cluster from one group, reclaim a guarantee into
another; issue #16).

reclaim_report.py OUT [--nodes N --unit gpu|cpu --units-per-node K --guarantee G
                       --filler-guarantee F --delay-seconds D]
reads OUT/<phase>/facts (t0, t1, load1, pods; one key=value a line), the bind watcher CSVs
(fill/bound.csv, single/bound-<i>.csv, bulk/bound.csv), the deletion watches
(OUT/reclaim-{a,b}.deletions from bench/pod_deletions.py) and kubemesos' scrapes
(<phase>/metrics.{before,after}), prints one Markdown table (a row per phase) and writes
OUT/table.md and OUT/results.json. Evictions are the filler pods that started terminating within
a phase's [t0, t1] (t1 of bulk is its last bind; later ones count in quiet)."""

import argparse
import csv
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from perf_report import cycle_stats  # noqa: E402  (same directory)

# kubemesos' own counters, summed over their labels, when this build has them (issue #16 names).
OWN_COUNTERS = ["kubemesos_preemptions_total", "kubemesos_preemption_victims_total",
                "kubemesos_evictions_total"]
# kubemesos' own reclaim latency (a plan made to its preemptors bound), mean over the phase.
OWN_LATENCY = "kubemesos_preemption_to_bind_seconds"


def facts(d):
    out = {}
    path = os.path.join(d, "facts")
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                k, _, v = line.strip().partition("=")
                out[k] = float(v)
    return out


def bound_rows(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [dict(r, seen=float(r["seen"]), bound=float(r["bound"])) for r in csv.DictReader(f)]


def deletions(path, kind="TERMINATING"):
    """Times of the pods that started terminating (or were deleted) in a namespace."""
    times = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) == 3 and parts[1] == kind:
                    times.append(float(parts[0]))
    return times


def counter(path, name):
    """Sum of every sample of a counter in a scrape; None when the scrape lacks it."""
    if not os.path.exists(path):
        return None
    total, found = 0.0, False
    with open(path) as f:
        for line in f:
            if re.match(re.escape(name) + r"(\{| )", line):
                total += float(line.split()[-1])
                found = True
    return total if found else None


def own_counters(d):
    out = {}
    for name in OWN_COUNTERS:
        after = counter(os.path.join(d, "metrics.after"), name)
        if after is None:
            continue
        before = counter(os.path.join(d, "metrics.before"), name) or 0.0
        out[name.replace("kubemesos_", "")] = after - before
    before, after = os.path.join(d, "metrics.before"), os.path.join(d, "metrics.after")
    count = (counter(after, OWN_LATENCY + "_count") or 0) - (counter(before, OWN_LATENCY + "_count") or 0)
    if count > 0:
        total = (counter(after, OWN_LATENCY + "_sum") or 0) - (counter(before, OWN_LATENCY + "_sum") or 0)
        out["preemption_to_bind_mean_s"] = round(total / count, 3)
    return out


def in_window(times, t0, t1):
    return sum(1 for t in times if t0 <= t <= t1)


def fmt_s(x):
    if x is None:
        return "—"
    if x >= 120:
        return f"{x:.0f} s ({int(x // 60)}m{int(x % 60):02d}s)"
    return f"{x:.1f} s"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--nodes", type=int, default=0)
    p.add_argument("--unit", default="gpu")
    p.add_argument("--units-per-node", type=int, default=0)
    p.add_argument("--guarantee", type=int, default=0)
    p.add_argument("--filler-guarantee", type=int, default=0)
    p.add_argument("--delay-seconds", type=float, default=0)
    p.add_argument("--check", action="store_true",
                   help="exit 1 unless every pod was bound, each reclaimed unit cost exactly one "
                        "eviction, no reclaimer pod was deleted and the quiet window evicted nobody")
    a = p.parse_args()
    out = a.out
    evicted_a = deletions(os.path.join(out, "reclaim-a.deletions"))
    deleted_b = deletions(os.path.join(out, "reclaim-b.deletions"))
    results = {"nodes": a.nodes, "unit": a.unit, "units_per_node": a.units_per_node,
               "guarantee": a.guarantee, "filler_guarantee": a.filler_guarantee,
               "delay_seconds": a.delay_seconds, "cores": os.cpu_count(), "phases": {}}
    rows = []

    def phase_common(name, t0, t1, reclaimed):
        d = os.path.join(out, name)
        f = facts(d)
        ev = in_window(evicted_a, t0, t1)
        return {"t0": t0, "t1": t1, "evictions": ev,
             "evictions_per_unit": (ev / reclaimed) if reclaimed else None,
             "reclaimer_pods_deleted": in_window(deleted_b, t0, t1),
             "load1": f.get("load1"), "cycle": cycle_stats(d), "kubemesos": own_counters(d)}

    # fill
    f = facts(os.path.join(out, "fill"))
    if f:
        rows_fill = bound_rows(os.path.join(out, "fill", "bound.csv"))
        binds = sorted(r["bound"] for r in rows_fill if r["bound"] >= f["t0"])
        r = phase_common("fill", f["t0"], f["t1"], 0)
        r.update({"pods": int(f["pods"]), "bound": len(rows_fill),
                  "first_bind_s": (binds[0] - f["t0"]) if binds else None,
                  "all_bound_s": (binds[-1] - f["t0"]) if binds else None})
        r["evictions"] = None  # not watched during the fill
        results["phases"]["fill"] = r

    # single: one pod at a time, creation (first seen on the watch) to bind
    f = facts(os.path.join(out, "single"))
    if f:
        lat = []
        for i in range(int(f["pods"])):
            for row in bound_rows(os.path.join(out, "single", f"bound-{i}.csv")):
                if row["pod"] == f"single-{i}":
                    lat.append(row["bound"] - row["seen"])
        r = phase_common("single", f["t0"], f["t1"], len(lat))
        r.update({"pods": int(f["pods"]), "bound": len(lat), "latencies_s": lat,
                  "mean_s": sum(lat) / len(lat) if lat else None,
                  "min_s": min(lat) if lat else None, "max_s": max(lat) if lat else None})
        results["phases"]["single"] = r

    # bulk: the rest of the guarantee at once
    f = facts(os.path.join(out, "bulk"))
    if f:
        rows_bulk = [r for r in bound_rows(os.path.join(out, "bulk", "bound.csv"))
                     if r["pod"].startswith("bulk-")]
        binds = sorted(r["bound"] for r in rows_bulk)
        t1 = binds[-1] if binds else f["t1"]
        r = phase_common("bulk", f["t0"], t1, len(binds))
        r.update({"pods": int(f["pods"]), "bound": len(binds),
                  "created_s": (f["created"] - f["t0"]) if "created" in f else None,
                  "first_bind_s": (binds[0] - f["t0"]) if binds else None,
                  "all_bound_s": (binds[-1] - f["t0"]) if binds else None})
        results["phases"]["bulk"] = r

    # quiet: nothing submitted; evictions after the last bulk bind
    f = facts(os.path.join(out, "quiet"))
    if f:
        start = results["phases"]["bulk"]["t1"] if "bulk" in results["phases"] else f["t0"]
        r = phase_common("quiet", start, f["t1"], 0)
        for k in ("filler-pending", "reclaimer-bound"):
            path = os.path.join(out, "quiet", k)
            if os.path.exists(path):
                with open(path) as fh:
                    r[k.replace("-", "_")] = int(fh.read().strip() or 0)
        r["seconds"] = f["t1"] - f["t0"]
        results["phases"]["quiet"] = r

    unit = "GPU" if a.unit == "gpu" else "cpu"
    head = ("| phase | pods | first bind | done | evictions (per reclaimed unit) | reclaimer pods deleted "
            "| kubemesos cycles: n, mean / p99, max | load avg (1 min) |")
    rows.append(head)
    rows.append("|---|---|---|---|---|---|---|---|")

    def cyc(r):
        c = r.get("cycle")
        if not c:
            return "—"
        top = "" if c["max_le_ms"] == float("inf") else f", max ≤ {c['max_le_ms']:g}"
        return f"{c['cycles']}, {c['mean_ms']:.2f} / {c['p99_ms']:.1f}{top} ms"

    def ev(r):
        if r.get("evictions") is None:
            return "—"
        s = str(r["evictions"])
        if r.get("evictions_per_unit") is not None:
            s += f" ({r['evictions_per_unit']:.2f})"
        own = r.get("kubemesos", {})
        if own:
            s += "; kubemesos: " + ", ".join(f"{k} {v:g}" for k, v in own.items())
        return s

    ph = results["phases"]
    if "fill" in ph:
        r = ph["fill"]
        rows.append(f"| fill (filler, backlog) | {r['bound']}/{r['pods']} | {fmt_s(r['first_bind_s'])} "
                    f"| {fmt_s(r['all_bound_s'])} | — | — | {cyc(r)} | {r['load1']} |")
    if "single" in ph:
        r = ph["single"]
        rows.append(f"| reclaim one {unit}, {r['pods']} one after the other | {r['bound']}/{r['pods']} "
                    f"| — | mean {fmt_s(r['mean_s'])} (min {fmt_s(r['min_s'])}, max {fmt_s(r['max_s'])}) "
                    f"| {ev(r)} | {r['reclaimer_pods_deleted']} | {cyc(r)} | {r['load1']} |")
    if "bulk" in ph:
        r = ph["bulk"]
        rows.append(f"| reclaim the rest of the guarantee at once | {r['bound']}/{r['pods']} "
                    f"| {fmt_s(r['first_bind_s'])} | {fmt_s(r['all_bound_s'])} | {ev(r)} "
                    f"| {r['reclaimer_pods_deleted']} | {cyc(r)} | {r['load1']} |")
    if "quiet" in ph:
        r = ph["quiet"]
        rows.append(f"| quiet {r['seconds']:.0f} s (filler pending {r.get('filler_pending', '?')}, "
                    f"reclaimer bound {r.get('reclaimer_bound', '?')}) | — | — | — | {ev(r)} "
                    f"| {r['reclaimer_pods_deleted']} | {cyc(r)} | {r['load1']} |")
    title = (f"{a.nodes} KWOK nodes x {a.units_per_node} {unit} = {a.nodes * a.units_per_node} units; "
             f"filler guarantee {a.filler_guarantee}, reclaimer guarantee {a.guarantee}, both Lend; "
             f"delaySeconds {a.delay_seconds:g}; {os.cpu_count()} cores (shared)")
    text = title + "\n\n" + "\n".join(rows) + "\n"
    print(text)
    with open(os.path.join(out, "table.md"), "w") as fh:
        fh.write(text)
    with open(os.path.join(out, "results.json"), "w") as fh:
        json.dump(results, fh, indent=2)
    if a.check:
        failures = check(ph, a.guarantee)
        for f in failures:
            print("check failed: " + f, file=sys.stderr)
        if failures:
            sys.exit(1)
        print("check passed: every pod bound, one eviction per reclaimed unit, no storm")


def check(ph, guarantee):
    """What --check asserts (the one-unit pods make one victim per reclaimed unit minimal)."""
    failures = []
    for name in ("fill", "single", "bulk", "quiet"):
        if name not in ph:
            failures.append(f"phase {name} did not run")
    for name in ("fill", "single", "bulk"):
        r = ph.get(name)
        if r and r["bound"] != r["pods"]:
            failures.append(f"{name}: {r['bound']} of {r['pods']} pods bound")
    for name in ("single", "bulk"):
        r = ph.get(name)
        if r and r["evictions"] != r["bound"]:
            failures.append(f"{name}: {r['evictions']} evictions for {r['bound']} reclaimed units")
    for name in ("single", "bulk", "quiet"):
        r = ph.get(name)
        if r and r["reclaimer_pods_deleted"]:
            failures.append(f"{name}: {r['reclaimer_pods_deleted']} reclaimer pods deleted")
    q = ph.get("quiet")
    if q:
        if q["evictions"]:
            failures.append(f"quiet: {q['evictions']} evictions after the guarantee was back")
        if q.get("reclaimer_bound") != guarantee:
            failures.append(f"quiet: {q.get('reclaimer_bound')} reclaimer pods bound, not {guarantee}")
        if q.get("filler_pending") != guarantee:
            failures.append(f"quiet: {q.get('filler_pending')} filler pods pending, not {guarantee} "
                            "(the victims' replacements)")
    return failures


if __name__ == "__main__":
    main()
