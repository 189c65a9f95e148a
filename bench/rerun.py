"""Benchmark: server-side rerun time per page after a widget change, and token-counting throughput.

Run: .venv/bin/python bench/rerun.py  (prints a Markdown table for the README; ~1-2 minutes)

Rerun time is measured with Streamlit's AppTest (the real script, router and sidebar included; no
browser): the median of several reruns, each after changing one widget on the page. The same run
measures an empty page through AppTest, so the ratio shows the page's own cost over the harness.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from app import page_files  # noqa: E402
from tests.apptest import run_page  # noqa: E402


SIDEBAR_KEYS = {"requests", "model", "in_tokens", "out_tokens", "currency", "fx", "discount", "present"}


def own(key: str | None) -> bool:
    """A page's own widget, not the sidebar's workload, anatomy or money settings."""
    return key is not None and key not in SIDEBAR_KEYS and not key.startswith("w.")


def nudge(at: AppTest, i: int) -> str:
    """Change one of the page's own widgets (alternating values) and return what was changed.

    Pages without a number input get their select box, multiselect or text changed; the Printable summary
    has no widget of its own, so the sidebar's request volume changes instead."""
    numbers = [w for w in at.number_input if own(w.key)]
    if numbers:
        w = numbers[0]
        step = w.step or 1
        lo = w.min if w.min is not None else -1e300
        hi = w.max if w.max is not None else 1e300
        base = w.value
        new = base + step if base + step <= hi else base - step
        w.set_value(new if i % 2 == 0 else max(lo, min(hi, new - step)))
        return f"number input '{w.label}'"
    selects = [w for w in at.selectbox if own(w.key)]
    if selects:
        w = selects[0]
        w.set_value(w.options[(i + 1) % len(w.options)])
        return f"select box '{w.label}'"
    if at.multiselect:
        w = at.multiselect[0]
        w.set_value(w.options[: 1 + i % len(w.options)])
        return f"multiselect '{w.label}'"
    if at.text_area:
        w = at.text_area[0]
        w.set_value((w.value or "") + f" edit {i}")
        return f"text area '{w.label}'"
    w = at.number_input(key="requests")
    w.set_value(1_000_000 + 1_000 * (i % 2))
    return "sidebar 'Requests per month'"


def overview_all_levers(repeats: int) -> tuple[float, float]:
    """The Overview with every lever on, rerun after a workload change (the bill builder's worst case)."""
    at = run_page("pages/overview.py", {"w.agents": "20", "w.fail": "5", "w.reasoning": "1000"})
    at.multiselect(key="bill.levers").set_value(at.multiselect(key="bill.levers").options).run()
    alternatives = any(r.key == "bill.model" for r in at.radio)
    if alternatives:
        at.radio(key="bill.model").set_value("right_sizing").run()  # one of the model-choice alternatives
    script, total = [], []
    for i in range(repeats + 1):
        at.number_input(key="in_tokens").set_value(2_000 + 100 * (i % 2))
        start = time.perf_counter()
        at.run()
        if i:
            total.append((time.perf_counter() - start) * 1000)
            script.append(at.session_state["_rerun_ms"])
    table = next(d.value for d in at.dataframe if "bill after" in d.value.columns)
    assert len(table) == len(at.multiselect(key="bill.levers").options) + alternatives
    return statistics.median(script), statistics.median(total)


def median_rerun(at: AppTest, repeats: int) -> tuple[float, float, str]:
    """(median script run in ms as app.py times it, median AppTest round trip in ms, what was changed)."""
    script, total = [], []
    what = ""
    for i in range(repeats + 1):
        what = nudge(at, i)
        start = time.perf_counter()
        at.run()
        elapsed = time.perf_counter() - start
        if at.exception:
            raise RuntimeError(at.exception[0].value)
        if i:  # the first rerun warms caches
            total.append(elapsed * 1000)
            script.append(at.session_state["_rerun_ms"])
    return statistics.median(script), statistics.median(total), what


def empty_page_ms(repeats: int) -> float:
    at = AppTest.from_string("import streamlit as st\nx = st.number_input('x', value=1)\nst.write(x)")
    at.run()
    times = []
    for i in range(repeats + 1):
        at.number_input[0].set_value(i + 2)
        start = time.perf_counter()
        at.run()
        if i:
            times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def token_throughput(megabytes: float = 1.0) -> tuple[float, int]:
    """o200k_base counting speed on ~1 MB of English prose (Python standard-library docstrings)."""
    import pydoc  # noqa: F401  (docstrings of these modules make the corpus)
    import email, http.client, argparse as ap, logging, unittest, json, collections, asyncio, typing  # noqa: E401

    from calculators import tokens

    modules = [email, http.client, ap, logging, unittest, json, collections, asyncio, typing]
    parts = []
    for module in modules:
        for name in dir(module):
            doc = getattr(getattr(module, name), "__doc__", None)
            if isinstance(doc, str) and len(doc) > 200:
                parts.append(doc)
    corpus = "\n\n".join(dict.fromkeys(parts))
    target = int(megabytes * 1_000_000)
    text = (corpus * (target // len(corpus.encode()) + 1)).encode()[:target].decode(errors="ignore")
    tokens.encoding("o200k_base")  # load the vocabulary outside the timing
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        n = tokens.count(text, "o200k_base")
        runs.append(time.perf_counter() - start)
    return len(text.encode()) / 1e6 / statistics.median(runs), n


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--pages", nargs="*", default=None)
    args = parser.parse_args()
    empty = empty_page_ms(args.repeats)
    rows = []
    for page in args.pages or page_files():
        at = run_page(page)
        script, total, what = median_rerun(at, args.repeats)
        rows.append((f"`{page}`", script, total, what))
        print(f"{page}: {script:.1f} ms script, {total:.1f} ms AppTest", file=sys.stderr)
    if not args.pages:
        script, total = overview_all_levers(args.repeats)
        rows.append(("`pages/overview.py`, every lever on", script, total, "sidebar 'Input tokens per request'"))
    mbps, n = token_throughput()
    print("| page | median rerun, script (ms) | median rerun, AppTest round trip (ms) | round trip ÷ empty page | "
          "widget changed |")
    print("|---|---:|---:|---:|---|")
    print(f"| empty page (AppTest baseline) | — | {empty:.1f} | 1.0 | number input |")
    for page, script, total, what in rows:
        print(f"| {page} | {script:.1f} | {total:.1f} | {total / empty:.1f} | {what} |")
    print()
    print(f"o200k_base token counting: {mbps:.1f} MB/s on 1 MB of English prose ({n:,} tokens).")


if __name__ == "__main__":
    main()
