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
- a call whose input and output do not fit the model's context window is flagged (the API would reject it);
- a model with no price is "unpriced": its calls are listed, never counted as free.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import numpy as np
import pandas as pd

from calculators.prices import Catalogue, ModelPrices, RateSet
from calculators.workload import (
    CATEGORY_LABEL, KINDS, RATE_FIELD, TOKEN_CATEGORIES, CallClass, CallRows, Overhead, Workload, calls, class_rows,
    completed_tasks, resolve_hit_rates,
)

TIER_DISCOUNT = "tier_discount"
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
    tokens: dict[str, float]
    money: dict[str, float]
    tier_discount: float
    total: float
    priced: bool  # False: the model has no price; its money is 0 and the bill says so

    @property
    def per_request(self) -> float:
        return self.total / self.requests if self.requests > 0 else 0.0

    @property
    def per_completed(self) -> float | None:
        return self.total / self.completed if self.completed > 0 else None


@dataclass(frozen=True)
class Overflow:
    """Calls of a class that do not fit the model's context window."""

    class_name: str
    step: int
    kind: str
    tokens: float
    window: int


@dataclass(frozen=True)
class Bill:
    classes: tuple[ClassBill, ...]
    overheads: tuple[Overhead, ...]
    rows: CallRows
    row_money: dict[str, np.ndarray] = field(repr=False)  # per row and category, at the rates actually billed
    overflows: tuple[Overflow, ...] = ()

    @cached_property
    def total(self) -> float:
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
        """Per request of the priced classes (an unpriced class's requests would dilute it with $0)."""
        priced = sum(c.requests for c in self.classes if c.priced)
        return self.total / priced if priced > 0 else 0.0

    @property
    def per_completed(self) -> float | None:
        priced = sum(c.completed for c in self.classes if c.priced)
        return self.total / priced if priced > 0 else None

    @property
    def unpriced(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.classes if not c.priced)

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
        """One row per call class: model, tier, volumes and money."""
        return pd.DataFrame([{
            "call class": c.name, "model": c.model_label, "tier": c.tier, "requests per month": c.requests,
            "model calls per month": c.calls, "per request": c.per_request, "per month": c.total,
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


def _money(rates: RateSet, rows: CallRows) -> dict[str, np.ndarray]:
    total_input = rows.total_input
    return {cat: rows.calls * rows.tokens[cat] * rates.rate(RATE_FIELD[cat], total_input) / 1e6
            for cat in TOKEN_CATEGORIES}


@lru_cache(maxsize=8192)  # a lever changes a few classes at a time: the others are priced once
def _class_bill(c: CallClass, prices: ModelPrices | None) -> tuple[ClassBill, dict[str, np.ndarray], Overflow | None]:
    """One class's month at one model's prices: its ClassBill, its rows' money by category, and its first call that
    does not fit the context window (if any)."""
    rows = class_rows(c)
    tokens = {cat: float(np.dot(rows.calls, rows.tokens[cat])) for cat in TOKEN_CATEGORIES}
    n_calls = float(rows.calls.sum())
    if prices is None:
        zero = {cat: np.zeros(len(rows.calls)) for cat in TOKEN_CATEGORIES}
        return ClassBill(
            name=c.name, model_key=c.model_key, model_label=c.model_key, tier=c.tier, tier_priced=False,
            requests=c.requests_per_month, completed=completed_tasks(c), calls=n_calls, tokens=tokens,
            money={cat: 0.0 for cat in TOKEN_CATEGORIES}, tier_discount=0.0, total=0.0, priced=False), zero, None
    standard = prices.standard
    tier_rates = prices.rates(c.tier)
    billed = _money(tier_rates or standard, rows)
    at_standard = billed if c.tier == "standard" or tier_rates is None else _money(standard, rows)
    money = {cat: float(at_standard[cat].sum()) for cat in TOKEN_CATEGORIES}
    total = float(sum(billed[cat].sum() for cat in TOKEN_CATEGORIES))
    overflow = None
    if prices.context_window:
        over = rows.context > prices.context_window
        if over.any():
            first = int(np.argmax(over))
            overflow = Overflow(c.name, int(rows.step[first]), KINDS[int(rows.kind[first])],
                                float(rows.context[first]), prices.context_window)
    bill = ClassBill(
        name=c.name, model_key=c.model_key, model_label=prices.label, tier=c.tier,
        tier_priced=c.tier == "standard" or tier_rates is not None, requests=c.requests_per_month,
        completed=completed_tasks(c), calls=n_calls, tokens=tokens, money=money,
        tier_discount=total - sum(money.values()), total=total, priced=True)
    return bill, billed, overflow


def price(w: Workload, catalogue: Catalogue) -> Bill:
    """Money per month for the workload, by call class and line (see the module docstring)."""
    w = resolve_hit_rates(w)
    parts = [_class_bill(c, model_prices(w, catalogue, c.model_key)) for c in w.classes]
    rows = calls(w)
    if parts:
        row_money = {cat: np.concatenate([money[cat] for _, money, _ in parts]) for cat in TOKEN_CATEGORIES}
    else:
        row_money = {cat: np.zeros(0) for cat in TOKEN_CATEGORIES}
    return Bill(classes=tuple(b for b, _, _ in parts), overheads=w.overheads, rows=rows, row_money=row_money,
                overflows=tuple(o for _, _, o in parts if o is not None))
