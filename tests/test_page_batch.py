"""Batch and flex page: today is the sidebar's bill, the headline moves the right way, idle cases say why."""
import pytest

from tests.apptest import errors_text, metric_value, money_value, run_page, warnings_text

PAGE = "pages/batch.py"


def saving(at) -> float:
    return at.session_state["_lever_savings"]["batch"]


def test_default_moves_thirty_percent_to_batch():
    at = run_page(PAGE)
    assert not at.exception and not errors_text(at)
    # 30% of the $8,000 workload at half price: $1,200 (tests/test_batch.py).
    assert money_value(metric_value(at, "Monthly saving")) == 1_200 == pytest.approx(saving(at))
    assert "today $8,000" in next(m.delta for m in at.metric if m.label.startswith("Bill with 30% on batch"))
    assert metric_value(at, "Break-even share") == "any share"  # no pipeline cost entered
    assert metric_value(at, "Discount on what moves") == "50%"
    assert any("illustrative" in i.value for i in at.info)


def test_more_traffic_saves_more_and_a_pipeline_sets_a_break_even():
    at = run_page(PAGE)
    at.number_input(key="batch.share").set_value(100.0).run()
    assert saving(at) == pytest.approx(4_000)
    at.number_input(key="batch.cost@USD1").set_value(600.0).run()
    assert saving(at) == pytest.approx(3_400)
    assert metric_value(at, "Break-even share") == "15.0%"  # $600 / $4,000


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
    assert "publishes no flex price" in warnings_text(at)
    assert saving(at) == 0


def test_flex_on_gpt5():
    at = run_page(PAGE, {"batch.tier": "flex", "model": "openai/gpt-5"})
    assert not at.exception and not warnings_text(at)
    assert saving(at) > 0
    assert any("may return 429" in c.value for c in at.caption)


def test_model_without_a_batch_price_does_nothing():
    at = run_page(PAGE, {"model": "deepseek/deepseek-chat"})
    assert not at.exception
    assert "publishes no batch price" in warnings_text(at)
    assert saving(at) == 0 and metric_value(at, "Break-even share") == "never"


def test_agent_tasks_stay():
    at = run_page(PAGE, {"w.agents": "100"})
    assert not at.exception
    assert "cannot wait up to 24 hours per step" in warnings_text(at)
    assert saving(at) == 0


def test_hostile_params_give_notices():
    at = run_page(PAGE, {"batch.share": "1e308", "batch.tier": "<script>", "batch.cost": "-5"})
    assert not at.exception
    text = warnings_text(at)
    for key in ("batch.share", "batch.tier", "batch.cost"):
        assert f"`{key}=" in text, key
    assert "<script>" not in text
    assert saving(at) == pytest.approx(1_200)  # the defaults
