"""Distillation payback: when does labelling with a frontier model and training a small one pay back?"""
import streamlit as st

from calculators import distillation
from pages._ui import fig_distillation, figures, levers, widgets
from pages._ui.layout import (
    Metric, catalogue, chart, context, currency, explain, headline, illustrative, money, percent, price_caption, sources, tokens,
)

st.title("Distillation payback")
st.caption("When does labelling data with a frontier model and training a small one pay back, at your volume?")

ctx = context()
cat = catalogue()
keys = sorted(cat.keys())
WORKLOAD_MODEL = "(workload model)"
Inputs = distillation.DistillationInputs


def _default(name: str):
    return Inputs.model_fields[name].default


illustrative("Training prices, evaluation cost, upkeep and quality retained are illustrative; replace them with your "
             "provider's fine-tuning prices and your own evals.")

models, running = st.columns(2)
with models:
    st.markdown("**Models**")
    teacher_key = widgets.choice(
        None, None, key="distil.teacher", options=[WORKLOAD_MODEL, *keys], default=WORKLOAD_MODEL, label="Teacher",
        help="The frontier model that labels the data and that the student replaces. Default: the workload's model.",
        format_func=lambda k: f"Workload model ({ctx.prices.label})" if k == WORKLOAD_MODEL else k,
    )
    teacher = ctx.prices if teacher_key == WORKLOAD_MODEL else cat.get(teacher_key)
    student_source = widgets.choice(Inputs, "student_source", key="distil.source")
    if student_source == "Self-hosted":
        hosted_price = widgets.number(Inputs, "self_hosted_price", key="distil.hosted")
        student = distillation.self_hosted_prices(hosted_price)
    else:
        hosted_price = _default("self_hosted_price")
        student_key = widgets.choice(
            None, None, key="distil.student", options=keys,
            default=distillation.DEFAULT_STUDENT if distillation.DEFAULT_STUDENT in keys else keys[0],
            label="Student model", help="A small model from the catalogue; the default is a fine-tuned small hosted "
            "model priced in genai-prices.",
        )
        student = cat.get(student_key)
    st.caption(f"Teacher: {price_caption(teacher)}")
    st.caption(f"Student: {price_caption(student)}")
with running:
    st.markdown("**Running the student**")
    quality = widgets.number(Inputs, "quality_retained", key="distil.quality")
    fallback = widgets.choice(Inputs, "fallback_mode", key="distil.fallback")
    upkeep = widgets.number(Inputs, "upkeep_per_month", key="distil.upkeep")
    horizon = widgets.number(Inputs, "horizon_months", key="distil.horizon")

labelling, training = st.columns(2)
with labelling:
    st.markdown("**Labelling with the teacher**")
    examples = widgets.number(Inputs, "examples", key="distil.examples")
    label_in = widgets.number(Inputs, "label_input_tokens", key="distil.label_in",
                              default=ctx.sidebar.input_tokens)
    label_out = widgets.number(Inputs, "label_output_tokens", key="distil.label_out",
                               default=ctx.sidebar.output_tokens)
    use_batch = widgets.toggle(Inputs, "use_batch", key="distil.batch")
    discount = (widgets.number(Inputs, "batch_discount", key="distil.discount",
                               default=teacher.batch_discount or distillation.FALLBACK_BATCH_DISCOUNT)
                if use_batch else _default("batch_discount"))
with training:
    st.markdown("**Training and evaluation**")
    mode = widgets.choice(Inputs, "training_mode", key="distil.mode")
    if mode == "Per training token":
        price = widgets.number(Inputs, "training_price", key="distil.train_price")
        epochs = widgets.number(Inputs, "epochs", key="distil.epochs")
        gpu_hours, gpu_rate = _default("gpu_hours"), _default("gpu_rate")
    else:
        gpu_hours = widgets.number(Inputs, "gpu_hours", key="distil.gpu_hours")
        gpu_rate = widgets.number(Inputs, "gpu_rate", key="distil.gpu_rate")
        price, epochs = _default("training_price"), _default("epochs")
    evaluation = widgets.number(Inputs, "evaluation_cost", key="distil.eval")

x = widgets.validated(
    Inputs, requests_per_month=ctx.sidebar.requests_per_month, input_tokens=ctx.sidebar.input_tokens,
    output_tokens=ctx.sidebar.output_tokens, teacher=teacher, student=student, student_source=student_source,
    self_hosted_price=hosted_price, examples=examples, label_input_tokens=label_in, label_output_tokens=label_out,
    use_batch=use_batch, batch_discount=discount, training_mode=mode, training_price=price, epochs=epochs,
    gpu_hours=gpu_hours, gpu_rate=gpu_rate, evaluation_cost=evaluation, quality_retained=quality,
    fallback_mode=fallback, upkeep_per_month=upkeep, horizon_months=horizon,
)
r = distillation.evaluate(x)
levers.publish(levers.distillation_saving(x, r))

if r.margin_per_request <= 0:
    st.warning(
        f"Per request the student plus its fallbacks ({money(r.distilled_per_request)}) costs at least as much as "
        f"the teacher ({money(r.teacher_per_request)}): distillation never pays back, at any volume.",
        icon=":material/warning:")
elif r.payback_months is None:
    st.warning(
        f"At {tokens(x.requests_per_month)} requests a month the saving ({money(r.margin_per_request)} per request) "
        f"does not cover the {money(x.upkeep_per_month)} monthly upkeep: it never pays back. It needs more than "
        f"{tokens(r.min_volume)} requests a month.", icon=":material/warning:")
elif r.payback_months > x.horizon_months:
    st.info(f"It pays back after {r.payback_months:.1f} months, beyond your {x.horizon_months}-month horizon.",
            icon=":material/info:")


def _delta(value: float | None) -> str:
    """Signed money for a metric delta; ASCII '-' so Streamlit points the arrow down."""
    text = money(value)
    return "+" + text if value is not None and value > 0 else text.replace("−", "-", 1)


headline([
    Metric("Bill after, per month", money(r.distilled_monthly),
           delta=f"{_delta(r.change_vs_teacher)} vs teacher", delta_color="inverse",
           help=f"The student, the teacher for the {percent(r.fallback_share)} of requests that fall back "
                f"({x.fallback_mode.lower()}), plus upkeep. The teacher alone costs {money(r.teacher_monthly)}/month."),
    Metric("Monthly saving", money(r.monthly_saving),
           delta=f"{_delta(r.saving_per_request)} per request" if r.saving_per_request is not None else None,
           help="Teacher bill minus the bill after distillation; per request, upkeep included."),
    Metric("One-off cost", money(r.one_off_cost),
           help="Teacher labelling + training + evaluation, paid before the first saving."),
    Metric("Payback, months", f"{r.payback_months:.1f}" if r.payback_months is not None else "never",
           help="One-off cost / monthly saving."),
])
st.caption(
    f"One-off: labelling {money(r.labelling_cost)} + training {money(r.training_cost)}"
    + (f" ({tokens(r.training_tokens)} training tokens)" if x.training_mode == "Per training token" else "")
    + f" + evaluation {money(r.evaluation_cost)}. Per request: teacher {money(r.teacher_per_request)}; student "
    f"{money(r.student_per_request)}"
    + (f" on {percent(r.student_share)} of requests" if r.student_share < 1 else "")
    + f" + {percent(r.fallback_share)} fallback × teacher = {money(r.distilled_per_request)}. "
    + (f"It pays back within {x.horizon_months} months above {tokens(r.volume_for_horizon)} requests a month, and "
       f"never below {tokens(r.min_volume)}." if r.volume_for_horizon is not None
       else "It never pays back at any volume.")
)

curve = distillation.cumulative_curve(x)
fig = figures.line_chart(
    curve, x="month", series={"teacher_only": "teacher only", "distilled": "distil, then serve the student"},
    title="Cumulative cost: teacher only vs distilling", x_title="months from the start",
    y_title="cumulative spend",
    markers=[figures.Marker(r.payback_months, f"pays back after {r.payback_months:.1f} months")
             if r.payback_months is not None else None],
    current=figures.Current(x.horizon_months, r.distilled_at_horizon, f"{x.horizon_months}-month horizon"),
    y_tickprefix=currency(),
)
chart(fig, curve, name="distillation cumulative cost")

volume_curve = distillation.payback_curve(x)
floor = (figures.Marker(r.min_volume, f"never pays back below {tokens(r.min_volume)}")
         if r.min_volume is not None and r.min_volume > 0 else None)
markers = [
    figures.Marker(x.requests_per_month, "your volume", colour="#111111")
    if r.payback_months is None else None,  # otherwise the point on the curve shows it
    figures.Marker(r.volume_for_horizon, f"within {x.horizon_months} months above {tokens(r.volume_for_horizon)}",
                   colour="#17A398") if r.volume_for_horizon is not None else None,
]
fig2 = fig_distillation.payback_vs_volume(
    volume_curve, horizon_months=x.horizon_months, floor=floor, markers=markers,
    current=figures.Current(x.requests_per_month, r.payback_months, "your volume")
    if r.payback_months is not None else None,
)
chart(fig2, volume_curve, name="distillation payback vs volume")
st.caption("Volume changes the running saving, not the one-off cost: the labelled set and training run stay the same.")

explain(distillation.EXPLANATION)
sources("hsieh_distilling", "batch_discount", "distillation_defaults", "genai_prices", "workload_defaults")
