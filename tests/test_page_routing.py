"""AppTest: the routing page runs, moves the right way, shows a router that raises the bill, survives hostile links."""
from __future__ import annotations

from tests.apptest import errors_text, metric_value, money_value, run_page, warnings_text

PAGE = "pages/routing.py"


def monthly(at) -> float:
    return money_value(metric_value(at, "Per month, with the"))


def percent_value(text: str) -> float:
    return float(text.rstrip("%"))


def test_default_run():
    at = run_page(PAGE)
    assert not at.exception and not errors_text(at)
    # Sonnet 5.5 routed to Haiku 5.5 ($0.0004 a call against $0.008): a large saving at every escalation rate.
    assert monthly(at) == 2_956
    assert metric_value(at, "Escalation rate") == "30.5%"
    assert metric_value(at, "Break-even escalation rate") == "none"
    assert at.selectbox(key="rt.cheap").value == "anthropic/claude-haiku-5-5"
    assert len(at.get("plotly_chart")) == 3


def test_more_false_escalations_cost_more():
    at = run_page(PAGE)
    before = monthly(at)
    at.number_input(key="rt.simple_to_cheap").set_value(60.0).run()
    assert not at.exception
    assert monthly(at) > before
    assert percent_value(metric_value(at, "Escalation rate")) > 30.5


def test_misrouted_complex_requests_lower_quality():
    at = run_page(PAGE)
    before = percent_value(metric_value(at, "Quality"))
    at.number_input(key="rt.complex_to_cheap").set_value(50.0).run()
    assert percent_value(metric_value(at, "Quality")) < before


def test_the_trap_button_raises_the_bill():
    at = run_page(PAGE)
    at.button[0].click().run()
    assert not at.exception
    assert at.radio(key="rt.mode").value == "cascade"
    assert metric_value(at, "Escalation rate") == "59.8%"
    delta = next(m.delta for m in at.metric if m.label.startswith("Per month, with the cascade"))
    assert delta.startswith("+")  # more than sending everything to the strong model
    assert "raises the bill" in warnings_text(at)
    assert percent_value(metric_value(at, "Break-even escalation rate")) < 59.8


def test_trap_from_a_link():
    at = run_page(PAGE, {"rt.mode": "cascade", "rt.cheap": "anthropic/claude-haiku-4-5", "rt.catch_rate": "70",
                         "rt.false_escalation": "57"})
    assert not at.exception
    assert monthly(at) > 8_205  # all strong, retries included
    planned = run_page(PAGE, {"rt.mode": "cascade", "rt.cheap": "anthropic/claude-haiku-4-5"})
    assert metric_value(planned, "Escalation rate") == "30.3%" and monthly(planned) < 8_205


def test_hostile_links_give_notices():
    at = run_page(PAGE, {"rt.simple_share": "abc", "rt.mode": "<script>", "rt.cheap": "nope/model",
                         "rt.router_cost": "1e308", "rt.user_retry": "99"})
    assert not at.exception
    text = warnings_text(at)
    for key in ("rt.simple_share", "rt.mode", "rt.cheap", "rt.router_cost", "rt.user_retry"):
        assert key in text, key
    assert "<script>" not in text
    assert monthly(at) == 2_956
