"""Retry budgets lever: a retry policy judged at equal completed work, priced on the one bill.

Calls fail and are retried as the workload's anatomy says (the spine's `Failures`): each attempt fails with
probability p, independently; a failed attempt bills its input and a share of its output; a failed step is retried
up to the attempt cap; a task whose step runs out of attempts fails (and may be restarted from scratch). A retry
budget (Google SRE book, "Handling Overload") lets retries through only while they stay below a share b of all
requests: above the failure rate x* where the retries a cap of k attempts wants reach b, it refuses the excess.

The lever sets the attempt cap and the budget on every class that fails. A policy that completes fewer tasks is not
cheaper, it does less work: so the lever keeps **completed tasks per month equal**, scaling each class's requests by
success before / success after (`FailureOutcome`). Its bar is the change in the bill at equal completed work: a
budget usually costs money (it buys protection from retry storms with failed tasks that must be started again);
abandoned work is never booked as a saving.

Money comes only from `bill.price`. The page's curves and its Monte Carlo read one task's per-attempt costs off a
priced bill (input and output of a first attempt and of a retry at each step, and each summary call): every call's
input is billed the same whatever the failure rate, and its output in proportion to the share billed, so the
expected cost at any failure rate and policy follows exactly and equals price() at the workload's own.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from calculators.bill import Bill, price
from calculators.draws import WorkloadDraws, failure_draws, split_where
from calculators.lever import Lever, TodayAndAfter
from calculators.prices import Catalogue
from calculators.workload import (
    KINDS, MAX_FAILURE_RATE, TOKEN_CATEGORIES, CallClass, FailureOutcome, Failures, Workload, copied, probe,
    retries_per_first, retry_threshold,
)

DEFAULT_TRIALS = 100_000
MIN_TRIALS = 5_000
# Monte Carlo work budget (runs started + unusual steps drawn) that fits a page rerun; 100,000 trials fit it unless
# tasks see dozens of failures each.
WORK_BUDGET = 300_000
DEFAULT_SEED = 20_240_601
SRE_BUDGET = 0.10  # sources.toml: sre_retries
# Equal completed work scales a class's tasks started by success today / success with the policy. Beyond this factor
# the comparison is not a bill: a workload that must start ten times the tasks for the same output has a failure
# problem to fix first, and booking ten times its bill as the policy's cost would be an artefact of a degenerate
# workload. The lever refuses and says so.
MAX_EQUAL_WORK_FACTOR = 10.0
# Below this task success, most of today's bill pays for work that never completes: the bar and the page say so.
LOW_SUCCESS = 0.5
# Reference failures used to read a class's per-attempt costs off a priced bill: any p in (0, 1) with retries gives
# the same per-call tokens (only call counts and the billed share of the output depend on p).
_REFERENCE = dict(failure_rate=0.5, max_attempts=2, restarts=0, retry_budget=None)


class RetryPolicyInputs(BaseModel):
    """The retry policy every failing class gets."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    max_attempts: int = Field(
        3, ge=1, le=10, title="Attempts per call (cap)", json_schema_extra={"key": "retry.k"},
        description="First try plus retries; 1 means no retries. Default: the workload's own cap. Google SRE book: "
        "at most 3 attempts per request.",
    )
    budget_on: bool = Field(
        True, title="Retry budget", json_schema_extra={"key": "retry.budget_on"},
        description="Let a retry through only while retries stay below a share of all requests (Google SRE book).",
    )
    budget: float = Field(
        SRE_BUDGET, ge=0, le=0.5, title="Retry budget (share of requests)",
        json_schema_extra={"key": "retry.budget", "percent": True, "step": 1.0},
        description="Retries may be at most this share of all requests. Google SRE book: 10%.",
    )

    @property
    def budget_share(self) -> float | None:
        return self.budget if self.budget_on else None


class NoTaskCompletes(ValueError):
    """A policy under which no task of a class completes cannot do the work the class does today."""


def share_text(share: float) -> str:
    """A task success in words a reader can picture: '12.5%', or '1 in 285,000,000' when tiny."""
    if share >= 0.001:
        return f"{share:.1%}"
    return f"1 in {1 / share:,.0f}" if share > 0 else "none"


class EqualWorkOutOfReach(ValueError):
    """Equal completed work would multiply a class's tasks started beyond MAX_EQUAL_WORK_FACTOR: not booked."""

    def __init__(self, name: str, factor: float, before: float, after: float):
        self.name, self.factor, self.before, self.after = name, factor, before, after
        super().__init__(
            f"to complete what '{name}' completes today ({share_text(before)} of its tasks), this policy would have to "
            f"start {factor:,.0f} times as many tasks ({share_text(after)} would complete); beyond "
            f"{MAX_EQUAL_WORK_FACTOR:g}x the comparison at equal work is not a bill, so the lever books nothing: bring "
            "the failure rate down first")


# --- the lever ------------------------------------------------------------------------------------------------


def fails(c: CallClass) -> bool | np.ndarray:
    """Whether the class fails: per draw (a bool array) where its failure rate is drawn."""
    return c.failures is not None and c.failures.failure_rate > 0


def main_failing(w: Workload) -> int | None:
    """Index of the failing class with the most requests (the one the page analyses); None if nothing fails."""
    failing = [i for i, c in enumerate(w.classes) if fails(c)]
    return max(failing, key=lambda i: w.classes[i].requests_per_month) if failing else None


def defaults(w: Workload, cat: Catalogue) -> dict[str, int]:
    """The attempt cap follows the workload's own (its main failing class's)."""
    index = main_failing(w)
    if index is None:
        return {}
    f = w.classes[index].failures
    assert f is not None
    return {"max_attempts": f.max_attempts}


def with_policy(f: Failures, x: RetryPolicyInputs) -> Failures:
    return f.model_copy(update={"max_attempts": x.max_attempts, "retry_budget": x.budget_share})


def equal_work_factor(c: CallClass, failures: Failures) -> float:
    """Tasks the class must start with `failures` per task it starts today, for the same completed tasks.

    Raises NoTaskCompletes when no task would complete although some do today: no number of tasks started then
    does the same work. (Within the spine's bounds a step succeeds with probability at least 1 - p >= 5%, so this
    is a guard; the factor can still be very large.)"""
    before = FailureOutcome.of(c.failures, c.steps).success
    after = FailureOutcome.of(failures, c.steps).success
    if after <= 0:
        if before <= 0:
            return 1.0
        raise NoTaskCompletes(f"under this retry policy no task of '{c.name}' completes, so no number of tasks "
                              "started does the work it completes today")
    return before / after


def equal_work_factor_draws(c: CallClass, failures: Failures, n: int) -> tuple[np.ndarray, np.ndarray]:
    """`equal_work_factor` in every draw: the factor, and the draws where it raises NoTaskCompletes (factor 1 there)."""
    before = failure_draws(c.failures, c.steps, n).success
    after = failure_draws(failures, c.steps, n).success
    none_complete = (after <= 0) & (before > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(after <= 0, 1.0, before / after), none_complete


def _scaled(c: CallClass, failures: Failures, factor: float | np.ndarray) -> CallClass:
    """The class under the policy, starting `factor` times its tasks."""
    return copied(c, failures=failures, requests_per_month=c.requests_per_month * factor)


def equal_work_factors(w: Workload, x: RetryPolicyInputs) -> dict[str, float]:
    """Each failing class's tasks started with the policy per task started today, for the same completed tasks."""
    return {c.name: equal_work_factor(c, with_policy(c.failures, x))  # type: ignore[arg-type]
            for c in w.classes if fails(c) and c.requests_per_month > 0}


def _at_equal_work(w: Workload, x: RetryPolicyInputs) -> Workload:
    """The policy on every failing class, each starting as many tasks as it takes to complete today's (no limit)."""
    def change(c: CallClass) -> CallClass:
        if not fails(c):
            return c
        assert c.failures is not None
        new = with_policy(c.failures, x)
        return _scaled(c, new, equal_work_factor(c, new))

    return w.map(change)


def out_of_reach(w: Workload, x: RetryPolicyInputs) -> EqualWorkOutOfReach | None:
    """The class that equal completed work would scale beyond MAX_EQUAL_WORK_FACTOR (the largest factor), if any."""
    worst = None
    for c in w.classes:
        if not fails(c) or c.requests_per_month <= 0:
            continue
        new = with_policy(c.failures, x)  # type: ignore[arg-type]
        factor = equal_work_factor(c, new)
        if factor > MAX_EQUAL_WORK_FACTOR and (worst is None or factor > worst.factor):
            worst = EqualWorkOutOfReach(c.name, factor, FailureOutcome.of(c.failures, c.steps).success,
                                        FailureOutcome.of(new, c.steps).success)
    return worst


def apply(w: Workload, x: RetryPolicyInputs, cat: Catalogue) -> Workload:
    """The policy at equal completed work. Raises EqualWorkOutOfReach when that means starting more than
    MAX_EQUAL_WORK_FACTOR times the tasks of a class (the Overview then books nothing and says why)."""
    refused = out_of_reach(w, x)
    if refused is not None:
        raise refused
    return _at_equal_work(w, x)


def apply_draws(wd: WorkloadDraws, x: RetryPolicyInputs, cat: Catalogue) -> tuple[WorkloadDraws, np.ndarray]:
    """`apply` in every draw: the policy at equal completed work on each class in the draws where it fails; the lever
    does not apply in a draw where `apply` raises (a class with requests out of reach, or one that would complete no
    task). `idle` and `caveat` raise nothing `apply` does not (they compare outcomes and factors `apply` computes)."""
    n = wd.n
    raises = np.zeros(n, dtype=bool)

    def policy(v):
        nonlocal raises
        c = v.c
        new = with_policy(c.failures, x)  # type: ignore[arg-type]
        factor, none_complete = equal_work_factor_draws(c, new, n)
        active = wd.everywhere() if v.active is None else v.active
        raises = raises | (active & (none_complete | ((c.requests_per_month > 0) & (factor > MAX_EQUAL_WORK_FACTOR))))
        return v.with_class(_scaled(c, new, factor))

    moved = wd.map(lambda v: split_where(v, fails(v.c), policy, lambda v: v))
    return moved, ~raises


def describe(x: RetryPolicyInputs) -> str:
    budget = f"a retry budget of {x.budget:.0%} of requests" if x.budget_on else "no retry budget"
    return f"up to {x.max_attempts} attempts per call, {budget}; judged at equal completed tasks"


def idle(w: Workload, x: RetryPolicyInputs, cat: Catalogue) -> str | None:
    failing = [c for c in w.classes if fails(c)]
    if not failing:
        return "the workload has no failures (set a failure rate in the sidebar's anatomy)"

    def outcome(c: CallClass, f: Failures) -> tuple[float, float]:
        o = FailureOutcome.of(f, c.steps)
        return o.retries_per_step, o.success

    if all(outcome(c, c.failures) == outcome(c, with_policy(c.failures, x)) for c in failing):  # type: ignore[arg-type]
        threshold = retry_threshold(x.max_attempts, x.budget_share)
        if x.budget_on and threshold < 1 and all(c.failures.failure_rate <= threshold for c in failing):  # type: ignore[union-attr]
            return f"at the workload's failure rate the budget never refuses a retry (it starts above {threshold:.1%})"
        return "the policy is the workload's own"
    return None


def low_success(w: Workload) -> tuple[tuple[str, float], ...]:
    """Failing classes that complete less than LOW_SUCCESS of their tasks today: (name, task success)."""
    out = []
    for c in w.classes:
        if fails(c) and c.requests_per_month > 0:
            success = FailureOutcome.of(c.failures, c.steps).success
            if success < LOW_SUCCESS:
                out.append((c.name, success))
    return tuple(out)


def caveat(w: Workload, x: RetryPolicyInputs, cat: Catalogue) -> str | None:
    """What a finance reviewer must know: the workload mostly fails today, or equal work multiplies its traffic."""
    notes = []
    failing = low_success(w)
    if failing:
        notes.append("today " + ", ".join(f"'{n}' completes only {share_text(s)} of its tasks" for n, s in failing)
                     + ": most of the bill pays for work that never completes, and the bar compares bills for the "
                     "little that does")
    factors = {n: f for n, f in equal_work_factors(w, x).items() if f > 2}
    if factors:
        notes.append("equal completed work starts " + ", ".join(f"{f:.1f}x the tasks of '{n}'"
                                                                 for n, f in factors.items()))
    return "; ".join(notes) or None


LEVER = Lever(
    name="retries", label="Retry budget", page="pages/retry_budgets.py",
    question="What do failures and retries do to the bill, and what does a retry budget cost at equal completed work?",
    inputs=RetryPolicyInputs, apply=apply, describe=describe, defaults=defaults, idle=idle, caveat=caveat,
    draws=apply_draws,
)


# --- one task's per-attempt costs, read off the priced bill --------------------------------------------------------


@dataclass(frozen=True)
class TaskCosts:
    """What each attempt of one task costs (USD), step by step, and the summary call after each step (0: none)."""

    first_in: np.ndarray  # input side of a first attempt (prefix, history, cache reads and writes)
    first_out: np.ndarray  # its output and reasoning, billed in full
    retry_in: np.ndarray
    retry_out: np.ndarray
    summary: np.ndarray
    has_summary: np.ndarray  # bool: a summary call follows the step
    failed_output_share: float

    @property
    def steps(self) -> int:
        return len(self.first_in)

    @property
    def clean(self) -> float:
        """A task where nothing fails."""
        return float((self.first_in + self.first_out).sum() + self.summary.sum())

    def to_json(self) -> str:
        return json.dumps({k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in self.__dict__.items()})

    @classmethod
    def from_json(cls, text: str) -> TaskCosts:
        data = json.loads(text)
        return cls(**{k: (np.asarray(v, dtype=bool if k == "has_summary" else float) if isinstance(v, list) else v)
                      for k, v in data.items()})


def task_costs(w: Workload, c: CallClass, cat: Catalogue) -> TaskCosts:
    """Per-attempt costs of one task of class `c`, from one priced task with reference failures (retries present
    at every step). Per call, input money does not depend on the failure rate and output money is the full
    output's times the billed share, so dividing by the reference share gives the full output's cost. The task is a
    probe of `w`: a hit rate derived from the traffic is the one `w`'s traffic gives, not a lone request's."""
    f = c.failures or Failures()
    reference = Failures(failed_output_share=f.failed_output_share, replay=f.replay, **_REFERENCE)
    one = probe(c, w, failures=reference)
    bill = price(Workload.model_construct(classes=(one,), overheads=(), custom_models=w.custom_models), cat)
    rows = bill.rows
    calls = np.where(rows.calls > 0, rows.calls, 1.0)
    per_call = {cat_: bill.row_money[cat_] / calls for cat_ in TOKEN_CATEGORIES}
    money_in = per_call["input"] + per_call["cache_write_5m"] + per_call["cache_write_1h"] + per_call["cache_read"]
    billed = (1 - reference.failure_rate) + reference.failure_rate * f.failed_output_share
    money_out = (per_call["output"] + per_call["reasoning"]) / billed
    n = c.steps

    def at(kind: str, values: np.ndarray) -> np.ndarray:
        mask = rows.kind == KINDS.index(kind)
        return np.bincount(rows.step[mask] - 1, weights=values[mask], minlength=n)[:n]

    summary_mask = rows.kind == KINDS.index("summary")
    has_summary = np.zeros(n, dtype=bool)
    has_summary[rows.step[summary_mask] - 1] = True
    return TaskCosts(first_in=at("call", money_in), first_out=at("call", money_out), retry_in=at("retry", money_in),
                     retry_out=at("retry", money_out), summary=at("summary", money_in + per_call["output"]),
                     has_summary=has_summary, failed_output_share=f.failed_output_share)


# --- policies, and their expected cost at any failure rate -----------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    name: str
    max_attempts: int
    restarts: int
    budget: float | None
    today: bool = False
    yours: bool = False

    @property
    def rules(self) -> tuple[int, int, float | None]:
        return (self.max_attempts, self.restarts, self.budget)

    @property
    def refuses_above(self) -> float | None:
        """Failure rate above which this policy's budget refuses retries (None: never)."""
        threshold = retry_threshold(self.max_attempts, self.budget)
        return threshold if threshold < MAX_FAILURE_RATE else None


def today_policy(f: Failures) -> Policy:
    return Policy("today", f.max_attempts, f.restarts, f.retry_budget, today=True)


def chosen_policy(f: Failures, x: RetryPolicyInputs) -> Policy:
    return Policy("your policy", x.max_attempts, f.restarts, x.budget_share, yours=True)


def compared_policies(f: Failures, x: RetryPolicyInputs) -> list[Policy]:
    """The policies the charts compare: no retries, step retries with and without a budget, restarts only, then
    today's and yours (a compared policy with the same rules is tagged instead of repeated)."""
    k = x.max_attempts
    b = x.budget if x.budget_on else SRE_BUDGET
    entries = [{"name": "no retries", "rules": (1, 0, None)}]
    if k > 1:
        entries += [{"name": f"step retries, up to {k} attempts", "rules": (k, 0, None)},
                    {"name": f"step retries + {b:.0%} budget", "rules": (k, 0, b)}]
    m = max(f.restarts, 1)
    entries.append({"name": f"task restarts only (up to {m})", "rules": (1, m, None)})
    for mine, flag in ((today_policy(f), "today"), (chosen_policy(f, x), "yours")):
        hit = next((e for e in entries if e["rules"] == mine.rules), None)
        if hit is None:
            hit = {"name": mine.name, "rules": mine.rules, "own": True}
            entries.append(hit)
        hit[flag] = True
    out = []
    for e in entries:
        today, yours = bool(e.get("today")), bool(e.get("yours"))
        if e.get("own"):
            name = "today = your policy" if today and yours else e["name"]
        else:
            tags = [t for t, on in (("today", today), ("your policy", yours)) if on]
            name = f"{e['name']} ({', '.join(tags)})" if tags else e["name"]
        out.append(Policy(name, *e["rules"], today=today, yours=yours))
    return out


@dataclass(frozen=True)
class Expected:
    """Per started task, at each failure rate of an array."""

    cost: np.ndarray
    success: np.ndarray
    calls: np.ndarray  # attempts and summary calls
    retries: np.ndarray
    runs: np.ndarray  # first run plus the restarts that happen
    steps_run: np.ndarray
    step_success: np.ndarray
    admitted: np.ndarray  # share of wanted retries the budget lets through

    @property
    def per_success(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.success > 0, self.cost / np.where(self.success > 0, self.success, 1.0), np.inf)


def expected(p: float | np.ndarray, costs: TaskCosts, policy: Policy) -> Expected:
    """Expected cost, success and calls per started task at failure rates p: the spine's FailureOutcome and call
    rows, vectorised over p (a step runs when the steps before it succeeded; a summary follows a successful step)."""
    p = np.atleast_1d(np.asarray(p, dtype=float))
    k, n, f = policy.max_attempts, costs.steps, costs.failed_output_share
    x = np.minimum(p, retry_threshold(k, policy.budget))
    g = np.asarray(retries_per_first(x, k), dtype=float).reshape(p.shape)
    s = np.clip((1.0 - p) * (1.0 + g), 0.0, 1.0)
    billed = ((1.0 - p) + p * f)[:, None]
    step = costs.first_in + billed * costs.first_out + g[:, None] * (costs.retry_in + billed * costs.retry_out)
    reach = s[:, None] ** np.arange(n)  # per run
    after_step = reach * s[:, None]  # the step succeeded: its summary call runs
    run = s**n
    runs = sum((1.0 - run) ** j for j in range(policy.restarts + 1))
    with np.errstate(divide="ignore"):
        success = np.where(run < 1, -np.expm1((policy.restarts + 1) * np.log1p(-np.minimum(run, 1.0))), 1.0)
    per_run_cost = (reach * step).sum(axis=1) + (after_step * costs.summary).sum(axis=1)
    per_run_calls = reach.sum(axis=1) * (1.0 + g) + (after_step * costs.has_summary).sum(axis=1)
    return Expected(cost=runs * per_run_cost, success=success, calls=runs * per_run_calls,
                    retries=runs * reach.sum(axis=1) * g, runs=runs, steps_run=runs * reach.sum(axis=1),
                    step_success=s, admitted=np.divide(x, p, out=np.ones_like(p), where=p > 0))


def multiplier(p: float | np.ndarray, costs: TaskCosts, policy: Policy) -> np.ndarray:
    """Cost per completed task over the cost of a task where nothing fails."""
    e = expected(p, costs, policy)
    return e.per_success / costs.clean if costs.clean > 0 else np.full_like(e.cost, np.nan)


def doubling_point(costs: TaskCosts, policy: Policy, factor: float = 2.0) -> float | None:
    """Failure rate at which the cost per completed task reaches `factor` x the clean task (brentq on the exact
    function; it rises with p). None when it stays below up to the largest failure rate, or the task is free."""
    if costs.clean <= 0:
        return None

    def gap(p: float) -> float:
        return float(multiplier(p, costs, policy)[0]) - factor

    if not gap(MAX_FAILURE_RATE) > 0:
        return None
    if gap(0.0) >= 0:
        return 0.0
    from scipy.optimize import brentq  # here, not at the top: scipy.optimize costs ~0.4 s of a cold start

    return float(brentq(gap, 0.0, MAX_FAILURE_RATE, xtol=1e-13))


def policy_curves(costs: TaskCosts, p: float, policies: list[Policy], points: int = 191,
                  chosen_costs: TaskCosts | None = None) -> pd.DataFrame:
    """Cost per completed task (x the clean task) and task success vs the failure rate, per policy; the workload's
    own failure rate is one of the points. `chosen_costs`: the per-attempt costs of your policy's workload (at equal
    work it starts more or fewer tasks, and a hit rate derived from the traffic follows), for your policy's curve."""
    top = min(MAX_FAILURE_RATE, max(0.3, 2.0 * p))
    grid = np.unique(np.concatenate([np.linspace(0.0, top, points), [p]]))
    frame: dict[str, np.ndarray] = {"failure_rate": grid}
    for policy in policies:
        own = chosen_costs if policy.yours and not policy.today and chosen_costs is not None else costs
        e = expected(grid, own, policy)
        frame[f"{policy.name}|multiplier"] = e.per_success / own.clean if own.clean > 0 else np.nan * grid
        frame[f"{policy.name}|success"] = e.success
    return pd.DataFrame(frame)


# --- Monte Carlo: the distribution of cost per task ----------------------------------------------------------------


class SimulationSummary(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)
    trials: int
    mean: float
    standard_error: float
    success: float
    p50: float
    p95: float
    p99: float
    calls: float
    histogram: pd.DataFrame

    @property
    def margin95(self) -> float:
        """Half-width of the 95% confidence interval of the mean."""
        return 1.96 * self.standard_error

    def over_median(self, value: float) -> float | None:
        return value / self.p50 if self.p50 > 0 else None


@dataclass(frozen=True)
class Simulation:
    cost: np.ndarray  # per task, one per trial
    success: np.ndarray  # bool per trial
    calls: np.ndarray  # model calls per trial

    @property
    def trials(self) -> int:
        return int(self.cost.size)

    @property
    def mean(self) -> float:
        return float(self.cost.mean())

    @property
    def standard_error(self) -> float:
        return float(self.cost.std(ddof=1) / math.sqrt(self.trials)) if self.trials > 1 else math.inf

    @property
    def success_rate(self) -> float:
        return float(self.success.mean())

    def summary(self, bins: int = 100) -> SimulationSummary:
        """Quantiles, mean and a histogram (share of tasks per cost bin, split by outcome); the histogram runs from
        the cheapest task to the p99.9 cost, dearer tasks fall in the last bin."""
        p50, p95, p99, p999 = (float(v) for v in np.quantile(self.cost, (0.5, 0.95, 0.99, 0.999)))
        lo = float(self.cost.min())
        hi = p999 if p999 > lo else lo + max(lo, 1e-9) * 0.01
        width = (hi - lo) / bins
        index = np.minimum(((self.cost - lo) / width).astype(np.int64), bins - 1)
        counts = np.bincount(index * 2 + self.success, minlength=2 * bins).reshape(bins, 2) / self.trials
        histogram = pd.DataFrame({"cost": lo + (np.arange(bins) + 0.5) * width, "succeeded": counts[:, 1],
                                  "failed": counts[:, 0]})
        return SimulationSummary(trials=self.trials, mean=self.mean, standard_error=self.standard_error,
                                 success=self.success_rate, p50=p50, p95=p95, p99=p99,
                                 calls=float(self.calls.mean()), histogram=histogram)


def _outcomes(p: float, k: int, x: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A step's outcomes: (probability, attempts, succeeded). Success at attempt j: x^(j-1)(1-p); failure at
    attempt j < k because the budget refused the retry: x^(j-1)p(1-q); failure with every attempt used:
    x^(k-1)p. They sum to 1; outcome 0 is success at the first try."""
    probs, attempts, ok = [], [], []
    refuse = 1.0 - (x / p if p > 0 else 1.0)
    for j in range(1, k + 1):
        reach = x ** (j - 1)
        probs += [reach * (1 - p), reach * p * (refuse if j < k else 1.0)]
        attempts += [j, j]
        ok += [True, False]
    return np.array(probs), np.array(attempts), np.array(ok)


def trials_for(costs: TaskCosts, p: float, policy: Policy, budget: int = WORK_BUDGET) -> int:
    """Trials that fit the work budget (runs started + unusual steps drawn per task, known in closed form)."""
    e = expected(p, costs, policy)
    per_task = float(e.runs[0] + p * e.steps_run[0])
    return int(min(DEFAULT_TRIALS, max(MIN_TRIALS, budget // max(per_task, 1.0))))


def simulate(costs: TaskCosts, p: float, policy: Policy, trials: int | None = None,
             seed: int = DEFAULT_SEED) -> Simulation:
    """Cost per task for independent tasks under `policy` at failure rate p (seeded, vectorised over trials).

    Event-driven: most steps succeed at the first try, so each running task draws how many clean steps come before
    its next unusual one (geometric, by inversion), pays them from a prefix sum, then draws what happened at the
    unusual step (a retry that worked, or a failure that ends the run). There is no loop over trials.
    """
    trials = trials_for(costs, p, policy) if trials is None else trials
    n, k, f = costs.steps, policy.max_attempts, costs.failed_output_share
    clean_step = costs.first_in + costs.first_out + costs.summary  # a first-try success and the summary after it
    clean_calls = 1.0 + costs.has_summary
    prefix = np.concatenate([[0.0], np.cumsum(clean_step)])
    call_prefix = np.concatenate([[0.0], np.cumsum(clean_calls)])
    rng = np.random.default_rng(seed)
    cost = np.zeros(trials)
    calls = np.zeros(trials)
    if p <= 0:
        cost[:] = prefix[n]
        calls[:] = call_prefix[n]
        return Simulation(cost=cost, success=np.ones(trials, dtype=bool), calls=calls)

    first_fail = costs.first_in + f * costs.first_out
    retry_ok = costs.retry_in + costs.retry_out
    retry_fail = costs.retry_in + f * costs.retry_out
    xq = min(p, retry_threshold(k, policy.budget))
    probs, attempts, ok = _outcomes(p, k, xq)
    unusual = np.cumsum(probs[1:]) / p  # outcomes other than a first-try success, given the step is not one
    attempts, ok = attempts[1:], ok[1:]
    j = attempts[None, :]
    table = np.where(ok[None, :],
                     first_fail[:, None] + (j - 2) * retry_fail[:, None] + retry_ok[:, None] + costs.summary[:, None],
                     first_fail[:, None] + (j - 1) * retry_fail[:, None])
    call_table = np.where(ok[None, :], j + costs.has_summary[:, None], j).astype(float)
    through = (prefix[:-1, None] + table).ravel()  # from the run's start through an unusual step and its outcome
    calls_through = (call_prefix[:-1, None] + call_table).ravel()
    outcomes = table.shape[1]
    inv_log_clean = np.float32(1.0 / math.log1p(-p))
    last = len(unusual) - 1

    success = np.zeros(trials, dtype=bool)
    rows = np.arange(trials)  # tasks still running: next step, restarts left, spend and calls so far
    cursor = np.zeros(trials, dtype=np.int64)
    restarts_left = np.full(trials, policy.restarts)
    spent = np.zeros(trials)
    made = np.zeros(trials)
    while rows.size:
        u = np.float32(1.0) - rng.random(rows.size, dtype=np.float32)  # (0, 1]
        event = cursor + np.minimum(np.log(u) * inv_log_clean, n).astype(np.int64)  # geometric clean run
        finished = event >= n
        if finished.any():  # no unusual step before the end: the run succeeds
            out = np.flatnonzero(finished)
            done, start = rows.take(out), cursor.take(out)
            cost[done] = spent.take(out) + prefix[n] - prefix[start]
            calls[done] = made.take(out) + call_prefix[n] - call_prefix[start]
            success[done] = True
            stay = np.flatnonzero(~finished)
            rows, event, cursor, restarts_left, spent, made = (
                a.take(stay) for a in (rows, event, cursor, restarts_left, spent, made))
        outcome = np.minimum(np.searchsorted(unusual, rng.random(rows.size, dtype=np.float32), side="right"), last)
        spent += through.take(event * outcomes + outcome) - prefix.take(cursor)
        made += calls_through.take(event * outcomes + outcome) - call_prefix.take(cursor)
        failed = ~ok.take(outcome)
        cursor = event + 1
        if failed.any():  # the run stops here: restart the task if allowed, else it has failed for good
            final = failed & (restarts_left <= 0)
            if final.any():
                out = np.flatnonzero(final)
                done = rows.take(out)
                cost[done], calls[done] = spent.take(out), made.take(out)
            cursor[failed] = 0
            restarts_left = restarts_left - (failed & ~final)
            stay = np.flatnonzero(~final)
            rows, cursor, restarts_left, spent, made = (
                a.take(stay) for a in (rows, cursor, restarts_left, spent, made))
    return Simulation(cost=cost, success=success, calls=calls)


# --- retry amplification across layers (calls, not money) ----------------------------------------------------------


class AmplificationInputs(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    attempts_per_layer: int = Field(
        3, ge=1, le=10, title="Attempts per layer",
        description="Each layer tries a failing call this many times in all. Google SRE book: at most 3.",
    )
    layers: int = Field(
        3, ge=1, le=8, title="Layers that retry",
        description="Services stacked between the user and the model API, each retrying (illustrative default).",
    )
    budget: float = Field(
        SRE_BUDGET, ge=0, le=0.5, title="Per-layer retry budget", json_schema_extra={"percent": True, "step": 1.0},
        description="Retries as a share of each layer's requests. Google SRE book: 10%.",
    )
    failure_rate: float = Field(
        0.10, ge=0, le=1, title="Model API failure probability", json_schema_extra={"percent": True},
        description="Chance one call to the model API fails (the page uses the workload's failure rate).",
    )


class AmplificationResult(BaseModel):
    model_config = ConfigDict(frozen=True)
    worst_case: float  # API calls per user request when everything fails, no budget: attempts^layers
    worst_case_budget: float  # the same with a budget at every layer: (1/(1-b))^layers
    expected: float  # API calls per user request at the failure probability, no budget
    expected_budget: float
    budget_binds_at: float | None


def amplified_calls(p: float | np.ndarray, attempts: int, layers: int, budget: float | None) -> np.ndarray:
    """Model-API calls per user request. Layer 1 calls the API; layer l calls layer l-1. Each layer makes
    H(x) = 1 + G(x) calls per incoming call on average (Wald's identity), x the chance a call fails and is retried;
    a layer's call fails with 1 - (1 - f) H(x), f its callee's."""
    f = np.atleast_1d(np.asarray(p, dtype=float))
    cap = retry_threshold(attempts, budget)
    total = np.ones_like(f)
    for _ in range(layers):
        h = 1.0 + np.asarray(retries_per_first(np.minimum(f, cap), attempts), dtype=float).reshape(f.shape)
        total = total * h
        f = np.clip(1.0 - (1.0 - f) * h, 0.0, 1.0)
    return total


def amplification(x: AmplificationInputs) -> AmplificationResult:
    threshold = retry_threshold(x.attempts_per_layer, x.budget)
    return AmplificationResult(
        worst_case=float(x.attempts_per_layer**x.layers),
        worst_case_budget=float(amplified_calls(1.0, x.attempts_per_layer, x.layers, x.budget)[0]),
        expected=float(amplified_calls(x.failure_rate, x.attempts_per_layer, x.layers, None)[0]),
        expected_budget=float(amplified_calls(x.failure_rate, x.attempts_per_layer, x.layers, x.budget)[0]),
        budget_binds_at=threshold if threshold < 1 and x.attempts_per_layer > 1 else None,
    )


# --- the analysis the page shows ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskView:
    """The main failing class: one task today and with the chosen policy."""

    index: int
    name: str
    steps: int
    failure_rate: float
    failures: Failures
    costs: TaskCosts  # per-attempt costs at today's traffic
    costs_chosen: TaskCosts  # at the traffic of your policy's workload (equal completed work)
    today: Policy
    chosen: Policy
    policies: list[Policy]
    expected_today: Expected
    expected_chosen: Expected
    doubles_at: float | None  # failure rate at which the chosen policy's cost per completed task is 2x the clean task

    def per_success(self, which: str = "chosen") -> float | None:
        e = self.expected_chosen if which == "chosen" else self.expected_today
        return float(e.cost[0] / e.success[0]) if e.success[0] > 0 else None

    def multiplier(self, which: str = "chosen") -> float | None:
        per = self.per_success(which)
        clean = (self.costs_chosen if which == "chosen" else self.costs).clean
        return per / clean if per is not None and clean > 0 else None

    def retry_share(self, which: str = "chosen") -> float:
        e = self.expected_chosen if which == "chosen" else self.expected_today
        return float(e.retries[0] / e.calls[0]) if e.calls[0] > 0 else 0.0


@dataclass(frozen=True)
class RetryResult(TodayAndAfter):
    today: Bill
    after: Bill  # the same completed tasks under the chosen policy
    idle: str | None
    refuses_above: float  # failure rate above which the chosen budget refuses retries (1.0: never)
    task: TaskView | None  # the failing class analysed; None: nothing fails
    failing: tuple[str, ...] = ()  # every failing class, in workload order
    refused: EqualWorkOutOfReach | None = None  # equal work out of reach: `after` is today's bill, nothing booked
    unbounded: Bill | None = None  # the bill equal completed work would take when refused (not booked)
    low_success: tuple[tuple[str, float], ...] = ()  # failing classes completing under LOW_SUCCESS of their tasks
    factors: dict[str, float] | None = None  # tasks started with the policy per task today, by failing class

    @property
    def change(self) -> float:
        return -self.saving

    @property
    def success_today(self) -> float:
        return self.today.completed / self.today.requests if self.today.requests else 1.0

    @property
    def success_after(self) -> float:
        return self.after.completed / self.after.requests if self.after.requests else 1.0

    @property
    def started_factor(self) -> float:
        """Tasks started with the policy per task started today, for the same completed tasks."""
        return self.after.requests / self.today.requests if self.today.requests else 1.0


def _task_view(w: Workload, x: RetryPolicyInputs, cat: Catalogue, index: int, at_equal_work: Workload) -> TaskView:
    c = w.classes[index]
    f = c.failures
    assert f is not None
    costs = task_costs(w, c, cat)
    costs_chosen = task_costs(at_equal_work, at_equal_work.classes[index], cat)
    today, chosen = today_policy(f), chosen_policy(f, x)
    p = f.failure_rate
    return TaskView(index=index, name=c.name, steps=c.steps, failure_rate=p, failures=f, costs=costs,
                    costs_chosen=costs_chosen, today=today, chosen=chosen, policies=compared_policies(f, x),
                    expected_today=expected(p, costs, today), expected_chosen=expected(p, costs_chosen, chosen),
                    doubles_at=doubling_point(costs_chosen, chosen))


def focus_class(w: Workload, today: Bill, after: Bill) -> int | None:
    """The failing class whose bill the policy moves most (ties: the one with most requests); None if none fails.
    The lever keeps classes in order, so today's and the policy's bills line up class by class."""
    failing = [i for i, c in enumerate(w.classes) if fails(c)]
    if not failing:
        return None
    return max(failing, key=lambda i: (abs(after.classes[i].total - today.classes[i].total),
                                       w.classes[i].requests_per_month))


def analyse(w: Workload, x: RetryPolicyInputs, cat: Catalogue, today: Bill | None = None,
            focus: str | None = None) -> RetryResult:
    """The lever on the workload at equal completed work, and one task of a failing class: `focus` by name, else
    the one whose bill the policy moves most. Raises NoTaskCompletes when the policy completes nothing that today
    completes. When equal work is out of reach (see `apply`), `after` is today's bill and `unbounded` what it would
    take."""
    today = today if today is not None else price(w, cat)
    equal = _at_equal_work(w, x)
    refused = out_of_reach(w, x)
    unbounded = price(equal, cat)
    after = today if refused is not None else unbounded
    names = [c.name for c in w.classes]
    failing = tuple(c.name for c in w.classes if fails(c))
    index = names.index(focus) if focus in failing else focus_class(w, today, unbounded)
    return RetryResult(today=today, after=after, idle=idle(w, x, cat),
                       refuses_above=retry_threshold(x.max_attempts, x.budget_share),
                       task=_task_view(w, x, cat, index, equal) if index is not None else None, failing=failing,
                       refused=refused, unbounded=unbounded if refused is not None else None,
                       low_success=low_success(w), factors=equal_work_factors(w, x))


EXPLANATION = r"""
**One call.** Each attempt fails with probability *p* (the sidebar's failure rate). A failed attempt bills its whole
input and a share *f* of its output; a retry re-sends the full history (same price as the first try) or only the step
(the prefix, the user message and the latest tool result). With at most *k* attempts, the chance an attempt fails
*and* is retried is *x* = *p*·*q*, where *q* is the share of retries the budget admits (1 without a budget). Expected
retries per step *G* = *x* + *x*² + … + *x*^(*k*−1); the step succeeds with probability *s* = (1 − *p*)(1 + *G*).

**One task.** A failed step stops the run, so step *i* runs with probability *s*^(*i*−1) and a run succeeds with
*s*^*n*. With up to *m* restarts, the task succeeds with 1 − (1 − *s*^*n*)^(*m*+1) and every failed run is paid in
full. **Cost per completed task** = what the bill pays per task started ÷ the share that complete. The **multiplier**
divides it by the cost of a task where nothing fails.

**Retry budget** (Google SRE book): retries may be at most *b* of all requests. Retries are *G*/(1 + *G*) of
requests, so the budget starts refusing when *G*(*p*) > *b*/(1 − *b*): above that failure rate (*x\**, solved exactly)
*x* stays at *x\** and the extra failures are refused. It caps the load a failing model receives, and pays for it
with failed tasks.

**Equal completed work.** A policy that completes fewer tasks does less work; its lower bill is not a saving. The
lever keeps completed tasks per month equal: each failing class starts success-today ÷ success-with-the-policy times
as many tasks, priced by the one pricing function. The monthly change is the bill for the same completed tasks under
the policy minus today's bill; it is what the Overview counts (as a negative saving when the policy costs money).

**When equal work is out of reach.** If the policy would have to start more than ten times the tasks a class starts
today to complete as many, the lever books nothing and says so: a workload that finishes so little of its work has a
failure problem to fix first, and ten times its bill is an artefact of that, not the price of a retry policy. The page
still shows what it would take. When a class completes under half its tasks today, the page and the Overview's bar
warn: most of that bill pays for work that never completes.

**Curves.** One priced task gives each attempt's cost at every step (input does not depend on *p*; the output is
billed in the failed share), so the cost at any failure rate follows exactly; at the workload's failure rate it equals
the priced bill. The task is priced within the workload's traffic: where a cache's hit rate is derived from the
traffic reaching it (OpenAI's automatic caching), a lone task would find it cold. Your policy's curve uses its own
workload's traffic (at equal work it starts more or fewer tasks).

**Distribution.** 100,000 simulated tasks (seeded, vectorised; fewer only when each task sees dozens of failures)
give the p50, p95 and p99 cost per task on the same per-attempt costs; their mean matches the bill within Monte Carlo
error.

**Amplification across layers.** When *L* stacked services each try a failing call up to *a* times, the model API
receives up to *a*^*L* calls per user request (3 attempts × 3 layers = 27). With a budget *b* at every layer the worst
case is (1/(1 − *b*))^*L*. At a failure probability *p* each layer makes 1 + *G* calls per incoming call, layer by
layer.
"""
