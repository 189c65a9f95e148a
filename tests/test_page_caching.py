"""Prompt caching page: its today is the sidebar's bill, interactions move the saving the right way."""
from calculators import caching
from calculators.caching import CachingInputs
from calculators.workload import SimpleWorkload
from tests.apptest import headline_metrics, metric_value, money_value, run_page, verdicts, warnings_text
from tests.levers_common import CAT, DEFAULT

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
    assert any("A common mistake" in i.value for i in at.info)
    assert metric_value(at, "Reads needed per write to break even") == "0.26"  # (1.25 - 1) / (1 - 0.05)


def test_the_verdict_is_the_calculators_saving_and_break_even():
    at = run_page(PAGE)
    r = caching.analyse(DEFAULT, CachingInputs(), CAT)  # 1,500-token prefix, always warm: $2,850 (36%), from 20.8% (the headline figure, same precision)
    expected = (f"Caching this 1,500-token prefix with a 5-minute TTL saves ${r.saving:,.0f} a "
                f"month ({r.saving_share * 100:.0f}%) at your traffic (100.0% of requests hit the cache); "
                f"it pays from a {r.break_even_hit_rate * 100:.1f}% hit rate.")
    assert verdicts(at) == [("saves", expected)]
    assert "$2,850 a month (36%)" in verdicts(at)[0][1] and "from a 20.8% hit rate" in verdicts(at)[0][1]
    assert len(headline_metrics(at)) <= 4
    assert headline_metrics(at)[0] == "Monthly saving"


def test_a_low_hit_rate_verdict_says_caching_costs_more():
    at = run_page(PAGE, {"cache.mode": "Set directly", "cache.hit": "10"})
    r = caching.analyse(DEFAULT, CachingInputs(hit_rate_mode="Set directly", hit_rate=0.1), CAT)
    assert r.saving < 0  # 10% reads at $0.10 and 90% writes at $2.50: $2.26 per MTok of prefix against $2
    expected = (f"Caching this 1,500-token prefix with a 5-minute TTL costs ${-r.saving:,.0f} a "
                f"month more ({-r.saving_share * 100:.0f}%) at a 10.0% hit rate: it pays from a 20.8% hit "
                "rate.")
    assert verdicts(at) == [("costs", expected)]
    assert "$390 a month more" in verdicts(at)[0][1]  # 1.5B prefix tokens x ($2.26 - $2) / MTok


def test_no_write_premium_has_no_trap_and_an_automatic_cache_is_idle():
    at = run_page(PAGE, {"model": "openai/gpt-4o"})
    assert not at.exception
    w = SimpleWorkload(model_key="openai/gpt-4o", cache_hit_rate=None).workload()
    r = caching.analyse(w, CachingInputs(), CAT)
    # OpenAI caches the prefix on its own: today already reads it from cache, so the lever adds nothing.
    expected = ("Caching saves nothing more here: every class already caches its prefix with a "
                "5-minute TTL; against no caching at all it already saves "
                f"${r.saving_vs_uncached:,.0f} a month.")
    assert verdicts(at) == [("idle", expected)]
    assert not any("common mistake" in i.value for i in at.info)  # it read "needs 2.00 reuses ... real 0.00"
    assert metric_value(at, "Break-even hit rate") == "0%"
    assert "Reads needed per write to break even" not in [m.label for m in at.metric]


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


def test_prefix_below_minimum_says_why_it_saves_nothing():
    at = run_page(PAGE, {"w.prefix": "20"})  # 400 tokens of 2,000
    expected = ("Caching this 400-token prefix saves nothing: it is below the 1,024-token minimum "
                "the provider caches, so nothing is cached and no write premium is charged.")
    assert verdicts(at) == [("idle", expected)]
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
    (tone, text), = verdicts(at)
    assert tone == "idle" and "the catalogue has no cache price for it" in text
