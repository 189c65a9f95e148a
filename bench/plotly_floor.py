"""Benchmark plotly's own drawing of each page's charts, without Streamlit: a lower bound for bench/browser.py.

Run: .venv/bin/python bench/plotly_floor.py  (needs Debian's /usr/bin/chromium; ~1 minute; prints a Markdown table)

Each page of `app.PAGE_TABLE` is run once through AppTest (its default run: the charts a user first sees, open tabs
only) and its plotly figures are taken as the browser receives them (the `plotly_chart` elements' JSON). A bare page
in Chromium (the same flags as the browser tests, 1,100 px wide charts, plotly.js from the plotly package, no
Streamlit) then draws them all with `Plotly.newPlot`, one after the other, until the next animation frame; median of
7 after a warm-up. No page can redraw these charts faster than plotly itself draws them, whatever element shows them.
"""
from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

import plotly

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.browser import page_table  # noqa: E402
from tests.apptest import run_page  # noqa: E402
from tests.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
DRAW = """async (figures) => {
    const root = document.getElementById('root');
    root.innerHTML = '';
    const divs = figures.map(() => root.appendChild(document.createElement('div')));
    const start = performance.now();
    for (let i = 0; i < figures.length; i++) await Plotly.newPlot(divs[i], figures[i].data, figures[i].layout);
    await new Promise(resolve => requestAnimationFrame(() => resolve()));
    return performance.now() - start;
}"""


def page_figures() -> dict[str, list[dict]]:
    """Each page's default-run figures, as the browser receives them."""
    return {page: [json.loads(c.proto.spec) for c in run_page(page).get("plotly_chart")] for page in page_table()}


def main(repeats: int = 7) -> None:
    from playwright.sync_api import sync_playwright

    figures = page_figures()
    html = (f"<html><body><div id='root' style='width:1100px'></div><script>{PLOTLY_JS.read_text()}</script>"
            "</body></html>")
    print("| page | charts | plotly alone, median (ms) |")
    print("|---|---:|---:|")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1400, "height": 1600}).new_page()
        page.set_content(html)
        for name, figs in figures.items():
            if not figs:
                print(f"| `{name}` | 0 | — |")
                continue
            times = [page.evaluate(DRAW, figs) for _ in range(repeats + 1)][1:]
            print(f"| `{name}` | {len(figs)} | {statistics.median(times):.0f} |")
        browser.close()


if __name__ == "__main__":
    main()
