"""Benchmark what a user waits for: pressing Enter in a number input in Chromium until the page is idle and drawn.

Run: .venv/bin/python bench/browser.py  (needs Debian's /usr/bin/chromium; prints a Markdown table; ~2 minutes)

Two `streamlit run` servers start on loopback: the dashboard and an empty Streamlit page (one number input), so
both are measured in the same run on the same machine. For each page, Chromium opens it, then 7 times (after one
warm-up) types a new value into the page's first own number input and presses Enter; the clock stops when the
script has run (the app's `data-test-script-state` went to "running" and back to "notRunning"), every chart has
drawn its SVG, and two animation frames have passed. The median is reported with the bytes the browser received
over the websocket during those reruns.
"""
from __future__ import annotations

import argparse
import statistics
import sys
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import page_files  # noqa: E402
from tests.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, streamlit_server  # noqa: E402

EMPTY_APP = ROOT / "bench" / "empty_app.py"
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
OWN_INPUT = ("[data-testid='stMain'] [data-testid='stNumberInput'] input")
# Before pressing Enter: note when Enter goes down, and when the page last changed after it (every DOM mutation:
# new elements, new values, plotly drawing its SVG). The run is over and drawn when the app is idle and nothing has
# changed for QUIET_MS; the time reported is from Enter to the last change.
WATCH = """() => {
    window.__t0 = null; window.__last = null;
    if (window.__watch) { window.__watch.disconnect(); document.removeEventListener('keydown', window.__key, true); }
    window.__key = e => { if (e.key === 'Enter') { window.__t0 = performance.now(); window.__last = window.__t0; } };
    document.addEventListener('keydown', window.__key, true);
    window.__watch = new MutationObserver(() => { if (window.__t0 !== null) window.__last = performance.now(); });
    window.__watch.observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
}"""
QUIET_MS = 400
DONE = f"""() => window.__t0 !== null && performance.now() - window.__last > {QUIET_MS}
    && document.querySelector("[data-testid='stApp']").getAttribute('data-test-script-state') === 'notRunning'
    && [...document.querySelectorAll("[data-testid='stPlotlyChart']")].every(c => c.querySelector('.main-svg'))"""


def settle(page) -> None:
    page.wait_for_selector(IDLE, timeout=60_000)
    page.wait_for_timeout(300)
    page.wait_for_selector(IDLE, timeout=60_000)


def measure(page, url: str, repeats: int) -> tuple[float, float] | None:
    """Median ms from Enter to idle and drawn, and median kB received per rerun; None if the page has no input."""
    received: list[int] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: received.append(len(payload))))
    page.goto(url)
    settle(page)
    box = page.locator(OWN_INPUT).first
    try:
        box.wait_for(timeout=10_000)
    except Exception:  # noqa: BLE001  a page without a number input of its own
        return None
    start_value = float(box.input_value().replace(",", "") or 0)
    times, sizes = [], []
    for i in range(repeats + 1):
        received.clear()
        box.fill(f"{start_value + (1 if i % 2 == 0 else 0):g}")
        page.evaluate(WATCH)
        box.press("Enter")
        page.wait_for_function(DONE, timeout=60_000, polling=50)
        elapsed = page.evaluate("() => window.__last - window.__t0")
        if i:
            times.append(elapsed)
            sizes.append(sum(received) / 1024)
        page.wait_for_timeout(200)
    return statistics.median(times), statistics.median(sizes)


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
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1400, "height": 1600}).new_page()
        base = measure(page, empty, args.repeats)
        assert base is not None
        rows.append(("empty Streamlit page", *base))
        print(f"empty page: {base[0]:.0f} ms", file=sys.stderr)
        for page_file in args.pages or page_files():
            path = "" if page_file == "pages/overview.py" else Path(page_file).stem
            page = browser.new_context(viewport={"width": 1400, "height": 1600}).new_page()
            result = measure(page, f"{app}/{path}", args.repeats)
            if result is None:
                continue
            rows.append((f"`{page_file}`", *result))
            print(f"{page_file}: {result[0]:.0f} ms", file=sys.stderr)
            page.context.close()
        browser.close()
    empty_ms = rows[0][1]
    print("| page | Enter → idle and drawn, median (ms) | ÷ empty page | received per rerun (kB) |")
    print("|---|---:|---:|---:|")
    for name, ms, kb in rows:
        print(f"| {name} | {ms:.0f} | {ms / empty_ms:.1f} | {kb:.0f} |")


if __name__ == "__main__":
    main()
