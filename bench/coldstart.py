"""Benchmark cold start: from `streamlit run app.py` to the Overview idle in Chromium with every chart drawn.

Run: .venv/bin/python bench/coldstart.py  (needs Debian's /usr/bin/chromium; ~2 minutes; prints a Markdown table)

Each run starts a fresh server process (so every in-process cache, st.cache_resource and the price catalogue
included, is cold; the operating system's file cache and Python's bytecode are warm, as on a server that restarts)
and a fresh browser context. The clock starts just before the process is spawned; the browser opens the Overview as
soon as `/_stcore/health` first answers "ok" (polled every 10 ms), as a user would. Then, from a MutationObserver
installed before the page's first byte: when the page's websocket opened, when the script first ran and last finished
(`data-test-script-state`), when every plotly chart had drawn its SVG, and the page's last change once it is idle,
drawn and unchanged for 400 ms (the cold start). The Overview's title and at least one chart must be there, and no
exception element. Also the server process's CPU seconds by then, which a busy machine disturbs less than wall time.
Medians of several runs; Chromium is started once, before a first (untimed) warm-up run.

In the same rounds, taking turns with the dashboard, the same clock measures Streamlit's own floor: an empty page
(bench/empty_app.py) and a page with one plotly chart (bench/chart_app.py; the first chart also loads plotly's
JavaScript), so the table shows what Streamlit and plotly take on this machine before the dashboard adds anything.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, free_port, stop, wait_healthy  # noqa: E402

QUIET_MS = 400
# Installed before any of the page's scripts run: the time (epoch ms, the same clock as Python's time.time()) of the
# last change to the document.
WATCH = """(() => {
    window.__last = Date.now();
    window.__phases = {};
    let state = null, drawn = false;
    new MutationObserver(() => {
        const now = Date.now();
        window.__last = now;
        const app = document.querySelector("[data-testid='stApp']");
        const s = app && app.getAttribute('data-test-script-state');
        if (s !== state) {
            if (s === 'running' && !('first run starts' in window.__phases)) window.__phases['first run starts'] = now;
            if (s === 'notRunning' && state === 'running') window.__phases['last run ends'] = now;
            state = s;
        }
        const charts = [...document.querySelectorAll("[data-testid='stPlotlyChart']")];
        const all = charts.length > 0 && charts.every(c => c.querySelector('.main-svg'));
        if (all && !drawn) window.__phases['every chart drawn'] = now;
        drawn = all;
    }).observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
})();"""
def done(title: bool, charts: bool) -> str:
    """The page is idle, has its number input (the baselines), its title and every chart drawn (the app), and nothing
    has changed for QUIET_MS."""
    return f"""() => {{
    const app = document.querySelector("[data-testid='stApp']");
    const charts = [...document.querySelectorAll("[data-testid='stPlotlyChart']")];
    return app !== null && app.getAttribute('data-test-script-state') === 'notRunning'
        && document.querySelector("[data-testid='stMain'] {"h1" if title else "[data-testid='stNumberInput']"}") !== null
        && {"charts.length > 0 && charts.every(c => c.querySelector('.main-svg'))" if charts else "true"}
        && Date.now() - window.__last > {QUIET_MS};
}}"""


@dataclass(frozen=True)
class Target:
    """What is cold-started: the dashboard, or one of bench/browser.py's baselines (Streamlit's own floor)."""

    label: str
    script: str
    title: bool  # the page is done once its title is there (the app) or its number input (a baseline)
    charts: bool  # ... and every plotly chart has drawn


APP = Target("the dashboard's Overview", "app.py", title=True, charts=True)
BASELINES = (Target("empty Streamlit page (`bench/empty_app.py`)", "bench/empty_app.py", title=False, charts=False),
             Target("Streamlit page with one plotly chart (`bench/chart_app.py`)", "bench/chart_app.py", title=False,
                    charts=True))


def start_server(port: int, log_path: Path, script: str = "app.py") -> tuple[subprocess.Popen, float]:
    """Spawn `streamlit run <script>`; return the process and the epoch time just before it was spawned."""
    log = open(log_path, "w")  # noqa: SIM115  closed by tests.browser.stop
    started = time.time()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=os.environ | {"PYTHONUNBUFFERED": "1"},
    )
    proc.log = log  # type: ignore[attr-defined]
    return proc, started


PHASES = ("healthy", "websocket open", "first run starts", "last run ends", "every chart drawn", "idle and drawn")


def one_run(browser, port: int, target: Target = APP) -> dict[str, float]:
    """Seconds from spawning a fresh `streamlit run <script>` to each phase of its first page (PHASES)."""
    base = f"http://127.0.0.1:{port}"
    proc, started = start_server(port, ARTIFACTS / f"coldstart-{port}.log", target.script)
    seen: dict[str, float] = {}
    try:
        seen["healthy"] = wait_healthy(proc, base, poll=0.01)  # fine-grained: the phase is timed
        context = browser.new_context(viewport={"width": 1400, "height": 1600})
        context.add_init_script(WATCH)
        page = context.new_page()
        page.on("websocket", lambda ws: seen.setdefault("websocket open", time.time()))
        page.goto(base)
        page.wait_for_function(done(target.title, target.charts), timeout=60_000, polling=50)
        seen |= {name: t / 1000 for name, t in page.evaluate("() => window.__phases").items()}
        seen["idle and drawn"] = page.evaluate("() => window.__last") / 1000
        cpu = server_cpu_seconds(proc.pid)
        exceptions = page.locator("[data-testid='stException']")
        if exceptions.count():
            raise RuntimeError(f"{target.label} shows an exception: {exceptions.first.inner_text()}")
        context.close()
    finally:
        stop(proc, proc.log)  # type: ignore[attr-defined]
    # A page without charts has no "every chart drawn": it is drawn when it is idle.
    seen.setdefault("every chart drawn", seen["idle and drawn"])
    return {name: seen[name] - started for name in PHASES} | {"server CPU": cpu}


def server_cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) the server process has used so far: less sensitive to a busy machine than
    wall-clock time."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(runs: int = 5, port: int | None = None,
            targets: tuple[Target, ...] = (APP, *BASELINES)) -> dict[str, dict[str, float]]:
    """Median seconds from process start to each phase (PHASES) over `runs` cold starts of each target, after one
    warm-up. The targets take turns within each round, so the machine's other work falls on all of them alike."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    results: dict[str, list[dict[str, float]]] = {t.label: [] for t in targets}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            for target in targets:  # warm-up: the OS file cache, Chromium's own first page
                one_run(browser, port or free_port(), target)
            for i in range(runs):
                for target in targets:
                    results[target.label].append(one_run(browser, port or free_port(), target))
                    print(f"cold start {i + 1}, {target.label}: "
                          + ", ".join(f"{k} {v:.2f} s" for k, v in results[target.label][-1].items()), file=sys.stderr)
        finally:
            browser.close()
    return {label: {name: statistics.median(r[name] for r in rs) for name in (*PHASES, "server CPU")} | {"runs": runs}
            for label, rs in results.items()}


DESCRIBED = {
    "healthy": "`/_stcore/health` answers ok (the browser opens the page)",
    "websocket open": "the page's scripts loaded, websocket open",
    "first run starts": "the script starts",
    "last run ends": "the last run of the script ends",
    "every chart drawn": "every plotly chart has drawn its SVG",
    "idle and drawn": "**the page's last change (idle and drawn)**",
}


def table(results: dict[str, dict[str, float]]) -> str:
    """The README's table: median seconds from process start to each phase for each target (the dashboard first), and
    the dashboard's step from the phase before."""
    labels = list(results)
    runs = results[labels[0]]["runs"]
    rows = [f"| cold start, median of {runs:.0f} | " + " | ".join(f"{label} (s)" for label in labels)
            + " | dashboard's step (s) |", "|---|" + "---:|" * (len(labels) + 1)]
    previous = 0.0
    for name in PHASES:
        cells = [f"{results[label][name]:.2f}" for label in labels]
        if name == "idle and drawn":
            cells = [f"**{c}**" for c in cells]
        value = results[labels[0]][name]
        rows.append(f"| {DESCRIBED[name]} | " + " | ".join(cells) + f" | {value - previous:+.2f} |")
        previous = value
    rows.append("| server process CPU time until then (user + system) | "
                + " | ".join(f"{results[label]['server CPU']:.2f}" for label in labels) + " | |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--port", type=int, default=None, help="default: a free port")
    args = parser.parse_args()
    print(table(measure(args.runs, args.port)))


if __name__ == "__main__":
    main()
