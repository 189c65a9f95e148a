"""Your workload on every model, cheapest first.

Every call class of the workload moves to the candidate model and the moved workload is priced by the one bill (`bill.price`), so a row is exactly the bill
the sidebar would show on that model:
- cache settings carry over: a class that caches its prefix still does, at the hit rate you observe today (or, where
  none is set, the one derived from its traffic), so every row is on today's basis; a model without cache prices
  bills cached tokens at its input price;
- the service tier carries over where the model publishes it (batch, flex), else the class pays standard rates, and
  the row says so;
- a model whose context window the workload's largest call does not fit is listed last, with no price: the API would
  reject the call, so it is never offered as cheap.
Quality is not compared: a cheaper model may fail the task.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from calculators.bill import Bill, context_limit, price
from calculators.prices import Catalogue, ModelPrices
from calculators.workload import Workload, calls, resolve_hit_rates

COLUMNS = ("key", "model", "provider", "per month", "per request", "vs today", "context window", "fits window",
           "tier", "cache", "today")
MONEY_COLUMNS = ("per month", "per request")
FITS, DOES_NOT_FIT, UNKNOWN_FIT = "yes", "no", "unknown"  # unknown: the model publishes no context window
STAND_IN = "comparison/candidate"  # the key every class moves to once; each candidate's prices are then applied


def on_model(w: Workload, key: str) -> Workload:
    """The workload with every call class served by one model, keeping the cache hit rate you observe today.

    Unlike a lever moving traffic (`moved_to` derives a new cache's hit rate from the traffic), a comparison puts
    every row on the same basis as today's: with a rate derived for the candidates and an observed one for today,
    the very same model sold by another host would look cheaper or dearer for no reason but the assumption."""
    return w.map(lambda c: c.model_copy(update={"model_key": key}))


def _tier_note(bill: Bill, tiers: set[str]) -> str:
    """The tier the rows are billed at: the workload's own where the model prices it, else standard."""
    if not tiers:
        return "standard"
    missing = sorted({c.tier for c in bill.classes if c.tier != "standard" and not c.tier_priced})
    if not missing:
        return " + ".join(sorted(tiers))
    return f"standard: no {' or '.join(missing)} price"


def _cache_note(m: ModelPrices, caches: bool) -> str:
    if not caches:
        return "not used"
    return "cache prices" if m.cache_read is not None else "input price"  # no cache price: cached tokens as input


def current_text_models(catalogue: Catalogue) -> tuple[ModelPrices, ...]:
    """The models a workload can move to today: text generation, not deprecated."""
    return tuple(m for m in catalogue.text_models() if not m.deprecated)


def largest_call(w: Workload) -> float:
    """Tokens of the workload's largest call (input, output and reasoning): what must fit a model's window."""
    rows = calls(w)
    return float(rows.context.max()) if len(rows.context) else 0.0


def compare(w: Workload, catalogue: Catalogue, models: Iterable[ModelPrices] | None = None) -> pd.DataFrame:
    """One row per candidate model (default: every current text-generation model in the catalogue, deprecated ones left
    out; today's models are always included): the workload's monthly bill on it, per request, against today's bill,
    and whether its largest call fits the model's context window. Sorted by monthly cost; models it does not fit come
    last, unpriced."""
    candidates = list(current_text_models(catalogue) if models is None else models)
    today_keys = {c.model_key for c in w.classes}
    listed = {m.key for m in candidates}
    known = set(catalogue.keys())
    candidates += [catalogue.get(k) for k in sorted(today_keys - listed) if k in known]
    today = price(w, catalogue)
    today_usd = today.total if not today.overflows and today.total > 0 else None
    tiers = {c.tier for c in w.classes if c.tier != "standard"}
    caches = any(c.cache != "off" or (c.loop is not None and c.loop.history_caching) for c in w.classes)
    only_model = next(iter(today_keys)) if len(today_keys) == 1 else None

    # A derived hit rate depends on the traffic, not the model, so the classes move once, to a stand-in, and each
    # candidate's prices bill them; a model some classes already use is priced by moving the rest to it.
    moved = resolve_hit_rates(on_model(w, STAND_IN))
    records = []
    for m in candidates:
        bill = price(on_model(w, m.key), catalogue) if m.key in today_keys else price(moved, catalogue, served_by=m)
        fits = not bill.overflows
        records.append({
            "key": m.key, "model": catalogue.picker_label(m.key), "provider": m.provider_name,
            "per month": bill.total if fits else np.nan, "per request": bill.per_request if fits else np.nan,
            "vs today": bill.total / today_usd - 1 if fits and today_usd else np.nan,
            "context window": m.context_window,
            "fits window": DOES_NOT_FIT if not fits else FITS if context_limit(m) else UNKNOWN_FIT,
            "tier": _tier_note(bill, tiers), "cache": _cache_note(m, caches), "today": m.key == only_model,
        })
    frame = pd.DataFrame.from_records(records, columns=list(COLUMNS))
    frame["context window"] = frame["context window"].astype("Int64")
    order = np.lexsort((frame["model"].to_numpy(), frame["per month"].fillna(np.inf).to_numpy(),
                        (frame["fits window"] == DOES_NOT_FIT).to_numpy()))
    return frame.iloc[order].reset_index(drop=True)


@dataclass(frozen=True)
class Cheapest:
    """Today's bill against the cheapest model known to fit the workload, for the page's verdict."""

    today: float
    today_fits: bool  # False: a call does not fit today's model, so today's bill leaves that class out
    model: str | None  # the cheapest model's label; None when no model in the list is known to fit
    key: str | None
    usd: float | None
    saving_share: float | None  # (today - cheapest) / today; None when today's bill is not comparable

    @property
    def is_today(self) -> bool:
        """Today's model is already the cheapest (or as cheap as it)."""
        return self.usd is not None and self.today_fits and self.usd >= self.today - 0.005


def cheapest(frame: pd.DataFrame, today: Bill) -> Cheapest:
    """The first row of `compare`'s table whose model is known to fit (a published window), against today's bill."""
    fitting = frame[frame["fits window"] == FITS]
    fits_today = not today.overflows
    if fitting.empty:
        return Cheapest(today.total, fits_today, None, None, None, None)
    row = fitting.iloc[0]
    usd = float(row["per month"])
    share = (today.total - usd) / today.total if fits_today and today.total > 0 else None
    return Cheapest(today.total, fits_today, str(row["model"]), str(row["key"]), usd, share)
