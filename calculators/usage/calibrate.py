"""Calibration: an imported usage export becomes the workload every page prices (call classes by model and group).

One call class per model and group (and service tier and context-window bucket, where they split the price), with
the export's own averages per call:

    requests per month = calls x 730 / hours the export covers
    shared prefix      = (cache reads + cache writes) / calls
    cache hit rate     = cache reads / (cache reads + cache writes)
    other input        = uncached input / calls;  output, reasoning = their tokens / calls

The hit rate reads "one cached prefix per call, and a write is a miss": then a call's prefix is either read or
written, and the shares above bill every cached token exactly as the export counts it. A class that wrote both
5-minute and 1-hour cache entries is split in two by its write share (the per-call averages of both halves are the
class's own, so the split bills each write at its own TTL's price and moves nothing else).

So `price(calibrated workload)` over the export's span is the list-price bill of the imported tokens, token by token
(tested): nothing the bill depends on is lost, except where an average must stand for calls on both sides of a
long-context threshold (the notes say so) and where small classes are merged into "other" (same model, tier and
context bucket only, so the merged bill is the sum of its parts unless a threshold lies between their averages).
Nothing here invents a request count: rows without one (Anthropic's usage report) need the user's.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import pandas as pd
from pydantic import ValidationError

from calculators.bill import Bill, price
from calculators.lever import Bar, Lever, ranking
from calculators.prices import Catalogue
from calculators.workload import HOURS_PER_MONTH, MAX_CLASSES, ClassRow, Workload, custom_workload

TOKEN_COLUMNS = ("uncached_input", "cache_write_5m", "cache_write_1h", "cache_read", "output", "reasoning")
SPLIT_BY = ("model", "group_key", "service_tier", "context_window")
DEFAULT_MAX_CLASSES = 16  # what one link carries comfortably (scenario.MAX_TABLE_CHARS); the page checks the text
NO_GROUP = "(no group)"
MERGED_GROUP = "(small groups, merged)"
PROVIDER_HINT = {"openai": "openai", "anthropic": "anthropic"}  # a format's own provider, for bare model names


class UsageImportLike(Protocol):
    """What calibration reads from `calculators.usage.UsageImport`."""

    fmt: str
    rows: pd.DataFrame
    span_hours: float


class CalibrationError(ValueError):
    """The import cannot be calibrated (no usage, no span); the message says why."""


# --- export model names -> catalogue keys ------------------------------------------------------------------------


def catalogue_key(model: str, cat: Catalogue, provider_hint: str | None = None) -> str | None:
    """The catalogue key ('provider/model') an export's model name is priced under, or None (unpriced).

    A 'provider/model' key of the catalogue is taken as it is; otherwise genai-prices' own matching finds the
    model (dated ids such as 'gpt-4o-2024-08-06' or 'claude-sonnet-4-5-20250929', LiteLLM's 'provider/model',
    resellers that fall back to the model's maker), and the catalogue entry with that model id is used."""
    from genai_prices.data_snapshot import get_snapshot

    name = model.strip()
    if name in cat.keys():
        return name
    snapshot = get_snapshot()
    attempts: list[tuple[str, str | None]] = [(name, provider_hint), (name, None)]
    if "/" in name:
        attempts += [(name, "litellm"), (name.rsplit("/", 1)[1], None)]
    by_id: dict[str, list[str]] = {}
    for key in cat.keys():
        by_id.setdefault(key.split("/", 1)[1].lower(), []).append(key)
    for ref, provider_id in attempts:
        try:
            provider, info = snapshot.find_provider_model(ref, None, provider_id, None)
        except LookupError:
            continue
        key = f"{provider.id}/{info.id}"
        if key in cat.keys():
            return key
        makers = [provider.id, *(provider.fallback_model_providers or [])]
        candidates = by_id.get(info.id.lower(), [])
        for maker in makers:
            hit = next((k for k in candidates if k.split("/", 1)[0] == maker), None)
            if hit:
                return hit
        if candidates:
            return candidates[0]
    exact = by_id.get(name.lower().rsplit("/", 1)[-1], [])
    preferred = [k for k in exact if provider_hint and k.startswith(provider_hint + "/")]
    return (preferred or exact or [None])[0]


# --- the result ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unpriced:
    """An export model the catalogue has no price for: listed with its tokens (over the export's span), never $0."""

    model: str
    calls: float  # NaN: not in the export
    input_tokens: float  # every input token sent, cached or not
    output_tokens: float  # visible output and reasoning
    reported_spend: float  # NaN: the export reports none


@dataclass(frozen=True)
class Calibration:
    """Call classes (as the custom workload's table rows) calibrated from an export, and what could not be."""

    rows: tuple[ClassRow, ...]
    group_of: Mapping[str, str]  # class name -> the group it describes (MERGED_GROUP for merged small groups)
    model_of: Mapping[str, str]  # class name -> the export's model name
    model_map: Mapping[str, str | None]  # export model -> catalogue key (None: unpriced)
    unpriced: tuple[Unpriced, ...]
    missing_calls: tuple[str, ...]  # export models whose request count is unknown and was not given
    notes: tuple[str, ...]
    span_hours: float
    export_calls: float  # requests the calibrated classes stand for, over the export's span

    @property
    def month_per_span(self) -> float:
        """Months' worth of traffic per export span: 730 h / span."""
        return HOURS_PER_MONTH / self.span_hours

    @property
    def workload(self) -> Workload:
        return custom_workload(self.rows)

    @property
    def groups(self) -> tuple[str, ...]:
        """The groups, in the order their first class appears."""
        return tuple(dict.fromkeys(self.group_of[r.name] for r in self.rows))

    def group_workload(self, group: str) -> Workload:
        return custom_workload([r for r in self.rows if self.group_of[r.name] == group])

    def span_bill(self, bill: Bill) -> float:
        """A monthly bill of this workload, over the export's span (what the export's tokens cost)."""
        return bill.total / self.month_per_span


@dataclass
class _Part:
    """Usage of one would-be class over the export's span."""

    model: str
    key: str
    group: str
    tier: str
    window: str
    calls: float
    tokens: dict[str, float] = field(default_factory=dict)
    band: int = 0  # how many of the model's long-context thresholds its average request is above

    @property
    def merge_key(self) -> tuple[str, str, str, str, int]:
        """Small classes merge only with their own export model, tier, context bucket and price band: the merged
        class's average stays in its parts' band, so it bills what its parts did, per export model."""
        return self.model, self.key, self.tier, self.window, self.band


def _aggregate(rows: pd.DataFrame) -> pd.DataFrame:
    frame = rows.copy()
    for col in ("group_key", "context_window"):
        frame[col] = frame[col].fillna("").astype(str) if col in frame else ""
    tier = frame["service_tier"] if "service_tier" in frame else pd.Series("standard", index=frame.index)
    # Priority capacity has no price in the catalogue: it is billed (and merged) as standard, and the notes say so.
    frame["service_tier"] = tier.fillna("standard").replace("priority", "standard")
    frame["spend_usd"] = frame["spend_usd"] if "spend_usd" in frame else float("nan")
    frame["calls"] = pd.to_numeric(frame["calls"], errors="coerce")
    agg = {c: "sum" for c in TOKEN_COLUMNS}
    grouped = frame.groupby(list(SPLIT_BY), sort=False, dropna=False)
    out = grouped.agg(agg)
    # A count known for only part of a class's rows is not a count of the class: unknown (NaN) if any is missing.
    out["calls"] = grouped["calls"].agg(lambda s: s.sum() if s.notna().all() else float("nan"))
    out["spend_usd"] = grouped["spend_usd"].agg(lambda s: s.sum(min_count=1))
    return out.reset_index()


def _sent(tokens: Mapping[str, float]) -> float:
    return tokens["uncached_input"] + tokens["cache_write_5m"] + tokens["cache_write_1h"] + tokens["cache_read"]


def _calls_for_missing(frame: pd.DataFrame, requests_per_month: Mapping[str, float] | float | None,
                       span_hours: float, windows: pd.Series) -> tuple[pd.Series, tuple[str, ...], list[str]]:
    """Calls over the span for rows without a count, from the user's requests per month: per export model, or one
    total; either split over the rows by their share of tokens (input sent plus output). Models still without a
    count are returned by name, with notes where a count had to be raised (see `_respect_ceilings`)."""
    calls = frame["calls"].copy()
    unknown = calls.isna()
    if not unknown.any():
        return calls, (), []
    weight = sum(frame[c] for c in TOKEN_COLUMNS)
    span_share = span_hours / HOURS_PER_MONTH
    if isinstance(requests_per_month, int | float) and requests_per_month > 0:
        w = weight[unknown]
        calls[unknown] = requests_per_month * span_share * (w / w.sum() if w.sum() > 0 else 1 / unknown.sum())
    elif isinstance(requests_per_month, Mapping):
        for model, n in requests_per_month.items():
            mask = unknown & (frame["model"] == model)
            if n and n > 0 and mask.any():
                w = weight[mask]
                calls[mask] = n * span_share * (w / w.sum() if w.sum() > 0 else 1 / mask.sum())
    calls = _respect_window_floors(frame, calls, unknown)
    calls, notes = _respect_ceilings(frame, calls, unknown, windows, span_hours)
    missing = tuple(sorted(frame.loc[calls.isna(), "model"].astype(str).unique()))
    return calls, missing, notes


def window_ceiling(window: str) -> float:
    """The input tokens a context-window bucket ends at: '0-200k' -> 200,000; '200k-1M' -> 1,000,000; '' -> inf."""
    match = re.match(r".*-\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*$", window or "")
    if not match:
        return math.inf
    return float(match.group(1)) * {"": 1, "k": 1e3, "m": 1e6}[match.group(2).lower()]


def _respect_ceilings(frame: pd.DataFrame, calls: pd.Series, given: pd.Series, windows: pd.Series,
                      span_hours: float) -> tuple[pd.Series, list[str]]:
    """The tokens are what the export counted; a request count we split must not make the average request larger than
    its bucket ('0-200k': at most 200,000 input tokens) or the whole request larger than its context window, or the same
    tokens would be priced at a long-context rate or refused. Such a count is raised to the least that fits, and a
    note says so: too few requests entered would otherwise change the bill of tokens that did not change."""
    calls = calls.copy()
    sent = frame["uncached_input"] + frame["cache_write_5m"] + frame["cache_write_1h"] + frame["cache_read"]
    whole = sent + frame["output"] + frame["reasoning"]
    margin = 1 - 1e-9  # the average request stays just inside
    # A long-context bucket the export names ('200k-1M') proves the provider served that window, whatever the
    # catalogue says; elsewhere the catalogue's window holds the whole request.
    ceiling = frame["context_window"].map(window_ceiling)
    long_bucket = frame["context_window"].map(window_floor) > 0
    window = windows.fillna(math.inf).where(~long_bucket, pd.concat([windows.fillna(0), ceiling], axis=1).max(axis=1))
    need = pd.concat([sent / (ceiling * margin),
                      whole / (window * margin)], axis=1).max(axis=1)
    short = given & calls.notna() & (calls < need)
    split = given & calls.notna()
    per_month = HOURS_PER_MONTH / span_hours
    notes = []
    for model in frame.loc[short, "model"].unique():
        mine = split & (frame["model"] == model)  # every row of the model whose count was split, raised or not
        before = calls[mine].sum()
        calls[mine & short] = need[mine & short]
        notes.append(f"{model}: the requests entered for it ({before * per_month:,.0f} a month) are too few for its "
                     "tokens: an average request would not fit its context bucket or window. Calibrated with "
                     f"{calls[mine].sum() * per_month:,.0f} a month instead, the least that fits.")
    return calls, notes


def window_floor(window: str) -> float:
    """The input tokens above which a context-window bucket starts: '200k-1M' -> 200,000; '0-200k' or '' -> 0."""
    match = re.match(r"\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*-", window or "")
    if not match:
        return 0.0
    return float(match.group(1)) * {"": 1, "k": 1e3, "m": 1e6}[match.group(2).lower()]


def _respect_window_floors(frame: pd.DataFrame, calls: pd.Series, given: pd.Series) -> pd.Series:
    """Every request of a long-context bucket ('200k-1M') sent more than its floor, so a split by token share must not
    give the bucket so many requests that its average falls below it: the excess goes to the model's other buckets of
    the same group and tier (by token share). Only counts we split are moved, never a count the export gives."""
    calls = calls.copy()
    sent = frame["uncached_input"] + frame["cache_write_5m"] + frame["cache_write_1h"] + frame["cache_read"]
    floors = frame["context_window"].map(window_floor)
    for _, idx in frame[given & calls.notna()].groupby(["model", "group_key", "service_tier"]).groups.items():
        high = [i for i in idx if floors[i] > 0]
        low = [i for i in idx if floors[i] == 0]
        excess = 0.0
        for i in high:
            most = sent[i] / floors[i] * (1 - 1e-9)  # the average request stays just above the floor
            if calls[i] > most:
                excess += calls[i] - most
                calls[i] = most
        if excess and low:
            weight = sent[low] + frame.loc[low, "output"]
            calls[low] += excess * (weight / weight.sum() if weight.sum() > 0 else 1 / len(low))
    return calls


def _short(model_key: str) -> str:
    return model_key.split("/", 1)[-1]


def _class_rows(part: _Part, name: str, scale: float) -> list[ClassRow]:
    """One part as one class (two where it wrote both 5-minute and 1-hour cache entries: split by write share)."""
    t, n = part.tokens, part.calls
    cached = t["cache_read"] + t["cache_write_5m"] + t["cache_write_1h"]
    writes = t["cache_write_5m"] + t["cache_write_1h"]
    common = dict(model_key=part.key, prefix_tokens=cached / n, other_input_tokens=t["uncached_input"] / n,
                  output_tokens=t["output"] / n, reasoning_tokens=t["reasoning"] / n,
                  cache_hit_rate=t["cache_read"] / cached if cached > 0 else 0.0,
                  tier=part.tier if part.tier in ("batch", "flex") else "standard")
    month = n * scale
    if t["cache_write_5m"] > 0 and t["cache_write_1h"] > 0:
        share_1h = t["cache_write_1h"] / writes
        return [ClassRow(name=f"{name} · 5m"[:80], requests_per_month=month * (1 - share_1h), cache_ttl="5m", **common),
                ClassRow(name=f"{name} · 1h"[:80], requests_per_month=month * share_1h, cache_ttl="1h", **common)]
    ttl = "1h" if t["cache_write_1h"] > 0 else "5m" if cached > 0 else None
    return [ClassRow(name=name[:80], requests_per_month=month, cache_ttl=ttl, **common)]


def _n_classes(part: _Part) -> int:
    return 2 if part.tokens["cache_write_5m"] > 0 and part.tokens["cache_write_1h"] > 0 else 1


def _merge(parts: Sequence[_Part]) -> _Part:
    first = parts[0]
    return _Part(model=first.model, key=first.key, group=MERGED_GROUP, tier=first.tier, window=first.window,
                 band=first.band, calls=sum(p.calls for p in parts),
                 tokens={c: sum(p.tokens[c] for p in parts) for c in TOKEN_COLUMNS})


def _name(part: _Part, label_window: bool) -> str:
    group = "" if part.group in ("", NO_GROUP) else part.group
    parts = [f"other · {_short(part.key)}" if part.group == MERGED_GROUP else
             (f"{group[:40]} · {_short(part.key)}" if group else _short(part.key))]
    if part.tier not in ("standard", ""):
        parts.append(part.tier)
    if label_window and part.window:
        parts.append(part.window)
    return " · ".join(parts)


def _unique_names(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n[:74]} ({seen[n]})")
    return out


def calibrate(imp: UsageImportLike, catalogue: Catalogue, *,
              requests_per_month: Mapping[str, float] | float | None = None,
              max_classes: int = DEFAULT_MAX_CLASSES,
              fits: Callable[[Sequence[ClassRow]], bool] | None = None) -> Calibration:
    """The export's traffic as call classes (see the module docstring).

    `requests_per_month`: for rows whose export has no request count (Anthropic): per export model, or one total,
    split over the rows by token share. `max_classes`: the smallest classes (by list-price cost) are merged into
    "other <model>" until at most this many remain; `fits`, if given, must also accept the rows (the page passes
    "fits in one link")."""
    if not imp.span_hours or not math.isfinite(imp.span_hours) or imp.span_hours <= 0:
        raise CalibrationError("the export covers no time span (one bucket without a length?)")
    if imp.rows is None or imp.rows.empty:
        raise CalibrationError("the export holds no usage rows")
    max_classes = max(1, min(max_classes, MAX_CLASSES))
    frame = _aggregate(imp.rows)
    if "service_tier" in imp.rows and (imp.rows["service_tier"] == "priority").any():
        notes_first = ["Priority-tier usage is priced at standard list prices (the catalogue has no priority prices)."]
    else:
        notes_first = []
    hint = PROVIDER_HINT.get(imp.fmt)
    model_map = {m: catalogue_key(m, catalogue, hint) for m in frame["model"].astype(str).unique()}
    windows = frame["model"].astype(str).map(
        lambda m: catalogue.get(model_map[m]).context_window if model_map[m] is not None else None).astype(float)
    frame["calls"], missing, raised = _calls_for_missing(frame, requests_per_month, imp.span_hours, windows)
    notes: list[str] = notes_first + raised

    unpriced: dict[str, dict[str, float]] = {}
    parts: list[_Part] = []
    for rec in frame.to_dict("records"):
        model = str(rec["model"])
        tokens = {c: float(rec[c]) for c in TOKEN_COLUMNS}
        key = model_map[model]
        calls = float(rec["calls"])
        if key is None:
            u = unpriced.setdefault(model, {"calls": 0.0, "input": 0.0, "output": 0.0, "spend": float("nan")})
            u["calls"] += calls
            u["input"] += _sent(tokens)
            u["output"] += tokens["output"] + tokens["reasoning"]
            if not math.isnan(rec["spend_usd"]):
                u["spend"] = (0.0 if math.isnan(u["spend"]) else u["spend"]) + rec["spend_usd"]
            continue
        if math.isnan(calls):
            continue  # listed in `missing`: no count, no class
        if sum(tokens.values()) <= 0 and not calls > 0:
            continue
        if calls <= 0:
            notes.append(f"{model} ({rec['group_key'] or 'no group'}): tokens without any request counted; left out "
                         "(a per-request average needs requests).")
            continue
        tier = str(rec["service_tier"])
        prices = catalogue.get(key)
        thresholds = {t for r in (prices.input, prices.cache_read, prices.cache_write, prices.output)
                      if r is not None for t, _ in r.tiers}
        part = _Part(model=model, key=key, group=str(rec["group_key"]) or NO_GROUP, tier=tier,
                     window=str(rec["context_window"] or ""), calls=calls, tokens=tokens,
                     band=sum(_sent(tokens) / calls > t for t in thresholds))
        try:
            _class_rows(part, "check", HOURS_PER_MONTH / imp.span_hours)
        except ValidationError as exc:
            notes.append(f"{model} ({rec['group_key'] or 'no group'}): left out, its average request is outside what "
                         f"a call class holds ({exc.errors()[0]['loc'][0]}: {exc.errors()[0]['msg']}).")
            continue
        parts.append(part)

    if not parts and not unpriced and missing:
        raise CalibrationError("no request counts: enter requests per month for " + ", ".join(missing))
    scale = HOURS_PER_MONTH / imp.span_hours
    # Biggest first, by their own list-price bill: merging starts with the classes that matter least.
    if parts:
        solo = [(i, r) for i, p in enumerate(parts) for r in _class_rows(p, f"p{i}", scale)]
        cost = [0.0] * len(parts)
        for (i, _), b in zip(solo, price(custom_workload([r for _, r in solo]), catalogue).classes, strict=True):
            cost[i] += b.total
        order = sorted(range(len(parts)), key=lambda i: (-cost[i], -parts[i].calls))
        parts = [parts[i] for i in order]

    rows, group_of, model_of, merged = _build(parts, scale, max_classes, fits)
    if merged:
        notes.append(f"{merged} small class{'es were' if merged > 1 else ' was'} merged into 'other' classes (same "
                     "model, tier, context bucket and side of every long-context threshold, so the bill is unchanged), "
                     "so the table fits one link; their tokens and requests are kept, their groups are not.")
    for p in {(p.key, p.model) for p in parts}:
        prices = catalogue.get(p[0])
        if prices.has_tiers and not any(q.window for q in parts if q.key == p[0]):
            notes.append(f"{p[1]}: its price has long-context tiers, and the export does not say which calls crossed "
                         "them: each class is billed at the tier of its average request.")
    if any(r.prefix_tokens > 0 for r in rows):
        notes.append("Cache hit rate = cache reads / (cache reads + cache writes): one cached prefix per call, and "
                     "every write a miss.")
    total_calls = sum(p.calls for p in parts)
    return Calibration(rows=tuple(rows), group_of=group_of, model_of=model_of, model_map=model_map,
                       unpriced=tuple(Unpriced(m, u["calls"], u["input"], u["output"], u["spend"])
                                      for m, u in sorted(unpriced.items())),
                       missing_calls=missing, notes=tuple(dict.fromkeys(notes)), span_hours=float(imp.span_hours),
                       export_calls=total_calls)


def _build(parts: list[_Part], scale: float, max_classes: int, fits: Callable | None
           ) -> tuple[list[ClassRow], dict[str, str], dict[str, str], int]:
    """Keep the biggest parts as they are and merge the rest by (model, tier, context bucket), keeping as many as
    the limits allow."""
    windows = {}
    for p in parts:
        windows.setdefault((p.key, p.group, p.tier), set()).add(p.window)
    best = None
    for keep in range(min(len(parts), max_classes), -1, -1):
        kept, rest = parts[:keep], parts[keep:]
        buckets: dict[tuple[str, str, str, str, int], list[_Part]] = {}
        for p in rest:
            buckets.setdefault(p.merge_key, []).append(p)
        final = kept + [_merge(b) if len(b) > 1 else b[0] for b in buckets.values()]
        if sum(_n_classes(p) for p in final) > max_classes and keep > 0:
            continue
        names = _unique_names([_name(p, len(windows.get((p.key, p.group, p.tier), ())) > 1) for p in final])
        rows, group_of, model_of = [], {}, {}
        for p, name in zip(final, names, strict=True):
            for r in _class_rows(p, name, scale):
                rows.append(r)
                group_of[r.name] = p.group
                model_of[r.name] = p.model
        merged = sum(len(b) for b in buckets.values() if len(b) > 1)
        best = (rows, group_of, model_of, merged)
        if (fits is None or fits(rows)) and len(rows) <= max_classes:
            return best
    return best if best is not None else ([], {}, {}, 0)


# --- what-if on real traffic, per group ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupWhatIf:
    group: str
    today: Bill
    bars: tuple[Bar, ...]

    @property
    def best(self) -> Bar | None:
        return next((b for b in self.bars if not b.idle and b.saving >= 0.005), None)


def what_if(cal: Calibration, levers: Sequence[tuple[Lever, object]], catalogue: Catalogue) -> tuple[GroupWhatIf, ...]:
    """Every lever alone on each group's classes (the Overview's ranking, per group), biggest group first. The
    groups' "today" bills add up to the whole workload's bill: a class belongs to exactly one group and every hit rate
    is the export's own number, so no group's bill depends on another's traffic."""
    out = []
    for group in cal.groups:
        w = cal.group_workload(group)
        today = price(w, catalogue)
        out.append(GroupWhatIf(group, today, tuple(ranking(w, levers, catalogue, baseline=today))))
    return tuple(sorted(out, key=lambda g: -g.today.total))


def what_if_frame(results: Sequence[GroupWhatIf]) -> pd.DataFrame:
    """Group x lever: the monthly saving of each lever alone on the group's traffic (NaN: does nothing there)."""
    records = []
    for g in results:
        for b in g.bars:
            records.append({"group": g.group, "today": g.today.total, "lever": b.lever.label,
                            "monthly saving": float("nan") if b.idle else b.saving})
    return pd.DataFrame(records, columns=["group", "today", "lever", "monthly saving"])
