#!/usr/bin/env python3
"""Slow clients against kubemesos' HTTP server: do the probes still answer?

Opens N slow-header connections ("slowloris": a request line, then one header byte every
--drip seconds, never the blank line that ends the header; a connection the server drops is
re-opened at once, so N stay open) to the metrics port, then times GET /healthz repeatedly on
each --probe port and prints p50/p90/max latencies, failures, how often the server dropped a
slow client, and the load average. Exit 0 when every /healthz answered 200 within
--max-latency (the done-when of issue #12: within 1 s with 16 slow clients), else 1.

Either attach to a running server (--port, --probe) or let the script start one:
--binary BUILD/kubemesos runs `kubemesos run` on ephemeral loopback ports (both the metrics
and, when the binary has it, the probe listener), against --kubeconfig or, by default, a
stub API server started here (answers /version, empty lists, idle watches: enough for the
caches to sync; the API server does not matter for this measurement). With --binary the
probes are timed on the probe port when there is one, and on the metrics port.

  hack/slow-clients.py --binary build/kubemesos                  # 16 clients, 20 s
  hack/slow-clients.py --port 8080 --probe 8081 --probe 8080 --clients 64
"""
import argparse
import http.server
import json
import os
import re
import selectors
import socket
import socketserver
import statistics
import subprocess
import sys
import tempfile
import threading
import time


class StubApi(http.server.BaseHTTPRequestHandler):
    """Just enough of a kube-apiserver for `kubemesos run` to start and sync."""
    protocol_version = "HTTP/1.1"
    stopping = threading.Event()

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path.startswith("/version"):
            return self.reply({"major": "1", "minor": "30", "gitVersion": "v1.30.0-stub"})
        if "watch=" in self.path:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            while not self.stopping.wait(30):
                pass
            return None
        return self.reply({"kind": "List", "apiVersion": "v1", "items": [],
                           "metadata": {"resourceVersion": "1"}})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        self.rfile.read(length)
        return self.reply({"kind": "Status", "status": "Success"}, 201)

    do_PUT = do_PATCH = do_POST

    def reply(self, obj, status=200):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        return None


class ThreadingServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def start_stub_api(workdir):
    server = ThreadingServer(("127.0.0.1", 0), StubApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    kubeconfig = os.path.join(workdir, "stub.kubeconfig")
    with open(kubeconfig, "w") as f:
        f.write(f"""apiVersion: v1
kind: Config
clusters: [{{name: stub, cluster: {{server: "http://127.0.0.1:{server.server_port}"}}}}]
users: [{{name: anonymous, user: {{}}}}]
contexts: [{{name: stub, context: {{cluster: stub, user: anonymous}}}}]
current-context: stub
""")
    return server, kubeconfig


def start_kubemesos(binary, kubeconfig, workdir):
    """Starts `kubemesos run` on ephemeral loopback ports; returns (process, port, probe_port)."""
    log_path = os.path.join(workdir, "kubemesos.log")
    log = open(log_path, "w")
    help_text = subprocess.run([binary, "run", "--help"], capture_output=True, text=True).stdout
    args = [binary, "run", "--kubeconfig", kubeconfig, "--metrics-address", "127.0.0.1:0"]
    if "--probe-address" in help_text:
        args += ["--probe-address", "127.0.0.1:0"]
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with open(log_path) as f:
            for line in f:
                if '"serving /metrics' in line:
                    entry = json.loads(line)
                    return proc, int(entry["port"]), int(entry.get("probePort") or 0)
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    proc.kill()
    sys.exit(f"kubemesos did not start serving; log: {log_path}")


class SlowClients:
    """N connections that never finish their request header; re-opened when dropped."""

    def __init__(self, host, port, n, drip):
        self.host, self.port, self.n, self.drip = host, port, n, drip
        self.sel = selectors.DefaultSelector()
        self.socks = []
        self.drops = 0
        self.replies = {}  # first bytes of what the server sent before dropping: status -> count
        self.stop = threading.Event()
        for _ in range(n):
            self.open()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def open(self):
        s = socket.create_connection((self.host, self.port))
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        s.setblocking(False)
        self.sel.register(s, selectors.EVENT_READ)
        self.socks.append(s)

    def drop(self, s):
        self.sel.unregister(s)
        self.socks.remove(s)
        s.close()
        self.drops += 1

    def run(self):
        next_drip = time.monotonic() + self.drip
        while not self.stop.is_set():
            for key, _ in self.sel.select(timeout=max(0.0, next_drip - time.monotonic())):
                s = key.fileobj
                try:
                    data = s.recv(4096)
                except OSError:
                    data = b""
                m = re.match(rb"HTTP/1\.\d (\d{3})", data or b"")
                if m:
                    self.replies[m.group(1).decode()] = self.replies.get(m.group(1).decode(), 0) + 1
                self.drop(s)
                self.open()
            if time.monotonic() >= next_drip:
                next_drip += self.drip
                for s in list(self.socks):
                    try:
                        s.send(b"a")
                    except OSError:
                        self.drop(s)
                        self.open()

    def close(self):
        self.stop.set()
        self.thread.join()
        for s in self.socks:
            s.close()


def time_probe(host, port, path, timeout):
    """Seconds until a complete reply to GET path, and its status (0: none within timeout)."""
    start = time.monotonic()
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            s.settimeout(max(0.001, timeout - (time.monotonic() - start)))
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        m = re.match(rb"HTTP/1\.\d (\d{3})", data)
        return time.monotonic() - start, int(m.group(1)) if m else 0
    except OSError:
        return time.monotonic() - start, 0


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, help="the metrics port the slow clients connect to")
    p.add_argument("--probe", type=int, action="append", default=[],
                   help="a port to time /healthz on (repeatable; default: --port)")
    p.add_argument("--binary", help="start `BINARY run` here instead of attaching to --port")
    p.add_argument("--kubeconfig", help="with --binary: a real API server (default: a stub)")
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--drip", type=float, default=1.0, help="seconds between header bytes")
    p.add_argument("--duration", type=float, default=20.0, help="seconds of probing")
    p.add_argument("--interval", type=float, default=0.25, help="seconds between probes")
    p.add_argument("--timeout", type=float, default=15.0, help="a probe fails after this")
    p.add_argument("--path", default="/healthz")
    p.add_argument("--max-latency", type=float, default=1.0)
    a = p.parse_args()

    proc = stub = None
    workdir = tempfile.mkdtemp(prefix="kubemesos-slow-clients-")
    if a.binary:
        kubeconfig = a.kubeconfig
        if not kubeconfig:
            stub, kubeconfig = start_stub_api(workdir)
        proc, a.port, probe_port = start_kubemesos(a.binary, kubeconfig, workdir)
        if not a.probe:
            a.probe = ([probe_port] if probe_port else []) + [a.port]
    if not a.port:
        p.error("--port or --binary is required")
    if not a.probe:
        a.probe = [a.port]
    names = {port: ("metrics port" if port == a.port else "probe port") for port in a.probe}

    try:
        before = time_probe(a.host, a.probe[0], a.path, a.timeout)
        if before[1] != 200:
            sys.exit(f"{a.path} on port {a.probe[0]} does not answer 200 before the test: {before}")
        load_start = os.getloadavg()
        slow = SlowClients(a.host, a.port, a.clients, a.drip)
        samples = {port: [] for port in a.probe}
        end = time.monotonic() + a.duration

        def probe_loop(port):  # one thread per port: a slow port does not thin another's samples
            while time.monotonic() < end:
                samples[port].append(time_probe(a.host, port, a.path, a.timeout))
                time.sleep(a.interval)

        probers = [threading.Thread(target=probe_loop, args=(port,)) for port in a.probe]
        for t in probers:
            t.start()
        for t in probers:
            t.join()
        slow.close()
        load_end = os.getloadavg()
    finally:
        if proc:
            proc.terminate()
            proc.wait(timeout=30)
        if stub:
            StubApi.stopping.set()
            stub.shutdown()

    print(f"{a.clients} slow clients on port {a.port} (a header byte every {a.drip:g} s), "
          f"{a.duration:g} s of {a.path} every {a.interval:g} s")
    ok = True
    for port in a.probe:
        lat = [t for t, _ in samples[port]]
        failed = sum(1 for _, status in samples[port] if status != 200)
        worst = max(lat)
        ok = ok and failed == 0 and worst <= a.max_latency
        print(f"  {a.path} on {names[port]} {port}: n={len(lat)} p50={statistics.median(lat):.3f}s "
              f"p90={percentile(lat, 0.9):.3f}s max={worst:.3f}s not-200={failed}")
    print(f"  slow clients dropped by the server: {slow.drops} (replies before the drop: "
          f"{slow.replies or 'none'})")
    print(f"  load average (1/5/15 min): start {' '.join(f'{x:.2f}' for x in load_start)}, "
          f"end {' '.join(f'{x:.2f}' for x in load_end)}; {os.cpu_count()} CPUs")
    print(f"  {'PASS' if ok else 'FAIL'}: every {a.path} 200 within {a.max_latency:g} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
