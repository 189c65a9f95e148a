"""One bill across every lever: each page starts from the sidebar's bill, each lever alone is its own exact
difference of two priced workloads, levers chained never price below the cheapest the traffic could be billed at,
and the default Overview with every lever on is reproduced bar by bar from priced workloads."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calculators import caching, output_caps, system_prompt
from calculators.bill import model_prices, price
from calculators.lever import MODEL_CHOICE, effect, waterfall
from calculators.registry import BY_NAME, LEVERS
from calculators.workload import Workload, calls, completed_tasks
from tests.apptest import metric_value, money_value, run_page
from tests.levers_common import CAT, DEFAULT, simple_workloads

TOKEN_LEVERS = ("pipeline", "agent_loops", "reasoning", "system_prompt", "output_caps")  # change what is sent
ALTERNATIVES = [lv for lv in LEVERS if lv.group == MODEL_CHOICE]
INDEPENDENT = [lv for lv in LEVERS if lv.group is None]


def defaults(lever, w: Workload):
    """A lever's inputs as its page starts: the declared defaults, the workload-dependent ones included."""
    return lever.inputs(**lever.defaults(w, CAT))


# --- every page's "today" is the sidebar's bill ------------------------------------------------------------------

LINKS = {
    "default": {},
    "agents, failures, reasoning on GPT-5": {"model": "openai/gpt-5", "requests": "300000", "w.agents": "30",
                                             "w.fail": "10", "w.reasoning": "2000"},
}


@pytest.mark.parametrize("link", list(LINKS), ids=list(LINKS))
@pytest.mark.parametrize("page", sorted({lv.page for lv in LEVERS}))
def test_every_lever_page_starts_from_the_sidebar_bill(page, link):
    at = run_page(page, LINKS[link])
    assert not at.exception, [e.value for e in at.exception]
    bill = at.sidebar.metric[0].value.split("/")[0]  # '$8,000'
    # The headline, or, where the lever has nothing to act on and the page shows a preview, its verdict.
    verdict = [box.value for box in [*at.main.success, *at.main.warning, *at.main.info]][:1]
    shown = [m.value for m in at.main.metric] + [str(m.delta) for m in at.main.metric] + verdict
    assert any(bill in text for text in shown), (bill, shown)


# --- each lever alone: one exact difference ------------------------------------------------------------------


@settings(max_examples=25)
@given(simple_workloads(), st.sampled_from(LEVERS))
def test_a_lever_alone_is_the_difference_of_two_priced_workloads(s, lever):
    w = s.workload()
    x = defaults(lever, w)
    result = waterfall(w, [(lever, x)], CAT)
    assert result.baseline.total == pytest.approx(price(w, CAT).total)
    bar = result.bars[0]
    if bar.idle and bar.idle.startswith("it cannot apply"):
        return
    e = effect(lever, w, x, CAT)
    assert bar.saving == pytest.approx(e.saving, abs=0.005)
    assert bar.saving == pytest.approx(price(w, CAT).total - price(lever.apply(w, x, CAT), CAT).total, abs=0.005)


# --- chained levers never price below the cheapest billing of the same traffic ------------------------------------


def _cheapest_rates(models) -> tuple[float, float]:
    """USD per MTok: the cheapest any input token and any output token could be billed at by these models, in any
    tier, cached or not (the base rate: long-context tiers only raise prices)."""
    inputs, outputs = [], []
    for m in models:
        for tier in ("standard", "batch", "flex"):
            rates = m.rates(tier)
            if rates is None:
                continue
            inputs += [r.base for r in (rates.input, rates.cache_read, rates.cache_write, rates.cache_write_1h) if r]
            outputs.append(rates.output.base)
    return min(inputs), min(outputs)


def floor(w: Workload, chosen, final: Workload) -> float:
    """The traffic's cheapest possible bill: the tokens the token levers leave (the ones that change what is sent),
    failures and retries removed (one call per completed task and step), every token at the cheapest rate of any
    model the levers use, and as few requests as the chosen model-choice lever could possibly need. Classes today's
    bill refuses (a call beyond the context window) are left out: no lever may push another class past its window (the
    waterfall refuses such a lever), so only those can be missing from the final bill."""
    refused = {o.class_name for o in price(w, CAT).overflows}
    tokens_only = w.replace([c for c in w.classes if c.name not in refused])
    if not tokens_only.classes:
        return 0.0
    for lever, x in chosen:
        if lever.name in TOKEN_LEVERS:
            tokens_only = lever.apply(tokens_only, x, CAT)
    # Failures removed: each completed task makes one call per step (retries keep completed work equal).
    clean = tokens_only.replace([c.model_copy(update={"failures": None, "requests_per_month": completed_tasks(c)})
                                 for c in tokens_only.classes])
    factor = 1.0
    for lever, x in chosen:
        if lever.name == "right_sizing":  # today's requests include redos: tasks >= requests x the lowest pass rate
            factor = min(factor, min((r for row in x.pass_rates for r in row.rates.values() if r), default=1.0))
        if lever.name == "routing":  # today's requests include users' retries of bad answers
            factor = min(factor, 1 - x.user_retry * (1 - x.strong_success))
    keys = {c.model_key for c in (*w.classes, *final.classes)}
    models = [m for k in keys if (m := model_prices(final, CAT, k)) is not None]
    cheapest_in, cheapest_out = _cheapest_rates(models)
    rows = calls(clean)
    inputs = sum(rows.tokens[k] for k in ("input", "cache_write_5m", "cache_write_1h", "cache_read"))
    outputs = rows.tokens["output"] + rows.tokens["reasoning"]
    return factor * float(np.dot(rows.calls, inputs * cheapest_in + outputs * cheapest_out)) / 1e6


@settings(max_examples=30)
@given(simple_workloads(), st.sampled_from([None, *ALTERNATIVES]), st.floats(0, 1), st.floats(-0.9, 0),
       st.floats(0, 1))
def test_every_lever_on_never_prices_below_the_cheapest_billing(s, alternative, trim, brevity, batch_share):
    w = s.workload()
    chosen = []
    for lever in [*INDEPENDENT, *([alternative] if alternative else [])]:
        x = defaults(lever, w)
        if lever.name == "system_prompt":
            x = x.model_copy(update={"trim_share": trim})
        if lever.name == "output_caps":
            x = x.model_copy(update={"brevity_effect": brevity})
        if lever.name == "batch":
            x = x.model_copy(update={"share": batch_share})
        chosen.append((lever, x))
    result = waterfall(w, chosen, CAT)
    final = w
    for bar in result.bars:
        if not (bar.idle and bar.idle.startswith("it cannot apply")):
            final = bar.lever.apply(final, bar.inputs, CAT)
    assert result.final.total >= floor(w, [(b.lever, b.inputs) for b in result.bars], final) - 1e-6
    assert sum(b.saving for b in result.bars) == pytest.approx(result.total_saving, abs=1e-6)


# --- the default Overview with every lever on, reproduced bar by bar -------------------------------------------


def test_default_overview_with_every_lever_on_is_reproduced_by_hand():
    """Every lever the multiselect offers, and right-sizing as the model choice, on the default workload.

    By hand: pipeline, agent loops, retries and reasoning find nothing to act on (no pipeline classes, agent tasks,
    failures or reasoning tokens): $0 each. Right-sizing moves the light task classes to cheaper models. The
    system-prompt trim then removes 25% of every class's 1,500-token prefix, priced at each class's own model;
    output caps (no brevity, a 4,096-token cap) change almost nothing; caching reads what is left of the prefix; batch
    moves 30% of the traffic to half price. Each bar below is re-priced here from the workload the earlier levers
    left, and the first bars are checked against arithmetic.
    """
    at = run_page("pages/overview.py")
    at.multiselect(key="bill.levers").set_value([lv.name for lv in INDEPENDENT]).run()
    at.radio(key="bill.model").set_value("right_sizing").run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "bill after" in d.value.columns)

    w, expected = DEFAULT, []
    for name in ("pipeline", "agent_loops", "retries", "right_sizing", "reasoning", "system_prompt", "output_caps",
                 "caching", "batch"):
        lever = BY_NAME[name]
        after = lever.apply(w, defaults(lever, DEFAULT), CAT)
        expected.append((lever.label, price(w, CAT).total - price(after, CAT).total))
        w = after
    assert list(table["lever"]) == [label for label, _ in expected]
    for (label, saving), shown in zip(expected, table["monthly saving"], strict=True):
        assert shown == pytest.approx(saving, abs=0.005), label
    savings = dict(expected)
    for idle in ("pipeline", "agent_loops", "retries", "reasoning"):
        assert savings[BY_NAME[idle].label] == 0
    assert savings[BY_NAME["right_sizing"].label] == pytest.approx(4_658.96, abs=0.01)  # tests/test_right_sizing.py
    assert money_value(metric_value(at, "Bill after the levers")) == pytest.approx(price(w, CAT).total, abs=0.5)
    assert table["monthly saving"].sum() == pytest.approx(8_000 - price(w, CAT).total, abs=0.01)


def test_default_token_levers_by_hand():
    """The Overview's default levers (system-prompt trim, output caps, caching) on the default workload, by hand:
    the trim removes 375 of 1,500 prefix tokens at $2/MTok on 1M requests: $750; output caps with a 4,096 cap and no
    brevity instruction: $0.15 (2.2e-5 of answers cut, 10% of them redone); caching then reads the remaining 1,125
    prefix tokens at $0.10 instead of $2: $2,137.50. Counted once: the trim on a cached prefix would save only $37.50."""
    chosen = [(BY_NAME[n], defaults(BY_NAME[n], DEFAULT)) for n in ("system_prompt", "output_caps", "caching")]
    result = waterfall(DEFAULT, chosen, CAT)
    trim, caps, cache = (b.saving for b in result.bars)
    assert trim == pytest.approx(750)
    assert caps == pytest.approx(output_caps.evaluate(system_prompt.apply(DEFAULT, chosen[0][1], CAT),
                                                      chosen[1][1], CAT).saving, abs=1e-9)
    assert 0 <= caps < 1
    assert cache == pytest.approx(1_125 * (2 - 0.10), abs=0.05)  # the redone requests' prefix is cached too
    assert result.final.total == pytest.approx(8_000 - trim - caps - cache)
    assert caching.analyse(DEFAULT, chosen[2][1], CAT).saving == pytest.approx(2_850)  # alone, on the full prefix
