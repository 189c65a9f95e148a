"""Benchmark a team on one server process: N websocket clients, each its own session, rerunning the Overview.

Run: .venv/bin/python bench/concurrency.py  (~3 minutes; prints Markdown tables)

Each client speaks Streamlit's own protocol, as the browser does: it opens `/_stcore/stream`, sends a `rerun_script`
BackMsg (the page's query string, no widget state) to load the Overview, then changes the sidebar's "Requests per
month" number input (a `rerun_script` BackMsg whose `widget_states` holds that one widget, and the query string the
server last sent), waits for the run to end and does it again. Every change is a value never sent before (client i
at step j asks for 1,000,000 + 1,000 · (1,000 i + j) requests), so no rerun is a cache hit of an earlier one.

A rerun counts when the server's `script_finished` message (FINISHED_SUCCESSFULLY) arrives for it; its latency is
from sending the BackMsg to that message. Every rerun is checked to be real: no exception element, and the sidebar's
"Monthly bill" metric sent in that run must be a new figure (each request volume gives its own bill).

Two measurements, each on a fresh `streamlit run app.py` (warmed by one client's first page before the clock starts):
- throughput: N clients rerun back to back (no pause) for a fixed time; reruns per second for N = 1, 10, 25, and the
  server's CPU seconds per rerun (/proc/<pid>/stat);
- latency under a team's load: each client waits a think time between reruns (uniform 2.5-3.5 s, mean 3 s; clients
  start at random offsets in the first think time); p50 and p95 latency for 1 and 25 users (one user for 150 s, so
  that its p95, the ratio's denominator, rests on ~50 reruns rather than 15).
The clients run in this process (asyncio, one thread): on a small machine they take some CPU from the server.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402

from tests.browser import ARTIFACTS, free_port, stop  # noqa: E402

REQUESTS_KEY = "requests"  # the sidebar's "Requests per month" (pages/_ui/workload_edit.SIDEBAR_KEYS)
BILL_LABEL = "Monthly bill"
FINISHED = ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY
CLK_TCK = os.sysconf("SC_CLK_TCK")


class RerunFailed(RuntimeError):
    pass


@dataclass
class Client:
    """One browser tab's session: its websocket, the widget to change, and what the server last said."""

    index: int
    url: str
    ws: object = None
    requests_id: str | None = None
    query_string: str = ""
    page_script_hash: str = ""
    bills: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    step: int = 0

    async def open(self) -> float:
        """Connect and load the Overview (the page's first run); seconds until its script finished."""
        self.ws = await connect(f"{self.url.replace('http', 'ws')}/_stcore/stream", subprotocols=["streamlit"],
                                max_size=None, origin=self.url, open_timeout=60, ping_interval=None)
        return await self._run(None)

    async def change(self) -> float:
        """Type a new request volume into the sidebar; seconds until the rerun finished."""
        self.step += 1
        value = 1_000_000 + 1_000 * (1_000 * self.index + self.step)
        latency = await self._run(value)
        self.latencies.append(latency)
        return latency

    async def close(self) -> None:
        await self.ws.close()

    async def _run(self, requests: int | None) -> float:
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query_string
        state.page_script_hash = self.page_script_hash
        if requests is not None:
            if self.requests_id is None:
                raise RerunFailed("the Overview sent no 'Requests per month' input")
            widget = state.widget_states.widgets.add()
            widget.id = self.requests_id
            widget.double_value = requests
        bills_before = len(self.bills)
        sent = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        while True:
            fwd = ForwardMsg()
            fwd.ParseFromString(await asyncio.wait_for(self.ws.recv(), timeout=120))
            kind = fwd.WhichOneof("type")
            if kind == "delta":
                self._read_delta(fwd)
            elif kind == "page_info_changed":
                self.query_string = fwd.page_info_changed.query_string
            elif kind == "new_session":
                self.page_script_hash = fwd.new_session.page_script_hash
            elif kind == "script_finished" and fwd.script_finished == FINISHED:
                elapsed = time.perf_counter() - sent
                break
        if len(self.bills) == bills_before:
            raise RerunFailed(f"a run without the sidebar's {BILL_LABEL!r}")
        if bills_before and self.bills[-1] == self.bills[bills_before - 1]:
            raise RerunFailed(f"{BILL_LABEL} did not change after a new request volume: {self.bills[-1]}")
        return elapsed

    def _read_delta(self, fwd: ForwardMsg) -> None:
        if fwd.delta.WhichOneof("type") != "new_element":
            return
        element = fwd.delta.new_element
        kind = element.WhichOneof("type")
        if kind == "exception":
            raise RerunFailed(f"exception on the page: {element.exception.type}: {element.exception.message}")
        if kind == "number_input" and element.number_input.id.endswith(f"-{REQUESTS_KEY}"):
            self.requests_id = element.number_input.id
        elif kind == "metric" and element.metric.label == BILL_LABEL:
            self.bills.append(element.metric.body)


class Server:
    """A fresh `streamlit run app.py` (the production config in .streamlit/config.toml) on a loopback port."""

    def __init__(self, port: int | None = None, url: str | None = None) -> None:
        self.port = port or free_port()
        self.url = url or f"http://127.0.0.1:{self.port}"
        self.proc = None

    def __enter__(self) -> Server:
        if self.url != f"http://127.0.0.1:{self.port}":  # a server (or a deployment) someone else runs
            return self
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.log = open(ARTIFACTS / f"concurrency-{self.port}.log", "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(self.port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT, env=os.environ | {"PYTHONUNBUFFERED": "1"},
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.read() == b"ok":
                        return self
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                stop(self.proc, self.log)
                raise RuntimeError(f"streamlit did not start; see {self.log.name}")
            time.sleep(0.1)

    def __exit__(self, *exc) -> None:
        if self.proc is not None:
            stop(self.proc, self.log)

    def cpu_seconds(self) -> float:
        if self.proc is None:
            return float("nan")
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime

    def memory_mib(self) -> float:
        """The server's resident memory now (VmRSS)."""
        if self.proc is None:
            return float("nan")
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(next(line for line in status.splitlines() if line.startswith("VmRSS:")).split()[1]) / 1024


async def _connect_all(url: str, n: int) -> list[Client]:
    warm = Client(0, url)
    await warm.open()  # the process's first page: imports, the catalogue; not a team's steady state
    clients = [warm] + [Client(i, url) for i in range(1, n)]
    for c in clients[1:]:
        await c.open()
    return clients


async def throughput(url: str, n: int, seconds: float, server: Server) -> dict[str, float]:
    """Reruns per second with n clients rerunning back to back for `seconds` (after one rerun each to warm up)."""
    clients = await _connect_all(url, n)
    await asyncio.gather(*(c.change() for c in clients))
    for c in clients:
        c.latencies.clear()
    stop_at = time.perf_counter() + seconds
    cpu_before, started = server.cpu_seconds(), time.perf_counter()

    async def loop(c: Client) -> None:
        while time.perf_counter() < stop_at:
            await c.change()

    await asyncio.gather(*(loop(c) for c in clients))
    wall, cpu = time.perf_counter() - started, server.cpu_seconds() - cpu_before
    await asyncio.gather(*(c.close() for c in clients))
    latencies = [x for c in clients for x in c.latencies]
    return {"clients": n, "reruns": len(latencies), "per_second": len(latencies) / wall,
            "cpu_ms": 1000 * cpu / len(latencies), "p50": _pct(latencies, 50), "p95": _pct(latencies, 95),
            "rss_mib": server.memory_mib()}


async def with_think_time(url: str, n: int, seconds: float, think: float = 3.0) -> dict[str, float]:
    """p50/p95 rerun latency with n users, each pausing a think time (uniform think ± 0.5 s) between reruns."""
    clients = await _connect_all(url, n)
    await asyncio.gather(*(c.change() for c in clients))
    for c in clients:
        c.latencies.clear()
    rng = random.Random(13)
    stop_at = time.perf_counter() + seconds

    async def user(c: Client, offset: float) -> None:
        await asyncio.sleep(offset)
        while time.perf_counter() < stop_at:
            await c.change()
            await asyncio.sleep(rng.uniform(think - 0.5, think + 0.5))

    await asyncio.gather(*(user(c, rng.uniform(0, think)) for c in clients))
    await asyncio.gather(*(c.close() for c in clients))
    latencies = [x for c in clients for x in c.latencies]
    return {"users": n, "reruns": len(latencies), "p50": _pct(latencies, 50), "p95": _pct(latencies, 95)}


def _pct(values: list[float], pct: float) -> float:
    """The pct-th percentile in ms (inclusive method: a 95th percentile of 20 values sits between the top two)."""
    if len(values) == 1:
        return values[0] * 1000
    return statistics.quantiles(values, n=100, method="inclusive")[int(pct) - 1] * 1000


SINGLE_USER_SECONDS = 150  # one user reruns every 3 s: ~50 reruns, so its p95 is not simply its slowest rerun


def measure(clients: tuple[int, ...] = (1, 10, 25), users: tuple[int, ...] = (1, 25), seconds: float = 20,
            think_seconds: float = 45, port: int | None = None, url: str | None = None,
            single_seconds: float = SINGLE_USER_SECONDS) -> dict[str, list[dict[str, float]]]:
    """Both measurements; each on a fresh server process (or all on `url`, a server already running). One user's
    think-time window is `single_seconds` (at least `think_seconds`): the denominator of the p95 ratio needs
    enough reruns of its own."""
    result: dict[str, list[dict[str, float]]] = {"throughput": [], "think": []}
    for n in clients:
        with Server(port, url) as server:
            result["throughput"].append(asyncio.run(throughput(server.url, n, seconds, server)))
        print(f"{n} clients: {result['throughput'][-1]}", file=sys.stderr)
    for n in users:
        with Server(port, url) as server:
            window = max(think_seconds, single_seconds) if n == 1 else think_seconds
            result["think"].append(asyncio.run(with_think_time(server.url, n, window)))
        print(f"{n} users, think time: {result['think'][-1]}", file=sys.stderr)
    return result


def tables(result: dict[str, list[dict[str, float]]]) -> str:
    rows = ["| clients, no pause | reruns | reruns per second | server CPU per rerun (ms) | p50 (ms) | p95 (ms) | "
            "server memory after (MiB) |", "|---:|---:|---:|---:|---:|---:|---:|"]
    rows += [f"| {r['clients']} | {r['reruns']} | {r['per_second']:.1f} | {r['cpu_ms']:.0f} | {r['p50']:.0f} | "
             f"{r['p95']:.0f} | {r['rss_mib']:.0f} |" for r in result["throughput"]]
    rows += ["", "| users, 3 s think time | reruns | p50 (ms) | p95 (ms) | p95 ÷ one user's p95 |",
             "|---:|---:|---:|---:|---:|"]
    single = next((r["p95"] for r in result["think"] if r["users"] == 1), None)
    for r in result["think"]:
        ratio = f"{r['p95'] / single:.1f}" if single else "—"
        rows.append(f"| {r['users']} | {r['reruns']} | {r['p50']:.0f} | {r['p95']:.0f} | {ratio} |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, nargs="*", default=[1, 10, 25])
    parser.add_argument("--users", type=int, nargs="*", default=[1, 25])
    parser.add_argument("--seconds", type=float, default=20, help="throughput window per client count")
    parser.add_argument("--think-seconds", type=float, default=45, help="think-time window per user count")
    parser.add_argument("--single-seconds", type=float, default=SINGLE_USER_SECONDS,
                        help="think-time window of one user (its p95 is the ratio's denominator)")
    parser.add_argument("--port", type=int, default=None, help="default: a free port")
    parser.add_argument("--url", default=None, help="measure a server already running there (e.g. deploy/'s nginx "
                        "in front of its replicas) instead of starting one; no CPU figure then")
    args = parser.parse_args()
    print(tables(measure(tuple(args.clients), tuple(args.users), args.seconds, args.think_seconds, args.port,
                         args.url, args.single_seconds)))


if __name__ == "__main__":
    main()
