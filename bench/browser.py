"""Benchmark what a user waits for: pressing Enter in a number input in Chromium until the page is idle and drawn.

Run: .venv/bin/python bench/browser.py  (needs Debian's /usr/bin/chromium; prints a Markdown table; ~6 minutes)

Three `streamlit run` servers start on loopback: the dashboard, an empty Streamlit page (one number input) and
Streamlit's floor for a page whose chart changes (one number input and one plotly chart that follows it), so all are
measured in the same run on the same machine. For every page of `app.PAGE_TABLE`, Chromium opens it, then 7
times (after one warm-up) types a new value into the page's first own number input (a page without one: the sidebar's
first number input, the workload's requests per month) and presses Enter. The clock runs from the Enter key to the
page's last change (any DOM mutation, plotly's drawing included), and stops only once the app is idle (its
`data-test-script-state` is "notRunning"), every chart on the page has drawn its SVG and nothing has changed for
400 ms. The median is reported with the bytes the browser received over the websocket during those reruns, and
where the time went: the last websocket message (the server's part), the last change inside a chart (plotly's
drawing) and the last change outside a <canvas> (a dataframe redraws its hidden screen-reader table 200 ms late).
"""
from __future__ import annotations

import argparse
import ast
import statistics
import sys
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, streamlit_server  # noqa: E402

EMPTY_APP = ROOT / "bench" / "empty_app.py"
CHART_APP = ROOT / "bench" / "chart_app.py"  # Streamlit's floor for a page whose chart changes
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
# The first number input a user can see (not one folded away in a closed expander).
OWN_INPUT = "[data-testid='stMain'] [data-testid='stNumberInput']:visible"
SIDEBAR_INPUT = "[data-testid='stSidebar'] [data-testid='stNumberInput']:visible"


def page_table() -> list[str]:
    """`app.PAGE_TABLE`'s files, read from the source: importing app.py would run the app outside Streamlit."""
    tree = ast.parse((ROOT / "app.py").read_text())
    table = next(n.value for n in ast.walk(tree) if isinstance(n, ast.AnnAssign)
                 and getattr(n.target, "id", None) == "PAGE_TABLE")
    return [f for section in ast.literal_eval(table).values() for f, *_ in section]
# Before pressing Enter: note when Enter goes down, and when the page last changed after it (every DOM mutation:
# new elements, new values, plotly drawing its SVG). The run is over and drawn when the server has answered (a
# websocket message after Enter: the rerun started), the app is idle, every chart has its SVG and nothing has changed
# for QUIET_MS; the time reported is from Enter to the last change.
# Where that time goes is noted too: the last websocket message (the server's rerun is over), the last change inside a
# plotly chart, and the last change outside a <canvas>. A canvas's children are fallback content, never drawn: a
# dataframe (glide-data-grid) rebuilds its screen-reader table there 200 ms after its cells change
# (`useDebouncedMemo(..., 200)` in its data-grid.tsx), so a page with a changed table settles at least that late.
WATCH = """() => {
    window.__t0 = null; window.__last = null; window.__lastChart = null; window.__lastDrawn = null;
    if (window.__watch) { window.__watch.disconnect(); document.removeEventListener('keydown', window.__key, true); }
    window.__key = e => { if (e.key === 'Enter') { window.__t0 = performance.now(); window.__last = window.__t0;
                                                    window.__lastDrawn = window.__t0; window.__messages.length = 0; } };
    document.addEventListener('keydown', window.__key, true);
    const inside = (node, selector) => { const e = node.nodeType === 1 ? node : node.parentElement;
                                         return !!(e && e.closest(selector)); };
    window.__watch = new MutationObserver(records => {
        if (window.__t0 === null) return;
        const now = performance.now(); window.__last = now;
        if (records.some(r => !inside(r.target, 'canvas'))) window.__lastDrawn = now;
        if (records.some(r => inside(r.target, '.js-plotly-plot'))) window.__lastChart = now;
    });
    window.__watch.observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
}"""
# Before the app's scripts run: note when each websocket message arrives.
RECORD_MESSAGES = """(() => {
    window.__messages = [];
    const Native = window.WebSocket;
    window.WebSocket = function (...args) {
        const ws = new Native(...args);
        ws.addEventListener('message', () => window.__messages.push(performance.now()));
        return ws;
    };
    window.WebSocket.prototype = Native.prototype;
    Object.assign(window.WebSocket, Native);
})();"""
BREAKDOWN = """() => ({
    server: window.__messages.length ? Math.max(...window.__messages) - window.__t0 : null,
    chart: window.__lastChart === null ? null : window.__lastChart - window.__t0,
    drawn: window.__lastDrawn - window.__t0,
})"""
QUIET_MS = 400
DONE = f"""() => window.__t0 !== null && performance.now() - window.__last > {QUIET_MS}
    && document.querySelector("[data-testid='stApp']").getAttribute('data-test-script-state') === 'notRunning'
    && [...document.querySelectorAll("[data-testid='stPlotlyChart']")].every(c => c.querySelector('.main-svg'))"""


# A page has loaded once a number input is drawn, the app is idle and nothing has changed for a second (a first
# load is idle before its run starts, and the sidebar is drawn before the page).
LOADED = """() => {
    if (!window.__loaded) {
        window.__loaded = {last: performance.now()};
        new MutationObserver(() => { window.__loaded.last = performance.now(); })
            .observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
    }
    return performance.now() - window.__loaded.last > 1000 && document.querySelector("[data-testid='stNumberInput']")
        && document.querySelector("[data-testid='stApp']").getAttribute('data-test-script-state') === 'notRunning';
}"""


def settle(page) -> None:
    page.wait_for_function(LOADED, timeout=60_000, polling=100)


@dataclass
class Result:
    """Medians over the reruns, in ms after Enter (kB for `received`)."""

    total: float  # the last change: the headline
    received: float
    label: str
    server: float  # the last websocket message: the server's rerun is over
    chart: float | None  # the last change inside a plotly chart (None: no chart changed)
    drawn: float  # the last change outside a <canvas>'s fallback content


def median_or_none(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def measure(page, url: str, repeats: int) -> Result:
    """Median ms from Enter to idle and drawn (and where it went), median kB received per rerun, the input typed into."""
    received: list[int] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: received.append(len(payload))))
    page.add_init_script(RECORD_MESSAGES)
    page.goto(url)
    settle(page)
    own = page.locator(OWN_INPUT)
    widget = own.first if own.count() else page.locator(SIDEBAR_INPUT).first
    where = "" if own.count() else "sidebar: "
    label = where + widget.locator("label").first.inner_text().strip()
    box = widget.locator("input").first
    start_value = float(box.input_value().replace(",", "") or 0)
    times, sizes, parts = [], [], []
    for i in range(repeats + 1):
        received.clear()
        box.fill(f"{start_value + (1 if i % 2 == 0 else 0):.12g}")  # 1000001, not 1e+06
        page.evaluate(WATCH)
        box.press("Enter")
        while not received:  # the server has not answered yet: the rerun has not started
            page.wait_for_timeout(10)
        page.wait_for_function(DONE, timeout=60_000, polling=50)
        elapsed = page.evaluate("() => window.__last - window.__t0")
        if i:
            times.append(elapsed)
            sizes.append(sum(received) / 1024)
            parts.append(page.evaluate(BREAKDOWN))
        page.wait_for_timeout(200)
    return Result(statistics.median(times), statistics.median(sizes), label,
                  server=statistics.median(p["server"] for p in parts),
                  chart=median_or_none([p["chart"] for p in parts]),
                  drawn=statistics.median(p["drawn"] for p in parts))


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--pages", nargs="*", default=None)
    args = parser.parse_args()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    rows = []
    with ExitStack() as stack, sync_playwright() as p:
        app = stack.enter_context(streamlit_server())
        empty = stack.enter_context(streamlit_server(script=str(EMPTY_APP)))
        one_chart = stack.enter_context(streamlit_server(script=str(CHART_APP)))
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        for name, url in (("empty Streamlit page", empty),
                          ("Streamlit page with one plotly chart that follows the input (`bench/chart_app.py`)",
                           one_chart)):
            page = browser.new_context(viewport={"width": 1400, "height": 1600}).new_page()
            rows.append((name, measure(page, url, args.repeats)))
            print(f"{name}: {rows[-1][1].total:.0f} ms", file=sys.stderr)
            page.context.close()
        for page_file in args.pages or page_table():
            path = "" if page_file == "pages/overview.py" else Path(page_file).stem
            page = browser.new_context(viewport={"width": 1400, "height": 1600}).new_page()
            result = measure(page, f"{app}/{path}", args.repeats)
            rows.append((f"`{page_file}`", result))
            print(f"{page_file}: {result.total:.0f} ms", file=sys.stderr)
            page.context.close()
        browser.close()
    empty_ms = rows[0][1].total
    print("| page | Enter → idle and drawn, median (ms) | ÷ empty page | received per rerun (kB) | input "
          "| last message (ms) | last chart change (ms) | last change outside a canvas (ms) |")
    print("|---|---:|---:|---:|---|---:|---:|---:|")
    for name, r in rows:
        chart = "—" if r.chart is None else f"{r.chart:.0f}"
        print(f"| {name} | {r.total:.0f} | {r.total / empty_ms:.1f} | {r.received:.0f} | {r.label} "
              f"| {r.server:.0f} | {chart} | {r.drawn:.0f} |")


if __name__ == "__main__":
    main()
