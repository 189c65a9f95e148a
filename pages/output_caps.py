"""Output caps: what tuning max_tokens saves in money, latency and throughput."""
import numpy as np
import streamlit as st

from calculators import output_caps as oc
from calculators import tokens
from pages._ui import fig_output_caps, figures, levers, widgets
from pages._ui.layout import (
    Metric, chart, context, currency, explain, headline, money, percent, price_caption, sources,
)


@st.cache_data(show_spinner="Reading lengths…", max_entries=8)
def read_lengths(data: bytes) -> np.ndarray:
    return oc.parse_lengths(tokens.decode_upload(data))


def signed(value: float) -> str:
    """A money delta Streamlit colours correctly (it reads the sign from a leading ASCII '-')."""
    return ("-" if value < 0 else "+") + money(abs(value))


st.title("Output caps: tuning max_tokens")
st.caption("What a max_tokens cap saves in money, latency and throughput, and what the answers it cuts off cost.")

ctx = context()
st.caption(price_caption(ctx.prices))
Inputs = oc.OutputCapInputs
out = ctx.sidebar.output_tokens

lengths_col, cap_col, speed_col = st.columns(3)
with lengths_col:
    st.markdown("**Output lengths**")
    mode = widgets.choice(Inputs, "source", key="cap.mode")
    p50 = widgets.number(Inputs, "p50_tokens", key="cap.p50", default=out)
    p95 = widgets.number(Inputs, "p95_tokens", key="cap.p95", default=3 * out)
    upload = None
    if mode == "an uploaded list":
        upload = st.file_uploader(
            "Observed output lengths (CSV or text)", key="cap.upload",
            help="Whole numbers of output tokens, one per line or separated by commas; one header line is allowed. "
            "Export them from your provider's usage logs.",
            max_upload_size=50,
        )
    brevity = widgets.number(Inputs, "brevity_effect", key="cap.brevity")
with cap_col:
    st.markdown("**The cap and its casualties**")
    cap = widgets.number(Inputs, "cap", key="cap.max_tokens", default=oc.suggested_cap(3 * out))
    redo = widgets.number(Inputs, "redo_share", key="cap.redo")
    max_truncation = widgets.number(Inputs, "max_truncation", key="cap.max_trunc")
with speed_col:
    st.markdown("**Latency and rate limit** (illustrative defaults)")
    ttft = widgets.number(Inputs, "ttft_ms", key="cap.ttft")
    tpot = widgets.number(Inputs, "ms_per_token", key="cap.tpot")
    tpm = widgets.number(Inputs, "tpm_limit", key="cap.tpm")
    counts = widgets.choice(Inputs, "limit_counts", key="cap.limit",
                            default="max_tokens only" if ctx.prices.provider_id == "anthropic" else None)

x = widgets.validated(
    Inputs, source=mode, p50_tokens=p50, p95_tokens=p95, cap=cap, redo_share=redo, max_truncation=max_truncation,
    brevity_effect=brevity, ttft_ms=ttft, ms_per_token=tpot, tpm_limit=tpm, limit_counts=counts,
)

observed = None
if mode == "an uploaded list":
    if upload is None:
        st.info("Upload a file of observed output lengths; until then the log-normal fit from p50 and p95 is used.",
                icon=":material/info:")
    else:
        try:
            observed = read_lengths(upload.getvalue())
        except (tokens.NotTextError, oc.LengthsError) as exc:
            st.error(f"Couldn't read `{upload.name}`: {exc}. Using the log-normal fit from p50 and p95 instead.",
                     icon=":material/error:")

result = oc.evaluate(x, ctx.sidebar, ctx.prices, observed)
levers.publish(levers.output_caps_saving(x, result))
if result.observed is not None:
    st.caption(f"Using {result.observed:,} uploaded lengths: p50 {result.p50_tokens:,.0f}, "
               f"p95 {result.p95_tokens:,.0f}, mean {result.mean_tokens:,.0f} tokens"
               + (" (after the brevity instruction)" if x.brevity_effect else "")
               + ". The p50 and p95 inputs are ignored while the file is loaded.")

limit_label = f"{percent(x.max_truncation, 1)} truncation limit"
best = result.optimal_cap
headline([
    Metric("Cost per month", money(result.cost_per_month),
           delta=f"{signed(-result.saving_per_month)} vs no cap", delta_color="inverse",
           help="At this cap (and brevity instruction), against no cap and no brevity instruction, for the same "
           "length distribution."),
    Metric("Per request", money(result.cost_per_request),
           delta=f"{result.cost_per_request / result.status_quo_per_request - 1:+.2%}"
           if result.status_quo_per_request else None, delta_color="inverse",
           help="Input (again, for each redone answer) plus billed output tokens."),
    Metric("Cheapest cap within limit", f"{best:,.0f} tokens" if best is not None else "no cap",
           delta=f"{signed(result.optimal_cost_per_month - result.status_quo_per_month)}/month"
           if best is not None and result.optimal_cost_per_month is not None else None,
           delta_color="inverse",
           help=f"The cheapest cap among those that truncate at most {percent(x.max_truncation, 1)} of answers, "
           "and its bill against no cap. 'no cap': every such cap costs more than none at this redo share."),
    Metric("Redo break-even",
           percent(result.break_even_redo_share) if result.break_even_redo_share is not None else "—",
           help="Your cap saves money only while fewer than this share of truncated answers must be redone. "
           "'—': the cap truncates nothing, so it neither saves nor costs."),
])
headline([
    Metric("Truncation rate", percent(result.truncation_rate, 2),
           delta=f"{percent(result.redo_rate, 2)} redone", delta_color="off",
           help="Share of answers longer than the cap, cut off; the redo share of them is sent again."),
    Metric("p50 latency", f"{result.latency_p50_ms / 1000:,.1f} s",
           help="Time to first token + output tokens × time per output token; redone answers wait for both."),
    Metric("p95 latency", f"{result.latency_p95_ms / 1000:,.1f} s",
           delta=f"{(result.latency_p95_ms - result.uncapped_latency_p95_ms) / 1000:+,.1f} s vs no cap"
           if abs(result.latency_p95_ms - result.uncapped_latency_p95_ms) >= 50 else None,
           delta_color="inverse", help="With no cap the p95 is "
           f"{result.uncapped_latency_p95_ms / 1000:,.1f} s."),
    Metric("Max requests/min", f"{result.requests_per_minute:,.0f}",
           delta=f"average load {result.average_requests_per_minute:,.1f}", delta_color="off",
           help="What the rate limit admits: the limit ÷ tokens reserved per request (max_tokens, plus input if "
           "counted, for each attempt), whatever the answers' real length."),
    Metric("Billed output", f"{result.billed_output_tokens:,.0f}",
           delta=f"no cap: {result.mean_tokens:,.0f}", delta_color="off",
           help="Output tokens billed per request: first attempts (at most the cap) plus the full answers of "
           "redone requests."),
])

notes = []
if x.brevity_effect:
    cap_part = (f"the cap saves a further {money(result.cap_saving_per_month)}/month"
                if result.cap_saving_per_month >= 0 else
                f"the cap costs {money(-result.cap_saving_per_month)}/month of that back")
    notes.append(f"The brevity instruction alone saves {money(result.brevity_saving_per_month)}/month; {cap_part}.")
if result.observed is None:
    notes.append(f"A log-normal's mean is above its median: with p50 {x.p50_tokens:,.0f} and p95 "
                 f"{x.p95_tokens:,.0f} the mean answer is {result.mean_tokens_before_brevity:,.0f} tokens, so "
                 f"'no cap' costs {money(result.status_quo_per_month)}/month here, against the sidebar's "
                 f"{money(ctx.bill.total)} at {out:,} output tokens on average.")
if best is None:
    notes.append(f"No cap that truncates at most {percent(x.max_truncation, 1)} of answers beats no cap when "
                 f"{percent(x.redo_share, 0)} of truncated answers are redone: a cap here buys throughput and a "
                 "runaway guard, not savings.")
elif abs(best - result.truncation_limit_cap) <= 1e-6 * best:
    notes.append(f"The cheapest acceptable cap is the tightest within your {limit_label}: at this redo share, every "
                 "tighter cap is cheaper, down to the limit.")
else:
    notes.append("The cheapest acceptable cap is where a lower cap's saving on kept answers equals the cost of the extra "
                 "redos.")
st.caption(" ".join(notes))

curve = oc.curves(x, ctx.sidebar, ctx.prices, observed, marks=(best,) if best is not None else ())
current = curve.loc[(curve["cap"] - x.cap).abs().idxmin()]
markers = [
    figures.Marker(best, f"cheapest within limit: {best:,.0f}") if best is not None else None,
    figures.Marker(result.truncation_limit_cap, limit_label, colour="#5C6B73")
    if best is None or abs(best - result.truncation_limit_cap) > 1e-6 * best else None,
]


def here(column: str, label: str = "your cap") -> figures.Current:
    return figures.Current(x.cap, float(current[column]), label=f"{label}: {x.cap:,}")


left, right = st.columns(2)
with left:
    fig = fig_output_caps.cap_chart(
        curve, series={"cost_per_month": "with this cap", "no_cap_cost_per_month": "no cap"},
        dashes={"no_cap_cost_per_month": "dash"}, title="Cost per month vs the cap", y_title="cost per month",
        markers=markers, current=here("cost_per_month"), y_tickprefix=currency(),
    )
    chart(fig, curve[["cap", "cost_per_month", "no_cap_cost_per_month"]], name="output cap cost per month")
with right:
    fig = fig_output_caps.cap_chart(
        curve, series={"truncation_rate": "truncated", "redo_rate": "redone"}, title="Truncation rate vs the cap",
        y_title="share of answers", markers=markers, current=here("truncation_rate"), y_tickformat=".1%",
    )
    chart(fig, curve[["cap", "truncation_rate", "redo_rate"]], name="output cap truncation rate")

left, right = st.columns(2)
with left:
    fig = fig_output_caps.cap_chart(
        curve, series={"billed_output_tokens": "billed", "first_attempt_tokens": "first attempt",
                       "no_cap_mean_tokens": "no cap"},
        dashes={"no_cap_mean_tokens": "dash", "first_attempt_tokens": "dot"},
        title="Billed output tokens per request vs the cap", y_title="output tokens (redone answers included)",
        markers=markers, current=here("billed_output_tokens"),
    )
    chart(fig, curve[["cap", "billed_output_tokens", "first_attempt_tokens", "no_cap_mean_tokens"]],
          name="output cap billed tokens")
with right:
    fig = fig_output_caps.cap_chart(
        curve, series={"latency_p50_s": "p50", "latency_p95_s": "p95"}, title="Latency vs the cap",
        y_title="seconds", markers=markers, current=here("latency_p95_s", "p95"), y_ticksuffix=" s",
    )
    chart(fig, curve[["cap", "latency_p50_s", "latency_p95_s"]], name="output cap latency")
    st.caption("The p95 jumps where redone answers pass 5% of requests: from then on the slowest 5% wait for "
               "two attempts.")

fig = fig_output_caps.cap_chart(
    curve, series={"requests_per_minute": "requests per minute the limit admits",
                   "average_requests_per_minute": "your average load"},
    dashes={"average_requests_per_minute": "dash"},
    title=f"Requests per minute under a {x.tpm_limit:,} tokens-per-minute limit ({x.limit_counts} reserved)",
    y_title="requests per minute (log scale)", markers=markers, current=here("requests_per_minute"), log_y=True,
)
chart(fig, curve[["cap", "requests_per_minute", "average_requests_per_minute"]], name="output cap throughput")
st.caption("Peaks matter more than the average: the limit applies per minute, so compare it with your busiest "
           "minute. A loose cap costs nothing extra in money but lowers this ceiling.")

explain(oc.EXPLANATION)
sources("rate_limit_reservation", "reasoning_billing", "output_cap_defaults", "output_input_ratio", "genai_prices",
        "workload_defaults")
