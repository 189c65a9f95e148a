"""The draw axis (calculators/draws.py) against the one-draw-at-a-time waterfall, draw for draw.

Every lever that declares `draws` is reconciled here automatically: random sidebars (agent tasks, failures, caches,
long-context tiers, small windows) and random sets of levers, each input drawn over wide ranges, and every draw's
today, bill after and bar compared with `Chain.outcome` of that draw's values, and its refusal with `with_values`'.
"""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calculators import draws as d
from calculators import uncertainty as u
from calculators.lever import MODEL_CHOICE
from calculators.prices import build_catalogue, overrides_path
from calculators.bill import price
from calculators.registry import LEVERS
from calculators.workload import (
    MAX_FAILURE_RATE, AgentLoop, CallClass, FailureOutcome, Failures, SimpleWorkload, Workload, copied,
)
from pages._ui.workload_edit import SIDEBAR_KEYS

CAT = build_catalogue(overrides_path())
ON_DRAWS = [lv for lv in LEVERS if lv.draws is not None]
MODELS = ("anthropic/claude-sonnet-5-5", "openai/gpt-4o", "anthropic/claude-sonnet-4-5", "anthropic/claude-haiku-5-5",
          "aws/meta.llama3-8b-instruct-v1:0", "nobody/unpriced-model")
TOL = 1e-9


def chain_of(sidebar: SimpleWorkload, names: tuple[str, ...], wide: bool) -> tuple[u.Chain, list[u.Uncertain]]:
    w = sidebar.workload()
    pairs = tuple((lv, lv.inputs(**lv.defaults(w, CAT))) for lv in ON_DRAWS if lv.name in names)
    chain = u.Chain(w, pairs, CAT, sidebar)
    inputs = u.uncertain(u.WORKLOAD, sidebar, SIDEBAR_KEYS, {}, u.workload_fields(sidebar))
    for lever, x in pairs:
        inputs += u.uncertain(lever.name, x, u.lever_keys(type(x)), {})
    if wide:
        inputs = widened(inputs)
    return chain, [x for x in inputs if x.range.width > 0]


def widened(inputs: list[u.Uncertain]) -> list[u.Uncertain]:
    """Every numeric input over a wide range: cliffs, refusals and rules are crossed in some draws."""
    return [u.Uncertain(**{**x.__dict__, "reach": r, "range": u.resolve(x.range.likely, r, x.lo, x.hi, x.integer)})
            for x in inputs
            for r in [u.Reach(below=0.9, above=2.0) if x.reach.scale == "relative" or not x.percent
                      else u.Reach(below=0.5, above=0.5, scale="absolute")]]


def reconcile(chain: u.Chain, inputs: list[u.Uncertain], n: int, seed: int) -> int:
    """Assert every draw's money on the draw axis equals the one-draw waterfall's; return the draws compared."""
    return reconcile_sample(chain, u.draws(inputs, n, seed))


def reconcile_sample(chain: u.Chain, sample: dict[str, np.ndarray]) -> int:
    """`reconcile` on given draws ('<owner>.<field>' -> values)."""
    n = len(next(iter(sample.values())))
    o, valid = chain.outcome_draws(sample, n)
    for i in range(n):
        scalar = chain.outcome({k: float(v[i]) for k, v in sample.items()})
        assert valid[i] == (scalar is not None), f"draw {i}: refused on one path only"
        if scalar is None:
            continue
        assert bool(o.unfit_today[i]) == scalar.unfit_today, f"draw {i}: today's bill refuses a class on one path"
        pairs = [("today", scalar.today, o.today[i]), ("after", scalar.after, o.after[i])]
        pairs += [(k, scalar.savings[k], o.savings[k][i]) for k in scalar.savings]
        for what, want, got in pairs:
            assert math.isclose(got, want, rel_tol=TOL, abs_tol=1e-6), (
                f"draw {i} {what}: draw axis {got!r}, one draw {want!r}; values "
                f"{ {k: float(v[i]) for k, v in sample.items()} }")
    return n


def lever_sets() -> st.SearchStrategy[tuple[str, ...]]:
    """Any set of the levers on the draw axis, at most one of the model-choice alternatives."""
    def one_choice(names: list[str]) -> tuple[str, ...]:
        seen = False
        out = []
        for lv in ON_DRAWS:
            if lv.name not in names:
                continue
            if lv.group == MODEL_CHOICE:
                if seen:
                    continue
                seen = True
            out.append(lv.name)
        return tuple(out)

    return st.lists(st.sampled_from([lv.name for lv in ON_DRAWS]), unique=True).map(one_choice)


sidebars = st.builds(
    SimpleWorkload,
    requests_per_month=st.sampled_from([1, 2_000, 1_000_000, 300_000_000]),
    model_key=st.sampled_from(MODELS),
    input_tokens=st.sampled_from([50, 2_000, 30_000, 180_000]),
    output_tokens=st.sampled_from([1, 400, 4_000]),
    prefix_share=st.sampled_from([0.0, 0.4, 0.75, 1.0]),
    reasoning_tokens=st.sampled_from([0, 1_000]),
    cache_hit_rate=st.sampled_from([0.0, 0.3, 1.0, None]),
    agent_share=st.sampled_from([0.0, 0.2, 1.0]),
    agent_steps=st.sampled_from([2, 10]),
    tool_result_tokens=st.sampled_from([0, 1_000]),
    history_caching=st.booleans(),
    failure_rate=st.sampled_from([0.0, 0.05, 0.4]),
    max_attempts=st.sampled_from([1, 3]),
    restarts=st.sampled_from([0, 2]),
    replay=st.sampled_from(["full history", "step only"]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sidebar=sidebars, names=lever_sets(), wide=st.booleans(), seed=st.integers(0, 2**32 - 1))
def test_every_draw_is_the_one_draw_waterfall(sidebar: SimpleWorkload, names: tuple[str, ...], wide: bool,
                                             seed: int) -> None:
    chain, inputs = chain_of(sidebar, names, wide)
    reconcile(chain, inputs, 12, seed)


@pytest.mark.parametrize("lever", ON_DRAWS, ids=lambda lv: lv.name)
def test_each_lever_alone_on_the_default_workloads(lever) -> None:
    """Each lever alone over its inputs' wide ranges, on a chat workload and on one with agent tasks, failures and
    reasoning (the Overview's benchmark workload)."""
    for sidebar in (SimpleWorkload(), SimpleWorkload(agent_share=0.2, failure_rate=0.05, reasoning_tokens=1000)):
        chain, inputs = chain_of(sidebar, (lever.name,), wide=True)
        reconcile(chain, inputs, 40, 11)


def test_a_long_context_tier_crossed_in_some_draws() -> None:
    """Claude Sonnet 4.5 prices a request above 200k input tokens at its long-context rates, every token of it: some
    draws of a 180k-token prompt cross the cliff and some do not."""
    sidebar = SimpleWorkload(model_key="anthropic/claude-sonnet-4-5", input_tokens=180_000, output_tokens=400)
    chain, inputs = chain_of(sidebar, (), wide=False)
    sample = u.draws(inputs, 200, 3)
    crossed = sample["workload.input_tokens"] > 200_000
    assert crossed.any() and not crossed.all()
    reconcile(chain, inputs, 200, 3)


def test_a_class_refused_in_some_draws_leaves_the_bill_there() -> None:
    """An 8k-window model: the draws whose prompt does not fit refuse the class (its money is not in the bill)."""
    sidebar = SimpleWorkload(model_key="aws/meta.llama3-8b-instruct-v1:0", input_tokens=7_000, output_tokens=400)
    chain, inputs = chain_of(sidebar, (), wide=False)
    sample = u.draws(inputs, 100, 5)
    o, _ = chain.outcome_draws(sample, 100)
    fits = sample["workload.input_tokens"] + sample["workload.output_tokens"] <= 8_192
    assert (o.today[~fits] == 0).all() and (o.today[fits] > 0).all() and not fits.all()
    assert (o.unfit_today == ~fits).all()
    reconcile(chain, inputs, 100, 5)
    one_at_a_time = u.monte_carlo(chain, inputs, 100, seed=5, on_draw_axis=False)
    assert u.monte_carlo(chain, inputs, 100, seed=5).unfit_today == int((~fits).sum()) == one_at_a_time.unfit_today


def test_the_monte_carlo_is_the_same_on_both_paths() -> None:
    """The Monte Carlo's figures on the draw axis are the one-draw-at-a-time figures (same seed, same draws)."""
    sidebar = SimpleWorkload(agent_share=0.2, failure_rate=0.05, reasoning_tokens=1000)
    chain, inputs = chain_of(sidebar, tuple(lv.name for lv in ON_DRAWS if lv.group != MODEL_CHOICE), wide=False)
    fast = u.monte_carlo(chain, inputs, 300, seed=9)
    slow = u.monte_carlo(chain, inputs, 300, seed=9, on_draw_axis=False)
    assert fast.refused == slow.refused and fast.unfit_today == slow.unfit_today
    np.testing.assert_allclose(fast.today, slow.today, rtol=TOL)
    np.testing.assert_allclose(fast.after, slow.after, rtol=TOL)
    for name in slow.savings:
        np.testing.assert_allclose(fast.savings[name], slow.savings[name], rtol=TOL, atol=1e-6)
        assert fast.saves_share(name) == slow.saves_share(name)


def test_a_lever_that_saves_nothing_saves_money_in_no_draw() -> None:
    """Right-sizing on a workload already on the cheapest candidate (Haiku) saves exactly $0 at every draw: its bar is
    two equal bills summed in different orders, +-7e-12 USD. The share of draws in which it "saves money" is 0% on
    both paths (it was 22.3% on the draw axis and 18.3% one draw at a time: the sign of float noise)."""
    sidebar = SimpleWorkload(requests_per_month=50_000_000, model_key="anthropic/claude-haiku-5-5")
    chain, inputs = chain_of(sidebar, ("right_sizing",), wide=False)
    assert chain.outcome().savings["right_sizing"] == 0.0
    for on_draw_axis in (True, False):
        mc = u.monte_carlo(chain, inputs, 2_000, u.DEFAULT_SEED, on_draw_axis=on_draw_axis)
        assert np.abs(mc.savings["right_sizing"]).max() < 1e-6
        assert mc.saves_share("right_sizing") == 0.0


def test_a_lever_not_on_the_draw_axis_is_priced_one_draw_at_a_time() -> None:
    """A chain with a lever that declares no `draws` still gets its Monte Carlo, one draw at a time."""
    sidebar = SimpleWorkload()
    lever = replace(ON_DRAWS[0], draws=None)
    w = sidebar.workload()
    chain = u.Chain(w, ((lever, lever.inputs(**lever.defaults(w, CAT))),), CAT, sidebar)
    inputs = [x for x in u.uncertain(u.WORKLOAD, sidebar, SIDEBAR_KEYS, {}, u.workload_fields(sidebar))
              if x.range.width > 0]
    with pytest.raises(d.NotOnDrawAxis):
        chain.outcome_draws(u.draws(inputs, 10, 1), 10)
    mc = u.monte_carlo(chain, inputs, 20, seed=1)
    assert len(mc.after) == 20 and (mc.after > 0).all()


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), budget_on=st.booleans(), steps=st.integers(1, 12))
def test_a_drawn_retry_policy_is_the_failure_outcome_of_each_draw(seed: int, budget_on: bool, steps: int) -> None:
    """Failure rate, attempts cap, budget, restarts and billed share drawn: each draw's outcome is
    `FailureOutcome.of` of that draw's policy (the budget's threshold by bisection against the scalar's brentq)."""
    rng = np.random.default_rng(seed)
    n = 30
    f = Failures.model_construct(failure_rate=rng.uniform(0, MAX_FAILURE_RATE, n), max_attempts=rng.integers(1, 11, n),
                                 restarts=rng.integers(0, 6, n), failed_output_share=rng.uniform(0, 1, n),
                                 replay="full history", retry_budget=rng.uniform(0, 0.5, n) if budget_on else None)
    got = d.failure_draws(f, steps, n)
    for i in range(n):
        one = Failures(failure_rate=float(f.failure_rate[i]), max_attempts=int(f.max_attempts[i]),
                       restarts=int(f.restarts[i]), failed_output_share=float(f.failed_output_share[i]),
                       retry_budget=float(f.retry_budget[i]) if budget_on else None)
        want = FailureOutcome.of(one, steps)
        for field in ("step_success", "retries_per_step", "passes", "success"):
            assert math.isclose(getattr(got, field)[i], getattr(want, field), rel_tol=1e-9, abs_tol=1e-12), field


@pytest.mark.parametrize("compaction", ["none", "sliding", "summarise"])
def test_a_drawn_agent_loop_bills_each_draw_as_its_own_task(compaction: str) -> None:
    """Steps, tool results, window and summary cadence drawn: each draw's bill is the bill of that draw's task."""
    rng = np.random.default_rng(4)
    n = 25
    loop = AgentLoop.model_construct(steps=rng.integers(1, 30, n), tool_result_tokens=rng.uniform(0, 3_000, n),
                                     history_caching=True, compaction=compaction, keep_steps=rng.integers(1, 8, n),
                                     summarise_every=rng.integers(1, 8, n), summary_tokens=rng.uniform(1, 2_000, n))
    base = CallClass(name="Agent tasks", requests_per_month=10_000, model_key="anthropic/claude-sonnet-5-5",
                     prefix_tokens=1_500, other_input_tokens=500, output_tokens=300, cache="5m", cache_hit_rate=0.6,
                     failures=Failures(failure_rate=0.1, replay="step only"))
    got = d.price_draws(d.WorkloadDraws(n, (d.Variant(copied(base, loop=loop)),)), CAT).total
    for i in range(n):
        one = AgentLoop(steps=int(loop.steps[i]), tool_result_tokens=float(loop.tool_result_tokens[i]),
                        history_caching=True, compaction=compaction, keep_steps=int(loop.keep_steps[i]),
                        summarise_every=int(loop.summarise_every[i]), summary_tokens=float(loop.summary_tokens[i]))
        want = price(Workload(classes=(base.model_copy(update={"loop": one}),)), CAT).total
        assert math.isclose(got[i], want, rel_tol=1e-9), (i, got[i], want)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sidebar=sidebars, names=lever_sets(), wide=st.booleans())
def test_the_tornado_is_the_same_on_both_paths(sidebar: SimpleWorkload, names: tuple[str, ...], wide: bool) -> None:
    """Every end of every bar, priced on the draw axis, is the end priced alone; the same bars are refused."""
    chain, inputs = chain_of(sidebar, names, wide)
    metrics = [u.bill_after, u.bill_today] + [u.saving_of(n) for n in names]
    for metric in metrics:
        fast = u.tornado(chain, inputs, metric)
        slow = u.tornado(chain, inputs, metric, on_draw_axis=False)
        assert fast.refused == slow.refused
        assert {b.input.name: b for b in fast.bars}.keys() == {b.input.name: b for b in slow.bars}.keys()
        by_name = {b.input.name: b for b in slow.bars}
        for bar in fast.bars:
            want = by_name[bar.input.name]
            for got_v, want_v in ((bar.at_low, want.at_low), (bar.at_high, want.at_high)):
                assert math.isclose(got_v, want_v, rel_tol=TOL, abs_tol=1e-6), (bar.input.name, got_v, want_v)


def test_draws_priced_in_chunks_give_the_figures_of_all_at_once(monkeypatch) -> None:
    """A long agent task over many draws is priced a chunk of draws at a time (a 200-step task over 10,000 draws peaked
    at about 480 MB above the process at once, 260 MB in chunks); the draws are independent, so every figure is the one
    of all draws at once."""
    sidebar = SimpleWorkload(agent_share=0.3, agent_steps=40, failure_rate=0.05, reasoning_tokens=1000)
    chain, inputs = chain_of(sidebar, tuple(lv.name for lv in ON_DRAWS if lv.group != MODEL_CHOICE), wide=False)
    whole = u.monte_carlo(chain, inputs, 900, seed=4)
    monkeypatch.setattr(u, "CHUNK_ROWS", 40 * 50)  # at most 50 draws a chunk: the floor of 500 draws applies
    assert u._chunk(chain, u.draws(inputs, 900, 4), 900) == 500
    chunked = u.monte_carlo(chain, inputs, 900, seed=4)
    assert (chunked.refused, chunked.unfit_today) == (whole.refused, whole.unfit_today)
    # (A chunk may price a class by its steps where another sums it in closed form: equal to the last bits.)
    np.testing.assert_allclose(chunked.today, whole.today, rtol=1e-12)
    np.testing.assert_allclose(chunked.after, whole.after, rtol=1e-12)
    for name in whole.savings:
        np.testing.assert_allclose(chunked.savings[name], whole.savings[name], rtol=1e-12, atol=1e-9)
