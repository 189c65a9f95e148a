"""AI-everywhere pipeline: hand-computed totals, the what-if, table validation and properties."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from calculators import pipeline
from calculators.pipeline import PipelineInputs, PipelineStep
from calculators.prices import ModelPrices, TieredRate

# $1/MTok input, $5/MTok output: easy to compute by hand.
M = ModelPrices(provider_id="test", provider_name="Test", model_id="m", model_name="M", input=TieredRate(base=1.0),
                output=TieredRate(base=5.0), source="test", source_date="2026-11")
PRICES = {"test/m": M}


def llm(name="call", tin=1_000, tout=200, ms=1_000.0, ok=0.95, **kw):
    return PipelineStep(name=name, kind="LLM", model_key="test/m", input_tokens=tin, output_tokens=tout,
                        latency_ms=ms, success_rate=ok, **kw)


def code(name="parse", ms=2.0, ok=0.999):
    return PipelineStep(name=name, kind="code", latency_ms=ms, success_rate=ok)


def inputs(steps, **kw):
    return PipelineInputs(steps=tuple(steps), runs_per_month=kw.pop("runs", 100_000), **kw)


def test_totals_by_hand():
    x = inputs([code(), llm(), llm("check", tin=500, tout=50, ms=400, ok=0.9, convert=True, code_latency_ms=3,
                                   code_success_rate=1.0)])
    r = pipeline.evaluate(x, PRICES)
    # LLM 1: 1,000 x $1/M + 200 x $5/M = $0.002. LLM 2: 500 x $1/M + 50 x $5/M = $0.00075. Code: $0.
    assert r.original.cost_per_run == pytest.approx(0.00275)
    assert r.original.cost_per_month == pytest.approx(275.0)  # x 100,000 runs
    assert r.original.latency_ms == pytest.approx(2 + 1_000 + 400)
    assert r.original.success == pytest.approx(0.999 * 0.95 * 0.9)
    assert r.original.llm_steps == 2
    assert r.original.cost_per_success == pytest.approx(0.00275 / (0.999 * 0.95 * 0.9))
    # What-if: the check runs as code (3 ms, always right); only LLM 1 is billed.
    assert r.what_if.cost_per_run == pytest.approx(0.002)
    assert r.what_if.latency_ms == pytest.approx(2 + 1_000 + 3)
    assert r.what_if.success == pytest.approx(0.999 * 0.95)
    assert r.saving_per_month == pytest.approx(75.0)
    assert r.payback_months == pytest.approx(10_000 / 75.0)
    assert r.converted == 1


def test_twelve_steps_at_95_percent():
    x = inputs([llm(f"s{i}") for i in range(12)])
    assert pipeline.evaluate(x, PRICES).original.success == pytest.approx(0.95**12)
    assert round(0.95**12, 2) == 0.54  # the sourced fact
    assert pipeline.steps_for_target(0.95, 0.95**12) == pytest.approx(12)
    # To keep 90% end to end at 95% per step, chain at most ln 0.9 / ln 0.95 = 2.05 steps.
    assert pipeline.steps_for_target(0.95, 0.9) == pytest.approx(math.log(0.9) / math.log(0.95))


def test_rewrite_that_never_pays_back_within_a_year():
    """The lever loses money: converting a cheap step at low volume does not repay the rewrite."""
    x = inputs([llm(), llm("tiny", tin=100, tout=5, convert=True)], runs=1_000, rewrite_cost=10_000)
    r = pipeline.evaluate(x, PRICES)
    # Saving: (100 x $1/M + 5 x $5/M) x 1,000 runs = $0.125 a month: 80,000 months to pay back.
    assert r.saving_per_month == pytest.approx(0.125)
    assert r.payback_months == pytest.approx(80_000)
    assert pipeline.payback_curve(x, r, months=12)["net_saving"].iloc[-1] < 0


def test_converting_to_worse_code_lowers_success():
    x = inputs([llm(ok=0.99, convert=True, code_success_rate=0.9)])
    r = pipeline.evaluate(x, PRICES)
    assert r.what_if.success == pytest.approx(0.9)
    assert r.what_if.success < r.original.success


def test_nothing_converted_means_no_saving_and_no_payback():
    r = pipeline.evaluate(inputs([llm(), code()]), PRICES)
    assert r.saving_per_month == 0 and r.payback_months is None and r.converted == 0
    assert r.what_if == r.original


def test_convert_on_a_code_step_changes_nothing():
    step = PipelineStep(name="x", kind="code", latency_ms=1, success_rate=0.99, convert=True, code_latency_ms=500)
    r = pipeline.evaluate(inputs([step]), PRICES)
    assert r.what_if.latency_ms == 1 and r.converted == 0


def test_zero_success_does_not_crash():
    r = pipeline.evaluate(inputs([llm(ok=0.0), llm()]), PRICES)
    assert r.original.success == 0 and r.original.cost_per_success is None
    assert r.mean_llm_success == 0 and r.llm_steps_for_target == 0
    assert len(pipeline.success_curve(inputs([llm(ok=0.0)]), r)) > 0


def test_all_code_pipeline():
    x = inputs([code(), code("other")])
    r = pipeline.evaluate(x, PRICES)
    assert r.original.cost_per_run == 0 and r.mean_llm_success is None and r.llm_steps_for_target is None
    assert "yours" not in pipeline.success_curve(x, r)


def test_llm_step_needs_a_model():
    with pytest.raises(ValidationError, match="needs a model"):
        PipelineStep(name="x", kind="LLM", latency_ms=1, success_rate=0.9)


def test_default_pipeline_is_valid_and_converts_four_steps():
    steps = pipeline.default_steps("test/m", "test/m")
    r = pipeline.evaluate(inputs(steps), PRICES)
    assert r.converted == 4 and r.original.llm_steps == 7 and r.what_if.llm_steps == 3
    assert r.what_if.success > r.original.success
    assert r.what_if.latency_ms < r.original.latency_ms


# --- the table -----------------------------------------------------------------------------


def records(**changes):
    rows = pipeline.table_records(pipeline.default_steps("test/m", "test/m"))
    for index, values in changes.items():
        rows[int(index.removeprefix("row"))].update(values)
    return rows


def test_table_round_trip():
    steps, problems = pipeline.parse_steps(records(), ["test/m"])
    assert problems == []
    assert tuple(steps) == pipeline.default_steps("test/m", "test/m")


def test_table_messages_name_row_and_column():
    rows = records(row1={"success_rate": 150.0}, row2={"model_key": None}, row3={"input_tokens": -5},
                   row4={"model_key": "nope/x"}, row5={"name": "  "}, row6={"kind": "magic"})
    steps, problems = pipeline.parse_steps(rows, ["test/m"])
    assert "Row 2 (Classify the document type), Success rate: must be at most 100%" in problems
    assert "Row 3 (Extract invoice fields): an LLM step needs a model" in problems
    assert "Row 4 (Parse dates to ISO 8601), Tokens in: must be at least 0" in problems
    assert "Row 5 (Pull invoice and VAT numbers), Model: 'nope/x' is not in the price catalogue" in problems
    assert "Row 6, Step: is empty" in problems
    assert "Row 7 (Validate the JSON against the schema), Runs as: must be one of LLM, code" in problems
    assert len(steps) == 2  # rows 1 and 8 remain


def test_blank_and_half_filled_rows():
    blank = {name: None for name in PipelineStep.model_fields} | {"latency_ms": float("nan"), "convert": False}
    code_row = {"name": "regex", "kind": "code", "model_key": None, "input_tokens": float("nan"),
                "output_tokens": None, "latency_ms": 1.0, "success_rate": 99.0, "convert": None,
                "code_latency_ms": None, "code_success_rate": float("nan")}
    steps, problems = pipeline.parse_steps([blank, code_row, {"name": "x", "kind": "LLM", "model_key": "test/m"}],
                                           ["test/m"])
    assert [s.name for s in steps] == ["regex"]
    assert steps[0].input_tokens == 0 and steps[0].success_rate == pytest.approx(0.99)
    assert "Row 3 (x), Latency (ms): is empty" in problems
    assert "Row 3 (x), Success rate: is empty" in problems


def test_text_in_number_columns_is_refused():
    rows = records(row1={"latency_ms": "fast"})
    _, problems = pipeline.parse_steps(rows, ["test/m"])
    assert problems == ["Row 2 (Classify the document type), Latency (ms): must be a number"]


# --- properties ------------------------------------------------------------------------------

step_strategy = st.builds(
    lambda kind, tin, tout, ms, ok, convert, cms, cok: PipelineStep(
        name="s", kind=kind, model_key="test/m" if kind == "LLM" else None, input_tokens=tin, output_tokens=tout,
        latency_ms=ms, success_rate=ok, convert=convert, code_latency_ms=cms, code_success_rate=cok),
    st.sampled_from(["LLM", "code"]), st.integers(0, 100_000), st.integers(0, 10_000), st.floats(0, 60_000),
    st.floats(0, 1), st.booleans(), st.floats(0, 1_000), st.floats(0, 1),
)


@given(steps=st.lists(step_strategy, min_size=1, max_size=pipeline.MAX_STEPS), runs=st.integers(1, 10**9))
def test_success_is_the_product_and_cost_the_sum(steps, runs):
    x = PipelineInputs(steps=tuple(steps), runs_per_month=runs)
    r = pipeline.evaluate(x, PRICES)
    assert r.original.success == pytest.approx(math.prod(s.success_rate for s in steps), rel=1e-9, abs=1e-300)
    assert r.original.latency_ms == pytest.approx(sum(s.latency_ms for s in steps))
    assert r.original.cost_per_month == pytest.approx(r.steps["cost_per_month"].sum(), rel=1e-9)
    assert r.what_if.cost_per_run <= r.original.cost_per_run + 1e-15
    assert 0 <= r.what_if.success <= 1
    assert r.steps["cumulative_success"].iloc[-1] == pytest.approx(r.original.success, rel=1e-9, abs=1e-300)


@given(p=st.floats(0.01, 0.999), target=st.floats(0.01, 0.99))
def test_steps_for_target_solves_the_curve(p, target):
    n = pipeline.steps_for_target(p, target)
    assert pipeline.success_after_steps(p, n) == pytest.approx(target, rel=1e-9)
    assert np.all(np.diff(pipeline.success_after_steps(p, np.arange(30))) <= 0)
