"""Every speed benchmark a user feels, in one run: cold start, a team on one process, and typing in the browser.

Run: .venv/bin/python bench/speed.py  (needs Debian's /usr/bin/chromium; ~8 minutes; prints the README's tables)

In order, each with its own fresh `streamlit run app.py`: bench/coldstart.py (process start to the Overview idle
and drawn), bench/concurrency.py (reruns per second with 1, 10 and 25 websocket clients; latency with a 3 s think
time for 1 and 25 users), then bench/browser.py's table (Enter to idle and drawn, page by page). The date, the
machine and its load (`uptime`) are printed before each part: the machine's other work shows in every number.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import coldstart, concurrency  # noqa: E402


def load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def machine() -> str:
    import streamlit

    return (f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"Streamlit {streamlit.__version__}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cold-runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=20, help="throughput window per client count")
    parser.add_argument("--think-seconds", type=float, default=45, help="think-time window per user count")
    parser.add_argument("--repeats", type=int, default=7, help="bench/browser.py's reruns per page")
    parser.add_argument("--skip-browser", action="store_true", help="cold start and concurrency only")
    args = parser.parse_args()

    print(f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {machine()}.\n")
    print(f"**Cold start** (`bench/coldstart.py`), load: `{load()}`\n", flush=True)
    print(coldstart.table(coldstart.measure(args.cold_runs)), "\n", flush=True)
    print(f"**A team on one process** (`bench/concurrency.py`), load: `{load()}`\n", flush=True)
    print(concurrency.tables(concurrency.measure(seconds=args.seconds, think_seconds=args.think_seconds)), "\n",
          flush=True)
    if not args.skip_browser:
        from bench import browser

        print(f"**What a user waits for** (`bench/browser.py`), load: `{load()}`\n", flush=True)
        argv, sys.argv = sys.argv, [str(ROOT / "bench" / "browser.py"), "--repeats", str(args.repeats)]
        try:
            browser.main()
        finally:
            sys.argv = argv
    print(f"\nDone, load: `{load()}`")


if __name__ == "__main__":
    main()
