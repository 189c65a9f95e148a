"""Distillation payback: label data with a frontier (teacher) model, train a small student, serve the student.

Every call class becomes a **student class** (its requests x the student's share) and a **fallback class** on the
class's own model (its requests x (1 - quality retained)): the requests the student cannot handle go back to the
model that answers them today, after the student answered (both are paid) or routed there up front (only the
fallback is paid). The student's upkeep is a monthly Overhead. A self-hosted student is priced at one typed rate per
million tokens, added to the workload as its own model. The student reads its own cache: a hit rate observed on
today's model does not travel to it (`workload.moved_to`: it is derived from the traffic reaching the student). A class
on a model with no price is left as it is: today's cost of that traffic is unknown, so no saving on it can be priced
(the Overview and the page say so).

The **one-off cost** is labelling (the labelling requests priced on the teacher by the pricing function, at the
teacher's batch prices where it publishes them and batch labelling is on; a typed discount only where the
catalogue has no batch price), plus training (per training token, or GPU hours x rate) and evaluation.
**Payback** = one-off cost / the monthly saving the Overview's bar shows. Every money input is typed in the user's
currency and held in USD, so the payback is the same in every currency.

Money comes only from `bill.price`. At given cache hit rates the bill is linear in volume, so the saving at any
volume is volume / today's volume x (the saving before upkeep) - upkeep: the payback-vs-volume curve and the volumes
that pay back hold today's hit rates (exact where none is derived from traffic, and at today's volume always).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from calculators.bill import Bill, model_prices, price
from calculators.draws import OverheadDraws, Variant, WorkloadDraws, split_where, varies
from calculators.lever import MODEL_CHOICE, Lever, TodayAndAfter
from calculators.prices import Catalogue, ModelPrices, TieredRate
from calculators.workload import DEFAULT_MODEL, CallClass, Overhead, Workload, copied, moved_to

TrainingMode = Literal["Per training token", "Per GPU hour"]
StudentSource = Literal["Catalogue model", "Self-hosted"]
FallbackMode = Literal["Student first, then teacher", "Routed to the teacher up front"]
DEFAULT_STUDENT = "openai/ft:gpt-4o-mini"  # a fine-tuned small model, priced in the catalogue
FALLBACK_BATCH_DISCOUNT = 0.5  # OpenAI, Anthropic, Google batch APIs (source key batch_discount)
SELF_HOSTED_KEY = "self-hosted/distilled-student"
MAX_MONTHS = 120


def self_hosted_prices(price_per_mtok: float | np.ndarray) -> ModelPrices:
    """A student you serve yourself, priced at one USD-per-million-tokens rate for input and output alike. An array:
    one rate per draw (draws.price_draws bills each draw at its own), not validated, as it is no float: the drawn
    prices lie within the field's bounds."""
    if varies(price_per_mtok):
        rate = TieredRate.model_construct(base=np.asarray(price_per_mtok, dtype=float), tiers=())
    else:
        rate = TieredRate(base=price_per_mtok)
    provider, model = SELF_HOSTED_KEY.split("/")
    return ModelPrices(
        provider_id=provider, provider_name="Self-hosted", model_id=model, model_name="distilled student",
        input=rate, output=rate, source="your own serving cost", source_date="entered on the Distillation page",
    )


class DistillationInputs(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    student_source: StudentSource = Field(
        "Catalogue model", title="Student", json_schema_extra={"key": "distil.source", "widget": "radio"},
        description="A small model priced in the catalogue (e.g. a fine-tuned hosted model), or your own serving "
        "cost per million tokens.",
    )
    student: str = Field(
        DEFAULT_STUDENT, min_length=3, max_length=200, title="Student model",
        json_schema_extra={"key": "distil.student", "options": "models"},
        description="A small model from the catalogue; the default is a fine-tuned small hosted model priced in "
        "genai-prices.",
    )
    self_hosted_price: float = Field(
        0.10, ge=0, le=1_000, title="Self-hosted price, $ per MTok",
        json_schema_extra={"key": "distil.hosted", "money": True, "step": 0.01, "format": "%.4f"},
        description="What serving the student costs you per million tokens, input and output alike (illustrative).",
    )
    teacher: str = Field(
        DEFAULT_MODEL, min_length=3, max_length=200, title="Labelling teacher",
        json_schema_extra={"key": "distil.teacher", "options": "models"},
        description="The frontier model that labels the training data. Default: the workload's model. The requests "
        "the student cannot handle fall back to each class's own model.",
    )
    examples: int = Field(
        20_000, ge=1, le=100_000_000, title="Examples to label", json_schema_extra={"key": "distil.examples",
                                                                                     "step": 1000},
        description="Requests sent to the teacher to build the training set (illustrative; Hsieh et al. matched a "
        "540B model with a 770M student using 80% of a benchmark's training data).",
    )
    label_input_tokens: int = Field(
        2_000, ge=0, le=2_000_000, title="Teacher input per example",
        json_schema_extra={"key": "distil.label_in", "unit": "tokens"},
        description="Prompt tokens per labelled example (default: the workload's input).",
    )
    label_output_tokens: int = Field(
        400, ge=0, le=200_000, title="Teacher output per example",
        json_schema_extra={"key": "distil.label_out", "unit": "tokens"},
        description="Teacher tokens per example (default: the workload's output). Distilling step-by-step also "
        "asks for a rationale: add its length here.",
    )
    use_batch: bool = Field(
        True, title="Label through the batch API", json_schema_extra={"key": "distil.batch"},
        description="Labelling can wait: it is priced at the teacher's batch prices from the catalogue.",
    )
    batch_discount: float = Field(
        FALLBACK_BATCH_DISCOUNT, ge=0, lt=1, title="Batch discount (teacher without a batch price)",
        json_schema_extra={"key": "distil.discount", "percent": True},
        description="Used only when the catalogue has no batch price for the teacher: the providers' usual 50%.",
    )
    training_mode: TrainingMode = Field(
        "Per training token", title="Training is priced", json_schema_extra={"key": "distil.mode", "widget": "radio"},
        description="Hosted fine-tuning bills per training token (tokens x epochs); your own GPUs bill per hour.",
    )
    training_price: float = Field(
        3.0, ge=0, le=1_000, title="Training price, $ per MTok",
        json_schema_extra={"key": "distil.train_price", "money": True, "step": 0.5},
        description="Price per million training tokens (illustrative: hosted fine-tuning of small models is "
        "priced at a few dollars per MTok; check your provider).",
    )
    epochs: int = Field(
        3, ge=1, le=50, title="Epochs", json_schema_extra={"key": "distil.epochs"},
        description="Passes over the training set; billed training tokens = examples x tokens x epochs "
        "(illustrative default).",
    )
    gpu_hours: float = Field(
        24.0, ge=0, le=1_000_000, title="GPU hours", json_schema_extra={"key": "distil.gpu_hours", "step": 1.0},
        description="GPU hours for the training runs, failed runs included (illustrative default).",
    )
    gpu_rate: float = Field(
        3.0, ge=0, le=1_000, title="GPU price, $ per hour",
        json_schema_extra={"key": "distil.gpu_rate", "money": True, "step": 0.25},
        description="Rental price of one GPU hour (illustrative default).",
    )
    evaluation_cost: float = Field(
        5_000.0, ge=0, le=100_000_000, title="Evaluation cost ($)",
        json_schema_extra={"key": "distil.eval", "money": True, "step": 100.0},
        description="One-off: eval runs, human review and setup work before switching traffic (illustrative default).",
    )
    quality_retained: float = Field(
        0.95, ge=0, le=1, title="Quality retained", json_schema_extra={"key": "distil.quality", "percent": True},
        description="Share of requests the student answers well enough; the rest fall back to the class's own "
        "model (illustrative default).",
    )
    fallback_mode: FallbackMode = Field(
        "Student first, then teacher", title="Requests the student can't handle",
        json_schema_extra={"key": "distil.fallback", "widget": "radio"},
        description="Student first: it answers, a check fails, today's model answers again (both are paid). Up "
        "front: a router sends them straight to today's model (only it is paid).",
    )
    upkeep_per_month: float = Field(
        200.0, ge=0, le=10_000_000, title="Student upkeep, $ per month",
        json_schema_extra={"key": "distil.upkeep", "money": True, "step": 50.0},
        description="Fixed monthly cost of running a student: hosting fees, drift monitoring, periodic re-evals "
        "(illustrative default).",
    )
    horizon_months: int = Field(
        12, ge=1, le=MAX_MONTHS, title="Horizon (months)", json_schema_extra={"key": "distil.horizon"},
        description="How long you expect the student to stay in service before retraining (illustrative default).",
    )

    @property
    def student_key(self) -> str:
        return SELF_HOSTED_KEY if self.student_source == "Self-hosted" else self.student

    @property
    def student_share(self) -> float:
        """Share of requests the student is paid for: all of them when it answers first, else those it keeps."""
        return 1.0 if self.fallback_mode == "Student first, then teacher" else self.quality_retained

    @property
    def fallback_share(self) -> float:
        return 1.0 - self.quality_retained


def _priced(w: Workload, cat: Catalogue, key: str) -> bool:
    return model_prices(w, cat, key) is not None


def defaults(w: Workload, cat: Catalogue) -> dict[str, object]:
    """The teacher is the model of the main class (the catalogue class with the most requests: a teacher must be
    priced to price the labelling); the labelling request is that class's request."""
    listed = set(cat.keys())
    candidates = [c for c in w.classes if c.model_key in listed]
    if not candidates:
        return {}
    main = max(candidates, key=lambda c: c.requests_per_month)
    return {"teacher": main.model_key, "label_input_tokens": min(int(round(main.input_tokens)), 2_000_000),
            "label_output_tokens": min(int(round(main.output_tokens + main.reasoning_tokens)), 200_000)}


def _models(x: DistillationInputs) -> tuple[ModelPrices, ...]:
    """The self-hosted student as a model of the workload (its price one per draw where it is drawn)."""
    return (self_hosted_prices(x.self_hosted_price),) if x.student_source == "Self-hosted" else ()


def _student_priced(w: Workload, x: DistillationInputs, cat: Catalogue) -> bool:
    return x.student_source == "Self-hosted" or _priced(w, cat, x.student_key)


def replaced(c: CallClass, x: DistillationInputs, w: Workload, cat: Catalogue) -> bool:
    """A class is distilled unless it already runs on the student, or its model or the student has no price (the
    saving on it could not be priced)."""
    return c.model_key != x.student_key and _priced(w, cat, c.model_key) and _student_priced(w, x, cat)


def unpriced(w: Workload, x: DistillationInputs, cat: Catalogue) -> list[str]:
    """Names of the classes left as they are because their model has no price."""
    return [c.name for c in w.classes if c.model_key != x.student_key and not _priced(w, cat, c.model_key)]


def _fallback(c: CallClass, x: DistillationInputs) -> CallClass:
    """The requests the student cannot handle, on the class's own model (where `x.fallback_share > 0`)."""
    return copied(c, name=f"{c.name} · fallback", requests_per_month=c.requests_per_month * x.fallback_share)


def _student(c: CallClass, x: DistillationInputs) -> CallClass:
    """The requests the student is paid for (where `x.student_share > 0`)."""
    return moved_to(c, x.student_key, name=f"{c.name} · student",
                    requests_per_month=c.requests_per_month * x.student_share)


UPKEEP = "Student upkeep"


def apply(w: Workload, x: DistillationInputs, cat: Catalogue) -> Workload:
    def change(c: CallClass) -> CallClass | list[CallClass]:
        if not replaced(c, x, w, cat):
            return c
        out = []
        if x.fallback_share > 0:
            out.append(_fallback(c, x))
        if x.student_share > 0:
            out.append(_student(c, x))
        return out

    out = w.map(change)
    # No class distilled (all on the student already, or unpriced): no new student to keep up.
    upkeep = (Overhead(name=UPKEEP, usd_per_month=x.upkeep_per_month, lever="distillation"),) \
        if x.upkeep_per_month > 0 and any(replaced(c, x, w, cat) for c in w.classes) else ()
    return out.replace(out.classes, overheads=upkeep, models=_models(x))


def apply_draws(wd: WorkloadDraws, x: DistillationInputs, cat: Catalogue) -> tuple[WorkloadDraws, np.ndarray]:
    """`apply` in every draw: a part whose share is 0 in a draw is not there (`apply` leaves it out: a fallback of no
    requests could still be refused by its context window); an upkeep of 0 bills nothing, as no overhead does. It
    applies in every draw: `apply`, `idle`, `one_off` and `caveat` raise for no inputs (the fields' bounds keep every
    class, overhead and price valid)."""
    w = wd.as_workload()

    def change(v: Variant) -> Variant | list[Variant]:
        if not replaced(v.c, x, w, cat):
            return v
        fallback = split_where(v, np.asarray(x.fallback_share) > 0, lambda p: p.with_class(_fallback(p.c, x)),
                               lambda p: None)
        student = split_where(v, np.asarray(x.student_share) > 0, lambda p: p.with_class(_student(p.c, x)),
                              lambda p: None)
        return fallback + student

    out = wd.map(change)
    upkeep = [OverheadDraws(UPKEEP, np.asarray(x.upkeep_per_month, dtype=float), "distillation")] \
        if any(replaced(c, x, w, cat) for c in w.classes) else []
    return out.plus_overheads(upkeep).plus_models(_models(x)), wd.everywhere()


# --- the one-off cost ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OneOff:
    labelling: float
    labelling_basis: str  # "batch price", "typed discount" or "standard price"
    training_tokens: float  # examples x tokens x epochs (per-token mode)
    training: float
    evaluation: float

    @property
    def total(self) -> float:
        return self.labelling + self.training + self.evaluation


def labelling_workload(w: Workload, x: DistillationInputs, cat: Catalogue) -> tuple[Workload, str]:
    """The labelling requests as a workload on the teacher, and on which prices they are billed."""
    teacher = model_prices(w, cat, x.teacher)
    batch_priced = teacher is not None and teacher.batch is not None
    basis = ("batch price" if batch_priced else "typed discount") if x.use_batch else "standard price"
    label = CallClass(name="Labelling", requests_per_month=float(x.examples), model_key=x.teacher,
                      tier="batch" if x.use_batch and batch_priced else "standard",
                      other_input_tokens=float(x.label_input_tokens), output_tokens=float(x.label_output_tokens))
    return Workload.model_construct(classes=(label,), overheads=(), custom_models=w.custom_models), basis


def one_off_cost(w: Workload, x: DistillationInputs, cat: Catalogue) -> OneOff:
    labelling_w, basis = labelling_workload(w, x, cat)
    labelling = price(labelling_w, cat).total * (1.0 - x.batch_discount if basis == "typed discount" else 1.0)
    tokens = float(x.examples) * (x.label_input_tokens + x.label_output_tokens) * x.epochs
    training = tokens * x.training_price / 1e6 if x.training_mode == "Per training token" else x.gpu_hours * x.gpu_rate
    return OneOff(labelling=labelling, labelling_basis=basis,
                  training_tokens=tokens if x.training_mode == "Per training token" else 0.0, training=training,
                  evaluation=x.evaluation_cost)


def one_off(w: Workload, x: DistillationInputs, cat: Catalogue) -> float:
    return one_off_cost(w, x, cat).total


def describe(x: DistillationInputs) -> str:
    student = "a self-hosted student" if x.student_source == "Self-hosted" else f"student {x.student}"
    return (f"{student}, {x.quality_retained:.0%} quality retained ({x.fallback_mode.lower()}), its upkeep in the "
            "bar; the one-off cost (labelling, training, evaluation) is outside the monthly bar")


def idle(w: Workload, x: DistillationInputs, cat: Catalogue) -> str | None:
    if any(replaced(c, x, w, cat) for c in w.classes):
        return None
    if not _student_priced(w, x, cat):
        return f"the student, {x.student_key}, has no price in the catalogue"
    left = unpriced(w, x, cat)
    if left:
        key = next(c.model_key for c in w.classes if c.name == left[0])
        return (f"no call class runs on a priced model other than the student: '{left[0]}' runs on {key}, which has "
                "no price (today's cost of that traffic is unknown)")
    return "every call class already runs on the student"


def caveat(w: Workload, x: DistillationInputs, cat: Catalogue) -> str | None:
    """Classes left as they are because their model has no price; a labelling teacher with no price."""
    notes = []
    left = unpriced(w, x, cat)
    if left and idle(w, x, cat) is None:
        names = ", ".join(f"'{n}'" for n in left[:3]) + (f" and {len(left) - 3} more" if len(left) > 3 else "")
        notes.append(f"{names} {'runs' if len(left) == 1 else 'run'} on a model with no price in the catalogue: not "
                     "distilled (today's cost of that traffic is unknown), and left out of the saving.")
    if not _priced(w, cat, x.teacher):
        notes.append(f"The labelling teacher, {x.teacher}, has no price: the one-off cost leaves labelling out.")
    return " ".join(notes) if notes else None


LEVER = Lever(
    name="distillation", label="Distillation", page="pages/distillation.py",
    question="When does labelling data with a frontier model and training a small one pay back, at our volume?",
    inputs=DistillationInputs, apply=apply, describe=describe, defaults=defaults, idle=idle, caveat=caveat,
    one_off=one_off, group=MODEL_CHOICE, draws=apply_draws,
)


# --- payback --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DistillationResult(TodayAndAfter):
    today: Bill
    after: Bill
    one_off: OneOff
    requests: float  # today's requests a month on the classes the lever distils
    today_distilled: float  # today's USD a month of those classes
    upkeep: float
    horizon_months: int

    @property
    def saving_before_upkeep(self) -> float:
        """The part of the saving that scales with volume; float noise (when the student serves nothing, say) is 0."""
        value = self.saving + self.upkeep
        return 0.0 if abs(value) <= 1e-9 * max(self.today.total, self.after.total) else value

    @property
    def per_request_today(self) -> float | None:
        """Today's cost of a request the lever distils."""
        return self.today_distilled / self.requests if self.requests > 0 else None

    @property
    def serving_per_request(self) -> float | None:
        """What such a request costs after distillation, upkeep aside: the student and the fallbacks."""
        m = self.margin_per_request
        return self.per_request_today - m if m is not None and self.per_request_today is not None else None

    @property
    def margin_per_request(self) -> float | None:
        """What each request saves before upkeep: the part of the saving that scales with volume."""
        return self.saving_before_upkeep / self.requests if self.requests > 0 else None

    @property
    def payback_months(self) -> float | None:
        """One-off cost / monthly saving; None when the monthly saving is not positive (it never pays back)."""
        saving = self.saving_before_upkeep - self.upkeep
        return self.one_off.total / saving if saving > 0 else None

    @property
    def min_volume(self) -> float | None:
        """Requests a month below which the saving does not cover the upkeep; None: no volume pays back."""
        m = self.margin_per_request
        return self.upkeep / m if m is not None and m > 0 else None

    @property
    def volume_for_horizon(self) -> float | None:
        """Requests a month that pay back the one-off cost within the horizon."""
        m = self.margin_per_request
        return (self.one_off.total / self.horizon_months + self.upkeep) / m if m is not None and m > 0 else None

    def cumulative(self, months: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        """Cumulative spend after `months`: today's bill only, and one-off + the bill after distillation."""
        m = np.asarray(months, dtype=float)
        return m * self.today.total, self.one_off.total + m * self.after.total

    @property
    def net_at_horizon(self) -> float:
        teacher, distilled = self.cumulative(self.horizon_months)
        return float(teacher - distilled)

    def payback_at(self, volume: np.ndarray | float) -> np.ndarray:
        """Months to pay back at each monthly volume (the workload scaled): NaN where it never does."""
        m = self.margin_per_request or 0.0
        saving = np.asarray(volume, dtype=float) * m - self.upkeep
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(saving > 0, self.one_off.total / np.where(saving > 0, saving, 1.0), np.nan)


def evaluate(w: Workload, x: DistillationInputs, cat: Catalogue, today: Bill | None = None) -> DistillationResult:
    today = today if today is not None else price(w, cat)
    after = price(apply(w, x, cat), cat)
    distilled = [i for i, c in enumerate(w.classes) if replaced(c, x, w, cat)]
    return DistillationResult(today=today, after=after, one_off=one_off_cost(w, x, cat),
                              requests=float(sum(w.classes[i].requests_per_month for i in distilled)),
                              today_distilled=float(sum(today.classes[i].total for i in distilled)),
                              upkeep=x.upkeep_per_month if distilled else 0.0, horizon_months=x.horizon_months)


def cumulative_curve(r: DistillationResult, points: int = 241) -> pd.DataFrame:
    """Cumulative spend month by month, today's bill only vs distil-then-serve; they cross at the payback."""
    payback = r.payback_months
    top = float(r.horizon_months)
    if payback is not None:
        top = max(top, min(1.5 * payback, MAX_MONTHS))
    extra = [payback] if payback is not None and payback <= top else []
    months = np.unique(np.concatenate([np.linspace(0.0, top, points), extra, [float(r.horizon_months)]]))
    teacher, distilled = r.cumulative(months)
    return pd.DataFrame({"month": months, "teacher_only": teacher, "distilled": distilled,
                         "cumulative_saving": teacher - distilled})


def payback_curve(r: DistillationResult, points: int = 241) -> pd.DataFrame:
    """Payback months across monthly volumes (log-spaced around today's); NaN where it never pays back."""
    current = max(r.requests, 1.0)
    lo, hi = current / 1_000, current * 100
    for v in (r.min_volume, r.volume_for_horizon):
        if v is not None and v > 0:
            lo, hi = min(lo, v / 3), max(hi, v * 3)
    volume = np.unique(np.concatenate([np.geomspace(max(lo, 1.0), max(hi, 10.0), points), [current]]))
    m = r.margin_per_request or 0.0
    return pd.DataFrame({"requests_per_month": volume, "payback_months": r.payback_at(volume),
                         "monthly_saving": volume * m - r.upkeep})


EXPLANATION = r"""
**The workload after distillation.** Every call class is split: the student answers its share of the requests (all
of them when it answers first, the retained share *q* when a router sends the rest up front), and the 1 − *q* it
cannot handle fall back to the model that answers them today (the class's own model, read from the class). Both are
priced by the one pricing function with the class's tokens, tier and caching (the student reads its own cache: its
hit rate comes from the traffic it receives, not from today's model's); the student's upkeep is a monthly cost.
**Monthly saving** = today's bill − that bill: the number the Overview's bar shows. A class on a model with no price
is left as it is: its cost today is unknown, so no saving on it can be priced.

**One-off cost** = teacher labelling + training + evaluation, outside the monthly bill.
- **Labelling**: the labelling requests (examples × the teacher's input and output tokens) priced on the teacher by
  the pricing function (long-context tiers honoured), at the teacher's **batch prices** where the catalogue has
  them and batch labelling is on; the typed discount applies only where the catalogue has no batch price.
- **Training**, hosted: examples × (input + output tokens per example) × epochs × price per million training
  tokens. On your own GPUs: GPU hours × price per hour.

**Payback** = one-off cost / monthly saving, in months. It never pays back when the monthly saving is 0 or
negative: when the student plus fallbacks cost as much as today's model, or the volume is below upkeep / *m*, with
*m* the saving per request before upkeep. The bill is linear in volume (at today's cache hit rates), so at *v*
requests a month the saving is *v* × *m* − upkeep, and the **volume to pay back within H months** is
(one-off / H + upkeep) / *m*.

**Currency.** Every money input (prices per MTok, per GPU hour, evaluation, upkeep) is typed in your currency and
held in USD, like every price in the catalogue, so the payback is the same in every currency.
"""
