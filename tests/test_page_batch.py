"""Batch and flex page: today is the sidebar's bill, the headline moves the right way, idle cases say why."""
import pytest

from calculators import batch
from calculators.batch import BatchInputs
from tests.apptest import (
    errors_text, headline_metrics, metric_value, money_value, opening_box, run_page, verdicts, warnings_text,
)
from tests.levers_common import CAT, DEFAULT

PAGE = "pages/batch.py"


def saving(at) -> float:
    return at.session_state["_lever_savings"]["batch"]


def verdict_of(at) -> tuple[str, str]:
    [only] = verdicts(at)
    return only


def test_the_verdict_gives_the_saving():
    r = batch.evaluate(DEFAULT, BatchInputs(), CAT)
    expected = (f"Moving 30% of the eligible traffic to the batch tier saves ${r.saving:,.0f} a month "
                f"({r.saving_share:.0%}).")
    assert "$1,200 a month (15%)" in expected
    at = run_page(PAGE)
    assert verdicts(at) == [("saves", expected)]
    assert opening_box(at)[2] == expected
    assert len(headline_metrics(at)) <= 4


def test_a_pipeline_dearer_than_the_discount_costs_and_says_so():
    x = BatchInputs(share=0.1, pipeline_cost=600.0)
    r = batch.evaluate(DEFAULT, x, CAT)
    at = run_page(PAGE, {"batch.share": "10", "batch.cost": "600"})
    assert not at.exception
    # 10% of the $4,000 that moving everything saves is $400, less the $600 pipeline: $200 more a month.
    assert f"${-r.saving:,.0f}" == "$200" and f"{r.break_even_share:.1%}" == "15.0%"
    assert verdict_of(at) == ("costs", f"Moving 10% of the eligible traffic to the batch tier raises the bill by "
                                       f"${-r.saving:,.0f} a month: the $600 pipeline costs more than the discount "
                                       f"saves below a {r.break_even_share:.1%} share.")


def test_default_moves_thirty_percent_to_batch():
    at = run_page(PAGE)
    assert not at.exception and not errors_text(at)
    # 30% of the $8,000 workload at half price: $1,200 (tests/test_batch.py).
    assert money_value(metric_value(at, "Monthly saving")) == 1_200 == pytest.approx(saving(at))
    assert "today $8,000" in next(m.delta for m in at.metric if m.label.startswith("Bill with 30% on batch"))
    assert metric_value(at, "Pipeline pays from") == "any share"  # no pipeline cost entered
    assert metric_value(at, "Discount on what moves") == "50%"
    assert any("illustrative" in i.value for i in at.info)


def test_more_traffic_saves_more_and_a_pipeline_sets_a_break_even():
    at = run_page(PAGE)
    at.number_input(key="batch.share").set_value(100.0).run()
    assert saving(at) == pytest.approx(4_000)
    at.number_input(key="batch.cost@USD1").set_value(600.0).run()
    assert saving(at) == pytest.approx(3_400)
    assert metric_value(at, "Pipeline pays from") == "15.0%"  # $600 / $4,000


def test_pipeline_cost_in_another_currency_is_held_in_usd():
    # The link holds $600; in euros at 0.5 per dollar the widget shows €300 and the saving $600 shows as €300.
    at = run_page(PAGE, {"batch.cost": "600", "currency": "EUR", "fx": "0.5"})
    assert not at.exception
    assert at.number_input(key="batch.cost@EUR0.5").value == pytest.approx(300)
    assert saving(at) == pytest.approx(1_200 - 600)
    assert metric_value(at, "Monthly saving") == "€300"


def test_flex_on_a_model_without_flex_says_so():
    at = run_page(PAGE, {"batch.tier": "flex"})
    assert not at.exception
    tone, sentence = verdict_of(at)
    assert tone == "idle" and sentence.startswith("Nothing moves to the flex tier, so this lever saves $0: ")
    assert "publishes no flex price" in sentence
    assert saving(at) == 0


def test_flex_on_gpt5():
    at = run_page(PAGE, {"batch.tier": "flex", "model": "openai/gpt-5"})
    assert not at.exception and not warnings_text(at)
    assert saving(at) > 0
    assert any("may return 429" in c.value for c in at.caption)


def test_model_without_a_batch_price_does_nothing():
    at = run_page(PAGE, {"model": "deepseek/deepseek-chat"})
    assert not at.exception
    assert verdict_of(at)[0] == "idle" and "publishes no batch price" in verdict_of(at)[1]
    assert saving(at) == 0 and metric_value(at, "Pipeline pays from") == "never"


def test_agent_tasks_stay():
    at = run_page(PAGE, {"w.agents": "100"})
    assert not at.exception
    assert verdict_of(at) == ("idle", "Nothing moves to the batch tier, so this lever saves $0: the workload is only "
                                      "agent tasks, and a multi-step task cannot wait up to 24 hours per step.")
    assert saving(at) == 0


def test_hostile_params_give_notices():
    at = run_page(PAGE, {"batch.share": "1e308", "batch.tier": "<script>", "batch.cost": "-5"})
    assert not at.exception
    text = warnings_text(at)
    for key in ("batch.share", "batch.tier", "batch.cost"):
        assert f"`{key}=" in text, key
    assert "<script>" not in text
    assert saving(at) == pytest.approx(1_200)  # the defaults
