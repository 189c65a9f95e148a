"""Output caps lever: what does a max_tokens cap (and a brevity instruction) do to the bill, latency and throughput?

A call's output is its visible answer plus its reasoning tokens: max_tokens caps their sum (reasoning tokens count
toward it), and the billed tokens split between the two pro rata. Output lengths L of a class follow a log-normal
whose **mean is the class's output today** (visible + reasoning, as the workload states it) and whose spread is one
input, the p95 as a multiple of the mean. A brevity instruction scales every length by (1 + beta): L' = (1 + beta) L.

A cap C bills E[min(L', C)] output tokens on each request and truncates q = P(L' > C) of the answers; a share rho
of those must be redone without the cap: a new request with the same input and the full uncapped answer,
E[L' | L' > C] tokens (the answer was long because the task needed it). So every single-call class bills the capped
mean, and gains a redo class of requests x rho x q. The truncation limit t is a limit: a class whose answers the cap
would cut off more often than t gets the tightest cap within it instead (a cap per call site, as teams set them), so
no saving comes from answers cut off beyond what the user accepts. Agent tasks are out of scope: a cap on each step of
a loop changes the history the later steps re-send, which this lever does not model.

Money comes only from `bill.price`. A single call's input does not depend on its output, so its long-context tier
does not either, and a class's bill is affine in its output tokens: A + B t, with A the bill of its input (output
set to 0) and B the money per output token per request, from two priced workloads. The bill at every cap is then
exact with numpy: sum over classes of A (1 + rho q) + B (E[min(L', C)] + rho E[L'; L' > C]).

Latency: time to first token (TTFT) already contains the first token, so a response of N tokens takes
TTFT + (N - 1) x time per output token; a redone request waits for both attempts. A tokens-per-minute limit
reserves max_tokens (plus the input, where the limit counts it) for every attempt when it starts.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator
from scipy import special

from calculators.bill import Bill, model_prices, price
from calculators.draws import Variant, WorkloadDraws
from calculators.lever import Lever, TodayAndAfter
from calculators.prices import Catalogue
from calculators.workload import (
    HOURS_PER_MONTH, TTL_SECONDS, CallClass, Workload, cache_pool, copied, pool_traffic, resolve_hit_rates,
    traffic_hit_rate,
)

Z95 = float(special.ndtri(0.95))  # 1.6449: the standard normal's 95th percentile
# A log-normal with mean m has p95 / m = exp(1.645 sigma - sigma^2 / 2), at most exp(1.645^2 / 2) (at sigma = 1.645).
MAX_P95_MULTIPLE = math.exp(Z95**2 / 2)  # 3.868
MIN_P95_MULTIPLE = 1.01  # a p95 at the mean is no spread at all
LimitCounts = Literal["input + max_tokens", "max_tokens only"]
LIMIT_LABEL = {"input + max_tokens": "input + max_tokens (OpenAI)", "max_tokens only": "max_tokens only (Anthropic)"}


class OutputCapInputs(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    p95_multiple: float = Field(
        2.4, ge=MIN_P95_MULTIPLE, le=100, title="Spread: p95 as a multiple of the mean",
        json_schema_extra={"key": "cap.p95x", "step": 0.1, "format": "%.2f"},
        description="How long the longest 5% of answers are, against the average (the workload's output tokens). "
        "Illustrative default 2.4: a p95 three times the median. A log-normal with a given mean cannot go above "
        f"{MAX_P95_MULTIPLE:.2f}.",
    )
    cap: int = Field(
        4_096, ge=1, le=200_000, title="max_tokens cap", json_schema_extra={"key": "cap.max_tokens", "unit": "tokens",
                                                                            "step": 64},
        description="The max_tokens (max_output_tokens) you send; reasoning tokens count toward it. A class whose "
        "answers it would cut off more often than your truncation limit gets the tightest cap within the limit instead "
        "(set max_tokens per call site). Default: the smallest power of two at least twice the main class's p95, and "
        "at least 4,096 (illustrative).",
    )
    redo_share: float = Field(
        0.1, ge=0, le=1, title="Truncated answers that must be redone",
        json_schema_extra={"key": "cap.redo", "percent": True},
        description="Share of cut-off answers that are useless and are sent again without the cap (illustrative).",
    )
    max_truncation: float = Field(
        0.02, ge=0.0001, le=0.5, title="Highest acceptable truncation rate",
        json_schema_extra={"key": "cap.max_trunc", "percent": True, "step": 0.5},
        description="No class's answers are cut off more often than this: where your cap would, that class gets the "
        "tightest cap within the limit, and the saving never counts answers cut beyond it (illustrative).",
    )
    brevity_effect: float = Field(
        0.0, ge=-0.9, le=0, title="Brevity instruction: change in output length",
        json_schema_extra={"key": "cap.brevity", "percent": True, "step": 5.0},
        description="E.g. -20% if 'answer concisely' shortens answers by a fifth in your evals; 0 = no instruction "
        "(illustrative). It scales a call's whole output.",
    )
    ttft_ms: float = Field(
        600, ge=0, le=120_000, title="Time to first token (ms)", json_schema_extra={"key": "cap.ttft", "step": 50.0},
        description="Wait until the first output token arrives, that token included (illustrative; measure your "
        "model and region).",
    )
    ms_per_token: float = Field(
        20, ge=0, le=2_000, title="Time per output token (ms)", json_schema_extra={"key": "cap.tpot", "step": 1.0},
        description="Decode time per output token after the first; 20 ms is 50 tokens/s (illustrative).",
    )
    tpm_limit: int = Field(
        2_000_000, ge=1, le=10_000_000_000, title="Rate limit (tokens per minute)",
        json_schema_extra={"key": "cap.tpm", "step": 100_000},
        description="Your tier's tokens-per-minute limit (illustrative). Limiters reserve max_tokens per request.",
    )
    limit_counts: LimitCounts = Field(
        "input + max_tokens", title="The rate limit counts", json_schema_extra={"key": "cap.limit",
                                                                                "labels": LIMIT_LABEL},
        description="OpenAI's TPM counts input plus max_tokens; Anthropic's output-TPM counts max_tokens only.",
    )

    @model_validator(mode="after")
    def _spread_fits_a_log_normal(self) -> OutputCapInputs:
        if self.p95_multiple > MAX_P95_MULTIPLE:
            raise ValueError(
                f"a p95 of {self.p95_multiple:g}x the mean is impossible for a log-normal with that mean: its p95 is "
                f"at most e^(1.645²/2) = {MAX_P95_MULTIPLE:.2f}x its mean. Enter a spread of at most "
                f"{MAX_P95_MULTIPLE:.2f}x"
            )
        return self

    @classmethod
    def valid_draws(cls, x: OutputCapInputs) -> np.ndarray:
        """`_spread_fits_a_log_normal` in every draw (`x.p95_multiple` one value per draw)."""
        return ~(np.asarray(x.p95_multiple) > MAX_P95_MULTIPLE)


def suggested_cap(p95_tokens: float) -> int:
    """Illustrative default: the smallest power of two at least 2x the p95, never below 4,096."""
    return int(min(200_000, max(4_096, 2 ** math.ceil(math.log2(max(2 * p95_tokens, 1))))))


# --- length distributions ---------------------------------------------------------------------------


def sigma_for(p95_multiple: float | np.ndarray) -> float | np.ndarray:
    """The log-normal sigma whose p95 is `p95_multiple` x its mean: 1.645 sigma - sigma^2/2 = ln k, exactly.

    Two sigmas solve it; we take the smaller, sigma = 1.645 - sqrt(1.645^2 - 2 ln k), on the branch where a wider
    spread means a longer p95 (the other root puts most answers near zero under a far tail). An array: one per draw
    (a number keeps `math`, whose log numpy's SIMD log can differ from in the last bit)."""
    if isinstance(p95_multiple, np.ndarray):
        return Z95 - np.sqrt(np.maximum(Z95**2 - 2 * np.log(p95_multiple), 0.0))
    return Z95 - math.sqrt(max(Z95**2 - 2 * math.log(p95_multiple), 0.0))


@dataclass(frozen=True)
class LogNormal:
    """ln L ~ Normal(mu, sigma), parametrised by its mean: mu = ln(mean) - sigma^2/2. Mean and sigma may be arrays
    (one per draw): the functions below then take one argument per draw."""

    mean: float | np.ndarray
    sigma: float | np.ndarray

    @classmethod
    def from_mean(cls, mean: float | np.ndarray, p95_multiple: float | np.ndarray) -> LogNormal:
        return cls(mean=mean if isinstance(mean, np.ndarray) else float(mean), sigma=sigma_for(p95_multiple))

    @property
    def mu(self) -> float | np.ndarray:
        log = np.log if isinstance(self.mean, np.ndarray) else math.log  # math on a number: as exact as before
        return log(self.mean) - self.sigma**2 / 2

    def _z(self, c: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return (np.log(np.asarray(c, dtype=float)) - self.mu) / self.sigma

    def sf(self, c: np.ndarray) -> np.ndarray:
        """P(L > c)."""
        return special.ndtr(-self._z(c))

    def tail_mass(self, c: np.ndarray) -> np.ndarray:
        """E[L; L > c] = mean x Phi(sigma - z)."""
        return self.mean * special.ndtr(self.sigma - self._z(c))

    def tail_mean(self, c: np.ndarray) -> np.ndarray:
        """E[L | L > c], in logs so that a far tail does not divide 0 by 0 (c where nothing is cut: c itself)."""
        z = self._z(c)
        with np.errstate(invalid="ignore", over="ignore"):
            ratio = self.mean * np.exp(special.log_ndtr(self.sigma - z) - special.log_ndtr(-z))
        return np.where(np.isfinite(ratio), np.maximum(ratio, np.asarray(c, dtype=float)), np.asarray(c, dtype=float))

    def limited_mean(self, c: np.ndarray) -> np.ndarray:
        """E[min(L, c)] = mean - E[(L - c)+], with E[(L - c)+] = mean Phi(sigma - z) - c Phi(-z) >= 0."""
        c = np.asarray(c, dtype=float)
        finite = np.isfinite(c)
        safe = np.where(finite, c, 1.0)
        excess = np.where(finite, self.tail_mass(safe) - safe * self.sf(safe), 0.0)
        return np.minimum(self.mean - np.maximum(excess, 0.0), c)

    def ppf(self, p: np.ndarray) -> np.ndarray:
        return np.exp(self.mu + self.sigma * special.ndtri(p))

    def log_pdf_over_sf(self, c: np.ndarray) -> np.ndarray:
        """The hazard f(c) / P(L > c), computed in logs so the far tail does not underflow."""
        z = self._z(c)
        log_pdf = -np.log(np.asarray(c, dtype=float) * self.sigma * math.sqrt(2 * math.pi)) - z**2 / 2
        return np.exp(log_pdf - special.log_ndtr(-z))


@dataclass(frozen=True)
class Empirical:
    """Observed lengths themselves (each equally likely): an uploaded list, for the extra analysis."""

    lengths: np.ndarray  # sorted ascending, float

    @classmethod
    def of(cls, values: np.ndarray) -> Empirical:
        return cls(np.sort(np.asarray(values, dtype=float)))

    def scaled(self, factor: float) -> Empirical:
        return Empirical(self.lengths * factor)

    @property
    def n(self) -> int:
        return len(self.lengths)

    @property
    def _cumsum(self) -> np.ndarray:
        return np.concatenate([[0.0], np.cumsum(self.lengths)])

    @property
    def mean(self) -> float:
        return float(self.lengths.mean())

    def _at_or_below(self, c: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.lengths, c, side="right")

    def sf(self, c: np.ndarray) -> np.ndarray:
        return (self.n - self._at_or_below(c)) / self.n

    def tail_mass(self, c: np.ndarray) -> np.ndarray:
        cum = self._cumsum
        return (cum[-1] - cum[self._at_or_below(c)]) / self.n

    def limited_mean(self, c: np.ndarray) -> np.ndarray:
        c = np.asarray(c, dtype=float)
        k = self._at_or_below(c)
        with np.errstate(invalid="ignore"):
            capped = np.where(k < self.n, c * (self.n - k), 0.0)  # c may be inf when nothing is truncated
        # (n c)/n can land one ulp above c: clip to both bounds E[min(L, c)] must respect.
        return np.minimum(np.minimum((self._cumsum[k] + capped) / self.n, self.mean), c)

    def ppf(self, p: np.ndarray) -> np.ndarray:
        """Generalised inverse of the empirical CDF (numpy's 'inverted_cdf')."""
        idx = np.clip(np.ceil(np.asarray(p) * self.n).astype(int) - 1, 0, self.n - 1)
        return self.lengths[idx]


# --- uploaded lengths ----------------------------------------------------------------------------------


class LengthsError(ValueError):
    """An uploaded list of output lengths can't be read; the message says where and why."""


MAX_LENGTH_VALUES = 5_000_000
MAX_LENGTH = 10_000_000
_SPLIT = re.compile(r"[\s,;]+")


def parse_lengths(text: str) -> np.ndarray:
    """Whole numbers of output tokens separated by newlines, commas, semicolons or spaces.

    One header line of text (e.g. `output_tokens`) is allowed and skipped.
    """
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise LengthsError("the file is empty: expected whole numbers of output tokens, one per line")
    header_cells = [c for c in _SPLIT.split(lines[first].strip()) if c]
    start = first + 1 if not any(_is_number(c) for c in header_cells) else first  # skip a text header
    lines = lines[start:]
    cells = [c for c in _SPLIT.split("\n".join(lines).strip()) if c]
    if len(cells) < 2:
        raise LengthsError("need at least 2 observed lengths")
    if len(cells) > MAX_LENGTH_VALUES:
        raise LengthsError(f"{len(cells):,} values; the limit is {MAX_LENGTH_VALUES:,}")
    try:
        values = np.array(cells, dtype=float)
    except ValueError:
        values = None
    bad = None
    if values is not None:
        wrong = ~np.isfinite(values) | (values < 0) | (values != np.floor(values)) | (values > MAX_LENGTH)
        if wrong.any():
            bad = cells[int(np.argmax(wrong))]
    else:
        bad = next(c for c in cells if not _is_number(c))
    if bad is not None:
        line_no = next((start + i + 1 for i, line in enumerate(lines) if bad in _SPLIT.split(line)), None)
        where = f"line {line_no}: " if line_no is not None else ""
        shown = bad if len(bad) <= 30 else bad[:30] + "…"
        raise LengthsError(f"{where}{shown!r} is not a whole number of tokens between 0 and {MAX_LENGTH:,}")
    return values


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


# --- the lever: money ----------------------------------------------------------------------------------


def single_call(c: CallClass) -> bool:
    """A class this lever caps: one model call per request (agent tasks are out of scope)."""
    return c.loop is None


def call_output(c: CallClass) -> float:
    """A call's whole output today: visible answer plus reasoning (max_tokens caps their sum)."""
    return c.output_tokens + c.reasoning_tokens


def _has_output(c: CallClass) -> bool | np.ndarray:
    """A single-call class with requests and output (one bool per draw where they are drawn)."""
    return single_call(c) and (call_output(c) > 0) & (c.requests_per_month > 0)


def cappable(w: Workload, c: CallClass, cat: Catalogue) -> bool | np.ndarray:
    """A single-call class with requests, output and a priced model: what the lever caps (one bool per draw where
    requests or output are drawn). An unpriced model's class is left as it is (its money is unknown, never $0)."""
    return single_call(c) and model_prices(w, cat, c.model_key) is not None and _has_output(c)


def unpriced_classes(w: Workload, cat: Catalogue) -> tuple[str, ...]:
    """Single-call classes the lever would cap but cannot price."""
    return tuple(c.name for c in w.classes if _has_output(c) and model_prices(w, cat, c.model_key) is None)


def _with_output(c: CallClass, tokens: float) -> dict[str, float]:
    """`tokens` of a call's output split between visible and reasoning tokens as the class splits them today."""
    total = call_output(c)
    return {"output_tokens": tokens * c.output_tokens / total, "reasoning_tokens": tokens * c.reasoning_tokens / total}


def length_distribution(c: CallClass, x: OutputCapInputs) -> LogNormal:
    """A class's output lengths with the brevity instruction: mean (1 + beta) x today's output."""
    return _lengths(call_output(c), x.brevity_effect, x.p95_multiple)


def _lengths(output: float | np.ndarray, brevity_effect: float | np.ndarray,
             p95_multiple: float | np.ndarray) -> LogNormal:
    return LogNormal.from_mean(output * (1 + brevity_effect), p95_multiple)


def limit_cap(d: LogNormal | Empirical, max_truncation: float) -> float:
    """The tightest whole-token cap that cuts off at most `max_truncation` of these answers: the (1 - t) quantile,
    rounded up (max_tokens is a whole number), at least 1."""
    quantile = float(d.ppf(np.array([1 - max_truncation]))[0])
    return float(max(1, math.ceil(quantile * (1 - 1e-12))))


def limit_cap_draws(d: LogNormal, max_truncation: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`limit_cap` in every draw (`d` one distribution per draw), and the draws where it exists: math.ceil raises
    on an infinite or undefined quantile."""
    quantile = d.ppf(1 - np.asarray(max_truncation, dtype=float))
    finite = np.isfinite(quantile)
    return np.maximum(1.0, np.ceil(np.where(finite, quantile, 1.0) * (1 - 1e-12))), finite


def effective_cap(cap: float | np.ndarray, floor: float | np.ndarray) -> np.ndarray:
    """The cap a class gets: yours, raised to its limit cap where yours would cut off more than the limit allows."""
    return np.maximum(np.asarray(cap, dtype=float), floor)


def apply(w: Workload, x: OutputCapInputs, cat: Catalogue) -> Workload:
    """Every single-call class bills E[min(L', C_i)] per request and gains a redo class (requests x rho x q_i), where
    C_i is your cap, raised for that class to the tightest cap within the truncation limit if yours cuts off more."""

    def change(c: CallClass) -> CallClass | list[CallClass]:
        if not cappable(w, c, cat):
            return c
        billed, cut, redone = _capped(call_output(c), x.brevity_effect, x.p95_multiple, x.cap, x.max_truncation)
        capped = copied(c, **_with_output(c, billed))
        redo = _redo_requests(c, x.redo_share, cut)
        if redo <= 0:
            return capped
        return [capped, _redo_class(c, redo, redone)]

    return w.map(change)


def _redo_requests(c: CallClass, redo_share: float | np.ndarray, cut: float | np.ndarray) -> float | np.ndarray:
    return c.requests_per_month * redo_share * cut


def _redo_class(c: CallClass, requests: float | np.ndarray, redone: float | np.ndarray) -> CallClass:
    """The answers sent again without the cap: the same input, their full (uncut) length."""
    return copied(c, name=f"{c.name} · redo", requests_per_month=requests, **_with_output(c, redone))


def apply_draws(wd: WorkloadDraws, x: OutputCapInputs, cat: Catalogue) -> tuple[WorkloadDraws, np.ndarray]:
    """`apply` in every draw: a class is cappable where it has requests and output (per draw); its redo class
    exists where it redoes any request (per draw), as `apply` adds it only then."""
    w = wd.as_workload()
    ok = wd.everywhere()

    def change(v: Variant) -> Variant | list[Variant]:
        nonlocal ok
        c = v.c
        capping = wd.everywhere() & cappable(w, c, cat)
        if v.active is not None:
            capping = capping & v.active
        if not capping.any():
            return v
        output = call_output(c)
        # Where it does not cap, a draw computes on an output of 1 (no log of 0) and keeps its class as it is.
        billed, cut, redone, fits = _capped_draws(np.where(capping, output, 1.0), x.brevity_effect, x.p95_multiple,
                                                  x.cap, x.max_truncation)
        ok = ok & (fits | ~capping)
        capped = copied(c, **{k: np.where(capping, new, getattr(c, k)) for k, new in _with_output(c, billed).items()})
        redo = _redo_requests(c, x.redo_share, cut)
        redo_class = Variant(_redo_class(c, redo, redone)).within(capping & (redo > 0))
        return [v.with_class(capped)] + ([redo_class] if redo_class is not None else [])

    return wd.map(change), ok


@lru_cache(maxsize=4096)  # the tornado moves inputs that leave most classes' output as it is
def _capped(output: float, brevity_effect: float, p95_multiple: float, cap: int,
            max_truncation: float) -> tuple[float, float, float]:
    """A class whose calls output `output` tokens today, under the cap `apply` gives it (the larger of yours and its
    limit cap): the mean output tokens billed per request, the share of answers cut off, and their mean length."""
    dist = _lengths(output, brevity_effect, p95_multiple)
    c = np.array([max(float(cap), limit_cap(dist, max_truncation))])
    return float(dist.limited_mean(c)[0]), float(dist.sf(c)[0]), float(dist.tail_mean(c)[0])


def _capped_draws(output: np.ndarray, brevity_effect: float | np.ndarray, p95_multiple: float | np.ndarray,
                  cap: float | np.ndarray, max_truncation: float | np.ndarray) -> tuple[np.ndarray, ...]:
    """`_capped` in every draw, and the draws where its limit cap exists (see `limit_cap_draws`)."""
    dist = _lengths(output, brevity_effect, p95_multiple)
    floor, fits = limit_cap_draws(dist, max_truncation)
    c = effective_cap(cap, floor)
    return dist.limited_mean(c), dist.sf(c), dist.tail_mean(c), fits


def describe(x: OutputCapInputs) -> str:
    brevity = f", brevity instruction {x.brevity_effect:+.0%} output" if x.brevity_effect else ""
    return (f"max_tokens {x.cap:,} on single calls, raised for any class it would cut off more than "
            f"{x.max_truncation:.1%} of (p95 {x.p95_multiple:g}x the mean output), "
            f"{x.redo_share:.0%} of truncated answers redone{brevity}")


def idle(w: Workload, x: OutputCapInputs, cat: Catalogue) -> str | None:
    if not any(single_call(c) for c in w.classes):
        return "the workload is only agent tasks: capping each step of a loop is out of this lever's scope"
    if not any(c.requests_per_month > 0 for c in w.classes if single_call(c)):
        return "its single calls have no requests"
    if not any(_has_output(c) for c in w.classes):
        return "its single calls bill no output tokens"
    if not any(cappable(w, c, cat) for c in w.classes):
        return "its single calls' models have no price"
    return None


def main_class(w: Workload) -> CallClass | None:
    capped = [c for c in w.classes if single_call(c)]
    return max(capped, key=lambda c: c.requests_per_month) if capped else None


def defaults(w: Workload, cat: Catalogue) -> dict[str, object]:
    """A cap of twice the main class's p95 at the default spread (rounded up to a power of two, at least 4,096),
    and what the main model's provider's rate limit counts. A class with longer answers is not cut by it beyond the
    truncation limit: its cap is raised (see `apply`)."""
    main = main_class(w) or w.main_class
    if main is None:
        return {}
    spread = OutputCapInputs.model_fields["p95_multiple"].default
    out: dict[str, object] = {"cap": suggested_cap(spread * call_output(main))}
    prices = model_prices(w, cat, main.model_key)
    if prices is not None and prices.provider_id == "anthropic":
        out["limit_counts"] = "max_tokens only"
    return out


def caveat(w: Workload, x: OutputCapInputs, cat: Catalogue) -> str | None:
    """What the bar rests on: the classes whose cap was raised to stay within the truncation limit (with what one cap
    for every class would have booked, and where that money would have come from), or the answers cut off within it."""
    if not any(cappable(w, c, cat) for c in w.classes):
        return None
    m = cap_model(w, x, cat)
    if not m.classes:
        return None
    cap = np.array([float(x.cap)])
    raised = m.raised(float(x.cap))
    today = m.fixed + sum(f.money for f in m.followers) + sum(k.today for k in m.classes)
    if raised:
        names = "; ".join(f"{k.name}: {float(k.length.sf(cap)[0]):.1%} of answers cut off, so {k.floor:,.0f} tokens "
                          "instead" for k in raised)
        one_cap = m.no_limit_saving(float(x.cap)) / today if today > 0 else 0.0
        return (f"max_tokens {x.cap:,} would cut off more than your {x.max_truncation:.1%} truncation limit in "
                f"{len(raised)} class{'es' if len(raised) > 1 else ''} ({names}); the bar uses the tightest cap within "
                f"the limit there. One cap for every class would have claimed {one_cap:.1%} of the bill, from answers "
                "cut off and used as they are: not booked")
    truncation = float(m.truncation(cap)[0])
    if truncation >= 0.001 and m.bill(cap)[0] < m.no_cap_bill():
        return (f"the cap saves by cutting off {truncation:.2%} of answers (within your {x.max_truncation:.1%} limit) "
                f"and using {1 - x.redo_share:.0%} of them as they are")
    return None


LEVER = Lever(
    name="output_caps", label="Output caps", page="pages/output_caps.py",
    question="What does tuning max_tokens save in money, latency and throughput?",
    inputs=OutputCapInputs, apply=apply, describe=describe, defaults=defaults, idle=idle, caveat=caveat,
    draws=apply_draws,
    # Its caveat works on the classes apply caps (cappable: requests and output above zero, so its divisions are safe),
    # with the length distributions and limit caps apply computed first from the same inputs.
    notes_follow_apply=True,
)


# --- the page's analysis: every figure against the cap, exact by linearity ---------------------------------


@dataclass(frozen=True)
class HitLink:
    """A class whose cache hit rate is derived from the traffic reaching its cache (None in the workload): redone
    answers send the prefix again, so they raise that traffic and the rate, exactly as `resolve_hit_rates` does."""

    pool: int  # index into CapModel.pools
    prefixes: int  # distinct prefixes sharing the cache's traffic
    ttl_seconds: float
    hit_today: float
    per_hit: float  # USD a month the class's bill moves per unit of hit rate (its input side, on today's requests)

    def hit(self, traffic: np.ndarray) -> np.ndarray:
        return np.asarray(traffic_hit_rate(traffic / self.prefixes / HOURS_PER_MONTH, self.ttl_seconds))


@dataclass(frozen=True)
class CappedClass:
    """One single-call class's coefficients: its bill is input_money + per_output_token x (output tokens per
    request), exactly (a single call's tier does not depend on its output)."""

    name: str
    requests: float
    output_tokens: float  # visible + reasoning per request today
    length: LogNormal  # with the brevity instruction
    floor: float  # the tightest cap within the truncation limit: the class's cap is never below it
    input_money: float  # USD a month: the class with no output
    per_output_token: float  # USD a month per output token per request, at the class's tier
    attempts: float  # model calls per request (retries included): each reserves its tokens
    input_tokens: float  # one call's input (what an 'input + max_tokens' limit reserves besides the cap)
    pool: int | None = None  # the cache whose derived hit rate its redone requests raise (None: none follows traffic)
    hit: HitLink | None = None  # its own hit rate, where derived from the traffic

    def cap(self, caps: np.ndarray, within_limit: bool = True) -> np.ndarray:
        return effective_cap(caps, self.floor) if within_limit else np.asarray(caps, dtype=float)

    @property
    def today(self) -> float:
        """Its bill today (output as the workload states it)."""
        return self.input_money + self.per_output_token * self.output_tokens


@dataclass(frozen=True)
class Follower:
    """A class the lever does not cap whose derived hit rate follows a cache the redone requests reach."""

    name: str
    money: float  # USD a month today
    hit: HitLink


@dataclass(frozen=True)
class CapModel:
    """The workload's bill as an exact function of the cap: fixed money plus each capped class's."""

    classes: tuple[CappedClass, ...]
    fixed: float  # USD a month the lever does not touch: agent classes, overheads
    redo_share: float
    max_truncation: float = 1.0
    pools: tuple[float, ...] = ()  # calls a month reaching each cache whose derived hit rate redone requests move
    followers: tuple[Follower, ...] = ()

    @property
    def requests(self) -> float:
        return float(sum(k.requests for k in self.classes))

    @property
    def main(self) -> CappedClass | None:
        return max(self.classes, key=lambda k: k.requests) if self.classes else None

    def _parts(self, caps: np.ndarray, rho: float, within_limit: bool) -> tuple[list[np.ndarray], np.ndarray]:
        """Each capped class's money a month at each cap (redone requests included), and the followers' money."""
        caps = np.asarray(caps, dtype=float)
        traffic = [np.full(caps.shape, t) for t in self.pools]
        terms = []
        for k in self.classes:
            c = k.cap(caps, within_limit)
            unbounded = np.isinf(c)
            safe = np.where(unbounded, 1.0, c)
            q = np.where(unbounded, 0.0, k.length.sf(safe))
            tail = np.where(unbounded, 0.0, k.length.tail_mass(safe))
            if k.pool is not None:
                traffic[k.pool] = traffic[k.pool] + rho * k.requests * q
            terms.append((k, q, tail, k.length.limited_mean(c)))
        money = []
        for k, q, tail, first in terms:
            inputs = k.input_money + (k.hit.per_hit * (k.hit.hit(traffic[k.hit.pool]) - k.hit.hit_today)
                                      if k.hit is not None else 0.0)
            money.append(inputs * (1 + rho * q) + k.per_output_token * (first + rho * tail))
        followers = np.zeros(caps.shape)
        for f in self.followers:
            followers = followers + f.money + f.hit.per_hit * (f.hit.hit(traffic[f.hit.pool]) - f.hit.hit_today)
        return money, followers

    def class_bills(self, caps: np.ndarray, within_limit: bool = True) -> list[np.ndarray]:
        """Each capped class's money a month at each cap, its redone requests included."""
        return self._parts(caps, self.redo_share, within_limit)[0]

    def bill(self, caps: np.ndarray, rho: float | None = None, within_limit: bool = True) -> np.ndarray:
        """Monthly bill at each cap (inf: no cap). `within_limit`: each class's cap raised to its limit cap, as the
        lever applies it; False: the one cap on every class whatever it cuts off (what the lever refuses to book)."""
        caps = np.asarray(caps, dtype=float)
        money, followers = self._parts(caps, self.redo_share if rho is None else rho, within_limit)
        total = np.full(caps.shape, self.fixed) + followers
        for part in money:
            total = total + part
        return total

    def no_cap_bill(self) -> float:
        return float(self.bill(np.array([np.inf]))[0])

    def _weighted(self, per_class) -> np.ndarray:
        n = self.requests
        return sum(k.requests * per_class(k) for k in self.classes) / n if n > 0 else 0.0

    def truncation(self, caps: np.ndarray, within_limit: bool = True) -> np.ndarray:
        """Share of single-call requests whose answer the cap cuts off."""
        caps = np.asarray(caps, dtype=float)
        return np.asarray(self._weighted(lambda k: k.length.sf(k.cap(caps, within_limit))) + np.zeros(caps.shape))

    def raised(self, cap: float) -> tuple[CappedClass, ...]:
        """The classes this cap would cut off more than the limit allows: their cap is raised to their limit cap."""
        return tuple(k for k in self.classes if cap < k.floor)

    @property
    def within_limit_cap(self) -> float | None:
        """The smallest single cap that no class needs raised: the largest of the classes' limit caps."""
        return max((k.floor for k in self.classes), default=None)

    def no_limit_saving(self, cap: float) -> float:
        """What one cap for every class would save against today's bill, whatever it cuts off (not booked)."""
        today = self.fixed + sum(f.money for f in self.followers) + sum(k.today for k in self.classes)
        return today - float(self.bill(np.array([float(cap)]), within_limit=False)[0])

    def cut_and_kept(self, cap: float, classes: tuple[CappedClass, ...]) -> float:
        """USD a month of the output these classes' cut-off answers no longer bill, on the answers kept as they are
        (not redone): (1 - rho) x B x E[(L' - C)+]. The part of a cap's saving that is a shorter answer, not a cheaper
        one."""
        c = np.array([float(cap)])
        return float(sum((1 - self.redo_share) * k.per_output_token
                         * (k.length.mean - float(k.length.limited_mean(c)[0])) for k in classes))

    def redo_money(self, cap: float, classes: tuple[CappedClass, ...]) -> float:
        """USD a month the redone answers of these classes add at this cap: a second input and the C tokens wasted on
        the cut attempt, rho q (A + B C) (at today's hit rate)."""
        c = np.array([float(cap)])
        return float(sum(self.redo_share * float(k.length.sf(c)[0]) * (k.input_money + k.per_output_token * cap)
                         for k in classes))

    def optimal_cap(self) -> float | None:
        """The cheapest cap, every class's cap raised to its limit cap where needed; None when no cap beats no cap.

        Below the smallest limit cap every class is at its floor, so the search runs from there to the far tail: local
        minima of the exact bill are bracketed on a log grid and polished with a bounded scalar minimiser (the bill
        itself, not a grid reading); the floors and the lower end are candidates too. A minimum must beat no cap."""
        if not self.classes:
            return None
        floors = sorted({k.floor for k in self.classes})
        lo = floors[0]
        hi = max(float(k.length.ppf(np.array([1 - 1e-12]))[0]) for k in self.classes)
        no_cap = self.no_cap_bill()
        tolerance = 1e-12 * max(abs(no_cap), 1e-300)
        candidates = [lo, *(f for f in floors if f <= hi)]
        if hi > lo:
            grid = np.linspace(math.log(lo), math.log(hi), 400)
            bills = self.bill(np.exp(grid))
            scalar = lambda log_c: float(self.bill(np.array([math.exp(log_c)]))[0])  # noqa: E731
            inner = np.flatnonzero((bills[1:-1] <= bills[:-2]) & (bills[1:-1] <= bills[2:])
                                   & (bills[1:-1] < no_cap - tolerance)) + 1
            from scipy.optimize import minimize_scalar  # here, not at the top: ~0.4 s of a cold start

            for i in inner:
                found = minimize_scalar(scalar, bounds=(grid[i - 1], grid[i + 1]), method="bounded",
                                        options={"xatol": 1e-10})
                candidates.append(math.exp(float(found.x)))
        values = self.bill(np.array(candidates))
        best = int(np.argmin(values))
        return float(candidates[best]) if values[best] < no_cap - tolerance else None

    def break_even_redo_share(self, cap: float) -> float | None:
        """The redo share at which this cap bills exactly what no cap bills (brevity applied to both); None when the
        cap truncates nothing. Linear in rho where no hit rate follows the traffic: rho* = sum B E[(L - C)+] /
        sum (A q + B E[L; L > C]); solved with brentq on the exact bill in general (1.0: it saves at any share)."""
        c = np.array([float(cap)])
        if not any(float(k.length.sf(k.cap(c))[0]) > 0 for k in self.classes):
            return None
        no_cap = self.no_cap_bill()
        gap = lambda rho: float(self.bill(c, rho)[0]) - no_cap  # noqa: E731
        if gap(1.0) <= 0:
            return 1.0
        if gap(0.0) >= 0:
            return 0.0
        from scipy.optimize import brentq  # here, not at the top: ~0.4 s of a cold start

        return float(brentq(gap, 0.0, 1.0, xtol=1e-15, rtol=1e-15))

    def requests_per_minute(self, caps: np.ndarray, x: OutputCapInputs) -> np.ndarray:
        """What the limit admits: limit / tokens reserved per request (each attempt reserves its class's cap, plus
        its input where counted; retries and redos are attempts), whatever the answers' real length."""
        caps = np.asarray(caps, dtype=float)
        counted = x.limit_counts == "input + max_tokens"

        def reserved(k: CappedClass) -> np.ndarray:
            c = k.cap(caps)
            return k.attempts * (1 + self.redo_share * k.length.sf(c)) * (c + (k.input_tokens if counted else 0.0))

        return np.asarray(x.tpm_limit / self._weighted(reserved)) if self.classes else np.full(caps.shape, np.nan)


def _hit_links(w: Workload, capped: set[str], cat: Catalogue, silent: Workload) -> tuple[
        tuple[float, ...], dict[str, int], dict[str, HitLink]]:
    """The caches whose derived hit rate redone requests move: a capped class with a prefix sends its redos there, and
    some class there derives its rate from the traffic. For each class with such a rate, its money per unit of hit
    rate, from the silent workload priced at hit rates 0 and 1 (the bill is affine in the hit rate)."""
    def derived(c: CallClass) -> bool:
        return c.cache != "off" and c.cache_hit_rate is None

    reached = {cache_pool(c) for c in w.classes if c.name in capped and c.prefix_tokens > 0}
    live = [p for p in dict.fromkeys(cache_pool(c) for c in w.classes if derived(c)) if p in reached]
    if not live:
        return (), {}, {}
    index = {p: i for i, p in enumerate(live)}
    traffic = pool_traffic(w)
    moving = {c.name for c in w.classes if derived(c) and cache_pool(c) in index}
    at = [price(silent.map(lambda c, h=h: copied(c, cache_hit_rate=h) if c.name in moving else c), cat)
          for h in (0.0, 1.0)]
    resolved = {c.name: c.cache_hit_rate for c in resolve_hit_rates(w).classes}
    links = {}
    for c, zero, one_ in zip(w.classes, at[0].classes, at[1].classes, strict=True):
        if c.name in moving:
            links[c.name] = HitLink(pool=index[cache_pool(c)], prefixes=c.cache_prefixes,
                                    ttl_seconds=TTL_SECONDS[c.cache], hit_today=float(resolved[c.name] or 0.0),
                                    per_hit=one_.total - zero.total)
    pools = {c.name: index[cache_pool(c)] for c in w.classes if c.name in capped and cache_pool(c) in index
             and c.prefix_tokens > 0}
    return tuple(traffic[p] for p in live), pools, links


def cap_model(w: Workload, x: OutputCapInputs, cat: Catalogue, today: Bill | None = None) -> CapModel:
    """The coefficients, from two priced workloads: today's and the same with every capped class's output at 0 (two
    more where a derived hit rate follows the traffic that redone requests add)."""
    today = today if today is not None else price(w, cat)
    capped = {c.name for c in w.classes if cappable(w, c, cat)}
    silent = w.map(lambda c: copied(c, output_tokens=0.0, reasoning_tokens=0.0)
                   if c.name in capped else c)
    without = price(silent, cat)
    pools, sends_to, links = _hit_links(w, capped, cat, silent)
    classes, followers, fixed = [], [], today.overhead_total
    for c, now, inputs in zip(w.classes, today.classes, without.classes, strict=True):
        if c.name not in capped:
            if c.name in links:
                followers.append(Follower(name=c.name, money=now.total, hit=links[c.name]))
            else:
                fixed += now.total
            continue
        length = length_distribution(c, x)
        classes.append(CappedClass(
            name=c.name, requests=c.requests_per_month, output_tokens=call_output(c), length=length,
            floor=limit_cap(length, x.max_truncation), input_money=inputs.total,
            per_output_token=(now.total - inputs.total) / call_output(c), attempts=now.calls / c.requests_per_month,
            input_tokens=c.input_tokens, pool=sends_to.get(c.name), hit=links.get(c.name)))
    return CapModel(classes=tuple(classes), fixed=fixed, redo_share=x.redo_share, max_truncation=x.max_truncation,
                    pools=pools, followers=tuple(followers))


def latency_quantile(d: LogNormal | Empirical, caps: np.ndarray, p: float, rho: float, ttft: float,
                     tpot: float) -> np.ndarray:
    """The p-quantile of one request's latency (ms), in closed form from the length quantile function.

    A response of N tokens takes ttft + (N - 1) tpot (TTFT includes the first token). An answer that fits takes
    ttft + (L - 1) tpot; a truncated one ttft + (C - 1) tpot; a redone one waits for both attempts,
    2 ttft + (C - 1 + L - 1) tpot. Latency rises with L on each branch and the branches are ordered, so with
    q = P(L > C): p <= 1 - q: the fits' F^-1(p); p <= 1 - rho q: the truncated; else the redone at level
    1 - (1 - p) / rho of L.
    """
    caps = np.asarray(caps, dtype=float)
    q = d.sf(caps)

    def decode(tokens: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):  # inf x 0 when there is no cap and no decode time
            return np.where(tokens > 1, (tokens - 1) * tpot, 0.0) if tpot else np.zeros(np.shape(tokens))

    fits = ttft + decode(d.ppf(np.full(caps.shape, p)))
    cut = np.where(np.isinf(caps), np.inf, ttft + decode(caps))
    level = max(1 - (1 - p) / rho, 0.0) if rho > 0 else 0.0  # only used where p > 1 - rho q, so rho > 0
    redone = 2 * ttft + decode(caps) + decode(d.ppf(np.full(caps.shape, level)))
    return np.where(p <= 1 - q, np.minimum(fits, cut), np.where(p <= 1 - rho * q, cut, redone))


@dataclass(frozen=True)
class ClassCap:
    """One capped class at your cap: what it gets and what it costs or saves."""

    name: str
    requests: float
    mean_tokens: float  # after the brevity instruction
    p95_tokens: float
    limit_cap: float  # the tightest cap within the truncation limit
    cap: float  # the cap it gets: yours, or its limit cap where yours cuts off more
    raised: bool
    truncation: float  # at the cap it gets
    truncation_at_your_cap: float  # what your cap alone would cut off
    saving: float  # USD a month: its bill today minus its bill at the cap it gets, redone answers included


@dataclass(frozen=True)
class OneCapForAll:
    """Your cap applied to every class whatever it cuts off: what the lever refuses to book, and why."""

    saving: float  # USD a month against today
    raised: tuple[str, ...]  # the classes it would cut beyond the limit
    cut_and_kept: float  # USD a month: their cut-off answers' tokens, on answers kept as they are (not redone)
    redo_cost: float  # USD a month their redone answers would add
    truncation: float  # over single-call requests


@dataclass(frozen=True)
class OutputCapResult(TodayAndAfter):
    today: Bill
    after: Bill
    model: CapModel
    cap: int
    main_name: str | None  # the single-call class with the most requests: its lengths and latency are shown
    mean_tokens: float | None  # of the main class, today (visible + reasoning)
    mean_after_brevity: float | None
    p50_tokens: float | None  # of the main class, after brevity
    p95_tokens: float | None
    truncation_rate: float  # over single-call requests, at the caps the classes get
    redo_rate: float
    first_attempt_tokens: float  # E[min(L', C)] per single-call request
    billed_output_tokens: float  # first attempts plus redone answers, per single-call request
    no_cap_tokens: float  # output tokens per single-call request with no cap (brevity applied)
    no_cap_bill: float  # the brevity instruction without a cap
    latency_p50_ms: float | None  # main class
    latency_p95_ms: float | None
    uncapped_latency_p95_ms: float | None
    requests_per_minute: float | None
    average_requests_per_minute: float
    break_even_redo_share: float | None
    optimal_cap: float | None
    optimal_bill: float | None
    truncation_limit_cap: float | None  # the smallest single cap no class needs raised
    classes: tuple[ClassCap, ...] = ()
    one_cap: OneCapForAll | None = None  # set when your cap would cut some class beyond the limit
    unpriced: tuple[str, ...] = ()  # single-call classes left as they are: their model has no price

    @property
    def brevity_saving(self) -> float:
        return self.today.total - self.no_cap_bill

    @property
    def cap_saving(self) -> float:
        """What the cap adds to the brevity instruction's saving (negative: it costs)."""
        return self.no_cap_bill - self.after.total

    @property
    def raised(self) -> tuple[ClassCap, ...]:
        return tuple(k for k in self.classes if k.raised)

    @property
    def optimal_saving(self) -> float | None:
        """What the cheapest cap within the truncation limit saves a month against today (None: no cap beats none)."""
        return self.today.total - self.optimal_bill if self.optimal_bill is not None else None


def evaluate(w: Workload, x: OutputCapInputs, cat: Catalogue, today: Bill | None = None) -> OutputCapResult:
    today = today if today is not None else price(w, cat)
    after = price(apply(w, x, cat), cat)
    m = cap_model(w, x, cat, today)
    cap = np.array([float(x.cap)])
    main = m.main
    n = m.requests
    first = float(m._weighted(lambda k: k.length.limited_mean(k.cap(cap))[0])) if n else 0.0
    billed = float(m._weighted(lambda k: k.length.limited_mean(k.cap(cap))[0]
                               + x.redo_share * k.length.tail_mass(k.cap(cap))[0])) if n else 0.0
    truncation = float(m.truncation(cap)[0]) if n else 0.0
    best = m.optimal_cap()

    def latency(p: float, caps: np.ndarray) -> float | None:
        if main is None:
            return None
        return float(latency_quantile(main.length, caps, p, x.redo_share, x.ttft_ms, x.ms_per_token)[0])

    per_class = m.class_bills(cap)
    classes = tuple(
        ClassCap(name=k.name, requests=k.requests, mean_tokens=k.length.mean,
                 p95_tokens=float(k.length.ppf(np.array([0.95]))[0]), limit_cap=k.floor,
                 cap=float(k.cap(cap)[0]), raised=x.cap < k.floor, truncation=float(k.length.sf(k.cap(cap))[0]),
                 truncation_at_your_cap=float(k.length.sf(cap)[0]), saving=k.today - float(money[0]))
        for k, money in zip(m.classes, per_class, strict=True))
    raised = m.raised(float(x.cap))
    one_cap = OneCapForAll(
        saving=m.no_limit_saving(float(x.cap)), raised=tuple(k.name for k in raised),
        cut_and_kept=m.cut_and_kept(float(x.cap), raised), redo_cost=m.redo_money(float(x.cap), raised),
        truncation=float(m.truncation(cap, within_limit=False)[0])) if raised else None
    quantiles = main.length.ppf(np.array([0.5, 0.95])) if main is not None else (None, None)
    main_cap = main.cap(cap) if main is not None else cap
    return OutputCapResult(
        today=today, after=after, model=m, cap=x.cap, main_name=main.name if main else None,
        mean_tokens=main.output_tokens if main else None, mean_after_brevity=main.length.mean if main else None,
        p50_tokens=float(quantiles[0]) if main else None, p95_tokens=float(quantiles[1]) if main else None,
        truncation_rate=truncation, redo_rate=x.redo_share * truncation, first_attempt_tokens=first,
        billed_output_tokens=billed, no_cap_tokens=float(m._weighted(lambda k: k.length.mean)) if n else 0.0,
        no_cap_bill=m.no_cap_bill(),
        latency_p50_ms=latency(0.5, main_cap), latency_p95_ms=latency(0.95, main_cap),
        uncapped_latency_p95_ms=latency(0.95, np.array([np.inf])),
        requests_per_minute=float(m.requests_per_minute(cap, x)[0]) if n else None,
        average_requests_per_minute=n / (HOURS_PER_MONTH * 60),
        break_even_redo_share=m.break_even_redo_share(x.cap), optimal_cap=best,
        optimal_bill=float(m.bill(np.array([best]))[0]) if best is not None else None,
        truncation_limit_cap=m.within_limit_cap, classes=classes, one_cap=one_cap,
        unpriced=unpriced_classes(w, cat),
    )


def class_frame(r: OutputCapResult) -> pd.DataFrame:
    """One row per capped class: its lengths, the cap it gets (and why), what it cuts off, and its saving."""
    return pd.DataFrame([{
        "call class": k.name, "requests per month": k.requests, "mean output": k.mean_tokens,
        "p95 output": k.p95_tokens,
        "tightest cap within limit": k.limit_cap, "cap used": k.cap, "raised": k.raised,
        "cut off at your cap": k.truncation_at_your_cap, "cut off": k.truncation, "monthly saving": k.saving,
    } for k in r.classes], columns=["call class", "requests per month", "mean output", "p95 output",
                                    "tightest cap within limit", "cap used", "raised", "cut off at your cap", "cut off",
                                    "monthly saving"])


def cap_range(r: OutputCapResult, marks: tuple[float, ...] = ()) -> tuple[float, float]:
    """Chart range: from below the quartile to past the far tail, covering the cap, the limit cap and `marks`."""
    lengths = [k.length for k in r.model.classes]
    low = min((float(d.ppf(np.array([0.25]))[0]) for d in lengths), default=1.0)
    high = max((float(d.ppf(np.array([0.9999]))[0]) for d in lengths), default=float(r.cap))
    points = [float(r.cap), *(p for p in (r.truncation_limit_cap, *marks) if p)]
    lo = max(1.0, min(low, *(p / 2 for p in points)))
    hi = max(high * 1.5, *(p * 2 for p in points), lo * 10)
    return lo, min(hi, 1e7)


def curves(r: OutputCapResult, x: OutputCapInputs, marks: tuple[float, ...] = (), points: int = 120) -> pd.DataFrame:
    """Every figure against the cap (log-spaced, plus the cap, the limit cap and `marks` exactly), from the same
    coefficients as the headline: the bill column equals price() of the capped workload at every cap. Columns ending
    in `_one_cap` apply the cap to every class whatever it cuts off: what the lever does not book."""
    m = r.model
    lo, hi = cap_range(r, marks)
    exact = [float(x.cap), *(p for p in (r.truncation_limit_cap, *marks) if p)]
    caps = np.unique(np.concatenate([np.geomspace(lo, hi, points), [c for c in exact if lo <= c <= hi]]))
    flat = np.ones_like(caps)
    n = m.requests
    main = m.main
    frame = {
        "cap": caps,
        "bill": m.bill(caps),
        "bill_one_cap": m.bill(caps, within_limit=False),
        "no_cap_bill": flat * m.no_cap_bill(),
        "today": flat * r.today.total,
        "truncation_rate": m.truncation(caps) if n else 0 * caps,
        "truncation_rate_one_cap": m.truncation(caps, within_limit=False) if n else 0 * caps,
        "billed_output_tokens": np.asarray(m._weighted(lambda k: k.length.limited_mean(k.cap(caps)) + x.redo_share
                                                       * k.length.tail_mass(k.cap(caps)))) + 0 * caps
        if n else 0 * caps,
        "first_attempt_tokens": np.asarray(m._weighted(lambda k: k.length.limited_mean(k.cap(caps)))) + 0 * caps
        if n else 0 * caps,
        "no_cap_mean_tokens": flat * float(m._weighted(lambda k: k.length.mean)) if n else 0 * caps,
        "requests_per_minute": m.requests_per_minute(caps, x) if n else np.full(caps.shape, np.nan),
        "average_requests_per_minute": flat * n / (HOURS_PER_MONTH * 60),
    }
    frame["redo_rate"] = x.redo_share * frame["truncation_rate"]
    for p, column in ((0.5, "latency_p50_s"), (0.95, "latency_p95_s")):
        frame[column] = (latency_quantile(main.length, main.cap(caps), p, x.redo_share, x.ttft_ms, x.ms_per_token)
                         / 1000 if main is not None else np.full(caps.shape, np.nan))
    return pd.DataFrame(frame)


# --- observed lengths: an extra analysis (the link cannot carry a file, so the money uses the log-normal) -------


def observed_curves(r: OutputCapResult, x: OutputCapInputs, observed: np.ndarray, points: int = 200) -> pd.DataFrame:
    """The main class against the cap, with the uploaded lengths (brevity applied) beside the log-normal from the
    link: its monthly bill, truncation rate and billed tokens per request, from the same coefficients (at today's hit
    rate). Each keeps to the truncation limit as the lever does: a cap that would cut off more is raised to that
    distribution's own limit cap."""
    main = r.model.main
    if main is None:
        return pd.DataFrame()
    data = Empirical.of(observed).scaled(1 + x.brevity_effect)
    top = max(float(data.lengths[-1]), float(main.length.ppf(np.array([0.9999]))[0]), float(x.cap)) * 1.5
    bottom = max(1.0, min(float(data.ppf(np.array([0.25]))[0]) or 1.0, float(main.length.ppf(np.array([0.25]))[0])))
    caps = np.unique(np.concatenate([np.geomspace(bottom, max(top, bottom * 10), points), [float(x.cap)]]))
    rho = x.redo_share
    frame: dict[str, np.ndarray] = {"cap": caps}
    for name, d in (("observed", data), ("log_normal", main.length)):
        used = effective_cap(caps, limit_cap(d, x.max_truncation))
        q = d.sf(used)
        tokens = d.limited_mean(used) + rho * d.tail_mass(used)
        frame[f"{name}_bill"] = main.input_money * (1 + rho * q) + main.per_output_token * tokens
        frame[f"{name}_truncation"] = q
        frame[f"{name}_tokens"] = tokens
    return pd.DataFrame(frame)


@dataclass(frozen=True)
class ObservedLengths:
    """An uploaded list of lengths, summarised: what the page offers to put into the link and the workload."""

    n: int
    mean: float
    p50: float
    p95: float

    @classmethod
    def of(cls, observed: np.ndarray) -> ObservedLengths:
        d = Empirical.of(observed)
        p50, p95 = (float(v) for v in d.ppf(np.array([0.5, 0.95])))
        return cls(n=d.n, mean=d.mean, p50=p50, p95=p95)

    @property
    def p95_multiple(self) -> float | None:
        return self.p95 / self.mean if self.mean > 0 else None

    @property
    def spread_fits(self) -> bool:
        """A log-normal with this mean can have this p95 (and the spread input accepts it)."""
        k = self.p95_multiple
        return k is not None and MIN_P95_MULTIPLE <= round(k, 2) <= MAX_P95_MULTIPLE

    def visible_output(self, reasoning_tokens: float) -> int | None:
        """The workload's visible output tokens that make a call's mean output this list's mean (observed lengths are
        whole outputs, reasoning included, as usage logs report completion tokens); None if it would be below 1."""
        tokens = round(self.mean - reasoning_tokens)
        return int(tokens) if tokens >= 1 else None


EXPLANATION = r"""
**A call's output** is its visible answer plus its reasoning tokens: max_tokens caps their sum (reasoning tokens
count toward it), and the billed tokens split between the two as the class splits them today.

**Lengths.** The output lengths *L* of each single-call class follow a log-normal whose **mean is the class's output
today** (the sidebar's output plus reasoning tokens per request), so with no cap the bill is exactly the sidebar's.
The spread is one number, the p95 as a multiple *k* of the mean: ln *L* ~ Normal(μ, σ) with
1.645 σ − σ²/2 = ln *k* (the smaller root, σ = 1.645 − √(1.645² − 2 ln *k*)) and μ = ln(mean) − σ²/2. A log-normal
with a given mean cannot have *k* above e^(1.645²/2) = 3.87. The default *k* = 2.4 is a p95 three times the median.
A brevity instruction multiplies every length by (1 + β): *L'* = (1 + β) *L*.

**A cap *C*** bills E[min(*L'*, *C*)] output tokens per request and truncates *q* = P(*L'* > *C*) of answers. With
*z* = (ln *C* − μ')/σ and mean *m'*: E[min(*L'*, *C*)] = *m'* Φ(*z* − σ) + *C* (1 − Φ(*z*)). A share ρ of truncated
answers is redone: a **redo class** of requests × ρ × *q* with the same input and the full uncapped answer,
E[*L'* | *L'* > *C*] tokens (the answer was long because the task needed it), on top of the *C* tokens already
billed. Truncated answers that are not redone are used as they are.

**The truncation limit is a limit.** A cap saves money only by cutting answers off: the tokens it no longer
bills are the tails of answers that are then used as they are. So the lever never books a cut beyond your
*highest acceptable truncation rate t*: each class gets the cap you set, **or the tightest cap within the limit for
that class** (the (1 − *t*) quantile of its lengths, rounded up to a whole token) if yours would cut off more of its
answers. One max_tokens for every class is rarely what a team sends when its classes' answers differ tenfold; it is
set per call site, and this is the per-class cap a careful engineer would set. The page names every class whose cap
is raised and shows what one cap for every class would have claimed, and how much of that would have come from
answers cut off and kept as they are.

**Scope.** Single calls only. An agent task's steps re-send the earlier steps' answers, so a cap on each step
changes the history too: out of this lever's scope, and agent tasks are billed as today. A class whose model has
no price is left as it is (its money is unknown, never $0).

**Money** comes from the one pricing function: today's bill − the bill of the capped workload (with its redo
classes). A single call's input does not depend on its output, so its long-context tier does not either, and each
class's bill is *A* + *B* × (output tokens per request): *A* its input money (output set to 0) and *B* its money per
output token, from two priced workloads. The bill at any cap is then exact:
Σ *A* (1 + ρ *q*) + *B* (E[min(*L'*, *C*)] + ρ E[*L'*; *L'* > *C*]) plus what the lever does not touch. The cap saves
only the cut-off tails of answers you keep, and wastes *C* tokens and a second input on every answer you redo. Where
a cache's hit rate is derived from its traffic (OpenAI's automatic caching), redone requests add to that traffic: the
hit rate of every class sharing the cache follows, exactly as the pricing function derives it, and the bill is affine
in the hit rate (two more priced workloads give the slope).

**Break-even redo share** ρ\* = Σ *B* E[(*L'* − *C*)⁺] / Σ (*A q* + *B* E[*L'*; *L'* > *C*]): above it the cap costs
more than no cap (solved with a root-finder on the exact bill where a hit rate follows the traffic).

**Cost-optimal cap**: the cheapest cap, each class's cap raised to its limit cap where needed (a cap below the
median would "save" by cutting most answers off, which is not a max_tokens setting). Local minima of the exact bill
are bracketed on a grid and polished with a bounded minimiser. If no cap beats no cap, none is marked.

**Latency** (the class with the most requests): time to first token already contains the first token, so a response
of *N* tokens takes TTFT + (*N* − 1) × time per output token; a redone answer waits for both attempts. The p50/p95
come in closed form from the length quantiles.

**Throughput**: a limiter that reserves max_tokens (plus input, where counted) per attempt admits
limit ÷ (reservation × attempts per request × (1 + ρ *q*)) requests per minute, whatever the answers' real length.
A redo reserves as much as a first attempt. A loose cap costs no money but lowers this ceiling.

**Observed lengths.** An uploaded list cannot travel in the page link, so the money (the headline and the
Overview's bar) always uses the log-normal. With a file loaded, the page shows its curves beside the log-normal's
for the main class, and offers to use its p95 ÷ mean as the spread and its mean as the workload's output.
"""
