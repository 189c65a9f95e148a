"""AI-everywhere pipeline on the one bill: the example by hand, steps as call classes, the facts table, properties."""
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from calculators import pipeline as pl
from calculators import uncertainty as u
from calculators.bill import price
from calculators.lever import effect, waterfall
from calculators.pipeline import PipelineInputs, StepFacts
from calculators.prices import ModelPrices, TieredRate
from calculators.workload import ClassRow, Workload, custom_workload
from tests import test_draws as td
from tests.levers_common import CAT, DEFAULT
from tests.test_agent_loops import BENCHMARK, reconcile_with

# $1/MTok input, $5/MTok output: easy to compute by hand.
M = ModelPrices(provider_id="test", provider_name="Test", model_id="m", model_name="M", input=TieredRate(base=1.0),
                output=TieredRate(base=5.0), source="test", source_date="2026-12")


def steps(*rows: tuple[str, float, float], runs: float = 100_000) -> Workload:
    """LLM steps as call classes on the test model: (name, tokens in, tokens out), each run once per request."""
    classes = custom_workload([ClassRow(name=n, requests_per_month=runs, model_key=M.key, other_input_tokens=i,
                                        output_tokens=o) for n, i, o in rows]).classes
    return Workload(classes=classes, custom_models=(M,))


def facts(name, ms, ok, code_ms=5.0, code_ok=0.999) -> StepFacts:
    return StepFacts(name=name, latency_ms=ms, success_rate=ok, code_latency_ms=code_ms, code_success_rate=code_ok)


def example(requests=1_000_000):
    w = custom_workload(pl.example_rows(requests))
    return w, PipelineInputs(convert=pl.EXAMPLE_CONVERT, table=pl.facts_for(w))


def test_the_example_pipeline_by_hand():
    # Per run, Sonnet 5.5 ($2/$10) and Haiku 5.5 ($0.1/$0.5): classify $0.000155, extract $0.008, dates $0.000055,
    # VAT numbers $0.00015, currency $0.000035, JSON check $0.0033, summary $0.006 = $0.017695. Converting dates, VAT
    # numbers, currency and the JSON check removes $0.00354: $0.014155 x 1M runs.
    w, x = example()
    r = pl.analyse(w, x, CAT)
    assert r.today.total == pytest.approx(17_695) and r.after.total == pytest.approx(14_155)
    assert r.saving == pytest.approx(3_540) and r.converted == pl.EXAMPLE_CONVERT
    assert r.payback_months == pytest.approx(10_000 / 3_540)  # 2.8 months
    # 0.995 x 0.97 x 0.95 x 0.999 x 0.995 x 0.9995 x 1 x 0.97 = 88.4% after; 79.5% with every step as an LLM call.
    assert r.what_if.success == pytest.approx(0.995 * 0.97 * 0.95 * 0.999 * 0.995 * 0.9995 * 1.0 * 0.97)
    assert round(r.what_if.success, 3) == 0.884 and round(r.before.success, 3) == 0.795
    assert r.before.latency_ms == 9_300 and r.what_if.latency_ms == 400 + 600 + 2_500 + 1 + 2 + 1 + 3 + 3_000
    assert r.before.llm_steps == 7 and r.what_if.llm_steps == 3 and r.runs_per_month == 1_000_000
    assert r.before.cost_per_run == pytest.approx(0.017695)
    assert list(r.steps["runs_as"]) == ["code"] + ["LLM"] * 7  # the PDF extraction already runs as code
    assert pl.one_off(w, x, CAT) == 10_000 and pl.idle(w, x, CAT) is None


def test_a_step_as_code_leaves_the_bill_and_latency_and_success_follow_its_code_version():
    w = steps(("classify", 1_000, 200), ("check", 500, 50))
    x = PipelineInputs(convert=("check",), table=(facts("parse", 2, 0.999), facts("classify", 1_000, 0.95),
                                                  facts("check", 400, 0.9, code_ms=3, code_ok=1.0)))
    r = pl.analyse(w, x, CAT)
    # classify: 1,000 x $1 + 200 x $5 = $0.002 a run; check: 500 x $1 + 50 x $5 = $0.00075; x 100,000 runs.
    assert r.today.total == pytest.approx(275) and r.after.total == pytest.approx(200) and r.saving == pytest.approx(75)
    assert r.before.latency_ms == 2 + 1_000 + 400 and r.what_if.latency_ms == 2 + 1_000 + 3
    assert r.before.success == pytest.approx(0.999 * 0.95 * 0.9) and r.what_if.success == pytest.approx(0.999 * 0.95)
    assert r.before.cost_per_success == pytest.approx(0.00275 / (0.999 * 0.95 * 0.9))
    assert list(r.steps["step"]) == ["parse", "classify", "check"] and r.code_steps == ("parse",)
    assert [c.name for c in pl.apply(w, x, CAT).classes] == ["classify"]


def test_twelve_steps_at_95_percent_and_the_exact_break_even():
    w = steps(*[(f"s{i}", 100, 10) for i in range(12)])
    r = pl.analyse(w, PipelineInputs(table=tuple(facts(f"s{i}", 100, 0.95) for i in range(12)), target_success=0.9),
                   CAT)
    assert r.before.success == pytest.approx(0.95**12) and round(0.95**12, 2) == 0.54  # the sourced fact
    assert r.mean_llm_success == pytest.approx(0.95)
    # To keep 90% end to end at 95% per step, chain at most ln 0.9 / ln 0.95 = 2.05 steps.
    assert r.llm_steps_for_target == pytest.approx(math.log(0.9) / math.log(0.95))
    assert pl.steps_for_target(0.95, 0.95**12) == pytest.approx(12)
    assert pl.steps_for_target(1.0, 0.9) is None and pl.steps_for_target(0.0, 0.9) == 0.0
    curve = pl.success_curve(r)
    assert curve.loc[12, "reference"] == pytest.approx(0.95**12) and curve.loc[12, "yours"] == pytest.approx(0.95**12)


def test_classes_without_a_row_get_generic_facts_and_unknown_names_are_reported():
    w = steps(("a", 100, 10), ("b", 100, 10))
    r = pl.analyse(w, PipelineInputs(convert=("b", "zzz"), table=(facts("a", 300, 0.9),)), CAT)
    assert r.generic == ("b",) and r.unmatched == ("zzz",) and r.converted == ("b",)
    assert r.before.latency_ms == 300 + pl.GENERIC_LATENCY_MS
    assert r.before.success == pytest.approx(0.9 * pl.GENERIC_SUCCESS)
    assert r.what_if.success == pytest.approx(0.9 * pl.CODE_SUCCESS)


def test_defaults_follow_the_workload():
    w, _ = example()
    assert pl.facts_for(w) == pl.EXAMPLE_FACTS  # the example's own facts, its code step included
    assert pl.defaults(w, CAT) == {"table": pl.EXAMPLE_FACTS, "chained": True}  # the example is a pipeline
    assert pl.defaults(DEFAULT, CAT)["chained"] is False  # any other workload: the user says whether it is one
    assert pl.choices(w, CAT)["convert"] == [c.name for c in w.classes]
    assert pl.facts_for(DEFAULT) == (pl.generic_facts("Requests"),)
    assert len(pl.example_rows(5)) == 7 and all(r.requests_per_month == 5 for r in pl.example_rows(5))


def test_idle_one_off_and_payback_edges():
    w, x = example()
    none = x.model_copy(update={"convert": ()})
    assert "no LLM step" in pl.idle(w, none, CAT) and pl.one_off(w, none, CAT) == 0
    r = pl.analyse(w, none, CAT)
    assert r.saving == 0 and r.payback_months is None
    assert pl.analyse(w, x.model_copy(update={"rewrite_cost": 0.0}), CAT).payback_months == 0.0
    assert "no LLM step" in pl.idle(DEFAULT, x, CAT)  # the sidebar's workload has none of the example's steps
    payback = pl.payback_curve(pl.analyse(w, x, CAT))
    assert payback["net_saving"].iloc[0] == -10_000 and payback["net_saving"].iloc[-1] > 0


def test_each_step_needs_its_own_row():
    with pytest.raises(ValidationError, match="repeated: a"):
        PipelineInputs(table=(facts("a", 1, 0.9), facts("a", 2, 0.8)))
    with pytest.raises(ValidationError):
        PipelineInputs(target_success=1.0)


def test_the_overview_counts_the_rewrite_once_outside_the_monthly_bars():
    w, x = example()
    result = waterfall(w, [(pl.LEVER, x)], CAT)
    assert result.total_saving == pytest.approx(3_540) and result.one_off == 10_000


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 300_000), st.integers(0, 20_000), st.booleans(),
                          st.sampled_from(["anthropic/claude-sonnet-4-5", "anthropic/claude-haiku-5-5",
                                           "openai/gpt-5"])),
                min_size=1, max_size=8))
def test_saving_is_the_converted_classes_lines_of_the_bill(rows):
    w = custom_workload([ClassRow(name=f"s{i}", requests_per_month=1_000, model_key=m, other_input_tokens=a,
                                  output_tokens=b) for i, (a, b, _, m) in enumerate(rows)])
    x = PipelineInputs(convert=tuple(f"s{i}" for i, (_, _, convert, _) in enumerate(rows) if convert))
    e = effect(pl.LEVER, w, x, CAT)
    today = price(w, CAT)
    assert e.saving == pytest.approx(sum(c.total for c in today.classes if c.name in x.convert), rel=1e-9, abs=1e-9)
    assert e.saving == pytest.approx(pl.analyse(w, x, CAT).saving) and e.saving >= 0


# --- a table of independent features is not a chain ---------------------------------------------------------------

FEATURES = Workload(classes=(
    *steps(("Chat", 4_000, 500), ("Search", 5_000, 200), runs=200_000).classes,
    *steps(("Nightly", 8_000, 1_000), runs=50_000).classes,
), custom_models=(M,))


def test_the_chain_is_the_users_statement_and_uneven_requests_are_flagged():
    """Three features with their own traffic: the money holds (converting Nightly removes 50,000 x (8,000 x $1 +
    1,000 x $5) / 1M = $650), but the end-to-end figures are only meaningful if the user says the classes are one
    pipeline's steps; their requests differ (200,000, 200,000 and 50,000), so they are not run once per run."""
    x = PipelineInputs(convert=("Nightly",), table=pl.facts_for(FEATURES))
    assert pl.defaults(FEATURES, CAT)["chained"] is False and not x.chained
    r = pl.analyse(FEATURES, x, CAT)
    assert r.saving == pytest.approx(650) and not r.chained
    assert r.uneven == (("Chat", 200_000), ("Search", 200_000), ("Nightly", 50_000))
    chained = pl.analyse(FEATURES, x.model_copy(update={"chained": True}), CAT)
    assert chained.chained and chained.saving == r.saving  # the statement changes no money
    # Generic facts (1,000 ms, 99% each) chained: 3.00 s and 0.99^3 = 97.03%; Nightly as code: 2.005 s, 98.9%.
    assert chained.before.latency_ms == 3_000 and chained.before.success == pytest.approx(0.99**3)
    assert chained.what_if.latency_ms == 2_005 and chained.what_if.success == pytest.approx(0.99**2 * 0.999)
    even = pl.analyse(custom_workload(pl.example_rows(1_000)), PipelineInputs(), CAT)
    assert even.uneven == ()


def test_an_unpriced_step_and_no_runs_are_never_free():
    w = Workload(classes=(*steps(("Known", 1_000, 100)).classes,
                          ClassRow(name="Mystery", requests_per_month=100_000, model_key="acme/secret-model-9",
                                   other_input_tokens=1_000, output_tokens=100).to_class()), custom_models=(M,))
    r = pl.analyse(w, PipelineInputs(table=pl.facts_for(w), chained=True), CAT)
    assert r.unpriced == ("Mystery",)
    assert r.steps.set_index("step")["priced"].to_dict() == {"Known": True, "Mystery": False}
    zero = steps(("A", 1_000, 100), runs=0)
    r = pl.analyse(zero, PipelineInputs(table=pl.facts_for(zero), chained=True), CAT)
    assert r.before.cost_per_run is None and r.before.cost_per_success is None  # no runs: no cost per run


# --- the draw axis (calculators/draws.py) ------------------------------------------------------------------------


@pytest.mark.parametrize("convert", [("Agent tasks",), ("Requests",), ("Requests", "Agent tasks"), ("Nothing",)])
def test_converted_classes_leave_every_draw(convert):
    """The sidebar's classes converted, alone and before the other levers on the draw axis, every input over a wide
    range: each draw's money is the one-draw waterfall's."""
    x = PipelineInputs(convert=convert, table=pl.facts_for(BENCHMARK.workload()))
    for others in ((), ("agent_loops", "system_prompt")):
        reconcile_with(BENCHMARK, pl.LEVER, x, others)


def test_the_example_pipeline_on_the_draw_axis():
    """A custom workload (no drawn workload inputs): the rewrite cost and target drawn are outside the monthly bill,
    so every draw is the point estimate's bar; the cross-field rule holds in every draw."""
    w, x = example()
    chain = u.Chain(w, ((pl.LEVER, x),), CAT)
    reaches = {"pipe.rewrite": u.Reach(below=0.9, above=2.0),
               "pipe.target": u.Reach(below=0.5, above=0.5, scale="absolute")}
    inputs = u.uncertain(pl.LEVER.name, x, u.lever_keys(PipelineInputs), reaches)
    assert all(i.range.width > 0 for i in inputs) and len(inputs) == 2
    td.reconcile(chain, inputs, 20, 3)
    o, valid = chain.outcome_draws(u.draws(inputs, 20, 3), 20)
    assert valid.all() and o.savings["pipeline"] == pytest.approx(3_540)


def test_a_repeated_step_is_refused_in_every_draw():
    repeated = PipelineInputs.model_construct(**{**dict(PipelineInputs()), "table": (facts("a", 1, 0.9),
                                                                                      facts("a", 2, 0.8))})
    assert not PipelineInputs.valid_draws(repeated) and PipelineInputs.valid_draws(PipelineInputs())
