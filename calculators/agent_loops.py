"""Agent loops lever: every step of a tool-using agent re-sends the whole conversation so far.

A task of n steps sends, at step i, the system prompt and tool definitions S, the user message U,
and for every earlier step its assistant output A and tool result R. Input grows linearly per step,
so over a task it grows quadratically: n(S+U) + (A+R)·n(n−1)/2 tokens. Options modelled here:
prefix caching of the history, a context-window limit, and compaction (sliding window, or a
summary every k steps).

Pure and typed: no Streamlit. Money always goes through `prices.request_cost` (or, for the
closed form, the same per-request tier rates), so long-context cliffs apply per request.
"""
from __future__ import annotations

from fractions import Fraction
from math import ceil, floor
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from calculators.prices import ModelPrices, request_cost

Compaction = Literal["none", "sliding", "summarise"]
COMPACTION_LABELS: dict[str, str] = {  # also the values the page's URL carries
    "none": "No compaction",
    "sliding": "Sliding window",
    "summarise": "Periodic summary",
}
DEFAULT_CONTEXT_WINDOW = 200_000  # used only when the catalogue has no context window for the model
SYSTEM_SHARE = 0.75  # illustrative split of the workload's input into system+tools vs user message
MAX_STEPS = 500


class AgentInputs(BaseModel):
    """One agent task's shape and the history policy."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    system_tokens: int = Field(
        1_500, ge=0, le=2_000_000, title="System prompt + tool definitions (S)",
        description="Sent at the top of every step. Default: 75% of the workload's input tokens (illustrative split).",
        json_schema_extra={"unit": "tokens", "step": 100},
    )
    user_tokens: int = Field(
        500, ge=0, le=2_000_000, title="User message (U)",
        description="The task as the user typed it, sent on every step. Default: 25% of the workload's input "
        "tokens (illustrative split).",
        json_schema_extra={"unit": "tokens", "step": 100},
    )
    assistant_tokens: int = Field(
        400, ge=1, le=200_000, title="Assistant output per step (A)",
        description="Tokens the model writes per step (tool call, reasoning included). Default: the workload's "
        "output tokens (illustrative).",
        json_schema_extra={"unit": "tokens", "step": 100},
    )
    tool_result_tokens: int = Field(
        1_000, ge=0, le=2_000_000, title="Tool result per step (R)",
        description="Tokens each tool call returns into the history (search hits, file contents). Illustrative.",
        json_schema_extra={"unit": "tokens", "step": 100},
    )
    steps: int = Field(
        20, ge=1, le=MAX_STEPS, title="Steps per task (n)",
        description="Model calls per task. Illustrative default.",
    )
    caching: bool = Field(
        False, title="Cache the history (prefix caching)",
        description="Each step reads the previous step's prompt from cache and writes the new tail (5-minute write "
        "price from the catalogue; no premium where the model has none).",
    )
    context_window: int = Field(
        DEFAULT_CONTEXT_WINDOW, ge=1_000, le=100_000_000, title="Context window",
        description="Input plus output tokens one request may hold. Default: the model's window in genai-prices.",
        json_schema_extra={"unit": "tokens", "step": 1000},
    )
    compaction: Compaction = Field(
        "none", title="Compaction",
        description="How the history is kept short: not at all, a sliding window, or periodic summaries.",
    )
    keep_steps: int = Field(
        5, ge=1, le=MAX_STEPS, title="Steps kept in the window (K)",
        description="Sliding window: only the last K steps' output and tool results are re-sent. Illustrative.",
    )
    summarise_every: int = Field(
        5, ge=1, le=MAX_STEPS, title="Summarise every k steps",
        description="After every k steps one extra call condenses the history into a summary. Illustrative.",
    )
    summary_tokens: int = Field(
        1_000, ge=1, le=200_000, title="Summary size (M)",
        description="Tokens of the summary that replaces the history (and the summary call's output). Illustrative.",
        json_schema_extra={"unit": "tokens", "step": 100},
    )
    tasks_per_month: int = Field(
        1_000_000, ge=1, le=10_000_000_000, title="Tasks per month",
        description="The workload's requests per month: each request is one agent task.",
    )

    @model_validator(mode="after")
    def _has_a_prompt(self) -> AgentInputs:
        if self.system_tokens + self.user_tokens < 1:
            raise ValueError("the system prompt and the user message cannot both be empty: a step needs some input.")
        return self

    @property
    def prompt(self) -> int:
        """S + U: what every step sends before any history."""
        return self.system_tokens + self.user_tokens

    @property
    def per_step(self) -> int:
        """A + R: what each finished step adds to the history."""
        return self.assistant_tokens + self.tool_result_tokens


def default_split(input_tokens: int) -> tuple[int, int]:
    """Split the workload's input tokens into (S, U) at the illustrative 75/25 share."""
    system = round(input_tokens * SYSTEM_SHARE)
    return system, input_tokens - system


class Overflow(BaseModel):
    """The first request that does not fit the context window."""

    model_config = ConfigDict(frozen=True)
    step: int  # the step at which the task breaks (for a summary call: the step it would precede)
    in_summary_call: bool  # True: the summarisation call before `step` is the request that overflows
    tokens: int  # input + output tokens that request needs


class AgentResult(BaseModel):
    model_config = ConfigDict(frozen=True)
    cost_per_task: float
    naive_cost_per_task: float  # n × one call with S+U input and A output
    extra_per_task: float  # cost_per_task − naive_cost_per_task
    quadratic_cost_per_task: float  # no caching, no compaction (closed form)
    multiplier: float | None  # cost_per_task / naive; None when the naive estimate is $0
    cost_per_month: float
    naive_cost_per_month: float
    input_tokens_per_task: int
    output_tokens_per_task: int
    naive_input_tokens_per_task: int  # n(S+U)
    naive_output_tokens_per_task: int  # nA
    summary_calls: int
    cached_cost_per_task: float
    uncached_cost_per_task: float  # plain input and cache writes
    output_cost_per_task: float
    summary_cost_per_task: float  # summarisation calls, all kinds
    overflow: Overflow | None  # None: no request ever overflows under this policy
    overflows_within_task: bool
    cache_payback_steps: int | None  # no compaction: fewest steps at which caching costs no more; None: never


# --- the vectorised core -----------------------------------------------------------------------------


def _priced(prices: ModelPrices, uncached, read, write, output) -> dict[str, np.ndarray]:
    """Cost of each request, total via request_cost, split by kind at the request's own tier."""
    total_input = uncached + read + write
    total = np.asarray(request_cost(prices, uncached, output, cache_read=read, cache_write=write), dtype=float)
    cached = read * prices.rate("cache_read", total_input) / 1e6
    out = output * prices.rate("output", total_input) / 1e6
    return {"cached": cached, "uncached": total - cached - out, "output": out, "total": total}


def _tokens(x: AgentInputs, last_step: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Token counts of every step 1..last_step and every summarisation call made before last_step.

    Returns (steps, summaries), each a dict of equal-length integer arrays: input, read, write,
    uncached, output (and `step` / `after_step`).
    """
    c, d, a = x.prompt, x.per_step, x.assistant_tokens
    i = np.arange(1, last_step + 1, dtype=np.int64)
    done = i - 1  # steps finished before step i
    if x.compaction == "sliding":
        kept = np.minimum(done, x.keep_steps)
        inp = c + kept * d
        # the window slid since the previous request: everything after S+U was rewritten
        shared = np.where(i == 1, 0, np.where(done > x.keep_steps, c, c + (done - 1) * d))
    elif x.compaction == "summarise":
        k, m = x.summarise_every, x.summary_tokens
        summaries_before = done // k
        since = done - summaries_before * k
        has_summary = summaries_before >= 1
        inp = c + np.where(has_summary, m, 0) + since * d
        prev = c + np.where(has_summary, m, 0) + (since - 1) * d  # the previous step's prompt (same phase)
        shared = np.where(i == 1, 0, np.where(since == 0, c, prev))
    else:
        inp = c + done * d
        shared = np.where(i == 1, 0, c + (done - 1) * d)
    steps = {"step": i, "input": inp, "output": np.full_like(i, a)}

    if x.compaction == "summarise":
        k, m = x.summarise_every, x.summary_tokens
        j = np.arange(1, (last_step - 1) // k + 1, dtype=np.int64)  # a summary only if another step follows
        s_inp = c + np.where(j >= 2, m, 0) + k * d
        s_shared = s_inp - d  # the step just before sent everything but its own A+R
        summaries = {"after_step": j * k, "input": s_inp, "output": np.full_like(j, m)}
    else:
        s_shared = np.zeros(0, dtype=np.int64)
        summaries = {"after_step": np.zeros(0, dtype=np.int64), "input": np.zeros(0, dtype=np.int64),
                     "output": np.zeros(0, dtype=np.int64)}

    for part, sh in ((steps, shared), (summaries, s_shared)):
        if x.caching:
            part["read"] = sh
            part["write"] = part["input"] - sh
            part["uncached"] = np.zeros_like(sh)
        else:
            part["read"] = np.zeros_like(part["input"])
            part["write"] = np.zeros_like(part["input"])
            part["uncached"] = part["input"]
    return steps, summaries


def _compute(x: AgentInputs, prices: ModelPrices, last_step: int) -> tuple[dict[str, np.ndarray],
                                                                          dict[str, np.ndarray]]:
    """Per-step columns (see `step_table`) and the summary calls' tokens with their total cost, as arrays."""
    steps, summaries = _tokens(x, last_step)
    cost = _priced(prices, steps["uncached"], steps["read"], steps["write"], steps["output"])
    s_cost = _priced(prices, summaries["uncached"], summaries["read"], summaries["write"], summaries["output"])
    summaries["cost"] = s_cost["total"]
    summary = np.zeros(last_step)
    np.add.at(summary, summaries["after_step"] - 1, s_cost["total"])
    table = {
        "step": steps["step"],
        "input_tokens": steps["input"],
        "cache_read_tokens": steps["read"],
        "cache_write_tokens": steps["write"],
        "uncached_input_tokens": steps["uncached"],
        "output_tokens": steps["output"],
        "context_tokens": steps["input"] + steps["output"],
        "cached_input_cost": cost["cached"],
        "uncached_input_cost": cost["uncached"],
        "output_cost": cost["output"],
        "summary_call_cost": summary,
        "total_cost": cost["total"] + summary,
    }
    return table, summaries


def step_table(x: AgentInputs, prices: ModelPrices, last_step: int | None = None) -> pd.DataFrame:
    """One row per step: tokens by kind and cost by kind (a summary call is added to the step it follows)."""
    return pd.DataFrame(_compute(x, prices, x.steps if last_step is None else last_step)[0])


# --- closed forms ------------------------------------------------------------------------------------


def _first_index_above(limit: float, start: int, slope: int) -> int:
    """Smallest integer i >= 1 with start + (i-1)·slope > limit (slope >= 1)."""
    if start > limit:
        return 1
    return floor((limit - start) / slope) + 2


def quadratic_cost(prices: ModelPrices, prompt: int, per_step: int, output: int, steps: np.ndarray) -> np.ndarray:
    """Closed-form cost of N-step tasks with no caching and no compaction, for an array of N.

    Step i sends prompt + (i-1)·per_step input tokens. Between two long-context thresholds every
    step is billed at one rate, so each stretch is an arithmetic series summed in closed form.
    """
    n = np.asarray(steps, dtype=np.int64)
    thresholds = sorted({t for rate in (prices.input, prices.output) for t, _ in rate.tiers})
    starts = sorted({1, *(_first_index_above(t, prompt, per_step) for t in thresholds)})
    ends = starts[1:] + [10**12]
    total = np.zeros(n.shape, dtype=float)
    for a, b_next in zip(starts, ends, strict=True):
        b = np.minimum(n, b_next - 1)  # last step of this stretch within an N-step task
        count = np.maximum(b - a + 1, 0)
        # sum_{i=a}^{b} (i-1) = [(b-1)b - (a-2)(a-1)] / 2
        history = np.where(count > 0, ((b - 1) * b - (a - 2) * (a - 1)) // 2, 0)
        tokens_in = count * prompt + per_step * history
        at = prompt + (a - 1) * per_step  # any step of the stretch has the same rate
        total += (tokens_in * prices.rate("input", at) + count * output * prices.rate("output", at)) / 1e6
    return total


def quadratic_input_tokens(prompt: int, per_step: int, steps: int) -> int:
    """n(S+U) + (A+R)·n(n−1)/2."""
    return steps * prompt + per_step * steps * (steps - 1) // 2


def overflow(x: AgentInputs) -> Overflow | None:
    """The first request whose input plus output exceeds the context window, for a task of any length."""
    w, c, d, a = x.context_window, x.prompt, x.per_step, x.assistant_tokens
    grow = _first_index_above(w - a, c, d)  # first step over the window while the history just grows
    need = c + (grow - 1) * d + a
    if x.compaction == "none":
        return Overflow(step=grow, in_summary_call=False, tokens=need)
    if x.compaction == "sliding":
        if grow - 1 <= x.keep_steps:
            return Overflow(step=grow, in_summary_call=False, tokens=need)
        return None  # the window never holds more than S+U + K(A+R)
    k, m = x.summarise_every, x.summary_tokens
    if grow <= k:
        return Overflow(step=grow, in_summary_call=False, tokens=need)
    if c + k * d + m > w:  # the first summary call: the whole phase in, M out
        return Overflow(step=k + 1, in_summary_call=True, tokens=c + k * d + m)
    # every later phase starts from S+U+M and is identical
    after = _first_index_above(w - a, c + m, d)  # 1-based step within the phase
    if after <= k:
        return Overflow(step=k + after, in_summary_call=False, tokens=c + m + (after - 1) * d + a)
    if c + m + k * d + m > w:  # later summary calls also carry the previous summary
        return Overflow(step=2 * k + 1, in_summary_call=True, tokens=c + 2 * m + k * d)
    return None


def cache_payback_steps(x: AgentInputs, prices: ModelPrices) -> int | None:
    """Fewest steps at which caching the full history costs no more than not caching (base rates).

    Per task, caching saves (p − r) on every token read back and costs (w − p) extra on every
    token written: f(n) = (p−r)·[(n−1)c + d(n−1)(n−2)/2] − (w−p)·[c + (n−1)d] >= 0,
    with c = S+U, d = A+R. Solved exactly in integers. None: caching never pays back.
    """
    p = Fraction(prices.input.base)
    r = Fraction(float(prices.rate("cache_read")))
    w = Fraction(float(prices.rate("cache_write")))
    c, d = x.prompt, x.per_step

    def f(n: int) -> Fraction:
        return (p - r) * ((n - 1) * c + Fraction(d * (n - 1) * (n - 2), 2)) - (w - p) * (c + (n - 1) * d)

    if f(1) >= 0:
        return 1
    if p <= r:
        return None  # no read discount: a write premium (f(1) < 0) is never paid back
    # f is convex in n with a positive leading term when d > 0; linear otherwise. Take the larger
    # real root, then settle on the exact integer.
    qa = (p - r) * d / 2
    qb = (p - r) * (c - Fraction(3 * d, 2)) - (w - p) * d
    qc = (p - r) * (d - c) - (w - p) * (c - d)
    if qa == 0:
        guess = ceil(-qc / qb) if qb > 0 else None
    else:
        disc = qb * qb - 4 * qa * qc
        root = (-float(qb) + float(disc) ** 0.5) / (2 * float(qa)) if disc >= 0 else 1.0
        guess = max(1, ceil(root))
    if guess is None:
        return None
    n = max(1, guess - 2)
    while f(n) < 0:
        n += 1
    while n > 1 and f(n - 1) >= 0:
        n -= 1
    return n


# --- results ---------------------------------------------------------------------------------------


def evaluate(x: AgentInputs, prices: ModelPrices) -> AgentResult:
    table, summaries = _compute(x, prices, x.steps)
    per_task = float(table["total_cost"].sum())
    naive = x.steps * request_cost(prices, x.prompt, x.assistant_tokens)
    over = overflow(x)
    return AgentResult(
        cost_per_task=per_task,
        naive_cost_per_task=naive,
        extra_per_task=per_task - naive,
        quadratic_cost_per_task=float(quadratic_cost(prices, x.prompt, x.per_step, x.assistant_tokens,
                                                     np.array([x.steps]))[0]),
        multiplier=per_task / naive if naive > 0 else None,
        cost_per_month=per_task * x.tasks_per_month,
        naive_cost_per_month=naive * x.tasks_per_month,
        input_tokens_per_task=int(table["input_tokens"].sum() + summaries["input"].sum()),
        output_tokens_per_task=int(table["output_tokens"].sum() + summaries["output"].sum()),
        naive_input_tokens_per_task=x.steps * x.prompt,
        naive_output_tokens_per_task=x.steps * x.assistant_tokens,
        summary_calls=len(summaries["input"]),
        cached_cost_per_task=float(table["cached_input_cost"].sum()),
        uncached_cost_per_task=float(table["uncached_input_cost"].sum()),
        output_cost_per_task=float(table["output_cost"].sum()),
        summary_cost_per_task=float(summaries["cost"].sum()),
        overflow=over,
        overflows_within_task=over is not None and over.step <= x.steps,
        cache_payback_steps=cache_payback_steps(x, prices),
    )


def curve_steps(x: AgentInputs) -> int:
    """How many steps the cost curve spans: twice the task, at least 40, within MAX_STEPS·2."""
    return min(max(2 * x.steps, 40), 2 * MAX_STEPS)


def cost_curve(x: AgentInputs, prices: ModelPrices, last_step: int | None = None) -> pd.DataFrame:
    """Cost per task against the number of steps N = 1..last_step.

    `policy` uses the same step model as `evaluate` (a task of N steps is the first N steps of a
    longer one, plus the summary calls made before step N); `quadratic` is the closed form with no
    caching or compaction; `naive` is N single calls.
    """
    n_max = curve_steps(x) if last_step is None else last_step
    table, summaries = _compute(x, prices, n_max)
    n = np.arange(1, n_max + 1, dtype=np.int64)
    step_cum = np.cumsum(table["total_cost"] - table["summary_call_cost"])
    if x.compaction == "summarise":
        calls = (n - 1) // x.summarise_every  # summary calls made before step N
        summary_cum = np.concatenate([[0.0], np.cumsum(summaries["cost"])])[calls]
    else:
        summary_cum = np.zeros(n_max)
    return pd.DataFrame({
        "steps": n,
        "policy": step_cum + summary_cum,
        "quadratic": quadratic_cost(prices, x.prompt, x.per_step, x.assistant_tokens, n),
        "naive": n * request_cost(prices, x.prompt, x.assistant_tokens),
    })


def tier_step(x: AgentInputs, prices: ModelPrices) -> int | None:
    """First step (no compaction) whose input crosses the model's lowest long-context threshold."""
    thresholds = [t for rate in (prices.input, prices.output) for t, _ in rate.tiers]
    if not thresholds:
        return None
    return _first_index_above(min(thresholds), x.prompt, x.per_step)


def policy_label(x: AgentInputs) -> str:
    """The compaction policy with its own settings, in words."""
    if x.compaction == "sliding":
        return f"Sliding window: last {x.keep_steps} step{'s' if x.keep_steps != 1 else ''}"
    if x.compaction == "summarise":
        every = f"{x.summarise_every} steps" if x.summarise_every != 1 else "step"
        return f"Summary of {x.summary_tokens:,} tokens every {every}"
    return "None: whole history"


def compare_policies(x: AgentInputs, prices: ModelPrices) -> pd.DataFrame:
    """Cost per task and per month for every compaction policy, with and without caching."""
    naive = x.steps * request_cost(prices, x.prompt, x.assistant_tokens)
    rows = []
    for compaction in ("none", "sliding", "summarise"):
        for caching in (False, True):
            y = x.model_copy(update={"compaction": compaction, "caching": caching})
            per_task = float(_compute(y, prices, y.steps)[0]["total_cost"].sum())  # as in evaluate()
            over = overflow(y)
            rows.append({
                "compaction": policy_label(y),
                "history caching": "on" if caching else "off",
                "cost per task": per_task,
                "cost per month": per_task * y.tasks_per_month,
                "× naive": per_task / naive if naive > 0 else None,
                "overflows at step": over.step if over else None,
                "current": compaction == x.compaction and caching == x.caching,
            })
    return pd.DataFrame(rows)


EXPLANATION = r"""
**The loop.** An agent task is *n* model calls ("steps"). Every step re-sends the whole conversation:
the system prompt and tool definitions **S**, the user message **U**, and for every earlier step the
model's output **A** and the tool result **R** that came back. Step *i* therefore sends
S + U + (i − 1)(A + R) input tokens and writes A output tokens.

**Quadratic input.** Summed over the task, input is n(S+U) + (A+R)·n(n−1)/2 tokens. The naive
estimate (n × one call with S+U in and A out) misses the second term, which grows with n². The
multiplier is the task's cost divided by that naive estimate.
Example: n = 3, S+U = 1,000, A = 100, R = 400 → 3 × 1,000 + 500 × 3 = 4,500 input tokens, not 3,000.

**History caching.** With prefix caching, step *i* reads from cache everything step *i − 1* sent
(at the cache-read price) and writes only the new tail, the previous step's A + R (the whole S + U
on step 1), at the 5-minute cache-write price. Models without a write price in the catalogue are
charged plain input for writes (no premium); models without a read price get no discount. Steps are
assumed to follow each other within the cache lifetime, and the prefix to be above the provider's
minimum cacheable length. Caching pays back once the reads' discount exceeds the writes' premium:
(p − r) × tokens read ≥ (w − p) × tokens written, with p, r, w the input, cache-read and
cache-write prices.

**Context window.** A request fits when its input plus its output fits the model's window. The
first step that does not fit is solved exactly: the smallest *i* with S + U + (i − 1)(A + R) + A
above the window. That request is rejected by the API; the task must be compacted before it.

**Compaction.**
- *Sliding window*: only the last K steps' A + R are re-sent. Once the window slides, the history
  after S + U changes on every step, so with caching it is re-written each step (only S + U stays
  cached): caching a sliding window can cost more than not caching it.
- *Summarise every k steps*: after steps k, 2k, … (when another step follows) one extra call sends
  the current context and returns a summary of M tokens, which replaces the history (and the
  previous summary). That call is billed like a step (input = the context, output = M). The next
  step re-writes the cache after S + U.

**Money.** Every request is priced on its own with the catalogue's rates, so a long-context cliff
(e.g. above 200k input tokens) applies to the whole of each request that crosses it. Tasks per
month are the workload's requests per month: each request is one agent task. The quadratic curve
on the chart is the closed form for no caching and no compaction; the policy curve and the figures
above it come from the step-by-step model.
"""
