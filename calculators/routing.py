"""Model routing and cascades: does a router pay for itself, given its real accuracy?

Requests are of two types: *simple* (share s, a cheap model can serve them) and *complex*.

- **Router**: a classifier sends each request to the cheap or the strong model before answering. It
  sends a simple request to the cheap model with probability t (the rest are wrongly escalated) and a
  complex one with probability f (wrongly sent cheap). Optionally, a check catches a share of the
  cheap model's bad answers and re-runs them on the strong model (a fallback).
- **Cascade**: every request goes to the cheap model first; a confidence score escalates the answer to
  the strong model. It flags a share beta of the cheap model's bad answers, and, wrongly, a share
  gamma of its good ones. The escalation rate follows: e = beta x (bad share) + gamma x (good share).

A bad answer that reaches the user is retried with probability rho: a new request, of the same type,
through the same system (the all-strong baseline gets the same treatment). Attempts per request are
then geometric: 1 / (1 - rho x F), where F is the chance an attempt ends in a bad answer.

Everything is affine in each routing rate per request type, so cost per request is a sum of two
ratios of affine functions and every break-even is the root of a quadratic: solved in closed form.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from calculators.prices import Catalogue, ModelPrices, request_cost

Mode = Literal["router", "cascade"]
MODE_LABEL: dict[str, str] = {"router": "Router (pick a model up front)", "cascade": "Cascade (cheap first, escalate)"}

# Cheaper models to offer by default, per provider of the strong model, best first (must exist in the
# catalogue and be cheaper than the strong model at the workload's token counts).
CHEAP_DEFAULTS: dict[str, tuple[str, ...]] = {
    "anthropic": ("anthropic/claude-haiku-5-5", "anthropic/claude-haiku-4-5", "anthropic/claude-3-5-haiku-latest"),
    "openai": ("openai/gpt-5-mini", "openai/gpt-5-nano", "openai/gpt-4.1-mini", "openai/gpt-4o-mini"),
    "google": ("google/gemini-2.5-flash-lite", "google/gemini-2.5-flash"),
    "mistral": ("mistral/mistral-small-latest", "mistral/ministral-8b-latest"),
    "deepseek": ("deepseek/deepseek-flash",),
}
FALLBACK_CHEAP: tuple[str, ...] = ("anthropic/claude-haiku-5-5", "openai/gpt-5-mini", "google/gemini-2.5-flash-lite")


def default_cheap_model(strong: ModelPrices, available: Mapping[str, ModelPrices] | Catalogue, input_tokens: int,
                        output_tokens: int) -> str:
    """A cheaper model of the strong model's provider if one is listed, else a cheap model of another
    provider; the strong model itself when nothing listed is cheaper."""
    strong_cost = request_cost(strong, input_tokens, output_tokens)
    for key in CHEAP_DEFAULTS.get(strong.provider_id, ()) + FALLBACK_CHEAP:
        try:
            m = available.get(key)  # a dict returns None for an unknown key, the catalogue raises KeyError
        except KeyError:
            m = None
        if m is not None and request_cost(m, input_tokens, output_tokens) < strong_cost:
            return key
    return strong.key


# "Escalating 60% where 30% was planned": the default cascade (it escalates 30%) with a cheap model at half
# the strong model's price, a score that flags 57% of good answers and misses 30% of bad ones.
TRAP_CHEAP_MODEL = "anthropic/claude-haiku-4-5"
TRAP_SETTINGS: dict[str, object] = {"mode": "cascade", "catch_rate": 0.70, "false_escalation": 0.57}


def _percent(default: float, title: str, description: str) -> object:
    return Field(default, ge=0, le=1, title=title, description=description, json_schema_extra={"percent": True})


class RoutingInputs(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    requests_per_month: int = Field(ge=0, le=10_000_000_000, title="Requests per month")
    cheap_call_cost: float = Field(
        ge=0, le=1_000, title="Cheap model cost per call ($)",
        description="List price of one call at the workload's tokens, from the catalogue (genai-prices).")
    strong_call_cost: float = Field(
        ge=0, le=1_000, title="Strong model cost per call ($)",
        description="List price of one call at the workload's tokens, from the catalogue (genai-prices).")
    mode: Mode = Field("router", title="Design", json_schema_extra={"widget": "radio"},
                       description="A router picks a model up front (RouteLLM); a cascade tries the cheap model "
                       "first and escalates unsure answers (FrugalGPT).")
    simple_share: float = _percent(
        0.70, "Truly simple requests",
        "Share of requests the cheap model can serve as well as the strong one (illustrative default).")
    simple_to_cheap: float = _percent(
        0.95, "Simple requests sent to the cheap model",
        "Router's true routing rate; the rest of the simple requests are wrongly escalated (illustrative).")
    complex_to_cheap: float = _percent(
        0.10, "Complex requests wrongly sent to the cheap model",
        "Router's false routing rate (illustrative default).")
    fallback_catch: float = _percent(
        0.0, "Bad cheap answers caught and re-run on the strong model",
        "Router only: a check (validator, user feedback) spots this share of the cheap model's bad answers and "
        "falls back to the strong model. 0 = no fallback (illustrative default).")
    catch_rate: float = _percent(
        0.90, "Bad cheap answers the score escalates",
        "Cascade only: share of the cheap model's bad answers the confidence score flags (illustrative).")
    false_escalation: float = _percent(
        0.14, "Good cheap answers escalated anyway",
        "Cascade only: share of the cheap model's good answers the score flags, needlessly (illustrative).")
    cheap_success_simple: float = _percent(
        0.95, "Cheap model's success on simple requests", "Share of good answers (illustrative default).")
    cheap_success_complex: float = _percent(
        0.40, "Cheap model's success on complex requests",
        "On the complex requests it wrongly receives (illustrative default).")
    strong_success: float = _percent(
        0.95, "Strong model's success", "On every request, simple or complex (illustrative default).")
    user_retry: float = Field(
        0.5, ge=0, le=0.95, title="Bad answers the user retries", json_schema_extra={"percent": True},
        description="Each retry is a new request through the same system; applies to the all-strong baseline "
        "too (illustrative default, at most 95%).")
    router_cost_per_1k: float = Field(
        0.10, ge=0, le=1_000, title="Router or scorer cost per 1,000 requests ($)", json_schema_extra={"step": 0.01},
        description="What routing or scoring one request costs: a small classifier, or an LLM call "
        "(illustrative default).")
    router_latency_ms: float = Field(
        50, ge=0, le=60_000, title="Router or scorer latency", json_schema_extra={"unit": "ms", "step": 10.0},
        description="Added to every request (illustrative default).")
    cheap_latency_ms: float = Field(
        800, ge=0, le=600_000, title="Cheap model latency", json_schema_extra={"unit": "ms", "step": 50.0},
        description="Typical time for a full answer (illustrative default).")
    strong_latency_ms: float = Field(
        2_500, ge=0, le=600_000, title="Strong model latency", json_schema_extra={"unit": "ms", "step": 50.0},
        description="Typical time for a full answer (illustrative default).")

    @property
    def router_cost(self) -> float:
        return self.router_cost_per_1k / 1000.0

    @property
    def cheap_good_share(self) -> float:
        """Share of the cheap model's answers that are good, over all traffic (cascade)."""
        s = self.simple_share
        return s * self.cheap_success_simple + (1 - s) * self.cheap_success_complex

    @property
    def errors(self) -> tuple[float, float]:
        """The classifier's two error rates: (escalating what the cheap model handles, keeping what it doesn't)."""
        if self.mode == "router":
            return 1 - self.simple_to_cheap, self.complex_to_cheap
        return self.false_escalation, 1 - self.catch_rate

    @property
    def error_weights(self) -> tuple[float, float]:
        """How much of the traffic each error rate applies to."""
        if self.mode == "router":
            return self.simple_share, 1 - self.simple_share
        return self.cheap_good_share, 1 - self.cheap_good_share

    @property
    def accuracy(self) -> float:
        """Share of routing (or escalation) decisions that are right."""
        (a, b), (wa, wb) = self.errors, self.error_weights
        return 1 - (wa * a + wb * b)


class RoutingResult(BaseModel):
    model_config = ConfigDict(frozen=True)
    cheap_cost: float  # USD per call at list prices
    strong_cost: float
    per_request: float  # USD per user request, retries included
    baseline_per_request: float  # all strong, retries included
    monthly: float
    baseline_monthly: float
    savings_monthly: float  # negative: routing raises the bill
    savings_share: float | None  # of the baseline
    per_request_change: float  # USD per user request, routed minus all strong
    quality: float  # share of user requests whose first answer is good
    baseline_quality: float
    quality_change: float  # routed minus all strong
    eventual_success: float  # after the user's retries
    escalation_rate: float  # share of attempts the router sends (or the score escalates) to the strong model
    accuracy: float  # share of routing (escalation) decisions that are right
    attempts_per_request: float  # 1 + retries
    baseline_attempts_per_request: float
    retry_volume: float  # extra requests from retries, per user request (attempts - 1)
    p50_latency_ms: float
    baseline_p50_latency_ms: float
    latency_change_ms: float  # p50, routed minus all strong
    mean_latency_ms: float
    break_even_escalation: float | None  # escalation rate where savings hit zero (varying false escalations)
    break_even_accuracy: float | None  # accuracy where savings hit zero (scaling both errors together)
    cost_parts: dict[str, float]  # USD per user request: router, cheap, strong, retries
    baseline_parts: dict[str, float]


# --- the vectorised core ------------------------------------------------------------------------


def _rates(x: RoutingInputs, errors: tuple[np.ndarray | float, np.ndarray | float]) -> dict[str, np.ndarray]:
    """Per request type (axis 0: simple, complex), per attempt: cost K, bad-answer chance F, escalation
    probability, and the latency paths; `errors` are the classifier's two error rates (scalars or arrays)."""
    e_a, e_b = (np.atleast_1d(np.asarray(e, dtype=float)) for e in errors)
    q = np.array([[x.cheap_success_simple], [x.cheap_success_complex]])  # (2, 1)
    q_s, r = x.strong_success, x.router_cost
    c_ch, c_s = x.cheap_call_cost, x.strong_call_cost
    if x.mode == "router":
        cheap = np.stack([1 - e_a, e_b])  # probability the router picks the cheap model, per type
        caught = cheap * x.fallback_catch * (1 - q)  # bad cheap answers re-run on the strong model
        cost = r + cheap * c_ch + (1 - cheap) * c_s + caught * c_s
        bad = cheap * (1 - q) * (1 - x.fallback_catch * q_s) + (1 - cheap) * (1 - q_s)
        escalated = 1 - cheap
        paths = {  # probability of each latency path, per type
            "cheap": cheap - caught,
            "cheap + strong": caught,
            "strong": 1 - cheap,
        }
        cheap_part, strong_part = cheap * c_ch, ((1 - cheap) + caught) * c_s
    else:
        catch, false = 1 - e_b, e_a
        escalated = catch * (1 - q) + false * q  # (2, n)
        cost = r + c_ch + escalated * c_s
        bad = (1 - catch) * (1 - q) + escalated * (1 - q_s)
        paths = {"cheap": 1 - escalated, "cheap + strong": escalated, "strong": np.zeros_like(escalated)}
        cheap_part, strong_part = np.full_like(escalated, c_ch), escalated * c_s
    return {"cost": cost, "bad": bad, "escalated": escalated, "paths": paths, "cheap_part": cheap_part,
            "strong_part": strong_part}


def _type_weights(x: RoutingInputs) -> np.ndarray:
    """Share of user requests of each type, as a (2, 1) column: simple, complex."""
    return np.array([[x.simple_share], [1 - x.simple_share]])


def _totals(x: RoutingInputs, rates: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per user request: attempts are geometric in the retries, 1 / (1 - rho F), per type."""
    w = _type_weights(x)
    attempts = 1.0 / (1.0 - x.user_retry * rates["bad"])
    per_request = (w * rates["cost"] * attempts).sum(axis=0)
    return {
        "per_request": per_request,
        "quality": (w * (1 - rates["bad"])).sum(axis=0),
        "eventual": (w * (1 - rates["bad"]) * attempts).sum(axis=0),
        "attempts": (w * attempts).sum(axis=0),
        "escalation": (w * rates["escalated"]).sum(axis=0),
        "weights": w * attempts,
    }


def _baseline(x: RoutingInputs) -> dict[str, float]:
    c_s = x.strong_call_cost
    attempts = 1.0 / (1.0 - x.user_retry * (1 - x.strong_success))
    return {"per_request": c_s * attempts, "attempts": attempts, "quality": x.strong_success,
            "eventual": x.strong_success * attempts}


def call_costs(strong: ModelPrices, cheap: ModelPrices, input_tokens: int, output_tokens: int) -> tuple[float, float]:
    """(cheap, strong) USD per call at list prices for the workload's tokens (long-context tiers honoured)."""
    return (float(request_cost(cheap, input_tokens, output_tokens)),
            float(request_cost(strong, input_tokens, output_tokens)))


# --- sweeps: one parameter, every routing rate affine in it ---------------------------------------


def _escalation_sweep(x: RoutingInputs, theta: np.ndarray) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray]:
    """Vary the false-escalation rate (simple requests escalated, or good cheap answers escalated) from 0 to 1,
    keeping the other error; returns the errors and the escalation rate, both affine in theta."""
    e_a = theta
    e_b = np.full_like(theta, x.errors[1])
    rates = _rates(x, (e_a, e_b))
    return (e_a, e_b), (_type_weights(x) * rates["escalated"]).sum(axis=0)


def _direction(x: RoutingInputs) -> tuple[float, float]:
    """Both errors scaled together, keeping their mix; equal errors when the classifier is perfect."""
    a, b = x.errors
    top = max(a, b)
    return (a / top, b / top) if top > 0 else (1.0, 1.0)


def _accuracy_sweep(x: RoutingInputs, lam: np.ndarray) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray]:
    d_a, d_b = _direction(x)
    w_a, w_b = x.error_weights
    return (lam * d_a, lam * d_b), 1 - lam * (w_a * d_a + w_b * d_b)


def _affine_roots(x: RoutingInputs, sweep) -> list[float]:
    """Roots in [0, 1] of savings(theta) = B - sum_type w K(theta) / D(theta), K and D affine in theta.

    Multiplying out the two denominators gives a quadratic in theta, solved in closed form. The
    affine coefficients are read exactly from the core at theta = 0 and 1.
    """
    ends = np.array([0.0, 1.0])
    errors, _ = sweep(x, ends)
    rates = _rates(x, errors)
    k = rates["cost"]  # (2 types, 2 ends)
    d = 1.0 - x.user_retry * rates["bad"]
    w = _type_weights(x)[:, 0]
    a, b = k[:, 0], k[:, 1] - k[:, 0]
    c, dd = d[:, 0], d[:, 1] - d[:, 0]
    base = _baseline(x)["per_request"]
    # base * D0 * D1 - w0 K0 D1 - w1 K1 D0 = 0, with (a + b t), (c + dd t)
    q2 = base * dd[0] * dd[1] - w[0] * b[0] * dd[1] - w[1] * b[1] * dd[0]
    q1 = (base * (c[0] * dd[1] + dd[0] * c[1])
          - w[0] * (a[0] * dd[1] + b[0] * c[1]) - w[1] * (a[1] * dd[0] + b[1] * c[0]))
    q0 = base * c[0] * c[1] - w[0] * a[0] * c[1] - w[1] * a[1] * c[0]
    scale = max(abs(q2), abs(q1), abs(q0))
    if scale == 0:
        return []
    q2, q1, q0 = q2 / scale, q1 / scale, q0 / scale
    if abs(q2) < 1e-12:
        roots = [] if abs(q1) < 1e-12 else [-q0 / q1]
    else:
        disc = q1 * q1 - 4 * q2 * q0
        if disc < 0:
            return []
        sq = math.sqrt(disc)
        # numerically stable pair of roots
        t = -0.5 * (q1 + math.copysign(sq, q1))
        roots = [t / q2] + ([q0 / t] if t != 0 else [])
    eps = 1e-12
    return sorted({min(max(r, 0.0), 1.0) for r in roots if -eps <= r <= 1 + eps})


def _first_root(x: RoutingInputs, sweep) -> float | None:
    """The break-even on the sweep's own x-axis (escalation rate or accuracy): its first root in theta."""
    roots = _affine_roots(x, sweep)
    if not roots:
        return None
    _, axis = sweep(x, np.array([roots[0]]))
    return float(axis[0])


def evaluate(x: RoutingInputs) -> RoutingResult:
    rates = _rates(x, x.errors)
    totals = _totals(x, rates)
    base = _baseline(x)
    c_ch, c_s = x.cheap_call_cost, x.strong_call_cost
    n = x.requests_per_month
    per_request = float(totals["per_request"][0])
    attempts = float(totals["attempts"][0])
    first_attempt = {
        "router or scorer": x.router_cost,
        "cheap model": float((_type_weights(x) * rates["cheap_part"])[:, 0].sum()),
        "strong model": float((_type_weights(x) * rates["strong_part"])[:, 0].sum()),
    }
    first_total = sum(first_attempt.values())
    parts = first_attempt | {"retries": per_request - first_total}
    base_parts = {"router or scorer": 0.0, "cheap model": 0.0, "strong model": c_s,
                  "retries": base["per_request"] - c_s}
    p50, mean = _latency(x, rates, totals["weights"])
    savings = (base["per_request"] - per_request) * n
    return RoutingResult(
        cheap_cost=c_ch,
        strong_cost=c_s,
        per_request=per_request,
        baseline_per_request=base["per_request"],
        monthly=per_request * n,
        baseline_monthly=base["per_request"] * n,
        savings_monthly=savings,
        savings_share=savings / (base["per_request"] * n) if base["per_request"] * n > 0 else None,
        per_request_change=per_request - base["per_request"],
        quality=float(totals["quality"][0]),
        baseline_quality=base["quality"],
        quality_change=float(totals["quality"][0]) - base["quality"],
        eventual_success=float(totals["eventual"][0]),
        escalation_rate=float(totals["escalation"][0]),
        accuracy=x.accuracy,
        attempts_per_request=attempts,
        baseline_attempts_per_request=base["attempts"],
        retry_volume=attempts - 1,
        p50_latency_ms=p50,
        baseline_p50_latency_ms=x.strong_latency_ms,
        latency_change_ms=p50 - x.strong_latency_ms,
        mean_latency_ms=mean,
        break_even_escalation=_first_root(x, _escalation_sweep),
        break_even_accuracy=_first_root(x, _accuracy_sweep),
        cost_parts=parts,
        baseline_parts=base_parts,
    )


def _latency(x: RoutingInputs, rates: dict, weights: np.ndarray) -> tuple[float, float]:
    """Median and mean latency over attempts: each path takes its typical time (router + model calls)."""
    times = {
        "cheap": x.router_latency_ms + x.cheap_latency_ms,
        "cheap + strong": x.router_latency_ms + x.cheap_latency_ms + x.strong_latency_ms,
        "strong": x.router_latency_ms + x.strong_latency_ms,
    }
    latency = np.array(list(times.values()))
    mass = np.array([(weights[:, 0] * rates["paths"][p][:, 0]).sum() for p in times])
    mass = mass / mass.sum()
    order = np.argsort(latency, kind="stable")
    cumulative = np.cumsum(mass[order])
    median = float(latency[order][np.searchsorted(cumulative, 0.5 - 1e-12)])
    return median, float((latency * mass).sum())


def _curve(x: RoutingInputs, sweep, grid: np.ndarray, grid_name: str, axis_name: str) -> pd.DataFrame:
    """Monthly savings and quality along a sweep: the same core as `evaluate`, vectorised."""
    errors, axis = sweep(x, grid)
    totals = _totals(x, _rates(x, errors))
    return pd.DataFrame({
        grid_name: grid,
        axis_name: axis,
        "savings": (_baseline(x)["per_request"] - totals["per_request"]) * x.requests_per_month,
        "quality": totals["quality"],
    }).sort_values(axis_name).reset_index(drop=True)


def savings_vs_escalation(x: RoutingInputs, points: int = 101) -> pd.DataFrame:
    """Monthly savings as the false-escalation rate runs from 0 to 1 (x-axis: the escalation rate it gives)."""
    theta = np.unique(np.append(np.linspace(0.0, 1.0, points), x.errors[0]))  # the user's own router included
    return _curve(x, _escalation_sweep, theta, "false_escalation", "escalation_rate")


def savings_vs_accuracy(x: RoutingInputs, points: int = 101) -> pd.DataFrame:
    """Monthly savings as both classifier errors grow together from zero (x-axis: accuracy)."""
    lam = np.unique(np.append(np.linspace(0.0, 1.0, points), max(x.errors)))  # the user's own router included
    return _curve(x, _accuracy_sweep, lam, "error_scale", "accuracy")


def cost_breakdown(x: RoutingInputs, result: RoutingResult) -> pd.DataFrame:
    """USD per month by where the money goes (router, cheap calls, strong calls, retries): all strong vs routed."""
    n = x.requests_per_month
    return pd.DataFrame([
        {"setup": "All strong"} | {k: v * n for k, v in result.baseline_parts.items()},
        {"setup": "Routed" if x.mode == "router" else "Cascade"} | {k: v * n for k, v in result.cost_parts.items()},
    ])


EXPLANATION = r"""
Requests are **simple** (share *s*: the cheap model serves them as well as the strong one) or **complex**.
Each model call costs its list price for the workload's tokens: *c*ᶜʰ (cheap) and *c*ˢ (strong).

**Router.** A classifier (cost *r*, latency added to every request) sends a simple request to the cheap model with
probability *t* and a complex one with probability *f*. Per attempt, for a request of each type routed cheap with
probability π (π = *t* or *f*):
- cost *K* = *r* + π·*c*ᶜʰ + (1 − π)·*c*ˢ + π·φ·(1 − *q*)·*c*ˢ, where *q* is the cheap model's success on that type
  and φ the share of its bad answers a check catches and re-runs on the strong model (the fallback);
- chance of a bad answer *F* = π·(1 − *q*)·(1 − φ·*q*ˢ) + (1 − π)·(1 − *q*ˢ), with *q*ˢ the strong model's success.

**Cascade.** Every request goes to the cheap model first (plus the scorer's cost *r*); the confidence score escalates
a share β of the cheap model's bad answers and, wrongly, a share γ of its good ones, so per type the escalation
probability is *e* = β·(1 − *q*) + γ·*q*, cost *K* = *r* + *c*ᶜʰ + *e*·*c*ˢ and
*F* = (1 − β)·(1 − *q*) + *e*·(1 − *q*ˢ).

**Bad answers and retries.** The user retries a bad answer with probability ρ; a retry is a new request of the same
type through the same system, so attempts are geometric: 1 / (1 − ρ·*F*) per request. **Cost per request** =
Σ over types of weight × *K* / (1 − ρ·*F*). The **all-strong baseline** is *c*ˢ / (1 − ρ·(1 − *q*ˢ)) with the same ρ.
**Quality** is the share of requests whose first answer is good, Σ weight × (1 − *F*). Attempts fail independently.

**Latency (illustrative).** Each path takes its typical time: router + cheap, router + cheap + strong (fallback or
escalation), router + strong. The p50 is the median over attempts of these path times; it ignores each model's own
spread, so read it as "which path does the typical request take".

**Break-evens.** *Escalation rate*: the false-escalation rate (1 − *t* for a router, γ for a cascade) runs from 0 to 1
with the other error fixed. *Accuracy*: both errors grow together in the proportion you set. In both sweeps *K* and *F*
are affine in the swept rate, so savings = 0 multiplies out to a quadratic, solved in closed form.
A cascade pays the cheap model on every request, so without retries it breaks even at *e* = 1 − (*c*ᶜʰ + *r*) / *c*ˢ:
with a model half the price, escalating more than about half the traffic costs more than no cascade at all.
"""
