"""How sure are you? Ranges on uncertain inputs, a tornado of their swings, and seeded Monte Carlo bands.

An uncertain input carries a low / likely / high (`InputRange`). The likely is always today's value, read from the
sidebar or the page, never stored apart from it (so it cannot drift). What is stored, in the link, is how far the
range reaches below and above it (`Reach`): an offset follows today's value when it changes (a volume range of
-30%/+50% stays -30%/+50% of whatever the volume becomes), and `low <= likely <= high` holds by construction, where
stored absolute ends would go stale (a hit-rate range of 30-60% after today's rate was set to 80%).

Every figure is the bill the Overview computes: `lever.waterfall` (each lever applied in order, every step priced by
`bill.price`), with the drawn values put into the sidebar's workload (`SimpleWorkload`) and the levers' inputs.
- The **tornado** swings each input from its low to its high with every other input at its likely.
- The **Monte Carlo** draws every input at once (PERT from the three points by default, triangular as an option),
  from a seeded generator, and reports P10 / P50 / P90 and the share of draws in which each lever saves money.

All the draws, and all the ends of the tornado's bars, are priced at once on a draw axis (`calculators.draws`: the
workload with one value per draw in each number, `bill.price`'s rules and each lever's `apply` over every draw at once);
tests/test_draws.py holds every draw to the waterfall evaluated alone with that draw's values. A chain holding
something the draw axis does not take is priced one draw at a time (`Chain.outcome`, the waterfall's money without its
words), with the same figures.
"""
from __future__ import annotations

import math
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, TypeVar

import annotated_types as at
import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from calculators import draws as on_draws
from calculators.jevons import JevonsInputs, spend_factor
from calculators.lever import Lever, Waterfall, ordered, waterfall
from calculators.prices import Catalogue
from calculators.workload import SimpleWorkload, Workload

Scale = Literal["relative", "absolute"]  # a reach as a share of the likely, or in the input's own units
Method = Literal["pert", "triangular"]
V = TypeVar("V")  # a value of an input: a number, or one per draw
WORKLOAD = "workload"  # owner of the sidebar's inputs
JEVONS = "jevons"  # owner of the projection's inputs
DEFAULT_SEED = 12_345
# The P10 and the P90 each to about +-1.3 percentile points (two standard errors, 2 sqrt(0.1 x 0.9 / 2,000)).
DEFAULT_DRAWS = 2_000
MAX_DRAWS = 10_000
PERT_LAMBDA = 4.0  # the classic PERT weight on the likely value
SAVING_NOISE = 1e-9  # a bar below this share of the bill is float noise, not a saving (see MonteCarlo.saves_share)


class InputRange(BaseModel):
    """Low, likely and high of one input, in the input's own units; the likely is today's value."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    low: float
    likely: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> InputRange:
        if not (self.low <= self.likely <= self.high):
            raise ValueError(f"a range needs low <= likely <= high (got {self.low:g}, {self.likely:g}, {self.high:g})")
        return self

    @property
    def width(self) -> float:
        return self.high - self.low


class Reach(BaseModel):
    """How far a range reaches below and above today's value (what the link stores): a share of today's value
    (`relative`) or the input's own units (`absolute`, e.g. 0.15 = 15 points of a rate)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    below: float = Field(ge=0, le=1e12)
    above: float = Field(ge=0, le=1e12)
    scale: Scale = "relative"


@dataclass(frozen=True)
class DefaultReach:
    reach: Reach
    reason: str
    zero_stays_zero: bool = False  # an input that is 0 today (no cache, no failures) gets no range by default


def _r(below: float, above: float, scale: Scale, reason: str, zero_stays_zero: bool = False) -> DefaultReach:
    return DefaultReach(Reach(below=below, above=above, scale=scale), reason, zero_stays_zero)


# Documented default ranges, clipped to each field's bounds. Keys: '<owner>.<field>' (owner: 'workload', a lever's
# name, 'jevons'). Any other numeric input starts with no range (low = likely = high) until the user gives it one.
DEFAULTS: dict[str, DefaultReach] = {
    "workload.requests_per_month": _r(0.30, 0.50, "relative", "Next year's volume is the least known input; growth "
                                      "surprises run larger than shortfalls."),
    "workload.input_tokens": _r(0.20, 0.20, "relative", "Prompts drift as features and retrieved context are added "
                                "or trimmed."),
    "workload.output_tokens": _r(0.20, 0.30, "relative", "Answer length moves with model versions and prompts, more "
                                 "often longer than shorter."),
    "workload.prefix_share": _r(0.10, 0.10, "absolute", "How much of a prompt repeats byte for byte is rarely "
                                "measured."),
    "workload.cache_hit_rate": _r(0.15, 0.15, "absolute", "An observed hit rate swings with traffic and deploys; "
                                  "none without a cache today.", zero_stays_zero=True),
    "workload.reasoning_tokens": _r(0.30, 0.30, "relative", "Thinking length varies widely between tasks."),
    "workload.agent_share": _r(0.10, 0.10, "absolute", "Which requests become agent tasks is a product decision "
                               "still moving.", zero_stays_zero=True),
    "workload.agent_steps": _r(0.30, 0.30, "relative", "Steps per task depend on task mix and tools."),
    "workload.tool_result_tokens": _r(0.30, 0.30, "relative", "Tool results vary with the data they return."),
    "workload.failure_rate": _r(0.50, 1.00, "relative", "Failures are bursty: an incident week doubles them.",
                                zero_stays_zero=True),
    "caching.hit_rate": _r(0.15, 0.15, "absolute", "The hit rate a cache will reach is a forecast until it runs."),
    "routing.simple_share": _r(0.10, 0.10, "absolute", "The share of truly simple requests is estimated from a "
                               "sample."),
    "routing.simple_to_cheap": _r(0.05, 0.05, "absolute", "Router accuracy measured offline moves in production."),
    "routing.complex_to_cheap": _r(0.05, 0.05, "absolute", "Router accuracy measured offline moves in production."),
    "system_prompt.trim_share": _r(0.10, 0.10, "absolute", "A trim target is a plan; what survives review is not "
                                   "known yet."),
    "output_caps.p95_multiple": _r(0.25, 0.25, "relative", "The spread of answer lengths comes from a sample."),
    "output_caps.redo_share": _r(0.05, 0.10, "absolute", "How many cut-off answers are redone is a guess until "
                                 "measured."),
    "batch.share": _r(0.10, 0.10, "absolute", "Which traffic can wait is an estimate until the teams agree."),
    "distillation.quality_retained": _r(0.05, 0.03, "absolute", "A student's quality is known only after its "
                                        "evaluation."),
    "distillation.upkeep_per_month": _r(0.50, 0.50, "relative", "Hosting and retraining costs are estimates."),
    "distillation.self_hosted_price": _r(0.50, 0.50, "relative", "Self-hosted cost per token depends on "
                                         "utilisation."),
    "jevons.price_decline": _r(0.50, 1.00, "relative", "Published declines run from 5x to 20x a year at fixed "
                               "capability and more."),
    "jevons.elasticity": _r(0.20, 0.20, "absolute", "No study measures one team's response to price."),
    "jevons.growth": _r(0.20, 0.35, "relative", "Product plans miss in both directions, more often upwards."),
}


@dataclass(frozen=True)
class Uncertain:
    """One uncertain input: which field of which owner, its label and URL key, and its range."""

    owner: str  # 'workload', a lever's name, or 'jevons'
    field: str
    label: str
    key: str  # its URL key: the link stores its reach under this name
    range: InputRange
    reach: Reach
    integer: bool = False
    percent: bool = False
    money: bool = False  # an amount in USD (the page shows it, and its label's "$", in the user's currency)
    lo: float | None = None  # the field's bounds
    hi: float | None = None

    @property
    def name(self) -> str:
        return f"{self.owner}.{self.field}"


def bounds(info) -> tuple[float | None, float | None]:
    lo = hi = None
    for meta in info.metadata:
        if isinstance(meta, at.Ge | at.Gt):
            lo = float(meta.ge if isinstance(meta, at.Ge) else meta.gt)
        elif isinstance(meta, at.Le | at.Lt):
            hi = float(meta.le if isinstance(meta, at.Le) else meta.lt)
    return lo, hi


def numeric_fields(model: type[BaseModel]) -> list[str]:
    """The fields of an inputs model a range can be put on: plain numbers (not flags, choices or tables)."""
    out = []
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if typing.get_origin(annotation) in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = args[0] if len(args) == 1 else annotation
        if annotation in (int, float):
            out.append(name)
    return out


WORKLOAD_FIELDS = ("requests_per_month", "input_tokens", "output_tokens", "prefix_share", "cache_hit_rate",
                   "reasoning_tokens")


def workload_fields(sidebar: SimpleWorkload) -> tuple[str, ...]:
    """The sidebar inputs that can move this workload's bill: the four numbers and the anatomy, plus the agent and
    failure inputs where the workload has agent tasks or failures."""
    out = WORKLOAD_FIELDS
    if sidebar.agent_share > 0:
        out += ("agent_share", "agent_steps", "tool_result_tokens")
    if sidebar.failure_rate > 0:
        out += ("failure_rate",)
    return out


def scale_of(name: str, percent: bool) -> Scale:
    """The scale an input's reach is given in: the table's, else points for a percentage and a share otherwise."""
    d = DEFAULTS.get(name)
    return d.reach.scale if d is not None else "absolute" if percent else "relative"


def default_reach(name: str, likely: float, percent: bool = False) -> Reach:
    """The documented default reach of an input (see DEFAULTS); none for an input the table does not list."""
    d = DEFAULTS.get(name)
    if d is None or (d.zero_stays_zero and likely == 0):
        return Reach(below=0, above=0, scale=scale_of(name, percent))
    return d.reach


def resolve(likely: float, reach: Reach, lo: float | None = None, hi: float | None = None,
            integer: bool = False) -> InputRange:
    """Today's value and a reach as a range, clipped to the field's bounds (ints rounded outwards)."""
    if reach.scale == "relative":
        low, high = likely - abs(likely) * reach.below, likely + abs(likely) * reach.above
    else:
        low, high = likely - reach.below, likely + reach.above
    if lo is not None:
        low = max(low, lo)
    if hi is not None:
        high = min(high, hi)
    if integer:
        low, high = math.floor(low + 1e-9), math.ceil(high - 1e-9)
    low, high = float(f"{low:.12g}"), float(f"{high:.12g}")  # 0.45, not 0.44999999999999996
    return InputRange(low=min(low, likely), likely=likely, high=max(high, likely))


def uncertain(owner: str, model: BaseModel, keys: Mapping[str, str], reaches: Mapping[str, Reach],
              fields: Sequence[str] | None = None) -> list[Uncertain]:
    """The uncertain inputs of one inputs model (the sidebar's workload, a lever's inputs, the projection's): today's
    value with its reach from the link (`reaches`, by URL key) or the documented default. Inputs without a URL key, or
    whose value is unset (a derived hit rate), have no range."""
    out = []
    for name in fields if fields is not None else numeric_fields(type(model)):
        key = keys.get(name)
        value = getattr(model, name)
        if key is None or value is None:
            continue
        info = type(model).model_fields[name]
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        integer = isinstance(value, int) and not isinstance(value, bool)
        lo, hi = bounds(info)
        percent = bool(extra.get("percent"))
        reach = reaches.get(key)
        if reach is None or reach.scale != scale_of(f"{owner}.{name}", percent):  # a reach in another scale: unusable
            reach = default_reach(f"{owner}.{name}", float(value), percent)
        out.append(Uncertain(owner=owner, field=name, label=info.title or name, key=key,
                             range=resolve(float(value), reach, lo, hi, integer), reach=reach, integer=integer,
                             percent=percent, money=bool(extra.get("money")), lo=lo, hi=hi))
    return out


def lever_keys(model: type[BaseModel]) -> dict[str, str]:
    """A lever's numeric fields and their URL keys (declared on the fields)."""
    out = {}
    for name in numeric_fields(model):
        extra = model.model_fields[name].json_schema_extra
        if isinstance(extra, dict) and extra.get("key"):
            out[name] = extra["key"]
    return out


# --- the link: 'key:below:above[:a]' pairs, comma-separated ------------------------------------------------------

MAX_RANGES_CHARS = 2_000


def reaches_text(reaches: Mapping[str, Reach]) -> str:
    """The link's value: each input's reach as 'key:below:above' (relative) or 'key:below:above:a' (absolute)."""
    def num(v: float) -> str:
        return f"{v:.6g}"

    return ",".join(f"{k}:{num(r.below)}:{num(r.above)}" + (":a" if r.scale == "absolute" else "")
                    for k, r in sorted(reaches.items()))


def reaches_from_text(text: str) -> tuple[dict[str, Reach], list[str]]:
    """Parse the link's value: the valid reaches by URL key, and a reason for each part that was dropped."""
    out: dict[str, Reach] = {}
    dropped: list[str] = []
    if len(text) > MAX_RANGES_CHARS:
        return out, [f"longer than {MAX_RANGES_CHARS:,} characters"]
    for part in filter(None, text.split(",")):
        bits = part.split(":")
        try:
            if len(bits) not in (3, 4) or (len(bits) == 4 and bits[3] != "a") or not bits[0]:
                raise ValueError("expected key:below:above")
            below, above = float(bits[1]), float(bits[2])
            if not (math.isfinite(below) and math.isfinite(above)):
                raise ValueError("not a number")
            out[bits[0]] = Reach(below=below, above=above, scale="absolute" if len(bits) == 4 else "relative")
        except (ValueError, ValidationError):
            dropped.append(part[:40])
    return out, dropped


class MonteCarloInputs(BaseModel):
    """The Monte Carlo's settings (they travel in the link, so a figure can be reproduced)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    run: bool = Field(False, title="Run the Monte Carlo", json_schema_extra={"key": "u.mc"},
                      description="Draw every uncertain input at once and price each draw with the Overview's "
                      "waterfall.")
    seed: int = Field(DEFAULT_SEED, ge=0, le=2**32 - 1, title="Seed", json_schema_extra={"key": "u.seed"},
                      description="The same seed draws the same values: a figure can be reproduced exactly.")
    draws: int = Field(DEFAULT_DRAWS, ge=10, le=MAX_DRAWS, title="Draws", json_schema_extra={"key": "u.draws",
                                                                                                "step": 100},
                       description="Each draw prices the bill and the levers with that draw's values. The draws are "
                       "priced together, usually well under a second for 10,000; the time is shown with the result.")
    method: Method = Field("pert", title="Distribution", json_schema_extra={
        "key": "u.method", "labels": {"pert": "PERT (weights the likely)", "triangular": "Triangular"}},
        description="PERT: a smooth curve peaking at the likely value. Triangular: straight lines from low to likely "
        "to high (fatter tails).")


# --- evaluating the chain with some inputs changed -------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """One evaluation: today's bill, the bill after the chosen levers, and each lever's bar (USD a month)."""

    today: float
    after: float
    savings: Mapping[str, float]
    unfit_today: bool = False  # today's bill leaves a class out: its calls do not fit its model's context window


@dataclass(frozen=True)
class Chain:
    """What the Overview prices: the sidebar's workload (or a fixed custom workload) and the chosen levers."""

    workload: Workload
    levers: tuple[tuple[Lever, BaseModel], ...]
    catalogue: Catalogue = field(compare=False)
    sidebar: SimpleWorkload | None = None  # None: a custom workload, whose classes carry no ranges

    def with_values(self, values: Mapping[str, float]) -> tuple[Workload, list[tuple[Lever, BaseModel]]] | None:
        """The workload and levers with some inputs ('<owner>.<field>' -> value) changed; None where a value breaks a
        rule of its inputs model (a cross-field rule)."""
        by_owner = _by_owner(values)
        try:
            w = self.workload
            if WORKLOAD in by_owner and self.sidebar is not None:
                changes = by_owner[WORKLOAD]
                if any(getattr(self.sidebar, k) != v for k, v in changes.items()):
                    w = SimpleWorkload.model_validate({**self.sidebar.model_dump(), **changes}).workload()
            pairs = []
            for lever, x in self.levers:
                changes = by_owner.get(lever.name)
                if changes and any(getattr(x, k) != v for k, v in changes.items()):
                    x = type(x).model_validate({**x.model_dump(), **changes})
                pairs.append((lever, x))
        except ValidationError:
            return None
        return w, pairs

    def waterfall(self, values: Mapping[str, float] | None = None, resume: Waterfall | None = None, *,
                  money_only: bool = False) -> Waterfall | None:
        """The Overview's waterfall with some inputs changed; `resume`: a waterfall of this chain to start again from
        (see `lever.waterfall`), e.g. the point estimate when only a lever's input moves. `money_only`: the words of
        an evaluation with changed inputs are left out (see `lever.waterfall`); the point estimate keeps them."""
        changed = self.with_values(values or {})
        if changed is None:
            return None
        w, pairs = changed
        # The point estimate is the page's own waterfall (kept); the ranges' one-off evaluations are not kept.
        return waterfall(w, pairs, self.catalogue, resume=resume, memo=not values,
                         money_only=money_only and bool(values))

    def outcome_draws(self, sample: Mapping[str, np.ndarray], n: int) -> tuple[on_draws.OutcomeDraws, np.ndarray]:
        """Every draw's outcome at once (calculators/draws.py), and the draws whose values keep every inputs model
        valid (the others are what `with_values` refuses). Raises NotOnDrawAxis where the chain holds a lever or a
        drawn input the draw axis does not take."""
        by_owner = _by_owner({name: np.asarray(v, dtype=float) for name, v in sample.items()})
        unknown = set(by_owner) - {WORKLOAD} - {lever.name for lever, _ in self.levers}
        if unknown:
            raise on_draws.NotOnDrawAxis(f"inputs of {sorted(unknown)}")
        valid = np.ones(n, dtype=bool)
        if self.sidebar is not None:
            valid &= on_draws.valid_inputs(self.sidebar, by_owner.get(WORKLOAD, {}), n)
            wd = on_draws.from_sidebar(self.sidebar, by_owner.get(WORKLOAD, {}), n)
        elif WORKLOAD in by_owner:
            raise on_draws.NotOnDrawAxis("drawn inputs of a custom workload")
        else:
            wd = on_draws.from_workload(self.workload, n)
        steps = []
        for lever, x in ordered(self.levers):
            values = by_owner.get(lever.name, {})
            valid &= on_draws.valid_inputs(x, values, n)
            steps.append((lever, on_draws.with_inputs(x, values)))
        with np.errstate(all="ignore"):  # a draw a rule refuses may compute nonsense: it is left out
            return on_draws.waterfall_draws(wd, steps, self.catalogue), valid

    def outcome(self, values: Mapping[str, float] | None = None, resume: Waterfall | None = None) -> Outcome | None:
        """The money of the waterfall with some inputs changed (an Outcome reads no words: see `money_only`)."""
        wf = self.waterfall(values, resume, money_only=True)
        return None if wf is None else outcome_of(wf)


def _by_owner(values: Mapping[str, V]) -> dict[str, dict[str, V]]:
    """'<owner>.<field>' -> value as owner -> field -> value."""
    out: dict[str, dict[str, V]] = {}
    for name, v in values.items():
        owner, _, fld = name.partition(".")
        out.setdefault(owner, {})[fld] = v
    return out


def outcome_of(wf: Waterfall) -> Outcome:
    return Outcome(today=wf.baseline.total, after=wf.final.total, savings={b.lever.name: b.saving for b in wf.bars},
                   unfit_today=bool(wf.baseline.overflows))


Metric = Callable[[Outcome], float]


def bill_after(o: Outcome) -> float:
    return o.after


def bill_today(o: Outcome) -> float:
    return o.today


def saving_of(lever_name: str) -> Metric:
    def metric(o: Outcome) -> float:
        return o.savings.get(lever_name, 0.0)

    return metric


# --- tornado -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TornadoBar:
    input: Uncertain
    at_low: float  # the metric with this input at its low, every other at its likely
    at_high: float

    @property
    def swing(self) -> float:
        """Width of the bar: how far the metric moves across the range (never negative)."""
        return abs(self.at_high - self.at_low)


@dataclass(frozen=True)
class Tornado:
    base: float  # the metric with every input at its likely (the point estimate)
    bars: tuple[TornadoBar, ...]  # widest first
    refused: tuple[str, ...] = ()  # inputs whose low or high breaks a rule of its inputs model: left out

    @property
    def top(self) -> TornadoBar | None:
        return self.bars[0] if self.bars and self.bars[0].swing > 0 else None


def tornado(chain: Chain, inputs: Sequence[Uncertain], metric: Metric = bill_after,
            on_draw_axis: bool = True) -> Tornado:
    """Each input from its low to its high, the others at their likely; bars sorted by swing, widest first (ties in
    the inputs' order). A zero-width range is a flat bar at the point estimate, with no evaluation. Every end is priced
    at once on the draw axis (`Chain.outcome_draws`, one draw an end) where the chain's levers are on it; otherwise one
    end at a time, where a lever's input moves only that lever and the ones after it, so its ends start again from the
    point estimate's waterfall there (`on_draw_axis=False` asks for this; both give the same figures)."""
    point_wf = chain.waterfall()
    point_outcome = None if point_wf is None else outcome_of(point_wf)
    base = metric(point_outcome) if point_outcome is not None else float("nan")
    moved = [(u, v) for u in inputs for v in (u.range.low, u.range.high) if v != u.range.likely]
    try:
        if not on_draw_axis:
            raise on_draws.NotOnDrawAxis("asked for one end at a time")
        at_ends = _ends_on_draws(chain, inputs, moved)
    except on_draws.NotOnDrawAxis:
        at_ends = {(u.name, v): chain.outcome({u.name: v}, resume=point_wf) for u, v in moved}
    bars, refused = [], []
    for u in inputs:
        ends = []
        for v in (u.range.low, u.range.high):
            o = point_outcome if v == u.range.likely else at_ends[(u.name, v)]
            ends.append(None if o is None else metric(o))
        if None in ends:
            refused.append(u.label)
            continue
        bars.append(TornadoBar(u, ends[0], ends[1]))
    bars.sort(key=lambda b: -b.swing)  # stable: ties keep the inputs' order
    return Tornado(base=base, bars=tuple(bars), refused=tuple(refused))


def _ends_on_draws(chain: Chain, inputs: Sequence[Uncertain],
                   moved: Sequence[tuple[Uncertain, float]]) -> dict[tuple[str, float], Outcome | None]:
    """The tornado's ends that move an input, all priced at once: one draw an end, every other input at its likely."""
    n = len(moved)
    if n == 0:
        return {}
    sample = {u.name: np.full(n, u.range.likely) for u in inputs}
    for i, (u, v) in enumerate(moved):
        sample[u.name][i] = v
    o, valid = chain.outcome_draws(sample, n)
    return {(u.name, v): Outcome(float(o.today[i]), float(o.after[i]), {k: float(s[i]) for k, s in o.savings.items()},
                                 bool(o.unfit_today[i])) if valid[i] else None for i, (u, v) in enumerate(moved)}


# --- Monte Carlo -------------------------------------------------------------------------------------------------


def draw(r: InputRange, n: int, rng: np.random.Generator, method: Method = "pert") -> np.ndarray:
    """n draws from the three points: PERT (a Beta on [low, high] with mode at the likely, weight 4) or triangular.
    A zero-width range draws its likely exactly (and consumes no random numbers)."""
    if r.width <= 0:
        return np.full(n, r.likely)
    if method == "triangular":
        return rng.triangular(r.low, r.likely, r.high, n)
    a = 1 + PERT_LAMBDA * (r.likely - r.low) / r.width
    b = 1 + PERT_LAMBDA * (r.high - r.likely) / r.width
    return r.low + r.width * rng.beta(a, b, n)


def draws(inputs: Sequence[Uncertain], n: int, seed: int, method: Method = "pert") -> dict[str, np.ndarray]:
    """Every input's draws from one seeded generator, in the inputs' order (the same seed, the same draws)."""
    rng = np.random.default_rng(seed)
    out = {}
    for u in inputs:
        x = draw(u.range, n, rng, method)
        out[u.name] = np.clip(np.rint(x), u.range.low, u.range.high) if u.integer else x
    return out


@dataclass(frozen=True)
class MonteCarlo:
    today: np.ndarray  # today's bill in each draw
    after: np.ndarray  # the bill after the chosen levers in each draw
    savings: dict[str, np.ndarray]  # each lever's bar in each draw
    seed: int
    draws: int  # asked for
    method: Method
    refused: int = 0  # draws whose values break a rule of an inputs model: left out
    # Draws whose bill today leaves a class out (its calls do not fit its model's context window, so the API would
    # reject them): kept, as the bill keeps them, but the page says how many, since they lower today's bill.
    unfit_today: int = 0

    @staticmethod
    def bands(values: np.ndarray) -> tuple[float, float, float]:
        """(P10, P50, P90); NaN without draws."""
        if len(values) == 0:
            return (float("nan"),) * 3
        p10, p50, p90 = np.percentile(values, [10, 50, 90])
        return float(p10), float(p50), float(p90)

    def saves_share(self, lever_name: str) -> float:
        """Share of draws in which the lever saves money at all: its bar is above zero by more than float noise (a
        bar that is exactly 0, priced as two bills summed in different orders, comes out as +-1e-12 and is no saving;
        the tolerance is right_sizing's, 1e-9 of the draw's bill, far below a cent a month)."""
        s = self.savings.get(lever_name)
        if s is None or not len(s):
            return float("nan")
        return float(np.mean(s > SAVING_NOISE * np.maximum(1.0, np.abs(self.today))))


CHUNK_ROWS = 1_000_000  # steps x draws of an agent task's arrays priced at once: 8 MB an array


def _chunk(chain: Chain, sample: Mapping[str, np.ndarray], n: int) -> int:
    """How many draws to price at once: all of them, unless an agent task's steps times the draws would make its arrays
    large (a 200-step task over 10,000 draws); then as many as keep them to CHUNK_ROWS (the draws are independent, so
    the figures are the same)."""
    steps = [c.steps for c in chain.workload.classes]
    if f"{WORKLOAD}.agent_steps" in sample:
        steps.append(int(np.max(sample[f"{WORKLOAD}.agent_steps"])))
    return max(500, min(n, CHUNK_ROWS // max(steps, default=1)))


def monte_carlo(chain: Chain, inputs: Sequence[Uncertain], n: int = DEFAULT_DRAWS, seed: int = DEFAULT_SEED,
                method: Method = "pert", on_draw_axis: bool = True) -> MonteCarlo:
    """n seeded draws of every input at once, pushed through the Overview's waterfall: all draws at once on the draw
    axis (`Chain.outcome_draws`) where every chosen lever is on it, otherwise one direct evaluation a draw (draws
    that repeat earlier values, such as integers, evaluated once). Both give the same figures (tests/test_draws.py);
    `on_draw_axis=False` asks for the second."""
    if not 1 <= n <= MAX_DRAWS:
        raise ValueError(f"draws must be between 1 and {MAX_DRAWS:,}")
    sample = draws(inputs, n, seed, method)
    try:
        if not on_draw_axis:
            raise on_draws.NotOnDrawAxis("asked for one draw at a time")
        size = _chunk(chain, sample, n)
        parts = [chain.outcome_draws({k: v[a:a + size] for k, v in sample.items()}, min(size, n - a))
                 for a in range(0, n, size)]
    except on_draws.NotOnDrawAxis:
        pass
    else:
        valid = np.concatenate([ok for _, ok in parts])

        def joined(get) -> np.ndarray:
            return np.concatenate([get(o) for o, _ in parts])[valid]

        return MonteCarlo(today=joined(lambda o: o.today), after=joined(lambda o: o.after),
                          savings={k: joined(lambda o, k=k: o.savings[k]) for k in parts[0][0].savings}, seed=seed,
                          draws=n, method=method, refused=int(n - valid.sum()),
                          unfit_today=int(joined(lambda o: o.unfit_today).sum()))
    names = list(sample)
    today, after, savings, refused, unfit = [], [], {lv.name: [] for lv, _ in chain.levers}, 0, 0
    memo: dict[tuple, Outcome | None] = {}
    for i in range(n):
        values = {name: float(sample[name][i]) for name in names}
        key = tuple(values.values())
        if key not in memo:
            memo[key] = chain.outcome(values)
        o = memo[key]
        if o is None:
            refused += 1
            continue
        today.append(o.today)
        after.append(o.after)
        unfit += o.unfit_today
        for name in savings:
            savings[name].append(o.savings.get(name, 0.0))
    return MonteCarlo(today=np.array(today), after=np.array(after),
                      savings={k: np.array(v) for k, v in savings.items()}, seed=seed, draws=n, method=method,
                      refused=refused, unfit_today=unfit)


# --- the spend projection's fan ----------------------------------------------------------------------------------

JEVONS_FIELDS = ("price_decline", "elasticity", "growth")


def projection_fan(x: JevonsInputs, inputs: Sequence[Uncertain], n: int = 2_000, seed: int = DEFAULT_SEED,
                   method: Method = "pert", points_per_year: int = 12) -> tuple[np.ndarray, np.ndarray]:
    """The projection's monthly spend over the horizon in n seeded draws of the decline, elasticity and growth
    (`calculators.jevons.spend_factor`, the page's own formula): (years, spend array draws x points)."""
    t = np.linspace(0, x.horizon_years, x.horizon_years * points_per_year + 1)
    sample = draws(inputs, n, seed, method)
    d = sample.get(f"{JEVONS}.price_decline", np.full(n, x.price_decline))
    e = sample.get(f"{JEVONS}.elasticity", np.full(n, x.elasticity))
    g = sample.get(f"{JEVONS}.growth", np.full(n, x.growth))
    curves = np.array([spend_factor(t, float(d[i]), float(e[i]), float(g[i])) for i in range(n)])
    return t, x.monthly_spend * curves
