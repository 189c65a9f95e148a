"""Distillation payback: label data with the frontier (teacher) model, train a small student, serve the student.

One-off cost = teacher labelling + training + evaluation. Running saving = what the teacher would have cost
minus what the student costs, where a share of requests the student cannot handle (1 - quality retained)
falls back to the teacher (by default after the student answered, so both are paid). Payback months =
one-off cost / monthly saving, in closed form.
"""
from __future__ import annotations

import math
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from calculators.prices import ModelPrices, TieredRate, request_cost

TrainingMode = Literal["Per training token", "Per GPU hour"]
StudentSource = Literal["Catalogue model", "Self-hosted"]
FallbackMode = Literal["Student first, then teacher", "Routed to the teacher up front"]
DEFAULT_STUDENT = "openai/ft:gpt-4o-mini"  # a fine-tuned small model, priced in the catalogue
FALLBACK_BATCH_DISCOUNT = 0.5  # OpenAI, Anthropic, Google batch APIs (source key batch_discount)
MAX_MONTHS = 120


def self_hosted_prices(price_per_mtok: float) -> ModelPrices:
    """A student you serve yourself, priced at one USD-per-million-tokens rate for input and output alike."""
    rate = TieredRate(base=price_per_mtok)
    return ModelPrices(
        provider_id="self-hosted", provider_name="Self-hosted", model_id="student", model_name="distilled student",
        input=rate, output=rate, source="your own serving cost", source_date="entered on this page",
    )


class DistillationInputs(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    requests_per_month: int = Field(ge=0, le=10_000_000_000, title="Requests per month")
    input_tokens: int = Field(ge=0, le=2_000_000, title="Input tokens per request")
    output_tokens: int = Field(ge=0, le=2_000_000, title="Output tokens per request")
    teacher: ModelPrices
    student: ModelPrices
    student_source: StudentSource = Field(
        "Catalogue model", title="Student", json_schema_extra={"widget": "radio"},
        description="A small model priced in the catalogue (e.g. a fine-tuned hosted model), or your own serving "
        "cost per million tokens.",
    )
    self_hosted_price: float = Field(
        0.10, ge=0, le=1_000, title="Self-hosted price, $ per MTok", json_schema_extra={"step": 0.01},
        description="What serving the student costs you per million tokens, input and output alike (illustrative).",
    )
    examples: int = Field(
        20_000, ge=1, le=100_000_000, title="Examples to label", json_schema_extra={"step": 1000},
        description="Requests sent to the teacher to build the training set (illustrative; Hsieh et al. matched a "
        "540B model with a 770M student using 80% of a benchmark's training data).",
    )
    label_input_tokens: int = Field(
        2_000, ge=0, le=2_000_000, title="Teacher input per example", json_schema_extra={"unit": "tokens"},
        description="Prompt tokens per labelled example (default: the workload's input).",
    )
    label_output_tokens: int = Field(
        400, ge=0, le=200_000, title="Teacher output per example", json_schema_extra={"unit": "tokens"},
        description="Teacher tokens per example (default: the workload's output). Distilling step-by-step also "
        "asks for a rationale: add its length here.",
    )
    use_batch: bool = Field(
        True, title="Label through the batch API",
        description="Labelling can wait: batch APIs bill 50% less at OpenAI, Anthropic and Google.",
    )
    batch_discount: float = Field(
        0.5, ge=0, lt=1, title="Batch discount", json_schema_extra={"percent": True},
        description="Price reduction for batch labelling (from the teacher's catalogue batch price where published, "
        "otherwise the providers' 50%).",
    )
    training_mode: TrainingMode = Field(
        "Per training token", title="Training is priced", json_schema_extra={"widget": "radio"},
        description="Hosted fine-tuning bills per training token (tokens x epochs); your own GPUs bill per hour.",
    )
    training_price: float = Field(
        3.0, ge=0, le=1_000, title="Training price, $ per MTok", json_schema_extra={"step": 0.5},
        description="Price per million training tokens (illustrative: hosted fine-tuning of small models is "
        "priced at a few dollars per MTok; check your provider).",
    )
    epochs: int = Field(
        3, ge=1, le=50, title="Epochs",
        description="Passes over the training set; billed training tokens = examples x tokens x epochs "
        "(illustrative default).",
    )
    gpu_hours: float = Field(
        24.0, ge=0, le=1_000_000, title="GPU hours", json_schema_extra={"step": 1.0},
        description="GPU hours for the training runs, failed runs included (illustrative default).",
    )
    gpu_rate: float = Field(
        3.0, ge=0, le=1_000, title="GPU price, $ per hour", json_schema_extra={"step": 0.25},
        description="Rental price of one GPU hour (illustrative default).",
    )
    evaluation_cost: float = Field(
        5_000.0, ge=0, le=100_000_000, title="Evaluation cost ($)", json_schema_extra={"step": 100.0},
        description="One-off: eval runs, human review and setup work before switching traffic (illustrative default).",
    )
    quality_retained: float = Field(
        0.95, ge=0, le=1, title="Quality retained", json_schema_extra={"percent": True},
        description="Share of requests the student answers well enough; the rest fall back to the teacher "
        "(illustrative default).",
    )
    fallback_mode: FallbackMode = Field(
        "Student first, then teacher", title="Requests the student can't handle",
        json_schema_extra={"widget": "radio"},
        description="Student first: it answers, a check fails, the teacher answers again (both are paid). Up front: "
        "a router sends them straight to the teacher (only the teacher is paid).",
    )
    upkeep_per_month: float = Field(
        200.0, ge=0, le=10_000_000, title="Student upkeep, $ per month", json_schema_extra={"step": 50.0},
        description="Fixed monthly cost of running a student: hosting fees, drift monitoring, periodic re-evals "
        "(illustrative default).",
    )
    horizon_months: int = Field(
        12, ge=1, le=MAX_MONTHS, title="Horizon (months)",
        description="How long you expect the student to stay in service before retraining (illustrative default).",
    )


class DistillationResult(BaseModel):
    model_config = ConfigDict(frozen=True)
    labelling_cost: float
    training_tokens: float  # billed training tokens (per-token mode), examples x tokens x epochs
    training_cost: float
    evaluation_cost: float
    one_off_cost: float
    teacher_per_request: float
    student_per_request: float
    fallback_share: float  # 1 - quality retained
    student_share: float  # share of requests the student is paid for (1, or q when routed up front)
    distilled_per_request: float  # student (all requests, or the retained share if routed) + fallback x teacher
    margin_per_request: float  # teacher - distilled: what each request saves before upkeep
    teacher_monthly: float
    distilled_monthly: float  # running cost incl. upkeep
    monthly_saving: float
    change_vs_teacher: float  # distilled_monthly - teacher_monthly (negative: cheaper)
    saving_per_request: float | None  # monthly saving / requests (upkeep spread over them); None at 0 requests
    payback_months: float | None  # None: the monthly saving is not positive, so it never pays back
    min_volume: float | None  # requests/month below which it never pays back; None: never at any volume
    volume_for_horizon: float | None  # requests/month to pay back within the horizon
    teacher_at_horizon: float  # cumulative teacher-only spend at the horizon
    distilled_at_horizon: float  # one-off + cumulative distilled running cost at the horizon
    net_at_horizon: float  # teacher_at_horizon - distilled_at_horizon


def _labelling_cost(x: DistillationInputs) -> float:
    per_example = float(request_cost(x.teacher, x.label_input_tokens, x.label_output_tokens))
    discount = x.batch_discount if x.use_batch else 0.0
    return x.examples * per_example * (1.0 - discount)


def _training(x: DistillationInputs) -> tuple[float, float]:
    tokens = float(x.examples) * (x.label_input_tokens + x.label_output_tokens) * x.epochs
    if x.training_mode == "Per training token":
        return tokens, tokens * x.training_price / 1e6
    return tokens, x.gpu_hours * x.gpu_rate


def _student_share(x: DistillationInputs) -> float:
    return 1.0 if x.fallback_mode == "Student first, then teacher" else x.quality_retained


def _per_request(x: DistillationInputs) -> tuple[float, float, float]:
    """(teacher, student, distilled) USD per request. A fallback request pays the teacher; when the student
    answered first (the default assumption) it pays the student too."""
    teacher = float(request_cost(x.teacher, x.input_tokens, x.output_tokens))
    student = float(request_cost(x.student, x.input_tokens, x.output_tokens))
    fallback = 1.0 - x.quality_retained
    return teacher, student, _student_share(x) * student + fallback * teacher


def one_off_cost(x: DistillationInputs) -> float:
    return _labelling_cost(x) + _training(x)[1] + x.evaluation_cost


def _payback(one_off: float, margin: float, upkeep: float, volume: np.ndarray | float) -> np.ndarray:
    """Months to pay back at each monthly volume: one-off / (volume x margin - upkeep); NaN where it never does."""
    saving = np.asarray(volume, dtype=float) * margin - upkeep
    with np.errstate(divide="ignore", invalid="ignore"):
        months = np.where(saving > 0, one_off / np.where(saving > 0, saving, 1.0), np.nan)
    return months


def _cumulative(x: DistillationInputs, months: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative spend after `months`: teacher only, and one-off + distilled running cost."""
    m = np.asarray(months, dtype=float)
    teacher, _, distilled = _per_request(x)
    n = x.requests_per_month
    return n * teacher * m, one_off_cost(x) + (n * distilled + x.upkeep_per_month) * m


def evaluate(x: DistillationInputs) -> DistillationResult:
    labelling = _labelling_cost(x)
    tokens, training = _training(x)
    one_off = labelling + training + x.evaluation_cost
    teacher, student, distilled = _per_request(x)
    margin = teacher - distilled
    n = x.requests_per_month
    saving = n * margin - x.upkeep_per_month
    months = float(_payback(one_off, margin, x.upkeep_per_month, n))
    if margin > 0:
        min_volume: float | None = x.upkeep_per_month / margin
        horizon_volume: float | None = (one_off / x.horizon_months + x.upkeep_per_month) / margin
    else:
        min_volume = horizon_volume = None
    teacher_cum, distilled_cum = _cumulative(x, x.horizon_months)
    return DistillationResult(
        labelling_cost=labelling, training_tokens=tokens, training_cost=training, evaluation_cost=x.evaluation_cost,
        one_off_cost=one_off, teacher_per_request=teacher, student_per_request=student,
        fallback_share=1.0 - x.quality_retained, student_share=_student_share(x), distilled_per_request=distilled,
        margin_per_request=margin,
        teacher_monthly=n * teacher, distilled_monthly=n * distilled + x.upkeep_per_month, monthly_saving=saving,
        change_vs_teacher=-saving, saving_per_request=saving / n if n else None,
        payback_months=None if math.isnan(months) else months, min_volume=min_volume,
        volume_for_horizon=horizon_volume, teacher_at_horizon=float(teacher_cum),
        distilled_at_horizon=float(distilled_cum), net_at_horizon=float(teacher_cum - distilled_cum),
    )


def cumulative_curve(x: DistillationInputs, points: int = 241) -> pd.DataFrame:
    """Cumulative spend month by month, teacher only vs distil-then-serve; the crossover is the payback."""
    payback = evaluate(x).payback_months
    top = float(x.horizon_months)
    if payback is not None:
        top = max(top, min(1.5 * payback, MAX_MONTHS))
    extra = [payback] if payback is not None and payback <= top else []
    months = np.unique(np.concatenate([np.linspace(0.0, top, points), extra, [float(x.horizon_months)]]))
    teacher, distilled = _cumulative(x, months)
    return pd.DataFrame({"month": months, "teacher_only": teacher, "distilled": distilled,
                         "cumulative_saving": teacher - distilled})


def payback_curve(x: DistillationInputs, points: int = 241) -> pd.DataFrame:
    """Payback months across monthly volumes (log-spaced around the current one); NaN where it never pays back."""
    r = evaluate(x)
    current = max(float(x.requests_per_month), 1.0)
    lo, hi = current / 1_000, current * 100
    for v in (r.min_volume, r.volume_for_horizon):
        if v is not None and v > 0:
            lo, hi = min(lo, v / 3), max(hi, v * 3)
    volume = np.unique(np.concatenate([np.geomspace(max(lo, 1.0), max(hi, 10.0), points), [current]]))
    margin = r.margin_per_request
    return pd.DataFrame({
        "requests_per_month": volume,
        "payback_months": _payback(r.one_off_cost, margin, x.upkeep_per_month, volume),
        "monthly_saving": volume * margin - x.upkeep_per_month,
    })


def one_off_frame(r: DistillationResult) -> pd.DataFrame:
    return pd.DataFrame({"item": ["Teacher labelling", "Training", "Evaluation"],
                         "cost": [r.labelling_cost, r.training_cost, r.evaluation_cost]})


EXPLANATION = r"""
**One-off cost** = teacher labelling + training + evaluation.
- **Labelling** = examples × (teacher price of one example's input and output tokens) × (1 − batch discount, if
  you label through the batch API).
- **Training**, hosted: examples × (input + output tokens per example) × epochs × price per million training
  tokens. On your own GPUs: GPU hours × price per hour.

**Running cost per request.** The teacher costs *T* per request (input and output tokens at its list prices),
the student *S*. With quality retained *q*, a share 1 − *q* of requests is not good enough and goes to the teacher:
- *student first, then teacher* (the default, conservative): the student answers every request, a check catches
  the 1 − *q* that fail and re-sends them, so they pay for both: distilled cost = *S* + (1 − *q*) *T*;
- *routed up front*: a router sends them straight to the teacher: distilled cost = *q* *S* + (1 − *q*) *T*.

**Saving per request** *m* = *T* − distilled cost. **Monthly saving** = requests × *m* − upkeep.
**Payback** = one-off cost / monthly saving, in months. It never pays back when the monthly saving is 0 or
negative: when the student plus fallbacks cost as much as the teacher (*m* ≤ 0), or the volume is below
upkeep / *m*. **Volume to pay back within H months** = (one-off / H + upkeep) / *m*.

Labelling is priced at the teacher's list price of the labelling request (long-context tiers honoured). The
teacher is the workload's model unless you pick another; the baseline is the teacher serving all traffic.
"""
