"""Prompt caching lever: does caching the shared prefix save money at our traffic, and with which TTL?

The workload's prefix (its anatomy: the part of every prompt that repeats exactly) is cached: a miss writes
it at the TTL's write price, a hit reads it at the cache-read price. The hit rate is set directly or derived
from traffic: with Poisson arrivals at rate lambda per prefix and a TTL of T that every request refreshes, a
request hits when the previous one came less than T ago, h = 1 - exp(-lambda T). A prefix shorter than the
provider's minimum is never cached. Explicit caches that bill storage add it as a monthly cost.

Money comes only from `bill.price`. A priced bill is affine in the hit rate (every call's prefix is a mix of
reads and writes in proportion h), so two priced workloads (h = 0 and h = 1) give the saving at every hit rate
exactly, cliffs and batch prices included: that is how the break-evens and the curves are solved.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from calculators.bill import Bill, model_prices, price
from calculators.draws import OverheadDraws, WorkloadDraws, as_draws, split_where
from calculators.lever import Lever
from calculators.prices import Catalogue, ModelPrices
from calculators.workload import (
    HOURS_PER_MONTH, TTL_SECONDS, CallClass, Overhead, Workload, cache_pool, copied, pool_traffic, resolve_hit_rates,
    traffic_hit_rate,
)

TTL = Literal["5m", "1h"]
TTL_LABEL: dict[str, str] = {"5m": "5-minute TTL", "1h": "1-hour TTL"}
HitRateMode = Literal["From traffic and TTL", "Set directly"]


class CachingInputs(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    ttl: TTL = Field("5m", title="Cache TTL", json_schema_extra={"key": "cache.ttl", "labels": TTL_LABEL,
                                                                  "widget": "radio"},
                     description="5 minutes (Anthropic: write 1.25x input) or 1 hour (2x). Every hit refreshes it.")
    hit_rate_mode: HitRateMode = Field(
        "From traffic and TTL", title="Hit rate", json_schema_extra={"key": "cache.mode", "widget": "radio"},
        description="Derive the hit rate from Poisson arrivals and the TTL, or type the rate you observe.",
    )
    hit_rate: float = Field(
        0.8, ge=0, le=1, title="Cache hit rate", json_schema_extra={"key": "cache.hit", "percent": True},
        description="Share of requests that find the prefix cached (read it from your provider's usage data).",
    )
    distinct_prefixes: int = Field(
        1, ge=1, le=10_000_000, title="Distinct prefixes", json_schema_extra={"key": "cache.prefixes"},
        description="How many different prefixes share the traffic (prompt versions, tenants, documents); "
        "traffic per prefix is requests / prefixes. Illustrative default: one.",
    )
    min_cacheable_tokens: int = Field(
        1_024, ge=0, le=100_000, title="Minimum cacheable prefix",
        json_schema_extra={"key": "cache.min", "unit": "tokens"},
        description="Shorter prefixes are never cached. Anthropic: 1,024 to 4,096 by model; OpenAI: 1,024.",
    )
    storage_price: float = Field(
        0.0, ge=0, le=100, title="Storage price per MTok per hour",
        json_schema_extra={"key": "cache.storage", "money": True, "step": 0.5, "format": "%.3f"},
        description="Explicit caches that bill storage (Gemini 2.5 Pro: $4.50 per MTok per hour). 0 for Anthropic "
        "and OpenAI.",
    )


def ttl_options(prices: ModelPrices) -> list[str]:
    """The TTLs a model prices: 5 minutes always (no write price: no premium), 1 hour where it has a price."""
    return ["5m", "1h"] if prices.cache_write_1h is not None else ["5m"]


def choices(w: Workload, cat: Catalogue) -> dict[str, list[str]]:
    prices = _main_prices(w, cat)
    return {"ttl": ttl_options(prices) if prices is not None else ["5m"]}


def _main_prices(w: Workload, cat: Catalogue) -> ModelPrices | None:
    """The model of the class with the most requests: the one the page's caption and closed forms describe."""
    main = w.main_class
    return model_prices(w, cat, main.model_key) if main is not None else None


def cacheable(c: CallClass, x: CachingInputs) -> bool | np.ndarray:
    """A prefix long enough to cache (one bool per draw where the prefix or the minimum is drawn)."""
    return (c.prefix_tokens > 0) & (c.prefix_tokens >= x.min_cacheable_tokens)


def _storage_usd(prefix_tokens: float | np.ndarray, x: CachingInputs) -> float | np.ndarray:
    """A month of storage for `prefix_tokens` (summed over the caches) kept once per distinct prefix."""
    return x.distinct_prefixes * prefix_tokens / 1e6 * x.storage_price * HOURS_PER_MONTH


def storage_cost(w: Workload, x: CachingInputs) -> float:
    """An explicit cache kept alive all month: one copy of each distinct prefix in each cache (model and prefix)
    the lever caches, however many classes share it."""
    prefixes = {cache_pool(c): c.prefix_tokens for c in w.classes if cacheable(c, x)}
    return _storage_usd(sum(prefixes.values()), x)


def storage_cost_draws(wd: WorkloadDraws, x: CachingInputs) -> np.ndarray:
    """`storage_cost` in every draw: per cache, the prefix of the last class that caches it in that draw."""
    n = wd.n
    prefixes: dict[tuple[str, str], np.ndarray] = {}
    for v in wd.variants:
        caches = np.broadcast_to(cacheable(v.c, x), (n,))
        if v.active is not None:
            caches = caches & v.active
        if caches.any():
            pool = cache_pool(v.c)
            prefixes[pool] = np.where(caches, v.c.prefix_tokens, prefixes.get(pool, 0.0))
    return as_draws(_storage_usd(sum(prefixes.values()), x), n)


def _caching(c: CallClass, x: CachingInputs, hit: float | None = None) -> CallClass:
    """A class whose prefix is long enough, with the prefix cached at the TTL (see `_cached`)."""
    if hit is not None:
        return copied(c, cache=x.ttl, cache_hit_rate=hit)
    if x.hit_rate_mode == "Set directly":
        return copied(c, cache=x.ttl, cache_hit_rate=x.hit_rate)
    if c.cache == x.ttl:
        return c if c.cache_hit_rate is not None else copied(c, cache_prefixes=x.distinct_prefixes)
    return copied(c, cache=x.ttl, cache_hit_rate=None, cache_prefixes=x.distinct_prefixes)


def _cached(w: Workload, x: CachingInputs, hit: float | None = None) -> Workload:
    """Every class whose prefix is long enough caches it at the TTL.

    `hit` given: every such class at that hit rate (the page's curve). Otherwise the lever's own rule: a rate typed
    on the page applies to every class; "from traffic", a class that already caches at this TTL keeps the rate it has
    (observed data beats the model), and any other class derives it from the traffic reaching its cache."""
    out = w.map(lambda c: _caching(c, x, hit) if cacheable(c, x) else c)
    cost = storage_cost(w, x)
    return out.replace(out.classes, overheads=(Overhead(name="Cache storage", usd_per_month=cost, lever="caching"),)
                       if cost > 0 else ())


def _uncached(w: Workload, x: CachingInputs) -> Workload:
    """The workload with nothing cached where the lever would cache: the zero of the break-even."""
    return w.map(lambda c: copied(c, cache="off", cache_hit_rate=0.0) if cacheable(c, x) else c)


def apply(w: Workload, x: CachingInputs, cat: Catalogue) -> Workload:
    return _cached(w, x)


def apply_draws(wd: WorkloadDraws, x: CachingInputs, cat: Catalogue) -> tuple[WorkloadDraws, np.ndarray]:
    """`apply` in every draw: a class caches in the draws where its prefix is long enough (a derived hit rate is left
    None: `draws.hit_rates` derives it per draw from the traffic reaching its cache). It cannot fail."""
    out = wd.map(lambda v: split_where(v, cacheable(v.c, x), lambda v: v.with_class(_caching(v.c, x)), lambda v: v))
    storage = storage_cost_draws(wd, x)
    if (storage > 0).any():
        out = out.plus_overheads([OverheadDraws("Cache storage", storage, "caching")])
    return out, wd.everywhere()


def describe(x: CachingInputs) -> str:
    hit = f"hit rate {x.hit_rate:.0%}" if x.hit_rate_mode == "Set directly" else "hit rate from traffic"
    prefixes = f", {x.distinct_prefixes:,} distinct prefixes" if x.distinct_prefixes > 1 else ""
    return f"shared prefix cached, {TTL_LABEL[x.ttl]}, {hit}{prefixes}"


def idle(w: Workload, x: CachingInputs, cat: Catalogue) -> str | None:
    if not any(c.prefix_tokens > 0 for c in w.classes):
        return "the workload has no shared prefix (set one in the sidebar's anatomy)"
    if not any(cacheable(c, x) for c in w.classes):
        return f"the shared prefix is below the {x.min_cacheable_tokens:,}-token minimum the provider caches"
    models = {c.model_key for c in w.classes if cacheable(c, x)}
    if all((m := model_prices(w, cat, key)) is None or m.cache_read is None for key in models):
        return "no model of the workload has a cache price in the catalogue"
    if x.hit_rate_mode != "Set directly" and all(c.cache == x.ttl for c in w.classes if cacheable(c, x)):
        return f"every class already caches its prefix with a {TTL_LABEL[x.ttl]}"
    return None


LEVER = Lever(
    name="caching", label="Prompt caching", page="pages/caching.py",
    question="Does caching our shared prefix pay at our traffic, and with which TTL?",
    inputs=CachingInputs, apply=apply, describe=describe, choices=choices, idle=idle, draws=apply_draws,
)


# --- the page's analysis ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """Money a month as an affine function of one quantity t: a + b t."""

    a: float
    b: float

    def at(self, t: float | np.ndarray) -> float | np.ndarray:
        return self.a + self.b * np.asarray(t, dtype=float) if np.ndim(t) else self.a + self.b * t

    def root(self) -> float | None:
        return -self.a / self.b if self.b else None


@dataclass(frozen=True)
class CachingResult:
    today: Bill
    after: Bill
    uncached: Bill  # the workload with nothing cached where the lever caches: the zero of the break-even
    cacheable: bool
    hit_rate_today: float  # requests-weighted over the classes the lever caches (0 where they cache nothing today)
    hit_rate: float  # the same with the lever
    saving_vs_hit: Line  # saving against no caching if every caching class had hit rate t (exact: affine in t)
    break_even_hit_rate: float | None  # against no caching; None: caching never pays, even at 100% hits
    break_even_reuses: float | None  # hits per write needed to break even
    write_multiplier: float  # of the main model, at its prefix size (e.g. 1.25)
    read_multiplier: float
    naive_break_even_reuses: float | None  # the trap: counting the whole write price as overhead
    storage_cost: float

    @property
    def saving(self) -> float:
        """Against today (which may already cache): the lever's bar."""
        return self.today.total - self.after.total

    @property
    def saving_share(self) -> float:
        return self.saving / self.today.total if self.today.total else 0.0

    @property
    def saving_vs_uncached(self) -> float:
        return self.uncached.total - self.after.total


def _weighted_hit(w: Workload, x: CachingInputs) -> float:
    """Requests-weighted hit rate of the classes the lever caches (resolved: derived rates from the traffic)."""
    caching = [c for c in resolve_hit_rates(w).classes if cacheable(c, x)]
    volume = sum(c.requests_per_month for c in caching)
    hits = sum((c.cache_hit_rate or 0.0) * c.requests_per_month for c in caching if c.cache != "off")
    return hits / volume if volume else 0.0


def analyse(w: Workload, x: CachingInputs, cat: Catalogue, today: Bill | None = None) -> CachingResult:
    today = today if today is not None else price(w, cat)
    cached = apply(w, x, cat)
    after = price(cached, cat)
    uncached = price(_uncached(w, x), cat)
    at_zero = uncached.total - price(_cached(w, x, hit=0.0), cat).total
    at_one = uncached.total - price(_cached(w, x, hit=1.0), cat).total
    line = Line(a=at_zero, b=at_one - at_zero)
    root = line.root()
    h_star = None if root is None or not 0 <= root <= 1 else root
    if abs(line.b) <= 1e-12 * max(1.0, uncached.total) and line.a >= -1e-9 * max(1.0, uncached.total):
        h_star = 0.0 if any(cacheable(c, x) for c in w.classes) else None
    prices = _main_prices(w, cat)
    main = w.main_class
    tokens = main.input_tokens if main is not None else 0
    w_mult = r_mult = 1.0
    if prices is not None and prices.input.at(tokens) > 0:
        base = float(prices.input.at(tokens))
        w_mult = float(prices.rate("cache_write" if x.ttl == "5m" else "cache_write_1h", tokens)) / base
        r_mult = float(prices.rate("cache_read", tokens)) / base
    return CachingResult(
        today=today, after=after, uncached=uncached, cacheable=any(cacheable(c, x) for c in w.classes),
        hit_rate_today=_weighted_hit(w, x), hit_rate=_weighted_hit(cached, x), saving_vs_hit=line,
        break_even_hit_rate=h_star,
        break_even_reuses=h_star / (1 - h_star) if h_star is not None and h_star < 1 else None,
        write_multiplier=w_mult, read_multiplier=r_mult,
        naive_break_even_reuses=w_mult / (1 - r_mult) if r_mult < 1 and h_star is not None else None,
        storage_cost=storage_cost(w, x),
    )


def saving_vs_hit_rate(r: CachingResult, points: int = 101) -> pd.DataFrame:
    """Monthly saving against no caching at every hit rate (the same on every class that caches): the exact line."""
    h = np.linspace(0.0, 1.0, points)
    return pd.DataFrame({"hit_rate": h, "saving": r.saving_vs_hit.at(h)})


def _per_volume(w: Workload, x: CachingInputs, cat: Catalogue, ttl: str) -> tuple[float, float, float, float]:
    """For a TTL: (a, b, bill, storage) such that at traffic scaled by v the saving against no caching is
    v(a + b h) - storage and the uncached bill is v bill. Exact: without storage, bills scale with volume and are
    affine in h."""
    y = x.model_copy(update={"ttl": ttl, "storage_price": 0.0})
    uncached = price(_uncached(w, y), cat).total
    at_zero = uncached - price(_cached(w, y, hit=0.0), cat).total
    at_one = uncached - price(_cached(w, y, hit=1.0), cat).total
    return at_zero, at_one - at_zero, uncached, storage_cost(w, x)


def requests_per_hour_per_prefix(w: Workload, x: CachingInputs) -> float:
    """Traffic per prefix reaching the busiest cache of the classes that cache (for the charts)."""
    traffic = pool_traffic(w)
    busiest = max((traffic.get(cache_pool(c), 0.0) for c in w.classes if cacheable(c, x)), default=0.0)
    return busiest / x.distinct_prefixes / HOURS_PER_MONTH


def saving_vs_traffic(w: Workload, x: CachingInputs, cat: Catalogue, ttls: list[str],
                      points: int = 241) -> pd.DataFrame:
    """Share of the uncached bill caching saves, for each TTL, as traffic per prefix varies (the whole workload's
    volume scales with it). Exact by the bill's linearity in volume and hit rate."""
    current = requests_per_hour_per_prefix(w, x)
    rates = np.unique(np.concatenate([np.geomspace(0.01, 1e4, points), [current] if current > 0 else []]))
    v = rates / current if current > 0 else rates
    frame: dict[str, np.ndarray] = {"requests_per_hour_per_prefix": rates}
    for ttl in ttls:
        a, b, bill, storage = _per_volume(w, x, cat, ttl)
        h = traffic_hit_rate(rates, TTL_SECONDS[ttl])
        saving = v * (a + b * h) - storage
        frame[ttl] = np.divide(saving, v * bill, out=np.zeros_like(rates), where=v * bill > 0)
    return pd.DataFrame(frame)


def break_even_traffic(r: CachingResult, x: CachingInputs) -> float | None:
    """Requests per hour per prefix at which the hit rate from traffic reaches the break-even (storage aside)."""
    h = r.break_even_hit_rate
    if h is None or h >= 1:
        return None
    return -math.log1p(-h) / TTL_SECONDS[x.ttl] * 3600.0


def ttl_crossover(w: Workload, x: CachingInputs, cat: Catalogue) -> float | None:
    """Requests per hour per prefix above which the 1-hour TTL saves more than the 5-minute one (brentq on the
    difference of the two exact saving curves). None when one TTL is offered or they never cross."""
    prices = _main_prices(w, cat)
    if prices is None or "1h" not in ttl_options(prices) or not any(cacheable(c, x) for c in w.classes):
        return None
    current = requests_per_hour_per_prefix(w, x)
    if current <= 0:
        return None
    lines = {ttl: _per_volume(w, x, cat, ttl) for ttl in ("5m", "1h")}

    def gap(log_rate: float) -> float:
        rate = math.exp(log_rate)
        v = rate / current
        (a5, b5, _, _), (a1, b1, _, _) = lines["5m"], lines["1h"]
        return v * ((a1 + b1 * float(traffic_hit_rate(rate, 3600.0)))
                    - (a5 + b5 * float(traffic_hit_rate(rate, 300.0))))

    from scipy.optimize import brentq  # here, not at the top: scipy.optimize costs ~0.4 s of a cold start

    grid = np.linspace(math.log(1e-3), math.log(1e6), 200)  # bracket only; brentq solves the root
    values = [gap(g) for g in grid]
    for lo, hi, f_lo, f_hi in zip(grid[:-1], grid[1:], values[:-1], values[1:], strict=True):
        if f_lo == 0:
            return math.exp(lo)
        if f_lo * f_hi < 0:
            return math.exp(brentq(gap, lo, hi, xtol=1e-12))
    return None


EXPLANATION = r"""
**What is cached.** The workload's shared prefix (sidebar anatomy: the part of every prompt that repeats exactly,
such as the system prompt and tool definitions). A **miss** writes it at the TTL's write price (Anthropic: 1.25x
input for 5 minutes, 2x for 1 hour; OpenAI and Gemini: no premium); a **hit** reads it at the cache-read price
(0.05x to 0.5x input by model). The rest of the prompt and the answer are billed as before.

**Money.** Today's bill and the bill with caching both come from the one pricing function, so long-context tiers
(a cache read above 200k input tokens is billed at the higher tier too), batch prices and context windows apply.
Monthly saving = today's bill − the bill with caching (− storage, for explicit caches that bill it:
prefixes × prefix tokens × storage price × 730 h).

**Hit rate from traffic**: with requests arriving at random (Poisson) at λ per hour per prefix and a TTL of *T* that
every request refreshes, a request finds the cache warm when the previous one came within *T*: *h* = 1 − e^(−λ*T*).

**Break-even hit rate.** The bill is a straight line in the hit rate, so pricing the workload at *h* = 0 and *h* = 1
gives the saving at every *h*; the break-even *h\** is where it crosses zero. Without tiers or storage it is
(*w* − 1) / (*w* − *r*) with *w* and *r* the write and read prices over the input price.
**Reads needed per write to break even** = *h\** / (1 − *h\**) = (*w* − 1) / (1 − *r*): only the write *premium* is
overhead, because the miss would have paid the input price anyway. Counting the whole write price as overhead gives
*w* / (1 − *r*), which overstates the break-even by about one reuse.

**Which TTL.** The 1-hour write costs more per miss but misses far less often when requests are minutes apart; the
crossover is where the two saving curves meet (solved with a root-finder). A prefix shorter than the provider's
minimum is never cached: no premium is charged and nothing is saved.
"""
