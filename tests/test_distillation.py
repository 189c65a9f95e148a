"""Distillation payback: hand-computed cases, closed forms, a case that never pays back, properties."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from calculators import distillation as ds
from calculators.prices import ModelPrices, TieredRate


def prices(inp: float, out: float, tiers: tuple = ()) -> ModelPrices:
    return ModelPrices(provider_id="t", provider_name="Test", model_id=f"m{inp}-{out}", model_name="M",
                       input=TieredRate(base=inp, tiers=tiers), output=TieredRate(base=out), source="test",
                       source_date="2026")


TEACHER = prices(2.0, 10.0)  # Sonnet-like
STUDENT = prices(0.3, 1.2)  # a fine-tuned small hosted model


def inputs(**kw) -> ds.DistillationInputs:
    base = dict(requests_per_month=1_000_000, input_tokens=2_000, output_tokens=400, teacher=TEACHER,
                student=STUDENT, examples=20_000, label_input_tokens=2_000, label_output_tokens=400)
    return ds.DistillationInputs(**(base | kw))


def test_default_case_by_hand():
    r = ds.evaluate(inputs())
    # teacher: 2,000 x $2/M + 400 x $10/M = $0.008; student: 2,000 x $0.3/M + 400 x $1.2/M = $0.00108
    assert r.teacher_per_request == pytest.approx(0.008)
    assert r.student_per_request == pytest.approx(0.00108)
    # 5% fall back and pay the teacher too: 0.00108 + 0.05 x 0.008 = 0.00148; margin 0.008 - 0.00148 = 0.00652
    assert r.distilled_per_request == pytest.approx(0.00148)
    assert r.margin_per_request == pytest.approx(0.00652)
    # labelling: 20,000 x $0.008 x (1 - 50% batch) = $80; training: 20,000 x 2,400 x 3 = 144M tokens x $3/M = $432
    assert r.labelling_cost == pytest.approx(80.0)
    assert r.training_tokens == pytest.approx(144e6)
    assert r.training_cost == pytest.approx(432.0)
    assert r.one_off_cost == pytest.approx(80 + 432 + 5_000)
    # saving: 1M x 0.00652 - $200 upkeep = $6,320/month; payback 5,512 / 6,320 months
    assert r.monthly_saving == pytest.approx(6_320)
    assert r.saving_per_request == pytest.approx(0.00632)
    assert r.payback_months == pytest.approx(5_512 / 6_320)
    # never below 200 / 0.00652 = 30,675 requests; within 12 months above (5,512/12 + 200) / 0.00652 = 101,125
    assert r.min_volume == pytest.approx(200 / 0.00652)
    assert r.volume_for_horizon == pytest.approx((5_512 / 12 + 200) / 0.00652)
    assert r.net_at_horizon == pytest.approx(12 * 6_320 - 5_512)


def test_never_pays_back_at_low_volume():
    # 20,000 requests save 20,000 x 0.00652 = $130.40 a month, less than the $200 upkeep: never.
    r = ds.evaluate(inputs(requests_per_month=20_000))
    assert r.monthly_saving == pytest.approx(130.4 - 200)
    assert r.payback_months is None
    assert r.net_at_horizon < 0
    assert r.min_volume == pytest.approx(200 / 0.00652)  # it would above ~30,675 a month


def test_never_pays_back_when_the_student_costs_as_much():
    # A self-hosted student at $5/MTok: 2,400 x $5/M = $0.012 a request, dearer than the teacher's $0.008.
    r = ds.evaluate(inputs(student=ds.self_hosted_prices(5.0), student_source="Self-hosted"))
    assert r.student_per_request == pytest.approx(0.012)
    assert r.margin_per_request < 0
    assert r.payback_months is None and r.min_volume is None and r.volume_for_horizon is None
    # quality retained 0: every request falls back, so it pays student + teacher
    r0 = ds.evaluate(inputs(quality_retained=0.0))
    assert r0.distilled_per_request == pytest.approx(0.00108 + 0.008)
    assert r0.payback_months is None


def test_routing_failures_up_front_pays_the_student_less():
    r = ds.evaluate(inputs(fallback_mode="Routed to the teacher up front"))
    # 0.95 x $0.00108 + 0.05 x $0.008 = $0.001026 + $0.0004 = $0.001426 (vs $0.00148 when the student answers first)
    assert r.student_share == pytest.approx(0.95)
    assert r.distilled_per_request == pytest.approx(0.001426)
    assert r.margin_per_request == pytest.approx(0.008 - 0.001426)


def test_gpu_hour_training_and_no_batch():
    r = ds.evaluate(inputs(training_mode="Per GPU hour", gpu_hours=10, gpu_rate=2.5, use_batch=False))
    assert r.training_cost == pytest.approx(25.0)
    assert r.labelling_cost == pytest.approx(20_000 * 0.008)  # full price without the batch API


def test_labelling_honours_the_long_context_cliff():
    # Above 200k input tokens the teacher's input costs $4/MTok for the whole request.
    teacher = prices(2.0, 10.0, tiers=((200_000, 4.0),))
    r = ds.evaluate(inputs(teacher=teacher, examples=10, label_input_tokens=250_000, label_output_tokens=0,
                           use_batch=False))
    assert r.labelling_cost == pytest.approx(10 * 250_000 * 4 / 1e6)


def test_free_one_off_pays_back_at_once():
    r = ds.evaluate(inputs(training_price=0, evaluation_cost=0, use_batch=True, batch_discount=0.99,
                           examples=1, label_input_tokens=0, label_output_tokens=0))
    assert r.one_off_cost == 0.0 and r.payback_months == 0.0


def test_self_hosted_prices_apply_to_input_and_output():
    p = ds.self_hosted_prices(0.1)
    assert p.rate("input") == 0.1 and p.rate("output") == 0.1


def test_cumulative_curves_cross_at_the_payback():
    x = inputs()
    r = ds.evaluate(x)
    curve = ds.cumulative_curve(x)
    row = curve[curve["month"] == r.payback_months].iloc[0]  # the payback month is on the grid exactly
    assert row["teacher_only"] == pytest.approx(row["distilled"])
    horizon = curve[curve["month"] == x.horizon_months].iloc[0]
    assert horizon["distilled"] == pytest.approx(r.distilled_at_horizon)
    assert horizon["cumulative_saving"] == pytest.approx(r.net_at_horizon)


# --- properties -------------------------------------------------------------------------------------

money = st.floats(0, 50, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(volume=st.integers(1, 1_000_000_000), factor=st.floats(1.0, 100.0), quality=st.floats(0, 1),
       upkeep=st.floats(0, 10_000), student=money, evaluation=st.floats(0, 100_000))
def test_payback_falls_as_volume_rises(volume, factor, quality, upkeep, student, evaluation):
    low = inputs(requests_per_month=volume, quality_retained=quality, upkeep_per_month=upkeep,
                 student=ds.self_hosted_prices(student), evaluation_cost=evaluation)
    high = low.model_copy(update={"requests_per_month": min(int(volume * factor), 10_000_000_000)})
    p_low, p_high = ds.evaluate(low).payback_months, ds.evaluate(high).payback_months
    if p_low is not None:
        assert p_high is not None  # once it pays back, more volume keeps it paying back
        assert p_high <= p_low * (1 + 1e-12)


@settings(max_examples=40, deadline=None)
@given(volume=st.integers(1, 100_000_000), quality=st.floats(0, 1), upkeep=st.floats(0, 10_000), student=money)
def test_payback_curve_matches_scalar_and_is_non_increasing(volume, quality, upkeep, student):
    x = inputs(requests_per_month=volume, quality_retained=quality, upkeep_per_month=upkeep,
               student=ds.self_hosted_prices(student))
    r = ds.evaluate(x)
    curve = ds.payback_curve(x)
    at_current = curve.loc[curve["requests_per_month"] == volume, "payback_months"].iloc[0]
    if r.payback_months is None:
        assert math.isnan(at_current)
    else:
        assert at_current == pytest.approx(r.payback_months)
    months = curve["payback_months"].to_numpy()
    defined = months[~np.isnan(months)]
    assert np.all(np.diff(defined) <= 1e-9 * np.maximum(1.0, defined[:-1]))
    # the gap (never pays back) sits only at the low-volume end
    if defined.size:
        first = np.argmax(~np.isnan(months))
        assert not np.isnan(months[first:]).any()


@settings(max_examples=40, deadline=None)
@given(volume=st.integers(0, 10_000_000_000), quality=st.floats(0, 1), examples=st.integers(1, 100_000_000),
       in_tokens=st.integers(0, 2_000_000), out_tokens=st.integers(0, 200_000), horizon=st.integers(1, 120),
       teacher=money, student=money)
def test_no_crash_on_edge_values(volume, quality, examples, in_tokens, out_tokens, horizon, teacher, student):
    x = inputs(requests_per_month=volume, quality_retained=quality, examples=examples, input_tokens=in_tokens,
               output_tokens=out_tokens, label_input_tokens=in_tokens, label_output_tokens=out_tokens,
               horizon_months=horizon, teacher=ds.self_hosted_prices(teacher), student=ds.self_hosted_prices(student))
    r = ds.evaluate(x)
    assert math.isfinite(r.one_off_cost) and r.one_off_cost >= 0
    assert r.payback_months is None or r.payback_months >= 0
    assert len(ds.cumulative_curve(x)) > 0 and len(ds.payback_curve(x)) > 0


@settings(max_examples=40, deadline=None)
@given(volume=st.integers(1, 100_000_000), upkeep=st.floats(0, 10_000), evaluation=st.floats(0, 1e6))
def test_volume_for_horizon_pays_back_exactly_at_the_horizon(volume, upkeep, evaluation):
    x = inputs(requests_per_month=volume, upkeep_per_month=upkeep, evaluation_cost=evaluation)
    r = ds.evaluate(x)
    assume(r.volume_for_horizon is not None)
    at = ds._payback(r.one_off_cost, r.margin_per_request, upkeep, r.volume_for_horizon)
    assert float(at) == pytest.approx(x.horizon_months, rel=1e-9)
