"""Benchmark: the Monte Carlo (draws of the Overview's waterfall) and the Overview rerun with the tornado.

Run: .venv/bin/python bench/uncertainty.py            (the README's numbers: 10,000 draws, every lever on; seconds)
     .venv/bin/python bench/uncertainty.py --draws 200 --repeats 3   (a quick check)

1. Monte Carlo: `calculators.uncertainty.monte_carlo` with every uncertain input at its default range, on the default
   workload with agent tasks, failures and reasoning (as bench/rerun.py's worst case), with the three default levers and
   with every lever on (right-sizing for the model choice): all draws priced at once on the draw axis
   (calculators/draws.py). Timed `--repeats` times in one process: the first run (the process's first Monte Carlo:
   its arrays' memory is new) and the median of all runs; the seed is the same in every run.
2. The Overview's AppTest rerun after a workload change never seen before, with the tornado recomputed (the Monte Carlo off, as by
   default), every lever on: the median script time app.py records and the AppTest round trip.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from calculators import uncertainty as u  # noqa: E402
from calculators.lever import MODEL_CHOICE  # noqa: E402
from calculators.prices import build_catalogue, overrides_path  # noqa: E402
from calculators.registry import LEVERS  # noqa: E402
from calculators.workload import SimpleWorkload  # noqa: E402
from pages._ui.workload_edit import SIDEBAR_KEYS  # noqa: E402

QUERY = {"w.agents": "20", "w.fail": "5", "w.reasoning": "1000"}
SIDEBAR = SimpleWorkload(agent_share=0.2, failure_rate=0.05, reasoning_tokens=1000)
DEFAULT_LEVERS = ("system_prompt", "output_caps", "caching")


def chain(every: bool) -> tuple[u.Chain, list[u.Uncertain]]:
    cat = build_catalogue(overrides_path())
    w = SIDEBAR.workload()
    levers = [lv for lv in LEVERS if (lv.group != MODEL_CHOICE or lv.name == "right_sizing")] if every else \
        [lv for lv in LEVERS if lv.name in DEFAULT_LEVERS]
    pairs = tuple((lv, lv.inputs(**lv.defaults(w, cat))) for lv in levers)
    c = u.Chain(w, pairs, cat, SIDEBAR)
    inputs = u.uncertain(u.WORKLOAD, SIDEBAR, SIDEBAR_KEYS, {}, u.workload_fields(SIDEBAR))
    for lever, x in pairs:
        inputs += u.uncertain(lever.name, x, u.lever_keys(type(x)), {})
    return c, [x for x in inputs if x.range.width > 0]


def monte_carlo_ms(every: bool, draws: int, repeats: int) -> tuple[float, float, int]:
    """(first run, median of the runs) in ms, and the inputs drawn."""
    c, inputs = chain(every)
    c.outcome()  # warm the catalogue and the one-draw caches
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        mc = u.monte_carlo(c, inputs, n=draws, seed=u.DEFAULT_SEED)
        runs.append((time.perf_counter() - start) * 1000)
        assert len(mc.after) == draws
    return runs[0], statistics.median(runs), len(inputs)


def overview_rerun_ms(repeats: int) -> tuple[float, float]:
    from pages._ui.layout import SURE_TAB
    from tests.apptest import open_tab, run_page

    at = run_page("pages/overview.py", QUERY)
    open_tab(at, "overview.builder", SURE_TAB)  # the tornado runs in its tab
    at.multiselect(key="bill.levers").set_value(at.multiselect(key="bill.levers").options).run()
    if any(r.key == "bill.model" for r in at.radio):
        at.radio(key="bill.model").set_value("right_sizing").run()
    script, total = [], []
    for i in range(repeats + 1):
        at.number_input(key="in_tokens").set_value(2_000 + 10 * (i + 1))  # a new workload: the tornado is recomputed
        start = time.perf_counter()
        at.run()
        if at.exception:
            raise RuntimeError(at.exception[0].value)
        if i:
            total.append((time.perf_counter() - start) * 1000)
            script.append(at.session_state["_rerun_ms"])
    assert any("moves the bill after the levers most" in m.value for m in at.markdown), "no tornado on the Overview"
    return statistics.median(script), statistics.median(total)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--draws", type=int, default=u.MAX_DRAWS)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    print(f"| Measurement | Inputs drawn | ms: first run / median of {args.repeats} |")
    print("|---|---:|---:|")
    for every, label in ((False, "the three default levers"), (True, "every lever on")):
        first, median, n_inputs = monte_carlo_ms(every, args.draws, args.repeats)
        print(f"| Monte Carlo, {args.draws:,} draws, {label} | {n_inputs} | {first:,.0f} / {median:,.0f} |")
    script, total = overview_rerun_ms(args.repeats)
    print(f"| Overview rerun with the tornado, every lever on: script / AppTest round trip, median of {args.repeats} | "
          f"| {script:,.0f} / {total:,.0f} |")


if __name__ == "__main__":
    main()
