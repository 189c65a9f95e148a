"""Distillation payback on the one bill: hand-computed bills and one-off costs, the reviewer's currency case, curves
equal to the scalar path, properties."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calculators import distillation as ds
from calculators import system_prompt as sp
from calculators import uncertainty as u
from calculators.bill import price
from calculators.lever import effect
from calculators.money import MoneySettings
from calculators.workload import SimpleWorkload, Workload
from pages._ui.workload_edit import SIDEBAR_KEYS
from tests.levers_common import CAT, DEFAULT, SONNET, SONNET_45, one, workloads
from tests.test_draws import reconcile_sample

NO_BATCH = "anthropic/claude-3-5-sonnet"  # $3 / $15 per MTok, no batch price in the catalogue


def inputs(**kw) -> ds.DistillationInputs:
    return ds.DistillationInputs(**(ds.defaults(DEFAULT, CAT) | kw))


def test_default_case_by_hand():
    r = ds.evaluate(DEFAULT, inputs(), CAT)
    # Today: 1M x (2,000 x $2 + 400 x $10) / 1M = $8,000. The student (ft:gpt-4o-mini, $0.30 / $1.20) answers every
    # request: 1M x (2,000 x 0.3 + 400 x 1.2) / 1M = $1,080; 5% fall back to Sonnet 5.5: $400; upkeep $200.
    assert r.today.total == pytest.approx(8_000)
    assert r.after.total == pytest.approx(1_080 + 400 + 200)
    assert r.saving == pytest.approx(6_320)
    assert r.margin_per_request == pytest.approx(0.00652)  # (6,320 + 200) / 1M
    # One-off: labelling 20,000 x (2,000 x $1 + 400 x $5) / 1M = $80 at Sonnet 5.5's batch prices; training 20,000 x
    # 2,400 x 3 epochs = 144M tokens x $3/M = $432; evaluation $5,000.
    assert r.one_off.labelling == pytest.approx(80) and r.one_off.labelling_basis == "batch price"
    assert r.one_off.training_tokens == pytest.approx(144e6) and r.one_off.training == pytest.approx(432)
    assert r.one_off.total == pytest.approx(5_512)
    assert ds.one_off(DEFAULT, inputs(), CAT) == pytest.approx(5_512)  # what the Overview adds up
    assert r.payback_months == pytest.approx(5_512 / 6_320)
    # Never below 200 / 0.00652 = 30,675 requests; within 12 months above (5,512 / 12 + 200) / 0.00652 = 101,125.
    assert r.min_volume == pytest.approx(200 / 0.00652)
    assert r.volume_for_horizon == pytest.approx((5_512 / 12 + 200) / 0.00652)
    assert r.net_at_horizon == pytest.approx(12 * 6_320 - 5_512)


def test_reviewers_currency_case():
    """The one-off landed at about $116 (labelling $80 + 12 GPU hours at $3). Typed in JPY at 150 per USD, every money
    input reaches the calculator in USD, so the one-off shows as ¥17,400 and the payback is the USD payback exactly."""
    usd = inputs(training_mode="Per GPU hour", gpu_hours=12, gpu_rate=3.0, evaluation_cost=0.0)
    r = ds.evaluate(DEFAULT, usd, CAT)
    assert r.one_off.total == pytest.approx(116)
    assert r.payback_months == pytest.approx(116 / 6_320)
    jpy = MoneySettings(currency="JPY", rate_per_usd=150)
    typed = usd.model_copy(update={name: jpy.to_usd(jpy.shown(getattr(usd, name))) for name in
                                   ("gpu_rate", "evaluation_cost", "upkeep_per_month", "training_price",
                                    "self_hosted_price")})
    assert typed == usd  # ¥450 an hour is $3, ¥30,000 upkeep is $200
    assert ds.evaluate(DEFAULT, typed, CAT).payback_months == r.payback_months
    assert jpy.shown(r.one_off.total) == pytest.approx(17_400)


def test_never_pays_back_at_low_volume():
    w = DEFAULT.map(lambda c: c.model_copy(update={"requests_per_month": 20_000}))
    r = ds.evaluate(w, inputs(), CAT)
    # 20,000 requests save 20,000 x $0.00652 = $130.40 a month, less than the $200 upkeep: never.
    assert r.saving == pytest.approx(130.4 - 200)
    assert r.payback_months is None and r.net_at_horizon < 0
    assert r.min_volume == pytest.approx(200 / 0.00652)


def test_self_hosted_student_is_a_model_of_the_workload():
    x = inputs(student_source="Self-hosted", self_hosted_price=5.0)
    after = ds.apply(DEFAULT, x, CAT)
    assert [m.key for m in after.custom_models] == [ds.SELF_HOSTED_KEY]
    r = ds.evaluate(DEFAULT, x, CAT)
    # 2,400 tokens x $5/M = $0.012 a request, dearer than Sonnet's $0.008: it never pays back, at any volume.
    student = next(c for c in r.after.classes if c.model_key == ds.SELF_HOSTED_KEY)
    assert student.total == pytest.approx(1_000_000 * 0.012)
    assert r.margin_per_request < 0 and r.payback_months is None and r.min_volume is None
    assert r.volume_for_horizon is None


def test_fallbacks_routed_up_front_pay_the_student_less():
    r = ds.evaluate(DEFAULT, inputs(fallback_mode="Routed to the teacher up front"), CAT)
    # 95% x $1,080 + 5% x $8,000 + $200 = $1,026 + $400 + $200.
    assert r.after.total == pytest.approx(1_026 + 400 + 200)
    r0 = ds.evaluate(DEFAULT, inputs(quality_retained=0.0), CAT)
    assert r0.after.total == pytest.approx(1_080 + 8_000 + 200) and r0.payback_months is None


def test_fallback_goes_to_each_classs_own_model():
    # The Overview may hand a workload whose model another lever changed: the fallback follows the class, not the
    # labelling teacher.
    w = DEFAULT.map(lambda c: c.model_copy(update={"model_key": SONNET_45}))
    fallback = next(c for c in ds.apply(w, inputs(teacher=SONNET), CAT).classes if c.name.endswith("fallback"))
    assert fallback.model_key == SONNET_45 and fallback.requests_per_month == pytest.approx(50_000)


def test_gpu_hours_and_no_batch():
    r = ds.evaluate(DEFAULT, inputs(training_mode="Per GPU hour", gpu_hours=10, gpu_rate=2.5, use_batch=False), CAT)
    assert r.one_off.training == pytest.approx(25.0)
    assert r.one_off.labelling == pytest.approx(20_000 * 0.008) and r.one_off.labelling_basis == "standard price"


def test_typed_discount_only_without_a_catalogue_batch_price():
    # Claude 3.5 Sonnet publishes no batch price: 20,000 x (2,000 x $3 + 400 x $15) / 1M = $240, less the typed 30%.
    r = ds.evaluate(DEFAULT, inputs(teacher=NO_BATCH, batch_discount=0.3), CAT)
    assert r.one_off.labelling == pytest.approx(240 * 0.7) and r.one_off.labelling_basis == "typed discount"
    # Where the catalogue has a batch price, the typed discount is not used.
    assert ds.evaluate(DEFAULT, inputs(batch_discount=0.3), CAT).one_off.labelling == pytest.approx(80)


def test_labelling_honours_the_long_context_cliff_at_the_batch_tier():
    # Sonnet 4.5 above 200k input tokens: $6/MTok standard, $3 at the batch tier, for the whole request.
    x = inputs(teacher=SONNET_45, examples=10, label_input_tokens=250_000, label_output_tokens=0)
    assert ds.evaluate(DEFAULT, x, CAT).one_off.labelling == pytest.approx(10 * 250_000 * 3 / 1e6)
    x = x.model_copy(update={"use_batch": False})
    assert ds.evaluate(DEFAULT, x, CAT).one_off.labelling == pytest.approx(10 * 250_000 * 6 / 1e6)


def test_defaults_follow_the_workload():
    w = one(requests_per_month=10, model_key=SONNET_45, prefix_tokens=700, other_input_tokens=300, output_tokens=50,
            reasoning_tokens=100)
    assert ds.defaults(w, CAT) == {"teacher": SONNET_45, "label_input_tokens": 1_000, "label_output_tokens": 150}


def test_free_one_off_pays_back_at_once():
    x = inputs(training_price=0, evaluation_cost=0, examples=1, label_input_tokens=0, label_output_tokens=0)
    r = ds.evaluate(DEFAULT, x, CAT)
    assert r.one_off.total == 0.0 and r.payback_months == 0.0


def test_cumulative_curves_cross_at_the_payback():
    r = ds.evaluate(DEFAULT, inputs(), CAT)
    curve = ds.cumulative_curve(r)
    row = curve[curve["month"] == r.payback_months].iloc[0]  # the payback month is on the grid exactly
    assert row["teacher_only"] == pytest.approx(row["distilled"])
    horizon = curve[curve["month"] == 12].iloc[0]
    assert horizon["cumulative_saving"] == pytest.approx(r.net_at_horizon)


def test_student_already_serving_is_left_alone():
    w = DEFAULT.map(lambda c: c.model_copy(update={"model_key": ds.DEFAULT_STUDENT}))
    assert "already runs on the student" in ds.idle(w, inputs(), CAT)
    assert ds.apply(w, inputs(), CAT).classes == w.classes


# --- properties ---------------------------------------------------------------------------------------------------


@st.composite
def distillations(draw):
    hosted = draw(st.booleans())
    return inputs(student_source="Self-hosted" if hosted else "Catalogue model",
                  self_hosted_price=draw(st.floats(0, 20)), quality_retained=draw(st.floats(0, 1)),
                  fallback_mode=draw(st.sampled_from(["Student first, then teacher",
                                                      "Routed to the teacher up front"])),
                  upkeep_per_month=draw(st.floats(0, 10_000)), evaluation_cost=draw(st.floats(0, 100_000)),
                  horizon_months=draw(st.integers(1, 120)))


@settings(max_examples=25)
@given(workloads(), distillations())
def test_saving_is_the_difference_of_two_priced_workloads(w, x):
    r = ds.evaluate(w, x, CAT)
    assert r.saving == pytest.approx(effect(ds.LEVER, w, x, CAT).saving, rel=1e-9, abs=1e-6)
    assert r.payback_months is None or r.payback_months >= 0


@settings(max_examples=25)
@given(workloads(), distillations(), st.floats(0.01, 100))
def test_saving_is_linear_in_volume(w, x, factor):
    # The payback-vs-volume curve rests on it: at f times the volume the saving is f x (saving before upkeep) - upkeep.
    # Exact at fixed hit rates: the strategy's rates are observed, and the students it draws bill no cache reads (a
    # rate derived from traffic would move with the volume; the curve holds today's).
    r = ds.evaluate(w, x, CAT)
    scaled = w.map(lambda c: c.model_copy(update={"requests_per_month": c.requests_per_month * factor}))
    priced = price(scaled, CAT).total - price(ds.apply(scaled, x, CAT), CAT).total
    assert priced == pytest.approx(factor * r.saving_before_upkeep - r.upkeep, rel=1e-7, abs=1e-6)


@settings(max_examples=25)
@given(workloads(), distillations())
def test_payback_curve_matches_the_scalar_and_never_rises(w, x):
    r = ds.evaluate(w, x, CAT)
    curve = ds.payback_curve(r)
    at_current = curve.loc[curve["requests_per_month"] == max(r.requests, 1.0), "payback_months"].iloc[0]
    if r.payback_months is None or r.requests < 1:
        assert r.requests < 1 or math.isnan(at_current)
    else:
        assert at_current == pytest.approx(r.payback_months, rel=1e-9)
    months = curve["payback_months"].to_numpy()
    defined = months[~np.isnan(months)]
    assert np.all(np.diff(defined) <= 1e-9 * np.maximum(1.0, defined[:-1]))
    if r.volume_for_horizon is not None:
        assert float(r.payback_at(r.volume_for_horizon)) == pytest.approx(x.horizon_months, rel=1e-9)


def test_zero_volume_never_crashes():
    w = Workload(classes=(DEFAULT.classes[0].model_copy(update={"requests_per_month": 0.0}),))
    r = ds.evaluate(w, inputs(), CAT)
    assert r.payback_months is None and r.margin_per_request is None and len(ds.payback_curve(r)) > 0


# --- the finance review --------------------------------------------------------------------------------------------


def test_order_with_caching_does_not_change_the_final_bill():
    from calculators import caching
    from calculators.lever import waterfall
    from calculators.workload import SimpleWorkload

    xc = caching.CachingInputs()
    for w in (SimpleWorkload(model_key="openai/gpt-5", cache_hit_rate=None).workload(),
              SimpleWorkload(model_key="openai/gpt-5", cache_hit_rate=0.5).workload(), DEFAULT):
        x = ds.DistillationInputs(**ds.defaults(w, CAT))
        first = waterfall(w, [(ds.LEVER, x), (caching.LEVER, xc)], CAT).final.total  # ORDER: distillation, caching
        caching_first = price(ds.apply(caching.apply(w, xc, CAT), x, CAT), CAT).total
        assert round(first, 2) == round(caching_first, 2)
    # The 50% observed on GPT-5 stays with the fallbacks on GPT-5; the student's cache starts from its own traffic.
    w = SimpleWorkload(model_key="openai/gpt-5", cache_hit_rate=0.5).workload()
    after = {c.name: c for c in ds.apply(w, ds.DistillationInputs(**ds.defaults(w, CAT)), CAT).classes}
    assert after["Requests · fallback"].cache_hit_rate == 0.5 and after["Requests · student"].cache_hit_rate is None


def unknown_table() -> tuple[Workload, object, object]:
    known = DEFAULT.classes[0].model_copy(update={"name": "Known", "requests_per_month": 100_000})
    mystery = known.model_copy(update={"name": "Mystery", "requests_per_month": 900_000,
                                       "model_key": "acme/secret-model-9"})
    return Workload(classes=(known, mystery)), known, mystery


def test_unpriced_classes_are_left_as_they_are():
    """A custom table with a model the catalogue does not price: its class stays as it is, the saving and the
    per-request figures are those of the priced class, and the teacher is a priced model (not the alphabetically
    first catalogue model)."""
    w, _, mystery = unknown_table()
    x = ds.DistillationInputs(**ds.defaults(w, CAT))
    assert x.teacher == SONNET
    r = ds.evaluate(w, x, CAT)
    # Known is a tenth of the default workload: $800 today; the student 100,000 x $0.00108 = $108, 5% fallbacks $40,
    # upkeep $200: $348 after, $452 saved. Per distilled request (100,000, not the 1M of the table) the margin is
    # (452 + 200) / 100,000 = $0.00652, as on the default workload; payback 5,512 / 452 = 12.2 months.
    assert r.today.total == pytest.approx(800) and r.after.total == pytest.approx(348)
    assert r.requests == 100_000 and r.margin_per_request == pytest.approx(0.00652)
    assert r.per_request_today == pytest.approx(0.008) and r.serving_per_request == pytest.approx(0.00148)
    assert r.payback_months == pytest.approx(5_512 / 452)
    assert {c.name: c for c in ds.apply(w, x, CAT).classes}["Mystery"] == mystery
    assert ds.idle(w, x, CAT) is None and "'Mystery' runs on a model with no price" in ds.caveat(w, x, CAT)
    alone = Workload(classes=(mystery,))
    y = ds.DistillationInputs(**ds.defaults(alone, CAT))
    assert y.teacher == ds.DEFAULT_MODEL  # no catalogue model in the table: the field's default, priced
    assert "no price" in ds.idle(alone, y, CAT)
    assert ds.apply(alone, y, CAT) == alone  # no class distilled: no student, no upkeep
    assert ds.evaluate(alone, y, CAT).saving == 0


def test_zero_requests_say_so():
    w = Workload(classes=(DEFAULT.classes[0].model_copy(update={"requests_per_month": 0.0}),))
    r = ds.evaluate(w, inputs(), CAT)
    # The upkeep is paid with nothing to save against it.
    assert r.saving == pytest.approx(-200) and r.requests == 0
    assert r.min_volume is None and r.volume_for_horizon is None and r.per_request_today is None


# --- the draw axis (calculators/draws.py) -----------------------------------------------------------------------
# tests/test_draws.py reconciles the lever at its defaults (a catalogue student); these hold the self-hosted student,
# whose price is drawn (a rate per draw), and the shares that are 0 or 1 in some draws, to the one-draw waterfall.

FALLBACK_MODES = ("Student first, then teacher", "Routed to the teacher up front")


def _draw_chain(sidebar: SimpleWorkload, x: ds.DistillationInputs, with_trim: bool) -> u.Chain:
    pairs = ((ds.LEVER, x),) + (((sp.LEVER, sp.SystemPromptInputs()),) if with_trim else ())
    return u.Chain(sidebar.workload(), pairs, CAT, sidebar)


def _assert_each_draw(chain, sample: dict[str, np.ndarray], n: int) -> None:
    """The lever applies in every draw, and each draw is the one-draw waterfall's."""
    assert chain.outcome_draws(sample, n)[1].all()
    reconcile_sample(chain, sample)


@pytest.mark.parametrize("fallback_mode", FALLBACK_MODES)
@pytest.mark.parametrize("source", ["Self-hosted", "Catalogue model"])
def test_shares_of_0_and_1_and_a_price_per_draw_on_the_draw_axis(fallback_mode, source):
    """Quality retained of exactly 0 or 1 leaves a part out in those draws only (an 8k-window model whose prompt does
    not fit today: where nothing falls back, the student takes it all and the lever applies); every draw prices the
    self-hosted student at its own rate, the system-prompt trim after it included."""
    q = np.array([0.0, 1.0, 0.5, 1.0, 0.0, 0.95])
    sample = {"distillation.quality_retained": q,
              "distillation.self_hosted_price": np.array([0.0, 0.1, 5.0, 1_000.0, 0.3, 0.05]),
              "distillation.upkeep_per_month": np.array([0.0, 200.0, 0.0, 1e7, 50.0, 200.0]),
              "workload.requests_per_month": np.array([1e6, 2e6, 5e5, 1e6, 3.0, 1e6])}
    for sidebar in (SimpleWorkload(), SimpleWorkload(agent_share=0.2, failure_rate=0.05, reasoning_tokens=1000),
                    SimpleWorkload(model_key="aws/meta.llama3-8b-instruct-v1:0", input_tokens=9_000)):
        for with_trim in (False, True):
            x = ds.DistillationInputs(**ds.defaults(sidebar.workload(), CAT), student_source=source,
                                      fallback_mode=fallback_mode)
            _assert_each_draw(_draw_chain(sidebar, x, with_trim), sample, len(q))


@settings(max_examples=30, deadline=None)
@given(fallback_mode=st.sampled_from(FALLBACK_MODES), agent_share=st.sampled_from([0.0, 0.2, 1.0]),
       failure_rate=st.sampled_from([0.0, 0.05]), cache_hit_rate=st.sampled_from([0.0, 0.3, None]),
       with_trim=st.booleans(), seed=st.integers(0, 2**32 - 1))
def test_a_self_hosted_student_over_wide_ranges_is_the_one_draw_waterfall(fallback_mode, agent_share, failure_rate,
                                                                          cache_hit_rate, with_trim, seed):
    sidebar = SimpleWorkload(agent_share=agent_share, failure_rate=failure_rate, cache_hit_rate=cache_hit_rate,
                             reasoning_tokens=1000)
    x = ds.DistillationInputs(**ds.defaults(sidebar.workload(), CAT), student_source="Self-hosted",
                              fallback_mode=fallback_mode)
    chain = _draw_chain(sidebar, x, with_trim)
    inputs = u.uncertain(u.WORKLOAD, sidebar, SIDEBAR_KEYS, {}, u.workload_fields(sidebar))
    inputs += u.uncertain("distillation", x, u.lever_keys(type(x)), {
        "distil.quality": u.Reach(below=0.5, above=0.5, scale="absolute"),
        "distil.hosted": u.Reach(below=0.99, above=20.0), "distil.upkeep": u.Reach(below=1.0, above=5.0)})
    inputs = [i for i in inputs if i.range.width > 0]
    _assert_each_draw(chain, u.draws(inputs, 12, seed), 12)
