"""Jevons page: headline responds to inputs; hostile links give notices."""
from tests.apptest import errors_text, metric_value, money_value, run_page, warnings_text

PAGE = "pages/jevons.py"


def test_default_is_one_team_with_mild_illustrative_defaults():
    at = run_page(PAGE)
    assert not at.exception
    # eps = 1 (prices alone leave the bill flat) and the team's own growth 1.5x a year: $8,000 x 1.5^3 = $27,000.
    assert money_value(metric_value(at, "Monthly spend in 3 years")) == 27_000
    assert metric_value(at, "Break-even elasticity") == "0.82"  # 1 - ln 1.5 / ln 10
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
