"""Model routing and cascades: does a router pay for itself, given its real accuracy?

Requests are of two types: *simple* (share s: a cheap model serves them as well as the strong one) and *complex*.
Today every request of each call class runs on the class's own model (the **strong** model, read from the class).

- **Router**: a classifier sends each request to the cheap or the strong model before answering. It sends a simple
  request to the cheap model with probability t (the rest are wrongly escalated) and a complex one with probability
  f (wrongly sent cheap). Optionally, a check catches a share of the cheap model's bad answers and re-runs them on
  the strong model (a fallback).
- **Cascade**: every request goes to the cheap model first; a confidence score escalates the answer to the strong
  model. It flags a share beta of the cheap model's bad answers and, wrongly, a share gamma of its good ones.

A bad answer that reaches the user is retried with probability rho: a new request of the same type through the same
system. **Today's requests include those retries**: a class with R requests today has U = R x (1 - rho (1 - q_s))
user requests (q_s: the strong model's success). The lever keeps the user requests; through the router each type
takes 1 / (1 - rho F) attempts per user request, F its chance of a bad answer.

A class on a model with no price is not routed: today's cost of that traffic is unknown, so no saving on it can be
priced (the Overview and the page say so).

Money comes only from `bill.price`: `apply` turns each class into a strong-model class (requests routed or escalated
there, fallbacks included) and a cheap-model class (`workload.moved_to`: a hit rate observed on today's model does not
travel to the cheap model's cache, it is derived from the traffic reaching it), and the router (or scorer) into an
Overhead priced per attempt. The bill is linear in requests at given cache hit rates, so one priced request of each
class on each model gives the saving along every sweep; the probes' hit rates are those of the workload after routing
at the user's setting (`workload.probe`), so the curves equal the priced bill exactly there. Away from it the curves
hold those hit rates (a rate derived from traffic would move a little with the traffic each model receives). Each
routing rate is affine in the swept quantity, so every break-even is the root of a quadratic, solved in closed form.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Literal

import annotated_types as at
import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from calculators.bill import Bill, model_prices, price
from calculators.draws import Num, OverheadDraws, Variant, WorkloadDraws, as_draws
from calculators.lever import MODEL_CHOICE, Lever, TodayAndAfter
from calculators.prices import Catalogue
from calculators.workload import CallClass, Overhead, Workload, copied, moved_to, probe

Mode = Literal["router", "cascade"]
MODE_LABEL: dict[str, str] = {"router": "Router (pick a model up front)", "cascade": "Cascade (cheap first, escalate)"}

# Cheaper models to offer by default, per provider of the strong model, best first (used only where they exist in
# the catalogue and cost less per request than the strong model on the workload's main class).
CHEAP_DEFAULTS: dict[str, tuple[str, ...]] = {
    "anthropic": ("anthropic/claude-haiku-5-5", "anthropic/claude-haiku-4-5", "anthropic/claude-3-5-haiku-latest"),
    "openai": ("openai/gpt-5-mini", "openai/gpt-5-nano", "openai/gpt-4.1-mini", "openai/gpt-4o-mini"),
    "google": ("google/gemini-2.5-flash-lite", "google/gemini-2.5-flash"),
    "mistral": ("mistral/mistral-small-latest", "mistral/ministral-8b-latest"),
    "deepseek": ("deepseek/deepseek-flash",),
}
FALLBACK_CHEAP: tuple[str, ...] = ("anthropic/claude-haiku-5-5", "openai/gpt-5-mini", "google/gemini-2.5-flash-lite")

# "Escalating 60% where 30% was planned": the default cascade (it escalates 30%) with a cheap model at half the
# default strong model's price, a score that flags 57% of good answers and misses 30% of bad ones.
TRAP_CHEAP_MODEL = "anthropic/claude-haiku-4-5"
TRAP_SETTINGS: dict[str, object] = {"mode": "cascade", "catch_rate": 0.70, "false_escalation": 0.57}


def _percent(default: float, title: str, description: str, key: str) -> object:
    return Field(default, ge=0, le=1, title=title, description=description,
                 json_schema_extra={"key": key, "percent": True})


class RoutingInputs(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    cheap_model: str = Field(
        FALLBACK_CHEAP[0], min_length=3, max_length=200, title="Cheap model",
        json_schema_extra={"key": "rt.cheap", "options": "models"},
        description="Where simple requests go (router), or where every request goes first (cascade). Default: a "
        "cheaper model of the workload model's provider, from the catalogue.")
    mode: Mode = Field("router", title="Design", json_schema_extra={"key": "rt.mode", "widget": "radio",
                                                                     "labels": MODE_LABEL},
                       description="A router picks a model up front (RouteLLM); a cascade tries the cheap model "
                       "first and escalates unsure answers (FrugalGPT).")
    simple_share: float = _percent(
        0.70, "Truly simple requests",
        "Share of requests the cheap model can serve as well as the strong one (illustrative default).",
        "rt.simple_share")
    simple_to_cheap: float = _percent(
        0.95, "Simple requests sent to the cheap model",
        "Router's true routing rate; the rest of the simple requests are wrongly escalated (illustrative).",
        "rt.simple_to_cheap")
    complex_to_cheap: float = _percent(
        0.10, "Complex requests wrongly sent to the cheap model",
        "Router's false routing rate (illustrative default).", "rt.complex_to_cheap")
    fallback_catch: float = _percent(
        0.0, "Bad cheap answers caught and re-run on the strong model",
        "Router only: a check (validator, user feedback) spots this share of the cheap model's bad answers and "
        "falls back to the strong model. 0 = no fallback (illustrative default).", "rt.fallback_catch")
    catch_rate: float = _percent(
        0.90, "Bad cheap answers the score escalates",
        "Cascade only: share of the cheap model's bad answers the confidence score flags (illustrative).",
        "rt.catch_rate")
    false_escalation: float = _percent(
        0.14, "Good cheap answers escalated anyway",
        "Cascade only: share of the cheap model's good answers the score flags, needlessly (illustrative).",
        "rt.false_escalation")
    cheap_success_simple: float = _percent(
        0.95, "Cheap model's success on simple requests", "Share of good answers (illustrative default).",
        "rt.q_simple")
    cheap_success_complex: float = _percent(
        0.40, "Cheap model's success on complex requests",
        "On the complex requests it wrongly receives (illustrative default).", "rt.q_complex")
    strong_success: float = _percent(
        0.95, "Strong model's success",
        "Today's model (each class's own), on every request, simple or complex (illustrative default).", "rt.q_strong")
    user_retry: float = Field(
        0.5, ge=0, le=0.95, title="Bad answers the user retries", json_schema_extra={"key": "rt.user_retry",
                                                                                     "percent": True},
        description="Each retry is a new request through the same system; today's requests already include the "
        "retries of the strong model's bad answers (illustrative default, at most 95%).")
    router_cost_per_1k: float = Field(
        0.10, ge=0, le=1_000, title="Router or scorer cost per 1,000 requests ($)",
        json_schema_extra={"key": "rt.router_cost", "money": True, "step": 0.01, "format": "%.3f"},
        description="What routing or scoring one request costs: a small classifier, or an LLM call (illustrative "
        "default). Every attempt, retries included, goes through it.")
    router_latency_ms: float = Field(
        50, ge=0, le=60_000, title="Router or scorer latency",
        json_schema_extra={"key": "rt.router_ms", "unit": "ms", "step": 10.0},
        description="Added to every request (illustrative default).")
    cheap_latency_ms: float = Field(
        800, ge=0, le=600_000, title="Cheap model latency",
        json_schema_extra={"key": "rt.cheap_ms", "unit": "ms", "step": 50.0},
        description="Typical time for a full answer (illustrative default).")
    strong_latency_ms: float = Field(
        2_500, ge=0, le=600_000, title="Strong model latency",
        json_schema_extra={"key": "rt.strong_ms", "unit": "ms", "step": 50.0},
        description="Typical time for a full answer (illustrative default).")

    @property
    def router_cost(self) -> float:
        """USD per attempt through the router or scorer."""
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

    @property
    def user_share(self) -> float:
        """User requests per request billed today: D = 1 - rho (1 - q_s) (today's requests include retries)."""
        return 1.0 - self.user_retry * (1.0 - self.strong_success)


# --- the traffic: calls per attempt, per request type (no money) ------------------------------------------------


def _rates(x: RoutingInputs, errors: tuple[np.ndarray | float, np.ndarray | float]) -> dict[str, np.ndarray]:
    """Per request type (axis 0: simple, complex), per attempt: cheap and strong calls, bad-answer chance F,
    escalation probability, and the latency paths; `errors` are the classifier's two error rates (scalars or
    arrays): every quantity is affine in each of them. Axis 1 is a sweep's points, or the Monte Carlo's draws when
    `x`'s fields are arrays (calculators/draws.py)."""
    e_a, e_b = (np.atleast_1d(np.asarray(e, dtype=float)) for e in errors)
    q = _per_type(x.cheap_success_simple, x.cheap_success_complex)
    q_s = x.strong_success
    if x.mode == "router":
        cheap = _per_type(1 - e_a, e_b)  # probability the router picks the cheap model, per type
        caught = cheap * x.fallback_catch * (1 - q)  # bad cheap answers re-run on the strong model
        bad = cheap * (1 - q) * (1 - x.fallback_catch * q_s) + (1 - cheap) * (1 - q_s)
        escalated = 1 - cheap
        paths = {"cheap": cheap - caught, "cheap + strong": caught, "strong": 1 - cheap}
        cheap_calls, strong_calls = cheap, (1 - cheap) + caught
    else:
        catch, false = 1 - e_b, e_a
        escalated = catch * (1 - q) + false * q  # (2, n)
        bad = (1 - catch) * (1 - q) + escalated * (1 - q_s)
        paths = {"cheap": 1 - escalated, "cheap + strong": escalated, "strong": np.zeros_like(escalated)}
        cheap_calls, strong_calls = np.ones_like(escalated), escalated
    return {"cheap": cheap_calls, "strong": strong_calls, "bad": bad, "escalated": escalated, "paths": paths}


def _per_type(simple: np.ndarray | float, complex_: np.ndarray | float) -> np.ndarray:
    """A quantity of each request type as rows (simple, complex): (2, 1) for numbers, (2, n) where one is an array
    of n (a sweep's points, or draws)."""
    return np.stack(np.broadcast_arrays(*(np.atleast_1d(np.asarray(v, dtype=float)) for v in (simple, complex_))))


def _type_weights(x: RoutingInputs) -> np.ndarray:
    """Share of user requests of each type, as rows: simple, complex."""
    return _per_type(x.simple_share, 1 - x.simple_share)


@dataclass(frozen=True)
class Volumes:
    """Per request billed today (arrays over a sweep): what the routed system sends for the same user requests."""

    cheap: np.ndarray  # cheap-model requests
    strong: np.ndarray  # strong-model requests (routed or escalated, and fallbacks)
    attempts: np.ndarray  # attempts through the router or scorer (user requests and their retries)
    quality: np.ndarray  # share of user requests whose first answer is good
    eventual: np.ndarray  # share of user requests that end with a good answer after retries
    escalation: np.ndarray  # share of attempts sent or escalated to the strong model
    weights: np.ndarray  # (2, n) attempts per user request of each type, weighted by the type's share


def volumes(x: RoutingInputs, errors: tuple[np.ndarray | float, np.ndarray | float] | None = None) -> Volumes:
    """Attempts are geometric in the user's retries: 1 / (1 - rho F) per user request of each type; a request
    billed today stands for D = 1 - rho (1 - q_s) user requests."""
    rates = _rates(x, x.errors if errors is None else errors)
    w = _type_weights(x)
    attempts = 1.0 / (1.0 - x.user_retry * rates["bad"])
    d = x.user_share
    return Volumes(
        cheap=d * (w * rates["cheap"] * attempts).sum(axis=0),
        strong=d * (w * rates["strong"] * attempts).sum(axis=0),
        attempts=d * (w * attempts).sum(axis=0),
        quality=(w * (1 - rates["bad"])).sum(axis=0),
        eventual=(w * (1 - rates["bad"]) * attempts).sum(axis=0),
        escalation=(w * rates["escalated"]).sum(axis=0),
        weights=w * attempts,
    )


# --- the lever ---------------------------------------------------------------------------------------------------


def _priced(w: Workload, cat: Catalogue, key: str) -> bool:
    return model_prices(w, cat, key) is not None


def routed(c: CallClass, x: RoutingInputs, w: Workload, cat: Catalogue) -> bool:
    """A class is routed unless it already runs on the cheap model, or its model or the cheap one has no price (its
    cost today, or through the router, could not be priced)."""
    return c.model_key != x.cheap_model and _priced(w, cat, c.model_key) and _priced(w, cat, x.cheap_model)


def unpriced(w: Workload, x: RoutingInputs, cat: Catalogue) -> list[str]:
    """Names of the classes left as they are because their model has no price."""
    return [c.name for c in w.classes if c.model_key != x.cheap_model and not _priced(w, cat, c.model_key)]


def _split(c: CallClass, cheap_model: str, strong: Num, cheap: Num) -> list[CallClass]:
    """A routed class as its strong-model and cheap-model classes; `strong`, `cheap`: requests of each per request
    billed today (numbers, or one per draw)."""
    r = c.requests_per_month
    return [copied(c, requests_per_month=r * strong),
            moved_to(c, cheap_model, name=f"{c.name} · cheap model", requests_per_month=r * cheap)]


def _router_fee(x: RoutingInputs, attempts: Num, volume: Num) -> Num:
    """USD a month for the router or scorer: every attempt on `volume` requests billed today goes through it."""
    return x.router_cost * attempts * volume


def _overhead_name(x: RoutingInputs) -> str:
    return "Router" if x.mode == "router" else "Confidence scorer"


def apply(w: Workload, x: RoutingInputs, cat: Catalogue) -> Workload:
    v = volumes(x)
    cheap, strong, attempts = float(v.cheap[0]), float(v.strong[0]), float(v.attempts[0])
    out = w.map(lambda c: _split(c, x.cheap_model, strong, cheap) if routed(c, x, w, cat) else c)
    volume = sum(c.requests_per_month for c in w.classes if routed(c, x, w, cat))
    fee = _router_fee(x, attempts, volume)
    # Overhead validates the fee: above its bound this raises, and the waterfall books the lever as unable to apply.
    return out.replace(out.classes, overheads=(Overhead(name=_overhead_name(x), usd_per_month=fee, lever="routing"),)
                       if fee > 0 else ())


# The largest monthly overhead `Overhead` accepts: a fee above it makes `apply` raise.
_MAX_OVERHEAD: float = next(float(m.le) for m in Overhead.model_fields["usd_per_month"].metadata
                            if isinstance(m, at.Le))


def apply_draws(wd: WorkloadDraws, x: RoutingInputs, cat: Catalogue) -> tuple[WorkloadDraws, np.ndarray]:
    """`apply` in every draw at once (`x`'s drawn fields are arrays): the same volumes, split and fee per draw; it
    fails (ok False) where the fee exceeds what `Overhead` accepts, as `apply` raises there."""
    n = wd.n
    v = volumes(x)
    cheap, strong, attempts = (as_draws(a, n) for a in (v.cheap, v.strong, v.attempts))
    w = wd.as_workload()
    variants: list[Variant] = []
    volume = np.zeros(n)
    for p in wd.variants:
        if not routed(p.c, x, w, cat):
            variants.append(p)
            continue
        variants += [p.with_class(c) for c in _split(p.c, x.cheap_model, strong, cheap)]
        requests = as_draws(p.c.requests_per_month, n)  # a variant has no requests in the draws it is not active in
        volume = volume + (requests if p.active is None else np.where(p.active, requests, 0.0))
    fee = _router_fee(x, attempts, volume)
    out = replace(wd, variants=tuple(variants))
    return (out.plus_overheads([OverheadDraws(_overhead_name(x), np.where(fee > 0, fee, 0.0), "routing")]),
            ~(fee > _MAX_OVERHEAD))


def describe(x: RoutingInputs) -> str:
    if x.mode == "router":
        how = (f"router sends {x.simple_to_cheap:.0%} of simple and {x.complex_to_cheap:.0%} of complex requests to "
               f"{x.cheap_model}")
    else:
        how = (f"cascade through {x.cheap_model}, escalating {x.catch_rate:.0%} of bad and {x.false_escalation:.0%} "
               "of good answers")
    return f"{how}; {x.simple_share:.0%} simple; user requests unchanged, {x.user_retry:.0%} of bad answers retried"


def idle(w: Workload, x: RoutingInputs, cat: Catalogue) -> str | None:
    if any(routed(c, x, w, cat) for c in w.classes):
        return None
    if not _priced(w, cat, x.cheap_model):
        return f"the cheap model, {x.cheap_model}, has no price in the catalogue"
    left = unpriced(w, x, cat)
    if left:
        return (f"no call class runs on a priced model other than the cheap one: '{left[0]}' runs on "
                f"{w.classes[[c.name for c in w.classes].index(left[0])].model_key}, which has no price (today's cost "
                "of that traffic is unknown)")
    return f"every call class already runs on the cheap model ({x.cheap_model})"


def caveat(w: Workload, x: RoutingInputs, cat: Catalogue) -> str | None:
    """Classes left out of the routing because their model has no price: the saving leaves their traffic alone."""
    left = unpriced(w, x, cat)
    if not left or idle(w, x, cat) is not None:
        return None
    names = ", ".join(f"'{n}'" for n in left[:3]) + (f" and {len(left) - 3} more" if len(left) > 3 else "")
    return (f"{names} {'runs' if len(left) == 1 else 'run'} on a model with no price in the catalogue: not routed "
            "(today's cost of that traffic is unknown), and left out of the saving.")


def strong_model(w: Workload, cheap_model: str, cat: Catalogue) -> str | None:
    """The model of the class with the most requests that is routed to `cheap_model` (None: nothing is routed)."""
    x = RoutingInputs(cheap_model=cheap_model)
    routed_classes = [c for c in w.classes if routed(c, x, w, cat)]
    return max(routed_classes, key=lambda c: c.requests_per_month).model_key if routed_classes else None


def default_cheap_model(w: Workload, cat: Catalogue) -> str:
    """A cheaper model of the main class's provider if one is listed, else a cheap model of another provider;
    'cheaper' is one request of the main class priced by the pricing function. The main class is the priced class
    with the most requests: a model with no price is never offered, nor compared. The main class's own model when
    nothing listed is cheaper; the first listed fallback that is priced when no class is."""
    priced = [c for c in w.classes if _priced(w, cat, c.model_key)]
    if not priced:
        return next((k for k in FALLBACK_CHEAP if _priced(w, cat, k)), FALLBACK_CHEAP[0])
    main = max(priced, key=lambda c: c.requests_per_month)
    provider = model_prices(w, cat, main.model_key).provider_id
    keys = [k for k in dict.fromkeys(CHEAP_DEFAULTS.get(provider, ()) + FALLBACK_CHEAP)
            if k != main.model_key and _priced(w, cat, k)]
    probes = [probe(main, w, key, name=str(i)) for i, key in enumerate([main.model_key, *keys])]
    bill = price(w.replace(probes), cat)
    today = bill.classes[0].total
    for key, b in zip(keys, bill.classes[1:], strict=True):
        if b.priced and b.total < today:
            return key
    return main.model_key


def defaults(w: Workload, cat: Catalogue) -> dict[str, object]:
    return {"cheap_model": default_cheap_model(w, cat)}


LEVER = Lever(
    name="routing", label="Routing and cascades", page="pages/routing.py",
    question="Will a router (or a cheap-first cascade) pay for itself, given how accurate it really is?",
    inputs=RoutingInputs, apply=apply, describe=describe, defaults=defaults, idle=idle, caveat=caveat,
    group=MODEL_CHOICE, draws=apply_draws,
)


# --- money: one priced request of each class on each model --------------------------------------------------------


@dataclass(frozen=True)
class Coefficients:
    """The routed classes' money per request, from `bill.price` (tiers, batch, caching, call failures honoured).

    Today's cost comes from probes whose hit rates are today's; the costs through the router from probes whose hit
    rates are those of the workload after routing at the user's setting: a cache's derived hit rate depends on the
    traffic reaching it, which routing changes (less on today's model, some on the cheap one). So the saving is the
    priced one exactly at the user's setting, and holds those hit rates along a sweep."""

    requests: float  # requests billed today on the routed classes (user requests and their retries)
    cheap_cost: float  # USD per request on the cheap model, weighted by today's requests of each class
    strong_cost: float  # USD per request on each class's own model after routing, weighted the same way
    router_cost: float  # USD per attempt through the router or scorer
    today_cost: float  # USD per request on each class's own model today, weighted the same way
    others_change: float = 0.0  # USD a month the classes not routed change by (a cache they share with routed ones)

    @property
    def baseline(self) -> float:
        """What a request billed today stands for in the saving: today's cost, less the routed share of any change
        to the classes that are not routed."""
        return self.today_cost - (self.others_change / self.requests if self.requests > 0 else 0.0)

    @classmethod
    def of(cls, w: Workload, x: RoutingInputs, cat: Catalogue, after: Workload | None = None) -> Coefficients:
        after = apply(w, x, cat) if after is None else after
        chosen = [routed(c, x, w, cat) for c in w.classes]
        classes = [c for c, r in zip(w.classes, chosen, strict=True) if r]
        others = [c for c, r in zip(w.classes, chosen, strict=True) if not r]
        probes = [p for i, c in enumerate(classes)
                  for p in (probe(c, w, name=f"{i}/today"), probe(c, after, name=f"{i}/strong"),
                            probe(c, after, x.cheap_model, name=f"{i}/cheap"))]
        probes += [p for j, c in enumerate(others)
                   for p in (probe(c, w, name=f"o{j}/today"), probe(c, after, name=f"o{j}/after"))]
        totals = np.array([b.total for b in price(w.replace(probes), cat).classes]) if probes else np.zeros(0)
        per_request = totals[:3 * len(classes)].reshape(len(classes), 3)
        other = totals[3 * len(classes):].reshape(len(others), 2)
        others_change = float(sum(c.requests_per_month * (a - t) for c, (t, a) in zip(others, other, strict=True)))
        volume = np.array([c.requests_per_month for c in classes], dtype=float)
        weights = volume / volume.sum() if volume.sum() > 0 else np.full(len(classes), 1 / max(len(classes), 1))
        today, strong, cheap = (weights @ per_request) if classes else (0.0, 0.0, 0.0)
        return cls(requests=float(volume.sum()), cheap_cost=float(cheap), strong_cost=float(strong),
                   router_cost=x.router_cost, today_cost=float(today), others_change=others_change)

    def bill_per_request(self, v: Volumes) -> np.ndarray:
        """USD per request billed today, through the router: router or scorer, cheap and strong calls."""
        return self.router_cost * v.attempts + self.cheap_cost * v.cheap + self.strong_cost * v.strong

    def saving(self, v: Volumes) -> np.ndarray:
        """Monthly saving: today's routed classes, less the same user requests through the router, less the change to
        the classes not routed (exact at the hit rates the coefficients hold: the bill is linear in requests)."""
        return self.requests * (self.today_cost - self.bill_per_request(v)) - self.others_change


# --- sweeps: one parameter, every routing rate affine in it ------------------------------------------------------


def _escalation_sweep(x: RoutingInputs, theta: np.ndarray) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray]:
    """Vary the false-escalation rate (simple requests escalated, or good cheap answers escalated) from 0 to 1,
    keeping the other error; returns the errors and the escalation rate, both affine in theta."""
    e_a = theta
    e_b = np.full_like(theta, x.errors[1])
    return (e_a, e_b), volumes(x, (e_a, e_b)).escalation


def _direction(x: RoutingInputs) -> tuple[float, float]:
    """Both errors scaled together, keeping their mix; equal errors when the classifier is perfect."""
    a, b = x.errors
    top = max(a, b)
    return (a / top, b / top) if top > 0 else (1.0, 1.0)


def _accuracy_sweep(x: RoutingInputs, lam: np.ndarray) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray]:
    d_a, d_b = _direction(x)
    w_a, w_b = x.error_weights
    return (lam * d_a, lam * d_b), 1 - lam * (w_a * d_a + w_b * d_b)


def _affine_roots(x: RoutingInputs, k: Coefficients, sweep) -> list[float]:
    """Roots in [0, 1] of saving(theta) = B - sum_type w K(theta) / D(theta), K and D affine in theta.

    Per user request, type t costs K_t = r + cheap_t c_cheap + strong_t c_strong per attempt and takes 1 / D_t
    attempts, D_t = 1 - rho F_t; today costs B = c_strong / (1 - rho (1 - q_s)). Multiplying out the two
    denominators gives a quadratic in theta, solved in closed form; the affine coefficients are read exactly from
    the core at theta = 0 and 1.
    """
    errors, _ = sweep(x, np.array([0.0, 1.0]))
    rates = _rates(x, errors)
    cost = k.router_cost + rates["cheap"] * k.cheap_cost + rates["strong"] * k.strong_cost  # (2 types, 2 ends)
    d = 1.0 - x.user_retry * rates["bad"]
    w = _type_weights(x)[:, 0]
    a, b = cost[:, 0], cost[:, 1] - cost[:, 0]
    c, dd = d[:, 0], d[:, 1] - d[:, 0]
    base = k.baseline / x.user_share
    # base D0 D1 - w0 K0 D1 - w1 K1 D0 = 0, with K = a + b t and D = c + dd t
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
        t = -0.5 * (q1 + math.copysign(sq, q1))  # the numerically stable pair of roots
        roots = [t / q2] + ([q0 / t] if t != 0 else [])
    eps = 1e-12
    return sorted({min(max(r, 0.0), 1.0) for r in roots if -eps <= r <= 1 + eps})


def _first_root(x: RoutingInputs, k: Coefficients, sweep) -> float | None:
    """The break-even on the sweep's own x-axis (escalation rate or accuracy): its first root in theta."""
    roots = _affine_roots(x, k, sweep)
    if not roots:
        return None
    _, axis = sweep(x, np.array([roots[0]]))
    return float(axis[0])


# --- the page's analysis ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoutingResult(TodayAndAfter):
    today: Bill
    after: Bill
    coefficients: Coefficients
    volumes: Volumes  # at the user's setting
    escalation_rate: float
    accuracy: float
    quality: float  # share of user requests whose first answer is good
    eventual_success: float  # after the user's retries
    baseline_quality: float  # today: the strong model's success
    baseline_eventual: float
    p50_latency_ms: float
    mean_latency_ms: float
    break_even_escalation: float | None  # escalation rate where the saving hits zero (varying false escalations)
    break_even_accuracy: float | None  # accuracy where the saving hits zero (scaling both errors together)
    requests_per_user_request: float  # attempts per user request with the router (1 + retries)
    baseline_requests_per_user_request: float


    @property
    def saving_per_request(self) -> float:
        """USD saved per request billed today on the routed classes: defined even when there are none this month."""
        return float(self.coefficients.baseline - self.coefficients.bill_per_request(self.volumes)[0])

    @property
    def price_ratio(self) -> float | None:
        """The cheap model's cost per request over the strong model's, on the routed classes."""
        k = self.coefficients
        return k.cheap_cost / k.strong_cost if k.strong_cost > 0 else None


def _latency(x: RoutingInputs, errors: tuple[float, float], weights: np.ndarray) -> tuple[float, float]:
    """Median and mean latency over attempts: each path takes its typical time (router + model calls)."""
    rates = _rates(x, errors)
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


def evaluate(w: Workload, x: RoutingInputs, cat: Catalogue, today: Bill | None = None) -> RoutingResult:
    today = today if today is not None else price(w, cat)
    routed_workload = apply(w, x, cat)
    after = price(routed_workload, cat)
    k = Coefficients.of(w, x, cat, routed_workload)
    v = volumes(x)
    p50, mean = _latency(x, x.errors, v.weights)
    d = x.user_share
    return RoutingResult(
        today=today, after=after, coefficients=k, volumes=v, escalation_rate=float(v.escalation[0]),
        accuracy=x.accuracy, quality=float(v.quality[0]), eventual_success=float(v.eventual[0]),
        baseline_quality=x.strong_success, baseline_eventual=x.strong_success / d,
        p50_latency_ms=p50, mean_latency_ms=mean,
        break_even_escalation=_first_root(x, k, _escalation_sweep),
        break_even_accuracy=_first_root(x, k, _accuracy_sweep),
        requests_per_user_request=float(v.attempts[0]) / d, baseline_requests_per_user_request=1.0 / d,
    )


def _curve(x: RoutingInputs, k: Coefficients, sweep, grid: np.ndarray, grid_name: str,
           axis_name: str) -> pd.DataFrame:
    """Monthly saving and quality along a sweep: the same core as `evaluate`, vectorised."""
    errors, axis = sweep(x, grid)
    v = volumes(x, errors)
    return pd.DataFrame({grid_name: grid, axis_name: axis, "saving": k.saving(v), "quality": v.quality}) \
        .sort_values(axis_name).reset_index(drop=True)


def saving_vs_escalation(x: RoutingInputs, k: Coefficients, points: int = 101) -> pd.DataFrame:
    """Monthly saving as the false-escalation rate runs from 0 to 1 (x-axis: the escalation rate it gives)."""
    theta = np.unique(np.append(np.linspace(0.0, 1.0, points), x.errors[0]))  # the user's own setting included
    return _curve(x, k, _escalation_sweep, theta, "false_escalation", "escalation_rate")


def saving_vs_accuracy(x: RoutingInputs, k: Coefficients, points: int = 101) -> pd.DataFrame:
    """Monthly saving as both classifier errors grow together from zero (x-axis: accuracy)."""
    lam = np.unique(np.append(np.linspace(0.0, 1.0, points), max(x.errors)))  # the user's own setting included
    return _curve(x, k, _accuracy_sweep, lam, "error_scale", "accuracy")


def cost_breakdown(x: RoutingInputs, r: RoutingResult) -> pd.DataFrame:
    """USD a month on the routed classes by where the money goes: router or scorer, cheap and strong calls for the
    users' first attempts, and the retries of bad answers; today and with the router (or cascade)."""
    k, v, d = r.coefficients, r.volumes, x.user_share
    rates = _rates(x, x.errors)
    w = _type_weights(x)
    first = {
        "router or scorer": d * k.router_cost,
        "cheap model": d * float((w * rates["cheap"])[:, 0].sum()) * k.cheap_cost,
        "strong model": d * float((w * rates["strong"])[:, 0].sum()) * k.strong_cost,
    }
    total = float(k.bill_per_request(v)[0])
    routed_parts = first | {"retries": total - sum(first.values())}
    today_parts = {"router or scorer": 0.0, "cheap model": 0.0, "strong model": d * k.today_cost,
                   "retries": k.today_cost - d * k.today_cost}
    label = "With the router" if x.mode == "router" else "With the cascade"
    return pd.DataFrame([
        {"setup": "Today"} | {name: value * k.requests for name, value in today_parts.items()},
        {"setup": label} | {name: value * k.requests for name, value in routed_parts.items()},
    ])


EXPLANATION = r"""
Requests are **simple** (share *s*: the cheap model serves them as well as the strong one) or **complex**. The strong
model is each call class's own model (today's). Each model's cost per request *c*ᶜʰ and *c*ˢ comes from the pricing
function: one request of each class priced on each model (long-context tiers, batch prices, caching and call
failures as the class bills them), weighted by the classes' requests. A cache hit rate observed on today's model
does not travel to the cheap model: its cache's rate comes from the traffic routing sends it, and today's model's
cache sees less traffic than today. The costs use the hit rates of your setting, so the curves pass through the
priced saving there exactly; along a curve those rates are held. A class on a model with no price is not routed:
its cost today is unknown, so no saving on it can be priced.

**Today's requests include retries.** A bad answer is retried by the user with probability ρ, as a new request of
the same type. Today the strong model answers everything, so a class billed for *R* requests serves
*U* = *R* × (1 − ρ(1 − *q*ˢ)) user requests. The lever keeps *U*.

**Router.** A classifier (cost *r* per request it sees, latency added to every request) sends a simple request to
the cheap model with probability *t* and a complex one with probability *f*. Per attempt, for a request of each type
routed cheap with probability π (π = *t* or *f*):
- cheap calls π, strong calls (1 − π) + π·φ·(1 − *q*), where *q* is the cheap model's success on that type and φ the
  share of its bad answers a check catches and re-runs on the strong model (the fallback);
- chance of a bad answer *F* = π·(1 − *q*)·(1 − φ·*q*ˢ) + (1 − π)·(1 − *q*ˢ).

**Cascade.** Every request goes to the cheap model first (plus the scorer's cost *r*); the score escalates a share β
of the cheap model's bad answers and, wrongly, a share γ of its good ones: per type the escalation probability is
*e* = β·(1 − *q*) + γ·*q*, strong calls *e*, and *F* = (1 − β)·(1 − *q*) + *e*·(1 − *q*ˢ).

**Attempts** are geometric in the retries: 1 / (1 − ρ·*F*) per user request. The workload after routing is each class
as a strong-model class and a cheap-model class with those volumes, and the router (or scorer) as a monthly cost
of *r* per attempt; **saving** = today's bill − that workload's bill, both from the pricing function.
**Quality** is the share of user requests whose first answer is good, Σ weight × (1 − *F*); attempts fail
independently.

**Latency (illustrative).** Each path takes its typical time: router + cheap, router + cheap + strong (fallback or
escalation), router + strong. The p50 is the median over attempts of these path times; it ignores each model's own
spread, so read it as "which path does the typical request take".

**Break-evens.** *Escalation rate*: the false-escalation rate (1 − *t* for a router, γ for a cascade) runs from 0 to 1
with the other error fixed. *Accuracy*: both errors grow together in the proportion you set. In both sweeps the calls
and *F* are affine in the swept rate, so saving = 0 multiplies out to a quadratic, solved in closed form. A cascade
pays the cheap model on every request, so without retries it breaks even at *e* = 1 − (*c*ᶜʰ + *r*) / *c*ˢ: with a
model half the price, escalating more than about half the traffic costs more than no cascade at all.
"""
