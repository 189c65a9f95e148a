"""Reasoning budgets lever: reason only where it earns its cost.

Reasoning (thinking) tokens are billed as output. The workload states them per request (the sidebar's "Reasoning
tokens per request"; `output_tokens` are the visible answer only). The user describes the traffic as task types:
a share, the accuracy without and with reasoning, and what a correct answer is worth (money, held in USD).

The lever splits every class that bills reasoning into its task types (by share): on the types where the extra
correct answers are not worth the reasoning tokens, uplift x value <= the reasoning cost of one request of that
class (priced at its tier, every step and retry included), reasoning drops to 0; elsewhere it stays. The types that
keep reasoning and those that drop it become two classes, so the saving is exactly the reasoning money of the
requests that stop reasoning, and can never exceed the reasoning spend in the bill.

Money comes only from `bill.price`. Reasoning tokens are not input, so they never move a call's long-context tier,
and a class's bill is affine in its reasoning tokens: the reasoning cost of one request K comes from two priced
workloads (with and without reasoning), and the policies' bills at any budget follow exactly.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from calculators.bill import Bill, by_identity, model_prices, price
from calculators.draws import NotOnDrawAxis, Variant, WorkloadDraws, hit_rates, variant_money
from calculators.lever import Lever, TodayAndAfter
from calculators.prices import Catalogue
from calculators.workload import CallClass, Workload, copied, split

POLICIES = ("never", "selective", "always")
POLICY_LABEL = {
    "never": "Reasoning never",
    "selective": "Only where it earns",
    "always": "Reasoning always on (today)",
}
MAX_TASKS = 30
# Illustrative reasoning budgets per request by effort (sources.toml: reasoning_defaults), for a preview when the
# workload has no reasoning tokens.
Effort = Literal["low", "medium", "high"]
EFFORT_BUDGETS: dict[str, int] = {"low": 1_000, "medium": 4_000, "high": 16_000}
EFFORT_LABEL: dict[str, str] = {e: f"{e}: {b:,} tokens" for e, b in EFFORT_BUDGETS.items()}
NO_REASONING = "no reasoning"


class TaskType(BaseModel):
    """One kind of request in the traffic mix. Fractions are 0..1; the value is in USD."""

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
        description="Share correct with reasoning on at the workload's reasoning budget. Sprague et al.: +12 to +14 "
        "points on math and logic, near zero elsewhere.",
    )
    value_correct: float = Field(
        ge=0, le=1_000_000, title="Value of a correct answer ($)", json_schema_extra={"money": True},
        description="What one correct answer is worth to you, or what a wrong one costs you, in your currency "
        "(illustrative default).",
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


class PreviewInputs(BaseModel):
    """The illustrative budget a page previews when the workload has no reasoning tokens (not a lever input)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    effort: Effort = Field(
        "medium", title="Preview: reasoning budget per request",
        json_schema_extra={"key": "reason.effort", "widget": "radio", "labels": EFFORT_LABEL},
        description="Illustrative budgets by effort: low 1,000, medium 4,000, high 16,000 reasoning tokens per "
        "request (Chen et al. saw a reasoning model spend 901 tokens on '2+3').",
    )

    @property
    def budget(self) -> int:
        return EFFORT_BUDGETS[self.effort]


def _no_share(tasks: tuple[TaskType, ...]) -> bool | np.ndarray:
    """The shares add up to 0 (a number, or one per draw)."""
    return sum(t.share for t in tasks) <= 0


def _distinct_names(tasks: tuple[TaskType, ...]) -> bool:
    names = [t.name.strip().lower() for t in tasks]
    return len(set(names)) == len(names)


class ReasoningInputs(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    tasks: tuple[TaskType, ...] = Field(
        DEFAULT_TASKS, min_length=1, max_length=MAX_TASKS, title="Task types",
        json_schema_extra={"key": "reason.tasks"},
        description="Your traffic by kind of request: share, accuracy without and with reasoning, and the value of "
        "a correct answer (illustrative defaults).",
    )

    @model_validator(mode="after")
    def _a_usable_mix(self) -> ReasoningInputs:
        if _no_share(self.tasks):
            raise ValueError("the task types' shares of traffic add up to 0%; give at least one a share")
        if not _distinct_names(self.tasks):
            raise ValueError("two task types have the same name")
        return self

    @classmethod
    def valid_draws(cls, x: ReasoningInputs) -> np.ndarray:
        """`_a_usable_mix` over draws (a share may hold one value per draw): the draws it lets through."""
        return ~np.asarray(_no_share(x.tasks)) & _distinct_names(x.tasks)

    @property
    def share_total(self) -> float:
        return sum(t.share for t in self.tasks)

    @property
    def shares(self) -> np.ndarray:
        """Shares scaled to add up to 1."""
        return np.array([t.share for t in self.tasks]) / self.share_total

    @property
    def benefits(self) -> np.ndarray:
        """uplift x value of each type: what reasoning adds per request of that type, in USD."""
        return np.array([t.uplift * t.value_correct for t in self.tasks])


def reasons(c: CallClass) -> bool:
    return c.reasoning_tokens > 0 and c.requests_per_month > 0


def _without_reasoning(w: Workload) -> Workload:
    return w.map(lambda c: copied(c, reasoning_tokens=0.0) if reasons(c) else c)


def reasoning_cost_per_request(w: Workload, cat: Catalogue, today: Bill | None = None) -> list[float | None]:
    """For each class, USD its reasoning tokens cost per request at its tier (every step and retry included);
    None for a class that bills no reasoning, or whose model has no price (its reasoning is not free: its cost is
    unknown, so the lever leaves it alone). From two priced workloads: with and without reasoning."""
    return list(_reasoning_costs(w, cat, today))


@by_identity(8)  # the Overview asks for them twice per workload: the lever's idle and its apply
def _reasoning_costs(w: Workload, cat: Catalogue, today: Bill | None) -> tuple[float | None, ...]:
    today = today if today is not None else price(w, cat)
    without = price(_without_reasoning(w), cat)
    return tuple((now.total - off.total) / c.requests_per_month if reasons(c) and now.priced else None
                 for c, now, off in zip(w.classes, today.classes, without.classes, strict=True))


def unpriced_reasoning(w: Workload, cat: Catalogue) -> tuple[str, ...]:
    """Classes that reason on a model with no price: the lever cannot weigh their reasoning, so it leaves them."""
    return tuple(c.name for c in w.classes if reasons(c) and model_prices(w, cat, c.model_key) is None)


# A benefit must beat the cost by more than float noise: the same cost summed in another order (a bill's difference, or
# the draw axis's reasoning money) differs in its last bits, and a decision at an exact tie (a $0.06 benefit against
# 4,000 tokens at $15/MTok) must not flip with it.
TIE = 1e-9


def hurdle(cost_per_request):
    """What a task type's benefit must exceed to keep reasoning at this cost (a number or one per draw)."""
    return cost_per_request * (1 + TIE)


def keeps_reasoning(x: ReasoningInputs, cost_per_request: float) -> np.ndarray:
    """Which task types keep reasoning on a class whose reasoning costs this much per request: uplift x value above
    the cost (at a cost of 0, any positive uplift)."""
    return x.benefits > hurdle(cost_per_request)


def _kept_share(x: ReasoningInputs, cost: float) -> float:
    """Share of a class's requests whose task type keeps reasoning at this reasoning cost per request."""
    return float(x.shares[keeps_reasoning(x, cost)].sum())


def _reason_where_it_earns(c: CallClass, kept: float) -> CallClass | list[CallClass]:
    """A class that reasons split in two: the `kept` share of its requests keeps reasoning, the rest drops it."""
    if kept <= 0:
        return copied(c, reasoning_tokens=0.0)
    return split(c, 1 - kept, NO_REASONING, reasoning_tokens=0.0)


def _selective(w: Workload, x: ReasoningInputs, costs: list[float | None]) -> Workload:
    """Each class that reasons split in two: the task types that keep reasoning, and those that drop it."""
    cost_of = {c.name: cost for c, cost in zip(w.classes, costs, strict=True)}

    def change(c: CallClass) -> CallClass | list[CallClass]:
        cost = cost_of[c.name]
        return c if cost is None else _reason_where_it_earns(c, _kept_share(x, cost))

    return w.map(change)


def apply(w: Workload, x: ReasoningInputs, cat: Catalogue) -> Workload:
    """Reasoning drops to 0 on the task types where it does not earn its cost, class by class."""
    if not any(reasons(c) for c in w.classes):
        return w
    return _selective(w, x, reasoning_cost_per_request(w, cat))


# --- the lever over draws (calculators/draws.py) -------------------------------------------------------------------


def reasoning_cost_per_request_draws(wd: WorkloadDraws, cat: Catalogue) -> list[np.ndarray]:
    """`reasoning_cost_per_request` over draws: each variant's USD of reasoning per request in every draw; NaN where
    the scalar gives None (the variant does not reason or is not there, its model has no price, or it is refused)."""
    n = wd.n
    w = wd.as_workload()
    out = []
    for v, hit in zip(wd.variants, hit_rates(wd), strict=True):
        c = v.c
        reasoning = (np.asarray(c.reasoning_tokens) > 0) & (np.asarray(c.requests_per_month) > 0)
        if v.active is not None:
            reasoning = reasoning & v.active
        prices = model_prices(w, cat, c.model_key) if np.any(reasoning) else None
        if prices is None:
            out.append(np.full(n, np.nan))
            continue
        # Reasoning tokens are not input, so they never move a call's long-context tier: their money is the class's
        # bill minus its bill without them.
        money, refused = variant_money(c, hit, n, prices, only=("reasoning",))
        priced = reasoning if refused is None else reasoning & ~refused
        out.append(np.where(priced, money / np.where(priced, c.requests_per_month, 1.0), np.nan))
    return out


def _kept_share_draws(x: ReasoningInputs, cost: np.ndarray) -> np.ndarray:
    """`_kept_share` in every draw (NaN cost: 1, every type keeps reasoning). The task types that keep it depend only
    on where the cost falls among the distinct benefits, so each such interval's share is summed once, by
    `_kept_share` itself (bit for bit)."""
    benefits = np.unique(x.benefits)
    known = ~np.isnan(cost)
    interval = np.where(known, np.searchsorted(benefits, hurdle(np.where(known, cost, 0.0)), side="right"), -1)
    present, first = np.unique(interval, return_index=True)
    kept = np.ones(len(benefits) + 2)  # by interval; the last entry (index -1) is the draws of unknown cost
    kept[present] = [_kept_share(x, float(cost[i])) if j >= 0 else 1.0 for j, i in zip(present, first, strict=True)]
    return kept[interval]


def _reason_where_it_earns_draws(v: Variant, kept: np.ndarray) -> list[Variant]:
    """`_reason_where_it_earns` over draws (`kept`: one share per draw). Each of its outcomes, draw by draw, leaves a
    class of the variant's name (with that draw's requests and reasoning tokens) and, where `split` makes one, a class
    of the requests that drop reasoning: two variants, not one per outcome."""
    c = v.c
    share = 1 - kept  # as `split` is given it
    none_kept = kept <= 0
    unsplit = ~none_kept & (share <= 0)  # split returns the class as it is
    all_moved = ~none_kept & ~unsplit & (share >= 1)  # split moves every request, under the class's name
    some_moved = ~(none_kept | unsplit | all_moved)
    requests = c.requests_per_month
    stays = copied(c, requests_per_month=np.where(none_kept | unsplit, requests, np.where(
        all_moved, requests * share, requests * (1 - share))),
        reasoning_tokens=np.where(none_kept | all_moved, 0.0, c.reasoning_tokens))
    moved = Variant(copied(c, name=f"{c.name} · {NO_REASONING}", requests_per_month=requests * share,
                           reasoning_tokens=0.0), v.active).within(some_moved)
    return [v.with_class(stays)] + ([moved] if moved is not None else [])


def apply_draws(wd: WorkloadDraws, x: ReasoningInputs, cat: Catalogue) -> tuple[WorkloadDraws, np.ndarray]:
    """`apply` in every draw: each variant's decision is taken per draw at its reasoning cost there. It cannot fail:
    `idle` and `apply` raise nothing (the shares add up to more than 0, a rule of the inputs)."""
    names = {v.c.name for v in wd.variants}
    if any(f"{name} · {NO_REASONING}" in names for name in names):  # Workload.map would number the repeated name
        raise NotOnDrawAxis("a class named as the reasoning lever names the requests that drop reasoning")
    variants: list[Variant] = []
    for v, cost in zip(wd.variants, reasoning_cost_per_request_draws(wd, cat), strict=True):
        variants += [v] if np.isnan(cost).all() else _reason_where_it_earns_draws(v, _kept_share_draws(x, cost))
    return replace(wd, variants=tuple(variants)), wd.everywhere()


def describe(x: ReasoningInputs) -> str:
    return (f"reasoning kept only on the task types whose extra correct answers are worth more than its tokens "
            f"({len(x.tasks)} task types)")


def idle(w: Workload, x: ReasoningInputs, cat: Catalogue) -> str | None:
    if not any(reasons(c) for c in w.classes):
        return "the workload bills no reasoning tokens (set them in the sidebar's anatomy)"
    costs = reasoning_cost_per_request(w, cat)
    if all(cost is None for cost in costs):
        return "its classes that reason run on models with no price: their reasoning cost is unknown"
    if all(keeps_reasoning(x, cost)[x.shares > 0].all() for cost in costs if cost is not None):
        return "reasoning earns its cost on every task type"
    return None


LEVER = Lever(
    name="reasoning", label="Reasoning only where it earns", page="pages/reasoning.py",
    question="On which task types does a reasoning budget earn its cost?",
    inputs=ReasoningInputs, apply=apply, describe=describe, idle=idle, draws=apply_draws,
)


# --- the page's analysis ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReasoningClass:
    """One class that bills reasoning: its volume, budget and the reasoning cost of one request at its tier."""

    name: str
    requests: float
    reasoning_tokens: float  # per call
    cost_per_request: float  # USD of reasoning per request (every step and retry), at the current budget
    bill_without: float  # USD a month of the class with no reasoning


@dataclass(frozen=True)
class PolicyBill:
    policy: str
    bill: Bill
    answer_cost: float  # everything but reasoning: the 'never' bill
    reasoning_cost: float  # what reasoning adds to it, at its tier
    value: float  # USD a month of the correct answers
    reasoned_share: float  # of the requests of the classes that reason

    @property
    def total(self) -> float:
        return self.bill.total

    @property
    def net(self) -> float:
        return self.value - self.total


@dataclass(frozen=True)
class ReasoningResult(TodayAndAfter):
    today: Bill  # reasoning always on: the workload as it is
    after: Bill  # only where it earns: the lever
    classes: tuple[ReasoningClass, ...]
    policies: dict[str, PolicyBill]
    tasks: pd.DataFrame  # one row per class and task type
    break_even_tokens: float | None  # mean budget at which always-on nets what never nets (inf: reasoning is free)
    mean_reasoning_tokens: float  # requests-weighted over the classes that reason
    price_per_mtok: float  # effective USD per million reasoning tokens (steps and retries included)
    share_total: float
    shares_scaled: bool

    @property
    def reasoning_spend(self) -> float:
        return self.policies["always"].reasoning_cost

    @property
    def requests(self) -> float:
        return float(sum(k.requests for k in self.classes))


def _class_terms(x: ReasoningInputs, classes: tuple[ReasoningClass, ...], scale: np.ndarray) -> dict[str, np.ndarray]:
    """Monthly money and value of the classes that reason, with every budget scaled by `scale` (shape m): per
    policy the extra bill over 'never' and the extra value. Exact: the bill is affine in reasoning tokens."""
    s, b = x.shares, x.benefits
    out = {f"{p}_{k}": np.zeros(scale.shape) for p in POLICIES for k in ("extra", "value", "reasoned")}
    for k in classes:
        cost = k.cost_per_request * scale  # m
        on = b[:, None] > cost[None, :]  # types x m
        out["always_extra"] += k.requests * cost
        out["always_value"] += k.requests * float(s @ b)
        out["always_reasoned"] += k.requests
        out["selective_extra"] += k.requests * cost * (s[:, None] * on).sum(axis=0)
        out["selective_value"] += k.requests * (s[:, None] * b[:, None] * on).sum(axis=0)
        out["selective_reasoned"] += k.requests * (s[:, None] * on).sum(axis=0)
    return out


def evaluate(w: Workload, x: ReasoningInputs, cat: Catalogue, today: Bill | None = None) -> ReasoningResult:
    today = today if today is not None else price(w, cat)
    costs = reasoning_cost_per_request(w, cat, today)
    never = price(_without_reasoning(w), cat)
    after = price(_selective(w, x, costs), cat) if any(c is not None for c in costs) else today
    classes = tuple(
        ReasoningClass(name=c.name, requests=c.requests_per_month, reasoning_tokens=c.reasoning_tokens,
                       cost_per_request=cost, bill_without=off.total)
        for c, cost, off in zip(w.classes, costs, never.classes, strict=True) if cost is not None)
    n = float(sum(k.requests for k in classes))
    s, b = x.shares, x.benefits
    base_value = float(s @ np.array([t.accuracy_without * t.value_correct for t in x.tasks]))
    terms = _class_terms(x, classes, np.ones(1))
    bills = {"never": never, "selective": after, "always": today}
    policies = {}
    for p in POLICIES:
        extra_value = float(terms[f"{p}_value"][0]) if p != "never" else 0.0
        reasoned = float(terms[f"{p}_reasoned"][0]) / n if p != "never" and n else 0.0
        policies[p] = PolicyBill(policy=p, bill=bills[p], answer_cost=never.total,
                                 reasoning_cost=bills[p].total - never.total, value=n * base_value + extra_value,
                                 reasoned_share=reasoned)
    spend = float(sum(k.requests * k.cost_per_request for k in classes))
    tokens = float(sum(k.requests * k.reasoning_tokens for k in classes))
    mean_tokens = tokens / n if n else 0.0
    price_per_mtok = spend / tokens * 1e6 if tokens else 0.0
    return ReasoningResult(
        today=today, after=after, classes=classes, policies=policies, tasks=task_frame(x, classes, today, never),
        break_even_tokens=break_even_tokens(float(s @ b), price_per_mtok) if classes else None,
        mean_reasoning_tokens=mean_tokens, price_per_mtok=price_per_mtok, share_total=x.share_total,
        shares_scaled=abs(x.share_total - 1) > 1e-9,
    )


def break_even_tokens(benefit: float, price_per_mtok: float) -> float | None:
    """R* = 1e6 x sum(s x uplift x V) / price per million reasoning tokens: the budget at which always-on reasoning's
    extra correct answers just pay for its tokens. None: no budget earns; inf: reasoning is free."""
    if benefit <= 0:
        return None
    if price_per_mtok <= 0:
        return math.inf
    return benefit * 1e6 / price_per_mtok


TASK_COLUMNS = ("call class", "task type", "share", "uplift", "value", "reasoning per request", "break-even uplift",
                "break-even reachable", "uplift for the same cost per correct", "break-even tokens", "per correct, off",
                "per correct, on", "keeps reasoning", "monthly gain", "monthly reasoning saved")


def task_frame(x: ReasoningInputs, classes: tuple[ReasoningClass, ...], today: Bill, never: Bill) -> pd.DataFrame:
    """One row per class that reasons and task type: the reasoning cost of one request, the break-even uplift, the
    workload's cost per correct answer off and on, whether reasoning stays, and the monthly net gain it brings."""
    off = never.total / today.requests if today.requests else 0.0
    on = today.total / today.requests if today.requests else 0.0
    rows = []
    for k in classes:
        for t, s in zip(x.tasks, x.shares, strict=True):
            benefit = t.uplift * t.value_correct
            keep = benefit > k.cost_per_request
            rows.append({
                "call class": k.name, "task type": t.name, "share": s, "uplift": t.uplift, "value": t.value_correct,
                "reasoning per request": k.cost_per_request,
                "break-even uplift": k.cost_per_request / t.value_correct if t.value_correct > 0 else
                (0.0 if k.cost_per_request == 0 else math.nan),
                "break-even reachable": (k.cost_per_request / t.value_correct <= 1 - t.accuracy_without)
                if t.value_correct > 0 else k.cost_per_request == 0,
                "uplift for the same cost per correct": t.accuracy_without * k.cost_per_request * k.requests
                / k.bill_without if k.bill_without > 0 else math.nan,
                "break-even tokens": (benefit * k.reasoning_tokens / k.cost_per_request if k.cost_per_request > 0
                                      else math.inf) if benefit > 0 else math.nan,
                "per correct, off": off / t.accuracy_without if t.accuracy_without > 0 else math.inf,
                "per correct, on": on / t.accuracy_with if t.accuracy_with > 0 else math.inf,
                "keeps reasoning": keep,
                "monthly gain": k.requests * s * (benefit - k.cost_per_request) if keep else 0.0,
                "monthly reasoning saved": 0.0 if keep else k.requests * s * k.cost_per_request,
            })
    return pd.DataFrame(rows, columns=TASK_COLUMNS)


def policy_curve(r: ReasoningResult, x: ReasoningInputs, points: int = 241, max_tokens: float | None = None) \
        -> pd.DataFrame:
    """Each policy's monthly bill and net gain over 'never' as the mean reasoning budget varies (every class's
    budget scaled alike). Accuracies stay as entered: how many reasoning tokens can this uplift afford?
    Exact: at each budget the bills are what price() gives for the scaled workload."""
    current = r.mean_reasoning_tokens
    be = r.break_even_tokens
    span = max(2.0 * current, 1_000.0)
    if be is not None and math.isfinite(be):
        span = max(span, min(1.3 * be, 10.0 * span))  # show the break-even unless it is far off the scale
    top = max_tokens or span
    budgets = np.unique(np.concatenate([np.linspace(0.0, top, points), [current]]))
    scale = budgets / current if current > 0 else np.zeros_like(budgets)
    terms = _class_terms(x, r.classes, scale)
    never = r.policies["never"].total
    frame: dict[str, np.ndarray] = {"reasoning_tokens": budgets, "never_bill": np.full(budgets.shape, never),
                                    "never_gain": np.zeros(budgets.shape)}
    for p in ("selective", "always"):
        frame[f"{p}_bill"] = never + terms[f"{p}_extra"]
        frame[f"{p}_gain"] = terms[f"{p}_value"] - terms[f"{p}_extra"]
    return pd.DataFrame(frame)


def policy_frame(r: ReasoningResult) -> pd.DataFrame:
    """The three policies' monthly bills split into answer tokens (everything else) and reasoning tokens."""
    return pd.DataFrame(
        {"policy": POLICY_LABEL[p.policy], "answer_cost": p.answer_cost, "reasoning_cost": p.reasoning_cost,
         "bill": p.total, "value": p.value, "net": p.net, "reasoned_share": p.reasoned_share}
        for p in r.policies.values()
    )


def with_budget(w: Workload, tokens: float) -> Workload:
    """The workload with every class billing `tokens` reasoning tokens per call: a preview for a workload without."""
    return w.map(lambda c: copied(c, reasoning_tokens=float(tokens)))


EXPLANATION = r"""
**Reasoning tokens are billed as output.** The workload states them per request (sidebar anatomy: "Reasoning tokens
per request"), on top of the visible answer. The bill prices them at each class's output rate and tier, on every step
of an agent task and every retry.

**The lever: reason only where it earns.** Your traffic is a mix of task types with shares *s* (scaled to add up to
100%), accuracy *a₀* without and *a₁* with reasoning, and a value *V* for a correct answer (what a wrong answer costs
you works the same: only the difference matters). On a class whose reasoning costs *K* per request (its reasoning
money ÷ its requests, from the one pricing function), reasoning **earns its cost** on a task type when
(*a₁* − *a₀*) × *V* > *K*. Every class that bills reasoning is split by task type: the types that earn it keep
their reasoning tokens, the others drop to 0 (you need to know the type before the call, e.g. from the endpoint or
a classifier). The saving is today's bill − the bill of that workload, so it never exceeds the reasoning spend.

**Policies**: *always on* is the workload today (every request reasons); *never* drops all reasoning; *only where it
earns* is the lever. Each bill is the one pricing function's, split into answer tokens (the *never* bill: everything
but reasoning) and reasoning tokens (the rest). Value = requests × Σ *s* × accuracy × *V*; net = value − bill.

**Break-even budget** for always-on: the mean budget *R* at which the extra value equals the extra tokens,
*R\** = 10⁶ × Σ *s* (*a₁* − *a₀*) *V* / price per million reasoning tokens. That price is the class's output rate at
its tier, times the calls a request makes (steps and retries); for a single call without failures it is the model's
output price. Above *R\**, always-on reasoning loses money against never.

**Per task type**: break-even uplift = *K* / *V* (unreachable when it is more than the 1 − *a₀* points left);
ignoring value, the uplift that keeps the cost per correct answer unchanged is *a₀* × *K* / *c₀*, with *c₀* the
class's bill per request without reasoning; cost per correct answer = the bill per request ÷ accuracy (off: the
*never* bill, on: today's), infinite when accuracy is 0 (you pay and get nothing right).
"""
