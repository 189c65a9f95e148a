"""One pricing function: a workload in, money per month out, by call class and token category.

`price(workload, catalogue)` is the only place tokens become money. Every figure on every page is a bill
from it, or the difference of two: a lever's saving is `price(before) - price(after)`.

How a call is billed (the providers' rules, as genai-prices encodes them):
- each token category at its own rate: uncached input, cache writes (5-minute or 1-hour TTL), cache reads,
  output; reasoning tokens at the output rate;
- long-context tiers are cliffs: the tier is chosen by the call's whole input (cache reads and writes
  included) and then prices every token of that call, output included;
- batch and flex calls use that tier's published rate set, cache prices included; the bill shows the
  categories at standard rates and the tier's discount as its own line, so the lines add up;
- a class with a call whose input and output (reasoning included) do not fit the model's context window is
  *refused*: the API would reject that call, so the class is not priced (kept out of the total, listed with the
  reason), never counted as if it fit;
- a model with no price is "unpriced": its calls are listed, never counted as free;
- a class whose largest call crosses a long-context tier of its model, or comes within `NEAR_TIER` below one, carries
  a `TierNotice`: the tier prices every token of the call, so the bill says where the money changes shape.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache, wraps
from typing import TypeVar

import numpy as np
import pandas as pd

from calculators.prices import Catalogue, ModelPrices, RateSet, TieredRate
from calculators.text import plain
from calculators.workload import (
    CATEGORY_LABEL, KINDS, RATE_FIELD, TOKEN_CATEGORIES, CallClass, CallRows, Overhead, RequestRows, Workload, built,
    class_rows, completed_of, copied, derived_hit_rates, join_rows, read_only,
)

TIER_DISCOUNT = "tier_discount"
NEAR_TIER = 0.05  # a call this close below a long-context threshold (share of it) is one edit away from the cliff
# Anthropic sells Claude Sonnet 4.5 calls beyond its listed 200k window: the 1M-token context option, billed at the
# >200k rates genai-prices lists (docs.anthropic.com, "Context windows"). Its listed window is not its limit.
LONG_CONTEXT_OPTION: dict[str, int] = {"claude-sonnet-4-5": 1_000_000}
OVERHEAD = "overhead"
LINE_LABEL = CATEGORY_LABEL | {TIER_DISCOUNT: "batch/flex discount", OVERHEAD: "other costs"}


@dataclass(frozen=True)
class ClassBill:
    """One call class's month: volumes, tokens and money by category (at standard-tier rates; the tier's
    discount is its own line), and its total."""

    name: str
    model_key: str
    model_label: str
    tier: str
    tier_priced: bool  # False: the model publishes no such tier, so the class is billed at standard rates
    requests: float
    completed: float
    calls: float
    money: dict[str, float]
    tier_discount: float
    total: float
    priced: bool  # False: its money is not in the bill (the model has no price, or the class is refused); it is 0 here
    rows: CallRows = field(repr=False, compare=False)  # its billed-call rows
    refused: Overflow | None = None  # the call that does not fit the context window: the class is not priced
    tier_notice: TierNotice | None = None  # its largest call crosses, or nearly crosses, a long-context tier

    @cached_property
    def tokens(self) -> dict[str, float]:
        """Tokens a month by category (counted when a table asks: pricing does not need them)."""
        return {cat: float(np.dot(self.rows.calls, self.rows.tokens[cat])) for cat in TOKEN_CATEGORIES}

    @property
    def per_request(self) -> float:
        return self.total / self.requests if self.requests > 0 else 0.0

    @property
    def per_completed(self) -> float | None:
        return self.total / self.completed if self.completed > 0 else None


def _tokens_short(n: int) -> str:
    """200,000 -> '200k', 1,000,000 -> '1M'; other counts in full ('524,288')."""
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    return f"{n // 1_000}k" if n % 1_000 == 0 else f"{n:,}"


def _count(n: float, noun: str = "token") -> str:
    return f"{n:,.0f} {noun}{'' if round(n) == 1 else 's'}"


@dataclass(frozen=True)
class Overflow:
    """The first call of a class that does not fit its model's context window: the API would reject it, so the bill
    refuses to price the class."""

    class_name: str
    step: int
    kind: str
    tokens: float
    window: int
    model_label: str = ""

    def message(self) -> str:
        """One sentence for wherever the bill is shown (Markdown)."""
        where = ("" if self.kind == "call" and self.step == 1 else f" at step {self.step:,}" if self.kind == "call"
                 else f" (a retry at step {self.step:,})" if self.kind == "retry"
                 else f" (the summary call after step {self.step:,})")
        model = f" ({plain(self.model_label)})" if self.model_label else ""
        return (f"**{plain(self.class_name)}**{model}: a request of {self.tokens:,.0f} tokens{where} does not fit its "
                f"{self.window:,}-token context window; the API would reject it, so this class is not priced.")


@dataclass(frozen=True)
class TierNotice:
    """A class's largest call against a long-context tier of its model: above the threshold (the tier then prices
    every token of the call, not only the excess) or within NEAR_TIER below it. Multiples are the tier's price over
    the base price, from the catalogue."""

    class_name: str
    model_label: str
    threshold: int  # input tokens (cached or not) above which the tier applies
    input_tokens: float  # of the class's largest call
    input_multiple: float | None  # tier price / base price; None where the base price is 0
    output_multiple: float | None
    calls_share: float  # share of the class's calls above the threshold (0 when near)

    @property
    def crossed(self) -> bool:
        return self.input_tokens > self.threshold

    def _multiple(self) -> str:
        def x(m: float) -> str:
            return f"x{m:.3g}"

        i, o = self.input_multiple, self.output_multiple
        if i is not None and o is not None and abs(i - o) > 1e-9:
            return f"input {x(i)}, output {x(o)}"
        m = i if i is not None else o
        return x(m) if m is not None else "a different price"

    def message(self) -> str:
        """One sentence for wherever the bill is shown (Markdown), with the real numbers."""
        tier = _tokens_short(self.threshold)
        head = f"**{plain(self.class_name)}** ({plain(self.model_label)}): "
        if self.crossed:
            share = "" if self.calls_share >= 1 - 1e-9 else f" That is {self.calls_share:.0%} of its calls."
            return (head + f"{_count(self.input_tokens - self.threshold)} over {tier}: every token of this request is "
                    f"billed at the >{tier} price ({self._multiple()}).{share}")
        below = self.threshold - self.input_tokens
        where = f"{_count(below)} below the {tier} tier" if below >= 0.5 else f"exactly at the {tier} tier"
        return (head + f"{where}: {_count(below + 1, 'more input token')} and every token of the request is billed at "
                f"the >{tier} price ({self._multiple()}).")


@dataclass(frozen=True)
class Bill:
    classes: tuple[ClassBill, ...]
    overheads: tuple[Overhead, ...]
    # Each class's rows and their money (TOKEN_CATEGORIES x rows), at the rates the rows are billed at; joined into
    # `rows` and `row_money` only when a page asks for them.
    parts: tuple[tuple[CallRows, np.ndarray], ...] = field(repr=False)

    @cached_property
    def rows(self) -> CallRows:
        """Every kind of call a month of this workload bills (the classes' rows, joined)."""
        return join_rows([rows for rows, _ in self.parts])

    @cached_property
    def row_money(self) -> dict[str, np.ndarray]:
        """Per row and category, at the rates the row is billed at. A refused class's rows keep the price its calls
        would have (a shorter agent task reads its steps off them); the class's own money and the total leave it out."""
        if not self.parts:
            return {cat: np.zeros(0) for cat in TOKEN_CATEGORIES}
        joined = np.concatenate([money for _, money in self.parts], axis=1)
        return {cat: joined[i] for i, cat in enumerate(TOKEN_CATEGORIES)}

    @cached_property
    def total(self) -> float:
        """Priced classes and other costs; a class that is unpriced or refused is left out (see `not_priced`)."""
        return float(sum(c.total for c in self.classes) + sum(o.usd_per_month for o in self.overheads))

    @property
    def token_total(self) -> float:
        return float(sum(c.total for c in self.classes))

    @property
    def overhead_total(self) -> float:
        return float(sum(o.usd_per_month for o in self.overheads))

    @property
    def requests(self) -> float:
        return float(sum(c.requests for c in self.classes))

    @property
    def completed(self) -> float:
        return float(sum(c.completed for c in self.classes))

    @property
    def calls(self) -> float:
        return float(sum(c.calls for c in self.classes))

    @property
    def per_request(self) -> float:
        """Per request of the priced classes (the requests of a class left out would dilute it with $0)."""
        priced = sum(c.requests for c in self.classes if c.priced)
        return self.total / priced if priced > 0 else 0.0

    @property
    def per_completed(self) -> float | None:
        priced = sum(c.completed for c in self.classes if c.priced)
        return self.total / priced if priced > 0 else None

    @property
    def unpriced(self) -> tuple[str, ...]:
        """Classes whose model has no price."""
        return tuple(c.name for c in self.classes if not c.priced and c.refused is None)

    @property
    def overflows(self) -> tuple[Overflow, ...]:
        """Classes refused because a call does not fit the context window, with that call."""
        return tuple(c.refused for c in self.classes if c.refused is not None)

    @property
    def not_priced(self) -> tuple[str, ...]:
        """Every class left out of the total: unpriced or refused."""
        return tuple(c.name for c in self.classes if not c.priced)

    @property
    def nothing_priced(self) -> bool:
        """Call classes, none of them priced: the bill is unknown, not zero."""
        return bool(self.classes) and not any(c.priced for c in self.classes)

    @property
    def tier_notices(self) -> tuple[TierNotice, ...]:
        return tuple(c.tier_notice for c in self.classes if c.tier_notice is not None)

    def category(self, name: str) -> float:
        """Money a month in one line: a token category (at standard rates), the tier discount, or overheads."""
        if name == OVERHEAD:
            return self.overhead_total
        if name == TIER_DISCOUNT:
            return float(sum(c.tier_discount for c in self.classes))
        return float(sum(c.money[name] for c in self.classes))

    def lines(self) -> dict[str, float]:
        """Every line of the bill; they add up to `total`."""
        return {name: self.category(name) for name in (*TOKEN_CATEGORIES, TIER_DISCOUNT, OVERHEAD)}

    def tokens(self, name: str) -> float:
        return float(sum(c.tokens[name] for c in self.classes))

    def frame(self) -> pd.DataFrame:
        """The bill as a table: one row per call class and line, money and tokens a month."""
        records = []
        for c in self.classes:
            for cat in TOKEN_CATEGORIES:
                records.append({"call class": c.name, "model": c.model_key, "line": LINE_LABEL[cat],
                                "tokens per month": c.tokens[cat], "per month": c.money[cat]})
            if c.tier_discount:
                records.append({"call class": c.name, "model": c.model_key, "line": LINE_LABEL[TIER_DISCOUNT],
                                "tokens per month": 0.0, "per month": c.tier_discount})
        for o in self.overheads:
            records.append({"call class": o.name, "model": "", "line": LINE_LABEL[OVERHEAD],
                            "tokens per month": 0.0, "per month": o.usd_per_month})
        return pd.DataFrame(records, columns=["call class", "model", "line", "tokens per month", "per month"])

    def class_frame(self) -> pd.DataFrame:
        """One row per call class: model, tier, volumes and money (none for a class that is not priced)."""
        return pd.DataFrame([{
            "call class": c.name, "model": c.model_label, "tier": c.tier, "requests per month": c.requests,
            "model calls per month": c.calls, "per request": c.per_request if c.priced else float("nan"),
            "per month": c.total if c.priced else float("nan"),
        } for c in self.classes])

    def step_frame(self, class_index: int) -> pd.DataFrame:
        """One class's calls step by step (agent tasks): tokens of one call and money a month by category."""
        r = self.rows
        mask = r.cls == class_index
        frame = {"step": r.step[mask], "call": [KINDS[k] for k in r.kind[mask]], "calls per month": r.calls[mask],
                 "input tokens": r.total_input[mask]}
        for cat in TOKEN_CATEGORIES:
            frame[cat] = self.row_money[cat][mask]
        frame["total"] = sum(self.row_money[cat][mask] for cat in TOKEN_CATEGORIES)
        return pd.DataFrame(frame)


class UnknownModel(KeyError):
    pass


def model_prices(w: Workload, catalogue: Catalogue, key: str) -> ModelPrices | None:
    """A model's prices: the workload's own (a self-hosted model) first, then the catalogue; None if unpriced."""
    for m in w.custom_models:
        if m.key == key:
            return m
    try:
        return catalogue.get(key)
    except KeyError:
        return None


@dataclass(frozen=True)
class _RateRows:
    """A rate set's prices of each token category (TOKEN_CATEGORIES order), as the pricing of a class reads them."""

    tiered: tuple[TieredRate, ...]
    base: np.ndarray  # (categories, 1): every call's rates where no call crosses a long-context threshold
    lowest: float | None  # the lowest threshold of any of them; None: no long-context tiers
    base_values: tuple[float, ...]  # `base` as Python floats

    @classmethod
    def of(cls, rates: RateSet) -> _RateRows:
        tiered = tuple(rates.tiered(RATE_FIELD[cat]) for cat in TOKEN_CATEGORIES)
        thresholds = [threshold for t in tiered for threshold, _ in t.tiers]
        base = np.array([[t.base] for t in tiered])
        base.flags.writeable = False
        return cls(tiered, base, min(thresholds) if thresholds else None, tuple(base[:, 0].tolist()))

    def at_one(self, total_input: float) -> tuple[float, ...]:
        """`at` for calls that all send `total_input` input tokens (a single call and its retry), as Python floats: each
        category's rate, the same values."""
        if self.lowest is None or total_input <= self.lowest:
            return self.base_values
        out = []
        for t in self.tiered:
            rate = float(t.base)
            for threshold, tier_price in t.tiers:  # ascending, so the highest crossed tier wins (TieredRate.at)
                if total_input > threshold:
                    rate = float(tier_price)
            out.append(rate)
        return tuple(out)

    def at(self, total_input: np.ndarray, largest: float) -> np.ndarray:
        """USD per MTok of each category (rows) for each call (columns, or one column for all where no call crosses a
        threshold); `largest`: the largest of total_input."""
        if self.lowest is None or len(total_input) == 0 or largest <= self.lowest:
            return self.base
        at: dict[int, np.ndarray] = {}  # output and reasoning share one rate
        return np.array([at.setdefault(id(t), t.at(total_input)) for t in self.tiered])


@dataclass(frozen=True)
class _ModelRates:
    """One model's rates for one service tier, looked up once (see `_model_rates`)."""

    rates: RateSet  # what the class is billed at: the tier's rate set, or standard where the model has none
    billed: _RateRows
    at_standard: _RateRows | None  # the categories' standard rates where the billed ones are not (a batch tier)
    tier_priced: bool
    notice_thresholds: tuple[int, ...]  # long-context thresholds of its input and output rates, ascending
    limit: int | None  # context_limit
    label: str  # the model's label (ModelPrices.label)


@lru_cache(maxsize=1024)
def _model_rates(same_prices: Same, tier: str) -> _ModelRates:
    prices: ModelPrices = same_prices.obj
    standard = prices.standard
    tier_rates = standard if tier == "standard" else prices.rates(tier)
    rates = tier_rates or standard
    billed = _RateRows.of(rates)
    return _ModelRates(rates=rates, billed=billed,
                       at_standard=None if rates is standard else _RateRows.of(standard),
                       tier_priced=tier_rates is not None,
                       notice_thresholds=tuple(sorted({t for rate in (rates.input, rates.output)
                                                       for t, _ in rate.tiers})),
                       limit=context_limit(prices), label=prices.label)


def _money(rates: _RateRows, rows: CallRows) -> np.ndarray:
    """Money a month of each call row (columns) in each token category (rows, in TOKEN_CATEGORIES order)."""
    shape = rows.per_request
    tokens = shape.token_matrix if shape is not None else np.array([rows.tokens[cat] for cat in TOKEN_CATEGORIES])
    largest = shape.largest_input if shape is not None else float(rows.total_input.max(initial=0.0))
    return rows.calls * tokens * rates.at(rows.total_input, largest) / 1e6


def _one_call_money(rates: _RateRows, shape: RequestRows, calls: list[float]) -> tuple[list[float], np.ndarray]:
    """`_category_sums(_money(rates, rows))` and `_money(rates, rows)` of a single call's rows (the call, and its retry
    row with the same tokens) on Python floats: the same products in the same order (calls x tokens x rate / 1e6), so
    bit for bit the same numbers without numpy's cost per operation on arrays of one or two elements.
    tests/test_pricing_exact.py holds the two paths to each other."""
    rate = rates.at_one(shape.largest_input)
    if len(calls) == 1:
        one = calls[0]
        sums = [one * t * rt / 1e6 for t, rt in zip(shape.call_tokens, rate)]
        return sums, read_only(sums).reshape(len(sums), 1)
    first, retry = calls
    flat, sums = [], []
    for t, rt in zip(shape.call_tokens, rate):
        a, b = first * t * rt / 1e6, retry * t * rt / 1e6
        flat += (a, b)
        sums.append(a + b)
    return sums, read_only(flat).reshape(len(sums), 2)


def _row_sum(values: np.ndarray) -> float:
    """float(values.sum()): a single call's row and its retry row added on Python floats (numpy adds two numbers in that
    order too), longer rows by numpy."""
    if len(values) <= 2:
        return float(sum(values.tolist()))
    return float(values.sum())


def _category_sums(money: np.ndarray) -> list[float]:
    """money.sum(axis=1) as Python floats (so the total adds them in the same order at less cost): one or two rows
    added without a numpy reduction."""
    n = money.shape[1]
    if n == 1:
        return money[:, 0].tolist()
    if n == 2:
        return (money[:, 0] + money[:, 1]).tolist()
    return money.sum(axis=1).tolist()


def context_limit(prices: ModelPrices) -> int | None:
    """The most tokens one call to this model may hold (input, output and reasoning); None: unknown, not checked."""
    return max(prices.context_window or 0, LONG_CONTEXT_OPTION.get(prices.model_id, 0)) or None


def _first_overflow(c: CallClass, rows: CallRows, limit: int | None, label: str) -> Overflow | None:
    if limit is None or (rows.per_request is not None and rows.per_request.largest_context <= limit):
        return None
    over = rows.context > limit
    if not over.any():
        return None
    first = int(np.argmax(over))
    return Overflow(c.name, int(rows.step[first]), KINDS[int(rows.kind[first])], float(rows.context[first]), limit,
                    label)


def _tier_notice(c: CallClass, rows: CallRows, rates: RateSet, thresholds: tuple[int, ...],
                 label: str) -> TierNotice | None:
    """The class's largest call against its rate set's long-context thresholds (see TierNotice)."""
    if not thresholds or len(rows.calls) == 0:
        return None
    total_input = rows.total_input
    largest = rows.per_request.largest_input if rows.per_request is not None else float(total_input.max())
    crossed = [t for t in thresholds if largest > t]
    if crossed:
        threshold, at = crossed[-1], largest
        weight = float(rows.calls.sum())
        share = float(rows.calls[total_input > threshold].sum()) / weight if weight > 0 else 1.0
    else:
        threshold, at, share = thresholds[0], thresholds[0] + 1, 0.0
        if largest < threshold * (1 - NEAR_TIER):
            return None

    def multiple(rate) -> float | None:
        return float(rate.at(at)) / rate.base if rate.base > 0 else None

    return TierNotice(c.name, label, threshold, largest, multiple(rates.input), multiple(rates.output), share)


class Same:
    """A cache key that is its object's identity, holding it (so the id stays its own): a model's prices hash field by
    field, rate sets included, which costs more than pricing many a class. The catalogue's models are long-lived
    objects; an equal copy is priced again, never wrongly."""

    __slots__ = ("obj",)

    def __init__(self, obj: object) -> None:
        self.obj = obj

    def __hash__(self) -> int:
        return id(self.obj)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Same) and other.obj is self.obj


R = TypeVar("R")


def by_identity(size: int) -> Callable[[Callable[..., R]], Callable[..., R]]:
    """Keep the last `size` results of a pure function of immutable objects (workloads, inputs, the catalogue), keyed by
    the objects themselves (see Same): within one evaluation of the Overview a lever's `idle`, `apply` and `caveat`
    ask for the same things of the same workload object. Bounded and thread-safe; an equal copy is computed again."""

    def wrap(fn: Callable[..., R]) -> Callable[..., R]:
        memo: OrderedDict[tuple[Same, ...], R] = OrderedDict()
        lock = threading.Lock()  # sessions rerun in threads

        @wraps(fn)
        def cached(*args: object) -> R:
            key = tuple(map(Same, args))
            with lock:
                if key in memo:
                    memo.move_to_end(key)
                    return memo[key]
            result = fn(*args)
            with lock:
                memo[key] = result
                while len(memo) > size:
                    memo.popitem(last=False)
            return result

        return cached

    return wrap


def _class_bill(c: CallClass, prices: ModelPrices | None,
                hit: float | None = None) -> tuple[ClassBill, CallRows, np.ndarray]:
    """One class's month at one model's prices: its ClassBill, its rows, and their money (TOKEN_CATEGORIES x rows).
    `hit`: its derived hit rate in its workload (workload.derived_hit_rates), None where it keeps its own."""
    return _class_bill_at(c, hit, Same(prices))


@lru_cache(maxsize=8192)  # a lever changes a few classes at a time: the others are priced once
def _class_bill_at(c: CallClass, hit: float | None, same_prices: Same) -> tuple[ClassBill, CallRows, np.ndarray]:
    prices: ModelPrices | None = same_prices.obj
    rows = class_rows(c if hit is None else copied(c, cache_hit_rate=hit))
    n_calls = _row_sum(rows.calls)
    if prices is None:
        nothing = dict.fromkeys(TOKEN_CATEGORIES, 0.0)
        unpriced = built(ClassBill, name=c.name, model_key=c.model_key, model_label=c.model_key, tier=c.tier,
                         tier_priced=False, requests=c.requests_per_month, completed=completed_of(c, rows),
                         calls=n_calls, rows=rows, money=nothing, tier_discount=0.0, total=0.0, priced=False,
                         refused=None, tier_notice=None)
        return unpriced, rows, np.zeros((len(TOKEN_CATEGORIES), len(rows.calls)))
    r = _model_rates(same_prices, c.tier)
    label = r.label
    shape = rows.per_request
    if shape.call_tokens is not None:  # a single call (and its retry): on Python floats, see _one_call_money
        calls = rows.calls.tolist()
        billed_sums, billed = _one_call_money(r.billed, shape, calls)
    else:
        billed = _money(r.billed, rows)
    refused = _first_overflow(c, rows, r.limit, label)
    common = {"name": c.name, "model_key": c.model_key, "model_label": label, "tier": c.tier,
              "tier_priced": c.tier == "standard" or r.tier_priced, "requests": c.requests_per_month,
              "completed": completed_of(c, rows), "calls": n_calls, "rows": rows}
    if refused is not None:  # the API would reject a call of every such task: no money, and the reason
        return (built(ClassBill, **common, money=dict.fromkeys(TOKEN_CATEGORIES, 0.0), tier_discount=0.0, total=0.0,
                      priced=False, refused=refused, tier_notice=None), rows, billed)
    if shape.call_tokens is not None:
        at_standard = billed_sums if r.at_standard is None else _one_call_money(r.at_standard, shape, calls)[0]
    else:
        billed_sums = _category_sums(billed)
        at_standard = billed_sums if r.at_standard is None else _category_sums(_money(r.at_standard, rows))
    money = dict(zip(TOKEN_CATEGORIES, at_standard))
    total = float(sum(billed_sums))
    notice = _tier_notice(c, rows, r.rates, r.notice_thresholds, label)
    return built(ClassBill, **common, money=money, tier_discount=total - sum(money.values()), total=total, priced=True,
                 refused=None, tier_notice=notice), rows, billed


def price(w: Workload, catalogue: Catalogue, *, served_by: ModelPrices | None = None) -> Bill:
    """Money per month for the workload, by call class and line (see the module docstring).

    `served_by`: every class billed at this model's prices rather than its own model's (the comparison of every
    model: the classes, moved once to a stand-in key, expand their calls once for all the models)."""
    return _price(w, catalogue, served_by)


@by_identity(32)  # a lever's idle, apply and caveat, and the waterfall's step, price the same workload object
def _price(w: Workload, catalogue: Catalogue, served_by: ModelPrices | None) -> Bill:
    parts = [_class_bill(c, served_by or model_prices(w, catalogue, c.model_key), hit)
             for c, hit in zip(w.classes, derived_hit_rates(w))]
    return Bill(classes=tuple(b for b, _, _ in parts), overheads=w.overheads,
                parts=tuple((rows, money) for _, rows, money in parts))


def newly_refused(before: Bill, after: Bill) -> tuple[Overflow, ...]:
    """Classes `after` refuses (a call does not fit the window) that `before` did not refuse, by name. Their money
    leaves `after`'s total because the API would reject them, not because anything got cheaper."""
    was = {o.class_name for o in before.overflows}
    return tuple(o for o in after.overflows if o.class_name not in was)


def newly_fitting(before: Bill, after: Bill) -> tuple[str, ...]:
    """Classes `before` refused that `after` prices: their cost enters `after`'s total."""
    now = {c.name for c in after.classes if c.priced}
    return tuple(o.class_name for o in before.overflows if o.class_name in now)
