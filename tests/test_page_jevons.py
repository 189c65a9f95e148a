"""Jevons page: headline responds to inputs; hostile links give notices."""
from tests.apptest import errors_text, metric_value, money_value, run_page, warnings_text

PAGE = "pages/jevons.py"


def test_default_shows_rising_spend():
    at = run_page(PAGE)
    assert not at.exception
    assert money_value(metric_value(at, "Monthly spend in 3 years")) > 8_000  # eps 1.51 > 1
    assert metric_value(at, "Break-even elasticity") == "1.00"


def test_unit_elasticity_is_flat_and_lower_elasticity_shrinks_the_bill():
    at = run_page(PAGE)
    at.number_input(key="jevons.elasticity").set_value(1.0).run()
    assert money_value(metric_value(at, "Monthly spend in 3 years")) == 8_000
    at.number_input(key="jevons.elasticity").set_value(0.5).run()
    assert money_value(metric_value(at, "Monthly spend in 3 years")) < 8_000


def test_typed_spend_and_band():
    at = run_page(PAGE)
    at.toggle(key="jevons.from_workload").set_value(False).run()
    at.number_input(key="jevons.spend").set_value(100_000.0).run()
    at.number_input(key="jevons.elasticity").set_value(1.0).run()
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
