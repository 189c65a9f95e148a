"""Output caps lever: what does a max_tokens cap (and a brevity instruction) do to the bill, latency and throughput?

A call's output is its visible answer plus its reasoning tokens: max_tokens caps their sum (reasoning tokens count
toward it), and the billed tokens split between the two pro rata. Output lengths L of a class follow a log-normal
whose **mean is the class's output today** (visible + reasoning, as the workload states it) and whose spread is one
input, the p95 as a multiple of the mean. A brevity instruction scales every length by (1 + beta): L' = (1 + beta) L.

A cap C bills E[min(L', C)] output tokens on each request and truncates q = P(L' > C) of the answers; a share rho
of those must be redone without the cap: a new request with the same input and the full uncapped answer,
E[L' | L' > C] tokens (the answer was long because the task needed it). So every single-call class bills the capped
mean, and gains a redo class of requests x rho x q. Agent tasks are out of scope: a cap on each step of a loop
changes the history the later steps re-send, which this lever does not model.

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
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator
from scipy import special
from scipy.optimize import brentq

from calculators.bill import Bill, model_prices, price
from calculators.lever import Lever, TodayAndAfter
from calculators.prices import Catalogue
from calculators.workload import HOURS_PER_MONTH, CallClass, Workload

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
        description="The max_tokens (max_output_tokens) you send; reasoning tokens count toward it. Default: the "
        "smallest power of two at least twice the p95, and at least 4,096 (illustrative).",
    )
    redo_share: float = Field(
        0.1, ge=0, le=1, title="Truncated answers that must be redone",
        json_schema_extra={"key": "cap.redo", "percent": True},
        description="Share of cut-off answers that are useless and are sent again without the cap (illustrative).",
    )
    max_truncation: float = Field(
        0.02, ge=0.0001, le=0.5, title="Highest acceptable truncation rate",
        json_schema_extra={"key": "cap.max_trunc", "percent": True, "step": 0.5},
        description="The cost-optimal cap is searched among caps that cut off at most this share of answers "
        "(illustrative).",
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


def suggested_cap(p95_tokens: float) -> int:
    """Illustrative default: the smallest power of two at least 2x the p95, never below 4,096."""
    return int(min(200_000, max(4_096, 2 ** math.ceil(math.log2(max(2 * p95_tokens, 1))))))


# --- length distributions ---------------------------------------------------------------------------


def sigma_for(p95_multiple: float) -> float:
    """The log-normal sigma whose p95 is `p95_multiple` x its mean: 1.645 sigma - sigma^2/2 = ln k, exactly.

    Two sigmas solve it; we take the smaller, sigma = 1.645 - sqrt(1.645^2 - 2 ln k), on the branch where a wider
    spread means a longer p95 (the other root puts most answers near zero under a far tail)."""
    return Z95 - math.sqrt(max(Z95**2 - 2 * math.log(p95_multiple), 0.0))


@dataclass(frozen=True)
class LogNormal:
    """ln L ~ Normal(mu, sigma), parametrised by its mean: mu = ln(mean) - sigma^2/2."""

    mean: float
    sigma: float

    @classmethod
    def from_mean(cls, mean: float, p95_multiple: float) -> LogNormal:
        return cls(mean=float(mean), sigma=sigma_for(p95_multiple))

    @property
    def mu(self) -> float:
        return math.log(self.mean) - self.sigma**2 / 2

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


def _capped(c: CallClass) -> bool:
    return single_call(c) and call_output(c) > 0 and c.requests_per_month > 0


def _with_output(c: CallClass, tokens: float) -> dict[str, float]:
    """`tokens` of a call's output split between visible and reasoning tokens as the class splits them today."""
    total = call_output(c)
    return {"output_tokens": tokens * c.output_tokens / total, "reasoning_tokens": tokens * c.reasoning_tokens / total}


def length_distribution(c: CallClass, x: OutputCapInputs) -> LogNormal:
    """A class's output lengths with the brevity instruction: mean (1 + beta) x today's output."""
    return LogNormal.from_mean(call_output(c) * (1 + x.brevity_effect), x.p95_multiple)


def apply(w: Workload, x: OutputCapInputs, cat: Catalogue) -> Workload:
    """Every single-call class bills E[min(L', C)] per request and gains a redo class (requests x rho x q)."""
    cap = np.array([float(x.cap)])

    def change(c: CallClass) -> CallClass | list[CallClass]:
        if not _capped(c):
            return c
        dist = length_distribution(c, x)
        capped = c.model_copy(update=_with_output(c, float(dist.limited_mean(cap)[0])))
        redo = c.requests_per_month * x.redo_share * float(dist.sf(cap)[0])
        if redo <= 0:
            return capped
        return [capped, c.model_copy(update={"name": f"{c.name} · redo", "requests_per_month": redo,
                                             **_with_output(c, float(dist.tail_mean(cap)[0]))})]

    return w.map(change)


def describe(x: OutputCapInputs) -> str:
    brevity = f", brevity instruction {x.brevity_effect:+.0%} output" if x.brevity_effect else ""
    return (f"max_tokens {x.cap:,} on single calls (p95 {x.p95_multiple:g}x the mean output), "
            f"{x.redo_share:.0%} of truncated answers redone{brevity}")


def idle(w: Workload, x: OutputCapInputs, cat: Catalogue) -> str | None:
    if not any(single_call(c) for c in w.classes):
        return "the workload is only agent tasks: capping each step of a loop is out of this lever's scope"
    if not any(_capped(c) for c in w.classes):
        return "its single calls bill no output tokens"
    return None


def main_class(w: Workload) -> CallClass | None:
    capped = [c for c in w.classes if single_call(c)]
    return max(capped, key=lambda c: c.requests_per_month) if capped else None


def defaults(w: Workload, cat: Catalogue) -> dict[str, object]:
    """A cap of twice the main class's p95 at the default spread (rounded up to a power of two, at least 4,096),
    and what the main model's provider's rate limit counts."""
    main = main_class(w) or w.main_class
    if main is None:
        return {}
    spread = OutputCapInputs.model_fields["p95_multiple"].default
    out: dict[str, object] = {"cap": suggested_cap(spread * call_output(main))}
    prices = model_prices(w, cat, main.model_key)
    if prices is not None and prices.provider_id == "anthropic":
        out["limit_counts"] = "max_tokens only"
    return out


LEVER = Lever(
    name="output_caps", label="Output caps", page="pages/output_caps.py",
    question="What does tuning max_tokens save in money, latency and throughput?",
    inputs=OutputCapInputs, apply=apply, describe=describe, defaults=defaults, idle=idle,
)


# --- the page's analysis: every figure against the cap, exact by linearity ---------------------------------


@dataclass(frozen=True)
class CappedClass:
    """One single-call class's coefficients: its bill is input_money + per_output_token x (output tokens per
    request), exactly (a single call's tier does not depend on its output)."""

    name: str
    requests: float
    output_tokens: float  # visible + reasoning per request today
    length: LogNormal  # with the brevity instruction
    input_money: float  # USD a month: the class with no output
    per_output_token: float  # USD a month per output token per request, at the class's tier
    attempts: float  # model calls per request (retries included): each reserves its tokens
    input_tokens: float  # one call's input (what an 'input + max_tokens' limit reserves besides the cap)


@dataclass(frozen=True)
class CapModel:
    """The workload's bill as an exact function of the cap: fixed money plus each capped class's."""

    classes: tuple[CappedClass, ...]
    fixed: float  # USD a month the lever does not touch: agent classes, overheads
    redo_share: float

    @property
    def requests(self) -> float:
        return float(sum(k.requests for k in self.classes))

    @property
    def main(self) -> CappedClass | None:
        return max(self.classes, key=lambda k: k.requests) if self.classes else None

    def bill(self, caps: np.ndarray) -> np.ndarray:
        """Monthly bill at each cap (inf: no cap)."""
        caps = np.asarray(caps, dtype=float)
        total = np.full(caps.shape, self.fixed)
        for k in self.classes:
            d = k.length
            q = np.where(np.isinf(caps), 0.0, d.sf(np.where(np.isinf(caps), 1.0, caps)))
            tail = np.where(np.isinf(caps), 0.0, d.tail_mass(np.where(np.isinf(caps), 1.0, caps)))
            total = total + k.input_money * (1 + self.redo_share * q) + k.per_output_token * (
                d.limited_mean(caps) + self.redo_share * tail)
        return total

    def no_cap_bill(self) -> float:
        return float(self.bill(np.array([np.inf]))[0])

    def _weighted(self, per_class) -> np.ndarray:
        n = self.requests
        return sum(k.requests * per_class(k) for k in self.classes) / n if n > 0 else 0.0

    def truncation(self, caps: np.ndarray) -> np.ndarray:
        """Share of single-call requests whose answer the cap cuts off."""
        caps = np.asarray(caps, dtype=float)
        return np.asarray(self._weighted(lambda k: k.length.sf(caps)) + np.zeros(caps.shape))

    def truncation_limit_cap(self, max_truncation: float) -> float | None:
        """The smallest cap that truncates at most `max_truncation` of requests: the (1 - t) quantile of one class,
        and for several the root of the mixture's survival function (bracketed by the classes' quantiles)."""
        if not self.classes:
            return None
        qs = [float(k.length.ppf(np.array([1 - max_truncation]))[0]) for k in self.classes]
        lo, hi = min(qs), max(qs)
        if hi <= lo * (1 + 1e-12):
            return lo
        f = lambda log_c: float(self.truncation(np.array([math.exp(log_c)]))[0]) - max_truncation  # noqa: E731
        return math.exp(brentq(f, math.log(lo), math.log(hi), xtol=1e-13, rtol=1e-13))

    def _slope_sign(self, caps: np.ndarray) -> np.ndarray:
        """d bill / dC divided by a positive scale: sum of q (B - rho h (A + B C)), h the hazard. Each term is
        weighted by q_i / max q in logs, so the far tail keeps its sign instead of underflowing to 0."""
        log_q = np.array([special.log_ndtr(-k.length._z(caps)) for k in self.classes])
        weight = np.exp(log_q - log_q.max(axis=0))
        terms = [k.per_output_token - self.redo_share * k.length.log_pdf_over_sf(caps) * (
            k.input_money + k.per_output_token * caps) for k in self.classes]
        return (weight * np.array(terms)).sum(axis=0)

    def optimal_cap(self, max_truncation: float) -> float | None:
        """The cheapest cap among those truncating at most `max_truncation`; None when no such cap beats no cap.

        d bill / dC = sum of B q(C) - rho f(C) (A + B C) (per class: A its input money, B its money per output token).
        Roots of the slope are bracketed on a log grid and solved with brentq; the minimum is the cheapest of the
        lower bound and the local minima, and it must beat no cap to count."""
        lo = self.truncation_limit_cap(max_truncation)
        if lo is None:
            return None
        lo = max(lo, 1e-9)
        hi = max(float(k.length.ppf(np.array([1 - 1e-12]))[0]) for k in self.classes)
        found = [lo]
        if hi > lo:
            grid = np.linspace(math.log(lo), math.log(hi), 400)  # brackets only; roots solved exactly
            values = self._slope_sign(np.exp(grid))
            scalar = lambda log_c: float(self._slope_sign(np.array([math.exp(log_c)]))[0])  # noqa: E731
            for i in np.flatnonzero((values[:-1] < 0) & (values[1:] >= 0)):  # the bill falls then rises: a minimum
                found.append(math.exp(brentq(scalar, grid[i], grid[i + 1], xtol=1e-12, rtol=1e-12)))
        candidates = np.array(found)
        bills = self.bill(candidates)
        best = int(np.argmin(bills))
        no_cap = self.no_cap_bill()
        return float(candidates[best]) if bills[best] < no_cap - 1e-12 * max(abs(no_cap), 1e-300) else None

    def break_even_redo_share(self, cap: float) -> float | None:
        """The redo share at which this cap bills exactly what no cap bills (brevity applied to both); None when
        the cap truncates nothing. Linear in rho: rho* = sum B E[(L - C)+] / sum (A q + B E[L; L > C])."""
        c = np.array([float(cap)])
        saved = sum(k.per_output_token * (k.length.mean - float(k.length.limited_mean(c)[0])) for k in self.classes)
        cost = sum(k.input_money * float(k.length.sf(c)[0]) + k.per_output_token * float(k.length.tail_mass(c)[0])
                   for k in self.classes)
        if cost <= 0 or not any(float(k.length.sf(c)[0]) > 0 for k in self.classes):
            return None
        return min(max(saved / cost, 0.0), 1.0)

    def requests_per_minute(self, caps: np.ndarray, x: OutputCapInputs) -> np.ndarray:
        """What the limit admits: limit / tokens reserved per request (each attempt reserves the cap, plus its input
        where counted; retries and redos are attempts), whatever the answers' real length."""
        caps = np.asarray(caps, dtype=float)
        counted = x.limit_counts == "input + max_tokens"
        reserved = self._weighted(lambda k: k.attempts * (1 + self.redo_share * k.length.sf(caps))
                                  * (caps + (k.input_tokens if counted else 0.0)))
        return np.asarray(x.tpm_limit / reserved) if self.classes else np.full(caps.shape, np.nan)


def cap_model(w: Workload, x: OutputCapInputs, cat: Catalogue, today: Bill | None = None) -> CapModel:
    """The coefficients, from two priced workloads: today's and the same with every capped class's output at 0."""
    today = today if today is not None else price(w, cat)
    silent = w.map(lambda c: c.model_copy(update={"output_tokens": 0.0, "reasoning_tokens": 0.0})
                   if _capped(c) else c)
    without = price(silent, cat)
    classes, fixed = [], today.overhead_total
    for c, now, inputs in zip(w.classes, today.classes, without.classes, strict=True):
        if not _capped(c):
            fixed += now.total
            continue
        classes.append(CappedClass(
            name=c.name, requests=c.requests_per_month, output_tokens=call_output(c), length=length_distribution(c, x),
            input_money=inputs.total, per_output_token=(now.total - inputs.total) / call_output(c),
            attempts=now.calls / c.requests_per_month, input_tokens=c.input_tokens))
    return CapModel(classes=tuple(classes), fixed=fixed, redo_share=x.redo_share)


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
    truncation_rate: float  # over single-call requests
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
    truncation_limit_cap: float | None


    @property
    def brevity_saving(self) -> float:
        return self.today.total - self.no_cap_bill

    @property
    def cap_saving(self) -> float:
        """What the cap adds to the brevity instruction's saving (negative: it costs)."""
        return self.no_cap_bill - self.after.total


def evaluate(w: Workload, x: OutputCapInputs, cat: Catalogue, today: Bill | None = None) -> OutputCapResult:
    today = today if today is not None else price(w, cat)
    after = price(apply(w, x, cat), cat)
    m = cap_model(w, x, cat, today)
    cap = np.array([float(x.cap)])
    main = m.main
    n = m.requests
    first = float(m._weighted(lambda k: k.length.limited_mean(cap)[0])) if n else 0.0
    billed = float(m._weighted(lambda k: k.length.limited_mean(cap)[0] + x.redo_share * k.length.tail_mass(cap)[0])) \
        if n else 0.0
    truncation = float(m.truncation(cap)[0]) if n else 0.0
    best = m.optimal_cap(x.max_truncation)

    def latency(p: float, caps: np.ndarray) -> float | None:
        if main is None:
            return None
        return float(latency_quantile(main.length, caps, p, x.redo_share, x.ttft_ms, x.ms_per_token)[0])

    quantiles = main.length.ppf(np.array([0.5, 0.95])) if main is not None else (None, None)
    return OutputCapResult(
        today=today, after=after, model=m, cap=x.cap, main_name=main.name if main else None,
        mean_tokens=main.output_tokens if main else None, mean_after_brevity=main.length.mean if main else None,
        p50_tokens=float(quantiles[0]) if main else None, p95_tokens=float(quantiles[1]) if main else None,
        truncation_rate=truncation, redo_rate=x.redo_share * truncation, first_attempt_tokens=first,
        billed_output_tokens=billed, no_cap_tokens=float(m._weighted(lambda k: k.length.mean)) if n else 0.0,
        no_cap_bill=m.no_cap_bill(),
        latency_p50_ms=latency(0.5, cap), latency_p95_ms=latency(0.95, cap),
        uncapped_latency_p95_ms=latency(0.95, np.array([np.inf])),
        requests_per_minute=float(m.requests_per_minute(cap, x)[0]) if n else None,
        average_requests_per_minute=n / (HOURS_PER_MONTH * 60),
        break_even_redo_share=m.break_even_redo_share(x.cap), optimal_cap=best,
        optimal_bill=float(m.bill(np.array([best]))[0]) if best is not None else None,
        truncation_limit_cap=m.truncation_limit_cap(x.max_truncation),
    )


def cap_range(r: OutputCapResult, marks: tuple[float, ...] = ()) -> tuple[float, float]:
    """Chart range: from below the quartile to past the far tail, covering the cap, the limit cap and `marks`."""
    lengths = [k.length for k in r.model.classes]
    low = min((float(d.ppf(np.array([0.25]))[0]) for d in lengths), default=1.0)
    high = max((float(d.ppf(np.array([0.9999]))[0]) for d in lengths), default=float(r.cap))
    points = [float(r.cap), *(p for p in (r.truncation_limit_cap, *marks) if p)]
    lo = max(1.0, min(low, *(p / 2 for p in points)))
    hi = max(high * 1.5, *(p * 2 for p in points), lo * 10)
    return lo, min(hi, 1e7)


def curves(r: OutputCapResult, x: OutputCapInputs, marks: tuple[float, ...] = (), points: int = 200) -> pd.DataFrame:
    """Every figure against the cap (log-spaced, plus the cap, the limit cap and `marks` exactly), from the same
    coefficients as the headline: the bill column equals price() of the capped workload at every cap."""
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
        "no_cap_bill": flat * m.no_cap_bill(),
        "today": flat * r.today.total,
        "truncation_rate": m.truncation(caps) if n else 0 * caps,
        "billed_output_tokens": np.asarray(m._weighted(lambda k: k.length.limited_mean(caps) + x.redo_share
                                                       * k.length.tail_mass(caps))) + 0 * caps if n else 0 * caps,
        "first_attempt_tokens": np.asarray(m._weighted(lambda k: k.length.limited_mean(caps))) + 0 * caps
        if n else 0 * caps,
        "no_cap_mean_tokens": flat * float(m._weighted(lambda k: k.length.mean)) if n else 0 * caps,
        "requests_per_minute": m.requests_per_minute(caps, x) if n else np.full(caps.shape, np.nan),
        "average_requests_per_minute": flat * n / (HOURS_PER_MONTH * 60),
    }
    frame["redo_rate"] = x.redo_share * frame["truncation_rate"]
    for p, column in ((0.5, "latency_p50_s"), (0.95, "latency_p95_s")):
        frame[column] = (latency_quantile(main.length, caps, p, x.redo_share, x.ttft_ms, x.ms_per_token) / 1000
                         if main is not None else np.full(caps.shape, np.nan))
    return pd.DataFrame(frame)


# --- observed lengths: an extra analysis (the link cannot carry a file, so the money uses the log-normal) -------


def observed_curves(r: OutputCapResult, x: OutputCapInputs, observed: np.ndarray, points: int = 200) -> pd.DataFrame:
    """The main class against the cap, with the uploaded lengths (brevity applied) beside the log-normal from the
    link: its monthly bill, truncation rate and billed tokens per request, from the same coefficients."""
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
        q = d.sf(caps)
        tokens = d.limited_mean(caps) + rho * d.tail_mass(caps)
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

**Scope.** Single calls only. An agent task's steps re-send the earlier steps' answers, so a cap on each step
changes the history too: out of this lever's scope, and agent tasks are billed as today.

**Money** comes from the one pricing function: today's bill − the bill of the capped workload (with its redo
classes). A single call's input does not depend on its output, so its long-context tier does not either, and each
class's bill is *A* + *B* × (output tokens per request): *A* its input money (output set to 0) and *B* its money per
output token, from two priced workloads. The bill at any cap is then exact:
Σ *A* (1 + ρ *q*) + *B* (E[min(*L'*, *C*)] + ρ E[*L'*; *L'* > *C*]) plus what the lever does not touch. The cap saves
only the cut-off tails of answers you keep, and wastes *C* tokens and a second input on every answer you redo.

**Break-even redo share** ρ\* = Σ *B* E[(*L'* − *C*)⁺] / Σ (*A q* + *B* E[*L'*; *L'* > *C*]): above it the cap costs more
than no cap.

**Cost-optimal cap**: the cheapest cap among those that truncate at most your acceptable rate (a cap below the
median would "save" by cutting most answers off, which is not a max_tokens setting). The slope of the bill,
Σ *B q* − ρ *f*(*C*)(*A* + *B C*), is solved for zero with a root-finder. If no such cap beats no cap, none is marked.

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
