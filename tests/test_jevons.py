"""Jevons spend projection: closed forms, published numbers and properties."""
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calculators import jevons
from calculators.jevons import JevonsInputs


def test_published_numbers():
    assert jevons.A16Z_DECLINE_PER_YEAR == pytest.approx(10.0)  # (60 / 0.06)^(1/3)
    assert jevons.MENLO_GROWTH == pytest.approx(37 / 11.5)
    assert jevons.IMPLIED_ELASTICITY == pytest.approx(1 + math.log10(37 / 11.5))  # 1.51


def test_unit_elasticity_without_growth_is_flat():
    r = jevons.evaluate(JevonsInputs(monthly_spend=1_000, price_decline=10, elasticity=1.0, growth=1.0))
    assert r.spend_multiple == pytest.approx(1.0)
    assert r.spend_end == pytest.approx(1_000)
    assert r.cumulative_spend == pytest.approx(36 * 1_000)
    frame = jevons.projection(JevonsInputs(monthly_spend=1_000, elasticity=1.0, growth=1.0))
    assert frame["spend"].to_numpy() == pytest.approx(1_000)


def test_hand_computed_projection():
    # d = 10, eps = 1.5, g = 1, 2 years: spend x 10^(2 x 0.5) = 10.
    r = jevons.evaluate(JevonsInputs(monthly_spend=500, price_decline=10, elasticity=1.5, horizon_years=2, growth=1.0))
    assert r.spend_multiple == pytest.approx(10.0)
    assert r.price_index_end == pytest.approx(0.01)
    assert r.usage_multiple == pytest.approx(1_000.0)  # 10^(1.5 x 2)
    # eps = 0.5: spend falls to 10^(-1) in 2 years.
    assert jevons.evaluate(JevonsInputs(monthly_spend=500, price_decline=10, elasticity=0.5, growth=1.0,
                                        horizon_years=2)).spend_end == pytest.approx(50)


def test_break_even_elasticity_closed_form():
    assert jevons.break_even_elasticity(10, 1.0) == pytest.approx(1.0)
    # With 2x independent growth and 4x price decline: eps* = 1 - ln2/ln4 = 0.5.
    assert jevons.break_even_elasticity(4, 2.0) == pytest.approx(0.5)
    assert jevons.break_even_elasticity(1.0, 2.0) is None
    x = JevonsInputs(price_decline=4, growth=2.0, elasticity=0.5)
    assert jevons.evaluate(x).spend_multiple == pytest.approx(1.0)


def test_band_orders_are_validated():
    with pytest.raises(ValueError, match="low price decline"):
        JevonsInputs(show_band=True, decline_low=30, decline_high=5)


@given(st.floats(1.01, 1000), st.floats(0, 3), st.floats(0.1, 10), st.integers(1, 10))
def test_band_contains_the_central_curve(decline, eps, growth, years):
    x = JevonsInputs(monthly_spend=100, price_decline=decline, elasticity=eps, growth=growth, horizon_years=years,
                     show_band=True, decline_low=max(1.0, decline / 2), decline_high=min(1000.0, decline * 2),
                     elasticity_low=max(0.0, eps - 0.2), elasticity_high=min(3.0, eps + 0.2))
    f = jevons.projection(x)
    assert (f["spend_low"] <= f["spend"] * (1 + 1e-9)).all()
    assert (f["spend"] <= f["spend_high"] * (1 + 1e-9)).all()


@given(st.floats(1.01, 1000), st.floats(0, 3), st.floats(0, 3), st.floats(0.1, 10))
def test_spend_rises_with_elasticity_when_prices_fall(decline, e1, e2, growth):
    lo, hi = sorted((e1, e2))
    a = jevons.spend_factor(3, decline, lo, growth)
    b = jevons.spend_factor(3, decline, hi, growth)
    assert b >= a * (1 - 1e-12)


@given(st.floats(1.0, 1000), st.floats(0, 3), st.floats(0.1, 10), st.integers(1, 10))
def test_scalar_and_curve_agree(decline, eps, growth, years):
    x = JevonsInputs(monthly_spend=1_000, price_decline=decline, elasticity=eps, growth=growth, horizon_years=years)
    f = jevons.projection(x)
    assert f["spend"].iloc[-1] == pytest.approx(jevons.evaluate(x).spend_end, rel=1e-9)
    sweep = jevons.spend_vs_elasticity(x)
    mine = sweep[sweep["elasticity"] == eps]["spend_multiple"].iloc[0]
    assert mine == pytest.approx(jevons.evaluate(x).spend_multiple, rel=1e-9)


def test_team_defaults_are_mild_and_the_market_illustration_is_separate():
    x = JevonsInputs(monthly_spend=8_000)
    # One team: eps = 1 leaves prices out of it; its own growth 1.5x a year for 3 years: x 3.375.
    assert jevons.evaluate(x).spend_end == pytest.approx(27_000)
    market = x.model_copy(update={"elasticity": round(jevons.IMPLIED_ELASTICITY, 2), "growth": 1.0})
    assert jevons.evaluate(market).spend_end == pytest.approx(8_000 * 10 ** (3 * 0.51))  # $271,075


def test_today_is_the_workloads_bill_unless_typed():
    assert JevonsInputs(monthly_spend=1.0).starting_from(8_000.0).monthly_spend == 8_000.0
    assert JevonsInputs(from_workload=False, monthly_spend=5.0).starting_from(8_000.0).monthly_spend == 5.0
