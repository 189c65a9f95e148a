"""AI-everywhere pipeline page: the preview and its offer, a custom pipeline workload, the page equals the Overview."""
import json

import pytest

from calculators import pipeline as pl
from pages._ui import scenario
from calculators.workload import custom_workload
from tests.apptest import errors_text, headline_metrics, metric_value, money_value, run_page, verdicts, warnings_text
from tests.levers_common import CAT, REVIEW_ROWS

PAGE = "pages/pipeline.py"
PIPELINE = {"w.classes": scenario.rows_text(pl.example_rows(400_000))}  # the example pipeline, 400,000 runs a month


def saving(at) -> float:
    return money_value(metric_value(at, "Monthly saving"))


def test_default_is_not_a_pipeline_and_previews_one():
    at = run_page(PAGE)
    assert not at.exception and not errors_text(at)
    assert at.session_state["_lever_savings"]["pipeline"] == 0
    assert "it is not a pipeline" in " ".join(i.value for i in at.info)
    example = custom_workload(pl.example_rows(1_000_000))
    preview = pl.analyse(example, pl.PipelineInputs(convert=pl.EXAMPLE_CONVERT, table=pl.facts_for(example),
                                                    chained=True), CAT)
    expected = ("Your $8,000 bill is one kind of request, not a pipeline: no step can move to code. In the preview "
                f"below, moving 4 of its 7 LLM steps to code would save ${preview.saving:,.0f} a month "
                f"({preview.saving_share * 100:.1f}% of the bill); the $10,000 rewrite pays back in "
                f"{preview.payback_months:.1f} months.")
    assert verdicts(at) == [("idle", expected)]
    assert "would save $3,540 a month (20.0% of the bill); the $10,000 rewrite pays back in 2.8 months" in expected
    assert headline_metrics(at) == ["Preview: saving", "Preview: end-to-end success", "Preview: latency per run",
                                    "Preview: payback"]
    # Per run, Sonnet 5.5 ($2/$10) and Haiku 5.5 ($0.1/$0.5): $0.017695; the four code-like steps cost $0.00354
    # (see tests/test_pipeline.py), x 1M runs: $17,695 -> $14,155, a $3,540 saving; $10,000 / $3,540 = 2.8 months.
    assert money_value(metric_value(at, "Preview: saving")) == 3_540
    assert metric_value(at, "Preview: end-to-end success") == "88.4%"
    assert metric_value(at, "Preview: payback") == "2.8 months"
    at.button(key="pipe.use_example").click().run()
    assert not at.exception
    assert saving(at) == 3_540 and at.session_state["_lever_savings"]["pipeline"] == pytest.approx(3_540)
    assert "today $17,695" in next(m for m in at.metric if m.label == "Bill with the steps as code").delta
    assert at.multiselect(key="pipe.convert").value == list(pl.EXAMPLE_CONVERT)
    assert at.sidebar.metric[0].value == "$17,695/month"  # the pipeline is now the workload every page prices


def test_the_preview_runs_once_per_sidebar_request():
    at = run_page(PAGE, {"requests": "2000000"})
    assert money_value(metric_value(at, "Preview: saving")) == 7_080


def test_converting_a_step_removes_its_line_of_the_bill():
    at = run_page(PAGE, PIPELINE)
    assert not at.exception
    assert saving(at) == 0 and metric_value(at, "Payback") == "—"
    expected = ("Nothing is moved to code yet: pick the LLM steps that plain code does better "
                "above.")
    assert verdicts(at) == [("idle", expected)]
    at.multiselect(key="pipe.convert").set_value(["Validate the JSON against the schema"]).run()
    # 400,000 x (900 x $2 + 150 x $10) / 1M = $1,320; payback $10,000 / $1,320 = 7.6 months.
    assert saving(at) == 1_320 and metric_value(at, "Payback") == "7.6 months"
    assert metric_value(at, "End-to-end success") == "82.9%"  # 79.54% / 0.96 x 1.0 (the check as code)
    w = custom_workload(pl.example_rows(400_000))
    r = pl.analyse(w, pl.PipelineInputs(convert=("Validate the JSON against the schema",), table=pl.facts_for(w),
                                        chained=True), CAT)
    expected = (f"Moving 1 LLM step to plain code saves ${r.saving:,.0f} a month ({r.saving_share * 100:.1f}% of the "
                f"bill); the $10,000 rewrite pays back in {r.payback_months:.1f} months, and end-to-end success goes "
                f"from {r.before.success * 100:.1f}% to {r.what_if.success * 100:.1f}%.")
    assert verdicts(at) == [("saves", expected)]
    assert "saves $1,320 a month" in expected and "from 79.5% to 82.9%" in expected
    assert headline_metrics(at) == ["Monthly saving", "End-to-end success", "Latency per run", "Payback"]


def test_facts_change_latency_and_success_not_money():
    at = run_page(PAGE, PIPELINE | {"pipe.convert": list(pl.EXAMPLE_CONVERT)})
    before = saving(at)
    at.session_state["pipe.table"] = {"edited_rows": {2: {"Latency (ms)": 5_000.0, "Success rate (%)": 50.0}},
                                      "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception
    assert saving(at) == before
    assert metric_value(at, "Latency per run") == f"{(6_507 - 2_500 + 5_000) / 1000:,.2f} s"
    at.session_state["pipe.table"] = {"edited_rows": {2: {"Success rate (%)": 150.0}}, "added_rows": [],
                                      "deleted_rows": []}
    at.run()
    assert "must be at most 100%" in warnings_text(at)


def test_the_page_equals_the_overview_on_a_custom_pipeline():
    link = PIPELINE | {"pipe.convert": ["Parse dates to ISO 8601", "Extract invoice fields"], "pipe.rewrite": "25000"}
    page = run_page(PAGE, link)
    own = page.session_state["_lever_savings"]["pipeline"]
    # 400,000 x ((400 x $0.1 + 30 x $0.5) + (2,500 x $2 + 300 x $10)) / 1M = $22 + $3,200.
    assert own == pytest.approx(3_222)
    overview = run_page("pages/overview.py", link | {"bill.levers": pl.LEVER.label})
    assert not overview.exception
    assert overview.session_state["_overview_bars"] == {"pipeline": pytest.approx(own, abs=0.005)}
    assert any("One-off costs, outside the monthly bars: Steps moved to code $25,000" in c.value
               for c in overview.caption)


def test_hostile_params_give_notices():
    at = run_page(PAGE, PIPELINE | {"pipe.rewrite": "abc", "pipe.target": "1e308", "pipe.table": "<script>",
                                    "pipe.convert": "<script>"})
    assert not at.exception
    text = warnings_text(at)
    assert "`pipe.rewrite=" in text and "`pipe.target=" in text and "`pipe.table`" in text
    assert "<script>" not in text
    assert saving(at) == 0  # an unknown step is not converted


# The reviewer's custom table: four independent features (tests/levers_common.py: REVIEW_ROWS).
FEATURES = {"w.classes": REVIEW_ROWS}


def test_independent_features_get_no_chain_figures_until_the_user_says_they_are_steps():
    """The reviewer saw 'End-to-end success 96.1%, latency 4.00 s' for four independent features."""
    at = run_page(PAGE, FEATURES)
    assert not at.exception
    labels = [m.label for m in at.metric]
    assert "End-to-end success" not in labels and "Latency per run" not in labels
    assert "read as **independent features**" in " ".join(i.value for i in at.info)
    assert at.toggle(key="pipe.chain").value is False
    at.multiselect(key="pipe.convert").set_value(["Legacy"]).run()
    # Legacy: 100,000 x (1,200 x (0.5 x $1.25 + 0.5 x $2.50) + 300 x $2.50 + 100 x $10) / 1M = $400.
    assert saving(at) == 400 and at.session_state["_lever_savings"]["pipeline"] == pytest.approx(400)
    at.toggle(key="pipe.chain").set_value(True).run()
    assert not at.exception
    # Generic facts, four steps at 1,000 ms and 99%: 4.00 s and 0.99^4 = 96.1%; Legacy as code: 3.005 s, 96.9%.
    assert metric_value(at, "End-to-end success") == "96.9%"
    assert "today 96.1%" in next(m.delta for m in at.metric if m.label == "End-to-end success")
    assert metric_value(at, "Latency per run") == "3.00 s"
    assert any("assume your call classes are the steps of one pipeline" in c.value for c in at.caption)
    assert "requests a month differ (**Chat** 200,000, **Search** 200,000, **Nightly** 50,000, **Legacy** " \
           "100,000)" in warnings_text(at)
    assert at.query_params["pipe.chain"] == "true"


def test_the_example_pipeline_is_a_chain_by_default():
    at = run_page(PAGE, PIPELINE)
    assert at.toggle(key="pipe.chain").value is True
    assert metric_value(at, "End-to-end success") == "79.5%"  # 0.995 x 0.97 x 0.95 x 0.98 x 0.97 x 0.98 x 0.96 x 0.97
    assert "do not all run once per run" not in warnings_text(at)


def test_no_requests_and_an_unpriced_step_are_not_free():
    zero = json.dumps([{"name": "A", "requests_per_month": 0, "model_key": "anthropic/claude-sonnet-5-5",
                        "other_input_tokens": 500, "output_tokens": 400}])
    at = run_page(PAGE, {"w.classes": zero, "pipe.chain": "true"})
    assert not at.exception and saving(at) == 0
    totals = next(d.value for d in at.dataframe if "Today" in d.value.columns).set_index("")
    assert totals.loc["Cost per run", "Today"] == "—"  # no runs: no cost per run, not $0
    unknown = json.dumps([
        {"name": "Known", "requests_per_month": 100000, "model_key": "anthropic/claude-sonnet-5-5",
         "other_input_tokens": 2000, "output_tokens": 400},
        {"name": "Mystery", "requests_per_month": 100000, "model_key": "acme/secret-model-9",
         "other_input_tokens": 2000, "output_tokens": 400}])
    at = run_page(PAGE, {"w.classes": unknown})
    assert not at.exception
    table = next(d.value for d in at.dataframe if "cost per month" in d.value.columns).set_index("call class")
    # Known: 100,000 x (2,000 x $2 + 400 x $10) / 1M = $800; Mystery's cost is unknown.
    assert table.loc["Mystery", "cost per month"] == "unpriced" and table.loc["Known", "cost per month"] == "$800"
    assert any("No price for **Mystery**: the cost is unknown (not $0)" in c.value for c in at.caption)
