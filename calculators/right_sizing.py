"""Model right-sizing: which model should answer each class of task?

The workload's requests are split into **task classes** (a table: share of traffic, input and output size). Sizes
are *relative*: a task class's own input (everything but the shared prefix: the user's message, retrieved context,
tool results) is the workload class's scaled by its input size over the table's traffic-weighted average, and its
output and reasoning by its output size over theirs. The shared prefix is the same system prompt for every task class,
so it is not scaled. The bill is affine in those tokens and the split keeps every prefix in the same cache, so the
split alone leaves today's bill unchanged; only a long-context cliff crossed by a scaled class can move it (the page
and the Overview say so). A task class whose scaled call would not fit today's model's context window contradicts
the workload (today's calls fit): its workload class is left as it is, with a message.

Each candidate model has a pass rate per task class, from the user's evals. Today every workload class runs on its
own model (its `model_key`, read from the class), and its requests include the redos of failed answers: task class k
of a class with R requests completes R x share_k x p_today,k tasks. The lever keeps those completed tasks and moves
each task class to the candidate with the lowest cost per successful task whose pass rate meets the quality bar and
whose context window the task class fits. A failed answer is either
- **redone** on the same model until it passes: requests on m = tasks / p_m; or
- **escalated** to today's model s, redone there until it passes: tasks requests on m, plus
  tasks x (1 - p_m) / p_s on s.

Classes the lever cannot judge are left as they are and said so (`caveat`): a class on a model with no price (today's
cost of that traffic is unknown) or without pass rates for its model.

Money comes only from `bill.price`. The *choice* uses one priced request of every (workload class, task class,
candidate), a workload of one-request probes whose cache hit rates are resolved in the workload the lever is given
(`workload.probe`). The *money* of a choice (the headline, the step curve over the quality bar, the frontier, the
class table) is the bill of the transformed workload, priced whole: a task class moved to another model reads that
model's cache, whose hit rate (if derived from traffic) depends on how much traffic the whole choice sends there,
which one request cannot know. Where nothing is derived from traffic the two agree exactly (the bill is linear in
requests).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from calculators.bill import Bill, model_prices, price
from calculators.draws import CallGroup, Variant, WorkloadDraws, billing, call_groups, pool_traffic_draws, price_draws
from calculators.lever import MODEL_CHOICE, Lever, TodayAndAfter
from calculators.prices import Catalogue
from calculators.workload import (
    DEFAULT_MODEL, HOURS_PER_MONTH, TOKEN_CATEGORIES, TTL_SECONDS, CallClass, Workload, _moving, cache_pool, copied,
    moved_to, prefix_arrivals, probe, traffic_hit_rate,
)

FailureMode = Literal["redo", "escalate"]
FAILURE_LABEL: dict[str, str] = {
    "redo": "Redone on the same model",
    "escalate": "Escalated to today's model",
}
SHARE_TOLERANCE = 0.001  # shares typed as percentages must add up to 100% within 0.1 point
MAX_CANDIDATES = 8
MAX_TASK_CLASSES = 30

PassRate = Annotated[float, Field(ge=0, le=1)]


class TaskClass(BaseModel):
    """One row of the task-class table."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str = Field(
        min_length=1, max_length=60, title="Task class",
        description="A kind of request with its own difficulty and size (illustrative defaults).",
    )
    share: float = Field(
        ge=0, le=1, title="Share of traffic", json_schema_extra={"percent": True},
        description="Share of requests in this class; shares add up to 100% (illustrative defaults).",
    )
    input_tokens: int = Field(
        ge=0, le=2_000_000, title="Input size", json_schema_extra={"unit": "tokens"},
        description="Average prompt of this class. Relative: the workload's input beyond the shared prefix (the "
        "same system prompt for every class) is scaled by this size over the table's traffic-weighted average "
        "(illustrative defaults).",
    )
    output_tokens: int = Field(
        ge=0, le=200_000, title="Output size", json_schema_extra={"unit": "tokens"},
        description="Average answer of this class, reasoning included. Relative, like the input size "
        "(illustrative defaults).",
    )


class PassRateRow(BaseModel):
    """One row of the pass-rate table: a task class's pass rate on each candidate (None: not evaluated)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    task_class: str = Field(min_length=1, max_length=60)
    rates: dict[str, PassRate | None]


# Illustrative defaults (not measured): five classes whose traffic-weighted size is 2,000 input and 400 output
# tokens, the default workload's: on it a class's input beyond the 1,500-token shared prefix is 500 x its input size
# / 2,000, and its output is its output size.
DEFAULT_CLASSES: tuple[TaskClass, ...] = (
    TaskClass(name="Classification and tagging", share=0.40, input_tokens=1_000, output_tokens=50),
    TaskClass(name="Extraction to JSON", share=0.25, input_tokens=2_500, output_tokens=300),
    TaskClass(name="Summaries", share=0.15, input_tokens=4_000, output_tokens=500),
    TaskClass(name="Support answers (RAG)", share=0.15, input_tokens=2_000, output_tokens=1_000),
    TaskClass(name="Multi-step reasoning", share=0.05, input_tokens=1_500, output_tokens=1_600),
)
SMALL_MODEL = "anthropic/claude-haiku-5-5"
MID_MODEL = "openai/gpt-5-mini"
DEFAULT_CHEAP_CANDIDATES: tuple[str, ...] = (SMALL_MODEL, MID_MODEL)
# Illustrative pass rates, one per default class: the workload's main model (a frontier model), a small and a
# mid-size model. Only the main model gets "today's" rates: another model in use today has its own quality, which
# only the user's evals can give (until then its classes stay as they are).
TODAY_RATES = (0.98, 0.96, 0.95, 0.93, 0.90)
DEFAULT_PASS_RATES: dict[str, tuple[float, ...]] = {
    SMALL_MODEL: (0.97, 0.93, 0.90, 0.80, 0.55),
    MID_MODEL: (0.96, 0.94, 0.91, 0.84, 0.70),
}


def _priced(w: Workload, cat: Catalogue, key: str) -> bool:
    return model_prices(w, cat, key) is not None


def main_model(w: Workload, cat: Catalogue) -> str:
    """The model of the priced class with the most requests: the one the illustrative "today" pass rates describe."""
    priced = [c for c in w.classes if _priced(w, cat, c.model_key)]
    return max(priced, key=lambda c: c.requests_per_month).model_key if priced else DEFAULT_MODEL


def default_candidates(w: Workload, cat: Catalogue) -> list[str]:
    """Every priced model the workload runs on today (largest class first), then the illustrative cheaper candidates
    that exist in the catalogue. A model with no price cannot be compared, so it is never a default candidate."""
    today = sorted(w.classes, key=lambda c: -c.requests_per_month)
    picked = list(dict.fromkeys(c.model_key for c in today if _priced(w, cat, c.model_key))) or [main_model(w, cat)]
    picked += [k for k in DEFAULT_CHEAP_CANDIDATES if _priced(w, cat, k) and k not in picked]
    return picked[:MAX_CANDIDATES]


def default_pass_rate(model: str, class_name: str, main: str, in_use: set[str] | frozenset[str]) -> float | None:
    """The illustrative default for a cell: today's rates for the main model, none for another model in use today
    (the user's evals must say how it does), the illustrative rates of a cheaper candidate; None for a class or
    model we have no default for."""
    names = [c.name for c in DEFAULT_CLASSES]
    if class_name not in names:
        return None
    k = names.index(class_name)
    if model == main:
        return TODAY_RATES[k]
    if model in in_use:
        return None
    return DEFAULT_PASS_RATES[model][k] if model in DEFAULT_PASS_RATES else None


def default_rate_rows(candidates: list[str], main: str, in_use: set[str] | frozenset[str] = frozenset(),
                      classes: tuple[TaskClass, ...] = DEFAULT_CLASSES) -> tuple[PassRateRow, ...]:
    return tuple(PassRateRow(task_class=c.name, rates={m: default_pass_rate(m, c.name, main, in_use)
                                                       for m in candidates}) for c in classes)


class RightSizingInputs(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    classes: tuple[TaskClass, ...] = Field(
        DEFAULT_CLASSES, min_length=1, max_length=MAX_TASK_CLASSES, title="Task classes",
        json_schema_extra={"key": "rs.classes"},
        description="The kinds of request in the workload, their shares and relative sizes.",
    )
    candidates: tuple[str, ...] = Field(
        (), max_length=MAX_CANDIDATES, title="Candidate models", json_schema_extra={"key": "rs.models"},
        description="Models to compare, from the price catalogue. Today's model must be one of them (default: the "
        "workload's model plus illustrative cheaper ones).",
    )
    pass_rates: tuple[PassRateRow, ...] = Field(
        (), title="Pass rates", json_schema_extra={"key": "rs.rates"},
        description="Pass rate per task class and candidate, from your evals; blank = not evaluated.",
    )
    quality_bar: float = Field(
        0.9, ge=0, le=1, title="Quality bar", json_schema_extra={"key": "rs.bar", "percent": True, "step": 1.0},
        description="Lowest pass rate a model may have on a task class to be picked for it (illustrative default).",
    )
    failure_mode: FailureMode = Field(
        "redo", title="A failed answer is",
        json_schema_extra={"key": "rs.fail", "widget": "radio", "labels": FAILURE_LABEL},
        description="Redone on the same model until it passes, or escalated to today's model (redone there until "
        "it passes).",
    )

    @model_validator(mode="after")
    def _consistent(self) -> RightSizingInputs:
        broken = self._broken_rule()
        if broken is not None:
            raise ValueError(broken)
        return self

    def _broken_rule(self) -> str | None:
        """The first cross-field rule the inputs break (None: they keep every rule)."""
        if not self.candidates:
            return "pick at least one candidate model"
        if len(set(self.candidates)) != len(self.candidates):
            return "each candidate model may appear only once"
        names = [c.name for c in self.classes]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            return f"task class names must be unique; repeated: {', '.join(repeated)}"
        total = sum(c.share for c in self.classes)
        if abs(total - 1) > SHARE_TOLERANCE:
            return f"shares of traffic add up to {total:.1%}; they must add up to 100%"
        rows = [r.task_class for r in self.pass_rates]
        if len(set(rows)) != len(rows):
            return "the pass-rate table has two rows for the same task class"
        return None

    @classmethod
    def valid_draws(cls, x: RightSizingInputs) -> np.ndarray:
        """`_consistent` over draws: its rules read the candidates and the tables only, never the one number a range
        is put on (the quality bar, drawn within its bounds), so every draw is as valid as those are."""
        return np.full(np.shape(x.quality_bar), x._broken_rule() is None)

    def rate(self, task_class: str, model: str) -> float | None:
        for row in self.pass_rates:
            if row.task_class == task_class:
                return row.rates.get(model)
        return None

    def pass_matrix(self) -> np.ndarray:
        """Pass rates, task classes x candidates; NaN where a model was not evaluated."""
        return np.array([[np.nan if (p := self.rate(k.name, m)) is None else p for m in self.candidates]
                         for k in self.classes], dtype=float).reshape(len(self.classes), len(self.candidates))

    @property
    def shares(self) -> np.ndarray:
        """The typed shares, normalised to add up to exactly 1 (they may be off by rounding): a split keeps every
        request."""
        shares = np.array([k.share for k in self.classes], dtype=float)
        return shares / shares.sum()

    def size_ratios(self) -> tuple[np.ndarray, np.ndarray]:
        """Each task class's input and output size over the table's traffic-weighted average (1 where the
        average is 0): what scales the workload class's tokens."""
        def ratio(sizes: np.ndarray) -> np.ndarray:
            mean = float(self.shares @ sizes)
            return sizes / mean if mean > 0 else np.ones_like(sizes)

        return (ratio(np.array([k.input_tokens for k in self.classes], dtype=float)),
                ratio(np.array([k.output_tokens for k in self.classes], dtype=float)))


def defaults(w: Workload, cat: Catalogue) -> dict[str, object]:
    candidates = default_candidates(w, cat)
    in_use = {c.model_key for c in w.classes}
    return {"candidates": tuple(candidates), "pass_rates": default_rate_rows(candidates, main_model(w, cat), in_use)}


def _screen(w: Workload, x: RightSizingInputs, cat: Catalogue) -> tuple[list[int], list[str], list[str]]:
    """Which workload classes the pass rates let the lever split, before pricing: (their indices, problems the user can
    fix in the tables, classes left as they are because their model has no price)."""
    ok, found, unpriced = [], [], []
    for i, c in enumerate(w.classes):
        s = c.model_key
        if not _priced(w, cat, s):
            unpriced.append(f"'{c.name}' runs on {s}, which has no price in the catalogue: it stays as it is (today's "
                            "cost of that traffic is unknown, so no saving on it can be priced).")
            continue
        if s not in x.candidates:
            found.append(f"Today's model of '{c.name}', {s}, is not a candidate: add it to the candidate models (the "
                         "task classes are compared with it).")
            continue
        missing = [k.name for k in x.classes if x.rate(k.name, s) is None]
        never = [k.name for k in x.classes if x.rate(k.name, s) == 0]
        if missing:
            found.append(f"{s} (today's model of '{c.name}') has no pass rate for '{missing[0]}': fill it in the "
                         "pass-rate table.")
        elif never:
            found.append(f"{s} (today's model of '{c.name}') never passes '{never[0]}' (0%), so today's requests "
                         "could not complete: give it a pass rate above 0%.")
        else:
            ok.append(i)
    return ok, found, unpriced


def scaled(c: CallClass, input_ratio: float, output_ratio: float) -> CallClass:
    """One task class of a class: its own input (other input and tool results) scaled by the input ratio, its output
    (visible and reasoning) by the output ratio. The shared prefix is the same system prompt for every task class, so
    it stays as it is (and in the same cache)."""
    update: dict[str, object] = {
        "other_input_tokens": c.other_input_tokens * input_ratio,
        "output_tokens": c.output_tokens * output_ratio, "reasoning_tokens": c.reasoning_tokens * output_ratio,
    }
    if c.loop is not None:
        update["loop"] = copied(c.loop, tool_result_tokens=c.loop.tool_result_tokens * input_ratio)
    return copied(c, **update)


# --- the matrix the choice comes from -----------------------------------------------------------------------------


def task_class_of(c: CallClass, k: int, a_in: np.ndarray, a_out: np.ndarray, shares: np.ndarray) -> CallClass:
    """Task class k of class `c` today: its share of the requests, at its relative size (what a probe prices)."""
    return copied(scaled(c, float(a_in[k]), float(a_out[k])),
                  requests_per_month=c.requests_per_month * float(shares[k]))


def per_success(mode: FailureMode, passes: np.ndarray, attempt: np.ndarray, fits: np.ndarray,
                today_attempt: np.ndarray, today_pass: np.ndarray) -> np.ndarray:
    """USD per successful task of each (..., task class, candidate), from the USD per attempt (`attempt`, `fits`:
    (..., K, M); `today_attempt`, `today_pass`: (..., K), today's model's); see `Plan.per_success`."""
    p = passes
    with np.errstate(divide="ignore", invalid="ignore"):
        if mode == "redo":
            cost = np.where(p > 0, attempt / np.where(p > 0, p, 1.0), np.inf)
        else:
            today = (today_attempt / today_pass)[..., None]
            cost = attempt + (1.0 - p) * today
    return np.where(np.isnan(p) | np.isnan(attempt) | ~fits, np.nan, cost)


def cheapest(cost: np.ndarray, passes: np.ndarray, bar: np.ndarray,
             today: np.ndarray | int) -> tuple[np.ndarray, np.ndarray]:
    """The candidate (last axis) with the lowest cost per successful task among those whose pass rate meets the bar
    (ties: first listed), or today's model where none does; and where one does. The arguments broadcast."""
    with np.errstate(invalid="ignore"):
        eligible = (passes >= bar) & np.isfinite(cost)
    masked = np.where(eligible, cost, np.inf)
    met = eligible.any(axis=-1)
    return np.where(met, masked.argmin(axis=-1), today), met


def task_class_served(x: RightSizingInputs, passes: np.ndarray, c: CallClass, k: int, m: int, s: int,
                      today_requests: float | np.ndarray, tasks: float | np.ndarray, a_in: np.ndarray,
                      a_out: np.ndarray) -> list[CallClass]:
    """Task class k of class `c` (today on candidate s) served by candidate m: the same completed tasks, the requests
    its failure mode sends to m (and to s, where failures escalate). The numbers may be arrays (one per draw)."""
    task = scaled(c, float(a_in[k]), float(a_out[k]))
    name = f"{c.name} · {x.classes[k].name}"
    if m == s:
        return [copied(task, name=name, requests_per_month=today_requests)]
    p_m = float(passes[k, m])
    key = x.candidates[m]
    if x.failure_mode == "redo":
        return [moved_to(task, key, name=name, requests_per_month=tasks / p_m)]
    return [moved_to(task, key, name=name, requests_per_month=tasks),
            copied(task, name=f"{name} · escalated",
                   requests_per_month=tasks * (1 - p_m) / float(passes[k, s]))]


@dataclass(frozen=True)
class TooBig:
    """A task class whose calls do not fit a model's context window."""

    workload_class: str
    task_class: str
    model: str
    tokens: float
    window: int


@dataclass(frozen=True)
class Plan:
    """Per (workload class c that is split, task class k, candidate m): what the choice rests on, and the workload
    that prices every choice."""

    x: RightSizingInputs
    workload: Workload
    catalogue: Catalogue
    split: tuple[int, ...]  # indices into the workload's classes
    names: tuple[str, ...]  # their names
    today: np.ndarray  # (C,) candidate index of each split class's model
    requests: np.ndarray  # (C,) today's requests
    passes: np.ndarray  # (K, M); NaN: not evaluated
    attempt: np.ndarray  # (C, K, M) USD per request (attempt), from price(); NaN: unpriced
    fits: np.ndarray  # (C, K, M) False: the task class's calls exceed m's context window
    today_total: float  # price(workload).total
    gap: float  # today's bill minus the same workload split at today's models (0 unless a long-context cliff)
    problems: tuple[str, ...] = ()  # workload classes left as they are until the user fixes the tables
    unpriced: tuple[str, ...] = ()  # workload classes left as they are because their model has no price
    too_big: tuple[TooBig, ...] = ()  # candidates left out of a task class: its calls exceed their window
    _priced: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def shares(self) -> np.ndarray:
        return self.x.shares

    @cached_property
    def today_requests(self) -> np.ndarray:
        """(C, K) requests of each task class today."""
        return self.requests[:, None] * self.shares[None, :]

    @cached_property
    def weights(self) -> np.ndarray:
        """(C, K) each task class's share of today's requests (of the split classes); with no requests at all, each
        workload class counts alike, so quality and shares stay defined."""
        total = self.today_requests.sum()
        if total > 0:
            return self.today_requests / total
        n = max(len(self.split), 1)
        return np.ones((len(self.split), 1)) * self.shares[None, :] / n

    @cached_property
    def today_pass(self) -> np.ndarray:
        """(C, K) today's model's pass rate."""
        return self.passes[:, self.today].T if self.today.size else np.zeros((0, len(self.shares)))

    @cached_property
    def today_attempt(self) -> np.ndarray:
        """(C, K) USD per request on today's model."""
        c = np.arange(len(self.today))
        return self.attempt[c, :, self.today]

    @cached_property
    def tasks(self) -> np.ndarray:
        """(C, K) successful tasks a month: today's requests x today's pass rate (redos included in requests)."""
        return self.today_requests * self.today_pass

    def per_success(self) -> np.ndarray:
        """(C, K, M) USD per successful task; inf where a model never passes, NaN where not evaluated, unpriced or
        too small a window.

        redo:     c_m / p_m                      (attempts until the first pass: geometric, mean 1 / p_m)
        escalate: c_m + (1 - p_m) x c_s / p_s    (one attempt on m; a failure goes to today's model s, redone
                                                  there until it passes)
        """
        return self._per_success

    @cached_property
    def _per_success(self) -> np.ndarray:
        return per_success(self.x.failure_mode, self.passes, self.attempt, self.fits, self.today_attempt,
                           self.today_pass)

    def choose(self, bars: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each bar: per (c, k) the candidate with the lowest cost per successful task among those meeting the
        bar (ties: first listed); a task class no candidate meets stays on today's model. Returns (chosen, met),
        both (bars, C, K)."""
        bars = np.asarray(bars, dtype=float)
        return cheapest(self.per_success()[None], self.passes, bars[:, None, None, None], self.today[None, :, None])

    @cached_property
    def today_spend(self) -> np.ndarray:
        """(C, K) USD a month of each task class today: requests x cost per request on today's model (they add up to
        today's bill of the split classes, less the gap)."""
        return self.today_requests * self.today_attempt

    def quality(self, chosen: np.ndarray) -> np.ndarray:
        """First-attempt pass rate of a choice, weighted by today's requests."""
        k = np.arange(self.passes.shape[0])[None, :]
        return (self.weights * self.passes[k, chosen]).sum(axis=(-2, -1))

    def policy(self, chosen: np.ndarray) -> tuple[Workload, list[tuple[int, int] | None]]:
        """The workload after a choice (C, K), and for each of its classes the (c, k) it serves (None: not split)."""
        w, x = self.workload, self.x
        a_in, a_out = x.size_ratios()
        rows = {index: i for i, index in enumerate(self.split)}
        owners: list[tuple[int, int] | None] = []
        position = iter(range(len(w.classes)))  # map visits the classes in order

        def change(c: CallClass) -> CallClass | list[CallClass]:
            index = next(position)
            if index not in rows:
                owners.append(None)
                return c
            i = rows[index]
            s = int(self.today[i])
            out = []
            for k in range(len(x.classes)):
                served = task_class_served(x, self.passes, c, k, int(chosen[i, k]), s,
                                           float(self.today_requests[i, k]), float(self.tasks[i, k]), a_in, a_out)
                out.extend(served)
                owners.extend([(i, k)] * len(served))
            return out

        return w.map(change), owners

    def priced(self, chosen: np.ndarray) -> tuple[Workload, Bill, np.ndarray]:
        """A choice (C, K) priced whole: the workload after it, its bill, and (C, K) USD a month of each task class."""
        chosen = np.asarray(chosen, dtype=int)
        key = chosen.tobytes()
        if key not in self._priced:
            after, owners = self.policy(chosen)
            bill = price(after, self.catalogue)
            spend = np.zeros(chosen.shape)
            for owner, b in zip(owners, bill.classes, strict=True):
                if owner is not None:
                    spend[owner] += b.total
            self._priced[key] = (after, bill, spend)
        return self._priced[key]

    def saving(self, chosen: np.ndarray) -> float:
        """Today's bill minus the bill of the workload after a choice (C, K), priced whole."""
        return self.today_total - self.priced(chosen)[1].total


_LAST_PLAN: list[tuple[Workload, RightSizingInputs, Catalogue, Plan]] = []  # the Overview asks idle, apply, caveat
_LAST_PLAN_LOCK = threading.Lock()  # sessions rerun in threads: one reads the entry another writes whole


def plan(w: Workload, x: RightSizingInputs, cat: Catalogue, today: Bill | None = None) -> Plan:
    """Price one request of every (split class, task class, candidate) at once: one workload of one-request probes,
    so tiers, caching and call failures are priced as the class bills them. A probe's hit rate is resolved in `w`:
    on today's model it is today's; on another model it is what the traffic already there, or else this task class's
    own traffic, would give (see `workload.probe`). The last plan is kept for the same (immutable) objects."""
    with _LAST_PLAN_LOCK:
        last = _LAST_PLAN[-1] if _LAST_PLAN else None
    if last is not None and last[0] is w and last[1] is x and last[2] is cat:
        return last[3]
    p = _plan(w, x, cat, today)  # outside the lock: another session's plan is not kept waiting
    with _LAST_PLAN_LOCK:
        _LAST_PLAN[:] = [(w, x, cat, p)]
    return p


def _plan(w: Workload, x: RightSizingInputs, cat: Catalogue, today: Bill | None) -> Plan:
    today = today if today is not None else price(w, cat)
    ok, found, unpriced = _screen(w, x, cat)
    a_in, a_out = x.size_ratios()
    shares = x.shares
    probes = []
    for c_index in ok:
        c = w.classes[c_index]
        for k in range(len(x.classes)):
            task = task_class_of(c, k, a_in, a_out, shares)
            probes.extend(probe(task, w, key, name=f"{c_index}/{k}/{m}") for m, key in enumerate(x.candidates))
    shape = (len(ok), len(x.classes), len(x.candidates))
    if probes:
        probe_bill = price(w.replace(probes), cat)
        attempt = np.array([b.total if b.priced else np.nan for b in probe_bill.classes]).reshape(shape)
        over = {o.class_name: o for o in probe_bill.overflows}
    else:
        attempt, over = np.zeros(shape), {}
    fits = np.ones(shape, dtype=bool)
    index = {key: m for m, key in enumerate(x.candidates)}
    keep, too_big = [], []
    for i, c_index in enumerate(ok):
        c = w.classes[c_index]
        s = index[c.model_key]
        for k, task_class in enumerate(x.classes):
            for m, key in enumerate(x.candidates):
                o = over.get(f"{c_index}/{k}/{m}")
                if o is not None:
                    fits[i, k, m] = False
                    too_big.append(TooBig(c.name, task_class.name, key, o.tokens, o.window))
        bad = [k for k in range(len(x.classes)) if not fits[i, k, s]]
        if bad:
            o = over[f"{c_index}/{bad[0]}/{s}"]
            found.append(f"'{c.name}' · '{x.classes[bad[0]].name}' would send {o.tokens:,.0f} tokens per call at its "
                         f"relative size, more than {c.model_key}'s {o.window:,}-token context window, yet today's "
                         "requests fit: lower that task class's input or output size in the table.")
        else:
            keep.append(i)
    split = tuple(ok[i] for i in keep)
    too_big = [t for t in too_big if t.workload_class in {w.classes[j].name for j in split}]
    requests = np.array([w.classes[i].requests_per_month for i in split], dtype=float)
    p = Plan(x=x, workload=w, catalogue=cat, split=split, names=tuple(w.classes[i].name for i in split),
             today=np.array([index[w.classes[i].model_key] for i in split], dtype=int), requests=requests,
             passes=x.pass_matrix(), attempt=attempt[keep], fits=fits[keep], today_total=today.total, gap=0.0,
             problems=tuple(found), unpriced=tuple(unpriced), too_big=tuple(too_big))
    split_today = sum(today.classes[i].total for i in split)
    gap = split_today - float(p.today_spend.sum()) if split else 0.0
    return replace(p, gap=gap)


def apply(w: Workload, x: RightSizingInputs, cat: Catalogue) -> Workload:
    p = plan(w, x, cat)
    if not p.split:
        return w
    return p.policy(p.choose(np.array([x.quality_bar]))[0][0])[0]


# --- on the draw axis (calculators/draws.py) -----------------------------------------------------------------------


def probe_draws(c: CallClass, traffic: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]],
                model_key: str) -> CallClass:
    """`workload.probe` over draws: one request of a class on `model_key`, its hit rate resolved in the context whose
    caches' traffic is `traffic` (`pool_traffic_draws`)."""
    update = _moving(c, model_key)
    hit = update.get("cache_hit_rate", c.cache_hit_rate)
    if c.cache != "off" and hit is None:
        pool = traffic.get(cache_pool(c, model_key))
        arrivals = prefix_arrivals(c) if pool is None else np.where(pool[1], pool[0], prefix_arrivals(c))
        hit = traffic_hit_rate(arrivals / c.cache_prefixes / HOURS_PER_MONTH, TTL_SECONDS[c.cache])
    return copied(c, **{**update, "requests_per_month": 1.0, "cache_hit_rate": hit})


def _rows_summed(g: CallGroup, per_call: np.ndarray) -> np.ndarray:
    """A call group's calls times `per_call` (tokens of one call), summed over its rows: one value per draw."""
    product = g.calls * per_call
    if product.ndim == 1:
        return product
    return (product if g.live is None else np.where(g.live, product, 0.0)).sum(axis=0)


def _probe_priced(v: Variant, probe_: CallClass, wd: WorkloadDraws, cat: Catalogue) -> tuple[np.ndarray, np.ndarray]:
    """One probe priced whole in every draw: USD per request, and the draws in which its calls fit the window."""
    bill = price_draws(WorkloadDraws(wd.n, (Variant(probe_, v.active),), custom_models=wd.custom_models), cat)
    return bill.total, ~bill.refused.get(probe_.name, np.zeros(wd.n, dtype=bool))


NEAR = 1e-9  # a call within this share of a window or a long-context threshold is priced whole, not from its parts


def _attempts_draws(v: Variant, x: RightSizingInputs, wd: WorkloadDraws,
                    traffic: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]],
                    cat: Catalogue) -> tuple[np.ndarray, np.ndarray]:
    """`Plan.attempt` and `Plan.fits` of one class in every draw: (draws, K, M) USD per request of each task class on
    each candidate (NaN: the candidate has no price), and whether its calls fit the candidate's window.

    A probe's calls do not depend on its size or hit rate, and its tokens in each billing category are affine in its
    input ratio, its output ratio (`scaled`) and its hit rate: the class's rows at three or four corners give every
    probe's tokens, and at flat rates its money, without pricing each probe's rows (the heaviest part of the draw
    axis). A probe whose largest call may come near a window or cross a long-context tier (rates per call) is priced
    whole."""
    n, c, w = wd.n, v.c, wd.as_workload()
    a_in, a_out = x.size_ratios()
    unit = copied(c, requests_per_month=1.0)  # a probe's cost per request: its calls are proportional to requests
    cached = c.cache != "off"
    corners = [call_groups(scaled(unit, ai, ao), np.zeros(n), n) for ai, ao in ((0.0, 0.0), (1.0, 0.0), (0.0, 1.0))]
    if cached:
        corners.append(call_groups(scaled(unit, 0.0, 0.0), np.ones(n), n))
    totals = [np.stack([sum(_rows_summed(g, g.tokens[t]) for g in groups if t in g.tokens) + np.zeros(n)
                        for t in TOKEN_CATEGORIES]) for groups in corners]
    at_zero, per_in, per_out = totals[0], totals[1] - totals[0], totals[2] - totals[0]
    per_hit = totals[3] - totals[0] if cached else 0.0

    def upper(part) -> list[np.ndarray]:
        """Each draw's largest call at zero size and the largest growth per unit of each ratio (`part` of a call, row
        by row, in the same groups at each corner): a probe's largest call is at most the first plus its ratios
        (never negative) times the others."""
        out = [np.full(n, -np.inf) for _ in range(3)]
        for a, b, d in zip(*corners[:3]):
            rows = [np.broadcast_to(part(g), g.calls.shape) for g in (a, b, d)]
            for i, r in enumerate((rows[0], rows[1] - rows[0], rows[2] - rows[0])):
                if a.live is not None:
                    r = np.where(a.live, r, -np.inf)
                out[i] = np.maximum(out[i], r.max(axis=0) if r.ndim == 2 else r)
        return out

    context = upper(lambda g: g.total_input + g.full_output)
    # Every row, as `price_draws` picks tiered rates when any row crosses (a row beyond a draw's steps bills nothing).
    total_input = [float(t.max()) for t in upper(lambda g: g.total_input)]
    attempt = np.full((n, len(a_in), len(x.candidates)), np.nan)
    fits = np.ones(attempt.shape, dtype=bool)
    for k in range(len(a_in)):
        ai, ao = float(a_in[k]), float(a_out[k])
        task = task_class_of(c, k, a_in, a_out, x.shares)
        tokens = at_zero + ai * per_in + ao * per_out
        widest = context[0] + ai * context[1] + ao * context[2]
        longest_input = total_input[0] + ai * total_input[1] + ao * total_input[2]
        for m, key in enumerate(x.candidates):
            prices = model_prices(w, cat, key)
            if prices is None:
                continue
            one = probe_draws(task, traffic, key)
            rates, limit = billing(prices, one.tier)
            lowest = rates.lowest
            if (lowest is not None and longest_input > lowest * (1 - NEAR)) or (
                    limit is not None and float(widest.max()) > limit * (1 - NEAR)):
                attempt[:, k, m], fits[:, k, m] = _probe_priced(v, one, wd, cat)
                continue
            hit = one.cache_hit_rate if cached else 0.0
            attempt[:, k, m] = np.asarray(rates.base_values) @ (tokens + hit * per_hit) / 1e6
    return attempt, fits


def apply_draws(wd: WorkloadDraws, x: RightSizingInputs, cat: Catalogue) -> tuple[WorkloadDraws, np.ndarray]:
    """`apply` in every draw: each class the tables let the lever judge is split into its task classes where they all
    fit today's model, each task class a variant per candidate it is the cheapest in some draws (active there)."""
    ok, _, _ = _screen(wd.as_workload(), x, cat)
    if not ok:
        return wd, wd.everywhere()
    traffic = pool_traffic_draws(wd)
    a_in, a_out = x.size_ratios()
    shares, passes = x.shares, x.pass_matrix()
    bar = np.asarray(x.quality_bar, dtype=float)[..., None, None]
    index = {key: m for m, key in enumerate(x.candidates)}

    def right_sized(v: Variant) -> list[Variant]:
        c = v.c
        s = index[c.model_key]
        attempt, fits = _attempts_draws(v, x, wd, traffic, cat)
        split = fits[:, :, s].all(axis=1)  # a task class that does not fit today's model leaves the class as it is
        if v.active is not None:
            split &= v.active
        cost = per_success(x.failure_mode, passes, attempt, fits, attempt[:, :, s], passes[:, s])
        chosen, _ = cheapest(cost, passes, bar, s)
        out = [kept] if (kept := v.within(~split)) is not None else []
        for k in range(len(shares)):
            today_requests = c.requests_per_month * shares[k]
            for m in np.unique(chosen[split, k]):
                active = split & (chosen[:, k] == m)
                out += [Variant(served, active) for served in task_class_served(
                    x, passes, c, k, int(m), s, today_requests, today_requests * passes[k, s], a_in, a_out)]
        return out

    judged = set(ok)
    variants = [p for i, v in enumerate(wd.variants) for p in (right_sized(v) if i in judged else [v])]
    # `idle` and `apply` raise nothing (the plan divides only by pass rates above 0): the lever applies in every draw.
    return replace(wd, variants=tuple(variants)), wd.everywhere()


def problems(w: Workload, x: RightSizingInputs, cat: Catalogue) -> list[str]:
    """Why workload classes are left as they are until the user fixes the tables (pass rates, candidates, sizes)."""
    return list(plan(w, x, cat).problems)


def describe(x: RightSizingInputs) -> str:
    return (f"each of {len(x.classes)} task classes on the cheapest of {len(x.candidates)} candidates per successful "
            f"task with a pass rate of at least {x.quality_bar:.0%}; failures {FAILURE_LABEL[x.failure_mode].lower()}; "
            "completed tasks unchanged")


def idle(w: Workload, x: RightSizingInputs, cat: Catalogue) -> str | None:
    p = plan(w, x, cat)
    if not p.split:
        found = p.unpriced + p.problems
        return found[0].rstrip(".") if found else "the workload has no call classes"
    return None


def too_big_note(too_big: tuple[TooBig, ...]) -> str:
    """Which candidates were left out of which task class, the biggest call of each pair."""
    worst: dict[tuple[str, str], TooBig] = {}
    for t in too_big:
        if (t.task_class, t.model) not in worst or t.tokens > worst[(t.task_class, t.model)].tokens:
            worst[(t.task_class, t.model)] = t
    cases = [f"{t.model} for '{t.task_class}' ({t.tokens:,.0f} tokens, window {t.window:,})" for t in worst.values()]
    return ("Models whose context window a task class exceeds were not considered for it: " + "; ".join(cases[:3])
            + (f" and {len(cases) - 3} more" if len(cases) > 3 else "") + ".")


def notes(p: Plan) -> list[str]:
    """What a reviewer must know about this saving: classes left as they are, candidates left out, a split that alone
    changes the bill."""
    out = []
    if p.split:
        left = [*p.unpriced, *p.problems]
        if left:
            out.append(("One call class is left as it is: " if len(left) == 1
                        else f"{len(left)} call classes are left as they are: ") + " ".join(left))
    if p.too_big:
        out.append(too_big_note(p.too_big))
    if abs(p.gap) > 0.005:
        out.append("Splitting the traffic into the task classes alone changes the bill (a scaled prompt crosses a "
                   "long-context price tier): the saving includes that change.")
    return out


def caveat(w: Workload, x: RightSizingInputs, cat: Catalogue) -> str | None:
    found = notes(plan(w, x, cat))
    return " ".join(found) if found else None


LEVER = Lever(
    name="right_sizing", label="Model right-sizing", page="pages/right_sizing.py",
    question="How much traffic pays frontier prices for work a cheaper model does as well?",
    inputs=RightSizingInputs, apply=apply, describe=describe, defaults=defaults, idle=idle, caveat=caveat,
    group=MODEL_CHOICE, draws=apply_draws,
)


# --- the page's analysis ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RightSizingResult(TodayAndAfter):
    today: Bill
    after: Bill
    plan: Plan
    chosen: np.ndarray  # (C, K) candidate index at the user's bar
    met: np.ndarray  # (C, K) False: no candidate meets the bar, the task class stays on today's model
    spend_after: np.ndarray  # (C, K) USD a month of each task class after, from the priced bill
    curve: pd.DataFrame  # the saving at every breakpoint bar, priced (see savings_vs_bar)
    break_even_bar: float | None  # highest bar that still saves money; None: no bar saves
    saves_at_every_bar: bool

    @property
    def problems(self) -> tuple[str, ...]:
        """Workload classes left as they are, and why."""
        return self.plan.unpriced + self.plan.problems

    @property
    def quality_today(self) -> float:
        return float(self.plan.quality(self.plan.today[:, None] * np.ones_like(self.chosen)))

    @property
    def quality_after(self) -> float:
        return float(self.plan.quality(self.chosen))

    @property
    def share_moved(self) -> float:
        """Share of today's requests (of the classes that are split) whose task class moves to another model."""
        return float(self.plan.weights[self.chosen != self.plan.today[:, None]].sum())

    @property
    def moved_to(self) -> tuple[str, ...]:
        """The candidates that receive the task classes that move, the one taking the largest share of today's requests
        first (the verdict names them)."""
        moved = self.chosen != self.plan.today[:, None]
        shares: dict[str, float] = {}
        for m, weight in zip(self.chosen[moved], self.plan.weights[moved], strict=True):
            key = self.plan.x.candidates[int(m)]
            shares[key] = shares.get(key, 0.0) + float(weight)
        return tuple(sorted(shares, key=lambda key: -shares[key]))

    @property
    def tasks(self) -> float:
        """Successful tasks a month of the split classes: the same today and after."""
        return float(self.plan.tasks.sum())

    @property
    def per_task_today(self) -> float | None:
        return float(self.plan.today_spend.sum()) / self.tasks if self.tasks > 0 else None

    @property
    def per_task_after(self) -> float | None:
        return float(self.spend_after.sum()) / self.tasks if self.tasks > 0 else None

    @property
    def unmet(self) -> tuple[str, ...]:
        return tuple(k.name for j, k in enumerate(self.plan.x.classes) if not self.met[:, j].all())

    @property
    def notes(self) -> list[str]:
        return notes(self.plan)


def breakpoints(x: RightSizingInputs) -> np.ndarray:
    """Every bar at which the choice can change: 0, each distinct pass rate, and 100%. The choice is constant for a
    bar in (v[i-1], v[i]], so these points describe the step curve exactly."""
    values = x.pass_matrix()
    return np.unique(np.concatenate([[0.0, 1.0], values[np.isfinite(values)]]))


def _tolerance(p: Plan) -> float:
    """Float noise in a sum of a few costs: far below a cent a month."""
    return 1e-9 * max(1.0, abs(p.today_total))


def _curve(p: Plan) -> pd.DataFrame:
    bars = breakpoints(p.x)
    chosen, met = p.choose(bars)
    bills = [p.priced(chosen[b])[1].total if p.split else p.today_total for b in range(len(bars))]
    return pd.DataFrame({
        "quality_bar": bars,
        "saving": p.today_total - np.array(bills),
        "bill_after": bills,
        "quality": p.quality(chosen) if p.split else np.zeros(len(bars)),
        "task_classes_meeting_bar": met.all(axis=1).sum(axis=1),
    })


def evaluate(w: Workload, x: RightSizingInputs, cat: Catalogue, today: Bill | None = None) -> RightSizingResult:
    today = today if today is not None else price(w, cat)
    p = plan(w, x, cat, today)
    chosen, met = p.choose(np.array([x.quality_bar]))
    if p.split:
        _, after, spend_after = p.priced(chosen[0])
    else:
        after, spend_after = today, np.zeros(chosen[0].shape)
    curve = _curve(p)
    positive = curve["saving"].to_numpy() > _tolerance(p)
    return RightSizingResult(
        today=today, after=after, plan=p, chosen=chosen[0], met=met[0], spend_after=spend_after, curve=curve,
        break_even_bar=float(curve["quality_bar"][positive].max()) if positive.any() else None,
        saves_at_every_bar=bool(positive[-1]),
    )


def savings_vs_bar(r: RightSizingResult) -> pd.DataFrame:
    """Monthly saving, bill and first-attempt quality at every breakpoint bar: a step curve, each point the bill of
    the transformed workload priced whole (the headline at the user's bar). The value at v[i] holds for every bar in
    (v[i-1], v[i]]; draw it with steps that rise vertically first ('vh')."""
    return r.curve


def frontier(r: RightSizingResult, curve: pd.DataFrame | None = None) -> pd.DataFrame:
    """Monthly bill vs first-attempt quality: the per-class policy at every distinct bar, each candidate answering
    every task class ("one model"), and today; every bill priced whole."""
    p = r.plan
    curve = savings_vs_bar(r) if curve is None else curve
    _, first = np.unique(curve[["bill_after", "quality"]].to_numpy(dtype=float), axis=0, return_index=True)
    policy = curve.iloc[np.sort(first)]  # one point per distinct policy, in the order of the bar
    rows = [{"kind": "per class", "label": f"bar {bar:.0%}", "quality_bar": bar, "monthly_bill": bill,
             "quality": quality}
            for bar, bill, quality in zip(policy["quality_bar"], policy["bill_after"], policy["quality"], strict=True)]
    cost = p.per_success()
    for m, key in enumerate(p.x.candidates):
        if p.split and np.all(np.isfinite(cost[:, :, m])):
            everywhere = np.full(p.tasks.shape, m)
            rows.append({"kind": "one model", "label": key, "quality_bar": None,
                         "monthly_bill": float(p.priced(everywhere)[1].total),
                         "quality": float(p.quality(everywhere))})
    rows.append({"kind": "today", "label": "today", "quality_bar": None, "monthly_bill": p.today_total,
                 "quality": r.quality_today})
    return pd.DataFrame(rows, columns=["kind", "label", "quality_bar", "monthly_bill", "quality"])


def break_even_pass_rates(p: Plan) -> np.ndarray:
    """(C, K, M) pass rate candidate m needs to cost, per successful task, what today's model s costs:
    redo c_m / p = c_s / p_s and escalate c_m + (1 - p) c_s / p_s = c_s / p_s both give p = p_s x c_m / c_s.
    NaN where it exceeds 100% (m can never pay), is undefined, or m's window is too small."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (p.today_pass / p.today_attempt)[:, :, None] * p.attempt
    return np.where(np.isfinite(out) & (out <= 1) & p.fits, out, np.nan)


def class_table(r: RightSizingResult) -> pd.DataFrame:
    """The decision per (workload class, task class): models, pass rates, requests and money, today and after (both
    from priced bills: today's split at today's models, and the workload after the lever)."""
    p = r.plan
    break_even = break_even_pass_rates(p)
    records = []
    for i, name in enumerate(p.names):
        s = int(p.today[i])
        for k, task_class in enumerate(p.x.classes):
            m = int(r.chosen[i, k])
            tasks = p.tasks[i, k]
            p_m = p.passes[k, m]
            if m == s:
                on_chosen, escalated = p.today_requests[i, k], 0.0
            elif p.x.failure_mode == "redo":
                on_chosen, escalated = tasks / p_m, 0.0
            else:
                on_chosen, escalated = tasks, tasks * (1 - p_m) / p.passes[k, s]
            records.append({
                "workload class": name, "task class": task_class.name, "share": task_class.share,
                "today's model": p.x.candidates[s], "chosen model": p.x.candidates[m]
                + ("" if r.met[i, k] else " (none meets the bar)"),
                "pass rate": p_m, "break-even pass rate": break_even[i, k, m] if m != s else np.nan,
                "per task today": p.today_attempt[i, k] / p.today_pass[i, k],
                "per task after": r.spend_after[i, k] / tasks if tasks > 0 else np.nan,
                "requests today": p.today_requests[i, k], "requests after": on_chosen + escalated,
                "per month today": p.today_spend[i, k], "per month after": r.spend_after[i, k],
            })
    return pd.DataFrame(records)


def spend_by_task_class(r: RightSizingResult) -> pd.DataFrame:
    """USD a month of each task class (all split workload classes together), today and after."""
    p = r.plan
    return pd.DataFrame({"task class": [k.name for k in p.x.classes], "today": p.today_spend.sum(axis=0),
                         "after": r.spend_after.sum(axis=0)})


EXPLANATION = r"""
**Task classes.** The workload's requests are split by the table's shares. Sizes are relative: a task class's own
input (the user's message, retrieved context, tool results: everything but the shared prefix) is the workload class's
scaled by its input size over the table's traffic-weighted average, and its output and reasoning by its output size
over theirs. The shared prefix is the same system prompt for every task class, so it is not scaled and stays in one
cache. Splitting alone leaves today's bill as it is (the bill is linear in tokens; a task class whose prompt crosses a
long-context tier is the exception, and the page says so). A task class whose scaled call would not fit today's
model's context window contradicts the workload (today's calls fit): that workload class is left as it is until the
sizes are fixed. A candidate whose window a task class exceeds is not considered for it.

**Today** every workload class runs on its own model *s*, and its requests include the redos of failed answers:
task class *k* of a class with *R* requests completes *T* = *R* × share × *p*ₛ tasks, where *p* is the pass rate from
your evals (the share of answers your check accepts). **The lever keeps those completed tasks.** A class on a model
with no price, or whose model has no pass rates, is left as it is (and the page says so).

**Cost per attempt** *c* of a task class on a model: one request priced by the one pricing function (long-context
tiers, batch prices, the class's caching and call failures honoured). On today's model the cache hit rate is
today's; a hit rate observed on one model says nothing about another's cache, so on another model it is derived
from the traffic that would reach it.

**Failures.** Every task ends in a success:
- *Redone on the same model*: attempts until the first pass are geometric, so a task costs *c* / *p* and model *m*
  receives *T* / *p*ₘ requests;
- *Escalated to today's model*: one attempt on *m*; a failure goes to *s*, redone there until it passes: a task costs
  *c*ₘ + (1 − *p*ₘ) × *c*ₛ / *p*ₛ; *m* receives *T* requests and *s* receives *T* × (1 − *p*ₘ) / *p*ₛ.

A failure is assumed noticed (a check, a validator or the user) and attempts independent. A blank pass rate means
"not evaluated": that model is never picked for that class; a 0% model is never picked either.

**Policy.** Each task class goes to the candidate with the lowest cost per successful task among those whose pass
rate meets the **quality bar**; a task class no candidate meets stays on today's model (and is flagged). Saving =
today's bill − the bill of the transformed workload, both from the pricing function (a cache shared by every task
class moved to one model is priced with the traffic the whole choice sends it).

**Break-evens.** A candidate pays on a task class when its pass rate exceeds *p*ₛ × *c*ₘ / *c*ₛ (the same in both
failure modes): a model 20× cheaper breaks even at one twentieth of today's pass rate, which is why cost alone
never rules a small model out: the quality bar does. The choice only changes at a pass rate someone typed, so the
saving is a step curve, priced at each of those values; the **break-even bar** is the highest bar that still saves.
**Quality** is the first-attempt pass rate weighted by today's requests: the share of answers right the first time.
"""
