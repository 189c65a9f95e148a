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
from tests.levers_common import CAT, DEFAULT, HAIKU, SONNET, SONNET_45, one, workloads


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
    # Sonnet 5.5 costs 0.004 x (input ratio + output ratio) per request; Haiku 5.5 a twentieth. At a 90% bar the first
    # three classes move to Haiku (redone until they pass), the last two stay (Haiku 80% and 55%, GPT-5 mini 84%, 70%):
    after = (392_000 / 0.97 * 0.000125 + 240_000 / 0.93 * 0.0004 + 142_500 / 0.90 * 0.00065
             + 150_000 * 0.014 + 50_000 * 0.019)
    assert r.after.total == pytest.approx(after)  # $3,306.66
    assert r.saving == pytest.approx(8_000 - after)  # $4,693.34
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
    # Sonnet 4.5 bills a whole request above 200k input tokens at $6/$22.50. One class of 150k tokens split into a
    # 60k and a 240k task class: the bigger one crosses the cliff, so the split alone raises the bill; the saving is
    # still today's bill minus the bill after, and the attempt matrix is the pricing function's.
    w = one(requests_per_month=1_000, model_key=SONNET_45, other_input_tokens=150_000, output_tokens=1_000)
    classes = (TaskClass(name="short", share=0.5, input_tokens=60_000, output_tokens=1_000),
               TaskClass(name="long", share=0.5, input_tokens=240_000, output_tokens=1_000))
    x = RightSizingInputs(classes=classes, candidates=(SONNET_45,), quality_bar=0.5,
                          pass_rates=tuple(PassRateRow(task_class=k, rates={SONNET_45: 0.9})
                                           for k in ("short", "long")))
    r = rs.evaluate(w, x, CAT)
    assert r.plan.attempt[0, 1, 0] == pytest.approx((240_000 * 6 + 1_000 * 22.5) / 1e6)
    assert r.plan.attempt[0, 0, 0] == pytest.approx((60_000 * 3 + 1_000 * 15) / 1e6)
    today = 1_000 * (150_000 * 3 + 1_000 * 15) / 1e6
    split = 500 * (r.plan.attempt[0, 0, 0] + r.plan.attempt[0, 1, 0])
    assert r.plan.gap == pytest.approx(today - split)  # negative: the split costs more
    assert r.saving == pytest.approx(r.plan.gap)  # nothing moves; the gap is the only change, and it is shown


def test_batch_tier_and_caching_of_the_class_are_honoured():
    x = RightSizingInputs(**rs.defaults(DEFAULT, CAT))
    batch = DEFAULT.map(lambda c: c.model_copy(update={"tier": "batch"}))
    r = rs.evaluate(batch, x, CAT)
    assert r.today.total == pytest.approx(4_000)  # batch halves Sonnet 5.5 and Haiku 5.5 alike
    assert r.saving == pytest.approx(rs.evaluate(DEFAULT, x, CAT).saving / 2)
    cached = DEFAULT.map(lambda c: c.model_copy(update={"cache": "5m", "cache_hit_rate": 0.9}))
    r = rs.evaluate(cached, x, CAT)
    assert r.saving == pytest.approx(price(cached, CAT).total - price(rs.apply(cached, x, CAT), CAT).total)
    probe = rs.scaled(cached.classes[0], *[float(a[0]) for a in x.size_ratios()]).model_copy(
        update={"requests_per_month": 1.0, "model_key": HAIKU})
    assert r.plan.attempt[0, 0, 1] == pytest.approx(price(Workload(classes=(probe,)), CAT).total)


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
    assert "no pass rate for 'A'" in rs.problems(W, x)[0]
    assert "no pass rate for 'A'" in rs.idle(W, x, CAT)
    assert rs.apply(W, x, CAT).classes == W.classes  # left as it is
    assert rs.evaluate(W, x, CAT).saving == 0
    assert "never passes 'A'" in rs.problems(W, inputs(pass_rates=rows((0.0, 0.9), (0.9, 0.5))))[0]
    off = inputs(candidates=("t/small",))
    assert "is not a candidate" in rs.problems(W, off)[0] and rs.apply(W, off, CAT).classes == W.classes


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


@settings(max_examples=25)
@given(problems())
def test_saving_is_the_difference_of_two_priced_workloads(problem):
    w, x = problem
    r = rs.evaluate(w, x, CAT)
    e = effect(rs.LEVER, w, x, CAT)
    assert r.saving == pytest.approx(e.saving, rel=1e-9, abs=1e-6)
    # The matrix gives the same saving as pricing the transformed workload.
    chosen = r.plan.choose(np.array([x.quality_bar]))[0][0]
    assert float(r.plan.saving(chosen)) == pytest.approx(r.saving, rel=1e-7, abs=1e-6)


@settings(max_examples=25)
@given(problems())
def test_never_costs_more_when_todays_model_meets_the_bar(problem):
    w, x = problem
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
