#!/usr/bin/env python3
"""Checks on the chart rendered by `helm template` (all optional objects on).

usage: check_chart.py RENDERED.yaml METRICS_CPP RULES_OUT.yaml

- the Grafana dashboard ConfigMap carries label grafana_dashboard: "1" and valid dashboard JSON
  (uid, title, panels with datasource and targets), and every kubemesos_* name in its queries
  and in the PrometheusRule's expressions is a metric the operator exports (the list below,
  each of which must also be registered in a .cpp file next to METRICS_CPP, i.e. in
  operator/metrics/);
- the Deployment is hardened (non-root, read-only root, no capabilities, RuntimeDefault
  seccomp, /healthz and /readyz probes on the probe port, which config.yaml's probeAddress
  names and the Service does not expose, requests and limits, pod anti-affinity);
- the NetworkPolicy (rendered with one metricsFrom peer) selects exactly the Deployment's pods,
  restricts ingress only, and admits that peer to the metrics port and nothing else;
- writes the PrometheusRule's spec (its `groups`) to RULES_OUT for `promtool check rules`.
"""
import glob
import json
import os
import re
import sys

import yaml

EXPORTED = {
    "kubemesos_offers_total", "kubemesos_allocation_cycle_seconds",
    "kubemesos_scheduling_latency_seconds", "kubemesos_binds_total", "kubemesos_pending_tasks",
    "kubemesos_group_allocated", "kubemesos_group_guarantee", "kubemesos_group_limit",
    "kubemesos_group_dominant_share", "kubemesos_framework_dominant_share",
    "kubemesos_cluster_capacity", "kubemesos_cluster_allocated", "kubemesos_is_leader",
    "kubemesos_registry_requests_total", "kubemesos_watch_restarts_total",
    "kubemesos_internal_errors_total", "kubemesos_gangs", "kubemesos_gang_reserved_resources",
    "kubemesos_gang_time_to_schedule_seconds", "kubemesos_gang_schedule_attempts_total",
    "kubemesos_preemptions_total", "kubemesos_preemption_victims_total",
    "kubemesos_preemption_victims_per_plan", "kubemesos_preemption_to_bind_seconds",
    "kubemesos_preempted_task_runtime_seconds", "kubemesos_group_borrowed", "kubemesos_group_lent",
    "kubemesos_group_revocable_tasks",
}
HISTOGRAMS = {"kubemesos_allocation_cycle_seconds", "kubemesos_scheduling_latency_seconds",
              "kubemesos_gang_time_to_schedule_seconds", "kubemesos_preemption_victims_per_plan",
              "kubemesos_preemption_to_bind_seconds", "kubemesos_preempted_task_runtime_seconds"}
failures = []


def fail(msg):
    failures.append(msg)


def metric_names(expr):
    names = set()
    for name in re.findall(r"\bkubemesos_[a-z_]+", expr):
        base = re.sub(r"_(bucket|count|sum)$", "", name)
        names.add(base if base in HISTOGRAMS else name)
    return names


def check_exprs(what, exprs):
    if not exprs:
        fail(f"{what}: no queries")
    for expr in exprs:
        names = metric_names(expr)
        if not names:
            fail(f"{what}: query names no kubemesos metric: {expr}")
        for n in sorted(names - EXPORTED):
            fail(f"{what}: {n} is not an exported metric (query: {expr})")
        for h in HISTOGRAMS:
            if re.search(rf"\b{h}\b(?!_)", expr):
                fail(f"{what}: histogram {h} used without _bucket/_count/_sum: {expr}")


def main():
    rendered, metrics_cpp, rules_out = sys.argv[1:4]
    docs = [d for d in yaml.safe_load_all(open(rendered)) if d]
    by_kind = {}
    for d in docs:
        by_kind.setdefault(d["kind"], []).append(d)

    metrics_dir = os.path.dirname(os.path.abspath(metrics_cpp))
    source = "".join(open(f).read() for f in sorted(glob.glob(os.path.join(metrics_dir, "*.cpp"))))
    for n in sorted(EXPORTED):
        if f'"{n}"' not in source:
            fail(f"{n} is not registered in {metrics_dir}/*.cpp")

    # Grafana dashboard.
    cms = [c for c in by_kind.get("ConfigMap", []) if c["metadata"]["name"].endswith("-dashboard")]
    if len(cms) != 1:
        fail(f"expected 1 dashboard ConfigMap, got {len(cms)}")
    else:
        cm = cms[0]
        if cm["metadata"].get("labels", {}).get("grafana_dashboard") != "1":
            fail('dashboard ConfigMap lacks label grafana_dashboard: "1"')
        (key, text), = cm["data"].items()
        dash = json.loads(text)
        for field in ("uid", "title", "panels", "schemaVersion", "templating"):
            if field not in dash:
                fail(f"dashboard: missing {field}")
        exprs = []
        for p in dash["panels"]:
            if p.get("type") == "row":
                continue
            if not p.get("datasource") or not p.get("targets") or "gridPos" not in p:
                fail(f"dashboard panel {p.get('title')!r}: needs datasource, targets, gridPos")
            exprs += [t["expr"] for t in p.get("targets", [])]
        for v in dash["templating"]["list"]:
            if v.get("type") == "query":
                exprs.append(v["definition"])
        check_exprs("dashboard", exprs)
        used = set().union(*(metric_names(e) for e in exprs))
        for want in ("kubemesos_group_allocated", "kubemesos_group_guarantee",
                     "kubemesos_group_limit", "kubemesos_group_dominant_share",
                     "kubemesos_pending_tasks", "kubemesos_scheduling_latency_seconds",
                     "kubemesos_offers_total", "kubemesos_binds_total", "kubemesos_gangs",
                     "kubemesos_gang_time_to_schedule_seconds",
                     "kubemesos_gang_reserved_resources", "kubemesos_group_borrowed",
                     "kubemesos_group_lent", "kubemesos_preemptions_total",
                     "kubemesos_preemption_to_bind_seconds", "kubemesos_preemption_victims_total",
                     "kubemesos_group_revocable_tasks"):
            if want not in used:
                fail(f"dashboard does not show {want}")
        if not any("histogram_quantile(0.5," in e for e in exprs) or \
           not any("histogram_quantile(0.99," in e for e in exprs):
            fail("dashboard lacks latency p50/p99")
        print(f"dashboard: {len(dash['panels'])} panels, {len(exprs)} queries, "
              f"{len(used)} metrics, all exported")

    # PrometheusRule.
    prs = by_kind.get("PrometheusRule", [])
    if len(prs) != 1:
        fail(f"expected 1 PrometheusRule, got {len(prs)}")
    else:
        groups = prs[0]["spec"]["groups"]
        rules = [r for g in groups for r in g["rules"]]
        check_exprs("alerts", [r["expr"] for r in rules])
        alerts = {r["alert"] for r in rules}
        for want in ("KubemesosNoLeader", "KubemesosTasksPendingTooLong", "KubemesosBindErrors",
                     "KubemesosRegistryErrors", "KubemesosInternalErrors"):
            if want not in alerts:
                fail(f"alert {want} missing")
        with open(rules_out, "w") as f:
            yaml.safe_dump({"groups": groups}, f, sort_keys=False)
        print(f"alerts: {sorted(alerts)}")

    # Deployment hardening.
    deps = by_kind.get("Deployment", [])
    if len(deps) != 1:
        fail(f"expected 1 Deployment, got {len(deps)}")
    else:
        spec = deps[0]["spec"]["template"]["spec"]
        psc = spec.get("securityContext", {})
        (c,) = spec["containers"]
        sc = c.get("securityContext", {})
        checks = {
            "runAsNonRoot": psc.get("runAsNonRoot") is True and sc.get("runAsNonRoot") is True,
            "runAsUser 65532": psc.get("runAsUser") == 65532,
            "seccomp RuntimeDefault": psc.get("seccompProfile", {}).get("type") == "RuntimeDefault",
            "readOnlyRootFilesystem": sc.get("readOnlyRootFilesystem") is True,
            "no privilege escalation": sc.get("allowPrivilegeEscalation") is False,
            "drop ALL capabilities": sc.get("capabilities", {}).get("drop") == ["ALL"],
            "liveness /healthz": c.get("livenessProbe", {}).get("httpGet", {}).get("path") == "/healthz",
            "readiness /readyz": c.get("readinessProbe", {}).get("httpGet", {}).get("path") == "/readyz",
            "requests and limits": bool(c.get("resources", {}).get("requests")) and bool(c.get("resources", {}).get("limits")),
            "pod anti-affinity": "podAntiAffinity" in spec.get("affinity", {}),
            "image ghcr.io/kubemesos/kubemesos:<appVersion>": c["image"].startswith("ghcr.io/kubemesos/kubemesos:"),
            "runs `run --config`": c.get("args", [])[:2] == ["run", "--config"],
        }
        ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
        probe_ports = {c.get(p, {}).get("httpGet", {}).get("port")
                       for p in ("livenessProbe", "readinessProbe")}
        config_cm = [m for m in by_kind.get("ConfigMap", []) if "config.yaml" in m.get("data", {})]
        config = yaml.safe_load(config_cm[0]["data"]["config.yaml"]) if config_cm else {}
        services = by_kind.get("Service", [])
        checks.update({
            "probes on the http-probe port": probe_ports == {"http-probe"},
            "probe port differs from the metrics port":
                "http-probe" in ports and ports.get("http-probe") != ports.get("http-metrics"),
            "config.yaml probeAddress is the probe port":
                config.get("probeAddress") == f"0.0.0.0:{ports.get('http-probe')}",
            "config.yaml metricsAddress is the metrics port":
                config.get("metricsAddress") == f"0.0.0.0:{ports.get('http-metrics')}",
            "the Service does not expose the probe port":
                bool(services) and all(p.get("targetPort") != "http-probe"
                                       for svc in services for p in svc["spec"]["ports"]),
        })
        for what, ok in checks.items():
            if not ok:
                fail(f"Deployment: {what}")
        print(f"deployment: {len(checks)} hardening checks")

    # NetworkPolicy.
    nps = by_kind.get("NetworkPolicy", [])
    if len(nps) != 1 or len(deps) != 1:
        fail(f"expected 1 NetworkPolicy, got {len(nps)}")
    else:
        spec = nps[0]["spec"]
        selector = deps[0]["spec"]["selector"]["matchLabels"]
        rules = spec.get("ingress", [])
        np_checks = {
            "selects the Deployment's pods": spec.get("podSelector", {}).get("matchLabels") == selector,
            "policyTypes [Ingress]": spec.get("policyTypes") == ["Ingress"],
            "one rule": len(rules) == 1,
            "the rule admits the metrics port only":
                len(rules) == 1 and rules[0].get("ports") == [{"port": "http-metrics", "protocol": "TCP"}],
            "the rule names its peers": len(rules) == 1 and len(rules[0].get("from", [])) >= 1,
        }
        for what, ok in np_checks.items():
            if not ok:
                fail(f"NetworkPolicy: {what}")
        print(f"networkpolicy: {len(np_checks)} checks")

    for kind in ("ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding",
                 "Service", "ServiceMonitor", "NetworkPolicy"):
        if kind not in by_kind:
            fail(f"no {kind} rendered")

    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
