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


def nudge(at: AppTest, i: int) -> str:
    """Change one main-area widget (alternating values) and return what was changed."""
    sidebar = {id(w) for w in at.sidebar.number_input}
    numbers = [w for w in at.number_input if id(w) not in sidebar]
    if numbers:
        w = numbers[0]
        step = w.step or 1
        lo = w.min if w.min is not None else -1e300
        hi = w.max if w.max is not None else 1e300
        base = w.value
        new = base + step if base + step <= hi else base - step
        w.set_value(new if i % 2 == 0 else max(lo, min(hi, new - step)))
        return f"number input '{w.label}'"
    if at.selectbox:
        w = [s for s in at.selectbox if s.key != "model"][0] if len(at.selectbox) > 1 else at.selectbox[0]
        w.set_value(w.options[(i + 1) % len(w.options)])
        return f"select box '{w.label}'"
    if at.text_area:
        w = at.text_area[0]
        w.set_value((w.value or "") + f" edit {i}")
        return f"text area '{w.label}'"
    raise RuntimeError("no widget to change")


def median_rerun(at: AppTest, repeats: int) -> tuple[float, str]:
    times = []
    what = ""
    for i in range(repeats + 1):
        what = nudge(at, i)
        start = time.perf_counter()
        at.run()
        elapsed = time.perf_counter() - start
        if at.exception:
            raise RuntimeError(at.exception[0].value)
        if i:  # the first rerun warms caches
            times.append(elapsed)
    return statistics.median(times) * 1000, what


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
        ms, what = median_rerun(at, args.repeats)
        rows.append((page, ms, what))
        print(f"{page}: {ms:.1f} ms", file=sys.stderr)
    mbps, n = token_throughput()
    print("| page | median rerun (ms) | × empty page | widget changed |")
    print("|---|---:|---:|---|")
    print(f"| empty page (AppTest baseline) | {empty:.1f} | 1.0 | number input |")
    for page, ms, what in rows:
        print(f"| `{page}` | {ms:.1f} | {ms / empty:.1f} | {what} |")
    print()
    print(f"o200k_base token counting: {mbps:.1f} MB/s on 1 MB of English prose ({n:,} tokens).")


if __name__ == "__main__":
    main()
