"""Shared pieces for real-browser tests: a `streamlit run` server and the system Chromium."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
ARTIFACTS = ROOT / "tests" / "artifacts"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(timeout: float = 60, script: str = "app.py") -> Iterator[str]:
    """Start `streamlit run <script>` on a free loopback port; yield its base URL once healthy."""
    port = free_port()
    log = open(ARTIFACTS / f"streamlit-{port}.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=os.environ | {"PYTHONUNBUFFERED": "1"},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(proc, base, timeout, log.name)
        yield base
    finally:
        stop(proc, log)


def wait_healthy(proc: subprocess.Popen, base: str, timeout: float = 60, log_name: str = "its log",
                 poll: float = 0.25) -> float:
    """Poll `/_stcore/health` every `poll` seconds until it answers ok; return the epoch time it first did."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}; see {log_name}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                if r.read() == b"ok":
                    return time.time()
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError("streamlit did not become healthy")
        time.sleep(poll)


def stop(proc: subprocess.Popen, log) -> None:
    """Stop a server the tests started (politely, then not) and close its log."""
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def wait_for_app(page, timeout_ms: int = 30_000) -> None:
    """Wait until the script has finished running and the page has settled."""
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout_ms)
    page.wait_for_timeout(300)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout_ms)


def settled(page) -> None:
    """Wait until the run has finished, then again after a pause: a page may rerun once as it settles."""
    wait_for_app(page)
    page.wait_for_timeout(400)
    wait_for_app(page)
