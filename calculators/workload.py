"""The one workload every figure starts from: call classes with their token anatomy.

A workload is one or more **call classes**. Each is a kind of request with its volume, model, service tier
and the tokens of one request by category: a shared prefix (system prompt, tool definitions: cacheable
across requests), other input, visible output and reasoning output (billed as output). A class may be an
agent task (`loop`: several model calls per request, each re-sending the history) and may fail and retry
(`failures`). Recurring costs that are not tokens (a router, a student's upkeep, cache storage) are
`overheads`.

`calls(workload)` expands the classes into the model calls a month of this traffic bills, one row per kind
of call (step of an agent task, retry, summary call) with its expected count and its tokens by billing
category. `calculators.bill.price` turns those rows into money: it is the only place tokens become money.

The sidebar describes the workload with four numbers and an anatomy (`SimpleWorkload`); a page that needs a
richer world expresses it as call classes, so every page's "today" is the same bill.
"""
from __future__ import annotations

import math
import threading
from array import array
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal, TypeVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from calculators.prices import ModelPrices, Tier

# Illustrative defaults: a mid-sized production feature (chat or RAG answer) on a current mid-tier model.
# Not from a study; every page that uses them says so.
DEFAULT_MODEL = "anthropic/claude-sonnet-5-5"
HOURS_PER_MONTH = 730.0  # 8,760 h / 12: the convention cloud price sheets use
MAX_STEPS = 200
MAX_CLASSES = 200

CacheMode = Literal["off", "5m", "1h"]
CACHE_LABEL: dict[str, str] = {"off": "not cached", "5m": "5-minute TTL", "1h": "1-hour TTL"}
Compaction = Literal["none", "sliding", "summarise"]
Replay = Literal["full history", "step only"]
CallKind = Literal["call", "retry", "summary"]
KINDS: tuple[CallKind, ...] = ("call", "retry", "summary")
MAX_FAILURE_RATE = 0.95

# Token categories, as the bill breaks them down (prices.RateSet field that bills each).
TOKEN_CATEGORIES = ("input", "cache_write_5m", "cache_write_1h", "cache_read", "output", "reasoning")
CATEGORY_LABEL = {
    "input": "uncached input",
    "cache_write_5m": "cache write, 5 min",
    "cache_write_1h": "cache write, 1 h",
    "cache_read": "cache read",
    "output": "visible output",
    "reasoning": "reasoning",
}
RATE_FIELD = {
    "input": "input", "cache_write_5m": "cache_write", "cache_write_1h": "cache_write_1h",
    "cache_read": "cache_read", "output": "output", "reasoning": "output",
}


class AgentLoop(BaseModel):
    """A request that is an agent task: `steps` model calls, each re-sending the conversation so far.

    Step i sends the prefix S and the user message U (the class's prefix and other input), plus every
    earlier step's visible output A and tool result R: S + U + (i - 1)(A + R) input tokens. Reasoning is not
    re-sent (providers drop earlier turns' thinking).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    steps: int = Field(10, ge=1, le=MAX_STEPS, title="Steps per task")
    tool_result_tokens: float = Field(1_000, ge=0, le=2_000_000, title="Tool result per step")
    history_caching: bool = Field(False, title="History cached",
                                  description="Each step reads the previous step's prompt from cache and writes "
                                  "its new tail.")
    compaction: Compaction = "none"
    keep_steps: int = Field(5, ge=1, le=MAX_STEPS)
    summarise_every: int = Field(5, ge=1, le=MAX_STEPS)
    summary_tokens: float = Field(1_000, ge=1, le=200_000)


class Failures(BaseModel):
    """Calls that fail and are retried. Each attempt fails with probability p, independently; a failed attempt
    bills its input and a share of its output; a failed step is retried up to `max_attempts` attempts in
    all (fewer when a retry budget refuses); a task whose step runs out of attempts fails, and may be
    restarted from scratch."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    failure_rate: float = Field(0.0, ge=0, le=MAX_FAILURE_RATE)
    max_attempts: int = Field(3, ge=1, le=10)
    restarts: int = Field(0, ge=0, le=5)
    failed_output_share: float = Field(0.5, ge=0, le=1)
    replay: Replay = "full history"
    retry_budget: float | None = Field(None, ge=0, le=0.5)


class CallClass(BaseModel):
    """One kind of request: its volume, model, tier and the tokens of one request by category."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str = Field(min_length=1, max_length=80)
    requests_per_month: float = Field(ge=0, le=1e11)
    model_key: str = Field(min_length=3, max_length=200)
    tier: Tier = "standard"
    prefix_tokens: float = Field(0, ge=0, le=10_000_000)
    other_input_tokens: float = Field(0, ge=0, le=10_000_000)
    output_tokens: float = Field(0, ge=0, le=1_000_000)
    reasoning_tokens: float = Field(0, ge=0, le=1_000_000)
    cache: CacheMode = "off"
    # Share of requests that read the prefix from cache: observed (a number), or None to derive it from the traffic
    # reaching this prefix's cache (see `resolve_hit_rates`).
    cache_hit_rate: float | None = Field(0.0, ge=0, le=1)
    cache_prefixes: int = Field(1, ge=1, le=10_000_000)  # distinct prefixes sharing the traffic, for a derived rate
    prefix_group: str = Field("", max_length=80)  # classes that send the same prefix (default: the class's name)
    loop: AgentLoop | None = None
    failures: Failures | None = None

    @model_validator(mode="before")
    @classmethod
    def _own_prefix_group(cls, data: object) -> object:
        """A class sends its own prefix unless told it shares one; splits of a class (model_copy) keep their group."""
        if isinstance(data, dict) and not data.get("prefix_group"):
            return {**data, "prefix_group": data.get("name", "")}
        return data

    @property
    def input_tokens(self) -> float:
        """What one request (the first step of a task) sends: prefix plus other input."""
        return self.prefix_tokens + self.other_input_tokens

    @property
    def steps(self) -> int:
        return self.loop.steps if self.loop is not None else 1

    @property
    def is_agent(self) -> bool:
        return self.loop is not None and self.loop.steps > 1


class Overhead(BaseModel):
    """A recurring cost that is not tokens: a router, a distilled model's upkeep, cache storage."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str = Field(min_length=1, max_length=120)
    usd_per_month: float = Field(ge=0, le=1e12)
    lever: str = ""  # the lever that added it


class Workload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    classes: tuple[CallClass, ...] = Field(max_length=MAX_CLASSES)
    overheads: tuple[Overhead, ...] = ()
    custom_models: tuple[ModelPrices, ...] = ()  # priced here, not in the catalogue (a self-hosted student)

    @model_validator(mode="after")
    def _unique_names(self) -> Workload:
        names = [c.name for c in self.classes]
        if len(set(names)) != len(names):
            repeated = sorted({n for n in names if names.count(n) > 1})
            raise ValueError(f"call class names must be unique; repeated: {', '.join(repeated)}")
        return self

    @property
    def requests_per_month(self) -> float:
        return float(sum(c.requests_per_month for c in self.classes))

    @property
    def main_class(self) -> CallClass | None:
        """The class with the most requests: the one a page's captions and closed forms describe."""
        return max(self.classes, key=lambda c: c.requests_per_month) if self.classes else None

    def replace(self, classes: tuple[CallClass, ...] | list[CallClass], overheads: tuple[Overhead, ...] = (),
                models: tuple[ModelPrices, ...] = ()) -> Workload:
        """The same workload with new classes, plus any overheads and models a lever adds (no re-validation:
        the parts are already validated models)."""
        known = {m.key for m in self.custom_models}
        return Workload.model_construct(
            classes=tuple(classes), overheads=self.overheads + tuple(overheads),
            custom_models=self.custom_models + tuple(m for m in models if m.key not in known),
        )

    def map(self, change) -> Workload:
        """Apply `change(call_class) -> CallClass | list[CallClass]` to every class."""
        out: list[CallClass] = []
        for c in self.classes:
            result = change(c)
            out.extend(result if isinstance(result, list | tuple) else [result])
        return self.replace(_unique(out))


M = TypeVar("M", bound=BaseModel)
_set = object.__setattr__


def copied(model: M, **changes: object) -> M:
    """`model.model_copy(update=changes)` for this module's frozen models (no extra fields, no private attributes),
    field for field the same object, without pydantic's copy machinery: the levers make hundreds of such copies per
    evaluation of the Overview. Like model_copy, the changes are not validated: pass values of the fields' types."""
    cls = type(model)
    new = cls.__new__(cls)
    fields = model.__dict__.copy()
    fields.update(changes)
    # The set of fields set is shared when the changes add none to it: a frozen model's set is never changed in place
    # (model_copy copies it before adding to it).
    fields_set = model.__pydantic_fields_set__
    if not changes.keys() <= fields_set:
        fields_set = fields_set | changes.keys()
    _set(new, "__dict__", fields)
    _set(new, "__pydantic_extra__", None)
    _set(new, "__pydantic_fields_set__", fields_set)
    _set(new, "__pydantic_private__", None)
    return new


D = TypeVar("D")


def built(cls: type[D], /, **fields: object) -> D:
    """`cls(**fields)` for this package's frozen dataclasses without __post_init__ (rows, bills), every field given,
    without the generated __init__, which sets each field through object.__setattr__: pricing makes thousands of them a
    second. tests/test_pricing_fast_paths.py holds it to the constructor."""
    obj = object.__new__(cls)
    obj.__dict__.update(fields)
    return obj


def _unique(classes: list[CallClass]) -> list[CallClass]:
    """Keep class names unique after a split by numbering repeats."""
    seen: dict[str, int] = {}
    out = []
    for c in classes:
        n = seen.get(c.name, 0)
        seen[c.name] = n + 1
        out.append(c if n == 0 else copied(c, name=f"{c.name} ({n + 1})"))
    return out


def split(c: CallClass, share: float, suffix: str, **changes) -> list[CallClass]:
    """Split a class: `share` of its requests takes `changes` (named '<name> · <suffix>'), the rest stays."""
    if share <= 0:
        return [c]
    moved = copied(c, **{"name": f"{c.name} · {suffix}", "requests_per_month": c.requests_per_month * share, **changes})
    if share >= 1:
        return [copied(moved, name=c.name)]
    kept = copied(c, requests_per_month=c.requests_per_month * (1 - share))
    return [kept, moved]


def moved_to(c: CallClass, model_key: str, **changes) -> CallClass:
    """A class (or a share of it) served by another model. A hit rate observed on one model's cache says nothing
    about another's: on a new model it is derived from the traffic that reaches that cache."""
    return copied(c, **{**changes, **_moving(c, model_key)})


def _moving(c: CallClass, model_key: str) -> dict[str, object]:
    """The fields that change when a class moves to `model_key` (moved_to, probe)."""
    if model_key != c.model_key and c.cache != "off":
        return {"model_key": model_key, "cache_hit_rate": None}
    return {"model_key": model_key}


TTL_SECONDS: dict[str, float] = {"5m": 300.0, "1h": 3600.0}


def prefix_arrivals(c: CallClass) -> float:
    """Calls a month that send this class's prefix through the shared cache: one per request, or one per step of an
    agent task whose history is not cached (with a cached history, later steps read it from the task's own cache)."""
    per_request = 1 if c.loop is None or c.loop.history_caching else c.loop.steps
    return c.requests_per_month * per_request


def cache_pool(c: CallClass, model_key: str | None = None) -> tuple[str, str]:
    """Classes that send the same prefix to the same model share one cache, whatever share of the traffic each is
    (`model_key`: the cache the class would reach on that model)."""
    return (c.model_key if model_key is None else model_key), c.prefix_group


def pool_traffic(w: Workload) -> dict[tuple[str, str], float]:
    """Calls a month reaching each cache."""
    pools: dict[tuple[str, str], float] = {}
    for c in w.classes:
        if c.prefix_tokens > 0:
            pools[cache_pool(c)] = pools.get(cache_pool(c), 0.0) + prefix_arrivals(c)
    return pools


def probe(c: CallClass, context: Workload, model_key: str | None = None, **changes) -> CallClass:
    """One request of a class (on `model_key`, if given), for per-request costs: its hit rate resolved as it would be
    in `context`, the workload whose traffic reaches that model's cache. A probe alone has almost no traffic, so a
    derived rate must come from the context, never from the probe itself."""
    # One copy with moved_to's changes and the probe's (right-sizing makes one probe per class, task class and model).
    update = _moving(c, model_key) if model_key is not None else {}
    hit = update.get("cache_hit_rate", c.cache_hit_rate)
    if c.cache != "off" and hit is None:
        per_hour = pool_traffic(context).get(cache_pool(c, model_key), prefix_arrivals(c)) / c.cache_prefixes
        hit = float(traffic_hit_rate(per_hour / HOURS_PER_MONTH, TTL_SECONDS[c.cache]))
    return copied(c, **{**update, "requests_per_month": 1.0, "cache_hit_rate": hit, **changes})


def resolve_hit_rates(w: Workload) -> Workload:
    """Every derived hit rate (None) made a number: Poisson arrivals of the whole cache's traffic, spread over its
    distinct prefixes, with the class's TTL refreshed on every hit (h = 1 - exp(-lambda T))."""
    hits = derived_hit_rates(w)
    if all(h is None for h in hits):
        return w
    return Workload.model_construct(
        classes=tuple(c if h is None else copied(c, cache_hit_rate=h) for c, h in zip(w.classes, hits)),
        overheads=w.overheads, custom_models=w.custom_models)


def derived_hit_rates(w: Workload) -> tuple[float | None, ...]:
    """Each class's derived hit rate, as `resolve_hit_rates` sets it; None for a class that keeps its own (a number,
    or no cache). The bill takes them as they are, so that a class is copied only when it is priced anew."""
    if all(c.cache_hit_rate is not None or c.cache == "off" for c in w.classes):
        return (None,) * len(w.classes)
    traffic = pool_traffic(w)
    rates: dict[tuple, float] = {}  # the splits of a class share their cache: its rate is worked out once

    def derived(c: CallClass) -> float | None:
        if c.cache == "off" or c.cache_hit_rate is not None:
            return None
        key = (cache_pool(c), c.cache_prefixes, c.cache)
        hit = rates.get(key)
        if hit is None:
            per_hour = traffic.get(key[0], 0.0) / c.cache_prefixes / HOURS_PER_MONTH
            hit = rates[key] = float(traffic_hit_rate(per_hour, TTL_SECONDS[c.cache]))
        return hit

    return tuple(derived(c) for c in w.classes)


# --- the calls a month of traffic bills ------------------------------------------------------------------------


@dataclass(frozen=True)
class CallRows:
    """One row per kind of billed call; every array has one entry per row.

    `tokens[category]` are the tokens of one such call in that billing category; `calls` how many such calls a
    month bills (expected values where calls fail). Money is `calls x tokens x rate` (see bill.price).
    """

    cls: np.ndarray  # index of the call class
    step: np.ndarray  # 1-based step of the task (1 for a single call)
    kind: np.ndarray  # index into KINDS
    calls: np.ndarray
    tokens: dict[str, np.ndarray]
    context: np.ndarray  # input + full output + reasoning of one such call: what must fit the window
    per_request: RequestRows | None = field(default=None, repr=False, compare=False)  # one class's rows: their shape

    @property
    def total_input(self) -> np.ndarray:
        """Input tokens of one call, cached or not: what picks the long-context tier."""
        if self.per_request is not None:
            return self.per_request.total_input
        t = self.tokens
        return t["input"] + t["cache_write_5m"] + t["cache_write_1h"] + t["cache_read"]


@lru_cache(maxsize=1024)
def retry_threshold(max_attempts: int, budget: float | None) -> float:
    """x*: the failure probability above which a retry budget starts refusing retries (1.0: never).

    Retries are G/(1+G) of all requests, G(x) = x + ... + x^(k-1) the retries per first attempt when each failure
    is retried; the budget caps that at b, so x* solves G(x*) = b/(1-b) (brentq: G is increasing).
    """
    if budget is None or max_attempts <= 1:
        return 1.0
    if budget <= 0:
        return 0.0
    target = budget / (1 - budget)
    if retries_per_first(1.0, max_attempts) <= target:
        return 1.0
    from scipy.optimize import brentq

    return float(brentq(lambda v: retries_per_first(v, max_attempts) - target, 0.0, 1.0, xtol=1e-15, rtol=1e-15))


def retries_per_first(x: float | np.ndarray, k: int) -> float | np.ndarray:
    """G(x) = x + x^2 + ... + x^(k-1): expected retries per first attempt when each attempt fails and is
    retried with probability x."""
    if isinstance(x, float | int):  # one rate (every pricing of a new failure rate): the same sum on Python floats
        total_f, term_f, x_f = 0.0, 1.0, float(x)
        for _ in range(k - 1):
            term_f = term_f * x_f
            total_f = total_f + term_f
        return total_f
    x = np.asarray(x, dtype=float)
    total = np.zeros_like(x)
    term = np.ones_like(x)
    for _ in range(k - 1):
        term = term * x
        total = total + term
    return float(total) if total.ndim == 0 else total


@dataclass(frozen=True)
class FailureOutcome:
    """What failures do to one class: per pass, step success s and expected retries per step G."""

    step_success: float  # s = (1 - p)(1 + G)
    retries_per_step: float  # G
    admitted: float  # share of wanted retries the budget lets through
    passes: float  # expected runs per task (1 + restarts that happen)
    success: float  # probability a task completes

    @classmethod
    @lru_cache(maxsize=4096)  # pure in (failures, steps), asked for by every pricing of a failing class
    def of(cls, f: Failures | None, steps: int) -> FailureOutcome:
        if f is None or f.failure_rate == 0:
            return cls(1.0, 0.0, 1.0, 1.0, 1.0)
        p = f.failure_rate
        x = min(p, retry_threshold(f.max_attempts, f.retry_budget))
        g = float(retries_per_first(x, f.max_attempts))
        s = min(max((1 - p) * (1 + g), 0.0), 1.0)
        run = s**steps
        passes = sum((1 - run) ** j for j in range(f.restarts + 1))
        success = -math.expm1((f.restarts + 1) * math.log1p(-run)) if run < 1 else 1.0
        return cls(s, g, x / p if p > 0 else 1.0, passes, success)


def _step_tokens(c: CallClass) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per step i = 1..n of one task: (step, history H re-sent from the previous call, new input N, share of
    the history that was just rewritten). The prefix S comes on top of both.

    No loop: one step with N = the other input. A loop without compaction: H_1 = 0, N_1 = U; from step 2,
    H_i = U + (i - 2)(A + R) and N_i = A + R. A sliding window of K steps re-sends only the last K steps, so once
    it slides the cached history is only U and the window is new. A summary every k steps replaces the history
    with M summary tokens (the summary calls themselves are `_summary_calls`). Read-only arrays."""
    return _steps_of(c.other_input_tokens, c.output_tokens, c.loop)


@lru_cache(maxsize=1024)  # the same task under another prefix, cache, hit rate or failure rate has the same steps
def _steps_of(u: float, output_tokens: float, lp: AgentLoop | None) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                                              np.ndarray]:
    out = _step_arrays(u, output_tokens, lp)
    for a in out:
        a.flags.writeable = False
    return out


def _step_arrays(u: float, output_tokens: float,
                 lp: AgentLoop | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    if lp is None:
        return np.array([1]), np.zeros(1), np.array([u]), np.zeros(1)
    d = output_tokens + lp.tool_result_tokens
    i = np.arange(1, lp.steps + 1)
    history, new = step_inputs(i, u, d, lp, lp.summary_tokens)
    return i, history.astype(float), new.astype(float), np.zeros(len(i))


def step_inputs(i: np.ndarray, u, d, lp: AgentLoop, m) -> tuple[np.ndarray, np.ndarray]:
    """(history H re-sent from the previous call, new input N) of steps i of a task (see `_step_tokens`): user message u,
    each step's output and tool result d, summary tokens m. Any shapes that broadcast (one task's steps; or draws x
    steps, calculators/draws.py)."""
    done = i - 1
    if lp.compaction == "sliding":
        slid = done > lp.keep_steps
        history = np.where(i == 1, 0.0, np.where(slid, u, u + (done - 1) * d))
        new = np.where(i == 1, u, np.where(slid, lp.keep_steps * d, d))
    elif lp.compaction == "summarise":
        k = lp.summarise_every
        summaries = done // k
        since = done - summaries * k
        m_in = np.where(summaries >= 1, m, 0.0)
        history = np.where(i == 1, 0.0, np.where(since == 0, u, u + m_in + (since - 1) * d))
        new = np.where(i == 1, u, np.where(since == 0, m, d))
    else:
        history = np.where(i == 1, 0.0, u + (done - 1) * d)
        new = np.where(i == 1, u, d)
    return history, new


def _summary_calls(c: CallClass) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Summary calls of a task (after steps k, 2k, ... when another step follows): (after_step, history, new,
    output). A summary call sends what the step before it sent plus that step's A + R, and returns M tokens."""
    lp = c.loop
    if lp is None or lp.compaction != "summarise":
        empty = np.zeros(0)
        return empty.astype(int), empty, empty, empty
    k, m = lp.summarise_every, lp.summary_tokens
    d = c.output_tokens + lp.tool_result_tokens
    j = np.arange(1, (lp.steps - 1) // k + 1)
    history = c.other_input_tokens + np.where(j >= 2, m, 0.0) + (k - 1) * d
    return j * k, history.astype(float), np.full(len(j), float(d)), np.full(len(j), float(m))


def _bill_prefix(c: CallClass, step: np.ndarray, in_history_cache: bool) -> dict[str, np.ndarray]:
    """How the prefix S of each call is billed: read from the task's own history cache after step 1; otherwise
    by the class's cache setting (a share h read, the rest written at the TTL's write price). The arrays are new or a
    shared zero: never write into them."""
    s = np.full(len(step), c.prefix_tokens, dtype=float)
    zero = np.zeros(len(step))
    out = dict.fromkeys(TOKEN_CATEGORIES[:4], zero)
    if in_history_cache:
        from_history = step >= 2
        out["cache_read"] = zero + np.where(from_history, s, 0.0)
        rest = np.where(from_history, 0.0, s)
    else:
        rest = s
    if c.cache != "off":
        hit = c.cache_hit_rate or 0.0  # resolved before pricing (resolve_hit_rates)
        write = "cache_write_5m" if c.cache == "5m" else "cache_write_1h"
        out["cache_read"] = out["cache_read"] + hit * rest
        out[write] = out[write] + (1 - hit) * rest
    elif in_history_cache:  # a cached conversation writes its whole first prompt, prefix included
        out["cache_write_5m"] = out["cache_write_5m"] + rest
    else:
        out["input"] = out["input"] + rest
    return out


def _history_write_category(c: CallClass) -> str:
    """An agent task's history is written with the 5-minute TTL: its steps follow each other within seconds, so a
    longer TTL (chosen for the shared prefix) would only cost more."""
    return "cache_write_5m"


@dataclass(frozen=True)
class RequestRows:
    """The billed-call rows of one request of a class, everything but how many calls a month they are (that scales
    with the class's requests). Shared by every class with the same tokens, cache, loop and failures: the splits of a
    class (a batch share, a routed share) and the same class under another name, model or tier. Read-only arrays."""

    step: np.ndarray
    kind: np.ndarray
    token_matrix: np.ndarray  # (TOKEN_CATEGORIES, rows): the tokens of one call of each row by category
    tokens: dict[str, np.ndarray]  # the rows of token_matrix, by category
    total_input: np.ndarray  # input tokens of one call, cached or not (see CallRows.total_input)
    context: np.ndarray
    reach: np.ndarray  # expected starts of each step per request (first attempts)
    retries_per_step: float  # retry rows follow the first attempts where > 0
    passes: float
    summary_reach: np.ndarray | None  # step success ** the step each summary call follows; None: no summary calls
    largest_context: float  # of any call (0 without calls): a class whose model's window holds it fits
    largest_input: float  # total_input's largest (0 without calls): whether any call reaches a long-context tier
    success: float  # probability a task completes (FailureOutcome.success)
    # A single call (no agent loop): the one column of token_matrix (a retry row bills the same tokens) as Python
    # floats, which its bill is worked out on (bill.py); None for an agent task.
    call_tokens: tuple[float, ...] | None = None


def _request_rows_key(c: CallClass) -> tuple:
    """What a class's rows per request depend on (not its name, volume, model, tier or prefix group)."""
    return (c.prefix_tokens, c.other_input_tokens, c.output_tokens, c.reasoning_tokens, c.cache, c.cache_hit_rate,
            c.loop, c.failures)


# Oldest first. An OrderedDict, not a dict: a dict emptied from the front makes next(iter(...)) walk every removed
# slot before the first live one, until it is resized (tens of microseconds an eviction once full).
_REQUEST_ROWS: OrderedDict[tuple, RequestRows] = OrderedDict()
_REQUEST_ROWS_MAX = 8192
_REQUEST_ROWS_LOCK = threading.Lock()  # sessions rerun in threads


def request_rows(c: CallClass) -> RequestRows:
    """The class's rows per request (see RequestRows), computed once per distinct shape (bounded cache)."""
    key = _request_rows_key(c)
    rows = _REQUEST_ROWS.get(key)
    if rows is None:
        rows = _request_rows(c)
        with _REQUEST_ROWS_LOCK:
            if len(_REQUEST_ROWS) >= _REQUEST_ROWS_MAX:
                _REQUEST_ROWS.popitem(last=False)  # the oldest
            _REQUEST_ROWS[key] = rows
    return rows


def class_rows(c: CallClass) -> CallRows:
    """One class's billed-call rows (see CallRows; `cls` is 0): its volume times its rows per request, which are cached
    by shape (the class's bill is cached in bill.py, so a class is expanded once). Treat the arrays as read-only."""
    r = request_rows(c)
    if len(r.reach) == 1 and r.summary_reach is None:  # one step (a single call): the same products on Python floats
        one = c.requests_per_month * r.reach.item()
        calls = read_only([one, one * r.retries_per_step] if r.retries_per_step > 0 else [one])
        return built(CallRows, cls=_zeros_int(len(calls)), step=r.step, kind=r.kind, calls=calls,
                     tokens=r.tokens, context=r.context, per_request=r)
    first = c.requests_per_month * r.reach
    parts = [first]
    if r.retries_per_step > 0:
        parts.append(first * r.retries_per_step)
    if r.summary_reach is not None:
        # A summary call follows step jk, which was reached and succeeded.
        parts.append(c.requests_per_month * r.passes * r.summary_reach)
    calls = (parts[0] if len(parts) == 1 else np.concatenate(parts)).astype(float, copy=False)
    calls.flags.writeable = False
    return built(CallRows, cls=_zeros_int(len(calls)), step=r.step, kind=r.kind, calls=calls, tokens=r.tokens,
                 context=r.context, per_request=r)


@lru_cache(maxsize=MAX_STEPS * 3 + 1)
def _zeros_int(n: int) -> np.ndarray:
    out = np.zeros(n, dtype=int)
    out.flags.writeable = False
    return out


def read_only(values: list[float]) -> np.ndarray:
    """The numbers as a read-only float array: one over their bytes, which numpy makes read-only by itself (cheaper
    than an array whose flag is then cleared)."""
    return np.frombuffer(array("d", values).tobytes())


def _constant(values: list[int]) -> np.ndarray:
    out = np.array(values, dtype=int)
    out.flags.writeable = False
    return out


_ONE_CALL = (_constant([1]), _constant([0]))  # step and kind of a single call's row
_ONE_CALL_AND_RETRY = (_constant([1, 1]), _constant([0, 1]))  # ... and of its retry row


def _single_call_rows(c: CallClass) -> RequestRows:
    """`_request_rows` of a class without an agent loop, on Python floats: the same operations in the same order as the
    array code, on its one row (and its retry row), so bit for bit the same numbers without numpy's cost per operation
    on arrays of one element (most classes the levers make are single calls). tests/test_pricing_exact.py holds the
    two to each other."""
    outcome = FailureOutcome.of(c.failures, 1)
    f = c.failures
    p = f.failure_rate if f is not None else 0.0
    billed_share = (1 - p) + p * (f.failed_output_share if f is not None else 1.0)  # of A and reasoning
    prefix = float(c.prefix_tokens)  # _bill_prefix: no history cache before step 1, so all of it by the class's cache
    uncached = write_5m = write_1h = read = 0.0
    if c.cache != "off":
        hit = c.cache_hit_rate or 0.0
        read = 0.0 + hit * prefix
        if c.cache == "5m":
            write_5m = 0.0 + (1 - hit) * prefix
        else:
            write_1h = 0.0 + (1 - hit) * prefix
    else:
        uncached = 0.0 + prefix
    # History 0 and new input U (_step_tokens); a retry re-sends the same (a "step only" retry: U + 0 tool result).
    uncached = uncached + (0.0 + c.other_input_tokens)
    a, z = c.output_tokens, c.reasoning_tokens
    output, reasoning, full = float(a * billed_share), float(z * billed_share), float(a + z)
    total_in = uncached + write_5m + write_1h + read
    context = total_in + full
    column = [uncached, write_5m, write_1h, read, output, reasoning]
    rows = 2 if outcome.retries_per_step > 0 else 1
    step, kind = _ONE_CALL_AND_RETRY if rows == 2 else _ONE_CALL
    matrix = read_only([v for v in column for _ in range(rows)]).reshape(len(column), rows)
    return built(
        RequestRows,
        step=step, kind=kind, token_matrix=matrix, tokens=dict(zip(TOKEN_CATEGORIES, matrix)),
        total_input=read_only([total_in] * rows), context=read_only([context] * rows),
        reach=read_only([outcome.passes * outcome.step_success ** 0]), retries_per_step=outcome.retries_per_step,
        passes=outcome.passes, summary_reach=None, largest_context=max(context, 0.0), largest_input=total_in,
        success=outcome.success, call_tokens=tuple(column))


def _request_rows(c: CallClass) -> RequestRows:
    """The billed-call rows of one request of a class (see CallRows and RequestRows)."""
    if c.loop is None:
        return _single_call_rows(c)
    return _array_request_rows(c)


def _array_request_rows(c: CallClass) -> RequestRows:
    """`_request_rows` of any class, on arrays of its steps."""
    outcome = FailureOutcome.of(c.failures, c.steps)
    f = c.failures
    p = f.failure_rate if f is not None else 0.0
    billed_share = (1 - p) + p * (f.failed_output_share if f is not None else 1.0)  # of A and reasoning
    cached_history = c.loop is not None and c.loop.history_caching
    write_cat = _history_write_category(c)

    step, history, new, _ = _step_tokens(c)
    reach = _reach(outcome.passes, outcome.step_success, len(step))  # expected starts of each step per task
    groups = []

    def plus(base: np.ndarray, more: np.ndarray) -> np.ndarray:
        return base if more is zero else base + more  # adding a row of zeros changes no token

    def add(kind: int, prefix: dict[str, np.ndarray], read: np.ndarray, written: np.ndarray, uncached: np.ndarray,
            output: np.ndarray, reasoning: np.ndarray, full_output: np.ndarray, steps: np.ndarray) -> None:
        tokens = dict(prefix)
        tokens["cache_read"] = plus(tokens["cache_read"], read)
        tokens[write_cat] = plus(tokens[write_cat], written)
        tokens["input"] = plus(tokens["input"], uncached)
        tokens["output"] = output
        tokens["reasoning"] = reasoning
        total_in = tokens["input"] + tokens["cache_write_5m"] + tokens["cache_write_1h"] + tokens["cache_read"]
        groups.append((steps, kind, [tokens[k] for k in TOKEN_CATEGORIES], total_in, total_in + full_output))

    n_rows = len(step)
    a = np.full(n_rows, c.output_tokens)
    z = np.full(n_rows, c.reasoning_tokens)
    zero = np.zeros(n_rows)
    prefix = _bill_prefix(c, step, cached_history)
    if cached_history:
        read, written, uncached = history, new, zero
    else:
        read, written, uncached = zero, zero, history + new
    a_billed, z_billed, full = a * billed_share, z * billed_share, a + z
    add(0, prefix, read, written, uncached, a_billed, z_billed, full, step)

    if outcome.retries_per_step > 0:
        if f is not None and f.replay == "step only":
            # Only the step: the prefix, the user message, and the latest tool result after step 1.
            tool = c.loop.tool_result_tokens if c.loop is not None else 0.0
            step_only = c.other_input_tokens + np.where(step >= 2, tool, 0.0)
            r_prefix = _bill_prefix(c, np.ones(n_rows, dtype=int), False)
            add(1, r_prefix, zero, zero, step_only, a_billed, z_billed, full, step)
        elif cached_history:  # the first attempt already wrote everything this retry re-sends
            add(1, prefix, read + written, zero, zero, a_billed, z_billed, full, step)
        else:  # a retry re-sends what the first attempt sent: the same token rows (add would make equal copies)
            groups.append((step, 1, *groups[0][2:]))

    after, s_history, s_new, s_out = _summary_calls(c)
    summary_reach = None
    if len(after):
        summary_reach = outcome.step_success ** after
        s_prefix = _bill_prefix(c, after + 1, cached_history)
        s_zero = np.zeros(len(after))
        if cached_history:
            s_read, s_written, s_uncached = s_history, s_new, s_zero
        else:
            s_read, s_written, s_uncached = s_zero, s_zero, s_history + s_new
        add(2, s_prefix, s_read, s_written, s_uncached, s_out, s_zero, s_out, after)

    def joined(arrays: list[np.ndarray], dtype: type) -> np.ndarray:
        # Every array here was made by this call (a lone one is kept, several are joined): read-only from now on.
        out = (np.concatenate(arrays) if len(arrays) > 1 else arrays[0]).astype(dtype, copy=False)
        out.flags.writeable = False
        return out

    if summary_reach is not None:
        summary_reach = joined([summary_reach], float)
    blocks: list[np.ndarray] = []  # each group's tokens as a (categories, rows) block; a retry's may be the call's
    for i, g in enumerate(groups):
        blocks.append(blocks[0] if i and g[2] is groups[0][2] else np.array(g[2], dtype=float))
    matrix = blocks[0] if len(blocks) == 1 else np.concatenate(blocks, axis=1)
    matrix.flags.writeable = False
    total_input = joined([g[3] for g in groups], float)
    context = joined([g[4] for g in groups], float)
    step_rows, kind_rows = _steps_and_kinds(tuple((len(g[0]), g[1]) for g in groups), tuple(after.tolist()))
    return built(
        RequestRows,
        step=step_rows, kind=kind_rows, token_matrix=matrix,
        tokens=dict(zip(TOKEN_CATEGORIES, matrix)), total_input=total_input,
        context=context, reach=reach,
        retries_per_step=outcome.retries_per_step, passes=outcome.passes, summary_reach=summary_reach,
        largest_context=float(context.max(initial=0.0)), largest_input=float(total_input.max(initial=0.0)),
        success=outcome.success, call_tokens=None)


@lru_cache(maxsize=1024)  # pure in the task's failure outcome and length, shared by its every shape
def _reach(passes: float, step_success: float, steps: int) -> np.ndarray:
    """Expected starts of each step 1..n per task: passes x s^(i - 1) (read-only; the steps as `_step_arrays` makes
    them)."""
    out = passes * step_success ** (np.arange(1, steps + 1) - 1)
    out = out.astype(float, copy=False)
    out.flags.writeable = False
    return out


@lru_cache(maxsize=1024)
def _steps_and_kinds(groups: tuple[tuple[int, int], ...],
                     summary_after: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The step and kind of each row of a task's rows: its groups' (rows, kind) in order, the steps 1..n of the calls
    and retries, and the steps the summary calls follow. Read-only; shared by every task with the same steps, retries
    and summaries."""
    after = np.array(summary_after, dtype=int)
    steps = [after if kind == KINDS.index("summary") else np.arange(1, n + 1) for n, kind in groups]
    out = (np.concatenate(steps).astype(int), np.concatenate([np.full(n, kind) for n, kind in groups]).astype(int))
    for a in out:
        a.flags.writeable = False
    return out


def calls(w: Workload) -> CallRows:
    """Every kind of call a month of this workload bills, with its tokens by category (vectorised)."""
    return join_rows([class_rows(c) for c in resolve_hit_rates(w).classes])


def join_rows(parts: list[CallRows]) -> CallRows:
    """Classes' rows as one table, `cls` the index of each row's class in `parts`."""
    if not parts:
        empty = np.zeros(0)
        return CallRows(cls=empty.astype(int), step=empty.astype(int), kind=empty.astype(int), calls=empty,
                        tokens={k: empty for k in TOKEN_CATEGORIES}, context=empty)
    return CallRows(
        cls=np.concatenate([np.full(len(r.calls), i) for i, r in enumerate(parts)]).astype(int),
        step=np.concatenate([r.step for r in parts]),
        kind=np.concatenate([r.kind for r in parts]),
        calls=np.concatenate([r.calls for r in parts]),
        tokens={k: np.concatenate([r.tokens[k] for r in parts]) for k in TOKEN_CATEGORIES},
        context=np.concatenate([r.context for r in parts]),
    )


def completed_tasks(c: CallClass) -> float:
    """Requests per month that complete (all of them unless calls fail for good)."""
    return c.requests_per_month * FailureOutcome.of(c.failures, c.steps).success


def completed_of(c: CallClass, rows: CallRows) -> float:
    """`completed_tasks(c)` from the class's own rows (which carry its failure outcome)."""
    return c.requests_per_month * rows.per_request.success if rows.per_request is not None else completed_tasks(c)


# --- the sidebar's workload: four numbers and an anatomy ------------------------------------------------------


class SimpleWorkload(BaseModel):
    """The sidebar's description of the traffic. `workload()` turns it into call classes."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    requests_per_month: int = Field(
        1_000_000, ge=1, le=10_000_000_000, title="Requests per month",
        description="Requests this feature sends per month; an agent task counts once (illustrative default).",
    )
    model_key: str = Field(DEFAULT_MODEL, min_length=3, max_length=200, title="Model",
                           description="Provider and model the requests go to, priced from the catalogue.")
    input_tokens: int = Field(
        2_000, ge=1, le=2_000_000, title="Input tokens per request",
        description="Average prompt: system prompt, context and user message (illustrative default).",
    )
    output_tokens: int = Field(
        400, ge=1, le=200_000, title="Output tokens per request",
        description="Average visible answer, without reasoning tokens (illustrative default).",
    )
    prefix_share: float = Field(
        0.75, ge=0, le=1, title="Shared prefix", json_schema_extra={"percent": True, "step": 5.0},
        description="Share of the input that repeats exactly at the start of every request (system prompt, tool "
        "definitions): what caching can reuse. Illustrative default: 75%.",
    )
    reasoning_tokens: int = Field(
        0, ge=0, le=200_000, title="Reasoning tokens per request", json_schema_extra={"unit": "tokens", "step": 500},
        description="Thinking tokens billed as output on top of the visible answer (0: no reasoning).",
    )
    cache_hit_rate: float | None = Field(
        0.0, ge=0, le=1, title="Cache hit rate today", json_schema_extra={"percent": True, "step": 5.0},
        description="Share of requests that read the prefix from cache today. Anthropic caches only when asked "
        "(default 0%); OpenAI and Gemini cache automatically (default estimated from your traffic).",
    )
    agent_share: float = Field(
        0.0, ge=0, le=1, title="Agent tasks", json_schema_extra={"percent": True, "step": 5.0},
        description="Share of requests that are agent tasks: several model calls, each re-sending the history.",
    )
    agent_steps: int = Field(10, ge=2, le=MAX_STEPS, title="Steps per agent task",
                             description="Model calls one agent task makes (illustrative default).")
    tool_result_tokens: int = Field(
        1_000, ge=0, le=2_000_000, title="Tool result per step", json_schema_extra={"unit": "tokens", "step": 100},
        description="Tokens each tool call returns into the history (illustrative default).",
    )
    history_caching: bool = Field(
        False, title="Agent history cached today",
        description="Each step reads the previous step's prompt from cache. On by default where the provider "
        "caches automatically.",
    )
    failure_rate: float = Field(
        0.0, ge=0, le=MAX_FAILURE_RATE, title="Failure rate per call", json_schema_extra={"percent": True,
                                                                                          "step": 1.0},
        description="Share of attempts that fail (errors, timeouts, unusable output) and are retried (0: none).",
    )
    max_attempts: int = Field(3, ge=1, le=10, title="Attempts per call (cap)",
                              description="First try plus retries. Google SRE book: at most 3.")
    restarts: int = Field(0, ge=0, le=5, title="Task restarts",
                          description="Times a failed task is started again from scratch.")
    failed_output_share: float = Field(
        0.5, ge=0, le=1, title="Output billed on a failed attempt", json_schema_extra={"percent": True, "step": 5.0},
        description="Share of the answer billed when an attempt fails; its input is always billed (illustrative).",
    )
    replay: Replay = Field("full history", title="A retry re-sends",
                           description="The full history, or only the step (prefix, user message, latest tool "
                           "result).")

    @property
    def requests_per_hour(self) -> float:
        return self.requests_per_month / HOURS_PER_MONTH

    @property
    def prefix_tokens(self) -> float:
        return self.input_tokens * self.prefix_share

    def workload(self) -> Workload:
        failures = None if self.failure_rate == 0 else Failures(
            failure_rate=self.failure_rate, max_attempts=self.max_attempts, restarts=self.restarts,
            failed_output_share=self.failed_output_share, replay=self.replay)
        base = dict(
            model_key=self.model_key, prefix_tokens=self.prefix_tokens,
            other_input_tokens=self.input_tokens - self.prefix_tokens, output_tokens=float(self.output_tokens),
            reasoning_tokens=float(self.reasoning_tokens),
            cache="5m" if self.cache_hit_rate is None or self.cache_hit_rate > 0 else "off",
            cache_hit_rate=self.cache_hit_rate, failures=failures, prefix_group="the sidebar's prompt",
        )
        classes = []
        if self.agent_share < 1:
            classes.append(CallClass(name="Requests",
                                     requests_per_month=self.requests_per_month * (1 - self.agent_share),
                                     **base))
        if self.agent_share > 0:
            loop = AgentLoop(steps=self.agent_steps, tool_result_tokens=self.tool_result_tokens,
                             history_caching=self.history_caching)
            classes.append(CallClass(name="Agent tasks", requests_per_month=self.requests_per_month * self.agent_share,
                                     loop=loop, **base))
        return Workload(classes=tuple(classes))


class ClassRow(BaseModel):
    """One row of a custom workload's table: a single-call class (agent loops and failures live in the sidebar's
    anatomy)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str = Field(min_length=1, max_length=80, title="Call class",
                      description="What these requests do (a feature, a pipeline step, a team).")
    requests_per_month: float = Field(ge=0, le=1e11, title="Requests per month")
    model_key: str = Field(min_length=3, max_length=200, title="Model",
                           description="provider/model, as in the catalogue.")
    prefix_tokens: float = Field(0, ge=0, le=10_000_000, title="Shared prefix", json_schema_extra={"unit": "tokens"},
                                 description="Tokens at the start of every request that repeat exactly (cacheable).")
    other_input_tokens: float = Field(0, ge=0, le=10_000_000, title="Other input", json_schema_extra={"unit": "tokens"})
    output_tokens: float = Field(0, ge=0, le=1_000_000, title="Output", json_schema_extra={"unit": "tokens"},
                                 description="Visible output per request.")
    reasoning_tokens: float = Field(0, ge=0, le=1_000_000, title="Reasoning", json_schema_extra={"unit": "tokens"},
                                    description="Thinking tokens per request, billed as output.")
    cache_hit_rate: float = Field(0.0, ge=0, le=1, title="Cache hits today", json_schema_extra={"percent": True},
                                  description="Share of requests that read the prefix from cache (5-minute TTL).")
    tier: Tier = Field("standard", title="Tier", description="standard, batch or flex (where the model prices it).")
    # Optional so that tables made before it keep their meaning (and their links): empty = 5-minute TTL with hits.
    cache_ttl: Literal["5m", "1h"] | None = Field(
        None, title="Cache TTL", description="5m or 1h: the prefix is cached with this TTL, and a request that misses "
        "writes it at that TTL's price. Empty: 5-minute TTL when there are cache hits, otherwise not cached.")

    def to_class(self) -> CallClass:
        cache = self.cache_ttl or ("5m" if self.cache_hit_rate > 0 else "off")
        return CallClass(name=self.name, requests_per_month=self.requests_per_month, model_key=self.model_key,
                         tier=self.tier, prefix_tokens=self.prefix_tokens, other_input_tokens=self.other_input_tokens,
                         output_tokens=self.output_tokens, reasoning_tokens=self.reasoning_tokens,
                         cache=cache, cache_hit_rate=self.cache_hit_rate)

    @classmethod
    def of(cls, c: CallClass) -> ClassRow:
        """A class as a table row (its hit rate as a number: resolve derived rates first)."""
        return cls(name=c.name, requests_per_month=c.requests_per_month, model_key=c.model_key,
                   prefix_tokens=c.prefix_tokens, other_input_tokens=c.other_input_tokens,
                   output_tokens=c.output_tokens, reasoning_tokens=c.reasoning_tokens,
                   cache_hit_rate=(c.cache_hit_rate or 0.0) if c.cache != "off" else 0.0,
                   tier=c.tier, cache_ttl=None if c.cache == "off" else c.cache)


def custom_workload(rows: tuple[ClassRow, ...] | list[ClassRow]) -> Workload:
    """A workload from a table of call classes (names must be unique)."""
    return Workload(classes=tuple(r.to_class() for r in rows))


def traffic_hit_rate(requests_per_hour: float | np.ndarray, ttl_seconds: float) -> float | np.ndarray:
    """Poisson arrivals, TTL refreshed by every request: a request hits when the previous one came within it."""
    h = -np.expm1(-np.asarray(requests_per_hour, dtype=float) / 3600.0 * ttl_seconds)
    return float(h) if np.ndim(h) == 0 else h


# Automatic (implicit) caching, as OpenAI documents it: prefixes of 1,024 tokens or more, kept for 5 to 10
# minutes of inactivity (sources.toml: openai_caching). We take the shorter lifetime.
AUTO_CACHE_MIN_TOKENS = 1_024
AUTO_CACHE_TTL_SECONDS = 300.0


def automatic_hit_rate(prices: ModelPrices, requests_per_month: float, prefix_tokens: float) -> float:
    """Today's hit rate where the provider caches on its own: estimated from the traffic (one shared prefix,
    Poisson arrivals, a 5-minute lifetime); 0 where caching is opt-in or the prefix is too short to cache."""
    if not prices.caches_automatically or prefix_tokens < AUTO_CACHE_MIN_TOKENS:
        return 0.0
    return float(traffic_hit_rate(requests_per_month / HOURS_PER_MONTH, AUTO_CACHE_TTL_SECONDS))
