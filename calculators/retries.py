"""Retry budgets for agents: what a per-step failure rate does to the bill, and what a retry budget buys.

An agent task runs `steps` LLM calls in sequence. Step i (counting from 0) re-sends the whole history:
the system prompt and user message S, plus the output A and tool result R of every earlier step, so
its context is S + i(A + R) tokens and its output A tokens (agent-loops lever).

Each attempt fails with probability p, independently. A failed attempt bills its full input and a
share of its output (the model read the prompt and started answering). A failed step is retried up
to `max_attempts` attempts in all; a retry re-sends either the full history (same context as the
first attempt) or only the step (S plus the latest tool result). A step that runs out of attempts
fails the task; the steps after it do not run. A task can optionally be restarted from scratch.

An optional retry budget (Google SRE book, "Handling Overload") lets a retry through only while
retries stay below a share b of all requests. Across many tasks this acts as a throttle: each wanted
retry is admitted with probability q, chosen so that retries are exactly b of all requests once the
budget binds, and q = 1 below that.

Expected values are closed form; the distribution (p50/p95/p99 cost per task) comes from a vectorised
Monte Carlo over the same model with a seeded generator.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator
from scipy.optimize import brentq

from calculators.prices import ModelPrices, request_cost

Replay = Literal["full history", "step only"]
MAX_FAILURE_RATE = 0.95
MAX_CONTEXT_TOKENS = 2_000_000
DEFAULT_TRIALS = 100_000
MIN_TRIALS = 5_000
# Monte Carlo work budget (tasks started + unusual steps drawn) that fits the 100 ms rerun budget;
# 100,000 trials fit it unless tasks hit dozens of failures each.
WORK_BUDGET = 300_000
DEFAULT_SEED = 20_240_601


class RetryInputs(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    steps: int = Field(
        10, ge=1, le=50, title="Steps per task",
        description="LLM calls one agent task makes in sequence (illustrative default).",
    )
    failure_rate: float = Field(
        0.10, ge=0, le=MAX_FAILURE_RATE, title="Per-step failure probability",
        json_schema_extra={"percent": True, "step": 1.0},
        description="Chance that one attempt at a step fails (bad output, tool error, timeout); illustrative default.",
    )
    max_attempts: int = Field(
        3, ge=1, le=10, title="Attempts per step (cap)",
        description="First try plus retries; 1 means no retries. Google SRE book: at most 3 attempts per request.",
    )
    prompt_tokens: int = Field(
        2_000, ge=0, le=1_000_000, title="System + user prompt (S)", json_schema_extra={"unit": "tokens", "step": 100},
        description="Tokens every step re-sends: system prompt, tool definitions, user message. "
        "Default: the workload's input tokens (illustrative).",
    )
    output_tokens: int = Field(
        400, ge=1, le=100_000, title="Output per step (A)", json_schema_extra={"unit": "tokens", "step": 50},
        description="Tokens the model writes at each step, reasoning included. "
        "Default: the workload's output tokens (illustrative).",
    )
    tool_tokens: int = Field(
        1_000, ge=0, le=1_000_000, title="Tool result per step (R)", json_schema_extra={"unit": "tokens", "step": 100},
        description="Tokens each tool call adds to the history (illustrative default).",
    )
    failed_output_share: float = Field(
        0.5, ge=0, le=1, title="Output billed on a failed attempt", json_schema_extra={"percent": True, "step": 5.0},
        description="Share of a step's output tokens billed when the attempt fails; its input is always billed "
        "(illustrative default).",
    )
    replay: Replay = Field(
        "full history", title="A retry re-sends", json_schema_extra={"widget": "radio"},
        description="The full history (same context as the first try) or only the step: S plus the latest "
        "tool result.",
    )
    restarts: int = Field(
        0, ge=0, le=5, title="Task restarts",
        description="Times a failed task is started again from scratch (0: a failed task stays failed).",
    )
    budget_on: bool = Field(
        False, title="Retry budget",
        description="Let a retry through only while retries stay below a share of all requests (Google SRE book).",
    )
    budget: float = Field(
        0.10, ge=0, le=0.5, title="Retry budget (share of requests)", json_schema_extra={"percent": True, "step": 1.0},
        description="Retries may be at most this share of all requests. Google SRE book: 10%.",
    )
    tasks_per_month: int = Field(
        1_000_000, ge=1, le=10_000_000_000, title="Tasks per month",
        description="Agent tasks started per month: one per workload request (sidebar).",
    )

    @model_validator(mode="after")
    def _context_fits(self) -> RetryInputs:
        last = self.prompt_tokens + (self.steps - 1) * (self.output_tokens + self.tool_tokens)
        if last > MAX_CONTEXT_TOKENS:
            raise ValueError(
                f"the last step would re-send {last:,} tokens of history, more than any model's context window "
                f"({MAX_CONTEXT_TOKENS:,}); use fewer steps or smaller outputs and tool results"
            )
        return self

    @property
    def budget_share(self) -> float | None:
        return self.budget if self.budget_on else None


class StepCosts(BaseModel):
    """Money per attempt at each step (arrays of length `steps`), in the catalogue's currency."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)
    context: np.ndarray  # input tokens of a first attempt
    retry_context: np.ndarray  # input tokens of a retry
    first_ok: np.ndarray
    first_fail: np.ndarray
    retry_ok: np.ndarray
    retry_fail: np.ndarray

    @property
    def clean(self) -> float:
        """A task where nothing fails."""
        return float(self.first_ok.sum())


def step_costs(x: RetryInputs, prices: ModelPrices) -> StepCosts:
    i = np.arange(x.steps, dtype=float)
    context = x.prompt_tokens + i * (x.output_tokens + x.tool_tokens)
    retry_context = context if x.replay == "full history" else x.prompt_tokens + np.minimum(i, 1) * x.tool_tokens
    a, fa = float(x.output_tokens), x.failed_output_share * x.output_tokens
    return StepCosts(
        context=context,
        retry_context=retry_context,
        first_ok=np.asarray(request_cost(prices, context, np.full_like(context, a)), dtype=float),
        first_fail=np.asarray(request_cost(prices, context, np.full_like(context, fa)), dtype=float),
        retry_ok=np.asarray(request_cost(prices, retry_context, np.full_like(context, a)), dtype=float),
        retry_fail=np.asarray(request_cost(prices, retry_context, np.full_like(context, fa)), dtype=float),
    )


# --- the retry budget as a throttle -------------------------------------------------------------


def _retries_per_first(x: float | np.ndarray, k: int) -> float | np.ndarray:
    """G(x) = x + x^2 + ... + x^(k-1): expected retries per first attempt when each failure is retried
    with probability x / p (x = p·q: the chance an attempt fails AND its retry is admitted)."""
    x = np.asarray(x, dtype=float)
    total = np.zeros_like(x)
    term = np.ones_like(x)
    for _ in range(k - 1):
        term = term * x
        total = total + term
    return float(total) if total.ndim == 0 else total


def budget_threshold(max_attempts: int, budget: float | None) -> float:
    """x*: the failure probability above which the budget starts refusing retries.

    Retries as a share of all requests are G/(1+G); the budget caps that at b, i.e. G(x) <= b/(1-b).
    G is increasing, so x* solves G(x*) = b/(1-b) exactly (brentq); 1.0 means the budget never binds.
    """
    if budget is None or max_attempts <= 1:
        return 1.0
    if budget <= 0:
        return 0.0
    target = budget / (1 - budget)
    if _retries_per_first(1.0, max_attempts) <= target:
        return 1.0
    return float(brentq(lambda v: _retries_per_first(v, max_attempts) - target, 0.0, 1.0, xtol=1e-15, rtol=1e-15))


@dataclass(frozen=True)
class Policy:
    name: str
    max_attempts: int
    restarts: int
    budget: float | None
    yours: bool = False

    @property
    def rules(self) -> tuple[int, int, float | None]:
        return (self.max_attempts, self.restarts, self.budget)

    @property
    def budget_binds_at(self) -> float | None:
        """Failure probability above which this policy's budget refuses retries (None: never)."""
        if self.budget is None or self.max_attempts <= 1:
            return None
        threshold = budget_threshold(self.max_attempts, self.budget)
        return threshold if threshold < MAX_FAILURE_RATE else None


def user_policy(x: RetryInputs) -> Policy:
    return Policy("your policy", x.max_attempts, x.restarts, x.budget_share, yours=True)


def policies(x: RetryInputs) -> list[Policy]:
    """The policies the charts compare, built around the user's settings; the user's own comes last
    (or, when it coincides with one of them, that one is marked as theirs)."""
    k, m, b = x.max_attempts, max(x.restarts, 1), x.budget if x.budget_on else 0.10
    candidates = [Policy("no retries", 1, 0, None)]
    if k > 1:
        candidates += [Policy(f"step retries, up to {k} attempts", k, 0, None),
                       Policy(f"step retries + {b:.0%} budget", k, 0, b)]
    candidates.append(Policy(f"task restarts only (up to {m})", 1, m, None))
    mine = user_policy(x)
    out = [Policy(f"{c.name} (yours)", *c.rules, yours=True) if c.rules == mine.rules else c for c in candidates]
    if not any(c.yours for c in out):
        out.append(mine)
    return out


# --- closed form, vectorised over p ---------------------------------------------------------


@dataclass(frozen=True)
class _Expected:
    runs: np.ndarray  # runs (first try plus restarts) per task
    steps_run: np.ndarray  # steps started per task, over all runs
    cost: np.ndarray  # per started task, all passes
    success: np.ndarray
    requests: np.ndarray  # API calls per task
    retries: np.ndarray  # step retries per task
    step_success: np.ndarray
    admitted: np.ndarray  # q: share of wanted retries the budget lets through


def _expected(p: np.ndarray | float, costs: StepCosts, policy: Policy) -> _Expected:
    """Expected cost, success and requests per task at failure probabilities p (one formula for all)."""
    p = np.atleast_1d(np.asarray(p, dtype=float))
    k, n = policy.max_attempts, len(costs.first_ok)
    x = np.minimum(p, budget_threshold(k, policy.budget))  # p·q
    q = np.divide(x, p, out=np.ones_like(p), where=p > 0)
    g = _retries_per_first(x, k)  # expected retries per step
    attempts = 1.0 + g
    s = (1.0 - p) * attempts  # step success: some attempt succeeds before the cap or a refusal
    # Expected cost of step i when it runs: first attempt, then G retries on average.
    first = (1.0 - p)[:, None] * costs.first_ok + p[:, None] * costs.first_fail
    retry = (1.0 - p)[:, None] * costs.retry_ok + p[:, None] * costs.retry_fail
    step = first + g[:, None] * retry
    reach = s[:, None] ** np.arange(n)  # step i runs when the i steps before it succeeded
    pass_cost = (reach * step).sum(axis=1)
    pass_requests = reach.sum(axis=1) * attempts
    pass_retries = reach.sum(axis=1) * g
    pass_success = np.clip(s, 0.0, 1.0) ** n
    fail = 1.0 - pass_success
    passes = sum(fail**j for j in range(policy.restarts + 1))  # pass j+1 runs when the j before it failed
    # 1 - (1 - P)^(m+1), computed without cancellation when P is tiny.
    with np.errstate(divide="ignore"):
        success = -np.expm1((policy.restarts + 1) * np.log1p(-pass_success))
    return _Expected(
        runs=passes,
        steps_run=reach.sum(axis=1) * passes,
        cost=pass_cost * passes,
        success=success,
        requests=pass_requests * passes,
        retries=pass_retries * passes,
        step_success=s,
        admitted=q,
    )


class RetryResult(BaseModel):
    model_config = ConfigDict(frozen=True)
    clean_cost: float  # per task when nothing fails (catalogue currency, like every amount here)
    expected_cost: float  # per started task: failed attempts, retries, restarts, failed tasks included
    success: float  # probability the task completes
    cost_per_success: float | None  # expected_cost / success; None when no task succeeds
    multiplier: float | None  # cost_per_success / clean_cost
    requests_per_task: float
    retry_share: float  # retries as a share of all requests
    admitted: float  # share of wanted retries the budget lets through
    step_success: float
    budget_binds_at: float | None  # failure probability above which the budget refuses retries
    doubles_at: float | None  # failure probability at which cost per successful task is twice the clean cost
    last_context: float  # input tokens of the last step's first attempt
    overflow_step: int | None  # first step (1-based) whose context exceeds the model's context window
    monthly_cost: float  # expected cost per task x tasks per month
    clean_monthly_cost: float  # the same month with no failures

    @property
    def overhead(self) -> float | None:
        """Expected cost per task over the clean cost, minus 1 (0.09: failures add 9% to the bill)."""
        return self.expected_cost / self.clean_cost - 1 if self.clean_cost > 0 else None


def _multiplier(p: np.ndarray, costs: StepCosts, policy: Policy, e: _Expected | None = None) -> np.ndarray:
    """Cost per successful task / clean cost at each p (`e`: the expectations at p, if already computed)."""
    e = _expected(p, costs, policy) if e is None else e
    clean = costs.clean
    with np.errstate(divide="ignore", invalid="ignore"):
        per_success = np.where(e.success > 0, e.cost / np.where(e.success > 0, e.success, 1.0), np.inf)
        return per_success / clean if clean > 0 else np.full_like(per_success, np.nan)


def doubling_point(costs: StepCosts, policy: Policy, factor: float = 2.0) -> float | None:
    """Failure probability at which the cost per successful task reaches `factor` x the clean cost.

    The multiplier rises with p (a tested property for prices without long-context tiers; with tiers, a
    step-only retry can land in a cheaper tier than its first try and flatten the curve slightly), so
    brentq finds the crossing. None when it stays below `factor` up to the largest allowed p, or the
    task is free.
    """
    if costs.clean <= 0:
        return None

    def gap(p: float) -> float:
        return float(_multiplier(np.array([p]), costs, policy)[0]) - factor

    if not gap(MAX_FAILURE_RATE) > 0:
        return None
    return float(brentq(gap, 0.0, MAX_FAILURE_RATE, xtol=1e-13))


def evaluate(x: RetryInputs, prices: ModelPrices) -> RetryResult:
    costs = step_costs(x, prices)
    policy = user_policy(x)
    e = _expected(x.failure_rate, costs, policy)
    cost, success = float(e.cost[0]), float(e.success[0])
    per_success = cost / success if success > 0 else None
    window = prices.context_window
    over = np.nonzero(costs.context > window)[0] if window else np.array([], dtype=int)
    return RetryResult(
        clean_cost=costs.clean,
        expected_cost=cost,
        success=success,
        cost_per_success=per_success,
        multiplier=per_success / costs.clean if per_success is not None and costs.clean > 0 else None,
        requests_per_task=float(e.requests[0]),
        retry_share=float(e.retries[0] / e.requests[0]) if e.requests[0] > 0 else 0.0,
        admitted=float(e.admitted[0]),
        step_success=float(e.step_success[0]),
        budget_binds_at=policy.budget_binds_at,
        doubles_at=doubling_point(costs, policy),
        last_context=float(costs.context[-1]),
        overflow_step=int(over[0]) + 1 if over.size else None,
        monthly_cost=cost * x.tasks_per_month,
        clean_monthly_cost=costs.clean * x.tasks_per_month,
    )


def policy_curves(x: RetryInputs, prices: ModelPrices, points: int = 191) -> pd.DataFrame:
    """Cost multiplier and success probability vs p for each compared policy and the user's own.

    Columns: failure_rate, then `<name>|multiplier` and `<name>|success` per policy. Same formula as
    `evaluate` (both call `_expected`).
    """
    top = min(MAX_FAILURE_RATE, max(0.3, 2.0 * x.failure_rate))
    p = np.unique(np.concatenate([np.linspace(0.0, top, points), [x.failure_rate]]))
    costs = step_costs(x, prices)
    frame: dict[str, np.ndarray] = {"failure_rate": p}
    for policy in policies(x):
        e = _expected(p, costs, policy)
        frame[f"{policy.name}|multiplier"] = _multiplier(p, costs, policy, e)
        frame[f"{policy.name}|success"] = e.success
    return pd.DataFrame(frame)


# --- Monte Carlo ----------------------------------------------------------------------------


class Simulation(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)
    cost: np.ndarray  # per task, one per trial
    success: np.ndarray  # bool per trial
    requests: np.ndarray  # API calls per trial

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
        """Quantiles, mean and a histogram (share of tasks per cost bin, split by outcome).

        The histogram runs from the cheapest task to the p99.9 cost; dearer tasks fall in the last bin.
        """
        p50, p95, p99, p999 = (float(v) for v in np.quantile(self.cost, (0.5, 0.95, 0.99, 0.999)))
        lo = float(self.cost.min())
        hi = p999 if p999 > lo else lo + max(lo, 1e-9) * 0.01
        width = (hi - lo) / bins
        # One pass: bin index x 2 + outcome, counted with bincount (tasks above the p99.9 go in the last bin).
        index = np.minimum(((self.cost - lo) / width).astype(np.int64), bins - 1)
        counts = np.bincount(index * 2 + self.success, minlength=2 * bins).reshape(bins, 2) / self.trials
        histogram = pd.DataFrame({
            "cost": lo + (np.arange(bins) + 0.5) * width,
            "succeeded": counts[:, 1],
            "failed": counts[:, 0],
        })
        return SimulationSummary(
            trials=self.trials, mean=self.mean, standard_error=self.standard_error, success=self.success_rate,
            p50=p50, p95=p95, p99=p99, requests=float(self.requests.mean()), histogram=histogram,
        )


class SimulationSummary(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)
    trials: int
    mean: float
    standard_error: float
    success: float
    p50: float
    p95: float
    p99: float
    requests: float
    histogram: pd.DataFrame

    @property
    def margin95(self) -> float:
        """Half-width of the 95% confidence interval of the mean."""
        return 1.96 * self.standard_error

    def over_median(self, value: float) -> float | None:
        return value / self.p50 if self.p50 > 0 else None


def _outcomes(p: float, k: int, x: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A step's possible outcomes: (probability, attempts, succeeded) for each.

    Success at attempt j: x^(j-1)(1-p); failure at attempt j < k because the budget refused the
    retry: x^(j-1)p(1-q); failure with every attempt used: x^(k-1)p. They sum to 1. Outcome 0 is
    success at the first try.
    """
    probs, attempts, ok = [], [], []
    refuse = 1.0 - (x / p if p > 0 else 1.0)
    for j in range(1, k + 1):
        reach = x ** (j - 1)
        probs.append(reach * (1 - p))
        attempts.append(j)
        ok.append(True)
        probs.append(reach * p * (refuse if j < k else 1.0))
        attempts.append(j)
        ok.append(False)
    return np.array(probs), np.array(attempts), np.array(ok)


def trials_for(x: RetryInputs, prices: ModelPrices, budget: int = WORK_BUDGET) -> int:
    """Trials that fit the work budget: 100,000 unless each task sees dozens of failures.

    Work per task = runs started + unusual steps (a failure or a retry), both known in closed form.
    """
    e = _expected(x.failure_rate, step_costs(x, prices), user_policy(x))
    per_task = float(e.runs[0] + x.failure_rate * e.steps_run[0])
    return int(min(DEFAULT_TRIALS, max(MIN_TRIALS, budget // max(per_task, 1.0))))


def simulate(x: RetryInputs, prices: ModelPrices, trials: int | None = None, seed: int = DEFAULT_SEED) -> Simulation:
    """Cost per task for `trials` independent tasks under the user's policy (default: `trials_for`,
    100,000 unless tasks see dozens of failures each).

    Vectorised over trials and driven by events: most steps succeed at the first try, so instead of
    drawing every step, each running task draws how many clean steps come before its next unusual
    one (a geometric number, by inversion), pays those from a prefix sum, then draws what happened
    at the unusual step (a retry that worked, or a failure that ends the run). Each pass of the loop
    handles the next event of every running task at once; there is no loop over trials.
    """
    trials = trials_for(x, prices) if trials is None else trials
    costs = step_costs(x, prices)
    policy = user_policy(x)
    n, k, p = x.steps, x.max_attempts, x.failure_rate
    rng = np.random.default_rng(seed)
    cost = np.zeros(trials)
    requests = np.zeros(trials)
    if p <= 0:
        cost[:] = costs.clean
        requests[:] = n
        return Simulation(cost=cost, success=np.ones(trials, dtype=bool), requests=requests)

    xq = min(p, budget_threshold(k, policy.budget))
    probs, attempts, ok = _outcomes(p, k, xq)
    # Outcomes other than a first-try success, conditional on the step not being one.
    unusual = np.cumsum(probs[1:]) / p
    attempts, ok = attempts[1:], ok[1:]
    j = attempts[None, :]
    table = np.where(  # cost of each (step, unusual outcome)
        ok[None, :],
        costs.first_fail[:, None] + (j - 2) * costs.retry_fail[:, None] + costs.retry_ok[:, None],
        costs.first_fail[:, None] + (j - 1) * costs.retry_fail[:, None],
    )
    prefix = np.concatenate([[0.0], np.cumsum(costs.first_ok)])
    # Cost from the run's start through an unusual step e with outcome o (clean steps before it included),
    # flattened so one `take` reads it.
    through = (prefix[:-1, None] + table).ravel()
    outcomes = table.shape[1]
    inv_log_clean = np.float32(1.0 / math.log1p(-p))
    last = len(unusual) - 1

    success = np.zeros(trials, dtype=bool)
    # The tasks still running, with their next step, restarts left, and cost and requests so far in this run
    # (plus earlier runs). A task leaves these arrays when it succeeds or fails for good.
    rows = np.arange(trials)
    cursor = np.zeros(trials, dtype=np.int64)
    restarts_left = np.full(trials, policy.restarts)
    spent = np.zeros(trials)
    calls = np.zeros(trials)
    while rows.size:
        u = np.float32(1.0) - rng.random(rows.size, dtype=np.float32)  # (0, 1]
        # Clean steps before the next unusual one: floor(ln u / ln(1-p)) is geometric, P(>= j) = (1-p)^j.
        event = cursor + np.minimum(np.log(u) * inv_log_clean, n).astype(np.int64)
        finished = event >= n
        if finished.any():  # no unusual step before the end: the run succeeds
            out = np.flatnonzero(finished)
            done, start = rows.take(out), cursor.take(out)
            cost[done] = spent.take(out) + prefix[n] - prefix[start]
            requests[done] = calls.take(out) + (n - start)
            success[done] = True
            stay = np.flatnonzero(~finished)
            rows, event, cursor, restarts_left, spent, calls = (
                a.take(stay) for a in (rows, event, cursor, restarts_left, spent, calls))
        outcome = np.minimum(np.searchsorted(unusual, rng.random(rows.size, dtype=np.float32), side="right"), last)
        spent += through.take(event * outcomes + outcome) - prefix.take(cursor)
        calls += event - cursor + attempts.take(outcome)
        failed = ~ok.take(outcome)
        cursor = event + 1
        if failed.any():  # the run stops here: restart the task if allowed, else it has failed for good
            final = failed & (restarts_left <= 0)
            if final.any():
                out = np.flatnonzero(final)
                done = rows.take(out)
                cost[done], requests[done] = spent.take(out), calls.take(out)
            cursor[failed] = 0
            restarts_left = restarts_left - (failed & ~final)
            stay = np.flatnonzero(~final)
            rows, cursor, restarts_left, spent, calls = (
                a.take(stay) for a in (rows, cursor, restarts_left, spent, calls))
    return Simulation(cost=cost, success=success, requests=requests)


# --- retry amplification across layers -------------------------------------------------------


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
        0.10, ge=0, le=0.5, title="Per-layer retry budget", json_schema_extra={"percent": True, "step": 1.0},
        description="Retries as a share of each layer's requests. Google SRE book: 10%.",
    )
    failure_rate: float = Field(
        0.10, ge=0, le=1, title="Model API failure probability", json_schema_extra={"percent": True},
        description="Chance one call to the model API fails (the page uses the per-step failure probability).",
    )


class AmplificationResult(BaseModel):
    model_config = ConfigDict(frozen=True)
    worst_case: float  # API calls per user request when everything fails, no budget: attempts^layers
    worst_case_budget: float  # the same with a budget at every layer: (1/(1-b))^layers
    expected: float  # API calls per user request at the failure probability, no budget
    expected_budget: float
    budget_binds_at: float | None


def _amplification(p: np.ndarray | float, attempts: int, layers: int, budget: float | None) -> np.ndarray:
    """Model-API calls per user request. Layer 1 calls the API; layer l calls layer l-1.

    Each layer makes H(x) calls per incoming call on average (Wald's identity), H = 1 + G, with x the
    chance a call fails and is retried; a layer's call fails with 1 - (1 - f)·H(x), f its callee's.
    """
    f = np.atleast_1d(np.asarray(p, dtype=float))
    cap = budget_threshold(attempts, budget)
    total = np.ones_like(f)
    for _ in range(layers):
        x = np.minimum(f, cap)
        h = 1.0 + _retries_per_first(x, attempts)
        total = total * h
        f = np.clip(1.0 - (1.0 - f) * h, 0.0, 1.0)
    return total


def amplification(x: AmplificationInputs) -> AmplificationResult:
    threshold = budget_threshold(x.attempts_per_layer, x.budget)
    return AmplificationResult(
        worst_case=float(x.attempts_per_layer**x.layers),
        worst_case_budget=float(_amplification(1.0, x.attempts_per_layer, x.layers, x.budget)[0]),
        expected=float(_amplification(x.failure_rate, x.attempts_per_layer, x.layers, None)[0]),
        expected_budget=float(_amplification(x.failure_rate, x.attempts_per_layer, x.layers, x.budget)[0]),
        budget_binds_at=threshold if threshold < 1 and x.attempts_per_layer > 1 else None,
    )


EXPLANATION = r"""
**The task.** Step *i* (from 0) re-sends the history: context = *S* + *i*·(*A* + *R*) input tokens and *A* output
tokens, priced with the sidebar model's rates (long-context tiers included). With nothing failing, a task costs the
sum of its steps: the **clean cost**.

**One step.** Each attempt fails with probability *p*. A failed attempt bills its whole input and a share *f* of its
output. A retry re-sends the full history (same price as the first try) or only the step (*S* plus the latest tool
result). With at most *k* attempts, the chance an attempt fails *and* is retried is *x* = *p*·*q*, where *q* is the
share of retries the budget admits (1 without a budget). Expected retries per step *G* = *x* + *x*² + … + *x*^(*k*−1);
the step succeeds with probability *s* = (1 − *p*)(1 + *G*); its expected cost is
[(1 − *p*)·first-try success + *p*·first-try failure] + *G*·[(1 − *p*)·retry success + *p*·retry failure].

**The task.** A failed step stops the run, so step *i* runs with probability *s*^*i*; a run succeeds with
*P* = *s*^*n*. With up to *m* restarts, expected cost = run cost × (1 + (1−*P*) + … + (1−*P*)^*m*) and
success = 1 − (1 − *P*)^(*m*+1). **Cost per successful task** = expected cost ÷ success: what the bill pays for each
finished task, failed tasks included. The **multiplier** divides it by the clean cost. Restarts raise success but
leave the cost per successful task unchanged: every failed run is paid for in full.

**Retry budget** (Google SRE book): retries may be at most *b* of all requests. Retries are *G*/(1 + *G*) of requests,
so the budget binds when *G*(*p*) > *b*/(1 − *b*); above that failure rate (*x\**, solved exactly) *x* stays at *x\**
and the extra failures are refused. The budget caps the load a failing model receives; it buys that with success.

**Distribution.** 100,000 simulated tasks (seeded, vectorised; fewer only when each task sees dozens of failures)
give the p50, p95 and p99 cost per task; their mean matches the closed form within Monte Carlo error.

**Amplification across layers.** When *L* stacked services each try a failing call up to *a* times, the model API
receives up to *a*^*L* calls per user request (3 attempts × 3 layers = 27). With a budget *b* at every layer the worst
case is (1/(1 − *b*))^*L*. At a failure probability *p* each layer makes 1 + *G* calls per incoming call (computed layer
by layer, each layer's failure probability feeding the next).
"""
