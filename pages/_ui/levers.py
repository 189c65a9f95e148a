"""Each lever's effect on the bill, from its page's settings as stored in the scenario (the link).

The Overview cannot draw every lever page to read its figures, so each lever has an adapter here that
reads the page's inputs from the scenario store, with the same keys, defaults and parsing as the page's
widgets, and calls the same calculator. tests/test_overview.py checks, lever by lever, that the adapter
and the page report the same figure for the same link.
"""
from __future__ import annotations

import typing
from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st
from pydantic import BaseModel, ValidationError

from calculators import agent_loops, distillation, jevons, pipeline, reasoning, retries, system_prompt
from calculators import right_sizing as rs
from calculators import routing as rt
from calculators.prices import ModelPrices
from calculators import output_caps as oc
from calculators.compounding import LeverSaving
from calculators.workload import DEFAULT_MODEL
from pages._ui import scenario, widgets
from pages._ui.layout import Context, catalogue


class Stored:
    """Typed reads of one input model's fields from the scenario store (see widgets.stored_*)."""

    def __init__(self, model: type[BaseModel]):
        self.model = model

    def num(self, field: str, key: str, default: float | None = None) -> float | int:
        return widgets.stored_number(self.model, field, key=key, default=default)

    def opt(self, field: str, key: str, default: str | None = None, options: list[str] | None = None,
            format_func: Callable[[str], str] | None = None) -> str:
        info = self.model.model_fields[field]
        options = options or [str(o) for o in typing.get_args(widgets._base_type(info.annotation))]
        return widgets.stored_choice(options, key=key, default=default or info.default, format_func=format_func)

    def flag(self, field: str, key: str) -> bool:
        return widgets.stored_toggle(key=key, default=bool(self.model.model_fields[field].default))


@dataclass(frozen=True)
class Lever:
    name: str  # as in calculators.bill.ORDER
    label: str
    page: str
    compute: Callable[[Context], LeverSaving | str]  # a string: why the lever does not apply


def _share(saving: float, before: float) -> float:
    return saving / before if before > 0 else 0.0


def _output_caps(ctx: Context) -> LeverSaving | str:
    s = Stored(oc.OutputCapInputs)
    out = ctx.sidebar.output_tokens
    x = oc.OutputCapInputs(
        source=oc.OutputCapInputs.model_fields["source"].default,  # uploaded lengths live only on the page
        p50_tokens=s.num("p50_tokens", "cap.p50", out), p95_tokens=s.num("p95_tokens", "cap.p95", 3 * out),
        cap=s.num("cap", "cap.max_tokens", oc.suggested_cap(3 * out)), redo_share=s.num("redo_share", "cap.redo"),
        max_truncation=s.num("max_truncation", "cap.max_trunc"), brevity_effect=s.num("brevity_effect", "cap.brevity"),
        ttft_ms=s.num("ttft_ms", "cap.ttft"), ms_per_token=s.num("ms_per_token", "cap.tpot"),
        tpm_limit=s.num("tpm_limit", "cap.tpm"),
        limit_counts=s.opt("limit_counts", "cap.limit",
                           default="max_tokens only" if ctx.prices.provider_id == "anthropic" else None),
    )
    return output_caps_saving(x, oc.evaluate(x, ctx.sidebar, ctx.prices))


def output_caps_saving(x: oc.OutputCapInputs, r: oc.OutputCapResult) -> LeverSaving:
    return LeverSaving(
        lever="output_caps", label="Output caps", share=_share(r.saving_per_month, r.status_quo_per_month),
        page="pages/output_caps.py",
        assumption=f"max_tokens {x.cap:,}; {r.truncation_rate:.1%} truncated, {x.redo_share:.0%} of those redone",
    )


def _reasoning(ctx: Context) -> LeverSaving | str:
    s = Stored(reasoning.ReasoningInputs)
    tasks = scenario.stored_rows(reasoning.TaskType, reasoning.DEFAULT_TASKS, key="reason.tasks")
    x = reasoning.ReasoningInputs(
        requests_per_month=ctx.sidebar.requests_per_month, input_tokens=ctx.sidebar.input_tokens,
        output_tokens=ctx.sidebar.output_tokens, prices=ctx.prices, tasks=tuple(tasks),
        effort=s.opt("effort", "reason.effort", options=list(reasoning.EFFORTS)),
        **{f"budget_{e}": s.num(f"budget_{e}", f"reason.{e}") for e in reasoning.EFFORTS},
    )
    return reasoning_saving(x, reasoning.evaluate(x))


def reasoning_saving(x: reasoning.ReasoningInputs, r: reasoning.ReasoningResult) -> LeverSaving:
    always = r.policies["always"].bill if "always" in r.policies else 0.0
    return LeverSaving(
        lever="reasoning", label="Reasoning only where it earns", page="pages/reasoning.py",
        share=_share(r.selective_saving_vs_always, always),
        assumption=f"today every request reasons ({x.effort} effort); afterwards only the task types that earn it",
    )


def _distillation(ctx: Context) -> LeverSaving | str:
    cat = catalogue()
    keys = list(cat.keys())
    s = Stored(distillation.DistillationInputs)
    teacher_key = widgets.stored_choice(["(workload model)", *keys], key="distil.teacher", default="(workload model)")
    teacher = ctx.prices if teacher_key == "(workload model)" else cat.get(teacher_key)
    source = s.opt("student_source", "distil.source")
    hosted = s.num("self_hosted_price", "distil.hosted")
    if source == "Self-hosted":
        student = distillation.self_hosted_prices(hosted)
    else:
        default = distillation.DEFAULT_STUDENT if distillation.DEFAULT_STUDENT in keys else keys[0]
        student = cat.get(widgets.stored_choice(keys, key="distil.student", default=default))
    use_batch = s.flag("use_batch", "distil.batch")
    mode = s.opt("training_mode", "distil.mode")
    per_token = mode == "Per training token"
    fields = distillation.DistillationInputs.model_fields
    x = distillation.DistillationInputs(
        requests_per_month=ctx.sidebar.requests_per_month, input_tokens=ctx.sidebar.input_tokens,
        output_tokens=ctx.sidebar.output_tokens, teacher=teacher, student=student, student_source=source,
        self_hosted_price=hosted, examples=s.num("examples", "distil.examples"),
        label_input_tokens=s.num("label_input_tokens", "distil.label_in", ctx.sidebar.input_tokens),
        label_output_tokens=s.num("label_output_tokens", "distil.label_out", ctx.sidebar.output_tokens),
        use_batch=use_batch,
        batch_discount=(s.num("batch_discount", "distil.discount",
                              teacher.batch_discount or distillation.FALLBACK_BATCH_DISCOUNT)
                        if use_batch else fields["batch_discount"].default),
        training_mode=mode,
        training_price=s.num("training_price", "distil.train_price") if per_token else fields["training_price"].default,
        epochs=s.num("epochs", "distil.epochs") if per_token else fields["epochs"].default,
        gpu_hours=fields["gpu_hours"].default if per_token else s.num("gpu_hours", "distil.gpu_hours"),
        gpu_rate=fields["gpu_rate"].default if per_token else s.num("gpu_rate", "distil.gpu_rate"),
        evaluation_cost=s.num("evaluation_cost", "distil.eval"), quality_retained=s.num("quality_retained",
                                                                                       "distil.quality"),
        fallback_mode=s.opt("fallback_mode", "distil.fallback"), upkeep_per_month=s.num("upkeep_per_month",
                                                                                        "distil.upkeep"),
        horizon_months=s.num("horizon_months", "distil.horizon"),
    )
    return distillation_saving(x, distillation.evaluate(x))


def distillation_saving(x: distillation.DistillationInputs, r: distillation.DistillationResult) -> LeverSaving:
    after = r.distilled_monthly + r.one_off_cost / x.horizon_months
    return LeverSaving(
        lever="distillation", label="Distilled student model", page="pages/distillation.py",
        share=_share(r.teacher_monthly - after, r.teacher_monthly),
        assumption=f"student {x.student.model_name}, {x.quality_retained:.0%} quality retained; the one-off "
                   f"cost spread over {x.horizon_months} months",
    )


def _agent_loops(ctx: Context) -> LeverSaving | str:
    s = Stored(agent_loops.AgentInputs)
    system_default, user_default = agent_loops.default_split(ctx.sidebar.input_tokens)
    compaction = s.opt("compaction", "agents.compaction", format_func=agent_loops.COMPACTION_LABELS.get)
    optional = {}
    if compaction == "sliding":
        optional["keep_steps"] = s.num("keep_steps", "agents.keep")
    if compaction == "summarise":
        optional |= {"summarise_every": s.num("summarise_every", "agents.every"),
                     "summary_tokens": s.num("summary_tokens", "agents.summary")}
    x = agent_loops.AgentInputs(
        system_tokens=s.num("system_tokens", "agents.system", system_default),
        user_tokens=s.num("user_tokens", "agents.user", user_default),
        assistant_tokens=s.num("assistant_tokens", "agents.output", min(ctx.sidebar.output_tokens, 200_000)),
        tool_result_tokens=s.num("tool_result_tokens", "agents.tool"), steps=s.num("steps", "agents.steps"),
        caching=s.flag("caching", "agents.cache"),
        context_window=s.num("context_window", "agents.window",
                             ctx.prices.context_window or agent_loops.DEFAULT_CONTEXT_WINDOW),
        compaction=compaction, tasks_per_month=ctx.sidebar.requests_per_month, **optional,
    )
    return agent_loops_saving(x, agent_loops.evaluate(x, ctx.prices))


def agent_loops_saving(x: agent_loops.AgentInputs, r: agent_loops.AgentResult) -> LeverSaving:
    return LeverSaving(
        lever="agent_loops", label="Agent history policy", page="pages/agent_loops.py",
        share=_share(r.quadratic_cost_per_task - r.cost_per_task, r.quadratic_cost_per_task),
        assumption=f"{x.steps}-step tasks; {agent_loops.COMPACTION_LABELS[x.compaction].lower()}"
                   f"{', history cached' if x.caching else ''}, against re-sending the whole history",
    )


def _retries(ctx: Context) -> LeverSaving | str:
    s = Stored(retries.RetryInputs)
    budget_on = s.flag("budget_on", "retry.budget_on")
    x = retries.RetryInputs(
        steps=s.num("steps", "retry.steps"), failure_rate=s.num("failure_rate", "retry.p"),
        max_attempts=s.num("max_attempts", "retry.k"), restarts=s.num("restarts", "retry.restarts"),
        prompt_tokens=s.num("prompt_tokens", "retry.S", min(ctx.sidebar.input_tokens, 1_000_000)),
        output_tokens=s.num("output_tokens", "retry.A", min(ctx.sidebar.output_tokens, 100_000)),
        tool_tokens=s.num("tool_tokens", "retry.R"), failed_output_share=s.num("failed_output_share", "retry.billed"),
        replay=s.opt("replay", "retry.replay"), budget_on=budget_on,
        budget=s.num("budget", "retry.budget") if budget_on else retries.RetryInputs.model_fields["budget"].default,
        tasks_per_month=ctx.sidebar.requests_per_month,
    )
    return retries_saving(ctx, x, retries.evaluate(x, ctx.prices))


def retries_saving(ctx: Context, x: retries.RetryInputs, r: retries.RetryResult) -> LeverSaving:
    """The retry budget against the same agent retrying freely (up to its attempt cap)."""
    free = retries.evaluate(x.model_copy(update={"budget_on": False}), ctx.prices) if x.budget_on else r
    what = (f"retry budget {x.budget:.0%} of requests vs free retries at {x.failure_rate:.0%} failures; "
            f"task success {free.success:.1%} → {r.success:.1%}") if x.budget_on else "retry budget off: no change"
    return LeverSaving(lever="retries", label="Retry budget", page="pages/retry_budgets.py",
                       share=_share(free.monthly_cost - r.monthly_cost, free.monthly_cost), assumption=what)


def _pipeline(ctx: Context) -> LeverSaving | str:
    cat = catalogue()
    light = pipeline.DEFAULT_LIGHT_MODEL
    defaults = pipeline.default_steps(DEFAULT_MODEL, light if light in cat.keys() else DEFAULT_MODEL)
    steps = scenario.stored_rows(pipeline.PipelineStep, defaults, key="pipe.table")[: pipeline.MAX_STEPS]
    s = Stored(pipeline.PipelineInputs)
    x = pipeline.PipelineInputs(steps=tuple(steps), runs_per_month=ctx.sidebar.requests_per_month,
                                rewrite_cost=s.num("rewrite_cost", "pipe.rewrite"),
                                target_success=s.num("target_success", "pipe.target"))
    try:
        models = {step.model_key: cat.get(step.model_key) for step in x.steps if step.kind == "LLM"}
    except KeyError as exc:
        return f"its table names a model the catalogue does not have ({exc})"
    return pipeline_saving(x, pipeline.evaluate(x, models))


def pipeline_saving(x: pipeline.PipelineInputs, r: pipeline.PipelineResult) -> LeverSaving:
    payback = "never pays back" if r.payback_months is None else f"pays back in {r.payback_months:.1f} months"
    return LeverSaving(
        lever="pipeline", label="Steps moved to code", page="pages/pipeline.py",
        share=_share(r.saving_per_month, r.original.cost_per_month),
        assumption=f"{r.converted} pipeline step(s) as code; the one-off rewrite ({x.rewrite_cost:,.0f}) is not in "
                   f"the monthly figure ({payback})",
    )


def _right_sizing(ctx: Context) -> LeverSaving | str:
    cat = catalogue()
    keys = cat.keys()
    default_models = rs.default_candidates(ctx.sidebar.model_key, keys)
    raw = scenario.store().get("rs.models")
    linked = [v for v in ([raw] if isinstance(raw, str) else raw or []) if v in keys][: rs.MAX_CANDIDATES]
    candidates = linked or default_models
    s = Stored(rs.RightSizingInputs)
    one_default = ctx.sidebar.model_key if ctx.sidebar.model_key in candidates else candidates[0]
    classes = scenario.stored_rows(rs.TaskClass, rs.DEFAULT_CLASSES, key="rs.classes")
    edited = {(row.task_class, m): v for row in scenario.stored_rows(rs.PassRateRow, [], key="rs.rates")
              for m, v in row.rates.items()}

    def rate(cls: str, model: str) -> float | None:
        if (cls, model) in edited:
            return edited[(cls, model)]
        return rs.default_pass_rate(default_models.index(model), cls) if model in default_models else None

    x = rs.RightSizingInputs(
        requests_per_month=ctx.sidebar.requests_per_month, classes=tuple(classes), candidates=tuple(candidates),
        pass_rates=tuple(tuple(rate(c.name, m) for m in candidates) for c in classes),
        one_model=widgets.stored_choice(candidates, key="rs.one", default=one_default),
        quality_bar=s.num("quality_bar", "rs.bar"),
        failure_mode=s.opt("failure_mode", "rs.fail", format_func=rs.FAILURE_LABEL.get),
    )
    return right_sizing_saving(x, rs.evaluate(x, {m: cat.get(m) for m in candidates}))


def right_sizing_saving(x: rs.RightSizingInputs, r: rs.RightSizingResult) -> LeverSaving:
    return LeverSaving(
        lever="right_sizing", label="Right-sized models", page="pages/right_sizing.py",
        share=_share(r.savings_monthly, r.one_model_monthly),
        assumption=f"the cheapest of {len(x.candidates)} candidates meeting a {x.quality_bar:.0%} pass bar per task "
                   f"class, against {x.one_model} for everything",
    )


def _routing(ctx: Context) -> LeverSaving | str:
    cat = catalogue()
    keys = cat.keys()
    strong = cat.get(widgets.stored_choice(keys, key="rt.strong", default=ctx.sidebar.model_key))
    cheap = cat.get(widgets.stored_choice(
        keys, key="rt.cheap",
        default=rt.default_cheap_model(strong, cat, ctx.sidebar.input_tokens, ctx.sidebar.output_tokens)))
    s = Stored(rt.RoutingInputs)
    mode = s.opt("mode", "rt.mode", format_func=rt.MODE_LABEL.get)
    router = mode == "router"
    f = rt.RoutingInputs.model_fields
    cheap_call, strong_call = rt.call_costs(strong, cheap, ctx.sidebar.input_tokens, ctx.sidebar.output_tokens)
    x = rt.RoutingInputs(
        requests_per_month=ctx.sidebar.requests_per_month, cheap_call_cost=cheap_call, strong_call_cost=strong_call,
        mode=mode, simple_share=s.num("simple_share", "rt.simple_share"), user_retry=s.num("user_retry", "rt.user_retry"),
        router_cost_per_1k=s.num("router_cost_per_1k", "rt.router_cost"),
        simple_to_cheap=s.num("simple_to_cheap", "rt.simple_to_cheap") if router else f["simple_to_cheap"].default,
        complex_to_cheap=s.num("complex_to_cheap", "rt.complex_to_cheap") if router else f["complex_to_cheap"].default,
        fallback_catch=s.num("fallback_catch", "rt.fallback_catch") if router else f["fallback_catch"].default,
        catch_rate=f["catch_rate"].default if router else s.num("catch_rate", "rt.catch_rate"),
        false_escalation=f["false_escalation"].default if router else s.num("false_escalation", "rt.false_escalation"),
        cheap_success_simple=s.num("cheap_success_simple", "rt.q_simple"),
        cheap_success_complex=s.num("cheap_success_complex", "rt.q_complex"),
        strong_success=s.num("strong_success", "rt.q_strong"), router_latency_ms=s.num("router_latency_ms", "rt.router_ms"),
        cheap_latency_ms=s.num("cheap_latency_ms", "rt.cheap_ms"), strong_latency_ms=s.num("strong_latency_ms",
                                                                                          "rt.strong_ms"),
    )
    return routing_saving(x, rt.evaluate(x), cheap)


def routing_saving(x: rt.RoutingInputs, r: rt.RoutingResult, cheap: ModelPrices) -> LeverSaving:
    return LeverSaving(
        lever="routing", label="Router or cascade", page="pages/routing.py",
        share=_share(r.savings_monthly, r.baseline_monthly),
        assumption=f"{rt.MODE_LABEL[x.mode].lower()} to {cheap.model_name}; quality {r.baseline_quality:.1%} → "
                   f"{r.quality:.1%}",
    )


LEVERS: tuple[Lever, ...] = (
    Lever("pipeline", "Steps moved to code", "pages/pipeline.py", _pipeline),
    Lever("agent_loops", "Agent history policy", "pages/agent_loops.py", _agent_loops),
    Lever("retries", "Retry budget", "pages/retry_budgets.py", _retries),
    Lever("right_sizing", "Right-sized models", "pages/right_sizing.py", _right_sizing),
    Lever("routing", "Router or cascade", "pages/routing.py", _routing),
    Lever("distillation", "Distilled student model", "pages/distillation.py", _distillation),
    Lever("reasoning", "Reasoning only where it earns", "pages/reasoning.py", _reasoning),
    Lever("output_caps", "Output caps", "pages/output_caps.py", _output_caps),
)


PUBLISHED = "_lever_savings"


def publish(saving: LeverSaving) -> None:
    """A lever page records its own figure (tests compare it with the Overview's for the same link)."""
    st.session_state.setdefault(PUBLISHED, {})[saving.lever] = saving


def jevons_inputs(ctx: Context) -> jevons.JevonsInputs:
    """The projection page's inputs as the link holds them (same keys and defaults as pages/jevons.py)."""
    s = Stored(jevons.JevonsInputs)
    band = s.flag("show_band", "jevons.band")
    ranges = {}
    if band:
        ranges = dict(decline_low=s.num("decline_low", "jevons.decline_low"),
                      decline_high=s.num("decline_high", "jevons.decline_high"),
                      elasticity_low=s.num("elasticity_low", "jevons.eps_low"),
                      elasticity_high=s.num("elasticity_high", "jevons.eps_high"))
    from_workload = widgets.stored_toggle(key="jevons.from_workload", default=True)
    return jevons.JevonsInputs(
        monthly_spend=ctx.bill.total if from_workload else s.num("monthly_spend", "jevons.spend"),
        price_decline=s.num("price_decline", "jevons.decline"), elasticity=s.num("elasticity", "jevons.elasticity"),
        growth=s.num("growth", "jevons.growth"), horizon_years=s.num("horizon_years", "jevons.years"),
        show_band=band, **ranges,
    )
