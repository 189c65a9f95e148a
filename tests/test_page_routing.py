"""AppTest: the routing page's today is the sidebar's bill; inputs move the saving the right way; the cascade that
raises the bill; hostile links."""
from __future__ import annotations

from calculators import routing as rt
from calculators.routing import RoutingInputs
from tests.apptest import (
    charts_by_tab, errors_text, headline_metrics, metric_value, money_value, opening_box, run_page, verdicts,
    warnings_text,
)
from tests.levers_common import CAT, DEFAULT

PAGE = "pages/routing.py"


def saving(at) -> float:
    return money_value(metric_value(at, "Monthly saving"))


def percent_value(text: str) -> float:
    return float(text.rstrip("%"))


def quality(at) -> dict[str, str]:
    table = next(d.value for d in at.dataframe if "today" in d.value.columns)
    return dict(zip(table[""], table.iloc[:, 2], strict=True))


def test_the_verdict_says_what_the_defaults_show():
    x = RoutingInputs(**rt.defaults(DEFAULT, CAT))
    r = rt.evaluate(DEFAULT, x, CAT)
    assert r.break_even_escalation is None and r.saving > 0  # the defaults save at every escalation rate
    expected = (f"The router sends {r.escalation_rate:.1%} of requests to Claude Sonnet 5.5 and the rest to Claude "
                f"Haiku 5.5, saving ${r.saving:,.0f} a month ({r.saving_share:.0%}); at these prices it saves at every "
                "escalation rate.")
    assert "30.5% of requests" in expected and "$5,118 a month (64%)" in expected
    at = run_page(PAGE)
    assert verdicts(at) == [("saves", expected)]
    assert opening_box(at)[2] == expected
    assert len(headline_metrics(at)) <= 4
    assert "costs more than it saves" not in at.title[0].value and "cheap model" in at.title[0].value


def test_a_cascade_that_escalates_too_much_costs_and_says_so():
    x = RoutingInputs(**{**rt.defaults(DEFAULT, CAT), **rt.TRAP_SETTINGS, "cheap_model": rt.TRAP_CHEAP_MODEL})
    r = rt.evaluate(DEFAULT, x, CAT)
    assert r.saving < 0 and r.break_even_escalation is not None
    at = run_page(PAGE)
    at.button[0].click().run()
    assert not at.exception
    [(tone, sentence)] = verdicts(at)
    assert tone == "costs"
    assert sentence.startswith(
        f"This cascade raises the bill by ${-r.saving:,.0f} a month ({-r.saving_share:.0%}): it answers every request "
        f"with Claude Haiku 4.5 first and escalates {r.escalation_rate:.1%} to Claude Sonnet 5.5, above the "
        f"{r.break_even_escalation:.1%} at which it stops saving, and bad answers add")


def test_default_run():
    at = run_page(PAGE)
    assert not at.exception and not errors_text(at)
    # Sonnet 5.5 routed to Haiku 5.5 ($0.0004 a request against $0.008): $2,881.91 (see tests/test_routing.py).
    assert saving(at) == 5_118
    assert metric_value(at, "Bill with the router") == "$2,882"
    assert next(m.delta for m in at.metric if m.label == "Bill with the router") == "today $8,000"
    assert metric_value(at, "Escalation rate") == "30.5%"
    assert metric_value(at, "Stops saving at") == "none"
    assert at.selectbox(key="rt.cheap").value == "anthropic/claude-haiku-5-5"
    assert round(at.session_state["_lever_savings"]["routing"]) == 5_118
    # three of its own and the tornado of its inputs (ranges.lever_section), one per tab
    assert charts_by_tab(at, "rt.view") == {"Saving vs escalation rate": 1, "Saving vs accuracy": 1,
                                            "Where the money goes": 1, "How sure are you?": 1}
    # The title promises nothing the defaults do not show; a caption says what they show.
    assert "costs more than it saves" not in at.title[0].value
    assert any("saves at every escalation rate" in c.value for c in at.caption)
    assert quality(at)["First answer good"] == "93.3%"


def test_more_false_escalations_save_less():
    at = run_page(PAGE)
    at.number_input(key="rt.simple_to_cheap").set_value(60.0).run()
    assert not at.exception
    assert saving(at) < 5_118
    assert percent_value(metric_value(at, "Escalation rate")) > 30.5


def test_misrouted_complex_requests_lower_quality():
    at = run_page(PAGE)
    before = percent_value(quality(at)["First answer good"])
    at.number_input(key="rt.complex_to_cheap").set_value(50.0).run()
    assert percent_value(quality(at)["First answer good"]) < before


def test_a_dearer_router_saves_less():
    at = run_page(PAGE)
    at.number_input(key="rt.router_cost@USD1").set_value(2.0).run()
    assert not at.exception
    assert saving(at) < 5_118


def test_the_trap_button_raises_the_bill():
    at = run_page(PAGE)
    at.button[0].click().run()
    assert not at.exception
    assert at.radio(key="rt.mode").value == "cascade"
    assert metric_value(at, "Escalation rate") == "59.8%"
    assert saving(at) < 0  # more than today's $8,000
    assert money_value(metric_value(at, "Bill with the cascade")) > 8_000
    assert "raises the bill" in warnings_text(at)
    assert percent_value(metric_value(at, "Stops saving at")) < 59.8


def test_trap_from_a_link():
    at = run_page(PAGE, {"rt.mode": "cascade", "rt.cheap": "anthropic/claude-haiku-4-5", "rt.catch_rate": "70",
                         "rt.false_escalation": "57"})
    assert not at.exception
    assert saving(at) < 0
    planned = run_page(PAGE, {"rt.mode": "cascade", "rt.cheap": "anthropic/claude-haiku-4-5"})
    assert metric_value(planned, "Escalation rate") == "30.3%" and saving(planned) > 0


def test_another_currency_prices_the_same_router():
    usd = run_page(PAGE, {"rt.router_cost": "2"})
    jpy = run_page(PAGE, {"rt.router_cost": "2", "currency": "JPY", "fx": "150"})
    assert not jpy.exception
    assert jpy.number_input(key="rt.router_cost@JPY150").value == 300.0  # $2 per 1,000 requests, shown in yen
    assert jpy.session_state["_lever_savings"]["routing"] == usd.session_state["_lever_savings"]["routing"]


def test_hostile_links_give_notices():
    at = run_page(PAGE, {"rt.simple_share": "abc", "rt.mode": "<script>", "rt.cheap": "nope/model",
                         "rt.router_cost": "1e308", "rt.user_retry": "99"})
    assert not at.exception
    text = warnings_text(at)
    for key in ("rt.simple_share", "rt.mode", "rt.cheap", "rt.router_cost", "rt.user_retry"):
        assert key in text, key
    assert "<script>" not in text
    assert saving(at) == 5_118


UNKNOWN = ('[{"name":"Known","requests_per_month":100000,'
           '"model_key":"anthropic/claude-sonnet-5-5","prefix_tokens":1500,"other_input_tokens":500,'
           '"output_tokens":400},{"name":"Mystery","requests_per_month":900000,'
           '"model_key":"acme/secret-model-9","prefix_tokens":1500,"other_input_tokens":500,"output_tokens":400}]')


def test_a_model_missing_from_the_catalogue_is_not_routed():
    """The reviewer's custom table: the cheap model defaulted to the alphabetically first catalogue model and the
    unpriced class was routed to it (a $17,365 loss). Now the default is Haiku 5.5 (from the priced class), the unpriced
    class stays as it is, and the page says so: a tenth of the default case, $800 - $288.19."""
    at = run_page(PAGE, {"w.classes": UNKNOWN})
    assert not at.exception and not errors_text(at)
    assert at.selectbox(key="rt.cheap").value == "anthropic/claude-haiku-5-5"
    assert "'Mystery' runs on a model with no price" in warnings_text(at)
    assert saving(at) == 512
    only = UNKNOWN[:1] + UNKNOWN[UNKNOWN.index('{"name":"Mystery"'):]
    at = run_page(PAGE, {"w.classes": only})
    assert not at.exception and at.selectbox(key="rt.cheap").value == "anthropic/claude-haiku-5-5"
    [(tone, sentence)] = verdicts(at)
    assert tone == "idle" and sentence.startswith("Routing changes nothing on this workload and saves $0: no call "
                                                  "class runs on a priced model other than the cheap one")
    assert not at.main.metric
    assert at.session_state["_lever_savings"]["routing"] == 0


def test_zero_requests_keep_a_per_request_verdict():
    at = run_page(PAGE, {"w.classes": '[{"name":"A","requests_per_month":0,"model_key":"anthropic/claude-sonnet-5-5",'
                                      '"prefix_tokens":1500,"other_input_tokens":500,"output_tokens":400}]'})
    assert not at.exception and saving(at) == 0
    [(tone, sentence)] = verdicts(at)
    assert tone == "idle" and sentence.startswith("The workload has no requests a month, so routing moves no money: "
                                                  "per request, the router would save $")
    assert next(m.delta for m in at.metric if m.label == "Stops saving at") == "saves at every rate"
