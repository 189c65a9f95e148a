"""Model right-sizing: how much traffic pays frontier prices for work a cheaper model does as well?

Traffic is split into task classes (share, input and output tokens). Each candidate model has a pass
rate per class, from the user's own evals. Two policies are compared:

- **one model for everything**: the status quo, every class on one model;
- **per class**: the cheapest candidate (per *successful* task) whose pass rate meets a quality bar.

A failed attempt is either redone on the same model until it passes (expected attempts 1 / pass rate)
or escalated to the one model, which is redone until it passes. Either way every task ends in a
success, and the money is counted per successful task.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from calculators.prices import ModelPrices, request_cost

FailureMode = Literal["redo", "escalate"]
FAILURE_LABEL: dict[str, str] = {
    "redo": "Redone on the same model",
    "escalate": "Escalated to the one model",
}
SHARE_TOLERANCE = 0.001  # shares typed as percentages must add up to 100% within 0.1 point

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
        ge=0, le=2_000_000, title="Input tokens", json_schema_extra={"unit": "tokens"},
        description="Average prompt size for this class (illustrative defaults).",
    )
    output_tokens: int = Field(
        ge=0, le=200_000, title="Output tokens", json_schema_extra={"unit": "tokens"},
        description="Average completion size for this class, reasoning included (illustrative defaults).",
    )


class PassRateRow(BaseModel):
    """One row of the pass-rate table: a class's pass rate on each candidate (None: not evaluated)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    task_class: str = Field(min_length=1, max_length=60)
    rates: dict[str, PassRate | None]


# Illustrative defaults (not measured): five classes whose traffic-weighted size is 2,000 input and
# 400 output tokens, the default workload's averages.
DEFAULT_CLASSES: tuple[TaskClass, ...] = (
    TaskClass(name="Classification and tagging", share=0.40, input_tokens=1_000, output_tokens=50),
    TaskClass(name="Extraction to JSON", share=0.25, input_tokens=2_500, output_tokens=300),
    TaskClass(name="Summaries", share=0.15, input_tokens=4_000, output_tokens=500),
    TaskClass(name="Support answers (RAG)", share=0.15, input_tokens=2_000, output_tokens=1_000),
    TaskClass(name="Multi-step reasoning", share=0.05, input_tokens=1_500, output_tokens=1_600),
)
# Illustrative pass rates by candidate position (first = the workload's model), one per default class.
DEFAULT_PASS_RATES: tuple[tuple[float, ...], ...] = (
    (0.98, 0.96, 0.95, 0.93, 0.90),  # the workload's own model
    (0.97, 0.93, 0.90, 0.80, 0.55),  # a small model
    (0.96, 0.94, 0.91, 0.84, 0.70),  # a mid-size model
)
DEFAULT_CHEAP_CANDIDATES: tuple[str, ...] = ("anthropic/claude-haiku-5-5", "openai/gpt-5-mini")
MAX_CANDIDATES = 8


def default_candidates(workload_model: str, available: set[str] | list[str]) -> list[str]:
    """The workload's model first, then the illustrative cheaper candidates that exist in the catalogue."""
    picked = [workload_model]
    picked += [k for k in DEFAULT_CHEAP_CANDIDATES if k in available and k not in picked]
    return picked


def default_pass_rate(candidate_position: int, class_name: str) -> float | None:
    """The illustrative default for a cell; None for a class or candidate we have no default for."""
    names = [c.name for c in DEFAULT_CLASSES]
    if candidate_position >= len(DEFAULT_PASS_RATES) or class_name not in names:
        return None
    return DEFAULT_PASS_RATES[candidate_position][names.index(class_name)]


class RightSizingInputs(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    requests_per_month: int = Field(ge=0, le=10_000_000_000, title="Requests per month")
    classes: tuple[TaskClass, ...] = Field(min_length=1, max_length=30, title="Task classes")
    candidates: tuple[str, ...] = Field(
        min_length=1, max_length=MAX_CANDIDATES, title="Candidate models",
        description="Models to compare, from the price catalogue (genai-prices snapshot).",
    )
    pass_rates: tuple[tuple[float | None, ...], ...] = Field(
        title="Pass rates",
        description="Pass rate per class (rows) and candidate (columns), from your evals; None = not evaluated.",
    )
    one_model: str = Field(
        title="One model for everything",
        description="The model that serves all traffic today; also the model failures escalate to.",
    )
    quality_bar: float = Field(
        0.9, ge=0, le=1, title="Quality bar", json_schema_extra={"percent": True, "step": 1.0},
        description="Lowest pass rate a model may have on a class to be picked for it (illustrative default).",
    )
    failure_mode: FailureMode = Field(
        "redo", title="A failed attempt is", json_schema_extra={"widget": "radio"},
        description="Redone on the same model until it passes, or escalated to the one model.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> RightSizingInputs:
        if len(set(self.candidates)) != len(self.candidates):
            raise ValueError("each candidate model may appear only once")
        names = [c.name for c in self.classes]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"task class names must be unique; repeated: {', '.join(duplicates)}")
        total = sum(c.share for c in self.classes)
        if abs(total - 1) > SHARE_TOLERANCE:
            raise ValueError(f"shares of traffic add up to {total:.1%}; they must add up to 100%")
        if len(self.pass_rates) != len(self.classes) or any(len(r) != len(self.candidates) for r in self.pass_rates):
            raise ValueError("the pass-rate table needs one row per task class and one column per candidate")
        for row in self.pass_rates:
            for p in row:
                if p is not None and not 0 <= p <= 1:
                    raise ValueError("pass rates must be between 0% and 100%")
        if self.one_model not in self.candidates:
            raise ValueError(f"the one model ({self.one_model}) must be one of the candidates")
        j = self.candidates.index(self.one_model)
        for name, row in zip(names, self.pass_rates, strict=True):
            if row[j] is None:
                raise ValueError(f"{self.one_model} has no pass rate for '{name}': fill it in the pass-rate table")
            if row[j] == 0:
                raise ValueError(
                    f"{self.one_model} never passes '{name}' (0%), so its failures would be redone forever; "
                    "give it a pass rate above 0% or pick another one model"
                )
        return self

    @property
    def one_index(self) -> int:
        return self.candidates.index(self.one_model)


class ClassOutcome(BaseModel):
    model_config = ConfigDict(frozen=True)
    name: str
    share: float
    one_model_cost: float  # USD per successful task on the one model
    chosen_model: str
    chosen_pass_rate: float
    chosen_cost: float  # USD per successful task on the chosen model
    meets_bar: bool  # False: no candidate meets the bar, the class stays on the one model
    break_even_pass_rate: float | None  # pass rate the chosen model needs to cost what the one model costs
    one_model_monthly: float
    chosen_monthly: float


class RightSizingResult(BaseModel):
    model_config = ConfigDict(frozen=True)
    one_model_monthly: float
    per_class_monthly: float
    one_model_per_request: float  # USD per successful task, traffic-weighted
    per_class_per_request: float
    savings_monthly: float  # one model minus per class (negative: the per-class policy costs more)
    savings_share: float | None  # of the one-model bill; None when that bill is zero
    savings_per_request: float  # per successful task
    savings_multiple: float | None  # one model / per class; None when the per-class bill is zero
    one_model_quality: float  # traffic-weighted first-attempt pass rate
    per_class_quality: float
    classes: tuple[ClassOutcome, ...]
    unmet_classes: tuple[str, ...]  # classes where no candidate meets the bar
    share_moved: float  # share of traffic the per-class policy takes off the one model
    break_even_bar: float | None  # highest quality bar that still saves money; None: no bar saves
    saves_at_every_bar: bool  # savings stay positive even with a 100% bar


# --- the vectorised core ------------------------------------------------------------------------


def attempt_costs(x: RightSizingInputs, prices: Mapping[str, ModelPrices]) -> np.ndarray:
    """USD per attempt, classes x candidates, at each model's list prices (long-context tiers honoured)."""
    tokens_in = np.array([c.input_tokens for c in x.classes], dtype=float)
    tokens_out = np.array([c.output_tokens for c in x.classes], dtype=float)
    columns = [np.asarray(request_cost(prices[m], tokens_in, tokens_out), dtype=float) for m in x.candidates]
    return np.stack(columns, axis=1).reshape(len(x.classes), len(x.candidates))


def pass_matrix(x: RightSizingInputs) -> np.ndarray:
    """Pass rates, classes x candidates; NaN where a model was not evaluated on a class."""
    return np.array([[np.nan if p is None else p for p in row] for row in x.pass_rates], dtype=float)


def success_costs(x: RightSizingInputs, attempt: np.ndarray, passes: np.ndarray) -> np.ndarray:
    """USD per successful task, classes x candidates; inf where a model never passes, NaN if not evaluated.

    redo:     c_m / p_m                      (expected attempts 1 / p_m, geometric)
    escalate: c_m + (1 - p_m) * c_s / p_s    (one attempt on m; a failure goes to the one model s,
                                              which is redone until it passes)
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        redo = np.where(passes > 0, attempt / np.where(passes > 0, passes, 1.0), np.inf)
        redo = np.where(np.isnan(passes), np.nan, redo)
        if x.failure_mode == "redo":
            return redo
        one = redo[:, [x.one_index]]  # c_s / p_s, finite by validation
        return np.where(np.isnan(passes), np.nan, attempt + (1.0 - passes) * one)


def _choose(cost: np.ndarray, passes: np.ndarray, bars: np.ndarray, one_index: int) -> tuple[np.ndarray, np.ndarray]:
    """For each bar: per class, the index of the cheapest candidate meeting the bar (ties: first listed).

    Returns (chosen index, bars x classes) and (met, bars x classes); a class no candidate meets
    stays on the one model.
    """
    with np.errstate(invalid="ignore"):
        eligible = (passes[None, :, :] >= bars[:, None, None]) & np.isfinite(cost)[None, :, :]
    masked = np.where(eligible, cost[None, :, :], np.inf)
    chosen = masked.argmin(axis=2)
    met = eligible.any(axis=2)
    return np.where(met, chosen, one_index), met


def _policy_totals(x: RightSizingInputs, cost: np.ndarray, passes: np.ndarray, chosen: np.ndarray):
    """Per-request cost (per successful task) and first-attempt quality of a choice, for each bar."""
    shares = np.array([c.share for c in x.classes], dtype=float)
    rows = np.arange(len(x.classes))
    per_request = (cost[rows, chosen] * shares).sum(axis=-1)
    quality = (passes[rows, chosen] * shares).sum(axis=-1)
    return per_request, quality


def _sweep(x: RightSizingInputs, prices: Mapping[str, ModelPrices], bars: np.ndarray) -> dict[str, np.ndarray]:
    """The per-class policy at every bar in `bars`: the one formula behind the scalar and the curves."""
    passes = pass_matrix(x)
    cost = success_costs(x, attempt_costs(x, prices), passes)
    chosen, met = _choose(cost, passes, np.asarray(bars, dtype=float), x.one_index)
    per_request, quality = _policy_totals(x, cost, passes, chosen)
    one = np.full(len(x.classes), x.one_index)
    one_per_request, _ = _policy_totals(x, cost, passes, one)
    n = x.requests_per_month
    return {
        "bar": np.asarray(bars, dtype=float),
        "chosen": chosen,
        "met": met,
        "per_class_monthly": per_request * n,
        "per_class_per_request": per_request,
        "quality": quality,
        "savings": (one_per_request - per_request) * n,
        "cost": cost,
        "passes": passes,
    }


def breakpoints(x: RightSizingInputs) -> np.ndarray:
    """Every bar at which the per-class choice can change: 0 and each distinct pass rate.

    The policy is constant for a bar in (v[i-1], v[i]], so these points describe it exactly.
    """
    passes = pass_matrix(x)
    values = passes[np.isfinite(passes)]
    return np.unique(np.concatenate([[0.0], values]))


# --- results --------------------------------------------------------------------------------------


def evaluate(x: RightSizingInputs, prices: Mapping[str, ModelPrices]) -> RightSizingResult:
    sweep = _sweep(x, prices, np.array([x.quality_bar]))
    cost, passes = sweep["cost"], sweep["passes"]
    chosen, met = sweep["chosen"][0], sweep["met"][0]
    break_even_rates = break_even_pass_rates(x, prices)
    j = x.one_index
    n = x.requests_per_month
    one_cost = cost[:, j]
    outcomes = []
    for k, c in enumerate(x.classes):
        m = int(chosen[k])
        outcomes.append(ClassOutcome(
            name=c.name, share=c.share, one_model_cost=float(one_cost[k]),
            chosen_model=x.candidates[m], chosen_pass_rate=float(passes[k, m]), chosen_cost=float(cost[k, m]),
            meets_bar=bool(met[k]), break_even_pass_rate=break_even_rates[k, m],
            one_model_monthly=float(one_cost[k] * c.share * n), chosen_monthly=float(cost[k, m] * c.share * n),
        ))
    shares = np.array([c.share for c in x.classes])
    one_per_request = float((one_cost * shares).sum())
    per_class_per_request = float(sweep["per_class_per_request"][0])
    per_class_monthly = float(sweep["per_class_monthly"][0])
    one_monthly = one_per_request * n
    break_even, every = _break_even_bar(x, prices)
    return RightSizingResult(
        one_model_monthly=one_monthly,
        per_class_monthly=per_class_monthly,
        one_model_per_request=one_per_request,
        per_class_per_request=per_class_per_request,
        savings_monthly=float(sweep["savings"][0]),
        savings_share=float(sweep["savings"][0]) / one_monthly if one_monthly > 0 else None,
        savings_per_request=one_per_request - per_class_per_request,
        savings_multiple=one_monthly / per_class_monthly if per_class_monthly > 0 else None,
        one_model_quality=float((passes[:, j] * shares).sum()),
        per_class_quality=float(sweep["quality"][0]),
        classes=tuple(outcomes),
        unmet_classes=tuple(c.name for c, ok in zip(x.classes, met, strict=True) if not ok),
        share_moved=float(shares[chosen != j].sum()),
        break_even_bar=break_even,
        saves_at_every_bar=every,
    )


def break_even_pass_rates(x: RightSizingInputs, prices: Mapping[str, ModelPrices]) -> np.ndarray:
    """Pass rate each candidate m needs on each class to cost, per successful task, what the one model s costs.

    redo:     c_m / p = c_s / p_s                  =>  p = p_s * c_m / c_s
    escalate: c_m + (1 - p) c_s / p_s = c_s / p_s  =>  p = p_s * c_m / c_s   (the same)
    Object array, classes x candidates; None where it exceeds 100% (can never pay) or the one model is free.
    """
    attempt = attempt_costs(x, prices)
    passes = pass_matrix(x)
    j = x.one_index
    out = np.empty(attempt.shape, dtype=object)
    for k in range(attempt.shape[0]):
        c_s, p_s = attempt[k, j], passes[k, j]
        for m in range(attempt.shape[1]):
            p = p_s * attempt[k, m] / c_s if c_s > 0 else None
            out[k, m] = float(p) if p is not None and p <= 1 else None
    return out


def _break_even_bar(x: RightSizingInputs, prices: Mapping[str, ModelPrices]) -> tuple[float | None, bool]:
    """Highest quality bar that still saves money, exactly, from the breakpoints.

    Savings are constant for a bar in (v[i-1], v[i]], so the supremum of the bars that save is the
    largest breakpoint v[i] whose savings are positive. Returns (that bar or None, saves at 100%).
    """
    points = breakpoints(x)
    sweep = _sweep(x, prices, points)
    positive = sweep["savings"] > _money_tolerance(sweep)
    if not positive.any():
        return None, False
    best = float(points[positive].max())
    every = bool(positive[-1]) and points[-1] >= 1.0
    return best, every


def _money_tolerance(sweep: dict[str, np.ndarray]) -> float:
    """Float noise in a sum of a few costs: far below a cent a month."""
    return 1e-9 * max(1.0, float(np.nanmax(np.abs(sweep["per_class_monthly"]))))


def savings_vs_bar(x: RightSizingInputs, prices: Mapping[str, ModelPrices]) -> pd.DataFrame:
    """Monthly savings and first-attempt quality at every breakpoint bar (and 100%): a step curve.

    The value shown at v[i] holds for every bar in (v[i-1], v[i]]; draw it with steps that rise
    vertically first ('vh').
    """
    bars = np.unique(np.concatenate([breakpoints(x), [1.0]]))
    sweep = _sweep(x, prices, bars)
    return pd.DataFrame({
        "quality_bar": bars,
        "savings": sweep["savings"],
        "per_class_monthly": sweep["per_class_monthly"],
        "quality": sweep["quality"],
        "classes_meeting_bar": sweep["met"].sum(axis=1),
    })


def frontier(x: RightSizingInputs, prices: Mapping[str, ModelPrices], curve: pd.DataFrame | None = None
             ) -> pd.DataFrame:
    """Cost vs quality, one row per point: the per-class policy at every distinct bar ("per class"),
    and each candidate used for everything ("one model").

    Quality is the traffic-weighted first-attempt pass rate. A candidate that was not evaluated (or
    never passes) on some class has no single-model point. `curve` is `savings_vs_bar(x, prices)`,
    if already computed.
    """
    curve = savings_vs_bar(x, prices) if curve is None else curve
    policy = curve.drop_duplicates(subset=["per_class_monthly", "quality"])
    passes = pass_matrix(x)
    cost = success_costs(x, attempt_costs(x, prices), passes)
    shares = np.array([c.share for c in x.classes])
    rows = [
        {"kind": "per class", "label": f"bar {bar:.0%}", "quality_bar": bar, "monthly_cost": cost_,
         "quality": quality}
        for bar, cost_, quality in zip(policy["quality_bar"], policy["per_class_monthly"], policy["quality"],
                                       strict=True)
    ]
    for m, key in enumerate(x.candidates):
        if np.all(np.isfinite(cost[:, m])):
            rows.append({"kind": "one model", "label": key, "quality_bar": None,
                         "monthly_cost": float((cost[:, m] * shares).sum() * x.requests_per_month),
                         "quality": float((passes[:, m] * shares).sum())})
    return pd.DataFrame(rows, columns=["kind", "label", "quality_bar", "monthly_cost", "quality"])


def class_table(result: RightSizingResult) -> pd.DataFrame:
    """The per-class decision as a table for display and download."""
    return pd.DataFrame([
        {
            "task class": c.name,
            "share": c.share,
            "chosen model": c.chosen_model + ("" if c.meets_bar else " (none meets the bar)"),
            "pass rate": c.chosen_pass_rate,
            "break-even": c.break_even_pass_rate,
            "per task, one model": c.one_model_cost,
            "per task, chosen": c.chosen_cost,
            "per month, one model": c.one_model_monthly,
            "per month, chosen": c.chosen_monthly,
        }
        for c in result.classes
    ])


EXPLANATION = r"""
**Cost per attempt** of class *k* on model *m*: *c* = input tokens × input price + output tokens × output price,
at the model's list prices from the catalogue (long-context tiers honoured).

**Failures.** An attempt passes with probability *p* (the pass rate from your evals). Every task ends in a success:
- *Redone on the same model*: attempts until the first pass are geometric, so the expected number is 1 / *p* and
  the **cost per successful task** is *c* / *p*.
- *Escalated to the one model* *s*: one attempt on *m*; with probability 1 − *p* it fails and goes to *s*, which is
  redone until it passes: *c*ₘ + (1 − *p*ₘ) × *c*ₛ / *p*ₛ.

Both assume a failure is noticed (by a check, a validator or the user) and that attempts fail independently.
A model that never passes (0%) is never picked; a blank pass rate means "not evaluated" and the model is not
considered for that class.

**Policies.** *One model for everything* puts every class on the one model. *Per class* puts each class on the
candidate with the lowest cost per successful task among those whose pass rate meets the **quality bar**; a class
that no candidate meets stays on the one model (and is flagged).

**Monthly cost** = requests per month × Σ over classes of share × cost per successful task.
**Savings multiple** = one-model cost ÷ per-class cost. **Quality** on the frontier is the traffic-weighted
first-attempt pass rate: the share of tasks right the first time.

**Break-evens.** A candidate pays on a class when its pass rate exceeds *p*ₛ × *c*ₘ / *c*ₛ (the same in both failure
modes): a model 20× cheaper breaks even at one twentieth of the one model's pass rate, which is why cost alone never
rules a small model out: the quality bar does. The **break-even quality bar** is the highest bar that still saves
money; the policy only changes at a pass rate someone typed, so it is found exactly by checking those values.
Requests per month come from the sidebar; the class table replaces its average token counts.
"""
