"""The AI-everywhere pipeline: what its LLM steps cost in money, latency and reliability, and what if some were code.

A pipeline is a custom workload: each LLM step is a call class (its model, tokens and requests per month, edited on
the Call classes page), and the bill is the one pricing function's. What the bill cannot know about a step, its
latency and success rate, and those of a code version that could replace it, is a table of facts keyed by step
name; a row whose name is not a call class is a step that already runs as code (PDF text extraction, say) and costs
no tokens. End to end, a run's latency is the sum of its steps' (they run one after another) and its success the
product of theirs (a run succeeds only when every step does, independently).

The lever converts chosen LLM steps to plain code: their call classes leave the workload, so their calls leave the
bill; the saving is price(before) - price(after). The rewrite is a one-off cost outside the monthly bill; payback is
rewrite / monthly saving.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from calculators.bill import Bill, price
from calculators.draws import WorkloadDraws
from calculators.lever import Lever, TodayAndAfter
from calculators.prices import Catalogue
from calculators.workload import DEFAULT_MODEL, CallClass, ClassRow, Workload

REFERENCE_STEP_SUCCESS = 0.95  # sources.toml: pipeline_reliability (0.95^12 = 54%)
REFERENCE_STEPS = 12
DEFAULT_LIGHT_MODEL = "anthropic/claude-haiku-5-5"  # the example pipeline's small steps (illustrative choice)
MAX_STEPS = 40
# A call class with no row in the facts table (illustrative, sources.toml: pipeline_lever_defaults).
GENERIC_LATENCY_MS = 1_000.0
GENERIC_SUCCESS = 0.99
CODE_LATENCY_MS = 5.0
CODE_SUCCESS = 0.999


class StepFacts(BaseModel):
    """One row of the facts table: what the bill cannot know about a step."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str = Field(min_length=1, max_length=80, title="Step",
                      description="A call class's name makes the row an LLM step; any other name is a step that "
                      "already runs as code (no tokens).")
    latency_ms: float = Field(ge=0, le=3_600_000, title="Latency", json_schema_extra={"unit": "ms"},
                              description="Time the step takes per run.")
    success_rate: float = Field(ge=0, le=1, title="Success rate", json_schema_extra={"percent": True},
                                description="Share of runs where the step's output is right.")
    code_latency_ms: float = Field(CODE_LATENCY_MS, ge=0, le=3_600_000, title="As code: latency",
                                   json_schema_extra={"unit": "ms"},
                                   description="Latency of a code version of the step, used if it is converted.")
    code_success_rate: float = Field(CODE_SUCCESS, ge=0, le=1, title="As code: success rate",
                                     json_schema_extra={"percent": True},
                                     description="Success rate of the code version, used if it is converted.")


@dataclass(frozen=True)
class ExampleStep:
    facts: StepFacts
    model: str | None  # None: a code step
    input_tokens: float = 0.0
    output_tokens: float = 0.0
    convert: bool = False  # the example's what-if rewrites it as code


def _example(heavy: str, light: str) -> tuple[ExampleStep, ...]:
    def step(name: str, model: str | None, tin: float, tout: float, ms: float, ok: float, convert: bool = False,
             code_ms: float = CODE_LATENCY_MS, code_ok: float = CODE_SUCCESS) -> ExampleStep:
        facts = StepFacts(name=name, latency_ms=ms, success_rate=ok, code_latency_ms=code_ms, code_success_rate=code_ok)
        return ExampleStep(facts, model, tin, tout, convert)

    return (
        step("Extract text from the PDF", None, 0, 0, 400, 0.995),
        step("Classify the document type", light, 1_500, 10, 600, 0.97),
        step("Extract invoice fields", heavy, 2_500, 300, 2_500, 0.95),
        step("Parse dates to ISO 8601", light, 400, 30, 500, 0.98, True, 1, 0.999),
        step("Pull invoice and VAT numbers", light, 1_200, 60, 700, 0.97, True, 2, 0.995),
        step("Normalise currency codes", light, 300, 10, 400, 0.98, True, 1, 0.9995),
        step("Validate the JSON against the schema", heavy, 900, 150, 1_200, 0.96, True, 3, 1.0),
        step("Summarise for the reviewer", heavy, 2_000, 200, 3_000, 0.97),
    )


def default_steps(heavy_model: str = DEFAULT_MODEL, light_model: str = DEFAULT_LIGHT_MODEL) -> tuple[ExampleStep, ...]:
    """An illustrative invoice-processing pipeline in which four LLM steps do work code does better."""
    return _example(heavy_model, light_model)


EXAMPLE: tuple[ExampleStep, ...] = default_steps()
EXAMPLE_FACTS: tuple[StepFacts, ...] = tuple(s.facts for s in EXAMPLE)
EXAMPLE_CONVERT: tuple[str, ...] = tuple(s.facts.name for s in EXAMPLE if s.convert)


def example_rows(requests_per_month: float, steps: tuple[ExampleStep, ...] = EXAMPLE) -> list[ClassRow]:
    """The example's LLM steps as call classes, each run once per request (code steps cost no tokens)."""
    return [ClassRow(name=s.facts.name, requests_per_month=requests_per_month, model_key=s.model,
                     other_input_tokens=s.input_tokens, output_tokens=s.output_tokens)
            for s in steps if s.model is not None]


class PipelineInputs(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    convert: tuple[str, ...] = Field(
        (), title="LLM steps to rewrite as plain code", json_schema_extra={"key": "pipe.convert"},
        description="Their call classes leave the workload: parsing a date, matching an invoice number or checking "
        "JSON against a schema is deterministic work.",
    )
    table: tuple[StepFacts, ...] = Field(
        EXAMPLE_FACTS, max_length=MAX_STEPS, title="Steps: latency and success",
        json_schema_extra={"key": "pipe.table"},
        description="One row per step, in pipeline order (illustrative defaults).",
    )
    rewrite_cost: float = Field(
        10_000.0, ge=0, le=10_000_000, title="One-off cost of the rewrite",
        json_schema_extra={"key": "pipe.rewrite", "money": True, "step": 1_000.0, "format": "%.0f"},
        description="Engineering time to write, test and ship the code versions of the converted steps "
        "(illustrative default: $10,000).",
    )
    chained: bool = Field(
        False, title="These call classes are the steps of one pipeline",
        json_schema_extra={"key": "pipe.chain"},
        description="Every request runs each class once, one after another. Only then is a run's latency the sum of "
        "the steps' and its success the product of theirs; off, the classes are independent features and no "
        "end-to-end figure is shown. Default: on for the example pipeline's steps.",
    )
    target_success: float = Field(
        0.90, gt=0, lt=1, title="End-to-end success you need",
        json_schema_extra={"key": "pipe.target", "percent": True, "step": 1.0},
        description="Sets the break-even on the success chart: how many LLM steps you can chain before end-to-end "
        "success falls below it (illustrative default).",
    )

    @model_validator(mode="after")
    def _unique_steps(self) -> PipelineInputs:
        repeated = _repeated_steps(self.table)
        if repeated:
            raise ValueError(f"each step needs its own row; repeated: {', '.join(repeated)[:120]}")
        return self

    @classmethod
    def valid_draws(cls, x: PipelineInputs) -> np.ndarray:
        """`_unique_steps` over draws: the table is never drawn, so it holds in every draw or in none."""
        return np.asarray(not _repeated_steps(x.table))


def _repeated_steps(table: tuple[StepFacts, ...]) -> list[str]:
    """Step names that have more than one row of the facts table."""
    names = [r.name for r in table]
    return sorted({n for n in names if names.count(n) > 1})


# --- the lever ------------------------------------------------------------------------------------------------


def facts_for(w: Workload) -> tuple[StepFacts, ...]:
    """Default facts that follow the workload: the example's for its steps (with its code step when the workload is
    the example pipeline), a generic row for any other class (illustrative)."""
    known = {s.facts.name: s.facts for s in EXAMPLE}
    names = [c.name for c in w.classes]
    if any(n in known for n in names):
        ordered = [s.facts for s in EXAMPLE if s.model is None or s.facts.name in names]
        return tuple(ordered + [generic_facts(n) for n in names if n not in known])[:MAX_STEPS]
    return tuple(generic_facts(n) for n in names)[:MAX_STEPS]


def generic_facts(name: str) -> StepFacts:
    return StepFacts(name=name, latency_ms=GENERIC_LATENCY_MS, success_rate=GENERIC_SUCCESS)


def is_example(w: Workload) -> bool:
    """Every class is a step of the example pipeline (the workload its preview button makes)."""
    known = {s.facts.name for s in EXAMPLE if s.model is not None}
    return bool(w.classes) and all(c.name in known for c in w.classes)


def defaults(w: Workload, cat: Catalogue) -> dict[str, object]:
    """The facts follow the workload's classes; the classes are taken as a chain of steps only for the example
    pipeline (any other table may be independent features: the user says so)."""
    return {"table": facts_for(w), "chained": is_example(w)}


def choices(w: Workload, cat: Catalogue) -> dict[str, list[str]]:
    return {"convert": [c.name for c in w.classes]}


def converted(w: Workload, x: PipelineInputs) -> list[str]:
    """The workload's classes the inputs convert, in workload order."""
    chosen = set(x.convert)
    return [c.name for c in w.classes if c.name in chosen]


def _stays(c: CallClass, chosen: set[str]) -> bool:
    """A class that is not rewritten as code keeps its calls (a converted one leaves the workload)."""
    return c.name not in chosen


def apply(w: Workload, x: PipelineInputs, cat: Catalogue) -> Workload:
    chosen = set(x.convert)
    return w.replace([c for c in w.classes if _stays(c, chosen)])


def apply_draws(wd: WorkloadDraws, x: PipelineInputs, cat: Catalogue) -> tuple[WorkloadDraws, np.ndarray]:
    """`apply` in every draw: which classes leave is the same in every draw (names are not drawn); neither `apply`
    nor `idle` raises, so it applies in every draw."""
    chosen = set(x.convert)
    if all(_stays(v.c, chosen) for v in wd.variants):  # the same workload, which needs no pricing again
        return wd, wd.everywhere()
    return wd.map(lambda v: v if _stays(v.c, chosen) else []), wd.everywhere()


def one_off(w: Workload, x: PipelineInputs, cat: Catalogue) -> float:
    return x.rewrite_cost if converted(w, x) else 0.0


def describe(x: PipelineInputs) -> str:
    n = len(x.convert)
    steps = "no LLM step" if n == 0 else f"{n} LLM step{'s' if n != 1 else ''}"
    return f"{steps} rewritten as plain code (the one-off rewrite is outside the monthly bill)"


def idle(w: Workload, x: PipelineInputs, cat: Catalogue) -> str | None:
    if not converted(w, x):
        return "no LLM step of the workload is converted to code (the pipeline's steps are call classes)"
    return None


LEVER = Lever(
    name="pipeline", label="Steps moved to code", page="pages/pipeline.py",
    question="What do our pipeline's LLM calls cost in money, latency and reliability, and what if some were code?",
    inputs=PipelineInputs, apply=apply, describe=describe, defaults=defaults, choices=choices, idle=idle,
    one_off=one_off, draws=apply_draws,
)


# --- the pipeline, step by step ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    cost_per_month: float
    cost_per_run: float | None  # None: no runs a month
    latency_ms: float
    success: float
    llm_steps: int

    @property
    def cost_per_success(self) -> float | None:
        """What each good run costs if failed runs are redone."""
        return self.cost_per_run / self.success if self.cost_per_run is not None and self.success > 0 else None


@dataclass(frozen=True)
class PipelineResult(TodayAndAfter):
    today: Bill
    after: Bill
    runs_per_month: float
    steps: pd.DataFrame  # per step, in pipeline order: today and after (money a month, latency, success)
    before: Totals
    what_if: Totals
    converted: tuple[str, ...]
    generic: tuple[str, ...]  # classes with no row in the facts table (generic facts used)
    unmatched: tuple[str, ...]  # rows converted by name that are not classes (ignored)
    rewrite_cost: float
    target_success: float
    idle: str | None
    chained: bool = False  # the user says the classes are one pipeline's steps: the end-to-end figures mean something
    uneven: tuple[tuple[str, float], ...] = ()  # (class, requests) when the classes' requests differ: not once per run
    unpriced: tuple[str, ...] = ()  # classes whose model has no price: their cost is unknown, not $0

    @property
    def code_steps(self) -> tuple[str, ...]:
        """Rows that name no call class: steps that already run as code."""
        return tuple(self.steps.loc[self.steps["runs_as"] == "code", "step"])

    @property
    def payback_months(self) -> float | None:
        if not self.converted:
            return None
        if self.rewrite_cost == 0:
            return 0.0
        return self.rewrite_cost / self.saving if self.saving > 0 else None

    @property
    def mean_llm_success(self) -> float | None:
        """Geometric mean success of today's LLM steps (None without LLM steps)."""
        ok = self.steps.loc[self.steps["runs_as"] == "LLM", "success"].to_numpy(dtype=float)
        if not ok.size:
            return None
        return 0.0 if np.any(ok <= 0) else float(np.exp(np.mean(np.log(ok))))

    @property
    def llm_steps_for_target(self) -> float | None:
        p = self.mean_llm_success
        return steps_for_target(p, self.target_success) if p is not None else None


def success_after_steps(step_success: float | np.ndarray, n: float | np.ndarray) -> float | np.ndarray:
    """End-to-end success of n independent steps at the same success rate: p^n."""
    out = np.power(np.asarray(step_success, dtype=float), np.asarray(n, dtype=float))
    return float(out) if np.ndim(out) == 0 else out


def steps_for_target(step_success: float, target: float) -> float | None:
    """Solve p^n = target exactly: n = ln(target) / ln(p). None when any number of steps stays above it (p = 1);
    0 when even one step falls below it (p = 0)."""
    if step_success >= 1:
        return None
    if step_success <= 0:
        return 0.0
    return math.log(target) / math.log(step_success)


def _totals(cost: float, runs: float, latency: np.ndarray, success: np.ndarray, llm: np.ndarray) -> Totals:
    return Totals(cost_per_month=cost, cost_per_run=cost / runs if runs > 0 else None, latency_ms=float(latency.sum()),
                  success=float(np.prod(success)), llm_steps=int(llm.sum()))


def analyse(w: Workload, x: PipelineInputs, cat: Catalogue, today: Bill | None = None) -> PipelineResult:
    """Today's pipeline and the what-if, step by step and end to end. Every class is an LLM step; table rows that
    name no class are code steps. Runs per month: the largest class's requests (each run calls each step once)."""
    today = today if today is not None else price(w, cat)
    after = price(apply(w, x, cat), cat)
    money_today = {c.name: c.total for c in today.classes}
    money_after = {c.name: c.total for c in after.classes}
    chosen = set(x.convert)
    facts = {r.name: r for r in x.table}
    classes = {c.name for c in w.classes}
    order = [r.name for r in x.table] + [c.name for c in w.classes if c.name not in facts]
    priced = {c.name: c.priced for c in today.classes}
    records = []
    for name in order:
        fact = facts.get(name) or generic_facts(name)
        llm = name in classes
        as_code = llm and name in chosen
        records.append({
            "step": name, "runs_as": "LLM" if llm else "code", "what_if_runs_as": "code" if as_code or not llm else "LLM",
            "priced": priced.get(name, True),
            "cost_per_month": money_today.get(name, 0.0), "what_if_cost_per_month": money_after.get(name, 0.0),
            "latency_ms": fact.latency_ms, "what_if_latency_ms": fact.code_latency_ms if as_code else fact.latency_ms,
            "success": fact.success_rate, "what_if_success": fact.code_success_rate if as_code else fact.success_rate,
        })
    steps = pd.DataFrame(records, columns=["step", "runs_as", "what_if_runs_as", "priced", "cost_per_month",
                                           "what_if_cost_per_month", "latency_ms", "what_if_latency_ms", "success",
                                           "what_if_success"])
    steps.insert(0, "position", np.arange(1, len(steps) + 1))
    steps["cumulative_success"] = np.cumprod(steps["success"].to_numpy(dtype=float))
    steps["what_if_cumulative_success"] = np.cumprod(steps["what_if_success"].to_numpy(dtype=float))
    runs = max((c.requests_per_month for c in w.classes), default=0.0)
    llm_today = (steps["runs_as"] == "LLM").to_numpy()
    llm_after = (steps["what_if_runs_as"] == "LLM").to_numpy()
    return PipelineResult(
        today=today, after=after, runs_per_month=runs, steps=steps,
        before=_totals(today.total, runs, steps["latency_ms"].to_numpy(), steps["success"].to_numpy(), llm_today),
        what_if=_totals(after.total, runs, steps["what_if_latency_ms"].to_numpy(), steps["what_if_success"].to_numpy(),
                        llm_after),
        converted=tuple(converted(w, x)), generic=tuple(c.name for c in w.classes if c.name not in facts),
        unmatched=tuple(n for n in x.convert if n not in classes), rewrite_cost=x.rewrite_cost,
        target_success=x.target_success, idle=idle(w, x, cat), chained=x.chained,
        uneven=tuple((c.name, c.requests_per_month) for c in w.classes)
        if len({c.requests_per_month for c in w.classes}) > 1 else (),
        unpriced=today.unpriced,
    )


def success_curve(result: PipelineResult, max_steps: int | None = None) -> pd.DataFrame:
    """End-to-end success vs number of chained LLM steps: at the reference 95% and at the pipeline's average LLM
    step (same formula as `success_after_steps`), whole numbers of steps."""
    top = max_steps or max(20, REFERENCE_STEPS, 2 * result.before.llm_steps)
    n = np.arange(0, top + 1)
    frame = {"llm_steps": n, "reference": success_after_steps(REFERENCE_STEP_SUCCESS, n)}
    if result.mean_llm_success is not None:
        frame["yours"] = success_after_steps(result.mean_llm_success, n)
    return pd.DataFrame(frame)


def payback_curve(result: PipelineResult, months: int | None = None) -> pd.DataFrame:
    """Cumulative net saving of the rewrite: monthly saving x months - rewrite cost."""
    horizon = months or int(min(120, max(12, math.ceil(2 * (result.payback_months or 6)))))
    m = np.linspace(0, horizon, 4 * horizon + 1)
    return pd.DataFrame({"month": m, "net_saving": result.saving * m - result.rewrite_cost})


EXPLANATION = r"""
**The pipeline is the workload.** Each LLM step is a call class (Call classes page): its model, tokens and requests
per month. The monthly cost of each step is its line of the one bill (long-context tiers, batch prices and caching
as the class says). A row of the table whose name is not a call class is a step that already runs as code (no
tokens). A class with no row gets generic facts (1,000 ms, 99%), flagged on the page.

**Only for a pipeline.** The end-to-end figures below assume your call classes are **the steps of one pipeline, run
once per request, one after another**. A table of independent features (a chat, a search, a nightly job) is not a
chain: the sum of their latencies and the product of their success rates describe no request. So the page shows them
only when you say the classes are a pipeline's steps, and warns when the classes' requests a month differ (a step
with fewer requests does not run on every run). The money (the bill without the converted classes) holds either way.

- **Latency** = the sum of the steps' latencies, because each step waits for the one before it.
- **Success** = the product of the steps' success rates: a run succeeds only when every step does, failures taken as
  independent. Twelve steps at 95% each succeed together 0.95¹² = 54% of the time.
- **Cost per run** = the bill ÷ runs per month (the largest step's requests: each run calls each step once);
  **cost per successful run** = cost per run ÷ success, if failed runs are redone.

**What-if.** Converted LLM steps leave the bill (their call classes are removed) and run at the latency and success
rate given for their code version: parsing a date, matching an invoice number with a regular expression or checking
JSON against a schema is deterministic, right every time it is right once. **Monthly saving** = today's bill − the
bill without those classes. **Payback** = one-off rewrite cost ÷ monthly saving.

**Success vs number of LLM steps.** With every LLM step at the same success rate *p*, *n* chained steps succeed with
*p*ⁿ. The chart uses 95% and your pipeline's average LLM step (the geometric mean of their success rates); the
break-even is where *p*ⁿ falls to the success you need: *n* = ln(target) ÷ ln(*p*), solved exactly.
"""
