"""Reconciliation: the list-price bill of the imported usage next to the spend the export itself reports.

The list-price bill is `bill.price` of the calibrated workload (the one pricing function), scaled back from a month to
the export's span. Where the export reports spend (LiteLLM), the difference is shown as what it is and never fitted
away: reported below list is an effective discount (1 - reported / list); reported above list is an unexplained
residual, on its own line. Models the catalogue cannot price are listed with their tokens and any spend the export
reports for them, never as $0, and are kept out of both sides of the comparison.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from calculators.bill import Bill, price
from calculators.prices import Catalogue
from calculators.usage.calibrate import Calibration, UsageImportLike, calibrate

NAN = float("nan")


@dataclass(frozen=True)
class ModelLine:
    """One export model over the export's span."""

    model: str
    catalogue_key: str | None  # None: unpriced
    input_tokens: float
    output_tokens: float
    list_usd: float  # NaN: unpriced, or not calibrated (no request count)
    reported_usd: float  # NaN: the export reports no spend for it

    @property
    def discount(self) -> float:
        """1 - reported / list where reported <= list; NaN otherwise (see `residual`)."""
        return discount(self.list_usd, self.reported_usd)

    @property
    def residual(self) -> float:
        """Reported spend above the list price: unexplained (NaN where there is none to explain)."""
        return residual(self.list_usd, self.reported_usd)


CENT = 0.005  # half a cent: below it, reported spend and list price agree


def discount(list_usd: float, reported_usd: float) -> float:
    """1 - reported / list where reported is at most list (to the cent); NaN where either is unknown or reported is
    above list (that is a residual, not a negative discount)."""
    if math.isnan(list_usd) or math.isnan(reported_usd) or list_usd <= 0 or reported_usd > list_usd + CENT:
        return NAN
    return max(0.0, 1 - reported_usd / list_usd)


def residual(list_usd: float, reported_usd: float) -> float:
    """Reported spend above list price by more than a cent: unexplained. NaN otherwise."""
    if math.isnan(list_usd) or math.isnan(reported_usd) or reported_usd <= list_usd + CENT:
        return NAN
    return reported_usd - list_usd


@dataclass(frozen=True)
class Reconciliation:
    calibration: Calibration
    bill: Bill  # price(calibrated workload): a month of this traffic at list prices
    list_usd: float  # the export's span at list prices (priced models)
    models: tuple[ModelLine, ...]
    reported_usd: float  # spend the export reports, over every model that has it (NaN: none reported)
    compared_list_usd: float  # list price of the models that have both a list price and reported spend
    compared_reported_usd: float  # their reported spend
    unpriced_reported_usd: float  # spend reported for models the catalogue cannot price (NaN: none)

    @property
    def has_spend(self) -> bool:
        return not math.isnan(self.reported_usd)

    @property
    def discount(self) -> float:
        """Effective discount on the compared models: 1 - reported / list, where reported <= list (else NaN)."""
        return discount(self.compared_list_usd, self.compared_reported_usd)

    @property
    def residual(self) -> float:
        """Reported spend above list price on the compared models: unexplained (NaN where reported <= list)."""
        return residual(self.compared_list_usd, self.compared_reported_usd)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame([{
            "export model": m.model, "priced as": m.catalogue_key or "unpriced", "input tokens": m.input_tokens,
            "output tokens": m.output_tokens, "list price": m.list_usd, "reported spend": m.reported_usd,
            "effective discount": m.discount, "unexplained residual": m.residual,
        } for m in self.models], columns=["export model", "priced as", "input tokens", "output tokens", "list price",
                                          "reported spend", "effective discount", "unexplained residual"])


def _sum_nan(values) -> float:
    values = [v for v in values if not math.isnan(v)]
    return float(sum(values)) if values else NAN


def reconcile(imp: UsageImportLike, catalogue: Catalogue, *, calibration: Calibration | None = None,
              requests_per_month: Mapping[str, float] | float | None = None) -> Reconciliation:
    """The export's list-price bill, per model and in total, next to the spend it reports (see the module docstring).
    `catalogue` should be at list prices (no enterprise discount): that is what a discount is measured against."""
    cal = calibration if calibration is not None else calibrate(imp, catalogue, requests_per_month=requests_per_month)
    bill = price(cal.workload, catalogue)
    per_span = 1 / cal.month_per_span
    list_by_model: dict[str, float] = {}
    for c in bill.classes:
        if c.priced:
            model = cal.model_of[c.name]
            list_by_model[model] = list_by_model.get(model, 0.0) + c.total * per_span
    rows = imp.rows
    spend = rows["spend_usd"] if "spend_usd" in rows else pd.Series(NAN, index=rows.index)
    tokens = rows.assign(
        _in=rows["uncached_input"] + rows["cache_write_5m"] + rows["cache_write_1h"] + rows["cache_read"],
        _out=rows["output"] + rows["reasoning"], _spend=spend)
    by_model = tokens.groupby("model", sort=False).agg(
        _in=("_in", "sum"), _out=("_out", "sum"), _spend=("_spend", lambda s: s.sum(min_count=1)))
    models = []
    for model, r in by_model.iterrows():
        key = cal.model_map.get(str(model))
        listed = list_by_model.get(str(model), NAN) if key is not None and str(model) not in cal.missing_calls else NAN
        models.append(ModelLine(str(model), key, float(r["_in"]), float(r["_out"]), listed, float(r["_spend"])))
    models.sort(key=lambda m: -(m.list_usd if not math.isnan(m.list_usd) else -1))
    compared = [m for m in models if not math.isnan(m.list_usd) and not math.isnan(m.reported_usd)]
    return Reconciliation(
        calibration=cal, bill=bill, list_usd=bill.total * per_span, models=tuple(models),
        reported_usd=_sum_nan(m.reported_usd for m in models),
        compared_list_usd=float(sum(m.list_usd for m in compared)),
        compared_reported_usd=_sum_nan(m.reported_usd for m in compared),
        unpriced_reported_usd=_sum_nan(m.reported_usd for m in models if m.catalogue_key is None),
    )
