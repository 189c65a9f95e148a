"""Model right-sizing: which model should answer each class of task?

The workload's requests are split into **task classes** (a table: share of traffic, input and output size). Sizes
are *relative*: a task class's tokens are the workload class's tokens scaled by its size over the table's
traffic-weighted average, so the split alone leaves today's bill unchanged (the bill is linear in tokens; only a
long-context cliff crossed by a scaled class can move it, and the page says so). Each candidate model has a pass
rate per task class, from the user's evals.

Today every workload class runs on its own model (its `model_key`, read from the class), and its requests include
the redos of failed answers: task class k of a class with R requests completes R x share_k x p_today,k tasks. The
lever keeps those completed tasks and moves each task class to the candidate with the lowest cost per successful
task whose pass rate meets the quality bar. A failed answer is either
- **redone** on the same model until it passes: requests on m = tasks / p_m; or
- **escalated** to today's model s, redone there until it passes: tasks requests on m, plus
  tasks x (1 - p_m) / p_s on s.

Money comes only from `bill.price`. One request of every (workload class, task class) on every candidate is priced
once, as a workload of one-request classes (long-context tiers, batch tiers, the class's caching and call failures
honoured); the bill is linear in requests, so every policy's bill, the step curve over the quality bar and the
cost-vs-quality frontier come from that matrix exactly, and `apply` builds the same policy as call classes.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from typing import Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from calculators.bill import Bill, price
from calculators.lever import MODEL_CHOICE, Lever, TodayAndAfter
from calculators.prices import Catalogue
from calculators.workload import DEFAULT_MODEL, CallClass, Workload

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
        description="Average prompt of this class. Relative: the workload's input tokens are scaled by this size "
        "over the table's traffic-weighted average (illustrative defaults).",
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
# tokens, the default workload's, so on the default workload the relative sizes are the tokens themselves.
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
# Illustrative pass rates, one per default class: today's model (a frontier model), a small and a mid-size model.
TODAY_RATES = (0.98, 0.96, 0.95, 0.93, 0.90)
DEFAULT_PASS_RATES: dict[str, tuple[float, ...]] = {
    SMALL_MODEL: (0.97, 0.93, 0.90, 0.80, 0.55),
    MID_MODEL: (0.96, 0.94, 0.91, 0.84, 0.70),
}


def default_candidates(w: Workload, available: set[str] | tuple[str, ...] | list[str]) -> list[str]:
    """Every model the workload runs on today (largest class first), then the illustrative cheaper candidates
    that exist in the catalogue."""
    today = sorted(w.classes, key=lambda c: -c.requests_per_month)
    picked = list(dict.fromkeys(c.model_key for c in today)) or [DEFAULT_MODEL]
    picked += [k for k in DEFAULT_CHEAP_CANDIDATES if k in available and k not in picked]
    return picked[:MAX_CANDIDATES]


def default_pass_rate(model: str, class_name: str, today_models: set[str] | list[str]) -> float | None:
    """The illustrative default for a cell; None for a class or model we have no default for."""
    names = [c.name for c in DEFAULT_CLASSES]
    if class_name not in names:
        return None
    k = names.index(class_name)
    if model in today_models:
        return TODAY_RATES[k]
    return DEFAULT_PASS_RATES[model][k] if model in DEFAULT_PASS_RATES else None


def default_rate_rows(candidates: list[str], today_models: set[str] | list[str],
                      classes: tuple[TaskClass, ...] = DEFAULT_CLASSES) -> tuple[PassRateRow, ...]:
    return tuple(PassRateRow(task_class=c.name, rates={m: default_pass_rate(m, c.name, today_models)
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
        if not self.candidates:
            raise ValueError("pick at least one candidate model")
        if len(set(self.candidates)) != len(self.candidates):
            raise ValueError("each candidate model may appear only once")
        names = [c.name for c in self.classes]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"task class names must be unique; repeated: {', '.join(repeated)}")
        total = sum(c.share for c in self.classes)
        if abs(total - 1) > SHARE_TOLERANCE:
            raise ValueError(f"shares of traffic add up to {total:.1%}; they must add up to 100%")
        rows = [r.task_class for r in self.pass_rates]
        if len(set(rows)) != len(rows):
            raise ValueError("the pass-rate table has two rows for the same task class")
        return self

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
    candidates = default_candidates(w, cat.keys())
    today = {c.model_key for c in w.classes} or {DEFAULT_MODEL}
    return {"candidates": tuple(candidates), "pass_rates": default_rate_rows(candidates, today)}


def problems(w: Workload, x: RightSizingInputs) -> list[str]:
    """Why a workload class cannot be split: today's model must have a pass rate above 0 on every task class."""
    out = []
    for c in w.classes:
        s = c.model_key
        if s not in x.candidates:
            out.append(f"Today's model of '{c.name}', {s}, is not a candidate: add it to the candidate models (the "
                       "task classes are compared with it).")
            continue
        missing = [k.name for k in x.classes if x.rate(k.name, s) is None]
        never = [k.name for k in x.classes if x.rate(k.name, s) == 0]
        if missing:
            out.append(f"{s} (today's model of '{c.name}') has no pass rate for '{missing[0]}': fill it in the "
                       "pass-rate table.")
        elif never:
            out.append(f"{s} (today's model of '{c.name}') never passes '{never[0]}' (0%), so today's requests "
                       "could not complete: give it a pass rate above 0%.")
    return out


def _rated(w: Workload, x: RightSizingInputs) -> list[int]:
    """Indices of the workload classes whose model has a positive pass rate on every task class."""
    ok = []
    for i, c in enumerate(w.classes):
        rates = [x.rate(k.name, c.model_key) for k in x.classes] if c.model_key in x.candidates else [None]
        if all(r is not None and r > 0 for r in rates):
            ok.append(i)
    return ok


def scaled(c: CallClass, input_ratio: float, output_ratio: float) -> CallClass:
    """A class with its input tokens (prefix, other input, tool results) and output tokens (visible and
    reasoning) scaled: one task class of it."""
    update: dict[str, object] = {
        "prefix_tokens": c.prefix_tokens * input_ratio, "other_input_tokens": c.other_input_tokens * input_ratio,
        "output_tokens": c.output_tokens * output_ratio, "reasoning_tokens": c.reasoning_tokens * output_ratio,
    }
    if c.loop is not None:
        update["loop"] = c.loop.model_copy(update={"tool_result_tokens": c.loop.tool_result_tokens * input_ratio})
    return c.model_copy(update=update)


# --- the matrix every figure comes from ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """Per (workload class c that is split, task class k, candidate m): the coefficients of every policy's bill."""

    x: RightSizingInputs
    split: tuple[int, ...]  # indices into the workload's classes
    names: tuple[str, ...]  # their names
    today: np.ndarray  # (C,) candidate index of each split class's model
    requests: np.ndarray  # (C,) today's requests
    passes: np.ndarray  # (K, M); NaN: not evaluated
    attempt: np.ndarray  # (C, K, M) USD per request (attempt), from price(); NaN: unpriced
    today_total: float  # price(workload).total
    gap: float  # today's bill minus the same workload split at today's models (0 unless a long-context cliff)

    @property
    def shares(self) -> np.ndarray:
        return self.x.shares

    @cached_property
    def today_requests(self) -> np.ndarray:
        """(C, K) requests of each task class today."""
        return self.requests[:, None] * self.shares[None, :]

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
        """(C, K, M) USD per successful task; inf where a model never passes, NaN where not evaluated or unpriced.

        redo:     c_m / p_m                      (attempts until the first pass: geometric, mean 1 / p_m)
        escalate: c_m + (1 - p_m) x c_s / p_s    (one attempt on m; a failure goes to today's model s, redone
                                                  there until it passes)
        """
        return self._per_success

    @cached_property
    def _per_success(self) -> np.ndarray:
        p = self.passes[None, :, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.x.failure_mode == "redo":
                cost = np.where(p > 0, self.attempt / np.where(p > 0, p, 1.0), np.inf)
            else:
                today = (self.today_attempt / self.today_pass)[:, :, None]
                cost = self.attempt + (1.0 - p) * today
        return np.where(np.isnan(p) | np.isnan(self.attempt), np.nan, cost)

    def choose(self, bars: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each bar: per (c, k) the candidate with the lowest cost per successful task among those meeting the
        bar (ties: first listed); a task class no candidate meets stays on today's model. Returns (chosen, met),
        both (bars, C, K)."""
        cost = self.per_success()
        bars = np.asarray(bars, dtype=float)
        with np.errstate(invalid="ignore"):
            eligible = (self.passes[None, None, :, :] >= bars[:, None, None, None]) & np.isfinite(cost)[None]
        masked = np.where(eligible, cost[None], np.inf)
        chosen = masked.argmin(axis=3)
        met = eligible.any(axis=3)
        return np.where(met, chosen, self.today[None, :, None]), met

    def spend(self, chosen: np.ndarray) -> np.ndarray:
        """(..., C, K) USD a month of each task class under a choice (..., C, K): tasks x cost per success."""
        cost = self.per_success()
        c = np.arange(cost.shape[0])[:, None]
        k = np.arange(cost.shape[1])[None, :]
        return self.tasks * cost[c, k, chosen]

    @cached_property
    def today_spend(self) -> np.ndarray:
        """(C, K) USD a month of each task class today: requests x cost per request on today's model."""
        return self.today_requests * self.today_attempt

    def saving(self, chosen: np.ndarray) -> np.ndarray:
        """Monthly saving of a choice (..., C, K): today's bill minus the bill after (exact: linear in requests)."""
        return self.gap + self.today_spend.sum() - self.spend(chosen).sum(axis=(-2, -1))

    def quality(self, chosen: np.ndarray) -> np.ndarray:
        """First-attempt pass rate of a choice, weighted by today's requests."""
        weights = self.today_requests / self.today_requests.sum() if self.today_requests.sum() > 0 else \
            np.zeros_like(self.today_requests)
        k = np.arange(self.passes.shape[0])[None, :]
        return (weights * self.passes[k, chosen]).sum(axis=(-2, -1))


def plan(w: Workload, x: RightSizingInputs, cat: Catalogue, today: Bill | None = None) -> Plan:
    """Price one request of every (split class, task class, candidate) at once: one workload of one-request
    classes, so tiers, caching and call failures are priced as the class bills them."""
    today = today if today is not None else price(w, cat)
    split = tuple(_rated(w, x))
    a_in, a_out = x.size_ratios()
    probes = []
    for c_index in split:
        c = w.classes[c_index]
        for k in range(len(x.classes)):
            task = scaled(c, float(a_in[k]), float(a_out[k]))
            for m, key in enumerate(x.candidates):
                probes.append(task.model_copy(update={"name": f"{c_index}/{k}/{m}", "requests_per_month": 1.0,
                                                      "model_key": key}))
    shape = (len(split), len(x.classes), len(x.candidates))
    if probes:
        probe_bill = price(w.replace(probes), cat)
        attempt = np.array([b.total if b.priced else np.nan for b in probe_bill.classes]).reshape(shape)
    else:
        attempt = np.zeros(shape)
    index = {key: m for m, key in enumerate(x.candidates)}
    today_index = np.array([index[w.classes[i].model_key] for i in split], dtype=int)
    requests = np.array([w.classes[i].requests_per_month for i in split], dtype=float)
    p = Plan(x=x, split=split, names=tuple(w.classes[i].name for i in split), today=today_index, requests=requests,
             passes=x.pass_matrix(), attempt=attempt, today_total=today.total, gap=0.0)
    split_today = sum(today.classes[i].total for i in split)
    gap = split_today - float(p.today_spend.sum()) if split else 0.0
    return replace(p, gap=gap)


def _apply(w: Workload, x: RightSizingInputs, p: Plan) -> Workload:
    chosen = p.choose(np.array([x.quality_bar]))[0][0]
    a_in, a_out = x.size_ratios()
    rows = {name: i for i, name in enumerate(p.names)}

    def change(c: CallClass) -> CallClass | list[CallClass]:
        if c.name not in rows:
            return c
        i = rows[c.name]
        s = int(p.today[i])
        out = []
        for k, task_class in enumerate(x.classes):
            task = scaled(c, float(a_in[k]), float(a_out[k]))
            name = f"{c.name} · {task_class.name}"
            m = int(chosen[i, k])
            tasks = float(p.tasks[i, k])
            if m == s:
                out.append(task.model_copy(update={"name": name, "requests_per_month": float(p.today_requests[i, k])}))
                continue
            p_m = float(p.passes[k, m])
            key = x.candidates[m]
            if x.failure_mode == "redo":
                out.append(task.model_copy(update={"name": name, "model_key": key, "requests_per_month": tasks / p_m}))
            else:
                out.append(task.model_copy(update={"name": name, "model_key": key, "requests_per_month": tasks}))
                out.append(task.model_copy(update={
                    "name": f"{name} · escalated", "requests_per_month": tasks * (1 - p_m) / float(p.passes[k, s])}))
        return out

    return w.map(change)


def apply(w: Workload, x: RightSizingInputs, cat: Catalogue) -> Workload:
    return _apply(w, x, plan(w, x, cat))


def describe(x: RightSizingInputs) -> str:
    return (f"each of {len(x.classes)} task classes on the cheapest of {len(x.candidates)} candidates per successful "
            f"task with a pass rate of at least {x.quality_bar:.0%}; failures {FAILURE_LABEL[x.failure_mode].lower()}; "
            "completed tasks unchanged")


def idle(w: Workload, x: RightSizingInputs, cat: Catalogue) -> str | None:
    if not _rated(w, x):
        found = problems(w, x)
        return found[0].rstrip(".") if found else "the workload has no call classes"
    return None


LEVER = Lever(
    name="right_sizing", label="Model right-sizing", page="pages/right_sizing.py",
    question="How much traffic pays frontier prices for work a cheaper model does as well?",
    inputs=RightSizingInputs, apply=apply, describe=describe, defaults=defaults, idle=idle, group=MODEL_CHOICE,
)


# --- the page's analysis ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RightSizingResult(TodayAndAfter):
    today: Bill
    after: Bill
    plan: Plan
    chosen: np.ndarray  # (C, K) candidate index at the user's bar
    met: np.ndarray  # (C, K) False: no candidate meets the bar, the task class stays on today's model
    problems: tuple[str, ...]  # workload classes left as they are, and why
    break_even_bar: float | None  # highest bar that still saves money; None: no bar saves
    saves_at_every_bar: bool


    @property
    def quality_today(self) -> float:
        return float(self.plan.quality(self.plan.today[:, None] * np.ones_like(self.chosen)))

    @property
    def quality_after(self) -> float:
        return float(self.plan.quality(self.chosen))

    @property
    def share_moved(self) -> float:
        """Share of today's requests (of the classes that are split) whose task class moves to another model."""
        requests = self.plan.today_requests
        moved = requests[self.chosen != self.plan.today[:, None]].sum()
        return float(moved / requests.sum()) if requests.sum() > 0 else 0.0

    @property
    def tasks(self) -> float:
        """Successful tasks a month of the split classes: the same today and after."""
        return float(self.plan.tasks.sum())

    @property
    def per_task_today(self) -> float | None:
        return float(self.plan.today_spend.sum()) / self.tasks if self.tasks > 0 else None

    @property
    def per_task_after(self) -> float | None:
        return float(self.plan.spend(self.chosen).sum()) / self.tasks if self.tasks > 0 else None

    @property
    def unmet(self) -> tuple[str, ...]:
        return tuple(k.name for j, k in enumerate(self.plan.x.classes) if not self.met[:, j].all())


def breakpoints(x: RightSizingInputs) -> np.ndarray:
    """Every bar at which the choice can change: 0, each distinct pass rate, and 100%. The choice is constant for a
    bar in (v[i-1], v[i]], so these points describe the step curve exactly."""
    values = x.pass_matrix()
    return np.unique(np.concatenate([[0.0, 1.0], values[np.isfinite(values)]]))


def _tolerance(p: Plan) -> float:
    """Float noise in a sum of a few costs: far below a cent a month."""
    return 1e-9 * max(1.0, abs(p.today_total))


def evaluate(w: Workload, x: RightSizingInputs, cat: Catalogue, today: Bill | None = None) -> RightSizingResult:
    today = today if today is not None else price(w, cat)
    p = plan(w, x, cat, today)
    after = price(_apply(w, x, p), cat)
    chosen, met = p.choose(np.array([x.quality_bar]))
    bars = breakpoints(x)
    savings = p.saving(p.choose(bars)[0]) if p.split else np.zeros(len(bars))
    positive = savings > _tolerance(p)
    return RightSizingResult(
        today=today, after=after, plan=p, chosen=chosen[0], met=met[0], problems=tuple(problems(w, x)),
        break_even_bar=float(bars[positive].max()) if positive.any() else None,
        saves_at_every_bar=bool(positive[-1]),
    )


def savings_vs_bar(r: RightSizingResult) -> pd.DataFrame:
    """Monthly saving, bill and first-attempt quality at every breakpoint bar: a step curve. The value at v[i] holds
    for every bar in (v[i-1], v[i]]; draw it with steps that rise vertically first ('vh')."""
    p = r.plan
    bars = breakpoints(p.x)
    chosen, met = p.choose(bars)
    saving = p.saving(chosen)
    return pd.DataFrame({
        "quality_bar": bars,
        "saving": saving,
        "bill_after": p.today_total - saving,
        "quality": p.quality(chosen),
        "task_classes_meeting_bar": met.all(axis=1).sum(axis=1),
    })


def frontier(r: RightSizingResult, curve: pd.DataFrame | None = None) -> pd.DataFrame:
    """Monthly bill vs first-attempt quality: the per-class policy at every distinct bar, each candidate answering
    every task class ("one model"), and today."""
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
                         "monthly_bill": float(p.today_total - p.saving(everywhere)),
                         "quality": float(p.quality(everywhere))})
    rows.append({"kind": "today", "label": "today", "quality_bar": None, "monthly_bill": p.today_total,
                 "quality": r.quality_today})
    return pd.DataFrame(rows, columns=["kind", "label", "quality_bar", "monthly_bill", "quality"])


def break_even_pass_rates(p: Plan) -> np.ndarray:
    """(C, K, M) pass rate candidate m needs to cost, per successful task, what today's model s costs:
    redo c_m / p = c_s / p_s and escalate c_m + (1 - p) c_s / p_s = c_s / p_s both give p = p_s x c_m / c_s.
    NaN where it exceeds 100% (m can never pay) or is undefined."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (p.today_pass / p.today_attempt)[:, :, None] * p.attempt
    return np.where(np.isfinite(out) & (out <= 1), out, np.nan)


def class_table(r: RightSizingResult) -> pd.DataFrame:
    """The decision per (workload class, task class): models, pass rates, requests and money, today and after."""
    p = r.plan
    cost = p.per_success()
    break_even = break_even_pass_rates(p)
    after = p.spend(r.chosen)
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
                "per task today": p.today_attempt[i, k] / p.today_pass[i, k], "per task after": cost[i, k, m],
                "requests today": p.today_requests[i, k], "requests after": on_chosen + escalated,
                "per month today": p.today_spend[i, k], "per month after": after[i, k],
            })
    return pd.DataFrame(records)


def spend_by_task_class(r: RightSizingResult) -> pd.DataFrame:
    """USD a month of each task class (all workload classes together), today and after."""
    p = r.plan
    return pd.DataFrame({"task class": [k.name for k in p.x.classes], "today": p.today_spend.sum(axis=0),
                         "after": p.spend(r.chosen).sum(axis=0)})


EXPLANATION = r"""
**Task classes.** The workload's requests are split by the table's shares. Sizes are relative: a task class's tokens
(prefix, other input, tool results; output and reasoning) are the workload class's scaled by its size over the
table's traffic-weighted average, so splitting alone leaves today's bill as it is (the bill is linear in tokens; a
task class whose prompt crosses a long-context tier is the exception, and the page says so).

**Today** every workload class runs on its own model *s*, and its requests include the redos of failed answers:
task class *k* of a class with *R* requests completes *T* = *R* × share × *p*ₛ tasks, where *p* is the pass rate from
your evals (the share of answers your check accepts). **The lever keeps those completed tasks.**

**Cost per attempt** *c* of a task class on a model: one request priced by the one pricing function (long-context
tiers, batch prices, the class's caching and call failures honoured).

**Failures.** Every task ends in a success:
- *Redone on the same model*: attempts until the first pass are geometric, so a task costs *c* / *p* and model *m*
  receives *T* / *p*ₘ requests;
- *Escalated to today's model*: one attempt on *m*; a failure goes to *s*, redone there until it passes: a task costs
  *c*ₘ + (1 − *p*ₘ) × *c*ₛ / *p*ₛ; *m* receives *T* requests and *s* receives *T* × (1 − *p*ₘ) / *p*ₛ.

A failure is assumed noticed (a check, a validator or the user) and attempts independent. A blank pass rate means
"not evaluated": that model is never picked for that class; a 0% model is never picked either.

**Policy.** Each task class goes to the candidate with the lowest cost per successful task among those whose pass
rate meets the **quality bar**; a task class no candidate meets stays on today's model (and is flagged). Saving =
today's bill − the bill of the transformed workload, both from the pricing function.

**Break-evens.** A candidate pays on a task class when its pass rate exceeds *p*ₛ × *c*ₘ / *c*ₛ (the same in both
failure modes): a model 20× cheaper breaks even at one twentieth of today's pass rate, which is why cost alone
never rules a small model out: the quality bar does. The choice only changes at a pass rate someone typed, so the
saving is a step curve, computed exactly at those values; the **break-even bar** is the highest bar that still saves.
**Quality** is the first-attempt pass rate weighted by today's requests: the share of answers right the first time.
"""
