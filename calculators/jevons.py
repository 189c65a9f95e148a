"""The Jevons paradox: prices fall, usage responds, and spend can still rise.

Unit price falls by a factor d per year: price(t) = price0 / d^t. Usage responds with constant
elasticity eps (usage proportional to price^-eps) and grows independently by a factor g per year:
usage(t) = usage0 * d^(eps t) * g^t. Spend is their product:

    spend(t) = spend0 * d^(-t (1 - eps)) * g^t

Elasticity above 1 means cheaper tokens raise the bill. Spend stays flat at eps* = 1 - ln g / ln d.

Two different questions use this formula. For **one team's bill** the defaults are mild and illustrative: the
team spends cheaper tokens on proportionally more tokens (eps = 1, so prices alone leave the bill flat) and its
own usage grows by g for reasons of its own (new users, new features). The **market-wide illustration** uses
eps = 1.51, the value that reconciles a16z's 10x-a-year price fall with Menlo Ventures' 3.2x-a-year growth of
enterprise spend: growth that is mostly adoption (new teams and products), not one team's response to price.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

# a16z "LLMflation": $60/MTok (2021) -> $0.06/MTok (2024) at fixed capability: 1000x in 3 years.
A16Z_POINTS = ((2021, 60.0), (2024, 0.06))
A16Z_DECLINE_PER_YEAR = (60.0 / 0.06) ** (1 / 3)  # = 10x per year
# Menlo Ventures: enterprise generative-AI spend $11.5B (2024) -> $37B (2025).
MENLO_POINTS = ((2024, 11.5e9), (2025, 37e9))
MENLO_GROWTH = 37e9 / 11.5e9  # 3.2x in one year
# The elasticity that turns a 10x/year price fall into Menlo's 3.2x/year spend growth with no other growth:
# 3.2 = 10^(eps - 1)  =>  eps = 1 + log10(3.2) = 1.51.
IMPLIED_ELASTICITY = 1 + math.log(MENLO_GROWTH) / math.log(A16Z_DECLINE_PER_YEAR)


TEAM_ELASTICITY = 1.0  # illustrative: cheaper tokens are spent on proportionally more tokens
TEAM_GROWTH = 1.5  # illustrative: the team's own usage growth per year


class JevonsInputs(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    from_workload: bool = Field(True, title="Start from the workload's bill",
                                json_schema_extra={"key": "jevons.from_workload"},
                                description="Off: type today's monthly spend yourself.")
    monthly_spend: float = Field(
        8_000.0, ge=0, le=1e12, title="Current monthly spend",
        json_schema_extra={"key": "jevons.spend", "money": True, "step": 100.0, "format": "%.0f"},
        description="Today's LLM bill per month; defaults to the workload's bill.",
    )
    price_decline: float = Field(
        10.0, ge=1.0, le=1_000.0, title="Price decline per year (x)",
        json_schema_extra={"key": "jevons.decline", "step": 0.5},
        description="Unit price at fixed capability divides by this every year. a16z: 10x/year (2021-2024); "
        "Epoch AI: 9x to 900x/year depending on the capability level.",
    )
    elasticity: float = Field(
        TEAM_ELASTICITY, ge=0.0, le=3.0, title="Usage response to price (elasticity)",
        json_schema_extra={"key": "jevons.elasticity", "step": 0.05},
        description="usage ∝ price^−ε. Illustrative default 1.0 for one team: cheaper tokens are spent on "
        "proportionally more tokens (longer contexts, more calls), so falling prices alone leave the bill flat. "
        "1.51 is a market-wide illustration, not a team's.",
    )
    growth: float = Field(
        TEAM_GROWTH, ge=0.1, le=10.0, title="Your own usage growth per year (x)",
        json_schema_extra={"key": "jevons.growth", "step": 0.1},
        description="Usage growth unrelated to price (new users, new features); 1 = none. Illustrative default "
        "1.5x: replace it with your product plan.",
    )
    horizon_years: int = Field(3, ge=1, le=10, title="Horizon (years)", json_schema_extra={"key": "jevons.years"},
                               description="How far to project.")
    show_band: bool = Field(False, title="Show an uncertainty band", json_schema_extra={"key": "jevons.band"},
                            description="Shade the spend between the low and high decline and elasticity below.")
    decline_low: float = Field(5.0, ge=1.0, le=1_000.0, title="Decline, low (x)",
                               json_schema_extra={"key": "jevons.decline_low"},
                               description="Slow end of the price decline range (illustrative).")
    decline_high: float = Field(20.0, ge=1.0, le=1_000.0, title="Decline, high (x)",
                                json_schema_extra={"key": "jevons.decline_high"},
                                description="Fast end of the price decline range (illustrative).")
    elasticity_low: float = Field(0.8, ge=0.0, le=3.0, title="Elasticity, low",
                                  json_schema_extra={"key": "jevons.eps_low"},
                                  description="Low end of the elasticity range (illustrative).")
    elasticity_high: float = Field(1.2, ge=0.0, le=3.0, title="Elasticity, high",
                                   json_schema_extra={"key": "jevons.eps_high"},
                                   description="High end of the elasticity range (illustrative).")

    def starting_from(self, workload_bill: float) -> JevonsInputs:
        """The inputs with today's spend resolved: the workload's bill (to the cent) unless one was typed."""
        return self.model_copy(update={"monthly_spend": workload_bill}) if self.from_workload else self

    @model_validator(mode="after")
    def _ranges_ordered(self) -> JevonsInputs:
        if self.show_band:
            if self.decline_low > self.decline_high:
                raise ValueError("the low price decline must not exceed the high one")
            if self.elasticity_low > self.elasticity_high:
                raise ValueError("the low elasticity must not exceed the high one")
        return self


class JevonsResult(BaseModel):
    model_config = ConfigDict(frozen=True)
    spend_end: float  # monthly spend at the horizon
    spend_multiple: float  # spend_end / monthly_spend
    price_index_end: float  # unit price at the horizon relative to today (1 = unchanged)
    usage_multiple: float  # usage at the horizon relative to today
    break_even_elasticity: float | None  # spend flat; None when prices do not fall (d = 1)
    cumulative_spend: float  # total spend over the horizon, month by month


def spend_factor(t: np.ndarray | float, decline: float, elasticity: float, growth: float) -> np.ndarray | float:
    """spend(t) / spend0 = d^(-t(1-eps)) g^t, computed in logs for stability."""
    log_factor = -np.asarray(t, dtype=float) * (1 - elasticity) * math.log(decline) + np.asarray(t) * math.log(growth)
    out = np.exp(log_factor)
    return float(out) if np.ndim(out) == 0 else out


def break_even_elasticity(decline: float, growth: float) -> float | None:
    """Elasticity at which spend stays flat: (eps - 1) ln d + ln g = 0."""
    if decline <= 1.0:
        return None
    return 1 - math.log(growth) / math.log(decline)


def evaluate(x: JevonsInputs) -> JevonsResult:
    t = x.horizon_years
    factor = spend_factor(t, x.price_decline, x.elasticity, x.growth)
    months = np.arange(t * 12) / 12  # spend in each month of the horizon
    cumulative = float(np.sum(x.monthly_spend * spend_factor(months, x.price_decline, x.elasticity, x.growth)))
    return JevonsResult(
        spend_end=x.monthly_spend * factor,
        spend_multiple=factor,
        price_index_end=x.price_decline ** (-t),
        usage_multiple=x.price_decline ** (x.elasticity * t) * x.growth**t,
        break_even_elasticity=break_even_elasticity(x.price_decline, x.growth),
        cumulative_spend=cumulative,
    )


def projection(x: JevonsInputs, points_per_year: int = 24) -> pd.DataFrame:
    """Monthly spend, unit price index and usage index over the horizon (same formula as `evaluate`).

    With the band on, `spend_low`/`spend_high` are the extremes over the four corners of the decline and
    elasticity ranges: spend is monotone in each, so the corners bound it.
    """
    t = np.linspace(0, x.horizon_years, x.horizon_years * points_per_year + 1)
    frame = {
        "year": t,
        "spend": x.monthly_spend * spend_factor(t, x.price_decline, x.elasticity, x.growth),
        "price_index": x.price_decline ** (-t),
        "usage_index": x.price_decline ** (x.elasticity * t) * x.growth**t,
    }
    if x.show_band:
        corners = np.array([
            spend_factor(t, d, e, x.growth)
            for d in (x.decline_low, x.decline_high)
            for e in (x.elasticity_low, x.elasticity_high)
        ])
        frame["spend_low"] = x.monthly_spend * corners.min(axis=0)
        frame["spend_high"] = x.monthly_spend * corners.max(axis=0)
    return pd.DataFrame(frame)


ELASTICITY_FAN = (0.5, 1.0, 1.5, 2.0)


def elasticity_fan(x: JevonsInputs, points_per_year: int = 24) -> pd.DataFrame:
    """Spend over the horizon for several elasticities, plus the user's own."""
    t = np.linspace(0, x.horizon_years, x.horizon_years * points_per_year + 1)
    frame = {"year": t}
    for e in sorted({*ELASTICITY_FAN, x.elasticity}):
        frame[f"ε = {e:g}"] = x.monthly_spend * spend_factor(t, x.price_decline, e, x.growth)
    return pd.DataFrame(frame)


def published_points() -> pd.DataFrame:
    """The published data behind the defaults, as a table."""
    return pd.DataFrame(
        [
            {"year": y, "series": "cheapest model at fixed capability ($/MTok)", "value": v,
             "source": "a16z, 'Welcome to LLMflation' (Nov 2024)"}
            for y, v in A16Z_POINTS
        ]
        + [
            {"year": y, "series": "enterprise generative-AI spend ($)", "value": v,
             "source": "Menlo Ventures, State of Generative AI in the Enterprise (2025)"}
            for y, v in MENLO_POINTS
        ]
    )


EXPLANATION = r"""
**Unit price** falls by a factor *d* every year: price(*t*) = price₀ / *d*^*t*.

**Usage** responds to price with elasticity ε (usage ∝ price^−ε) and also grows by *g* per year for reasons
unrelated to price: usage(*t*) = usage₀ · *d*^(ε*t*) · *g*^*t*.

**Spend** = price × usage: spend(*t*) = spend₀ · *d*^(−*t*(1 − ε)) · *g*^*t*.

- ε < 1: usage grows slower than prices fall, so the bill shrinks.
- ε = 1 and *g* = 1: the bill stays flat however fast prices fall.
- ε > 1: cheaper tokens *raise* the bill (the Jevons paradox).

**Break-even elasticity** (flat spend): ε\* = 1 − ln *g* / ln *d*.

**Your team's default** (illustrative): ε = 1, cheaper tokens are spent on proportionally more tokens (longer
contexts, more calls, bigger models), so falling prices alone leave the bill flat, and your own usage grows 1.5x a
year. Replace both with your plan.

**The market-wide illustration, ε = 1.51**, is not a measurement of any product: it is the value that reconciles
two published numbers, a 10x/year fall in price at fixed capability (a16z) and 3.2x/year growth in enterprise
spend (Menlo Ventures, 2024 to 2025), assuming no other growth: 3.2 = 10^(ε − 1). That growth is mostly adoption
(new teams, new products), so applying it to one team's bill overstates the team's growth.

**The band** takes the lowest and highest spend over the four combinations of the decline and elasticity
ranges; because spend moves in one direction with each, those corners bound every value in between.
"""


def spend_vs_elasticity(x: JevonsInputs, points: int = 121) -> pd.DataFrame:
    """Spend at the horizon, as a multiple of today's, across elasticities 0 to 3."""
    eps = np.unique(np.concatenate([np.linspace(0, 3, points), [x.elasticity]]))
    log_multiple = x.horizon_years * ((eps - 1) * math.log(x.price_decline) + math.log(x.growth))
    return pd.DataFrame({"elasticity": eps, "spend_multiple": np.exp(log_multiple)})
