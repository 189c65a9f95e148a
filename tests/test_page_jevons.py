"""Jevons page: headline responds to inputs; hostile links give notices."""
from calculators import jevons
from calculators.jevons import JevonsInputs
from tests.apptest import (
    errors_text, headline_metrics, metric_value, money_value, opening_box, run_page, verdicts, warnings_text,
)

PAGE = "pages/jevons.py"


def test_the_verdict_is_the_illustrative_per_team_projection():
    x = JevonsInputs().starting_from(8_000.0)
    r = jevons.evaluate(x)
    expected = (f"Illustrative per-team projection: with prices falling 10x a year, usage elasticity 1 and your own "
                f"growth of 1.5x a year, today's $8,000 a month becomes ${r.spend_end:,.0f} a month in 3 years "
                f"({r.spend_multiple:.3g}x today).")
    assert "becomes $27,000 a month in 3 years (3.38x today)" in expected  # 8,000 x 1.5^3
    at = run_page(PAGE)
    assert verdicts(at) == [("costs", expected)]
    assert opening_box(at)[2] == expected
    assert len(headline_metrics(at)) <= 4


def test_the_market_wide_verdict_says_it_is_not_a_forecast_for_one_team():
    at = run_page(PAGE)
    at.button(key="jevons.market").click().run()
    [(tone, sentence)] = verdicts(at)
    assert tone == "costs" and sentence.startswith("Market-wide illustration, not a forecast for one team: ")
    assert "becomes $271,075 a month in 3 years" in sentence


def test_spend_that_falls_is_a_neutral_verdict():
    at = run_page(PAGE, {"jevons.growth": "1", "jevons.elasticity": "0.5"})
    r = jevons.evaluate(JevonsInputs(growth=1.0, elasticity=0.5).starting_from(8_000.0))
    assert r.spend_end < 8_000 and not verdicts(at)
    assert opening_box(at) == ("info", ":material/info:", (
        f"Illustrative per-team projection: with prices falling 10x a year, usage elasticity 0.5 and no growth of your "
        f"own, today's $8,000 a month becomes ${r.spend_end:,.0f} a month in 3 years ({r.spend_multiple:.3g}x today)."))


def test_default_is_one_team_with_mild_illustrative_defaults():
    at = run_page(PAGE)
    assert not at.exception
    # eps = 1 (prices alone leave the bill flat) and the team's own growth 1.5x a year: $8,000 x 1.5^3 = $27,000.
    assert money_value(metric_value(at, "Monthly spend in 3 years")) == 27_000
    assert metric_value(at, "Spend flat at elasticity") == "0.82"  # 1 - ln 1.5 / ln 10
    assert any("illustrative" in i.value for i in at.info)


def test_market_wide_illustration_is_labelled():
    at = run_page(PAGE)
    at.button(key="jevons.market").click().run()
    # eps = 1.51, no growth of one's own: $8,000 x 10^(3 x 0.51) = $271,075 (the landed unlabelled default).
    assert money_value(metric_value(at, "Monthly spend in 3 years")) == 271_075
    assert any("Market-wide illustration" in w.value for w in at.warning)
    at.button(key="jevons.team").click().run()
    assert money_value(metric_value(at, "Monthly spend in 3 years")) == 27_000


def test_unit_elasticity_is_flat_and_lower_elasticity_shrinks_the_bill():
    at = run_page(PAGE)
    at.number_input(key="jevons.growth").set_value(1.0).run()
    assert money_value(metric_value(at, "Monthly spend in 3 years")) == 8_000
    at.number_input(key="jevons.elasticity").set_value(0.5).run()
    assert money_value(metric_value(at, "Monthly spend in 3 years")) < 8_000


def test_typed_spend_and_band():
    at = run_page(PAGE)
    at.toggle(key="jevons.from_workload").set_value(False).run()
    at.number_input(key="jevons.spend@USD1").set_value(100_000.0).run()
    at.number_input(key="jevons.growth").set_value(1.0).run()
    assert money_value(metric_value(at, "Monthly spend in 3 years")) == 100_000
    at.toggle(key="jevons.band").set_value(True).run()
    assert not at.exception
    at.number_input(key="jevons.decline_low").set_value(50.0).run()  # above the high end: a clear message
    assert "low price decline must not exceed" in errors_text(at)


def test_hostile_params():
    at = run_page(PAGE, {"jevons.decline": "0", "jevons.years": "1e9", "jevons.elasticity": "inf"})
    assert not at.exception
    text = warnings_text(at)
    assert "jevons.decline" in text and "jevons.years" in text and "jevons.elasticity" in text
