"""Model right-sizing on the one bill: hand-computed policies, today's bill kept, exact curves, validation,
properties."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from calculators import right_sizing as rs
from calculators.bill import price
from calculators.lever import effect
from calculators.prices import ModelPrices, TieredRate
from calculators.right_sizing import PassRateRow, RightSizingInputs, TaskClass
from calculators.workload import CallClass, Workload
from tests.levers_common import CAT, DEFAULT, GPT5, HAIKU, SONNET, SONNET_45, SimpleWorkload, one, workloads

GEMINI = "google/gemini-2.5-pro"  # $1.25 / $10 per MTok up to 200k input, $2.50 / $15 above; no stated window
MINI = "openai/gpt-5-mini"  # $0.25 / $2, cache read $0.025; 400,000-token window


def model(key: str, inp: float, out: float) -> ModelPrices:
    return ModelPrices(provider_id="t", provider_name="Test", model_id=key, model_name=key,
                       input=TieredRate(base=inp), output=TieredRate(base=out), source="test", source_date="2026")


BIG, SMALL = model("big", 10.0, 50.0), model("small", 1.0, 5.0)
# Task classes A (1,000 in / 100 out) and B (2,000 in / 500 out); their traffic-weighted average is 1,400 / 260, the
# workload class's own tokens, so A and B get exactly those tokens: big $0.015 and $0.045 per attempt, small a tenth.
CLASSES = (TaskClass(name="A", share=0.6, input_tokens=1_000, output_tokens=100),
           TaskClass(name="B", share=0.4, input_tokens=2_000, output_tokens=500))
W = Workload(classes=(CallClass(name="x", requests_per_month=100_000, model_key="t/big", other_input_tokens=1_400,
                                output_tokens=260),), custom_models=(BIG, SMALL))  # $2,700 a month today


def rows(a: tuple, b: tuple) -> tuple[PassRateRow, ...]:
    return (PassRateRow(task_class="A", rates={"t/big": a[0], "t/small": a[1]}),
            PassRateRow(task_class="B", rates={"t/big": b[0], "t/small": b[1]}))


RATES = rows((0.95, 0.90), (0.90, 0.50))


def inputs(**kw) -> RightSizingInputs:
    base = dict(classes=CLASSES, candidates=("t/big", "t/small"), pass_rates=RATES, quality_bar=0.85)
    return RightSizingInputs(**(base | kw))


def test_attempt_matrix_is_priced():
    p = rs.plan(W, inputs(), CAT)
    assert p.attempt[0] == pytest.approx(np.array([[0.015, 0.0015], [0.045, 0.0045]]))
    assert p.today_total == pytest.approx(2_700)  # 100,000 x (1,400 x $10 + 260 x $50) / 1M
    assert p.gap == pytest.approx(0, abs=1e-9)  # splitting alone leaves today's bill


def test_redo_policy_by_hand():
    r = rs.evaluate(W, inputs(), CAT)
    # Today: A completes 60,000 x 0.95 = 57,000 tasks, B 40,000 x 0.90 = 36,000.
    # A moves to small (90% >= 85%): 57,000 / 0.9 = 63,333 requests x $0.0015 = $95.
    # B stays on big (small passes 50%): 40,000 x $0.045 = $1,800. After: $1,895; saving $805.
    assert r.today.total == pytest.approx(2_700)
    assert r.after.total == pytest.approx(1_895)
    assert r.saving == pytest.approx(805)
    assert [rs.class_table(r)["chosen model"].tolist()] == [["t/small", "t/big"]]
    assert r.share_moved == pytest.approx(0.6)
    assert r.quality_after == pytest.approx(0.6 * 0.90 + 0.4 * 0.90)
    assert r.quality_today == pytest.approx(0.6 * 0.95 + 0.4 * 0.90)
    assert not r.unmet


def test_moved_to_names_the_models_that_take_the_traffic():
    # Default workload and table. At a 90% bar classification, extraction and summaries (80% of requests) move to
    # Haiku. At 91% Haiku's 90% on summaries fails the bar and GPT-5 mini's 91% passes: Haiku takes 65% of requests
    # (classification 40% + extraction 25%), GPT-5 mini 15%. At 98% only Sonnet 5.5 passes anything: nothing moves.
    x = defaults_for(DEFAULT)
    assert rs.evaluate(DEFAULT, x, CAT).moved_to == (HAIKU,)
    r = rs.evaluate(DEFAULT, x.model_copy(update={"quality_bar": 0.91}), CAT)
    assert r.moved_to == (HAIKU, MINI) and r.share_moved == pytest.approx(0.8)
    r = rs.evaluate(DEFAULT, x.model_copy(update={"quality_bar": 0.98}), CAT)
    assert r.moved_to == () and r.share_moved == 0 and r.saving == 0


def test_escalate_policy_by_hand():
    r = rs.evaluate(W, inputs(failure_mode="escalate"), CAT)
    # A: 57,000 attempts on small ($85.50); 10% fail and go to big, redone there: 57,000 x 0.1 / 0.95 = 6,000 requests
    # x $0.015 = $90. B stays: $1,800. After $1,975.50.
    assert r.after.total == pytest.approx(85.5 + 90 + 1_800)
    classes = {c.name: c for c in r.after.classes}
    assert classes["x · A"].requests == pytest.approx(57_000)
    assert classes["x · A · escalated"].requests == pytest.approx(6_000)
    assert classes["x · A · escalated"].model_key == "t/big"


def test_lower_bar_moves_both_classes():
    # B on small too: 36,000 / 0.5 = 72,000 requests x $0.0045 = $324; with A's $95, $419.
    assert rs.evaluate(W, inputs(quality_bar=0.4), CAT).after.total == pytest.approx(419)
    # Escalating: B costs 0.0045 + 0.5 x 0.045 / 0.9 = $0.0295 per task, still below $0.05 on big:
    # 36,000 x $0.0045 + 20,000 escalations x $0.045 = $1,062; A $175.50.
    assert rs.evaluate(W, inputs(quality_bar=0.4, failure_mode="escalate"), CAT).after.total == pytest.approx(1_237.5)


def test_break_even_pass_rates_closed_form():
    r = rs.evaluate(W, inputs(), CAT)
    # p* = p_s x c_m / c_s: 0.95 x 0.0015 / 0.015 = 0.095 on A, 0.9 x 0.0045 / 0.045 = 0.09 on B.
    table = rs.break_even_pass_rates(r.plan)
    assert table[0, 0, 1] == pytest.approx(0.095) and table[0, 1, 1] == pytest.approx(0.09)
    # At exactly that pass rate small costs what big costs per successful task, in both failure modes.
    for mode in ("redo", "escalate"):
        x = inputs(pass_rates=rows((0.95, 0.095), (0.90, 0.50)), quality_bar=0.0, failure_mode=mode)
        cost = rs.plan(W, x, CAT).per_success()
        assert cost[0, 0, 1] == pytest.approx(cost[0, 0, 0])


def test_savings_step_curve_and_break_even_bar():
    r = rs.evaluate(W, inputs(), CAT)
    curve = rs.savings_vs_bar(r)
    assert list(curve["quality_bar"]) == [0.0, 0.5, 0.9, 0.95, 1.0]
    # Up to 50% both move ($2,700 - $419); up to 90% only A ($805); above, small never qualifies and B has no model.
    assert list(curve["saving"]) == pytest.approx([2_281, 2_281, 805, 0, 0])
    assert r.break_even_bar == pytest.approx(0.90) and not r.saves_at_every_bar
    assert rs.evaluate(W, inputs(quality_bar=0.9001), CAT).saving == pytest.approx(0, abs=1e-9)


def test_step_curve_is_the_priced_bill_at_every_breakpoint():
    for mode in ("redo", "escalate"):
        r = rs.evaluate(DEFAULT, RightSizingInputs(**rs.defaults(DEFAULT, CAT), failure_mode=mode), CAT)
        curve = rs.savings_vs_bar(r)
        for bar, saving in zip(curve["quality_bar"], curve["saving"], strict=True):
            x = r.plan.x.model_copy(update={"quality_bar": float(bar)})
            priced = price(DEFAULT, CAT).total - price(rs.apply(DEFAULT, x, CAT), CAT).total
            assert saving == pytest.approx(priced, rel=1e-9, abs=1e-6)


def test_default_workload_keeps_todays_bill_by_hand():
    """The reviewer's case: today is the sidebar's $8,000 (the old page said $8,470), and the split alone is free."""
    r = rs.evaluate(DEFAULT, RightSizingInputs(**rs.defaults(DEFAULT, CAT)), CAT)
    assert r.today.total == pytest.approx(8_000)
    assert r.plan.gap == pytest.approx(0, abs=1e-9)
    points = rs.frontier(r)
    assert points.loc[points["kind"] == "today", "monthly_bill"].item() == pytest.approx(8_000)
    assert points.loc[points["label"] == SONNET, "monthly_bill"].item() == pytest.approx(8_000)
    # The 1,500-token shared prefix stays; the other 500 input tokens scale by size / 2,000 and the output by size / 400:
    # classification 1,750 in / 50 out ($2 x 1,750 + $10 x 50 = $0.004 on Sonnet 5.5), extraction 2,125 / 300
    # ($0.00725), summaries 2,500 / 500 ($0.01), support 2,000 / 1,000 ($0.014), multi-step 1,875 / 1,600 ($0.01975):
    # 400k x 0.004 + 250k x 0.00725 + 150k x 0.01 + 150k x 0.014 + 50k x 0.01975 = $8,000, today's bill. Haiku 5.5 is a
    # twentieth of Sonnet 5.5 on every token. At a 90% bar the first three classes move to Haiku (redone until they
    # pass), the last two stay (Haiku 80% and 55%, GPT-5 mini 84%, 70%):
    after = (392_000 / 0.97 * 0.0002 + 240_000 / 0.93 * 0.0003625 + 142_500 / 0.90 * 0.0005
             + 150_000 * 0.014 + 50_000 * 0.01975)
    assert after == pytest.approx(3_341.04, abs=0.005)
    assert r.after.total == pytest.approx(after)
    assert r.saving == pytest.approx(8_000 - after)  # $4,658.96
    assert [c.prefix_tokens for c in rs.apply(DEFAULT, r.plan.x, CAT).classes] == [1_500] * 5
    assert r.break_even_bar == pytest.approx(0.97)
    assert rs.class_table(r)["chosen model"].tolist() == [HAIKU] * 3 + [SONNET] * 2


def test_completed_tasks_stay_the_same():
    for mode in ("redo", "escalate"):
        x = inputs(failure_mode=mode, quality_bar=0.4)
        after = rs.apply(W, x, CAT)
        rate = {("A", "t/big"): 0.95, ("A", "t/small"): 0.90, ("B", "t/big"): 0.90, ("B", "t/small"): 0.50}
        done = sum(c.requests_per_month * rate[(c.name.split(" · ")[1], c.model_key)] for c in after.classes)
        # Escalated requests are redone on big until they pass: every one of the failures completes there.
        assert done == pytest.approx(57_000 + 36_000)


def test_long_context_tier_is_priced_and_the_split_gap_reported():
    # Gemini 2.5 Pro bills a whole request above 200k input tokens at $2.50/$15 (below: $1.25/$10) and states no
    # window. One class of 150k tokens split into a 60k and a 240k task class: the bigger one crosses the cliff, so the
    # split alone raises the bill; the saving is still today's bill minus the bill after, the attempt matrix is the
    # pricing function's, and the Overview's caveat says so.
    w = one(requests_per_month=1_000, model_key=GEMINI, other_input_tokens=150_000, output_tokens=1_000)
    classes = (TaskClass(name="short", share=0.5, input_tokens=60_000, output_tokens=1_000),
               TaskClass(name="long", share=0.5, input_tokens=240_000, output_tokens=1_000))
    x = RightSizingInputs(classes=classes, candidates=(GEMINI,), quality_bar=0.5,
                          pass_rates=tuple(PassRateRow(task_class=k, rates={GEMINI: 0.9}) for k in ("short", "long")))
    r = rs.evaluate(w, x, CAT)
    assert r.plan.attempt[0, 1, 0] == pytest.approx((240_000 * 2.5 + 1_000 * 15) / 1e6)  # $0.615
    assert r.plan.attempt[0, 0, 0] == pytest.approx((60_000 * 1.25 + 1_000 * 10) / 1e6)  # $0.085
    # Today 1,000 x (150,000 x $1.25 + 1,000 x $10) / 1M = $197.50; split 500 x ($0.615 + $0.085) = $350.
    assert r.plan.gap == pytest.approx(197.5 - 350)  # negative: the split costs more
    assert r.saving == pytest.approx(r.plan.gap)  # nothing moves; the gap is the only change, and it is shown
    assert "long-context price tier" in rs.caveat(w, x, CAT)


def test_batch_tier_and_caching_of_the_class_are_honoured():
    x = RightSizingInputs(**rs.defaults(DEFAULT, CAT))
    batch = DEFAULT.map(lambda c: c.model_copy(update={"tier": "batch"}))
    r = rs.evaluate(batch, x, CAT)
    assert r.today.total == pytest.approx(4_000)  # batch halves Sonnet 5.5 and Haiku 5.5 alike
    assert r.saving == pytest.approx(rs.evaluate(DEFAULT, x, CAT).saving / 2)
    cached = DEFAULT.map(lambda c: c.model_copy(update={"cache": "5m", "cache_hit_rate": 0.9}))
    r = rs.evaluate(cached, x, CAT)
    assert r.saving == pytest.approx(price(cached, CAT).total - price(rs.apply(cached, x, CAT), CAT).total)
    # On today's model the observed 90% stands: classification is 1,500 x (0.9 x $0.10 + 0.1 x $2.50) + 250 x $2 +
    # 50 x $10 = $1,510 per million requests.
    assert r.plan.attempt[0, 0, 0] == pytest.approx(1_510e-6)
    # On Haiku 5.5 the 90% observed on Sonnet does not travel: the rate comes from the 400,000 classification requests
    # a month that would reach Haiku's cache, 1 - exp(-400,000 / 730 / 3,600 x 300) = 1 - 2e-20: every prefix read at
    # $0.01, so 1,500 x $0.01 + 250 x $0.10 + 50 x $0.50 = $65 per million requests.
    assert r.plan.attempt[0, 0, 1] == pytest.approx(65e-6)
    moved = [c for c in rs.apply(cached, x, CAT).classes if c.model_key == HAIKU]
    assert moved and all(c.cache_hit_rate is None for c in moved)  # derived from Haiku's own traffic


def test_each_class_keeps_its_own_model_and_escalates_to_it():
    w = Workload(classes=(CallClass(name="a", requests_per_month=1_000, model_key="t/big", other_input_tokens=1_400,
                                    output_tokens=260),
                          CallClass(name="b", requests_per_month=2_000, model_key="t/mid", other_input_tokens=1_400,
                                    output_tokens=260)),
                 custom_models=(BIG, SMALL, model("mid", 5.0, 25.0)))
    rates = {"t/big": 0.95, "t/mid": 0.92, "t/small": 0.90}
    x = RightSizingInputs(classes=CLASSES, candidates=("t/big", "t/mid", "t/small"), quality_bar=0.85,
                          failure_mode="escalate",
                          pass_rates=tuple(PassRateRow(task_class=k, rates=rates) for k in ("A", "B")))
    after = {c.name: c for c in rs.apply(w, x, CAT).classes}
    assert after["a · A · escalated"].model_key == "t/big" and after["b · A · escalated"].model_key == "t/mid"
    # b's A: 2,000 x 0.6 x 0.92 tasks on small, 10% escalated to mid and redone there until they pass.
    assert after["b · A · escalated"].requests_per_month == pytest.approx(1_104 * 0.1 / 0.92)


def test_todays_model_needs_a_pass_rate_everywhere():
    x = inputs(pass_rates=rows((None, 0.9), (0.9, 0.5)))
    assert "no pass rate for 'A'" in rs.problems(W, x, CAT)[0]
    assert "no pass rate for 'A'" in rs.idle(W, x, CAT)
    assert rs.apply(W, x, CAT).classes == W.classes  # left as it is
    assert rs.evaluate(W, x, CAT).saving == 0
    assert "never passes 'A'" in rs.problems(W, inputs(pass_rates=rows((0.0, 0.9), (0.9, 0.5))), CAT)[0]
    off = inputs(candidates=("t/small",))
    assert "is not a candidate" in rs.problems(W, off, CAT)[0] and rs.apply(W, off, CAT).classes == W.classes


def test_no_candidate_meets_the_bar_keeps_todays_model():
    r = rs.evaluate(W, inputs(quality_bar=0.99), CAT)
    assert r.unmet == ("A", "B") and not r.met.any()
    assert r.saving == pytest.approx(0, abs=1e-9)


def test_unevaluated_or_never_passing_model_is_never_picked():
    r = rs.evaluate(W, inputs(pass_rates=rows((0.95, None), (0.90, 0.0)), quality_bar=0.0), CAT)
    assert rs.class_table(r)["chosen model"].tolist() == ["t/big", "t/big"]


def test_right_sizing_up_costs_money():
    # Today's model is the small one, and the bar forces B up to big: the lever raises the bill.
    w = W.map(lambda c: c.model_copy(update={"model_key": "t/small"}))
    r = rs.evaluate(w, inputs(), CAT)
    assert r.saving < 0 and r.break_even_bar is None


@pytest.mark.parametrize(("change", "message"), [
    (dict(classes=(CLASSES[0].model_copy(update={"share": 0.5}), CLASSES[1])), "add up to 90.0%"),
    (dict(classes=(CLASSES[0], CLASSES[0].model_copy(update={"share": 0.4}))), "repeated: A"),
    (dict(candidates=()), "at least one candidate"),
    (dict(candidates=("t/big", "t/big")), "only once"),
    (dict(pass_rates=RATES + RATES[:1]), "two rows for the same task class"),
])
def test_validation_messages(change, message):
    with pytest.raises(ValidationError, match=message):
        inputs(**change)


def test_defaults_follow_the_workload():
    shares = np.array([c.share for c in rs.DEFAULT_CLASSES])
    assert shares.sum() == pytest.approx(1)
    assert shares @ [c.input_tokens for c in rs.DEFAULT_CLASSES] == pytest.approx(2_000)
    assert shares @ [c.output_tokens for c in rs.DEFAULT_CLASSES] == pytest.approx(400)
    d = rs.defaults(DEFAULT, CAT)
    assert d["candidates"] == (SONNET, HAIKU, "openai/gpt-5-mini")
    assert d["pass_rates"][2].rates == {SONNET: 0.95, HAIKU: 0.90, "openai/gpt-5-mini": 0.91}
    haiku = DEFAULT.map(lambda c: c.model_copy(update={"model_key": HAIKU}))
    d = rs.defaults(haiku, CAT)
    assert d["candidates"] == (HAIKU, "openai/gpt-5-mini") and d["pass_rates"][2].rates[HAIKU] == 0.95


def test_relative_sizes_scale_the_workload_tokens():
    x = inputs()
    a_in, a_out = x.size_ratios()
    assert a_in == pytest.approx([1_000 / 1_400, 2_000 / 1_400]) and a_out == pytest.approx([100 / 260, 500 / 260])
    zero = inputs(classes=tuple(c.model_copy(update={"input_tokens": 0}) for c in CLASSES))
    assert zero.size_ratios()[0] == pytest.approx([1, 1])  # no sizes given: every class the workload's size


# --- properties -----------------------------------------------------------------------------------------------

rate = st.one_of(st.none(), st.floats(0.0, 1.0))


@st.composite
def problems(draw):
    """A random workload (agents and failures included), a random table and random pass rates."""
    w = draw(workloads())
    n = draw(st.integers(1, 3))
    weights = draw(st.lists(st.floats(0.05, 1.0), min_size=n, max_size=n))
    shares = [v / sum(weights) for v in weights]
    shares[-1] = 1.0 - sum(shares[:-1])
    classes = tuple(TaskClass(name=f"k{i}", share=max(s, 0.0), input_tokens=draw(st.integers(0, 5_000)),
                              output_tokens=draw(st.integers(0, 2_000))) for i, s in enumerate(shares))
    today = w.classes[0].model_key
    others = [m for m in (HAIKU, "openai/gpt-5-mini", SONNET) if m != today]
    candidates = (today, *others[: draw(st.integers(0, 2))])
    table = tuple(PassRateRow(task_class=k.name, rates={m: draw(st.floats(0.05, 1.0)) if m == today else draw(rate)
                                                        for m in candidates}) for k in classes)
    x = RightSizingInputs(classes=classes, candidates=candidates, pass_rates=table, quality_bar=draw(st.floats(0, 1)),
                          failure_mode=draw(st.sampled_from(["redo", "escalate"])))
    return w, x


def uncached(w: Workload) -> Workload:
    """The same workload with nothing cached: no hit rate depends on how the choice spreads traffic over caches."""
    return w.map(lambda c: c.model_copy(update={"cache": "off", "cache_hit_rate": 0.0}))


def matrix_bill(p: rs.Plan, chosen: np.ndarray) -> float:
    """The bill of a choice from the per-request matrix: tasks x cost per success, plus what is not split."""
    c, k = np.arange(chosen.shape[0])[:, None], np.arange(chosen.shape[1])[None, :]
    return p.today_total - p.gap - float(p.today_spend.sum()) + float((p.tasks * p.per_success()[c, k, chosen]).sum())


@settings(max_examples=25)
@given(problems())
def test_saving_is_the_difference_of_two_priced_workloads(problem):
    w, x = problem
    r = rs.evaluate(w, x, CAT)
    e = effect(rs.LEVER, w, x, CAT)
    assert r.saving == pytest.approx(e.saving, rel=1e-9, abs=1e-6)
    assert r.curve.loc[r.curve["quality_bar"] >= x.quality_bar, "saving"].iloc[0] == pytest.approx(r.saving, rel=1e-9,
                                                                                                  abs=1e-6)
    # Where no hit rate hangs on the traffic (nothing cached), the one-request matrix the choice rests on gives the
    # priced bill exactly: the bill is linear in requests.
    w = uncached(w)
    r = rs.evaluate(w, x, CAT)
    if r.plan.split:
        assert matrix_bill(r.plan, r.chosen) == pytest.approx(r.after.total, rel=1e-7, abs=1e-6)


@settings(max_examples=25)
@given(problems())
def test_never_costs_more_when_todays_model_meets_the_bar(problem):
    # Guaranteed where the per-request costs the choice compares are the costs billed: nothing cached. With a cache
    # whose hit rate is derived from traffic, a model's cost per request depends on how much of the choice lands on
    # it, which one request cannot know; the bill is then still priced exactly (previous test), but a choice that
    # looked cheaper per request may not be.
    w, x = problem
    w = uncached(w)
    floor = float(np.nanmin(x.pass_matrix()[:, 0]))
    r = rs.evaluate(w, x.model_copy(update={"quality_bar": min(x.quality_bar, floor)}), CAT)
    assert not r.unmet
    # Each task class picks the cheapest per successful task among models meeting the bar, today's model included.
    assert r.saving >= r.plan.gap - 1e-9 * max(1.0, r.today.total)


@settings(max_examples=25)
@given(problems())
def test_break_even_bar_is_the_last_bar_that_saves(problem):
    w, x = problem
    r = rs.evaluate(w, x, CAT)
    tol = 1e-9 * max(1.0, r.today.total)
    if r.break_even_bar is None:
        assert r.saving <= tol
    else:
        assert rs.evaluate(w, x.model_copy(update={"quality_bar": r.break_even_bar}), CAT).saving > 0
        if x.quality_bar > r.break_even_bar:
            assert r.saving <= tol


def test_shares_typed_with_rounding_still_keep_every_request():
    thirds = tuple(TaskClass(name=n, share=0.333, input_tokens=1_000, output_tokens=100) for n in "ABC")
    x = RightSizingInputs(classes=thirds, candidates=("t/big",), quality_bar=0.5,
                          pass_rates=tuple(PassRateRow(task_class=n, rates={"t/big": 0.9}) for n in "ABC"))
    after = rs.apply(W, x, CAT)
    assert sum(c.requests_per_month for c in after.classes) == pytest.approx(100_000)
    assert price(after, CAT).total == pytest.approx(2_700)


# --- the finance review --------------------------------------------------------------------------------------------


def defaults_for(w: Workload) -> RightSizingInputs:
    return RightSizingInputs(**rs.defaults(w, CAT))


def test_order_with_caching_does_not_change_the_final_bill():
    """GPT-5 caches automatically (sidebar: hit rate derived from the traffic). Right-sizing then caching, and caching
    then right-sizing, end on the same bill to the cent: the classes moved off GPT-5 read their new model's cache at a
    rate derived from the traffic reaching it, whichever lever runs first."""
    from calculators import caching
    from calculators.lever import waterfall

    w = SimpleWorkload(model_key=GPT5, cache_hit_rate=None).workload()
    x, xc = defaults_for(w), caching.CachingInputs()
    first = waterfall(w, [(rs.LEVER, x), (caching.LEVER, xc)], CAT).final.total  # ORDER: right-sizing, then caching
    caching_first = price(rs.apply(caching.apply(w, xc, CAT), x, CAT), CAT).total
    assert round(first, 2) == round(caching_first, 2)
    # By hand: 1M requests a month keep every cache warm (1 - exp(-1M / 730 / 3,600 x 300) = 1 - 2e-50), so prefixes
    # are read at $0.125 (GPT-5), $0.01 (Haiku 5.5), $0.025 (GPT-5 mini). Today: 1,500 x $0.125 + 500 x $1.25 +
    # 400 x $10 = $4,812.50 per million requests. Classification (250 other input, 50 out) on Haiku costs
    # 1,500 x 0.01 + 250 x 0.1 + 50 x 0.5 = $65 per million, extraction (625 / 300) $227.50, summaries
    # (1,000 / 500) $365; support (500 / 1,000) stays on GPT-5 at $10,812.50 and multi-step (375 / 1,600) at
    # $16,656.25:
    after = (392_000 / 0.97 * 65 + 240_000 / 0.93 * 227.5 + 142_500 / 0.90 * 365 + 150_000 * 10_812.5
             + 50_000 * 16_656.25) / 1e6
    assert price(w, CAT).total == pytest.approx(4_812.5)
    assert first == pytest.approx(after, abs=0.005)  # $2,597.46


def test_order_with_caching_for_a_workload_that_caches_nothing_today():
    # Sonnet 5.5 without caching: caching first turns on a 5-minute cache whose rate is derived from the traffic; the
    # relative sizes leave the shared prefix alone, so the choice is the same either way and the bills agree.
    from calculators import caching

    x, xc = defaults_for(DEFAULT), caching.CachingInputs()
    a = price(caching.apply(rs.apply(DEFAULT, x, CAT), xc, CAT), CAT).total
    b = price(rs.apply(caching.apply(DEFAULT, xc, CAT), x, CAT), CAT).total
    assert round(a, 2) == round(b, 2)


@pytest.mark.parametrize("hit", [None, "observed"])
def test_reviewers_gemini_case_has_no_negative_caching_bar(hit):
    """Gemini 2.5 Pro, 20,000 requests of 250,000 input and 1,000 output tokens, every lever with right-sizing: the
    caching bar used to go negative. Today it is $0.00: every class right-sizing leaves already caches with a
    5-minute TTL (a class moved to Haiku or GPT-5 mini at a rate derived from its own traffic there)."""
    from calculators.lever import MODEL_CHOICE, waterfall
    from calculators.registry import LEVERS
    from calculators.workload import automatic_hit_rate

    sidebar = SimpleWorkload(model_key=GEMINI, requests_per_month=20_000, input_tokens=250_000, output_tokens=1_000,
                             cache_hit_rate=None)
    if hit == "observed":  # the reviewer's set-up: the sidebar's automatic estimate typed in as an observed rate
        sidebar = sidebar.model_copy(update={"cache_hit_rate": automatic_hit_rate(CAT.get(GEMINI), 20_000, 187_500)})
    w = sidebar.workload()
    chosen = [(lv, lv.inputs(**lv.defaults(w, CAT))) for lv in LEVERS
              if lv.group != MODEL_CHOICE or lv.name == "right_sizing"]
    bars = {b.lever.name: b for b in waterfall(w, chosen, CAT).bars}
    assert bars["right_sizing"].saving > 0
    assert bars["caching"].saving == pytest.approx(0, abs=0.005)
    assert "already caches" in bars["caching"].idle


def test_unpriced_classes_are_left_as_they_are_and_said_so():
    """A custom table with a model the catalogue does not price: its traffic stays as it is (today's cost of it is
    unknown), only the priced class is right-sized, and the Overview's caveat names the class."""
    known = CallClass(name="Known", requests_per_month=100_000, model_key=SONNET, prefix_tokens=1_500,
                      other_input_tokens=500, output_tokens=400)
    mystery = known.model_copy(update={"name": "Mystery", "requests_per_month": 900_000,
                                       "model_key": "acme/secret-model-9"})
    w = Workload(classes=(known, mystery))
    x = defaults_for(w)
    assert x.candidates == (SONNET, HAIKU, MINI)  # the unpriced model is never a candidate
    r = rs.evaluate(w, x, CAT)
    # Known is a tenth of the default workload: $800 today, $334.10 after (see the default case by hand).
    assert r.today.total == pytest.approx(800)
    assert r.after.total == pytest.approx(334.104, abs=0.001)
    after = {c.name: c for c in rs.apply(w, x, CAT).classes}
    assert after["Mystery"] == mystery
    assert r.plan.names == ("Known",) and "acme/secret-model-9" in r.plan.unpriced[0]
    assert rs.idle(w, x, CAT) is None and "'Mystery' runs on acme/secret-model-9" in rs.caveat(w, x, CAT)
    alone = Workload(classes=(mystery,))
    assert "no price" in rs.idle(alone, defaults_for(alone), CAT)
    assert rs.apply(alone, defaults_for(alone), CAT) == alone


def test_only_the_main_model_gets_illustrative_pass_rates():
    """A custom table on Sonnet 5.5 and GPT-4o: the illustrative 'today' rates are the main model's only. GPT-4o has
    none until the user's evals give them, so its class stays as it is instead of moving on price alone."""
    chat = CallClass(name="Chat", requests_per_month=200_000, model_key=SONNET, prefix_tokens=3_000,
                     other_input_tokens=1_000, output_tokens=500)
    legacy = CallClass(name="Legacy", requests_per_month=100_000, model_key="openai/gpt-4o", prefix_tokens=1_200,
                       other_input_tokens=300, output_tokens=100, cache="5m", cache_hit_rate=0.5)
    w = Workload(classes=(chat, legacy))
    x = defaults_for(w)
    assert x.candidates == (SONNET, "openai/gpt-4o", HAIKU, MINI)
    assert all(row.rates["openai/gpt-4o"] is None for row in x.pass_rates)
    assert [row.rates[SONNET] for row in x.pass_rates] == list(rs.TODAY_RATES)
    after = {c.name: c for c in rs.apply(w, x, CAT).classes}
    assert after["Legacy"] == legacy and "Chat · Summaries" in after
    assert "no pass rate" in rs.caveat(w, x, CAT)


def test_shared_prefix_is_not_scaled_and_today_is_kept_near_the_window():
    """The reviewer's long prompts: Sonnet 4.5 at 150k input (window 200k) and GPT-5 at 250k (window 400k). With the
    shared prefix kept, summaries are 112,500 + 2 x 37,500 = 187,500 and 187,500 + 2 x 62,500 = 312,500 tokens: they
    fit, the split costs nothing, and the class table adds up to today's bill."""
    for model, tokens, today in ((SONNET_45, 150_000, 4_650.0), (GPT5, 250_000, 3_225.0)):
        # 10,000 x (150,000 x $3 + 1,000 x $15) / 1M = $4,650; 10,000 x (250,000 x $1.25 + 1,000 x $10) / 1M = $3,225
        w = SimpleWorkload(model_key=model, requests_per_month=10_000, input_tokens=tokens,
                           output_tokens=1_000).workload()
        r = rs.evaluate(w, defaults_for(w), CAT)
        assert r.today.total == pytest.approx(today)
        assert r.plan.gap == pytest.approx(0, abs=1e-9)
        assert rs.class_table(r)["per month today"].sum() == pytest.approx(today)
        assert not r.after.overflows and r.saving > 0


def test_a_task_class_beyond_todays_window_leaves_its_class_as_it_is():
    # GPT-5 at 250k input, none of it shared: summaries would be 2 x 250,000 = 500,000 input + 1,250 output tokens,
    # more than GPT-5's 400,000-token window, yet today's calls fit: the table contradicts the workload.
    w = SimpleWorkload(model_key=GPT5, requests_per_month=10_000, input_tokens=250_000, output_tokens=1_000,
                       prefix_share=0).workload()
    x = defaults_for(w)
    assert "501,250 tokens" in rs.idle(w, x, CAT) and "400,000-token context window" in rs.idle(w, x, CAT)
    assert rs.apply(w, x, CAT) == w


def test_a_candidate_whose_window_a_task_class_exceeds_is_not_considered():
    # Sonnet 5.5 (1M window) at 350k input: summaries are 262,500 + 2 x 87,500 = 437,500 input + 1,250 output tokens,
    # beyond GPT-5 mini's 400,000. Without the window GPT-5 mini would win them (437,500 x $0.25 + 1,250 x $2 =
    # $0.1119 a request, / 0.91 = $0.123 per success, against Haiku 5.5's long-context $0.2219 / 0.90 = $0.247).
    w = SimpleWorkload(requests_per_month=10_000, input_tokens=350_000, output_tokens=1_000).workload()
    x = defaults_for(w)
    r = rs.evaluate(w, x, CAT)
    table = rs.class_table(r).set_index("task class")
    assert table.loc["Summaries", "chosen model"] == HAIKU
    assert table.loc["Extraction to JSON", "chosen model"] == MINI  # 262,500 + 109,375 + 750 = 372,625: it fits
    assert not r.after.overflows
    assert "openai/gpt-5-mini for 'Summaries' (438,750 tokens, window 400,000)" in rs.caveat(w, x, CAT)
    assert np.isnan(rs.break_even_pass_rates(r.plan)[0, 2, 2])


def test_zero_requests_keep_quality_defined():
    # No requests: quality and the share moved follow the table's shares. Today 0.4 x 98% + 0.25 x 96% + 0.15 x 95% +
    # 0.15 x 93% + 0.05 x 90% = 95.9%; after, at a 90% bar, 0.4 x 97% + 0.25 x 93% + 0.15 x 90% + 0.15 x 93% +
    # 0.05 x 90% = 94.0%; the first three classes (80% of the traffic) move.
    w = Workload(classes=(DEFAULT.classes[0].model_copy(update={"requests_per_month": 0.0}),))
    r = rs.evaluate(w, defaults_for(w), CAT)
    assert r.saving == 0 and r.tasks == 0 and r.per_task_after is None
    assert r.quality_today == pytest.approx(0.959) and r.quality_after == pytest.approx(0.94)
    assert r.share_moved == pytest.approx(0.8)


def test_step_curve_is_the_priced_bill_with_derived_hit_rates():
    # GPT-5 with the hit rate derived from traffic: every point of the step curve is the bill of the transformed
    # workload priced whole, so at the user's bar it is the headline to the cent.
    w = SimpleWorkload(model_key=GPT5, requests_per_month=3_000, cache_hit_rate=None).workload()
    x = defaults_for(w)
    r = rs.evaluate(w, x, CAT)
    for bar, saving in zip(r.curve["quality_bar"], r.curve["saving"], strict=True):
        y = x.model_copy(update={"quality_bar": float(bar)})
        assert saving == pytest.approx(price(w, CAT).total - price(rs.apply(w, y, CAT), CAT).total, abs=1e-9)
    at_bar = r.curve.loc[r.curve["quality_bar"] >= x.quality_bar, "saving"].iloc[0]
    assert round(at_bar, 2) == round(r.saving, 2)
    assert rs.class_table(r)["per month after"].sum() == pytest.approx(r.after.total)


# --- on the draw axis ------------------------------------------------------------------------------------------


def test_probes_from_corner_rows_are_the_probes_priced_whole() -> None:
    """The draw axis prices each (task class, candidate) probe from the class's rows at three or four corners (its
    tokens are affine in the size ratios and the hit rate); each must be the probe priced whole, draw for draw, on
    agent tasks with every compaction, failures, caches and a batch tier."""
    from calculators import draws as d
    from calculators.workload import AgentLoop, Failures

    n = 30
    g = np.random.default_rng(4)
    classes = [CallClass(name=f"C{j}", requests_per_month=50_000, model_key=key, tier=tier, prefix_tokens=1_500,
                         other_input_tokens=2_000, output_tokens=500, reasoning_tokens=700, cache=cache,
                         cache_hit_rate=hit, prefix_group="g",
                         loop=AgentLoop(steps=12, compaction=compaction, keep_steps=3, summarise_every=4,
                                        history_caching=j % 2 == 0) if compaction else None,
                         failures=Failures(failure_rate=0.2, replay=replay) if replay else None)
               for j, (key, tier, cache, hit, compaction, replay) in enumerate([
                   (SONNET, "standard", "5m", None, "none", "full history"),
                   (HAIKU, "batch", "1h", 0.6, "sliding", "step only"),
                   (SONNET, "standard", "off", 0.0, "summarise", None),
                   (GPT5, "standard", "5m", None, None, "full history")])]
    wd = d.from_workload(Workload(classes=tuple(classes)), n)
    wd = wd.map_classes(lambda c: rs.copied(c, requests_per_month=c.requests_per_month * g.uniform(0.1, 3, n),
                                            other_input_tokens=c.other_input_tokens * g.uniform(0.5, 2, n)))
    x = RightSizingInputs(candidates=(SONNET, HAIKU, MINI, SONNET_45), pass_rates=())
    traffic = rs.pool_traffic_draws(wd)
    a_in, a_out = x.size_ratios()
    for v in wd.variants:
        attempt, fits = rs._attempts_draws(v, x, wd, traffic, CAT)
        for k in range(len(x.classes)):
            task = rs.task_class_of(v.c, k, a_in, a_out, x.shares)
            for m, key in enumerate(x.candidates):
                whole, fit = rs._probe_priced(v, rs.probe_draws(task, traffic, key), wd, CAT)
                assert (fit == fits[:, k, m]).all()
                np.testing.assert_allclose(attempt[fit, k, m], whole[fit], rtol=1e-12)


@pytest.mark.parametrize("failure_mode", ["redo", "escalate"])
def test_on_the_draw_axis_with_other_candidates_and_pass_rates(failure_mode: str) -> None:
    """Every draw of the draw axis is the one-draw waterfall where failures escalate, with a candidate that has no
    price, one with a small window, and pass rates that make the cheapest model differ between draws (the quality bar
    over a wide range)."""
    from calculators import uncertainty as u
    from pages._ui.workload_edit import SIDEBAR_KEYS
    from tests.test_draws import reconcile

    sidebar = SimpleWorkload(agent_share=0.2, failure_rate=0.05, reasoning_tokens=1000, cache_hit_rate=0.5)
    w = sidebar.workload()
    candidates = (SONNET, HAIKU, MINI, "aws/meta.llama3-8b-instruct-v1:0", "nobody/unpriced-model")
    levels = (0.99, 0.95, 0.9, 0.8, 0.6)
    rows = tuple(PassRateRow(task_class=c.name, rates={key: levels[(j + m) % 5] for m, key in enumerate(candidates)})
                 for j, c in enumerate(rs.DEFAULT_CLASSES))
    x = RightSizingInputs(candidates=candidates, pass_rates=rows, failure_mode=failure_mode)
    chain = u.Chain(w, ((rs.LEVER, x),), CAT, sidebar)
    inputs = u.uncertain(u.WORKLOAD, sidebar, SIDEBAR_KEYS, {}, u.workload_fields(sidebar))
    bar = u.uncertain(rs.LEVER.name, x, u.lever_keys(RightSizingInputs), {})[0]
    wide = u.Reach(below=0.4, above=0.1, scale="absolute")
    inputs = [i for i in inputs if i.range.width > 0] + [
        u.Uncertain(**{**bar.__dict__, "reach": wide, "range": u.resolve(0.9, wide, bar.lo, bar.hi, False)})]
    assert reconcile(chain, inputs, 60, 2) == 60
