"""Reasoning economics: on which task types does a thinking budget pay for itself?

Reasoning (thinking) tokens are billed as output. Per task type the user states the accuracy without and
with reasoning and what a correct answer is worth; a reasoning budget of R tokens per request adds
R x output price to every request it is switched on for. Reasoning earns its cost on a task type when
the extra correct answers are worth more than the extra tokens: (a_with - a_without) x value > R x price.
"""
from __future__ import annotations

import math
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from calculators.prices import ModelPrices, request_cost

Effort = Literal["none", "low", "medium", "high"]
EFFORTS: tuple[Effort, ...] = ("none", "low", "medium", "high")
POLICIES = ("never", "selective", "always")
POLICY_LABEL = {
    "never": "Reasoning never",
    "selective": "Only where it earns",
    "always": "Reasoning always on",
}
MAX_TASKS = 30


class TaskType(BaseModel):
    """One kind of request in the traffic mix. Fractions are 0..1."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str = Field(min_length=1, max_length=60, title="Task type",
                      description="A kind of request in your traffic (illustrative defaults).")
    share: float = Field(ge=0, le=1, title="Share of traffic", json_schema_extra={"percent": True},
                         description="Share of the workload's requests of this type (illustrative default).")
    accuracy_without: float = Field(
        ge=0, le=1, title="Accuracy without", json_schema_extra={"percent": True},
        description="Share of answers that are correct with reasoning off (from your evals; defaults illustrative).",
    )
    accuracy_with: float = Field(
        ge=0, le=1, title="Accuracy with", json_schema_extra={"percent": True},
        description="Share correct with reasoning on at the chosen effort. Sprague et al.: +12 to +14 points on "
        "math and logic, near zero elsewhere.",
    )
    value_correct: float = Field(
        ge=0, le=1_000_000, title="Value of a correct answer ($)",
        description="What one correct answer is worth to you, or what a wrong one costs you (illustrative default).",
    )

    @property
    def uplift(self) -> float:
        return self.accuracy_with - self.accuracy_without


# Illustrative defaults shaped by Sprague et al. (ICLR 2025): chain-of-thought helps math and symbolic/logic
# work by +12 to +14 points and does almost nothing elsewhere. Shares, base accuracies and values are made up.
DEFAULT_TASKS: tuple[TaskType, ...] = (
    TaskType(name="Math and calculation", share=0.10, accuracy_without=0.70, accuracy_with=0.84, value_correct=0.50),
    TaskType(name="Logic and planning", share=0.10, accuracy_without=0.62, accuracy_with=0.74, value_correct=0.50),
    TaskType(name="Classification and extraction", share=0.40, accuracy_without=0.90, accuracy_with=0.91,
             value_correct=0.10),
    TaskType(name="Knowledge Q&A", share=0.25, accuracy_without=0.80, accuracy_with=0.81, value_correct=0.20),
    TaskType(name="Writing and summaries", share=0.15, accuracy_without=0.85, accuracy_with=0.85, value_correct=0.10),
)


class ReasoningInputs(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    requests_per_month: int = Field(ge=0, le=10_000_000_000, title="Requests per month")
    input_tokens: int = Field(ge=0, le=2_000_000, title="Input tokens per request")
    output_tokens: int = Field(ge=0, le=2_000_000, title="Answer tokens per request",
                               description="Visible output per request, without reasoning tokens.")
    prices: ModelPrices
    tasks: tuple[TaskType, ...] = Field(DEFAULT_TASKS, min_length=1, max_length=MAX_TASKS, title="Task types")
    effort: Effort = Field(
        "medium", title="Reasoning effort", json_schema_extra={"widget": "radio"},
        description="Which token budget 'reasoning on' spends per request; set the budgets below.",
    )
    budget_none: int = Field(
        0, ge=0, le=200_000, title="'none' budget", json_schema_extra={"unit": "tokens", "step": 100},
        description="Average reasoning tokens billed per request at effort 'none' (illustrative default: 0).",
    )
    budget_low: int = Field(
        1_000, ge=0, le=200_000, title="'low' budget", json_schema_extra={"unit": "tokens", "step": 100},
        description="Average reasoning tokens per request at 'low' (illustrative; Chen et al. saw a reasoning model "
        "spend 901 tokens on '2+3').",
    )
    budget_medium: int = Field(
        4_000, ge=0, le=200_000, title="'medium' budget",
        json_schema_extra={"unit": "tokens", "step": 500},
        description="Average reasoning tokens per request at 'medium' (illustrative default).",
    )
    budget_high: int = Field(
        16_000, ge=0, le=200_000, title="'high' budget",
        json_schema_extra={"unit": "tokens", "step": 1000},
        description="Average reasoning tokens per request at 'high' (illustrative default).",
    )

    @model_validator(mode="after")
    def _budgets_rise_with_effort(self) -> ReasoningInputs:
        b = [self.budget_none, self.budget_low, self.budget_medium, self.budget_high]
        if any(lo > hi for lo, hi in zip(b, b[1:], strict=False)):
            raise ValueError(
                "reasoning-token budgets must not fall as effort rises (none ≤ low ≤ medium ≤ high); "
                f"got {b[0]:,}, {b[1]:,}, {b[2]:,}, {b[3]:,}"
            )
        if sum(t.share for t in self.tasks) <= 0:
            raise ValueError("the task types' shares of traffic add up to 0%; give at least one a share")
        names = [t.name.lower() for t in self.tasks]
        if len(set(names)) != len(names):
            raise ValueError("two task types have the same name")
        return self

    def budget(self, effort: Effort) -> int:
        return getattr(self, f"budget_{effort}")

    @property
    def reasoning_tokens(self) -> int:
        return self.budget(self.effort)

    @property
    def share_total(self) -> float:
        return sum(t.share for t in self.tasks)


class TaskResult(BaseModel):
    model_config = ConfigDict(frozen=True)
    name: str
    share: float  # normalised so the mix sums to 1
    accuracy_without: float
    accuracy_with: float
    uplift: float
    value_correct: float
    cost_without: float  # USD per request
    cost_with: float
    cost_per_correct_without: float  # USD per correct answer; inf when accuracy is 0
    cost_per_correct_with: float
    no_correct_without: bool  # flag: accuracy 0, so no correct answers (cost per correct is infinite)
    no_correct_with: bool
    break_even_uplift: float | None  # accuracy points (fraction) that pay for the tokens; None: value is 0
    break_even_reachable: bool  # the break-even uplift fits under 100% accuracy
    break_even_uplift_per_correct: float | None  # uplift at which cost per correct answer is unchanged
    gain_per_request: float  # uplift x value - extra cost
    earns: bool  # reasoning pays for itself on this task type
    monthly_gain: float  # gain_per_request x this type's monthly requests
    break_even_tokens: float | None  # reasoning budget at which this type stops earning


class PolicyResult(BaseModel):
    model_config = ConfigDict(frozen=True)
    policy: str
    bill: float  # USD per month
    per_request: float
    answer_cost: float  # USD per month for input and answer tokens
    reasoning_cost: float  # USD per month for reasoning tokens
    correct: float  # correct answers per month
    value: float  # value of the correct answers per month
    net: float  # value - bill
    reasoned_share: float  # share of requests with reasoning on
    cost_per_correct: float  # bill / correct answers; inf when there are none
    bill_vs_never: float  # bill minus the 'never' bill (the sidebar's baseline)
    gain_vs_never: float  # net minus the 'never' net


class ReasoningResult(BaseModel):
    model_config = ConfigDict(frozen=True)
    reasoning_tokens: int
    output_price: float  # USD per MTok applied to reasoning tokens (long-context tier honoured)
    extra_cost_per_request: float  # reasoning tokens x output price
    cost_without: float  # USD per request, reasoning off
    cost_with: float
    share_total: float  # the shares as entered (before normalising)
    shares_scaled: bool  # the entered shares did not add up to 100% and were scaled
    tasks: tuple[TaskResult, ...]
    policies: dict[str, PolicyResult]
    break_even_tokens: float | None  # budget at which 'always on' nets the same as 'never'; None: never earns
    selective_saving_vs_always: float  # bill(always) - bill(selective)
    selective_gain_vs_always: float  # net(selective) - net(always)


def _ratio(cost: np.ndarray, accuracy: np.ndarray) -> np.ndarray:
    """Cost per correct answer; infinite where accuracy is zero (no correct answers to spread it over)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.where(accuracy > 0, cost / np.where(accuracy > 0, accuracy, 1.0), np.inf)


def _core(x: ReasoningInputs, reasoning_tokens: np.ndarray) -> dict[str, np.ndarray]:
    """Every policy's monthly money at each reasoning budget in `reasoning_tokens` (shape m).

    The one formula behind both `evaluate` (m = 1) and `policy_curve`.
    """
    r = np.atleast_1d(np.asarray(reasoning_tokens, dtype=float))
    n = float(x.requests_per_month)
    shares = np.array([t.share for t in x.tasks]) / x.share_total  # k
    a0 = np.array([t.accuracy_without for t in x.tasks])
    a1 = np.array([t.accuracy_with for t in x.tasks])
    value = np.array([t.value_correct for t in x.tasks])
    c0 = float(request_cost(x.prices, x.input_tokens, x.output_tokens))
    c1 = np.asarray(request_cost(x.prices, np.full(r.shape, float(x.input_tokens)), x.output_tokens + r), dtype=float)
    extra = c1 - c0  # m: reasoning tokens billed at the output rate
    gain = (a1 - a0)[:, None] * value[:, None] - extra[None, :]  # k x m, per request
    on = {
        "never": np.zeros_like(gain, dtype=bool),
        "selective": gain > 0,
        "always": np.ones_like(gain, dtype=bool),
    }
    out: dict[str, np.ndarray] = {"reasoning_tokens": r, "extra": extra, "c1": c1, "gain": gain}
    for policy, mask in on.items():
        weight = shares[:, None] * mask  # k x m: share of traffic with reasoning on
        reasoned = weight.sum(axis=0)
        accuracy = (shares[:, None] * np.where(mask, a1[:, None], a0[:, None])).sum(axis=0)
        value_per_request = (shares[:, None] * value[:, None] * np.where(mask, a1[:, None], a0[:, None])).sum(axis=0)
        out[f"{policy}_per_request"] = c0 + reasoned * extra
        out[f"{policy}_accuracy"] = accuracy
        out[f"{policy}_cost_per_correct"] = _ratio(out[f"{policy}_per_request"], accuracy)
        out[f"{policy}_answer_cost"] = np.full(r.shape, n * c0)
        out[f"{policy}_reasoning_cost"] = n * reasoned * extra
        out[f"{policy}_bill"] = n * (c0 + reasoned * extra)
        out[f"{policy}_correct"] = n * accuracy
        out[f"{policy}_value"] = n * value_per_request
        out[f"{policy}_net"] = out[f"{policy}_value"] - out[f"{policy}_bill"]
        out[f"{policy}_reasoned"] = reasoned
    out["c0"] = np.full(r.shape, c0)
    return out


def _output_price(x: ReasoningInputs) -> float:
    """USD per MTok for each reasoning token: the output rate at this request's long-context tier."""
    return float(x.prices.rate("output", x.input_tokens))


def _tokens_at_gain_zero(benefit: float, output_price: float) -> float | None:
    """Reasoning budget R where benefit = R x price / 1e6 (closed form). None: no budget earns."""
    if benefit <= 0:
        return None
    if output_price <= 0:
        return math.inf
    return benefit * 1e6 / output_price


def evaluate(x: ReasoningInputs) -> ReasoningResult:
    core = _core(x, np.array([x.reasoning_tokens]))
    c0, c1, extra = float(core["c0"][0]), float(core["c1"][0]), float(core["extra"][0])
    price = _output_price(x)
    n = x.requests_per_month
    tasks = []
    for i, t in enumerate(x.tasks):
        share = t.share / x.share_total
        gain = float(core["gain"][i, 0])
        cpc0, cpc1 = (float(v) for v in _ratio(np.array([c0, c1]), np.array([t.accuracy_without, t.accuracy_with])))
        if t.value_correct > 0:
            be = extra / t.value_correct
        else:
            be = 0.0 if extra == 0 else None
        if c0 > 0:
            be_cpc: float | None = t.accuracy_without * extra / c0
        else:
            be_cpc = 0.0 if extra == 0 else None
        tasks.append(TaskResult(
            name=t.name, share=share, accuracy_without=t.accuracy_without, accuracy_with=t.accuracy_with,
            uplift=t.uplift, value_correct=t.value_correct, cost_without=c0, cost_with=c1,
            cost_per_correct_without=cpc0, cost_per_correct_with=cpc1,
            no_correct_without=t.accuracy_without == 0, no_correct_with=t.accuracy_with == 0,
            break_even_uplift=be, break_even_reachable=be is not None and be <= 1 - t.accuracy_without,
            break_even_uplift_per_correct=be_cpc, gain_per_request=gain, earns=gain > 0,
            monthly_gain=gain * share * n,
            break_even_tokens=_tokens_at_gain_zero(t.uplift * t.value_correct, price),
        ))
    policies = {
        p: PolicyResult(
            policy=p, bill=float(core[f"{p}_bill"][0]), per_request=float(core[f"{p}_per_request"][0]),
            answer_cost=float(core[f"{p}_answer_cost"][0]), reasoning_cost=float(core[f"{p}_reasoning_cost"][0]),
            correct=float(core[f"{p}_correct"][0]), value=float(core[f"{p}_value"][0]),
            net=float(core[f"{p}_net"][0]), reasoned_share=float(core[f"{p}_reasoned"][0]),
            cost_per_correct=float(core[f"{p}_cost_per_correct"][0]),
            bill_vs_never=float(core[f"{p}_bill"][0] - core["never_bill"][0]),
            gain_vs_never=float(core[f"{p}_net"][0] - core["never_net"][0]),
        )
        for p in POLICIES
    }
    return ReasoningResult(
        reasoning_tokens=x.reasoning_tokens, output_price=price, extra_cost_per_request=extra,
        cost_without=c0, cost_with=c1, share_total=x.share_total, shares_scaled=abs(x.share_total - 1) > 1e-9,
        tasks=tuple(tasks), policies=policies,
        break_even_tokens=break_even_tokens(x),
        selective_saving_vs_always=policies["always"].bill - policies["selective"].bill,
        selective_gain_vs_always=policies["selective"].net - policies["always"].net,
    )


def policy_curve(x: ReasoningInputs, points: int = 241, max_tokens: float | None = None) -> pd.DataFrame:
    """Each policy's monthly bill and net gain over 'never' as the reasoning budget varies.

    Accuracies stay as entered: the curve answers 'how many reasoning tokens can this uplift afford?'.
    """
    be = break_even_tokens(x)
    span = max(2.0 * x.reasoning_tokens, 1.25 * x.budget_high, 1_000.0)
    if be is not None and math.isfinite(be):
        span = max(span, min(1.3 * be, 10.0 * span))  # show the break-even unless it is far off the scale
    top = max_tokens or span
    r = np.unique(np.concatenate([np.linspace(0.0, top, points), [float(x.reasoning_tokens)]]))
    core = _core(x, r)
    frame = {"reasoning_tokens": r}
    for p in POLICIES:
        frame[f"{p}_bill"] = core[f"{p}_bill"]
    for p in POLICIES:
        frame[f"{p}_gain"] = core[f"{p}_net"] - core["never_net"]
    return pd.DataFrame(frame)


def break_even_tokens(x: ReasoningInputs) -> float | None:
    """Budget R* at which always-on reasoning nets the same as never (closed form; inf if reasoning is free)."""
    shares = np.array([t.share for t in x.tasks]) / x.share_total
    benefit = float(sum(s * t.uplift * t.value_correct for s, t in zip(shares, x.tasks, strict=True)))
    return _tokens_at_gain_zero(benefit, _output_price(x))


def task_frame(result: ReasoningResult) -> pd.DataFrame:
    """Per-task results as a table (raw numbers; the page formats them)."""
    return pd.DataFrame(
        {
            "task type": t.name,
            "earns?": "yes" if t.earns else "no",
            "share": t.share,
            "uplift": t.uplift,
            "break-even uplift": t.break_even_uplift,
            "per correct, off": t.cost_per_correct_without,
            "per correct, on": t.cost_per_correct_with,
            "gain/request ($)": t.gain_per_request,
            "monthly gain ($)": t.monthly_gain,
        }
        for t in result.tasks
    )


def policy_frame(result: ReasoningResult) -> pd.DataFrame:
    """The three policies' monthly bills split into answer and reasoning tokens."""
    return pd.DataFrame(
        {
            "policy": POLICY_LABEL[p.policy],
            "answer_cost": p.answer_cost,
            "reasoning_cost": p.reasoning_cost,
            "bill": p.bill,
            "value": p.value,
            "net": p.net,
            "reasoned_share": p.reasoned_share,
        }
        for p in result.policies.values()
    )


EXPLANATION = r"""
**Reasoning tokens are billed as output.** At a budget of *R* reasoning tokens per request, each request with
reasoning on costs *R* × output price / 10⁶ more. Accuracy "with reasoning" is what you measured at that effort.

**Per task type** with accuracy *a₀* without and *a₁* with reasoning, value *V* of a correct answer, and request
cost *c₀* (input + answer tokens) and *c₁* = *c₀* + *R* × output price:
- **Cost per correct answer** = *c* / *a* (infinite when accuracy is 0: you pay and get nothing right).
- **Reasoning earns its cost** when the extra correct answers are worth more than the extra tokens:
  (*a₁* − *a₀*) × *V* > *c₁* − *c₀*.
- **Break-even accuracy uplift** = (*c₁* − *c₀*) / *V*, in accuracy points. If an error costs you *E* (rework,
  refunds), enter *E* as the value: only the difference between right and wrong matters.
- **Break-even for cost per correct answer alone** (ignoring value): *a₀* × (*c₁* − *c₀*) / *c₀*.

**Policies** (shares of traffic *s* add up to 100%; shares that don't are scaled):
- *never*: every request costs *c₀*; *always on*: every request costs *c₁*;
- *only where it earns*: reasoning is on for the task types that pass the test above (you need to know the task
  type before the call, e.g. from the endpoint or a classifier).
- Monthly bill = requests × Σ *s* × cost; value = requests × Σ *s* × accuracy × *V*; net = value − bill.

**Break-even budget** for always-on: the *R* at which the extra value equals the extra tokens,
*R\** = 10⁶ × Σ *s* (*a₁* − *a₀*) *V* / output price. Above it, always-on reasoning loses money.
The output price is the model's rate at this request size (long-context tiers honoured).
"""
