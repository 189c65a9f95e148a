"""The AI-everywhere antipattern: what the LLM calls in a pipeline cost in money, latency and reliability.

A pipeline is a sequence of steps, each an LLM call or deterministic code. Every request the workload
sends runs the pipeline once. End to end:
- cost per run = sum of the LLM steps' request costs (code steps cost nothing measurable here);
- latency = sum of the step latencies (the steps run one after another);
- success = product of the step success rates (a run succeeds only if every step does, independently).

The what-if converts chosen LLM steps to code (with the code version's own latency and success rate)
and compares the two pipelines side by side; a one-off rewrite cost gives a payback period.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from calculators.prices import ModelPrices, request_cost

Kind = Literal["LLM", "code"]
KINDS: tuple[Kind, ...] = ("LLM", "code")
REFERENCE_STEP_SUCCESS = 0.95  # sources.toml: pipeline_reliability (0.95^12 = 54%)
REFERENCE_STEPS = 12
DEFAULT_LIGHT_MODEL = "anthropic/claude-haiku-5-5"  # the default pipeline's small steps (illustrative choice)
MAX_STEPS = 40
PERCENT_FIELDS = ("success_rate", "code_success_rate")


class PipelineStep(BaseModel):
    """One row of the pipeline table."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str = Field(min_length=1, max_length=60, title="Step", description="What the step does.")
    kind: Kind = Field(title="Runs as", description="An LLM call, or deterministic code (parser, regex, schema check).")
    model_key: str | None = Field(
        None, max_length=200, title="Model",
        description="Catalogue model for an LLM step (provider/model); ignored for code steps.",
    )
    input_tokens: int = Field(0, ge=0, le=2_000_000, title="Tokens in",
                              description="Prompt tokens per call (LLM steps only).")
    output_tokens: int = Field(0, ge=0, le=200_000, title="Tokens out",
                               description="Completion tokens per call, reasoning included (LLM steps only).")
    latency_ms: float = Field(ge=0, le=3_600_000, title="Latency (ms)", description="Time the step takes per run.")
    success_rate: float = Field(ge=0, le=1, title="Success rate",
                                description="Share of runs where the step's output is right.")
    convert: bool = Field(False, title="What-if: as code",
                          description="Tick to replace this LLM step with deterministic code in the what-if.")
    code_latency_ms: float = Field(5.0, ge=0, le=3_600_000, title="As code: latency (ms)",
                                   description="Latency of the code version, used when the step is converted.")
    code_success_rate: float = Field(0.999, ge=0, le=1, title="As code: success rate",
                                     description="Success rate of the code version, used when converted.")

    @model_validator(mode="after")
    def _llm_has_model(self) -> PipelineStep:
        if self.kind == "LLM" and not (self.model_key or "").strip():
            raise ValueError("an LLM step needs a model")
        return self

    @property
    def converted(self) -> bool:
        """Runs as code in the what-if (ticking 'as code' on a code step changes nothing)."""
        return self.kind == "LLM" and self.convert


class PipelineInputs(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    steps: tuple[PipelineStep, ...] = Field(min_length=1, max_length=MAX_STEPS, title="Pipeline steps")
    runs_per_month: int = Field(ge=1, le=10_000_000_000, title="Pipeline runs per month",
                                description="One run per workload request (sidebar).")
    rewrite_cost: float = Field(
        10_000.0, ge=0, le=10_000_000, title="One-off cost of the rewrite", json_schema_extra={"step": 1000.0},
        description="Engineering time to write, test and ship the code versions of the converted steps, in the "
        "currency the page shows (illustrative default: 10,000).",
    )
    target_success: float = Field(
        0.90, gt=0, lt=1, title="End-to-end success you need", json_schema_extra={"percent": True, "step": 1.0},
        description="Sets the break-even line on the success chart: how many LLM steps you can chain before "
        "end-to-end success falls below it (illustrative default).",
    )


class PipelineTotals(BaseModel):
    model_config = ConfigDict(frozen=True)
    cost_per_run: float
    cost_per_month: float
    latency_ms: float
    success: float
    llm_steps: int
    cost_per_success: float | None  # if failed runs are redone until one succeeds; None when none succeed


class PipelineResult(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)
    original: PipelineTotals
    what_if: PipelineTotals
    saving_per_month: float  # original - what-if (negative: the what-if costs more)
    payback_months: float | None  # rewrite cost / monthly saving; None when it never pays back
    converted: int
    steps: pd.DataFrame  # per step: original and what-if cost per month, latency, success, cumulative success
    mean_llm_success: float | None  # geometric mean success of the original LLM steps
    llm_steps_for_target: float | None  # LLM steps at that success before end-to-end falls to the target

    @property
    def success_change(self) -> float:
        """What-if success minus original success (0.088: 8.8 points better)."""
        return self.what_if.success - self.original.success

    @property
    def latency_change_ms(self) -> float:
        return self.what_if.latency_ms - self.original.latency_ms


def _step_arrays(steps: tuple[PipelineStep, ...], prices: Mapping[str, ModelPrices], what_if: bool
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per step: cost per run, latency, success, is-LLM (the original pipeline, or the what-if)."""
    cost, latency, success, llm = [], [], [], []
    for s in steps:
        as_code = s.kind == "code" or (what_if and s.converted)
        if as_code:
            cost.append(0.0)
            latency.append(s.code_latency_ms if s.kind == "LLM" else s.latency_ms)
            success.append(s.code_success_rate if s.kind == "LLM" else s.success_rate)
        else:
            cost.append(float(request_cost(prices[s.model_key], s.input_tokens, s.output_tokens)))
            latency.append(s.latency_ms)
            success.append(s.success_rate)
        llm.append(not as_code)
    return np.array(cost), np.array(latency), np.array(success), np.array(llm, dtype=bool)


def _totals(cost: np.ndarray, latency: np.ndarray, success: np.ndarray, llm: np.ndarray, runs: int) -> PipelineTotals:
    per_run = float(cost.sum())
    p = float(np.prod(success))
    return PipelineTotals(
        cost_per_run=per_run,
        cost_per_month=per_run * runs,
        latency_ms=float(latency.sum()),
        success=p,
        llm_steps=int(llm.sum()),
        cost_per_success=per_run / p if p > 0 else None,
    )


def success_after_steps(step_success: float | np.ndarray, n: float | np.ndarray) -> float | np.ndarray:
    """End-to-end success of n independent steps at the same success rate: p^n."""
    out = np.power(np.asarray(step_success, dtype=float), np.asarray(n, dtype=float))
    return float(out) if np.ndim(out) == 0 else out


def steps_for_target(step_success: float, target: float) -> float | None:
    """Solve p^n = target exactly: n = ln(target) / ln(p). None when any number of steps stays above it
    (p = 1) and 0 when even one step falls below it (p = 0)."""
    if step_success >= 1:
        return None
    if step_success <= 0:
        return 0.0
    return math.log(target) / math.log(step_success)


def evaluate(x: PipelineInputs, prices: Mapping[str, ModelPrices]) -> PipelineResult:
    """Both pipelines, step by step and end to end. `prices` maps each LLM step's model key to its prices."""
    before = _step_arrays(x.steps, prices, what_if=False)
    after = _step_arrays(x.steps, prices, what_if=True)
    original = _totals(*before, x.runs_per_month)
    what_if = _totals(*after, x.runs_per_month)
    saving = original.cost_per_month - what_if.cost_per_month
    llm_success = before[2][before[3]]
    mean = float(np.exp(np.mean(np.log(llm_success)))) if llm_success.size and np.all(llm_success > 0) else (
        0.0 if llm_success.size else None)
    steps = pd.DataFrame({
        "step": [f"{i}. {s.name}" for i, s in enumerate(x.steps, start=1)],
        "runs_as": [s.kind for s in x.steps],
        "what_if_runs_as": ["code" if s.converted else s.kind for s in x.steps],
        "cost_per_month": before[0] * x.runs_per_month,
        "what_if_cost_per_month": after[0] * x.runs_per_month,
        "latency_ms": before[1],
        "what_if_latency_ms": after[1],
        "success": before[2],
        "what_if_success": after[2],
        "cumulative_success": np.cumprod(before[2]),
        "what_if_cumulative_success": np.cumprod(after[2]),
    })
    return PipelineResult(
        original=original,
        what_if=what_if,
        saving_per_month=saving,
        payback_months=x.rewrite_cost / saving if saving > 0 else None,
        converted=sum(s.converted for s in x.steps),
        steps=steps,
        mean_llm_success=mean,
        llm_steps_for_target=steps_for_target(mean, x.target_success) if mean is not None else None,
    )


def success_curve(x: PipelineInputs, result: PipelineResult, max_steps: int | None = None) -> pd.DataFrame:
    """End-to-end success vs number of chained LLM steps: at the reference 95% and at this pipeline's
    average LLM-step success (same formula as `success_after_steps`). Whole numbers of steps."""
    top = max_steps or max(20, REFERENCE_STEPS, 2 * result.original.llm_steps)
    n = np.arange(0, top + 1)
    frame = {"llm_steps": n, "reference": success_after_steps(REFERENCE_STEP_SUCCESS, n)}
    if result.mean_llm_success is not None:
        frame["yours"] = success_after_steps(result.mean_llm_success, n)
    return pd.DataFrame(frame)


def payback_curve(x: PipelineInputs, result: PipelineResult, months: int | None = None) -> pd.DataFrame:
    """Cumulative net saving of the rewrite over time: saving per month x months - rewrite cost."""
    horizon = months or int(min(120, max(12, math.ceil(2 * (result.payback_months or 6)))))
    m = np.linspace(0, horizon, 4 * horizon + 1)
    return pd.DataFrame({"month": m, "net_saving": result.saving_per_month * m - x.rewrite_cost})


# --- the table: row-by-row validation with plain messages ------------------------------------


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or (
        isinstance(value, str) and not value.strip())


def _words(err: dict[str, Any], percent: bool) -> str:
    ctx = err.get("ctx") or {}
    kind = str(err.get("type", ""))
    scale, unit = (100.0, "%") if percent else (1.0, "")
    for bound, words in (("ge", "at least"), ("gt", "more than"), ("le", "at most"), ("lt", "less than")):
        if bound in ctx and kind.startswith(("greater", "less")):
            return f"must be {words} {float(ctx[bound]) * scale:,g}{unit}"
    if kind == "missing" or err.get("input") is None:
        return "is empty"
    if kind == "literal_error":
        return "must be one of " + ", ".join(KINDS)
    if kind == "int_from_float":
        return "must be a whole number"
    if kind.endswith("_parsing") or kind.endswith("_type"):
        return "must be a number" if kind.startswith(("int", "float")) else "is not valid"
    if kind == "string_too_short":
        return "is empty"
    if kind == "string_too_long":
        return f"is longer than {ctx.get('max_length')} characters"
    return str(err.get("msg", "is not valid")).removeprefix("Value error, ")


def _clean(record: Mapping[str, Any], percent: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in PipelineStep.model_fields:
        v = record.get(name)
        if _blank(v):
            v = None
        elif isinstance(v, np.generic):
            v = v.item()
        if v is not None and percent and name in PERCENT_FIELDS and isinstance(v, int | float):
            v = round(float(v) / 100.0, 12)
        if v is not None and name in ("input_tokens", "output_tokens") and isinstance(v, float) and v.is_integer():
            v = int(v)
        if name in ("convert",) and v is None:
            v = False
        out[name] = v
    # Code steps need no model or tokens: blanks there are fine.
    if out.get("kind") == "code":
        for name in ("input_tokens", "output_tokens"):
            out[name] = 0 if out[name] is None else out[name]
    for name in ("code_latency_ms", "code_success_rate"):
        if out[name] is None:
            out.pop(name)  # the field default applies
    return out


def parse_steps(
    records: Iterable[Mapping[str, Any]], known_models: Iterable[str] | None = None, *, percent: bool = True,
) -> tuple[list[PipelineStep], list[str]]:
    """Validate the edited table row by row. Returns the valid steps and one message per problem, naming
    the row (number and step name) and the column in words. Fully blank rows are skipped.

    `percent`: the success columns arrive as 0..100 (as the table shows them).
    """
    known = set(known_models) if known_models is not None else None
    titles = {n: f.title or n for n, f in PipelineStep.model_fields.items()}
    steps: list[PipelineStep] = []
    problems: list[str] = []
    for i, record in enumerate(records, start=1):
        if all(_blank(record.get(n)) or (n == "convert" and not record.get(n)) for n in PipelineStep.model_fields):
            continue
        values = _clean(record, percent)
        name = values.get("name")
        where = f"Row {i}" + (f" ({str(name)[:40]})" if name else "")
        try:
            step = PipelineStep(**values)
        except ValidationError as exc:
            for err in exc.errors():
                field = str(err["loc"][0]) if err["loc"] else ""
                column = titles.get(field)
                message = _words(err, percent and field in PERCENT_FIELDS)
                problems.append(f"{where}, {column}: {message}" if column else f"{where}: {message}")
            continue
        if step.kind == "LLM" and known is not None and step.model_key not in known:
            problems.append(f"{where}, Model: '{str(step.model_key)[:60]}' is not in the price catalogue")
            continue
        steps.append(step)
    return steps, problems


def table_records(steps: Iterable[PipelineStep], *, percent: bool = True) -> list[dict[str, Any]]:
    """Steps as table rows (field name -> value), success columns in percent when `percent`."""
    rows = []
    for s in steps:
        row = s.model_dump()
        if percent:
            for name in PERCENT_FIELDS:
                row[name] = round(row[name] * 100.0, 6)
        rows.append(row)
    return rows


def default_steps(heavy_model: str, light_model: str) -> tuple[PipelineStep, ...]:
    """An illustrative invoice-processing pipeline in which four LLM steps do work code does better."""
    def llm(name: str, model: str, tin: int, tout: int, ms: float, ok: float, convert: bool = False,
            code_ms: float = 5.0, code_ok: float = 0.999) -> PipelineStep:
        return PipelineStep(name=name, kind="LLM", model_key=model, input_tokens=tin, output_tokens=tout,
                            latency_ms=ms, success_rate=ok, convert=convert, code_latency_ms=code_ms,
                            code_success_rate=code_ok)

    return (
        PipelineStep(name="Extract text from the PDF", kind="code", latency_ms=400, success_rate=0.995),
        llm("Classify the document type", light_model, 1_500, 10, 600, 0.97),
        llm("Extract invoice fields", heavy_model, 2_500, 300, 2_500, 0.95),
        llm("Parse dates to ISO 8601", light_model, 400, 30, 500, 0.98, convert=True, code_ms=1, code_ok=0.999),
        llm("Pull invoice and VAT numbers", light_model, 1_200, 60, 700, 0.97, convert=True, code_ms=2,
            code_ok=0.995),
        llm("Normalise currency codes", light_model, 300, 10, 400, 0.98, convert=True, code_ms=1, code_ok=0.9995),
        llm("Validate the JSON against the schema", heavy_model, 900, 150, 1_200, 0.96, convert=True, code_ms=3,
            code_ok=1.0),
        llm("Summarise for the reviewer", heavy_model, 2_000, 200, 3_000, 0.97),
    )


EXPLANATION = r"""
Each request of the sidebar workload runs the pipeline once, step after step.

- **Cost per run** = the sum over LLM steps of (tokens in × input price + tokens out × output price) for that step's
  model, at list prices (long-context tiers included). Code steps are counted as free: their compute is tiny next to a
  model call. **Per month** = cost per run × runs per month.
- **Latency** = the sum of the steps' latencies, because each step waits for the one before it.
- **Success** = the product of the steps' success rates: a run succeeds only when every step does, and failures are
  taken as independent. Twelve steps at 95% each succeed together 0.95¹² = 54% of the time.
- **Cost per successful run** = cost per run ÷ success: what each good result costs if failed runs are redone.

**What-if.** Ticked LLM steps run as code instead, at the latency and success rate given for their code version
(parsing a date, matching an invoice number with a regular expression or checking JSON against a schema is
deterministic: right every time it is right once). The saving is the converted steps' LLM cost.
**Payback** = one-off rewrite cost ÷ monthly saving.

**Success vs number of LLM steps.** With every LLM step at the same success rate *p*, *n* chained steps succeed
with *p*ⁿ. The chart uses 95% and your pipeline's average LLM step (the geometric mean of their success rates); the
break-even line is where *p*ⁿ falls to the success you need: *n* = ln(target) ÷ ln(*p*), solved exactly.
"""
