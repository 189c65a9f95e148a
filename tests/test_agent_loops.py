"""Agent loops lever on the one bill: hand-computed tasks, the lever's saving, exact curves and overflows, properties."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calculators import agent_loops as al
from calculators.agent_loops import AgentPolicyInputs
from calculators.bill import price
from calculators.lever import effect
from calculators.prices import ModelPrices, TieredRate
from calculators.workload import AgentLoop, CallClass, Failures, SimpleWorkload, Workload
from tests import test_draws as td
from tests.levers_common import CAT, DEFAULT, GPT5, draw_axis_chain, workloads


def make_prices(inp=1.0, out=5.0, read: float | None = 0.1, write: float | None = 1.25, tiers=(), window=None):
    """Round prices in $/MTok: input 1, output 5, cache read 0.1, 5-minute write 1.25."""
    def rate(base: float | None) -> TieredRate | None:
        return None if base is None else TieredRate(base=base, tiers=tuple((t, base * f) for t, f in tiers))

    return ModelPrices(provider_id="test", provider_name="Test", model_id="m", model_name="M", input=rate(inp),
                       output=rate(out), cache_read=rate(read), cache_write=rate(write), context_window=window,
                       source="test", source_date="2026-12")

P = make_prices()
NO_CACHE = AgentPolicyInputs(history_caching=False)
CACHE = AgentPolicyInputs()


def agent(steps=3, prices=P, requests=1.0, loop=None, **kw) -> Workload:
    """S = 800, U = 200, A = 100, R = 400 unless overridden: the legacy page's small hand case."""
    shape = dict(prefix_tokens=800, other_input_tokens=200, output_tokens=100) | kw
    lp = AgentLoop(steps=steps, **({"tool_result_tokens": 400} | (loop or {})))
    return Workload(classes=(CallClass(name="Agent", requests_per_month=requests, model_key=prices.key, loop=lp,
                                       **shape),), custom_models=(prices,))


def per_task(w: Workload, x: AgentPolicyInputs) -> float:
    return price(al.apply(w, x, CAT), CAT).total / w.classes[0].requests_per_month


# --- hand-computed tasks --------------------------------------------------------------------------------------


def test_three_steps_without_caching_by_hand():
    # S+U = 1,000, A+R = 500, n = 3: inputs 1,000 + 1,500 + 2,000 = 4,500 tokens at $1 and 300 output at $5
    # = $6,000 per MTok -> $0.006. Naive: 3 x (1,000 + 100 x 5) = $4,500 per MTok -> $0.0045.
    r = al.analyse(agent(), NO_CACHE, CAT)
    assert per_task(agent(), NO_CACHE) == pytest.approx(0.006)
    assert r.task.cost_per_task == pytest.approx(0.006) and r.task.naive_per_task == pytest.approx(0.0045)
    assert r.task.input_tokens == pytest.approx(4_500) and r.task.naive_input_tokens == pytest.approx(3_000)
    assert r.task.multiplier == pytest.approx(6_000 / 4_500)


def test_three_steps_with_history_caching_by_hand():
    # Step 1 writes 1,000 (x 1.25 = 1,250); step 2 reads 1,000 (100) and writes 500 (625); step 3 reads 1,500
    # (150) and writes 500 (625). Input $2,750 + output $1,500 = $4,250 per MTok -> $0.00425.
    assert per_task(agent(), CACHE) == pytest.approx(0.00425)
    steps = al.analyse(agent(), CACHE, CAT).task.step_costs
    assert list(steps["cached_input"] * 1e6) == pytest.approx([0, 100, 150])
    assert list(steps["uncached_input"] * 1e6) == pytest.approx([1_250, 625, 625])
    assert list(steps["output"] * 1e6) == pytest.approx([500, 500, 500])
    assert list(steps["today_total"] * 1e6) == pytest.approx([1_500, 2_000, 2_500])  # today: not cached


def test_caching_pays_from_two_steps_by_hand():
    # One step: 1,000 written at 1.25 and never read back costs $0.00025 more. Two steps: cached $0.001750 + $0.001225
    # = $0.002975 (step 2 reads 1,000 at 0.1 and writes 500 at 1.25, plus 500 out) against $0.0015 + $0.002 = $0.0035.
    view = al.analyse(agent(steps=10), CACHE, CAT).task
    assert view.curve["policy"][0] - view.curve["today"][0] == pytest.approx(250e-6)
    assert view.curve["policy"][1] == pytest.approx(0.002975) and view.curve["today"][1] == pytest.approx(0.0035)
    assert view.pays_from_steps == 2
    assert al.analyse(agent(steps=10), NO_CACHE, CAT).task.pays_from_steps is None  # the same policy as today


def test_caching_a_sliding_window_loses_money():
    # S+U = 1, A+R = 1,000 (A = 100), K = 3, n = 10. Once the window slides (steps 5-10) each step re-writes 3,000
    # tokens at 1.25 and reads only the 1-token prefix. Uncached input: 1 + 1,001 + 2,001 + 3,001 + 6 x 3,001 = 24,010.
    # Cached: writes 1 + 3 x 1,000 + 6 x 3,000 = 21,001 (x 1.25 = 26,251.25); reads 1 + 1,001 + 2,001 + 6 x 1 = 3,009
    # (x 0.1 = 300.9). Output 1,000 x 5 = 5,000 either way.
    w = agent(steps=10, prefix_tokens=1, other_input_tokens=0, loop={"tool_result_tokens": 900})
    sliding = dict(compaction="sliding", keep_steps=3)
    plain = per_task(w, AgentPolicyInputs(history_caching=False, **sliding))
    cached = per_task(w, AgentPolicyInputs(history_caching=True, **sliding))
    assert plain == pytest.approx((24_010 + 5_000) / 1e6)
    assert cached == pytest.approx((26_251.25 + 300.9 + 5_000) / 1e6)


def test_summary_every_two_steps_by_hand():
    # k = 2, M = 300, n = 5. Steps: 1,000; 1,500; [summary: 2,000 in, 300 out]; 1,300; 1,800; [summary: 2,300 in,
    # 300 out]; 1,300. Input 6,900 + 4,300 = 11,200; output 500 + 600 = 1,100 -> $16,700 per MTok.
    summarise = dict(compaction="summarise", summarise_every=2, summary_tokens=300)
    assert per_task(agent(steps=5), AgentPolicyInputs(history_caching=False, **summarise)) == pytest.approx(0.0167)
    # Cached: writes 1,000, 500, [500], 300, 500, [500], 300 = 3,600 (x 1.25 = 4,500); reads 1,000, [1,500], 1,000,
    # 1,300, [1,800], 1,000 = 7,600 (x 0.1 = 760); output 5,500.
    assert per_task(agent(steps=5), AgentPolicyInputs(**summarise)) == pytest.approx(0.01076)
    steps = al.analyse(agent(steps=5), AgentPolicyInputs(**summarise), CAT).task.step_costs
    assert list(steps["summary_call"] > 0) == [False, True, False, True, False]


def test_default_agent_workload_by_hand():
    # The sidebar's workload as 20-step agent tasks on Sonnet 5.5 (1M a month): n(S+U) + (A+R) n(n-1)/2 =
    # 306,000 input tokens a task, 8,000 output: $692,000 uncached. Cached (tests/test_bill.py): reads 277,400 at
    # $0.10, writes 28,600 at $2.50, output $0.08: $179,240. The lever saves $512,760.
    w = SimpleWorkload(agent_share=1.0, agent_steps=20).workload()
    e = effect(al.LEVER, w, CACHE, CAT)
    assert e.before.total == pytest.approx(692_000) and e.after.total == pytest.approx(179_240)
    assert e.saving == pytest.approx(512_760)
    r = al.analyse(w, CACHE, CAT)
    # Naive: 20 x one call of 2,000 in and 400 out ($0.008) = $0.16 a task.
    assert r.task.naive_per_task == pytest.approx(0.16) and r.task.multiplier == pytest.approx(0.17924 / 0.16)
    assert r.task.multiplier_today == pytest.approx(0.692 / 0.16)


def test_gpt5_agents_are_cached_today_and_the_old_default_was_3x_too_high():
    """The issue's point: on GPT-5 (automatic caching) the old page priced 20-step tasks uncached: $462,500 a month
    = 1M x (306,000 x $1.25 + 8,000 x $10) / 1M. Cached as the provider does it (reads $0.125, writes at input, no
    premium): 277,400 x $0.125 + 28,600 x $1.25 + 80,000 = $150,425. The old figure was 3.07x too high."""
    sidebar = SimpleWorkload(model_key=GPT5, agent_share=1.0, agent_steps=20, history_caching=True)
    today = price(sidebar.workload(), CAT).total
    old = price(sidebar.model_copy(update={"history_caching": False}).workload(), CAT).total
    assert today == pytest.approx(150_425) and old == pytest.approx(462_500)
    assert old / today == pytest.approx(3.0746, abs=1e-4)
    r = al.analyse(sidebar.workload(), CACHE, CAT)
    assert r.idle == "every agent task already keeps its history this way" and r.saving == 0
    assert r.task.caches_automatically


def test_the_shared_prefix_is_read_across_tasks():
    # With a cross-task hit rate of 1, step 1 reads the 800-token prefix instead of writing it: 800 x (1.25 - 0.1).
    cold = agent()
    warm = cold.replace([cold.classes[0].model_copy(update={"cache": "5m", "cache_hit_rate": 1.0})])
    assert per_task(cold, CACHE) - per_task(warm, CACHE) == pytest.approx(800 * 1.15 / 1e6)
    assert al.analyse(warm, CACHE, CAT).task.prefix_hit_rate == 1.0


def test_lever_touches_only_agent_classes():
    w = SimpleWorkload(agent_share=0.3).workload()
    after = al.apply(w, AgentPolicyInputs(compaction="sliding", keep_steps=2), CAT)
    assert after.classes[0] == w.classes[0]  # plain requests untouched
    assert after.classes[1].loop.compaction == "sliding" and after.classes[1].loop.keep_steps == 2
    assert after.classes[1].loop.history_caching and after.classes[1].loop.steps == w.classes[1].loop.steps


def test_idle_without_agents_or_when_the_policy_is_today():
    assert "no agent tasks" in al.idle(DEFAULT, CACHE, CAT)
    r = al.analyse(DEFAULT, CACHE, CAT)
    assert r.task is None and r.saving == 0
    w = SimpleWorkload(agent_share=0.5, history_caching=True).workload()
    assert al.idle(w, CACHE, CAT) is not None
    # Settings of a compaction that is not used do not make the policy different.
    assert al.idle(w, AgentPolicyInputs(keep_steps=9), CAT) is not None
    assert al.idle(w, AgentPolicyInputs(compaction="sliding"), CAT) is None


def test_policy_table_is_priced_by_the_bill():
    w = SimpleWorkload(agent_share=0.4, agent_steps=12).workload()
    x = AgentPolicyInputs(compaction="summarise", summarise_every=4)
    table = al.analyse(w, x, CAT).task.policies
    assert len(table) == 6 and table["today"].sum() == 1 and table["chosen"].sum() == 1
    assert table.loc[table["today"], "compaction"].item() == "No compaction"
    assert table.loc[table["today"], "history caching"].item() == "off"
    for row in table.itertuples():
        y = x.model_copy(update={"compaction": {v: k for k, v in al.COMPACTION_LABELS.items()}[row.compaction],
                                 "history_caching": row[2] == "on"})
        assert row[4] == pytest.approx(price(al.apply(w, y, CAT), CAT).total)
        assert row[3] == pytest.approx(price(al.apply(w, y, CAT), CAT).classes[1].total / w.classes[1].requests_per_month)


def test_overflow_by_hand():
    # Window 3,000: step i needs 1,000 + 500(i - 1) + 100; step 4 needs 2,600, step 5 3,100 -> step 5.
    w = agent(steps=10, prices=make_prices(window=3_000))
    c = w.classes[0]
    o = al.first_overflow(c, 3_000)
    assert (o.step, o.in_summary_call, o.tokens) == (5, False, 3_100)
    assert price(w, CAT).overflows[0].step == 5  # the bill flags the same call
    summarise = AgentPolicyInputs(compaction="summarise", summarise_every=2, summary_tokens=300)
    assert al.first_overflow(al.with_policy(c, summarise), 3_000) is None  # contexts stay <= 2,600
    assert al.first_overflow(al.with_policy(c, AgentPolicyInputs(compaction="sliding", keep_steps=5)), 3_000).step == 5
    assert al.first_overflow(al.with_policy(c, AgentPolicyInputs(compaction="sliding", keep_steps=3)), 3_000) is None
    # A 3,000-token summary after step 4 (1,000 + 4 x 500 in + 3,000 out = 6,000) overflows a 5,000 window.
    big = AgentPolicyInputs(compaction="summarise", summarise_every=4, summary_tokens=3_000)
    o = al.first_overflow(al.with_policy(c, big), 5_000)
    assert (o.step, o.in_summary_call, o.tokens) == (5, True, 6_000)
    r = al.analyse(w, NO_CACHE, CAT)
    assert r.task.overflows_within_task and r.task.window == 3_000


def test_reasoning_counts_in_the_context_but_is_not_re_sent():
    c = agent(steps=4, reasoning_tokens=1_000).classes[0]
    # Step i needs 1,000 + 500(i - 1) + 100 + 1,000 reasoning: step 3 needs 3,100 > 3,000.
    assert al.first_overflow(c, 3_000).step == 3


# --- the curve and the overflow are exact ------------------------------------------------------------------------

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TIERED = make_prices(tiers=((5_000, 2.0),))
shapes = st.fixed_dictionaries({
    "prefix_tokens": st.integers(0, 20_000), "other_input_tokens": st.integers(0, 5_000),
    "output_tokens": st.integers(0, 3_000), "reasoning_tokens": st.sampled_from([0, 0, 500]),
})
policies = st.builds(AgentPolicyInputs, history_caching=st.booleans(), compaction=st.sampled_from(al.COMPACTIONS),
                     keep_steps=st.integers(1, 12), summarise_every=st.integers(1, 12),
                     summary_tokens=st.integers(1, 5_000))
failures = st.one_of(st.none(), st.builds(Failures, failure_rate=st.sampled_from([0.05, 0.3]),
                                          max_attempts=st.integers(1, 3), restarts=st.integers(0, 2),
                                          replay=st.sampled_from(["full history", "step only"]),
                                          retry_budget=st.sampled_from([None, 0.1])))


def one_agent(shape, steps, tool, f, prices=TIERED, hit=0.0) -> tuple[Workload, CallClass]:
    c = CallClass(name="Agent", requests_per_month=1_000, model_key=prices.key, failures=f,
                  loop=AgentLoop(steps=steps, tool_result_tokens=tool), cache="5m" if hit else "off",
                  cache_hit_rate=hit, **shape)
    return Workload(classes=(c,), custom_models=(prices,)), c


@FAST
@given(shape=shapes, steps=st.integers(1, 40), tool=st.integers(0, 3_000), x=policies, f=failures,
       hit=st.sampled_from([0.0, 0.5]), extra=st.integers(0, 30))
def test_cost_per_task_curve_equals_price_at_every_length(shape, steps, tool, x, f, hit, extra):
    """One priced task of the longest length gives every shorter one exactly (restarts, summaries, tiers)."""
    w, c = one_agent(shape, steps, tool, f, hit=hit)
    chosen = al.with_policy(c, x)
    last = steps + extra
    curve = al.cost_per_task_curve(w, chosen, CAT, last)
    for n in {1, steps, last}:
        priced = price(w.replace([al._with_steps(chosen, n)]), CAT).total / c.requests_per_month
        assert curve[n - 1] == pytest.approx(priced, rel=1e-9, abs=1e-15)


@FAST
@given(shape=shapes, tool=st.integers(0, 3_000), x=policies, window=st.integers(500, 200_000))
def test_first_overflow_is_the_first_call_the_bill_flags(shape, tool, x, window):
    """The closed form equals a scan of every call of the longest task the spine prices (200 steps)."""
    w, c = one_agent(shape, 200, tool, None)
    chosen = al.with_policy(c, x)
    rows = price(w.replace([chosen]), CAT).rows
    over = rows.context > window
    # In time order: a summary call after step s comes before step s + 1.
    when = np.where(rows.kind == 2, rows.step + 0.5, rows.step)
    expected = None
    if over.any():
        first = int(np.argmin(np.where(over, when, np.inf)))
        expected = (int(rows.step[first]) + (1 if rows.kind[first] == 2 else 0), bool(rows.kind[first] == 2))
    o = al.first_overflow(chosen, window)
    if expected is None:
        assert o is None or o.step > 200
    else:
        assert o is not None and (o.step, o.in_summary_call) == expected
        # At the task's own length the bill flags a call exactly when the first overflow falls within it.
        # (a summary call before step s exists once the task has s steps).
        windowed = TIERED.model_copy(update={"context_window": window})
        short = price(Workload(classes=(al._with_steps(chosen, o.step),), custom_models=(windowed,)), CAT)
        longest_fitting = price(Workload(classes=(al._with_steps(chosen, o.step - 1),), custom_models=(windowed,)),
                                CAT) if o.step > 1 else None
        assert short.overflows and (longest_fitting is None or not longest_fitting.overflows)


@FAST
@given(w=workloads(failures=False), x=policies)
def test_saving_is_the_difference_of_two_priced_workloads(w, x):
    e = effect(al.LEVER, w, x, CAT)
    assert e.saving == pytest.approx(price(w, CAT).total - price(al.apply(w, x, CAT), CAT).total)
    assert e.saving == pytest.approx(al.analyse(w, x, CAT).saving)
    if al.idle(w, x, CAT) is not None:
        assert e.saving == pytest.approx(0, abs=1e-9)


@FAST
@given(shape=shapes, steps=st.integers(1, 40), tool=st.integers(0, 3_000))
def test_whole_history_costs_at_least_the_naive_estimate_and_the_multiplier_grows(shape, steps, tool):
    """Without caching or compaction each step re-sends at least S + U at a rate at least the first step's, so a
    task costs at least n single calls, and the ratio never falls as steps are added."""
    w, c = one_agent(shape, steps, tool, None)
    curve = al.cost_per_task_curve(w, c, CAT, 40)
    naive = al.naive_call_cost(w, c, CAT) * np.arange(1, 41)
    assert curve[0] == pytest.approx(naive[0])
    if naive[0] > 0:
        ratio = curve / naive
        assert (ratio >= 1 - 1e-12).all() and (np.diff(ratio) >= -1e-12).all()


@FAST
@given(shape=shapes, steps=st.integers(1, 40), tool=st.integers(0, 3_000), x=policies)
def test_history_caching_never_costs_more_without_a_write_premium(shape, steps, tool, x):
    """Reads and writes at or below the input price (OpenAI-style), tiers chosen by the same total input: caching
    the history never raises the bill, whatever the compaction."""
    prices = make_prices(read=0.1, write=None)
    w, c = one_agent(shape, steps, tool, None, prices=prices)
    off = per_task(w, x.model_copy(update={"history_caching": False}))
    on = per_task(w, x.model_copy(update={"history_caching": True}))
    assert on <= off * (1 + 1e-12) + 1e-15


# --- the draw axis (calculators/draws.py) ------------------------------------------------------------------------


def reconcile_with(sidebar: SimpleWorkload, lever, x, others: tuple[str, ...] = (), n: int = 30, seed: int = 7) -> None:
    """`lever` with inputs `x` (and the draw-axis levers `others` at their defaults), every input over a wide range:
    each draw's money on the draw axis is the one-draw waterfall's (tests/test_draws.py's check, with these inputs
    in place of the lever's defaults)."""
    w = sidebar.workload()
    pairs = [(lv, x if lv.name == lever.name else lv.inputs(**lv.defaults(w, td.CAT)))
             for lv in td.ON_DRAWS if lv.name in (lever.name, *others)]  # in chain_of's order: the same draws
    chain, inputs = draw_axis_chain(pairs, sidebar=sidebar)
    td.reconcile(chain, inputs, n, seed)


BENCHMARK = SimpleWorkload(agent_share=0.2, failure_rate=0.05, reasoning_tokens=1000)


@pytest.mark.parametrize("caching", [False, True])
@pytest.mark.parametrize("compaction", al.COMPACTIONS)
def test_every_policy_on_the_draw_axis_is_the_one_draw_waterfall(compaction, caching):
    """Window, summary cadence and size drawn with the workload: each draw is the scalar lever's bar."""
    x = AgentPolicyInputs(history_caching=caching, compaction=compaction, keep_steps=3, summarise_every=4,
                          summary_tokens=800)
    for sidebar in (BENCHMARK, BENCHMARK.model_copy(update={"agent_steps": 25, "replay": "step only",
                                                             "history_caching": True, "restarts": 2})):
        reconcile_with(sidebar, al.LEVER, x, ("system_prompt",))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(x=policies, agent_share=st.sampled_from([0.2, 1.0]), steps=st.sampled_from([2, 12, 40]),
       history=st.booleans(), failure_rate=st.sampled_from([0.0, 0.3]), seed=st.integers(0, 2**32 - 1))
def test_any_policy_on_the_draw_axis_is_the_one_draw_waterfall(x, agent_share, steps, history, failure_rate, seed):
    sidebar = SimpleWorkload(agent_share=agent_share, agent_steps=steps, history_caching=history,
                             failure_rate=failure_rate, max_attempts=3, restarts=1)
    reconcile_with(sidebar, al.LEVER, x, n=12, seed=seed)
