"""Many evaluations of the bill at once: the workload and the one pricing function over a draw axis.

The Monte Carlo prices the Overview's waterfall thousands of times with every uncertain input drawn. One draw at a
time, each evaluation walks the classes and levers in Python (milliseconds with every lever on). Here the same
workload is held once for all draws: each call class is a **variant** whose numbers (requests, tokens, hit rate, steps,
failure rate) are arrays with one entry per draw, and whose structure (model, tier, cache setting, agent loop,
failure policy) is fixed. Where the structure differs between draws (a cache that is off in some draws, a lever that
cannot apply in some), the class is held as several variants, each `active` in its own draws; a variant that is not
active in a draw bills nothing there.

`price_draws` applies the rules of `calculators.bill.price` to every draw at once, and a lever moved onto the draw
axis declares `Lever.draws` (its `apply` over variants). `waterfall_draws` chains them as `lever.waterfall` does,
bar for bar. tests/test_draws.py holds every figure to the one-draw-at-a-time waterfall (`uncertainty.Chain.outcome`)
draw for draw; where a chain holds a lever or an input this module cannot take, `monte_carlo` prices one draw at a time.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel

from calculators.bill import Same, _model_rates, _RateRows, context_limit, model_prices
from calculators.prices import Catalogue, ModelPrices
from calculators.workload import (
    HOURS_PER_MONTH, RATE_FIELD, TOKEN_CATEGORIES, TTL_SECONDS, AgentLoop, CallClass, Failures, SimpleWorkload,
    Workload, cache_pool, copied, prefix_arrivals, retry_threshold, step_inputs, traffic_hit_rate,
)

if TYPE_CHECKING:
    from calculators.lever import Lever

Num = np.ndarray  # one float per draw (or a Python number, the same in every draw)


class NotOnDrawAxis(Exception):
    """The chain holds something this module does not price over draws: the Monte Carlo prices one draw at a time."""


def as_draws(v: float | np.ndarray, n: int) -> np.ndarray:
    """A number or an array as one float per draw."""
    return np.broadcast_to(np.asarray(v, dtype=float), (n,))


def varies(v: object) -> bool:
    return isinstance(v, np.ndarray)


@dataclass(frozen=True)
class Variant:
    """A call class in the draws where it has this structure. `c`'s numeric fields may be arrays (one value per draw);
    `active`: the draws it exists in (None: all)."""

    c: CallClass
    active: np.ndarray | None = None

    def within(self, mask: np.ndarray | None) -> Variant | None:
        """The variant in `mask`'s draws only (None: it is in none)."""
        if mask is None:
            return self
        active = mask if self.active is None else self.active & mask
        return None if not active.any() else replace(self, active=active)

    def with_class(self, c: CallClass) -> Variant:
        return replace(self, c=c)


@dataclass(frozen=True)
class OverheadDraws:
    name: str
    usd_per_month: Num
    lever: str = ""


@dataclass(frozen=True)
class WorkloadDraws:
    n: int
    variants: tuple[Variant, ...]
    overheads: tuple[OverheadDraws, ...] = ()
    custom_models: tuple[ModelPrices, ...] = ()

    def map(self, change) -> WorkloadDraws:
        """`change(variant) -> Variant | list[Variant]` on every variant (a lever's apply over draws)."""
        out: list[Variant] = []
        for v in self.variants:
            result = change(v)
            out.extend(result if isinstance(result, list | tuple) else [result])
        return replace(self, variants=tuple(out))

    def map_classes(self, change) -> WorkloadDraws:
        """`change(call_class) -> CallClass` on every variant's class, where the change is the same arithmetic in
        every draw (a lever's per-class change written for numbers works on arrays as it is)."""
        return replace(self, variants=tuple(v.with_class(change(v.c)) for v in self.variants))

    def everywhere(self) -> np.ndarray:
        """Every draw: what a lever returns as the draws it applies in when it cannot fail."""
        return np.ones(self.n, dtype=bool)

    def plus_overheads(self, overheads: Sequence[OverheadDraws]) -> WorkloadDraws:
        return replace(self, overheads=self.overheads + tuple(overheads))

    def plus_models(self, models: Sequence[ModelPrices]) -> WorkloadDraws:
        known = {m.key for m in self.custom_models}
        return replace(self, custom_models=self.custom_models + tuple(m for m in models if m.key not in known))

    def as_workload(self) -> Workload:
        """The structure as a Workload (its numbers are arrays): for the lookups a lever makes of a workload (a model's
        prices, its custom models)."""
        return Workload.model_construct(classes=tuple(v.c for v in self.variants), overheads=(),
                                        custom_models=self.custom_models)


def split_where(v: Variant, mask: np.ndarray | bool, yes, no) -> list[Variant]:
    """A variant whose next step depends on a per-draw condition: `yes(variant)` in the draws where `mask` holds,
    `no(variant)` in the others (each a Variant, a list of them, or None to drop it there)."""
    out: list[Variant] = []
    if isinstance(mask, bool | np.bool_):
        parts = [(v, yes if mask else no)]
    else:
        mask = np.asarray(mask, dtype=bool)
        if mask.all():
            parts = [(v, yes)]
        elif not mask.any():
            parts = [(v, no)]
        else:
            parts = [(p, fn) for p, fn in ((v.within(mask), yes), (v.within(~mask), no)) if p is not None]
    for part, fn in parts:
        result = fn(part)
        if result is None:
            continue
        out.extend(result if isinstance(result, list | tuple) else [result])
    return out


def with_inputs(x: BaseModel, values: Mapping[str, np.ndarray]) -> BaseModel:
    """A lever's inputs with some fields drawn (arrays in those fields; not validated, see `valid_inputs`)."""
    if not values:
        return x
    return type(x).model_construct(**{**dict(x), **values})


# --- from the sidebar --------------------------------------------------------------------------------------------

SIDEBAR_ARRAYS = ("requests_per_month", "input_tokens", "output_tokens", "prefix_share", "cache_hit_rate",
                  "reasoning_tokens", "agent_share", "agent_steps", "tool_result_tokens", "failure_rate")


def from_sidebar(s: SimpleWorkload, values: Mapping[str, np.ndarray], n: int) -> WorkloadDraws:
    """`SimpleWorkload.workload()` with some of its fields drawn (field -> one value per draw)."""
    unknown = set(values) - set(SIDEBAR_ARRAYS)
    if unknown:
        raise NotOnDrawAxis(f"sidebar inputs {sorted(unknown)}")

    def get(name: str):
        return values[name] if name in values else getattr(s, name)

    requests, input_tokens, share = get("requests_per_month"), get("input_tokens"), get("prefix_share")
    prefix = input_tokens * share
    base = CallClass.model_construct(
        name="Requests", requests_per_month=0.0, model_key=s.model_key, tier="standard", prefix_tokens=prefix,
        other_input_tokens=input_tokens - prefix, output_tokens=get("output_tokens") * 1.0,
        reasoning_tokens=get("reasoning_tokens") * 1.0, cache="5m", cache_hit_rate=get("cache_hit_rate"),
        cache_prefixes=1, prefix_group="the sidebar's prompt", loop=None, failures=None)
    out = [Variant(base)]

    hit = base.cache_hit_rate
    if hit is not None:  # cache off where the hit rate is 0
        out = [p for v in out for p in split_where(v, np.asarray(hit) > 0, lambda v: v,
                                                     lambda v: v.with_class(copied(v.c, cache="off")))]
    rate = get("failure_rate")
    failures = Failures.model_construct(failure_rate=rate, max_attempts=s.max_attempts, restarts=s.restarts,
                                        failed_output_share=s.failed_output_share, replay=s.replay, retry_budget=None)
    out = [p for v in out for p in split_where(v, np.asarray(rate) > 0,
                                               lambda v: v.with_class(copied(v.c, failures=failures)), lambda v: v)]
    agent = get("agent_share")
    loop = AgentLoop.model_construct(steps=get("agent_steps"), tool_result_tokens=get("tool_result_tokens") * 1.0,
                                     history_caching=s.history_caching, compaction="none", keep_steps=5,
                                     summarise_every=5, summary_tokens=1_000)
    classes: list[Variant] = []
    for v in out:
        classes += split_where(v, np.asarray(agent) < 1, lambda v: v.with_class(copied(
            v.c, requests_per_month=requests * (1 - agent))), lambda v: None)
    for v in out:
        classes += split_where(v, np.asarray(agent) > 0, lambda v: v.with_class(copied(
            v.c, name="Agent tasks", requests_per_month=requests * agent, loop=loop)), lambda v: None)
    return WorkloadDraws(n=n, variants=tuple(classes))


def from_workload(w: Workload, n: int) -> WorkloadDraws:
    """A workload whose numbers are the same in every draw (a custom table of call classes)."""
    return WorkloadDraws(n=n, variants=tuple(Variant(c) for c in w.classes),
                         overheads=tuple(OverheadDraws(o.name, np.full(n, o.usd_per_month), o.lever)
                                         for o in w.overheads),
                         custom_models=w.custom_models)


# --- the failure outcome, per draw --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FailureDraws:
    """`workload.FailureOutcome` with one value per draw."""

    step_success: Num
    retries_per_step: Num
    passes: Num
    success: Num


def failure_draws(f: Failures | None, steps, n: int) -> FailureDraws:
    """`FailureOutcome.of` in every draw (any of the policy's numbers may be drawn). Kept for the same policy and steps
    objects: a lever leaves most classes' policies as they are, and every pricing of a class asks for it."""
    return _failure_draws(Same(f), Same(steps) if varies(steps) else steps, n)


@lru_cache(maxsize=32)  # a few MB at 10,000 draws
def _failure_draws(same_f: Same, same_steps, n: int) -> FailureDraws:
    f: Failures | None = same_f.obj
    steps = same_steps.obj if isinstance(same_steps, Same) else same_steps
    one = np.ones(n)
    if f is None:
        return FailureDraws(one, np.zeros(n), one, one)
    p = as_draws(f.failure_rate, n)
    k = f.max_attempts
    x = np.minimum(p, retry_threshold_draws(k, f.retry_budget, n))
    g = _retries_per_first(x, k)
    s = np.minimum(np.maximum((1 - p) * (1 + g), 0.0), 1.0)
    run = s ** np.asarray(steps, dtype=float)
    restarts = np.asarray(f.restarts)
    passes = np.zeros(n)
    for j in range(int(restarts.max()) + 1):  # sum of (1 - run)^j over j = 0..restarts, as the scalar sum adds them
        passes = passes + np.where(j <= restarts, (1 - run) ** j, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        success = np.where(run < 1, -np.expm1((restarts + 1) * np.log1p(-run)), 1.0)
    failing = p != 0
    return FailureDraws(np.where(failing, s, 1.0), np.where(failing, g, 0.0), np.where(failing, passes, 1.0),
                        np.where(failing, success, 1.0))


def _retries_per_first(x: np.ndarray, k) -> np.ndarray:
    """`workload.retries_per_first` with the attempts cap k per draw: x + x^2 + ... + x^(k-1)."""
    k = np.asarray(k)
    g = np.zeros(np.broadcast_shapes(np.shape(x), k.shape))
    term = np.ones_like(g)
    for j in range(1, int(k.max())):
        term = term * x
        g = g + np.where(j <= k - 1, term, 0.0)
    return g


def retry_threshold_draws(k, budget, n: int) -> np.ndarray:
    """`workload.retry_threshold` in every draw: the scalar's root (brentq) where the cap and budget are the same in
    every draw; otherwise G(x*) = b / (1 - b) solved by bisection on every draw at once (G increases on [0, 1]; 64
    halvings leave the root to within 1e-19, below the scalar's xtol of 1e-15)."""
    if not varies(k) and not varies(budget):
        return np.full(n, retry_threshold(k, budget))
    if budget is None:
        return np.ones(n)
    k, b = as_draws(k, n), as_draws(budget, n)
    with np.errstate(divide="ignore"):
        target = b / (1 - b)
    lo, hi = np.zeros(n), np.ones(n)
    for _ in range(64):
        mid = (lo + hi) / 2
        below = _retries_per_first(mid, k) < target
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    root = (lo + hi) / 2
    never = (k <= 1) | (_retries_per_first(np.ones(n), k) <= target)
    return np.where(b <= 0, 0.0, np.where(never, 1.0, root))


# --- one variant's rows ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallGroup:
    """Billed calls of a variant that share a shape: each draw's calls a month (draws, or steps x draws for an agent
    task) and the tokens of one such call by category (only the categories it bills; arrays that
    broadcast to the calls' shape). `live`: the rows a draw has (an agent task shorter than the longest has fewer;
    None: all)."""

    calls: np.ndarray  # (draws,), or (steps, draws) for an agent task
    tokens: dict[str, np.ndarray]
    full_output: np.ndarray  # output and reasoning of one call, in full: with the input, what must fit the window
    live: np.ndarray | None = None

    @property
    def total_input(self) -> np.ndarray:
        """Input tokens of one call, cached or not: what picks the long-context tier."""
        return sum(self.tokens[k] for k in TOKEN_CATEGORIES[:4] if k in self.tokens) + 0.0


def _plus(tokens: dict[str, np.ndarray], category: str, more: np.ndarray | None) -> None:
    if more is not None:
        tokens[category] = tokens[category] + more if category in tokens else more


def _prefix_tokens(c: CallClass, prefix, hit, from_history=None) -> dict[str, np.ndarray]:
    """`workload._bill_prefix` over draws: how the prefix of each call is billed. `from_history`: the calls (steps
    >= 2 of a task with a cached history) that read it from the task's own cache; None: none do."""
    out: dict[str, np.ndarray] = {}
    rest = prefix
    if from_history is not None:
        out["cache_read"] = np.where(from_history, prefix, 0.0)
        rest = np.where(from_history, 0.0, prefix)
    if c.cache != "off":
        _plus(out, "cache_read", hit * rest)
        _plus(out, "cache_write_5m" if c.cache == "5m" else "cache_write_1h", (1 - hit) * rest)
    elif from_history is not None:  # a cached conversation writes its whole first prompt, prefix included
        _plus(out, "cache_write_5m", rest)
    else:
        _plus(out, "input", rest)
    return out


def call_groups(c: CallClass, hit: Num, n: int) -> list[CallGroup]:
    """`workload.class_rows` over draws: the variant's billed calls a month, by shape."""
    f = c.failures
    steps = c.loop.steps if c.loop is not None else 1
    outcome = failure_draws(f, steps, n)
    if f is not None:
        p = as_draws(f.failure_rate, n)
        billed_share = (1 - p) + p * as_draws(f.failed_output_share, n)
        a, z = c.output_tokens * billed_share, c.reasoning_tokens * billed_share
    else:
        a, z = as_draws(c.output_tokens, n), as_draws(c.reasoning_tokens, n)
    full = as_draws(c.output_tokens + c.reasoning_tokens, n)
    if c.loop is None:
        tokens = _prefix_tokens(c, as_draws(c.prefix_tokens, n), hit)
        _plus(tokens, "input", as_draws(c.other_input_tokens, n))
        tokens["output"], tokens["reasoning"] = a, z
        # A retry re-sends the same call: its calls join the first attempts' (1 + G per request started).
        calls = as_draws(c.requests_per_month, n) * outcome.passes * (1 + outcome.retries_per_step)
        return [CallGroup(calls, tokens, full)]
    return _agent_groups(c, hit, n, outcome, a, z, full)


def _agent_groups(c: CallClass, hit: Num, n: int, outcome: FailureDraws, a_billed, z_billed,
                  full) -> list[CallGroup]:
    """An agent task's calls (`workload._array_request_rows` over draws), as arrays of steps x draws: steps 1..the
    longest task of any draw (a row of n draws per step keeps each step's arithmetic on contiguous memory)."""
    lp = c.loop
    if varies(lp.keep_steps) or varies(lp.summarise_every):  # a drawn window: one per draw, against every step
        lp = copied(lp, keep_steps=as_draws(lp.keep_steps, n),
                    summarise_every=as_draws(lp.summarise_every, n).astype(int))
    longest = int(np.max(lp.steps))
    n_steps = as_draws(lp.steps, n)
    i = np.arange(1, longest + 1)[:, None]
    live = None if not varies(lp.steps) else i <= n_steps
    prefix = as_draws(c.prefix_tokens, n)
    u = as_draws(c.other_input_tokens, n)
    requests = as_draws(c.requests_per_month, n)
    tool = as_draws(lp.tool_result_tokens, n)
    d = as_draws(c.output_tokens, n) + tool
    history, new = step_inputs(i, u, d, lp, as_draws(lp.summary_tokens, n))
    cached = lp.history_caching
    shape = (longest, n)
    prefix_tokens = _prefix_tokens(c, np.broadcast_to(prefix, shape), hit, (i >= 2) if cached else None)

    def tokens_of(prefix_part: dict[str, np.ndarray], read=None, written=None, uncached=None, output=None,
                  reasoning=None) -> dict[str, np.ndarray]:
        t = dict(prefix_part)
        _plus(t, "cache_read", read)
        _plus(t, "cache_write_5m", written)  # a task's history is written at the 5-minute TTL
        _plus(t, "input", uncached)
        t["output"] = output
        if reasoning is not None:
            t["reasoning"] = reasoning
        return t

    s = outcome.step_success
    if (s == 1).all():
        reach = np.broadcast_to(outcome.passes, shape)  # every step, whatever else of a call varies by step
    else:  # passes x s^(i - 1): a running product along the steps
        reach = outcome.passes * np.cumprod(np.concatenate([np.ones((1, n)), np.broadcast_to(s, (longest - 1, n))]),
                                            axis=0)
    first = requests * reach
    first_tokens = (tokens_of(prefix_tokens, read=history, written=new, output=a_billed, reasoning=z_billed) if cached
                    else tokens_of(prefix_tokens, uncached=history + new, output=a_billed, reasoning=z_billed))
    g = outcome.retries_per_step
    f = c.failures
    groups = []
    if f is not None and f.replay == "step only":
        groups.append(CallGroup(first, first_tokens, full, live))
        step_only = u + np.where(i >= 2, tool, 0.0)
        r_prefix = _prefix_tokens(c, np.broadcast_to(prefix, shape), hit)
        groups.append(CallGroup(first * g, tokens_of(r_prefix, uncached=step_only, output=a_billed,
                                                     reasoning=z_billed), full, live))
    elif f is not None and cached:  # the first attempt already wrote everything this retry re-sends
        groups.append(CallGroup(first, first_tokens, full, live))
        groups.append(CallGroup(first * g, tokens_of(prefix_tokens, read=history + new, output=a_billed,
                                                     reasoning=z_billed), full, live))
    else:  # a retry re-sends what the first attempt sent: its calls join the first attempts'
        groups.append(CallGroup(first * (1 + g), first_tokens, full, live))
    if lp.compaction == "summarise":
        k = lp.summarise_every
        j = np.arange(1, (longest - 1) // int(np.min(k)) + 1)[:, None]
        if len(j):
            after = j * k
            m = as_draws(lp.summary_tokens, n)
            s_history = u + np.where(j >= 2, m, 0.0) + (k - 1) * d
            s_shape = np.broadcast_shapes(s_history.shape, after.shape)
            s_prefix = _prefix_tokens(c, np.broadcast_to(prefix, s_shape), hit, (after + 1 >= 2) if cached else None)
            s_out = np.broadcast_to(m, s_shape)
            s_tokens = (tokens_of(s_prefix, read=s_history, written=d, output=s_out) if cached
                        else tokens_of(s_prefix, uncached=s_history + d, output=s_out))
            s_calls = requests * outcome.passes * s ** after
            groups.append(CallGroup(s_calls, s_tokens, s_out, after <= n_steps - 1))
    return groups


def _single_money_summed(c: CallClass, hit: Num, n: int, rates: _RateRows | _RatesPerDraw, limit: int | None,
                         only: Sequence[str] = TOKEN_CATEGORIES) -> tuple[np.ndarray, np.ndarray | None] | None:
    """A single call's money a month (of the categories `only`) where every call is at the base rates: the call's
    cost per MTok, `call_groups`' categories summed at once, times its calls and retries. None where a call crosses a
    long-context threshold (`call_groups` then prices it)."""
    prefix, u = c.prefix_tokens, c.other_input_tokens
    total_input = prefix + u  # read, written or sent uncached, the prefix is input
    if rates.lowest is not None and float(np.max(total_input)) > rates.lowest:
        return None
    r = {k: (rate if k in only else 0.0) for k, rate in zip(TOKEN_CATEGORIES, rates.base_values)}
    if c.cache == "off":
        per_mtok = prefix * r["input"]
    else:
        write = r["cache_write_5m" if c.cache == "5m" else "cache_write_1h"]
        per_mtok = prefix * (hit * r["cache_read"] + (1 - hit) * write)
    f = c.failures
    output = c.output_tokens * r["output"] + c.reasoning_tokens * r["reasoning"]
    if f is None:
        calls = c.requests_per_month
    else:
        outcome = failure_draws(f, 1, n)
        p = f.failure_rate
        output = output * ((1 - p) + p * f.failed_output_share)
        calls = c.requests_per_month * outcome.passes * (1 + outcome.retries_per_step)
    money = as_draws(calls * (per_mtok + u * r["input"] + output) / 1e6, n)
    over = None
    if limit is not None:
        over = np.asarray(total_input + c.output_tokens + c.reasoning_tokens > limit)
        over = np.broadcast_to(over, (n,)) if over.any() else None
    return money, over


@lru_cache(maxsize=32)
def _step_weights(same_s: Same, same_steps, n: int) -> tuple[np.ndarray, np.ndarray]:
    """W0 = sum of s^(i - 1) and W1 = sum of (i - 1) s^(i - 1) over the steps i = 1..n_steps of a task, in every draw
    (s: the step success). Kept per step-success and steps objects: the classes a lever leaves with their failure
    policy and loop share them."""
    s = same_s.obj
    steps = as_draws(same_steps.obj if isinstance(same_steps, Same) else same_steps, n)
    if (s == 1).all():  # every step reached: the sums are the integers' own
        return steps + 0.0, steps * (steps - 1) / 2
    longest = int(steps.max())
    i = np.arange(1, longest + 1)[:, None]
    w = np.cumprod(np.concatenate([np.ones((1, n)), np.broadcast_to(s, (longest - 1, n))]), axis=0)
    if (steps != longest).any():
        w = np.where(i <= steps, w, 0.0)
    return w.sum(axis=0), (w * (i - 1)).sum(axis=0)


def _agent_money_summed(c: CallClass, hit: Num, n: int, rates: _RateRows | _RatesPerDraw, limit: int | None,
                        only: Sequence[str] = TOKEN_CATEGORIES) -> tuple[np.ndarray, np.ndarray | None] | None:
    """An agent task's money a month without compaction, summed over its steps in closed form: None where that does not
    apply (compaction, or a call above a long-context threshold: `_agent_groups` then prices every step).

    Without compaction step i sends the prefix P, the user message u and (i - 1) d of history and new input (d: a
    step's output and tool result), so with every call at the base rates the steps' money needs only the weights
    w_i = s^(i - 1) of the steps a task reaches, summed: W0 = sum w_i and W1 = sum (i - 1) w_i. Each call's cost is
    then an affine function of the step, the same terms `_agent_groups` bills call by call (of the categories
    `only`)."""
    lp = c.loop
    if lp.compaction != "none" or varies(lp.keep_steps) or varies(lp.summarise_every):
        return None
    steps = as_draws(lp.steps, n)
    prefix, u = as_draws(c.prefix_tokens, n), as_draws(c.other_input_tokens, n)
    tool = as_draws(lp.tool_result_tokens, n)
    d = c.output_tokens + tool
    largest_input = prefix + u + (steps - 1) * d  # the last step sends the most (history only grows)
    if rates.lowest is not None and float(largest_input.max()) > rates.lowest:
        return None
    # The money of the categories `only`: the others at a rate of 0 (money is linear in each category's rate).
    r = {k: (rate if k in only else 0.0) for k, rate in zip(TOKEN_CATEGORIES, rates.base_values)}
    f = c.failures
    outcome = failure_draws(f, lp.steps, n)
    if f is not None:
        p = as_draws(f.failure_rate, n)
        billed_share = (1 - p) + p * as_draws(f.failed_output_share, n)
    else:
        billed_share = 1.0
    per_call_output = (c.output_tokens * r["output"] + c.reasoning_tokens * r["reasoning"]) * billed_share

    def prefix_cost(written_when_off: str) -> Num:
        """USD/MTok of a call's prefix billed by the class's cache (`written_when_off`: its category with no cache)."""
        if c.cache == "off":
            return prefix * r[written_when_off]
        write = r["cache_write_5m" if c.cache == "5m" else "cache_write_1h"]
        return prefix * (hit * r["cache_read"] + (1 - hit) * write)

    w0, w1 = _step_weights(Same(outcome.step_success), Same(lp.steps) if varies(lp.steps) else lp.steps, n)
    v0, v1 = w0 - 1, w1 - (w0 - 1)  # over steps 2.. only: sum w_i and sum (i - 2) w_i
    g = outcome.retries_per_step
    if lp.history_caching:  # step 1 writes its prompt; later steps read the prefix and history, write the new part
        first_step = prefix_cost("cache_write_5m") + r["cache_write_5m"] * u + per_call_output
        later = prefix * r["cache_read"] + per_call_output + r["cache_read"] * u + r["cache_write_5m"] * d
        first = first_step + later * v0 + r["cache_read"] * d * v1
    else:
        first = (prefix_cost("input") + per_call_output) * w0 + r["input"] * (u * w0 + d * w1)
    if f is None or f.replay == "step only":
        retry = (prefix_cost("input") + r["input"] * u + per_call_output) * w0 + r["input"] * tool * v0
    elif lp.history_caching:  # the first attempt wrote everything a retry re-sends: it reads it
        retry = (prefix_cost("cache_write_5m") + r["cache_read"] * u + per_call_output
                 + (prefix * r["cache_read"] + per_call_output + r["cache_read"] * u) * v0
                 + r["cache_read"] * d * (v1 + v0))
    else:
        retry = first
    money = c.requests_per_month * outcome.passes * (first + g * retry) / 1e6
    over = None
    if limit is not None:
        over = largest_input + c.output_tokens + c.reasoning_tokens > limit
        over = over if over.any() else None
    return as_draws(money, n), over


# --- pricing ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BillDraws:
    """`bill.Bill`'s money over draws: the total, and the classes refused where a call does not fit the model's
    context window (a class whose model has no price is left out of the total, as in the bill)."""

    total: Num
    refused: Mapping[str, np.ndarray] = field(default_factory=dict)  # class name -> draws in which it is refused


def hit_rates(wd: WorkloadDraws) -> list[Num]:
    """Each variant's hit rate in every draw: its own, or derived from the traffic reaching its cache
    (`workload.derived_hit_rates`, per draw; a variant that is not active sends no traffic)."""
    n = wd.n
    derives = any(v.c.cache != "off" and v.c.cache_hit_rate is None for v in wd.variants)
    traffic = pool_traffic_draws(wd) if derives else {}
    none = np.zeros(n)
    none.flags.writeable = False
    derived: dict[tuple, np.ndarray] = {}  # the splits of a class share their cache: its rate is worked out once
    out = []
    for v in wd.variants:
        c = v.c
        if c.cache == "off":
            out.append(none)
        elif c.cache_hit_rate is not None:
            out.append(as_draws(c.cache_hit_rate, n))
        else:
            key = (cache_pool(c), Same(c.cache_prefixes) if varies(c.cache_prefixes) else c.cache_prefixes, c.cache)
            if key not in derived:
                per_hour = traffic[key[0]][0] / np.asarray(c.cache_prefixes, dtype=float) / HOURS_PER_MONTH
                derived[key] = traffic_hit_rate(per_hour, TTL_SECONDS[c.cache])
            out.append(derived[key])
    return out


def pool_traffic_draws(wd: WorkloadDraws) -> dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]:
    """`workload.pool_traffic` in every draw: the calls a month reaching each cache, and the draws in which some class
    sends to it at all (in the others a probe falls back on its own traffic, as `workload.probe` does)."""
    n = wd.n
    pools: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
    for v in wd.variants:
        c = v.c
        sends = np.asarray(c.prefix_tokens) > 0
        if v.active is not None:
            sends = sends & v.active
        sends = np.broadcast_to(sends, (n,))
        traffic, present = pools.get(cache_pool(c), (0.0, np.zeros(n, dtype=bool)))
        pools[cache_pool(c)] = (traffic + np.where(sends, prefix_arrivals(c), 0.0), present | sends)
    return pools


@dataclass(frozen=True)
class _RatesPerDraw:
    """A rate set whose prices are drawn (a self-hosted student's price per draw): each category's USD per MTok, one
    per draw, as `bill._RateRows` gives them (such a price has no long-context tiers)."""

    base_values: tuple[np.ndarray | float, ...]
    lowest: None = None


def billing(prices: ModelPrices, tier: str) -> tuple[_RateRows | _RatesPerDraw, int | None]:
    """The rates a class on this model and tier is billed at, and the model's context limit."""
    rates = (prices.rates(tier) if tier != "standard" else None) or prices.standard
    bases = tuple(rates.tiered(RATE_FIELD[k]).base for k in TOKEN_CATEGORIES)
    if any(varies(b) for b in bases):
        return _RatesPerDraw(bases), context_limit(prices)
    r = _model_rates(Same(prices), tier)
    return r.billed, r.limit


def _group_money(g: CallGroup, rates: _RateRows | _RatesPerDraw, limit: int | None,
                 only: Sequence[str] = TOKEN_CATEGORIES) -> tuple[np.ndarray, np.ndarray | None]:
    """A group's money a month in every draw (of the categories `only`), and the draws in which one of its calls does
    not fit the window."""
    total_input = None
    if rates.lowest is not None or limit is not None:
        total_input = g.total_input
    if rates.lowest is None or float(np.max(total_input)) <= rates.lowest:
        per_mtok = sum(g.tokens[k] * r for k, r in zip(TOKEN_CATEGORIES, rates.base_values)
                       if k in g.tokens and k in only)
    else:  # a call above a long-context threshold: every token of it at the tier's price
        per_mtok = sum(g.tokens[k] * t.at(total_input) for k, t in zip(TOKEN_CATEGORIES, rates.tiered)
                       if k in g.tokens and k in only)
    money = g.calls * per_mtok / 1e6
    over = None
    if limit is not None:
        over = total_input + g.full_output > limit
        if g.live is not None:
            over = over & g.live
    if money.ndim == 2:  # steps x draws
        if g.live is not None:
            money = np.where(g.live, money, 0.0)
        money = money.sum(axis=0)
        over = None if over is None else over.any(axis=0)
    return money, (over if over is not None and over.any() else None)


def variant_money(c: CallClass, hit: Num, n: int, prices: ModelPrices,
                  only: Sequence[str] = TOKEN_CATEGORIES) -> tuple[np.ndarray, np.ndarray | None]:
    """One variant's money a month in every draw at its model's prices (of the token categories `only`), and the draws
    in which one of its calls does not fit the model's context window (None: none); `hit`: its hit rate per draw
    (`hit_rates`)."""
    rates, limit = billing(prices, c.tier)
    summed = (_agent_money_summed(c, hit, n, rates, limit, only) if c.loop is not None
              else _single_money_summed(c, hit, n, rates, limit, only))
    if summed is not None:
        return summed
    money, over = np.zeros(n), None
    for g in call_groups(c, hit, n):
        m, o = _group_money(g, rates, limit, only)
        money = money + m
        over = o if over is None else (over if o is None else over | o)
    return money, over


def price_draws(wd: WorkloadDraws, cat: Catalogue, memo: dict | None = None) -> BillDraws:
    """`bill.price` in every draw at once: money a month, and the classes it refuses. `memo`: the variants priced
    earlier in the same waterfall (a lever leaves most classes as they are), by class object and hit rate."""
    n = wd.n
    total = np.zeros(n)
    refused: dict[str, np.ndarray] = {}
    w = wd.as_workload()
    for v, hit in zip(wd.variants, hit_rates(wd)):
        c = v.c
        prices = model_prices(w, cat, c.model_key)
        if prices is None:  # unpriced: listed by the bill, never counted as free
            continue
        known = memo.get(id(c)) if memo is not None else None
        if known is not None and known[0] is c and known[1] is prices and np.array_equal(known[2], hit):
            money, over = known[3], known[4]
        else:
            money, over = variant_money(c, hit, n, prices)
            if memo is not None:
                memo[id(c)] = (c, prices, hit, money, over)
        if v.active is not None:
            money = np.where(v.active, money, 0.0)
            over = None if over is None else over & v.active
        if over is not None and over.any():
            refused[c.name] = refused.get(c.name, np.zeros(n, dtype=bool)) | over
            money = np.where(over, 0.0, money)
        total = total + money
    for o in wd.overheads:
        total = total + as_draws(o.usd_per_month, n)
    return BillDraws(total=total, refused=refused)


def newly_refused(before: BillDraws, after: BillDraws, n: int) -> np.ndarray:
    """Draws in which `after` refuses a class `before` did not (`bill.newly_refused`, per draw)."""
    out = np.zeros(n, dtype=bool)
    for name, mask in after.refused.items():
        out |= mask & ~before.refused.get(name, np.zeros(n, dtype=bool))
    return out


# --- the waterfall -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeDraws:
    """`uncertainty.Outcome` in every draw: today's bill, the bill after the levers, each lever's bar."""

    today: Num
    after: Num
    savings: dict[str, Num]
    unfit_today: np.ndarray  # draws whose bill today leaves out a class whose calls do not fit its window


def _merge(keep: WorkloadDraws, moved: WorkloadDraws, applied: np.ndarray) -> WorkloadDraws:
    """`moved` in the draws where the lever applied, `keep` in the others."""
    if applied.all():
        return moved
    if not applied.any():
        return keep
    variants = [p for v in keep.variants if (p := v.within(~applied)) is not None]
    variants += [p for v in moved.variants if (p := v.within(applied)) is not None]
    overheads = [replace(o, usd_per_month=np.where(applied, 0.0, o.usd_per_month)) for o in keep.overheads]
    overheads += [replace(o, usd_per_month=np.where(applied, o.usd_per_month, 0.0)) for o in moved.overheads]
    return WorkloadDraws(keep.n, tuple(variants), tuple(overheads), moved.custom_models)


def _merge_bills(keep: BillDraws, moved: BillDraws, applied: np.ndarray) -> BillDraws:
    names = set(keep.refused) | set(moved.refused)
    n = len(applied)
    none = np.zeros(n, dtype=bool)
    return BillDraws(total=np.where(applied, moved.total, keep.total),
                     refused={k: np.where(applied, moved.refused.get(k, none), keep.refused.get(k, none))
                              for k in names})


def waterfall_draws(wd: WorkloadDraws, steps: Sequence[tuple[Lever, BaseModel]], cat: Catalogue) -> OutcomeDraws:
    """`lever.waterfall`'s money in every draw: each lever applied in ORDER to what the earlier ones left, its bar the
    difference of two priced workloads; where it cannot apply in a draw (its apply fails there, or it pushes a class
    past its context window) its bar is 0 in that draw and the chain goes on from the workload before it."""
    n = wd.n
    memo: dict = {}
    baseline = before = price_draws(wd, cat, memo)
    current = wd
    savings: dict[str, np.ndarray] = {}
    for lever, x in steps:
        if lever.draws is None:
            raise NotOnDrawAxis(f"the {lever.name} lever")
        moved, ok = lever.draws(current, x, cat)
        after = before if moved is current else price_draws(moved, cat, memo)  # a lever with nothing to change
        applied = ok & ~newly_refused(before, after, n)
        savings[lever.name] = np.where(applied, before.total - after.total, 0.0)
        current = _merge(current, moved, applied)
        before = _merge_bills(before, after, applied)
    unfit = np.zeros(n, dtype=bool)
    for mask in baseline.refused.values():
        unfit |= mask
    return OutcomeDraws(today=baseline.total, after=before.total, savings=savings, unfit_today=unfit)


def valid_inputs(x: BaseModel, values: Mapping[str, np.ndarray], n: int) -> np.ndarray:
    """Draws whose values keep an inputs model valid, as validating it would: each drawn field within its bounds
    (a range clipped to an exclusive bound reaches it), and the model's cross-field rules through its own
    `valid_draws` (those rules over draws)."""
    valid = np.ones(n, dtype=bool)
    if not values:
        return valid
    fields = type(x).model_fields
    for name, v in values.items():
        for meta in fields[name].metadata:
            for attr, holds in (("ge", np.greater_equal), ("gt", np.greater), ("le", np.less_equal), ("lt", np.less)):
                bound = getattr(meta, attr, None)
                if bound is not None:
                    valid &= holds(v, bound)
    if type(x).__pydantic_decorators__.model_validators:
        check = getattr(type(x), "valid_draws", None)
        if check is None:
            raise NotOnDrawAxis(f"cross-field rules of {type(x).__name__}")
        valid &= np.asarray(check(with_inputs(x, values)), dtype=bool)
    return valid
