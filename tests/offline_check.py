"""Run the app and a browser with no network at all, and report what they tried to reach.

Run inside a fresh network namespace (only loopback exists; tests/test_browser_offline.py does this with
`unshare -n`): starts `streamlit run app.py`, opens every page in Chromium with every request routed (anything not
for this machine is aborted and recorded), and writes a JSON report to the path given as the only argument.

It also loads an overrides file whose file name, model name and source are Markdown, to see them rendered as text.
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser import CHROMIUM, CHROMIUM_ARGS, settled, streamlit_server

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
OVERRIDE_NAME = "**Bold** [l](http://example.com/x) <b>h</b>"
OVERRIDE_SOURCE = "![i](http://example.com/i.png) `c` :red[r] $x$"
FILE_NAME = "ov_[a](b)_**x**.toml"

STATE_JS = """() => {
  const icon = document.querySelector("link[rel~='icon']");
  const fonts = [...document.fonts];
  return {
    favicon: icon ? icon.href : null,
    fonts_failed: fonts.filter(f => f.status === "error").map(f => f.family),
    icon_font_loaded: fonts.some(f => f.family.includes("Material Symbols") && f.status === "loaded"),
    exceptions: document.querySelectorAll("[data-testid='stException']").length,
    title: (document.querySelector("h1") || {}).textContent || null,
  };
}"""

ECHO_JS = """() => [...document.querySelectorAll("[data-testid='stSidebar'] [data-testid='stCaptionContainer']")]
  .map(el => ({text: el.textContent, links: el.querySelectorAll("a").length, images: el.querySelectorAll("img").length,
               code: el.querySelectorAll("code").length, math: el.querySelectorAll(".katex").length,
               strong: [...el.querySelectorAll("strong")].map(s => s.textContent)}))"""


# One page of each kind of content (every element type the app draws: charts, tables, editors, uploads, the sidebar's
# anatomy, presentation of sources): a request leaving the machine comes from the frontend's assets, shared by every
# page; tests/test_browser.py renders every page.
OFFLINE_PAGES = ("pages/overview.py", "pages/usage.py", "pages/library.py", "pages/prices.py", "pages/token_counter.py",
                 "pages/workload.py", "pages/jevons.py", "pages/summary.py")


def page_paths() -> list[str]:
    from app import DEFAULT_PAGE, page_files

    assert set(OFFLINE_PAGES) <= set(page_files())
    return ["/" if f == DEFAULT_PAGE else "/" + Path(f).stem for f in OFFLINE_PAGES]


def main(out: Path) -> None:
    from playwright.sync_api import sync_playwright

    overrides_dir = Path(tempfile.mkdtemp())
    overrides = overrides_dir / FILE_NAME
    overrides.write_text(
        f'[[model]]\nprovider = "self-hosted"\nmodel = "md-test"\nname = {json.dumps(OVERRIDE_NAME)}\n'
        f'input_mtok = 0.4\noutput_mtok = 0.4\nsource = {json.dumps(OVERRIDE_SOURCE)}\nsource_date = 2026-11-01\n'
    )
    os.environ["LLM_COST_LEVERS_PRICE_OVERRIDES"] = str(overrides)
    external: list[str] = []
    requests: list[str] = []
    report: dict = {"pages": {}, "external": external}

    def route(r):
        host = urlsplit(r.request.url).hostname or ""
        if r.request.url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
            r.continue_()
        else:
            external.append(r.request.url)
            r.abort()

    with streamlit_server() as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.route("**/*", route)
        page = context.new_page()
        page.on("request", lambda req: requests.append(req.url))
        page.on("websocket", lambda ws: requests.append(ws.url))
        for path in page_paths():
            page.goto(base + path)
            settled(page)
            report["pages"][path] = page.evaluate(STATE_JS)
        page.goto(base + "/?model=self-hosted/md-test")
        settled(page)
        report["echo"] = page.evaluate(ECHO_JS)
        captions = page.locator("[data-testid='stSidebar'] [data-testid='stCaptionContainer']")
        for label, text in (("source", "Source:"), ("file", "loaded from")):
            captions.filter(has_text=text).first.screenshot(
                path=str(ROOT / "tests" / "artifacts" / f"offline-echo-{label}.png"))
        browser.close()
    report["requests"] = len(requests)
    report["non_local_seen"] = [u for u in requests if (urlsplit(u).hostname or "") not in LOCAL_HOSTS
                                and not u.startswith(("data:", "blob:"))]
    report["expected"] = {"name": OVERRIDE_NAME, "source": OVERRIDE_SOURCE, "file": FILE_NAME}
    out.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
