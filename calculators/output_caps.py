"""Output caps lever: what does tuning max_tokens save in money, latency and throughput?

Output lengths L follow a distribution: a log-normal fitted from the user's p50 and p95, or the
empirical distribution of an uploaded list of observed lengths. A cap C bills min(L, C) output tokens
and truncates the answers with L > C; a share rho of those must be redone, and a redo costs the
request's input again plus its full, uncapped answer (L tokens: the answer was long because the task
needed it). A brevity instruction scales every length by (1 + beta). Latency is time to first token
plus output tokens x time per output token. A tokens-per-minute rate limit reserves max_tokens (plus
the input, where the limit counts it) for every attempt when it starts.
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

from calculators.prices import ModelPrices, request_cost
from calculators.workload import HOURS_PER_MONTH, SimpleWorkload as Workload

Z95 = float(special.ndtri(0.95))  # 1.6449: the standard normal's 95th percentile
LimitCounts = Literal["input + max_tokens", "max_tokens only"]
LengthSource = Literal["p50 and p95 (log-normal fit)", "an uploaded list"]


class OutputCapInputs(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    source: LengthSource = Field(
        "p50 and p95 (log-normal fit)", title="Output lengths from", json_schema_extra={"widget": "radio"},
        description="Fit a log-normal to your median and 95th-percentile output tokens, or upload observed lengths.",
    )
    p50_tokens: float = Field(
        400, ge=1, le=200_000, title="Median output length, p50", json_schema_extra={"unit": "tokens", "step": 10},
        description="Half of the answers are shorter than this. Default: the workload's output tokens (illustrative).",
    )
    p95_tokens: float = Field(
        1_200, ge=1, le=1_000_000, title="95th-percentile output length, p95",
        json_schema_extra={"unit": "tokens", "step": 10},
        description="5% of the answers are longer than this. Default: 3x the p50 (illustrative).",
    )
    cap: int = Field(
        4_096, ge=1, le=200_000, title="max_tokens cap", json_schema_extra={"unit": "tokens", "step": 64},
        description="The max_tokens (max_output_tokens) you send; reasoning tokens count toward it. "
        "Default 4,096: a common setting (illustrative).",
    )
    redo_share: float = Field(
        0.1, ge=0, le=1, title="Truncated answers that must be redone", json_schema_extra={"percent": True},
        description="Share of cut-off answers that are useless and are sent again without the cap (illustrative).",
    )
    max_truncation: float = Field(
        0.02, ge=0.0001, le=0.5, title="Highest acceptable truncation rate",
        json_schema_extra={"percent": True, "step": 0.5},
        description="The cost-optimal cap is searched among caps that cut off at most this share of answers "
        "(illustrative).",
    )
    brevity_effect: float = Field(
        0.0, ge=-0.9, le=0, title="Brevity instruction: change in output length",
        json_schema_extra={"percent": True, "step": 5.0},
        description="E.g. -20% if 'answer concisely' shortens answers by a fifth in your evals; 0 = no instruction "
        "(illustrative).",
    )
    ttft_ms: float = Field(
        600, ge=0, le=120_000, title="Time to first token (ms)", json_schema_extra={"step": 50.0},
        description="Wait before the first output token (illustrative; measure your model and region).",
    )
    ms_per_token: float = Field(
        20, ge=0, le=2_000, title="Time per output token (ms)", json_schema_extra={"step": 1.0},
        description="Decode time per output token; 20 ms is 50 tokens/s (illustrative; measure yours).",
    )
    tpm_limit: int = Field(
        2_000_000, ge=1, le=10_000_000_000, title="Rate limit (tokens per minute)",
        json_schema_extra={"step": 100_000},
        description="Your tier's tokens-per-minute limit (illustrative). Limiters reserve max_tokens per request.",
    )
    limit_counts: LimitCounts = Field(
        "input + max_tokens", title="The rate limit counts",
        description="OpenAI's TPM counts input plus max_tokens; Anthropic's output-TPM counts max_tokens only.",
    )

    @model_validator(mode="after")
    def _p95_above_p50(self) -> OutputCapInputs:
        if self.p95_tokens <= self.p50_tokens:
            raise ValueError(
                f"the p95 ({self.p95_tokens:,.0f} tokens) must be larger than the p50 ({self.p50_tokens:,.0f}): "
                "95% of answers can't be shorter than the median"
            )
        return self


def suggested_cap(p95_tokens: float) -> int:
    """Illustrative default: the smallest power of two at least 2x the p95, never below 4,096."""
    return int(min(200_000, max(4_096, 2 ** math.ceil(math.log2(max(2 * p95_tokens, 1))))))


# --- length distributions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LogNormal:
    """ln L ~ Normal(mu, sigma): fitted so that the median is p50 and the 95th percentile is p95."""

    mu: float
    sigma: float

    @classmethod
    def from_quantiles(cls, p50: float, p95: float) -> LogNormal:
        return cls(mu=math.log(p50), sigma=(math.log(p95) - math.log(p50)) / Z95)

    def scaled(self, factor: float) -> LogNormal:
        return LogNormal(self.mu + math.log(factor), self.sigma)

    @property
    def mean(self) -> float:
        return math.exp(self.mu + self.sigma**2 / 2)

    def _z(self, c: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return (np.log(c) - self.mu) / self.sigma

    def sf(self, c: np.ndarray) -> np.ndarray:
        """P(L > c)."""
        return special.ndtr(-self._z(c))

    def tail_mass(self, c: np.ndarray) -> np.ndarray:
        """E[L; L > c] = mean x Phi(sigma - z)."""
        return self.mean * special.ndtr(self.sigma - self._z(c))

    def limited_mean(self, c: np.ndarray) -> np.ndarray:
        """E[min(L, c)] = mean - E[(L - c)+], with E[(L - c)+] = mean Phi(sigma - z) - c Phi(-z) >= 0."""
        c = np.asarray(c, dtype=float)
        finite = np.isfinite(c)
        safe = np.where(finite, c, 1.0)
        excess = np.where(finite, self.tail_mass(safe) - safe * self.sf(safe), 0.0)
        return np.minimum(self.mean - np.maximum(excess, 0.0), c)

    def ppf(self, p: np.ndarray) -> np.ndarray:
        return np.exp(self.mu + self.sigma * special.ndtri(p))

    def hazard(self, c: np.ndarray) -> np.ndarray:
        """f(c) / P(L > c), computed in logs so the far tail does not underflow."""
        z = self._z(c)
        log_pdf = -np.log(c * self.sigma * math.sqrt(2 * math.pi)) - z**2 / 2
        return np.exp(log_pdf - special.log_ndtr(-z))


@dataclass(frozen=True)
class Empirical:
    """The observed lengths themselves (each equally likely)."""

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


Distribution = LogNormal | Empirical


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


def distribution(x: OutputCapInputs, observed: np.ndarray | None = None) -> Distribution:
    """Lengths without the brevity instruction: the uploaded list when given, else the log-normal fit."""
    if observed is not None:
        return Empirical.of(observed)
    return LogNormal.from_quantiles(x.p50_tokens, x.p95_tokens)


# --- the model ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Unit:
    """Per-request prices at the workload's input size (long-context tier chosen by that size)."""

    input_cost: float  # USD for one request's input tokens
    per_output_token: float  # USD per output token
    input_tokens: int
    requests_per_month: int

    @classmethod
    def of(cls, workload: Workload, prices: ModelPrices) -> _Unit:
        c_in = request_cost(prices, workload.input_tokens, 0)
        return cls(c_in, request_cost(prices, workload.input_tokens, 1) - c_in, workload.input_tokens,
                   workload.requests_per_month)

    def uncapped(self, mean_tokens: float) -> float:
        return self.input_cost + self.per_output_token * mean_tokens


def _core(dist: Distribution, caps: np.ndarray, x: OutputCapInputs, unit: _Unit) -> dict[str, np.ndarray]:
    """Every per-cap quantity, vectorised; `evaluate` and `curves` both call this."""
    caps = np.asarray(caps, dtype=float)
    rho = x.redo_share
    q = dist.sf(caps)
    tail = dist.tail_mass(caps)
    first = dist.limited_mean(caps)
    extra = _extra(dist, caps, rho, unit)
    reserve = caps + (unit.input_tokens if x.limit_counts == "input + max_tokens" else 0)
    p50, p95 = (_latency_quantile(dist, caps, p, rho, x.ttft_ms, x.ms_per_token) for p in (0.5, 0.95))
    return {
        "truncation_rate": q,
        "redo_rate": rho * q,
        "first_attempt_tokens": first,
        "billed_output_tokens": first + rho * tail,
        "cost_per_request": unit.uncapped(dist.mean) + extra,
        "extra_per_request": extra,
        "latency_p50_ms": p50,
        "latency_p95_ms": p95,
        "requests_per_minute": x.tpm_limit / (reserve * (1 + rho * q)),
    }


def _latency_quantile(dist: Distribution, caps: np.ndarray, p: float, rho: float, ttft: float,
                      tpot: float) -> np.ndarray:
    """The p-quantile of request latency, in closed form from the length quantile function.

    An answer that fits takes ttft + L tpot; a truncated one ttft + C tpot; a redone one pays both attempts,
    2 ttft + (C + L) tpot. Latency is increasing in L on each branch, so with q = P(L > C):
    p <= 1 - q: ttft + F^-1(p) tpot;  p <= 1 - rho q: ttft + C tpot;  else 2 ttft + (C + F^-1(1 - (1-p)/rho)) tpot.
    """
    q = dist.sf(caps)
    fits = ttft + dist.ppf(np.full_like(caps, p)) * tpot
    level = max(1 - (1 - p) / rho, 0.0) if rho > 0 else 0.0  # only used where p > 1 - rho q, so rho > 0
    with np.errstate(invalid="ignore"):  # inf x 0 when there is no cap and no decode time
        cut = np.where(np.isinf(caps), np.inf, ttft + caps * tpot)
        redone = 2 * ttft + (caps + dist.ppf(np.full_like(caps, level))) * tpot
    return np.where(p <= 1 - q, np.minimum(fits, cut), np.where(p <= 1 - rho * q, cut, redone))


def truncation_limit_cap(dist: Distribution, max_truncation: float) -> float:
    """The smallest cap that truncates at most `max_truncation` of answers: the (1 - t) quantile."""
    return float(dist.ppf(np.array([1 - max_truncation]))[0])


def _extra(dist: Distribution, caps: np.ndarray, rho: float, unit: _Unit) -> np.ndarray:
    """Extra cost per request vs no cap: redo input + wasted capped tokens - the tails cut and not redone."""
    q = dist.sf(caps)
    with np.errstate(invalid="ignore"):
        wasted = np.where(q > 0, caps * q, 0.0)  # no cap (C = inf) truncates nothing
    return unit.input_cost * rho * q + unit.per_output_token * (wasted - (1 - rho) * dist.tail_mass(caps))


def optimal_cap(dist: Distribution, x: OutputCapInputs, unit: _Unit) -> float | None:
    """The cheapest cap among those truncating at most `max_truncation`; None when no cap beats no cap.

    d cost / dC = c_out q(C) - rho f(C) (c_in + c_out C) (per request, c_in = input cost, c_out = price per output
    token). Log-normal: the roots of q (c_out - rho h(C)(c_in + c_out C)), h the hazard, are bracketed on a log grid
    and solved with brentq; the minimum is the cheapest of the lower bound and the local minima. Empirical: the
    cost is linear with slope c_out q >= 0 between observed lengths, so the minimum is at the lower bound or at an
    observed length. Either way the winner must beat no cap (extra cost 0) to count.
    """
    rho = x.redo_share
    lo = max(truncation_limit_cap(dist, x.max_truncation), 1e-9)
    if isinstance(dist, Empirical):
        candidates = np.concatenate([[lo], np.unique(dist.lengths[dist.lengths > lo])])
    else:
        hi = float(dist.ppf(np.array([1 - 1e-12]))[0])
        found = [lo]
        if hi > lo:
            def slope(c: np.ndarray) -> np.ndarray:  # d cost / dC divided by q(C) > 0: same sign
                return unit.per_output_token - rho * dist.hazard(c) * (unit.input_cost + unit.per_output_token * c)

            def scalar(log_c: float) -> float:
                return float(slope(np.array([math.exp(log_c)]))[0])

            grid = np.linspace(math.log(lo), math.log(hi), 400)  # brackets only; roots solved exactly
            values = slope(np.exp(grid))
            for i in np.flatnonzero((values[:-1] < 0) & (values[1:] >= 0)):  # cost falls then rises: a minimum
                found.append(math.exp(brentq(scalar, grid[i], grid[i + 1], xtol=1e-12, rtol=1e-12)))
        candidates = np.array(found)
    extra = _extra(dist, candidates, rho, unit)
    best = int(np.argmin(extra))
    tolerance = 1e-12 * max(unit.uncapped(dist.mean), 1e-300)
    return float(candidates[best]) if extra[best] < -tolerance else None


def break_even_redo_share(dist: Distribution, cap: float, unit: _Unit) -> float | None:
    """The redo share at which this cap costs exactly as much as no cap; None when the cap truncates nothing.

    extra(rho) = rho (c_in q + c_out E[L; L > C]) - c_out E[(L - C)+] = 0
    => rho* = c_out E[(L - C)+] / (c_in q + c_out E[L; L > C]).
    """
    c = np.array([float(cap)])
    q = float(dist.sf(c)[0])
    tail = float(dist.tail_mass(c)[0])
    denominator = unit.input_cost * q + unit.per_output_token * tail
    if q <= 0 or denominator <= 0:
        return None
    excess = max(tail - cap * q, 0.0)
    return min(unit.per_output_token * excess / denominator, 1.0)


class OutputCapResult(BaseModel):
    model_config = ConfigDict(frozen=True)
    cap: int
    mean_tokens: float  # uncapped mean with the brevity instruction
    mean_tokens_before_brevity: float
    p50_tokens: float  # of the distribution used (after brevity)
    p95_tokens: float
    truncation_rate: float
    redo_rate: float
    first_attempt_tokens: float  # E[min(L, C)]
    billed_output_tokens: float  # first attempts plus redone answers, per request
    cost_per_request: float
    cost_per_month: float
    status_quo_per_request: float  # no cap, no brevity instruction, same workload
    status_quo_per_month: float
    saving_per_month: float  # status quo - this setting
    cap_saving_per_month: float  # no cap -> this cap, with the brevity instruction applied to both
    brevity_saving_per_month: float
    latency_p50_ms: float
    latency_p95_ms: float
    uncapped_latency_p95_ms: float
    requests_per_minute: float
    average_requests_per_minute: float  # the workload's average load
    break_even_redo_share: float | None
    optimal_cap: float | None
    optimal_cost_per_month: float | None
    truncation_limit_cap: float
    observed: int | None  # number of uploaded lengths, when used


def evaluate(x: OutputCapInputs, workload: Workload, prices: ModelPrices,
             observed: np.ndarray | None = None) -> OutputCapResult:
    base = distribution(x, observed)
    dist = base.scaled(1 + x.brevity_effect)
    unit = _Unit.of(workload, prices)
    n = workload.requests_per_month
    at = {k: float(v[0]) for k, v in _core(dist, np.array([float(x.cap)]), x, unit).items()}
    uncapped = _core(dist, np.array([np.inf]), x, unit)
    best = optimal_cap(dist, x, unit)
    status_quo = unit.uncapped(base.mean)
    quantiles = dist.ppf(np.array([0.5, 0.95]))
    return OutputCapResult(
        cap=x.cap,
        mean_tokens=dist.mean,
        mean_tokens_before_brevity=base.mean,
        p50_tokens=float(quantiles[0]),
        p95_tokens=float(quantiles[1]),
        truncation_rate=at["truncation_rate"],
        redo_rate=at["redo_rate"],
        first_attempt_tokens=at["first_attempt_tokens"],
        billed_output_tokens=at["billed_output_tokens"],
        cost_per_request=at["cost_per_request"],
        cost_per_month=at["cost_per_request"] * n,
        status_quo_per_request=status_quo,
        status_quo_per_month=status_quo * n,
        saving_per_month=(status_quo - at["cost_per_request"]) * n,
        cap_saving_per_month=-at["extra_per_request"] * n,
        brevity_saving_per_month=(status_quo - unit.uncapped(dist.mean)) * n,
        latency_p50_ms=at["latency_p50_ms"],
        latency_p95_ms=at["latency_p95_ms"],
        uncapped_latency_p95_ms=float(uncapped["latency_p95_ms"][0]),
        requests_per_minute=at["requests_per_minute"],
        average_requests_per_minute=n / (HOURS_PER_MONTH * 60),
        break_even_redo_share=break_even_redo_share(dist, x.cap, unit),
        optimal_cap=best,
        optimal_cost_per_month=None if best is None else float(_core(dist, np.array([best]), x, unit)
                                                               ["cost_per_request"][0]) * n,
        truncation_limit_cap=truncation_limit_cap(dist, x.max_truncation),
        observed=None if observed is None else len(observed),
    )


def cap_range(dist: Distribution, x: OutputCapInputs, marks: tuple[float, ...] = ()) -> tuple[float, float]:
    """Chart range: from below the quartile to past the far tail, covering the cap, the limit cap and `marks`."""
    q = dist.ppf(np.array([0.25, 0.9999]))
    points = [x.cap, truncation_limit_cap(dist, x.max_truncation), *marks]
    lo = max(1.0, min(float(q[0]), *(p / 2 for p in points)))
    hi = max(float(q[1]) * 1.5, *(p * 2 for p in points), lo * 10)
    return lo, min(hi, 1e7)


def curves(x: OutputCapInputs, workload: Workload, prices: ModelPrices, observed: np.ndarray | None = None,
           marks: tuple[float, ...] = (), points: int = 200) -> pd.DataFrame:
    """Every result against the cap (log-spaced, plus the cap, limit cap and `marks` exactly), by the same
    formulas as `evaluate`."""
    dist = distribution(x, observed).scaled(1 + x.brevity_effect)
    unit = _Unit.of(workload, prices)
    lo, hi = cap_range(dist, x, marks)
    exact = [float(x.cap), truncation_limit_cap(dist, x.max_truncation), *marks]
    caps = np.unique(np.concatenate([np.geomspace(lo, hi, points), [c for c in exact if lo <= c <= hi]]))
    core = _core(dist, caps, x, unit)
    n = workload.requests_per_month
    flat = np.ones_like(caps)
    return pd.DataFrame({
        "cap": caps,
        "cost_per_month": core["cost_per_request"] * n,
        "no_cap_cost_per_month": flat * unit.uncapped(dist.mean) * n,
        "billed_output_tokens": core["billed_output_tokens"],
        "first_attempt_tokens": core["first_attempt_tokens"],
        "no_cap_mean_tokens": flat * dist.mean,
        "truncation_rate": core["truncation_rate"],
        "redo_rate": core["redo_rate"],
        "latency_p50_s": core["latency_p50_ms"] / 1000,
        "latency_p95_s": core["latency_p95_ms"] / 1000,
        "requests_per_minute": core["requests_per_minute"],
        "average_requests_per_minute": flat * n / (HOURS_PER_MONTH * 60),
    })


EXPLANATION = r"""
**Lengths.** Output lengths *L* follow a log-normal fitted to your p50 and p95: ln *L* ~ Normal(μ, σ) with
μ = ln p50 and σ = (ln p95 − ln p50) / 1.645. Or, with an uploaded list, each observed length is equally likely.
A brevity instruction multiplies every length by (1 + β). Note the log-normal's mean, p50 × e^(σ²/2), is above its
median, so the "no cap" bill here can differ from the sidebar's, which uses the workload's average output.

**A cap *C*** bills E[min(*L*, *C*)] output tokens on the first attempt and truncates *q* = P(*L* > *C*) of answers.
For a log-normal, with *z* = (ln *C* − μ)/σ and mean *m* = e^(μ+σ²/2):
E[min(*L*, *C*)] = *m* Φ(*z* − σ) + *C* (1 − Φ(*z*)). A share ρ of truncated answers must be redone.

**Assumptions.** A redone answer costs the request's input again plus its **full uncapped answer** (*L* tokens:
the answer was long because the task needed it), on top of the *C* tokens already billed. Truncated answers
that are not redone are used as they are. Reasoning tokens count as output and toward the cap.

**Cost per request** = input × (1 + ρ *q*) + output price × (E[min(*L*, *C*)] + ρ E[*L*; *L* > *C*]).
Compared with no cap, the extra cost is ρ *q* × input + output price × (*C q* − (1 − ρ) E[*L*; *L* > *C*]):
the cap saves only the cut-off tails of answers you keep, and wastes *C* tokens on every answer you redo.

**Break-even redo share**
ρ\* = output price × E[(*L* − *C*)⁺] / (*q* × input + output price × E[*L*; *L* > *C*]):
above it the cap costs more than no cap at all.

**Cost-optimal cap**: the cheapest cap among those that truncate at most your acceptable rate (a cap below the
median would "save" by cutting most answers off, which is not a max_tokens setting). The derivative of the cost,
output price × *q* − ρ *f*(*C*)(input + output price × *C*), is solved for zero with a root-finder; for an uploaded
list the minimum is at an observed length. If no such cap beats no cap, none is marked.

**Latency** = time to first token + output tokens × time per output token; a redone answer waits for both
attempts. The p50/p95 come in closed form from the length quantiles.

**Throughput**: a limiter that reserves max_tokens (plus input, where counted) per attempt admits
limit ÷ (reservation × (1 + ρ *q*)) requests per minute, whatever the answers' real length. A redo is assumed to
reserve as much as a first attempt. A loose cap costs no money but lowers this ceiling.
"""
