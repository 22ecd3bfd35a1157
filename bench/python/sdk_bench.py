"""Python SDK benchmark, run once per implementation in its own virtualenv by
bench/suites/python-sdk.mjs: ``--impl ours`` (this repository's trusera_sdk) or ``--impl baseline``
(PyPI trusera-sdk 1.2.0). Prints one JSON object of medians, in microseconds.

- track: ``client.track(Event(...))`` per call, in blocks of 1,000 calls (median of the blocks).
- http: added wall-clock time per call of httpx and requests with the interceptor installed in log
  mode, no policy (and, for ours, 50 policies with and without the decision cache). Two ways: a
  loopback GET to a server in another process (what an application sees; noisy), and an in-process
  transport with no socket (no I/O to hide the SDK's work behind). Each block of intercepted calls
  is paired with a block of plain calls right before it and includes the SDK's background work for
  its calls (see paired_added); the figure is the median of the paired differences. The process's
  CPU time is measured the same way (the amortized total per call, all threads).
- own: the interceptor's own work per call on the calling thread (thread CPU inside the hook).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import time

logging.disable(logging.CRITICAL)  # neither SDK may print while it is timed

SERVER = """
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    wbufsize = 65536  # headers and body in one write: no delayed-ACK stall per response
    def log_message(self, *a): pass
    def do_GET(self):
        self.send_response(200); self.send_header("content-length", "2"); self.end_headers(); self.wfile.write(b"ok")
s = ThreadingHTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
"""

POLICIES = "\n".join(
    f'@id("p{i}") forbid (principal, action == Action::"api_call", resource) when {{ resource.hostname == "blocked{i}.example" }};'
    for i in range(50)
)


def block_median(fn, blocks: int, per_block: int, clock=time.thread_time) -> float:
    out = []
    for _ in range(blocks):
        t = clock()
        for _ in range(per_block):
            fn()
        out.append((clock() - t) / per_block * 1e6)
    return statistics.median(out)


def paired_added(plain, hooked, install, uninstall, settle, rounds: int, per_block: int) -> tuple[float, float]:
    """Added time per call, in µs: (wall clock, CPU of the whole process). Each round times a block
    of plain calls, then a block of hooked calls that ends with ``settle()``: the SDK's own work for
    those calls done (ours: ``flush()``, so its thread has redacted and serialized every event of the
    block, and tried to send them, inside the sample). The figure is the median over rounds of the
    paired differences: wall clock is what the application waits for, the GIL included; process CPU
    adds the SDK's thread to the application's (the amortized total per call)."""
    wall, cpu = [], []
    for _ in range(3):  # warm up both paths
        plain()
        install()
        hooked()
        settle()
        uninstall()
    for _ in range(rounds):
        c, t = time.process_time(), time.perf_counter()
        for _ in range(per_block):
            plain()
        a, ac = time.perf_counter() - t, time.process_time() - c
        install()
        c, t = time.process_time(), time.perf_counter()
        for _ in range(per_block):
            hooked()
        settle()
        b, bc = time.perf_counter() - t, time.process_time() - c
        uninstall()
        wall.append((b - a) / per_block)
        cpu.append((bc - ac) / per_block)
    return statistics.median(wall) * 1e6, statistics.median(cpu) * 1e6


def own_work(call, owner, attr: str, install, uninstall, rounds: int, n: int) -> float:
    """The interceptor's own work per call, in µs of this thread's CPU: the time spent in the hooked
    method less the time spent in the original it wraps, both measured around the same calls, less
    what the measuring itself costs (the same measurement with nothing installed). Steadier than the
    difference of two timed blocks on a shared machine."""
    tt = time.thread_time_ns
    original = owner.__dict__[attr]

    def measure(do_install: bool) -> float:
        inner = [0]

        def measured(*a, **k):
            t = tt()
            try:
                return original(*a, **k)
            finally:
                inner[0] += tt() - t

        setattr(owner, attr, measured)
        if do_install:
            install()
        hooked = owner.__dict__[attr]
        outer = [0]

        def top(*a, **k):
            t = tt()
            try:
                return hooked(*a, **k)
            finally:
                outer[0] += tt() - t

        setattr(owner, attr, top)
        try:
            for _ in range(20):
                call()
            inner[0] = outer[0] = 0
            for _ in range(n):
                call()
        finally:
            setattr(owner, attr, hooked)
            if do_install:
                uninstall()
            setattr(owner, attr, original)
        return (outer[0] - inner[0]) / n / 1000

    best_hooked = min(measure(True) for _ in range(rounds))
    best_bare = min(measure(False) for _ in range(rounds))
    return best_hooked - best_bare


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--impl", choices=["ours", "baseline"], required=True)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    ours = args.impl == "ours"
    import httpx
    import requests
    import trusera_sdk
    from trusera_sdk import Event, EventType, TruseraClient

    result: dict[str, float] = {"version": trusera_sdk.__version__}  # type: ignore[dict-item]
    key = "tsk_" + "b" * 32
    if ours:
        client = TruseraClient(api_key=key, base_url="http://127.0.0.1:9", flush_interval=3600, max_queue_size=100_000, max_retries=0)
    else:
        client = TruseraClient(api_key=key, base_url="http://127.0.0.1:9", flush_interval=3600, batch_size=10**9)

    # -- track -------------------------------------------------------------------------------
    blocks = 20 if args.quick else 60
    for _ in range(5000):
        client.track(Event(EventType.TOOL_CALL, "web_search", {"query": "latest AI news"}))
    result["track_us"] = block_median(
        lambda: client.track(Event(EventType.TOOL_CALL, "web_search", {"query": "latest AI news"})), blocks, 1000
    )
    if ours:
        # What the process pays in all per event: track() plus the redaction and serialization the
        # client's thread does, run here inline.
        def amortized() -> None:
            for _ in range(1000):
                client.track(Event(EventType.TOOL_CALL, "web_search", {"query": "latest AI news"}))
            client._serialize_pending()
            with client._lock:
                client._queue.clear()

        result["track_amortized_us"] = block_median(amortized, blocks // 2, 1) / 1000

    # -- interception --------------------------------------------------------------------------
    server = subprocess.Popen([sys.executable, "-c", SERVER], stdout=subprocess.PIPE, text=True)
    try:
        port = int(server.stdout.readline())
        url = f"http://127.0.0.1:{port}/v1/models"
        hx = httpx.Client()
        rq = requests.Session()

        def ok(request):
            return httpx.Response(200, content=b"ok")

        hx_mem = httpx.Client(transport=httpx.MockTransport(ok))

        class Adapter(requests.adapters.BaseAdapter):
            def send(self, request, **kw):
                r = requests.models.Response()
                r.status_code, r._content, r.url, r.request = 200, b"ok", request.url, request
                return r

            def close(self):
                pass

        rq_mem = requests.Session()
        rq_mem.mount("http://", Adapter())
        calls = {
            "httpx_loopback": lambda: hx.get(url),
            "requests_loopback": lambda: rq.get(url),
            "httpx_inprocess": lambda: hx_mem.get(url),
            "requests_inprocess": lambda: rq_mem.get(url),
        }
        state: dict[str, object] = {}

        def installer(kind: str):
            def install() -> None:
                if ours:
                    from trusera_sdk import CedarEvaluator, intercept

                    ev = None
                    opts = {}
                    if kind != "none":
                        ev = CedarEvaluator()
                        ev.load_policy(POLICIES)
                        if kind == "policies_nocache":
                            opts["decision_cache_size"] = 0
                    state["i"] = intercept(client, enforcement="log", cedar_evaluator=ev, **opts)
                else:
                    from trusera_sdk import TruseraInterceptor

                    i = TruseraInterceptor(client=client, enforcement="log")
                    i.install()
                    state["i"] = i

            def uninstall() -> None:
                state["i"].uninstall()  # type: ignore[attr-defined]

            return install, uninstall

        kinds = ["none"] + (["policies", "policies_nocache"] if ours else [])
        rounds = 7 if args.quick else 21
        # Ours: flush() at the end of each hooked block (see paired_added). 1.2.0 queues the Event
        # objects it made and does nothing more with them until its flush interval (not reached here):
        # nothing is left to settle, and its serialization at flush time is not counted for it.
        settle = (lambda: client.flush(10)) if ours else (lambda: None)
        for name, call in calls.items():
            for kind in kinds:
                install, uninstall = installer(kind)
                # Blocks of ~100-300 ms: each holds several of the client thread's passes (one per
                # 50 ms while calls are tracked) as well as the flush that settles it.
                per_block = 300 if "loopback" in name else 2000
                if kind == "policies_nocache":
                    per_block = 100 if "loopback" in name else 300
                wall, cpu = paired_added(call, call, install, uninstall, settle, rounds, per_block)
                result[f"{name}_{kind}_us"] = wall
                result[f"{name}_{kind}_cpu_us"] = cpu
            result[f"{name}_plain_us"] = block_median(call, 10, 50 if "loopback" in name else 200, time.perf_counter)
        # The interceptor's own work, measured inside the hooked method (in-process transports).
        hooks = {
            "httpx": (httpx.Client, "_send_single_request" if ours else "send", calls["httpx_inprocess"]),
            "requests": (requests.Session, "send", calls["requests_inprocess"]),
        }
        for lib, (owner, attr, call) in hooks.items():
            for kind in kinds:
                if kind == "policies_nocache":
                    continue
                install, uninstall = installer(kind)
                result[f"{lib}_own_{kind}_us"] = own_work(call, owner, attr, install, uninstall, 5 if args.quick else 15, 300)
    finally:
        server.kill()
    print(json.dumps(result))
    os._exit(0)  # neither client may spend the close() budget on an unreachable server


if __name__ == "__main__":
    main()
