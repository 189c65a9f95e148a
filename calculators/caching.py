"""Prompt caching lever: does caching a shared prefix save money at our traffic, and with which TTL?

A prefix of P tokens is shared by the requests of one prompt (one of `distinct_prefixes`). A cache
miss writes the prefix at w x the input price; a hit reads it at r x. With Poisson arrivals at rate
lambda per prefix and a TTL of T that every request refreshes, a request hits when the previous one
came less than T ago: hit rate h = 1 - exp(-lambda T).
"""
from __future__ import annotations

import math
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator
from scipy.optimize import brentq

from calculators.prices import ModelPrices
from calculators.workload import HOURS_PER_MONTH

TTL = Literal["5m", "1h"]
TTL_SECONDS: dict[str, float] = {"5m": 300.0, "1h": 3600.0}
TTL_LABEL: dict[str, str] = {"5m": "5-minute TTL", "1h": "1-hour TTL"}
SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600.0


class CacheRules(BaseModel):
    """A model's caching prices relative to base input, taken from the catalogue."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    input_price: float = Field(ge=0, description="Base input price, USD per MTok")
    read_multiplier: float = Field(ge=0, le=1, description="Cache read price / input price")
    write_multipliers: dict[str, float]  # per TTL option offered: cache write price / input price

    @property
    def ttl_options(self) -> list[str]:
        return list(self.write_multipliers)


def rules_for(prices: ModelPrices) -> CacheRules | None:
    """Caching rules from the catalogue; None when the model has no cache-read price (no caching)."""
    if prices.cache_read is None or prices.input.base <= 0:
        return None
    writes = {"5m": prices.multiplier("cache_write")}  # no write price = no write premium (OpenAI, Gemini implicit)
    if prices.cache_write_1h is not None:
        writes["1h"] = prices.multiplier("cache_write_1h")
    return CacheRules(
        input_price=prices.input.base,
        read_multiplier=min(1.0, prices.multiplier("cache_read")),
        write_multipliers=writes,
    )


class CachingInputs(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    requests_per_month: int = Field(ge=1, le=10_000_000_000, title="Requests per month")
    prefix_tokens: int = Field(
        1_500, ge=0, le=2_000_000, title="Shared prefix", json_schema_extra={"unit": "tokens", "step": 100},
        description="Tokens at the start of every prompt that repeat exactly (system prompt, tools, documents). "
        "Illustrative default: 75% of the workload's input.",
    )
    distinct_prefixes: int = Field(
        1, ge=1, le=10_000_000, title="Distinct prefixes",
        description="How many different prefixes share the traffic (prompt versions, tenants, documents); "
        "traffic per prefix is requests / prefixes.",
    )
    hit_rate_mode: Literal["From traffic and TTL", "Set directly"] = Field(
        "From traffic and TTL", title="Hit rate", json_schema_extra={"widget": "radio"},
        description="Derive the hit rate from Poisson arrivals and the TTL, or type the rate you observe.",
    )
    hit_rate: float = Field(
        0.8, ge=0, le=1, title="Cache hit rate", json_schema_extra={"percent": True},
        description="Share of requests that find the prefix cached (read it from your provider's usage data).",
    )
    ttl: TTL = Field("5m", title="Cache TTL", description="5 minutes (write 1.25x at Anthropic) or 1 hour (2x).")
    min_cacheable_tokens: int = Field(
        1_024, ge=0, le=100_000, title="Minimum cacheable prefix", json_schema_extra={"unit": "tokens"},
        description="Shorter prefixes are never cached. Anthropic: 512 to 4,096 by model; OpenAI: 1,024.",
    )
    storage_price: float = Field(
        0.0, ge=0, le=100, title="Storage price, $ per MTok per hour",
        description="Explicit caches that bill storage (Gemini 2.5 Pro: $4.50/MTok/hour). 0 for Anthropic and OpenAI.",
    )
    rules: CacheRules

    @model_validator(mode="after")
    def _ttl_offered(self) -> CachingInputs:
        if self.ttl not in self.rules.write_multipliers:
            raise ValueError(f"this model offers no {TTL_LABEL[self.ttl]}; choose one of {self.rules.ttl_options}")
        return self

    @property
    def cacheable(self) -> bool:
        return self.prefix_tokens >= self.min_cacheable_tokens and self.prefix_tokens > 0

    @property
    def write_multiplier(self) -> float:
        return self.rules.write_multipliers[self.ttl]

    @property
    def requests_per_hour_per_prefix(self) -> float:
        return self.requests_per_month / self.distinct_prefixes / HOURS_PER_MONTH


class CachingResult(BaseModel):
    model_config = ConfigDict(frozen=True)
    cacheable: bool
    hit_rate: float
    cost_without: float  # USD per month for the prefix tokens, no caching
    cost_with: float  # USD per month for the prefix tokens with caching (reads, writes, storage)
    storage_cost: float
    saving: float  # cost_without - cost_with (negative: caching costs more)
    saving_per_request: float
    saving_share: float  # saving / cost_without: the share of the prefix's cost that caching saves
    break_even_hit_rate: float | None  # None: never pays back, even at 100% hits
    break_even_reuses: float | None  # hits per write needed to break even
    naive_break_even_reuses: float | None  # the trap: counting the whole write price as overhead
    break_even_requests_per_hour: float | None  # per prefix, at the chosen TTL


def hit_rate_from_traffic(requests_per_hour_per_prefix: float | np.ndarray, ttl_seconds: float) -> float | np.ndarray:
    """Poisson arrivals, TTL refreshed by every request: a request hits if the previous one came within the TTL."""
    rate_per_second = np.asarray(requests_per_hour_per_prefix, dtype=float) / 3600.0
    h = -np.expm1(-rate_per_second * ttl_seconds)
    return float(h) if np.ndim(h) == 0 else h


def _prefix_cost_uncached(x: CachingInputs) -> float:
    return x.requests_per_month * x.prefix_tokens * x.rules.input_price / 1e6


def _storage_cost(x: CachingInputs) -> float:
    # An explicit cache kept alive all month, one copy per distinct prefix.
    return x.distinct_prefixes * x.prefix_tokens / 1e6 * x.storage_price * HOURS_PER_MONTH


def _saving(x: CachingInputs, hit_rate: float | np.ndarray, write_multiplier: float) -> float | np.ndarray:
    """Monthly saving at a hit rate: every request pays r on a hit and w on a miss instead of 1."""
    if not x.cacheable:
        return np.zeros_like(np.asarray(hit_rate, dtype=float)) if np.ndim(hit_rate) else 0.0
    h = np.asarray(hit_rate, dtype=float)
    r = x.rules.read_multiplier
    per_token_factor = 1.0 - (h * r + (1.0 - h) * write_multiplier)
    saving = _prefix_cost_uncached(x) * per_token_factor - _storage_cost(x)
    return float(saving) if saving.ndim == 0 else saving


def _break_even_hit_rate(x: CachingInputs, write_multiplier: float) -> float | None:
    """Solve saving(h) = 0: 1 - w + (w - r) h = storage / uncached cost."""
    if not x.cacheable:
        return None
    base = _prefix_cost_uncached(x)
    sigma = _storage_cost(x) / base if base > 0 else math.inf
    r, w = x.rules.read_multiplier, write_multiplier
    if w - r <= 0:
        return 0.0 if 1 - w >= sigma else None
    h = (w - 1 + sigma) / (w - r)
    if h > 1:
        return None
    return max(h, 0.0)


def evaluate(x: CachingInputs) -> CachingResult:
    w, r = x.write_multiplier, x.rules.read_multiplier
    if x.hit_rate_mode == "Set directly":
        h = x.hit_rate
    else:
        h = hit_rate_from_traffic(x.requests_per_hour_per_prefix, TTL_SECONDS[x.ttl])
    h = h if x.cacheable else 0.0
    without = _prefix_cost_uncached(x)
    saving = _saving(x, h, w)
    h_star = _break_even_hit_rate(x, w)
    reuses = naive = rate = None
    if h_star is not None:
        reuses = h_star / (1 - h_star) if h_star < 1 else None
        base = without
        sigma = _storage_cost(x) / base if base > 0 else 0.0
        naive = (w + sigma) / (1 - r) if r < 1 else None
        rate = -math.log1p(-h_star) / TTL_SECONDS[x.ttl] * 3600.0 if h_star < 1 else None
    return CachingResult(
        cacheable=x.cacheable,
        hit_rate=float(h),
        cost_without=without,
        cost_with=without - saving,
        storage_cost=_storage_cost(x) if x.cacheable else 0.0,
        saving=saving,
        saving_per_request=saving / x.requests_per_month,
        saving_share=saving / without if without > 0 else 0.0,
        break_even_hit_rate=h_star,
        break_even_reuses=reuses,
        naive_break_even_reuses=naive,
        break_even_requests_per_hour=rate,
    )


def saving_vs_hit_rate(x: CachingInputs, points: int = 101) -> pd.DataFrame:
    """Monthly saving across every hit rate at the chosen TTL: the same formula as `evaluate`."""
    h = np.linspace(0.0, 1.0, points)
    return pd.DataFrame({"hit_rate": h, "saving": _saving(x, h, x.write_multiplier)})


def saving_vs_traffic(x: CachingInputs, points: int = 241) -> pd.DataFrame:
    """Share of the prefix cost saved, for each TTL option, as traffic per prefix varies.

    A share rather than dollars: monthly volume grows with the traffic, and dollars would hide the
    low-traffic region where the TTLs differ. Same formula as `evaluate` (saving / uncached cost).
    """
    current = x.requests_per_hour_per_prefix
    rates = np.unique(np.concatenate([np.geomspace(0.01, 1e4, points), [current]]))
    uncached = rates * HOURS_PER_MONTH * x.distinct_prefixes * x.prefix_tokens * x.rules.input_price / 1e6
    frame = {"requests_per_hour_per_prefix": rates}
    for ttl, w in x.rules.write_multipliers.items():
        frame[ttl] = np.divide(_saving_at_traffic(x, rates, ttl, w), uncached, out=np.zeros_like(rates),
                               where=uncached > 0)
    return pd.DataFrame(frame)


def _saving_at_traffic(x: CachingInputs, rates: np.ndarray | float, ttl: str, w: float) -> np.ndarray | float:
    """Saving when each prefix sees `rates` requests/hour; monthly volume follows the rate."""
    rates = np.asarray(rates, dtype=float)
    h = hit_rate_from_traffic(rates, TTL_SECONDS[ttl])
    volume = rates * HOURS_PER_MONTH * x.distinct_prefixes
    if not x.cacheable:
        return np.zeros_like(rates)
    r = x.rules.read_multiplier
    uncached = volume * x.prefix_tokens * x.rules.input_price / 1e6
    return uncached * (1.0 - (h * r + (1.0 - h) * w)) - _storage_cost(x)


def ttl_crossover(x: CachingInputs) -> float | None:
    """Requests/hour per prefix where the 1-hour TTL starts to beat the 5-minute one (root of the difference).

    Below it the dearer 1-hour write is not worth it; above it... see `EXPLANATION`. None when the model
    offers one TTL only, the prefix is not cacheable, or the curves never cross in 0.001..1e6 req/h.
    """
    if not x.cacheable or not {"5m", "1h"} <= set(x.rules.write_multipliers):
        return None

    def gap(log_rate: float) -> float:
        rate = math.exp(log_rate)
        return float(
            _saving_at_traffic(x, rate, "1h", x.rules.write_multipliers["1h"])
            - _saving_at_traffic(x, rate, "5m", x.rules.write_multipliers["5m"])
        )

    lo, hi = math.log(1e-3), math.log(1e6)
    grid = np.linspace(lo, hi, 200)  # bracket only; the root itself is solved by brentq
    values = [gap(g) for g in grid]
    for a, b, fa, fb in zip(grid[:-1], grid[1:], values[:-1], values[1:], strict=True):
        if fa == 0:
            return math.exp(a)
        if fa * fb < 0:
            return math.exp(brentq(gap, a, b, xtol=1e-12))
    return None


EXPLANATION = r"""
**Per request**, the shared prefix of *P* tokens costs *P* × input price without caching. With caching,
a **miss** writes the prefix at *w* × input price and a **hit** reads it at *r* × input price
(Anthropic: *w* = 1.25 for a 5-minute TTL, 2 for 1 hour, *r* = 0.1; OpenAI: no write premium, *w* = 1).

**Monthly saving** = requests × *P* × input price × (1 − [*h*·*r* + (1 − *h*)·*w*]) − storage,
where *h* is the hit rate and storage (explicit caches only) = prefixes × *P* × storage price × 730 h.

**Hit rate from traffic**: with requests arriving at random (Poisson) at λ per hour per prefix and a TTL of *T*
that every request refreshes, a request finds the cache warm when the previous one came within *T*:
*h* = 1 − e^(−λ*T*).

**Break-even hit rate** *h\** solves saving = 0: *h\** = (*w* − 1) / (*w* − *r*) (plus storage, if any).
**Break-even reuses per write** = *h\** / (1 − *h\**) = (*w* − 1) / (1 − *r*): only the write *premium* (*w* − 1)
is overhead, because the miss would have paid full input price anyway. Counting the whole write price as
overhead gives *w* / (1 − *r*), which overstates the break-even by 1 / (1 − *r*), about one reuse.

**Which TTL**: the 1-hour write costs more per miss but misses far less often when requests are minutes apart;
the crossover is where the two saving curves meet (solved with a root-finder). A prefix shorter than the
provider's minimum is never cached: no premium is charged and nothing is saved.
Prices are the model's base (below any long-context tier) rates.
"""


def default_prefix_tokens(input_tokens: int) -> int:
    """Illustrative default: three quarters of the average prompt is a shared prefix."""
    return int(round(input_tokens * 0.75))
