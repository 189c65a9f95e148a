"""Agent loops lever: how an agent task keeps its history, priced on the one bill.

An agent task is a request of `steps` model calls. Step i re-sends the shared prefix S (system prompt, tool
definitions), the user message U and every earlier step's output A and tool result R: S + U + (i - 1)(A + R)
input tokens, so a task's input grows with the square of its steps (the spine's `AgentLoop`). The lever is the
**history policy** of every agent class: whether the history is read from cache (each step reads what the step
before sent and writes only its new tail), and how it is compacted (not at all, a sliding window of the last K
steps, or a summary of M tokens every k steps, each summary an extra call).

Money comes only from `bill.price`. Today's policy is the workload's own (the sidebar caches the history where the
provider caches automatically, and compacts nothing); the saving is price(today) - price(every agent class with the
chosen policy). The page's curves come from one priced task of the longest length shown: a task of N steps bills
exactly the first N steps of a longer one plus the summary calls made before step N, scaled by the expected number
of runs of an N-step task (restarts after a failure), so the curve equals price() at every N.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from calculators.bill import Bill, context_limit, model_prices, price
from calculators.draws import WorkloadDraws
from calculators.lever import Lever, TodayAndAfter
from calculators.prices import Catalogue
from calculators.workload import (
    KINDS, MAX_STEPS, TOKEN_CATEGORIES, AgentLoop, CallClass, Compaction, FailureOutcome, Workload, copied,
    probe, resolve_hit_rates,
)

COMPACTION_LABELS: dict[str, str] = {  # also what the page's link may carry
    "none": "No compaction",
    "sliding": "Sliding window",
    "summarise": "Periodic summary",
}
COMPACTIONS: tuple[Compaction, ...] = ("none", "sliding", "summarise")
# Anthropic Engineering (sources.toml: anthropic_agents): agents use ~4x the tokens of chat, multi-agent ~15x.
REPORTED_AGENT_MULTIPLE = 4.0
REPORTED_MULTI_AGENT_MULTIPLE = 15.0
MIN_CURVE_STEPS = 40
INPUT_CATEGORIES = TOKEN_CATEGORIES[:4]  # uncached input, cache writes (5 min, 1 h), cache reads


class AgentPolicyInputs(BaseModel):
    """The history policy every agent task gets."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    history_caching: bool = Field(
        True, title="Cache the history", json_schema_extra={"key": "agents.cache"},
        description="Each step reads what the step before sent from cache and writes only its new tail (the "
        "provider's cache-write price; no premium where the provider caches automatically). On by default: it is "
        "the recommendation wherever steps follow each other within the cache lifetime.",
    )
    compaction: Compaction = Field(
        "none", title="Compaction",
        json_schema_extra={"key": "agents.compaction", "labels": COMPACTION_LABELS, "widget": "radio"},
        description="How the history is kept short: not at all, a sliding window of the last steps, or a summary "
        "every few steps.",
    )
    keep_steps: int = Field(
        5, ge=1, le=MAX_STEPS, title="Steps kept in the window (K)", json_schema_extra={"key": "agents.keep"},
        description="Sliding window: only the last K steps' output and tool results are re-sent (illustrative).",
    )
    summarise_every: int = Field(
        5, ge=1, le=MAX_STEPS, title="Summarise every k steps", json_schema_extra={"key": "agents.every"},
        description="After every k steps one extra call condenses the history into a summary (illustrative).",
    )
    summary_tokens: int = Field(
        1_000, ge=1, le=200_000, title="Summary size (M)",
        json_schema_extra={"key": "agents.summary", "unit": "tokens", "step": 100},
        description="Tokens of the summary that replaces the history; the summary call writes them (illustrative).",
    )


# --- the lever ----------------------------------------------------------------------------------------------


def with_policy(c: CallClass, x: AgentPolicyInputs) -> CallClass:
    """The class with the chosen history policy (a class without a loop is returned unchanged). The inputs' numbers
    may be arrays, one per draw (`apply_draws`): the loop then holds them as they are."""
    if c.loop is None:
        return c
    # `* 1.0`, not float(): the same float for an int, and it takes an array of draws
    loop = copied(c.loop, history_caching=x.history_caching, compaction=x.compaction, keep_steps=x.keep_steps,
                  summarise_every=x.summarise_every, summary_tokens=x.summary_tokens * 1.0)
    return copied(c, loop=loop)


def apply(w: Workload, x: AgentPolicyInputs, cat: Catalogue) -> Workload:
    return w.map(lambda c: with_policy(c, x))


def apply_draws(wd: WorkloadDraws, x: AgentPolicyInputs, cat: Catalogue) -> tuple[WorkloadDraws, np.ndarray]:
    """`apply` in every draw: the policy is structure (caching, compaction) plus numbers the loop holds per draw;
    neither `apply` nor `idle` raises, so it applies in every draw."""
    if all(v.c.loop is None for v in wd.variants):  # no agent tasks: the same workload, which needs no pricing again
        return wd, wd.everywhere()
    return wd.map_classes(lambda c: with_policy(c, x)), wd.everywhere()


def policy_of(loop: AgentLoop) -> AgentPolicyInputs:
    """A loop's own history policy, as the lever's inputs."""
    return AgentPolicyInputs(history_caching=loop.history_caching, compaction=loop.compaction,
                             keep_steps=loop.keep_steps, summarise_every=loop.summarise_every,
                             summary_tokens=max(1, round(loop.summary_tokens)))


def same_policy(loop: AgentLoop, x: AgentPolicyInputs) -> bool:
    """Whether a loop already keeps its history as `x` says (settings of an unused compaction do not count)."""
    if loop.history_caching != x.history_caching or loop.compaction != x.compaction:
        return False
    if x.compaction == "sliding":
        return loop.keep_steps == x.keep_steps
    if x.compaction == "summarise":
        return loop.summarise_every == x.summarise_every and loop.summary_tokens == x.summary_tokens
    return True


def policy_label(x: AgentPolicyInputs) -> str:
    """The policy in words: compaction with its settings, and whether the history is cached."""
    if x.compaction == "sliding":
        shape = f"sliding window of the last {x.keep_steps} step{'s' if x.keep_steps != 1 else ''}"
    elif x.compaction == "summarise":
        every = f"{x.summarise_every} steps" if x.summarise_every != 1 else "step"
        shape = f"a {x.summary_tokens:,}-token summary every {every}"
    else:
        shape = "whole history"
    return f"{shape}, {'history cached' if x.history_caching else 'history not cached'}"


def describe(x: AgentPolicyInputs) -> str:
    return f"every agent task keeps its history as: {policy_label(x)}"


def idle(w: Workload, x: AgentPolicyInputs, cat: Catalogue) -> str | None:
    loops = [c.loop for c in w.classes if c.loop is not None]
    if not loops:
        return "the workload has no agent tasks (set a share of agent tasks in the sidebar's anatomy)"
    if all(same_policy(loop, x) for loop in loops):
        return "every agent task already keeps its history this way"
    return None


LEVER = Lever(
    name="agent_loops", label="Agent history policy", page="pages/agent_loops.py",
    question="Why does our agent cost many times the single-call estimate, and which history policy cuts it?",
    inputs=AgentPolicyInputs, apply=apply, describe=describe, idle=idle, draws=apply_draws,
)


# --- one task of the main agent class ---------------------------------------------------------------------------


def main_agent(w: Workload) -> int | None:
    """Index of the agent class with the most requests (the one the page analyses); None without agent tasks."""
    agents = [i for i, c in enumerate(w.classes) if c.loop is not None]
    return max(agents, key=lambda i: w.classes[i].requests_per_month) if agents else None


def _one_task(w: Workload, c: CallClass) -> Workload:
    """The workload of one request of class `c` a month (the workload's own models kept; a derived cache hit rate
    resolved from the whole workload's traffic)."""
    return Workload.model_construct(classes=(probe(c, w),), overheads=(), custom_models=w.custom_models)


def _with_steps(c: CallClass, steps: int) -> CallClass:
    assert c.loop is not None
    return copied(c, loop=copied(c.loop, steps=steps))


def _row_money(bill: Bill) -> np.ndarray:
    return sum(bill.row_money[cat] for cat in TOKEN_CATEGORIES)


def cost_per_task_curve(w: Workload, c: CallClass, cat: Catalogue, last_step: int) -> np.ndarray:
    """Cost of one task of N steps, N = 1..last_step, with the class's policy and failures.

    One priced task of `last_step` steps gives every shorter one exactly: the calls of step i do not depend on how
    many steps follow, a task of N steps bills the summary calls made before step N, and every call of a task is
    billed once per expected run, so each is scaled by runs(N) / runs(last_step) (1 without restarts).
    """
    long = price(_one_task(w, _with_steps(c, last_step)), cat)
    rows, money = long.rows, _row_money(long)
    summary = rows.kind == KINDS.index("summary")
    steps = np.bincount(rows.step[~summary] - 1, weights=money[~summary], minlength=last_step)[:last_step]
    after = np.bincount(rows.step[summary] - 1, weights=money[summary], minlength=last_step)[:last_step]
    summaries_before = np.concatenate([[0.0], np.cumsum(after)])[:last_step]  # made after steps 1..N-1
    runs = np.array([FailureOutcome.of(c.failures, n).passes for n in range(1, last_step + 1)])
    return (np.cumsum(steps) + summaries_before) * runs / runs[-1]


def naive_call_cost(w: Workload, c: CallClass, cat: Catalogue) -> float:
    """One call of the class without its loop: the prompt S + U, the answer, the same caching and retries."""
    return price(_one_task(w, copied(c, loop=None)), cat).total


# --- the context window, solved exactly ----------------------------------------------------------------------


@dataclass(frozen=True)
class ContextOverflow:
    """The first call of a task (of any length) whose input plus output exceeds the model's context window."""

    step: int  # the step at which the task breaks (a summary call: the step it would precede)
    in_summary_call: bool
    tokens: float  # input + output (reasoning included) of that call
    window: int


def _first_above(limit: float, start: float, slope: float) -> int | None:
    """Smallest i >= 1 with start + (i - 1) slope > limit; None when it never happens (no growth)."""
    if start > limit:
        return 1
    if slope <= 0:
        return None
    i = int(math.floor((limit - start) / slope)) + 2
    while i > 1 and start + (i - 2) * slope > limit:  # settle the float division on the exact inequality
        i -= 1
    while not start + (i - 1) * slope > limit:
        i += 1
    return i


def first_overflow(c: CallClass, window: int | None) -> ContextOverflow | None:
    """Closed form for the first call over `window`, whatever the task's length (None: never, or no window).

    Step i sends c0 + (history) where c0 = S + U and each finished step adds d = A + R; it also writes A and its
    reasoning Z, so it needs c0 + (i - 1) d + A + Z tokens until compaction bounds the history. A sliding window of
    K steps never sends more than c0 + K d. With a summary of M tokens every k steps, every phase after the first
    starts from c0 + M; a summary call sends the phase's whole history (and the previous summary) and writes M.
    """
    if window is None:
        return None
    lp = c.loop or AgentLoop(steps=1)
    c0 = c.prefix_tokens + c.other_input_tokens
    d = c.output_tokens + lp.tool_result_tokens
    out = c.output_tokens + c.reasoning_tokens
    grow = _first_above(window - out, c0, d)  # while the history just grows
    if c.loop is None:
        return ContextOverflow(1, False, c0 + out, window) if grow == 1 else None

    def step_over(i: int) -> ContextOverflow:
        return ContextOverflow(i, False, c0 + (i - 1) * d + out, window)

    if lp.compaction == "none":
        return step_over(grow) if grow is not None else None
    if lp.compaction == "sliding":
        return step_over(grow) if grow is not None and grow - 1 <= lp.keep_steps else None
    k, m = lp.summarise_every, lp.summary_tokens
    if grow is not None and grow <= k:
        return step_over(grow)
    if c0 + k * d + m > window:  # the first summary call: the whole first phase in, M out
        return ContextOverflow(k + 1, True, c0 + k * d + m, window)
    after = _first_above(window - out, c0 + m, d)  # step within a later phase (they are all alike)
    if after is not None and after <= k:
        return ContextOverflow(k + after, False, c0 + m + (after - 1) * d + out, window)
    if c0 + 2 * m + k * d > window:  # later summary calls also carry the previous summary
        return ContextOverflow(2 * k + 1, True, c0 + 2 * m + k * d, window)
    return None


# --- the analysis the page shows --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskView:
    """One agent class analysed: one task today and with the chosen policy."""

    index: int
    name: str
    steps: int
    requests: float
    today_policy: AgentPolicyInputs
    cost_per_task_today: float
    cost_per_task: float  # with the chosen policy
    naive_per_task: float  # steps x one call
    window: int | None
    overflow_today: ContextOverflow | None
    overflow: ContextOverflow | None  # with the chosen policy
    input_tokens: float  # per task with the chosen policy, cached or not (summary calls included)
    output_tokens: float  # visible output and reasoning, per task
    naive_input_tokens: float  # steps x (S + U)
    step_costs: pd.DataFrame  # per step of one task with the chosen policy, by kind of money; today's total
    curve: pd.DataFrame  # cost per task vs steps: today, the chosen policy, naive
    policies: pd.DataFrame  # every compaction x history caching, priced
    prefix_hit_rate: float  # share of tasks whose first step reads the shared prefix from the cross-task cache
    provider: str
    caches_automatically: bool
    has_cache_price: bool

    @property
    def multiplier(self) -> float | None:
        return self.cost_per_task / self.naive_per_task if self.naive_per_task > 0 else None

    @property
    def multiplier_today(self) -> float | None:
        return self.cost_per_task_today / self.naive_per_task if self.naive_per_task > 0 else None

    @property
    def pays_from_steps(self) -> int | None:
        """Fewest steps per task from which this policy costs no more than today's, on the curve's range (None:
        never there, or the two are the same policy). Exact: the curve is the priced task at every whole N."""
        today, policy = self.curve["today"].to_numpy(), self.curve["policy"].to_numpy()
        if np.allclose(today, policy, rtol=1e-12, atol=0):
            return None
        cheaper = policy <= today * (1 + 1e-12)
        later = np.flatnonzero(~cheaper)
        first = int(later[-1]) + 1 if later.size else 0  # the policy stays no dearer from here on
        return first + 1 if first < len(policy) else None

    @property
    def overflows_within_task(self) -> bool:
        return self.overflow is not None and self.overflow.step <= self.steps


@dataclass(frozen=True)
class AgentResult(TodayAndAfter):
    today: Bill
    after: Bill
    idle: str | None
    task: TaskView | None  # None: the workload has no agent tasks



def curve_steps(steps: int) -> int:
    """How far the cost-vs-steps curve runs: twice the task, at least 40 steps, at most the longest task."""
    return min(max(2 * steps, MIN_CURVE_STEPS), MAX_STEPS)


def step_costs(bill: Bill, index: int = 0) -> pd.DataFrame:
    """Money of each step of a priced class, by kind: cached input, uncached input (cache writes included),
    output (reasoning included), retries, and the summary call made after the step."""
    frame = {name: column.to_numpy() for name, column in bill.step_frame(index).items()}
    kind = frame["call"]
    step = frame["step"].astype(int)
    n = int(step.max()) if len(step) else 0

    def by_step(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
        return np.bincount(step[mask] - 1, weights=values[mask], minlength=n)[:n]

    calls = kind == "call"
    parts = {
        "cached_input": by_step(calls, frame["cache_read"]),
        "uncached_input": by_step(calls, frame["input"] + frame["cache_write_5m"] + frame["cache_write_1h"]),
        "output": by_step(calls, frame["output"] + frame["reasoning"]),
        "retries": by_step(kind == "retry", frame["total"]),
        "summary_call": by_step(kind == "summary", frame["total"]),
    }
    return pd.DataFrame({"step": np.arange(1, n + 1), **parts, "total": sum(parts.values())})


def _task_view(w: Workload, x: AgentPolicyInputs, cat: Catalogue, index: int) -> TaskView:
    c = w.classes[index]
    assert c.loop is not None
    chosen = with_policy(c, x)
    prices = model_prices(w, cat, c.model_key)
    window = context_limit(prices) if prices is not None else None  # the bill's own limit (long-context options)
    one_today = price(_one_task(w, c), cat)
    one_after = price(_one_task(w, chosen), cat)
    n = c.loop.steps
    call = naive_call_cost(w, c, cat)
    naive = n * call
    last = curve_steps(n)
    ns = np.arange(1, last + 1)
    curve = pd.DataFrame({
        "steps": ns,
        "today": cost_per_task_curve(w, c, cat, last),
        "policy": cost_per_task_curve(w, chosen, cat, last),
        "naive": ns * call,
    })
    steps = step_costs(one_after)
    steps["today_total"] = step_costs(one_today)["total"].to_numpy()[: len(steps)]
    today_policy = policy_of(c.loop)
    rows = []
    for compaction in COMPACTIONS:
        for caching in (False, True):
            y = x.model_copy(update={"compaction": compaction, "history_caching": caching})
            per_task = price(_one_task(w, with_policy(c, y)), cat).total
            month = price(apply(w, y, cat), cat).total
            over = first_overflow(with_policy(c, y), window)
            rows.append({
                "compaction": COMPACTION_LABELS[compaction], "history caching": "on" if caching else "off",
                "cost per task": per_task, "bill per month": month, "x naive": per_task / naive if naive > 0 else None,
                "overflows at step": over.step if over is not None else None,
                "today": same_policy(c.loop, y), "chosen": compaction == x.compaction and caching == x.history_caching,
            })
    return TaskView(
        index=index, name=c.name, steps=n, requests=c.requests_per_month, today_policy=today_policy,
        cost_per_task_today=one_today.total, cost_per_task=one_after.total, naive_per_task=naive, window=window,
        overflow_today=first_overflow(c, window), overflow=first_overflow(chosen, window),
        input_tokens=sum(one_after.tokens(k) for k in INPUT_CATEGORIES),
        output_tokens=one_after.tokens("output") + one_after.tokens("reasoning"),
        naive_input_tokens=n * c.input_tokens, step_costs=steps,
        curve=curve, policies=pd.DataFrame(rows),
        prefix_hit_rate=(resolve_hit_rates(w).classes[index].cache_hit_rate or 0.0) if c.cache != "off" else 0.0,
        provider=prices.provider_name if prices is not None else c.model_key,
        caches_automatically=prices is not None and prices.caches_automatically,
        has_cache_price=prices is not None and prices.cache_read is not None,
    )


def analyse(w: Workload, x: AgentPolicyInputs, cat: Catalogue, today: Bill | None = None) -> AgentResult:
    """The lever on the workload (its bill before and after) and one task of its main agent class."""
    today = today if today is not None else price(w, cat)
    after = price(apply(w, x, cat), cat)
    index = main_agent(w)
    return AgentResult(today=today, after=after, idle=idle(w, x, cat),
                       task=_task_view(w, x, cat, index) if index is not None else None)


EXPLANATION = r"""
**The loop.** An agent task is *n* model calls ("steps"). Every step re-sends the conversation so far: the shared
prefix **S** (system prompt and tool definitions), the user message **U**, and for every earlier step the model's
output **A** and the tool result **R** that came back. Step *i* sends S + U + (*i* − 1)(A + R) input tokens and
writes A output tokens (plus its reasoning, which is not re-sent). Over a task the input is
*n*(S + U) + (A + R)·*n*(*n* − 1)/2 tokens: the second term grows with *n*². The **naive estimate** is *n* × one call
of the same class (S + U in, A out, the same caching and retries); the **multiplier** is the task's cost divided by
it. Example: *n* = 3, S + U = 1,000, A = 100, R = 400 → 3 × 1,000 + 500 × 3 = 4,500 input tokens, not 3,000.

**History caching.** Step *i* reads from cache everything step *i* − 1 sent and writes only the new tail (A + R;
S + U on step 1) at the cache-write price. Where the provider caches automatically (OpenAI), reads are discounted and
writes carry no premium, so the sidebar counts the history as cached **today**; pricing it uncached there overstates
an agent several-fold. Where caching is opt-in (Anthropic), the write premium is paid back once the history is read
a few times. Steps are assumed to follow each other within the cache lifetime.

**The shared prefix across tasks.** S is the same for every task. On step 1 of each task it is billed by the class's
cross-task cache (the sidebar's cache hit rate: that share of tasks reads it, the rest write it, or pay plain input
when nothing is cached); on later steps it comes from the task's own history cache when the history is cached.

**Compaction.** A *sliding window* re-sends only the last K steps' A + R; once it slides, the history after S + U
changes on every step, so with caching it is re-written each step. A *periodic summary* adds one call after every
k steps (when another step follows): it sends the current context and writes an M-token summary, which replaces the
history (and the previous summary); that call is billed like a step.

**Money.** Every call goes through the one pricing function: long-context tiers are chosen by each call's whole
input, batch prices and failures (retries, restarts) apply as the sidebar sets them. The monthly saving is today's
bill minus the bill with every agent class on the chosen policy. The cost-per-task curve prices one task of the
longest length shown and reads every shorter task off it exactly (see the module docstring); it equals the priced
task at your number of steps.

**Context window.** A call fits when its input plus its output fits the model's window (genai-prices). The first
call that does not fit is solved exactly from the formulas above, for a task of any length: that request would be
rejected by the API, so the task needs compaction before it.
"""
