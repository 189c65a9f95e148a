"""Prompt caching page: its today is the sidebar's bill, interactions move the saving the right way."""
from tests.apptest import metric_value, money_value, run_page, warnings_text

PAGE = "pages/caching.py"


def saving(at):
    return money_value(metric_value(at, "Monthly saving"))


def test_default_saves_the_hand_computed_amount():
    at = run_page(PAGE)
    assert not at.exception
    assert saving(at) == 2_850  # see tests/test_caching.py
    assert metric_value(at, "Break-even hit rate") == "20.8%"  # Sonnet 5.5: (1.25-1)/(1.25-0.05)
    assert "today $8,000" in [m for m in at.metric if m.label == "Bill with caching"][0].delta
    assert at.session_state["_lever_savings"]["caching"] == 2_850
    assert any("The trap" in i.value for i in at.info)


def test_more_prefixes_mean_fewer_hits_and_less_saving():
    at = run_page(PAGE)
    at.number_input(key="cache.prefixes").set_value(5_000).run()
    assert saving(at) < 2_850


def test_low_direct_hit_rate_loses_money():
    at = run_page(PAGE)
    at.radio(key="cache.mode").set_value("Set directly").run()
    at.number_input(key="cache.hit").set_value(10.0).run()
    assert saving(at) < 0


def test_one_hour_ttl_changes_break_even():
    at = run_page(PAGE)
    at.radio(key="cache.ttl").set_value("1h").run()
    assert metric_value(at, "Break-even hit rate") == "51.3%"  # (2-1)/(2-0.05)


def test_prefix_below_minimum_warns():
    at = run_page(PAGE, {"w.prefix": "20"})  # 400 tokens of 2,000
    assert "below the 1,024-token minimum" in warnings_text(at)
    assert saving(at) == 0


def test_hostile_params_give_notices():
    at = run_page(PAGE, {"cache.prefixes": "1e308", "cache.ttl": "forever", "cache.hit": "abc"})
    assert not at.exception
    text = warnings_text(at)
    assert "cache.prefixes" in text and "cache.ttl" in text


def test_model_without_cache_price_says_so():
    at = run_page(PAGE, {"model": "openai/gpt-4"})
    assert not at.exception
    assert "no cache-read price" in warnings_text(at)
