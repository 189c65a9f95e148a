"""Usage import: last month's export becomes the workload every page prices, reconciled with the spend it reports."""
from __future__ import annotations

import math
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from calculators.bill import LINE_LABEL, TIER_DISCOUNT
from calculators.usage import MAX_UPLOAD_MB, UsageImport, UsageImportError, detect_format, load
from calculators.usage.calibrate import CalibrationError, calibrate, what_if, what_if_frame
from calculators.usage.canonical import FORMAT_LABEL
from calculators.usage.formats import FORMATS
from calculators.usage.reconcile import reconcile
from calculators.workload import TOKEN_CATEGORIES
from pages._ui import bill_builder, fig_usage, scenario
from pages._ui.glossary import glossary, term
from pages._ui.layout import (
    Context, Metric, bill_of, chart, context, currency, explain, headline, list_catalogue, money, money_settings, percent,
    plain, shown_frame, tokens, verdict,
)
from pages._ui.lever_form import read_inputs
from pages._ui.process import without_turn
from pages._ui.widgets import _escape
from pages._ui.workload_edit import custom_rows, use_classes

SAMPLES_DIR = Path(__file__).resolve().parent.parent / "data" / "samples"
SAMPLES = {  # the file, and what it stands for
    "litellm_daily_team_spend.csv": "LiteLLM daily spend per team (carries spend)",
    "openai_usage_completions.json": "OpenAI Usage API, completions per project",
    "anthropic_usage_report.json": "Anthropic usage report per workspace (no request count)",
    "otel_genai_spans.jsonl": "OpenTelemetry GenAI spans, per request (OTLP JSON)",
    "otel_traces.parquet": "OpenTelemetry spans from a ClickHouse otel_traces table (Parquet)",
}
DETECT = "detect"
IMPORT_STATE = "_usage.import"  # (what was read, from which file and settings): read once, not on every rerun

st.title("Usage import: start from your own traffic")
st.caption("Read last month's usage export (OpenAI, Anthropic, LiteLLM or OpenTelemetry), see what it would cost at "
           "list prices next to what the export says you paid, and make it the workload every page prices. The raw "
           "rows never leave this page: the link carries only the call classes calibrated from them.")
answer = st.container()
glossary("usage export", "call class", "list price", "effective discount", "unexplained residual", "cache read",
         "long-context tier")
ctx = context()


def pick_file() -> tuple[str, Path | bytes, str] | None:
    """The file to read: (identity, sample path or uploaded bytes, file name); None until one is chosen."""
    source = st.radio("Start from", ["A sample export", "My export"], horizontal=True, key="usage.source",
                      help="The samples are generated (one invented month of a support assistant and a search "
                      "feature); only their formats are real.")
    if source == "A sample export":
        names = [n for n in SAMPLES if (SAMPLES_DIR / n).exists()]
        name = st.selectbox("Sample", names, format_func=lambda n: f"{SAMPLES[n]} — {n}", key="usage.sample")
        return (f"sample:{name}", SAMPLES_DIR / name, name) if name else None
    upload = st.file_uploader(
        f"Usage export (JSON, JSONL, CSV or Parquet; at most {MAX_UPLOAD_MB} MB)",
        type=["json", "jsonl", "ndjson", "csv", "parquet"], key="usage.upload", max_upload_size=MAX_UPLOAD_MB,
        help="OpenAI /v1/organization/usage/completions JSON, Anthropic usage report JSON, LiteLLM daily spend CSV, "
        "or OpenTelemetry GenAI spans (OTLP JSON or Parquet). Larger exports: aggregate them where they live with "
        "the SQL in calculators/usage/sql.py (README).")
    st.caption(f"Files up to {MAX_UPLOAD_MB} MB. The file is read on this server and not kept.")
    if upload is None:
        return None
    return f"upload:{upload.file_id}", upload.getvalue(), upload.name


def read(identity: str, source: Path | bytes, name: str, fmt: str | None, group_by: str | None) -> UsageImport:
    """The export read into the canonical table, once per file and settings (kept for the session)."""
    key = (identity, fmt, group_by)
    held = st.session_state.get(IMPORT_STATE)
    if held is not None and held[0] == key:
        return held[1]
    with without_turn():  # a large export takes seconds: other users' reruns need not wait for it
        if isinstance(source, Path):
            imp = load(source, fmt, group_by=group_by)
        else:
            with tempfile.TemporaryDirectory(prefix="usage-upload-") as folder:
                path = Path(folder) / Path(name).name
                path.write_bytes(source)
                imp = load(path, fmt, group_by=group_by)
    st.session_state[IMPORT_STATE] = (key, imp)
    return imp


def detected(source: Path | bytes, name: str) -> str | None:
    """The format the file looks like, or None where it looks like none (the reader then says why)."""
    try:
        if isinstance(source, Path):
            return detect_format(source)
        with tempfile.TemporaryDirectory(prefix="usage-sniff-") as folder:
            path = Path(folder) / Path(name).name
            path.write_bytes(source[:1_048_576])
            return detect_format(path)
    except (UsageImportError, OSError):
        return None


def span_words(hours: float) -> str:
    return f"{hours / 24:,.0f} days" if hours >= 48 else f"{hours:,.0f} hours"


def requests_input(imp: UsageImport) -> dict[str, float] | float | None:
    """Anthropic's usage report counts tokens, not requests: ask for them (never invented)."""
    unknown = sorted(imp.rows.loc[imp.rows["calls"].isna(), "model"].astype(str).unique())
    if not unknown:
        return None
    st.info("This export has no request count (Anthropic's usage report counts tokens only). Per-request figures "
            "and the call classes need one: enter the requests a month, from your own logs or gateway.",
            icon=":material/pin:")
    how = st.radio("Requests per month", ["One total, split by each model's share of tokens", "Per model"],
                   horizontal=True, key="usage.requests_how")
    if how.startswith("One total"):
        total = st.number_input("Requests per month, all models", min_value=0, max_value=10_000_000_000, value=0,
                                step=10_000, key="usage.requests_total",
                                help="Split over the models and groups by their share of tokens (input sent plus "
                                "output). A long-context bucket never gets so many that its average request falls "
                                "below its threshold.")
        return float(total) if total > 0 else None
    per_model = {}
    for i, model in enumerate(unknown):
        per_model[model] = float(st.number_input(f"Requests per month: {model}", min_value=0,
                                                 max_value=10_000_000_000, value=0, step=10_000,
                                                 key=f"usage.requests.{i}"))
    return {m: n for m, n in per_model.items() if n > 0} or None


def fits_link(rows) -> bool:
    return len(scenario.rows_text(rows)) <= scenario.MAX_TABLE_CHARS


chosen = pick_file()
if chosen is None:
    with answer:
        verdict(f"Upload a usage export (at most {MAX_UPLOAD_MB} MB) or try a sample to price your own traffic.",
                "neutral")
    st.stop()
identity, source, name = chosen
sniffed = detected(source, name)
left, right = st.columns(2)
fmt_choice = left.selectbox(
    "Format", [DETECT, *FORMAT_LABEL], key="usage.format",
    format_func=lambda f: "Detect from the file" if f == DETECT else FORMAT_LABEL[f],
    help="Detected from the file's first bytes; pick one to read the file as that format.")
left.caption(f"The file looks like: {FORMAT_LABEL[sniffed]}." if sniffed else "The file looks like no export this "
             "page reads; pick a format to be told why.")
fmt = sniffed if fmt_choice == DETECT else fmt_choice
groups = list(FORMATS[fmt].groups) if fmt in FORMATS else []
group_by = right.selectbox("Group by", [*groups, ""], key=f"usage.group.{fmt}",
                           format_func=lambda g: f"{g} ({FORMATS[fmt].groups[g]})" if g else "no grouping",
                           help="The export's field that names a team, project, feature or key: one call class per "
                           "model and group, and the what-if per group.") if groups else None
try:
    imp = read(identity, source, name, None if fmt_choice == DETECT else fmt_choice, group_by)
except UsageImportError as exc:
    with answer:
        verdict("Not imported: nothing was changed (the sidebar's workload and bill are as they were).", "idle")
    st.error(f"This file could not be read as a usage export: {_escape(str(exc))}", icon=":material/error:")
    st.stop()

requests = requests_input(imp)
try:
    cal = calibrate(imp, ctx.catalogue, requests_per_month=requests, fits=fits_link)
except CalibrationError as exc:
    with answer:
        if imp.rows["calls"].isna().all() and requests is None:
            verdict(f"Read {tokens(imp.source_rows)} rows of {imp.label}. It counts tokens, not requests: enter the "
                    "requests a month below to price it.", "neutral")
        else:
            verdict(f"Read {tokens(imp.source_rows)} rows of {imp.label}, but they cannot be priced: "
                    f"{_escape(str(exc))}.", "neutral")
    st.stop()
# The export's spend is reconciled with list prices (before the sidebar's enterprise discount: that discount is one of
# the things a reconciliation measures); the monthly workload is priced like every page, net of it.
rec_cat = list_catalogue()
rec = reconcile(imp, rec_cat, calibration=cal)
bill = bill_of(cal.workload, ctx.catalogue)
user_discount = money_settings().discount
discount_text = percent(user_discount, 0 if float(user_discount * 100).is_integer() else 1)
discount_note = f" less your {discount_text} discount" if user_discount else ""
as_workload = tuple(custom_rows() or ()) == cal.rows
compared = rec.has_spend and not math.isnan(rec.compared_reported_usd)  # some priced model carries reported spend
reporter = FORMAT_LABEL[imp.fmt].split(" ")[0]

# --- the answer --------------------------------------------------------------------------------------------------
span = span_words(cal.span_hours)
period = (f"{pd.Timestamp(imp.rows['first_bucket'].min()):%Y-%m-%d} to "
          f"{pd.Timestamp(imp.rows['last_bucket'].max()):%Y-%m-%d}")
with answer:
    if (bill.nothing_priced or not cal.rows) and bill.overflows:
        verdict(f"This export's {span} of usage cannot be priced: its average requests do not fit their models' "
                "context windows (listed below).", "neutral")
    elif bill.nothing_priced or not cal.rows:
        verdict(f"This export's {span} of usage cannot be priced: none of its models is in the price catalogue "
                "(listed below as unpriced, never $0).", "neutral")
    elif compared and not math.isnan(rec.residual):
        verdict(f"This export's {span} of usage would cost {money(rec.compared_list_usd)} at list prices; "
                f"{reporter} reports {money(rec.compared_reported_usd)}: {money(rec.residual)} more, which its tokens "
                "do not explain (its own line below).", "costs")
    elif compared and rec.discount < 0.0005:
        verdict(f"This export's {span} of usage would cost {money(rec.compared_list_usd)} at list prices, and "
                f"{reporter} reports the same ({money(rec.compared_reported_usd)}): no discount shows in this spend.",
                "neutral")
    elif compared:
        verdict(f"This export's {span} of usage would cost {money(rec.compared_list_usd)} at list prices; "
                f"{reporter} reports {money(rec.compared_reported_usd)}: an effective discount of "
                f"{percent(rec.discount)}.", "neutral")
    else:
        verdict(f"This export's {span} of usage would cost {money(rec.list_usd)} at list prices: "
                f"{money(bill.total)} a month{discount_note} as a workload of {len(cal.rows)} call classes.", "neutral")

lines = {k: v for k, v in rec.bill.lines().items() if k in TOKEN_CATEGORIES}  # at list prices, like the headline
line_total = sum(lines.values())
biggest = max(lines, key=lines.get) if line_total > 0 else None
headline([
    Metric("List-price bill of the export", money(rec.list_usd),
           delta=f"{span}", delta_color="off",
           help=f"price(calibrated workload) for the {span} the export covers ({cal.span_hours:,.1f} h): every token "
           "at its catalogue list price, before any enterprise discount. Unpriced models are left out, never counted "
           "as $0."),
    Metric("As a monthly workload", money(bill.total), delta=f"/month, less {discount_text}" if user_discount else "/month (730 h)", delta_color="off",
           help="The same traffic scaled to a month of 730 hours and priced like every page (your enterprise "
           "discount included): the bill every page starts from with this traffic as the workload."),
    Metric("Reported spend", money(rec.compared_reported_usd) if compared else "—",
           delta=(("the list price" if rec.discount < 0.0005 else f"{percent(rec.discount)} effective discount")
                  if not math.isnan(rec.discount) else f"{money(rec.residual)} unexplained") if compared
           else "not in this export" if not rec.has_spend else "only for unpriced models", delta_color="off",
           help="What the export itself says was spent on the models it can price (LiteLLM carries it; the "
           "providers' usage reports do not); spend reported for unpriced models is listed with them below. "
           + term("effective discount")),
    Metric("Largest line of the bill", percent(lines[biggest] / line_total) if biggest else "—",
           delta=LINE_LABEL[biggest] if biggest else None, delta_color="off",
           help="The token line with the largest share of the list-price bill (see the chart below)."),
])

# --- use it -------------------------------------------------------------------------------------------------------
fits = fits_link(cal.rows)
if as_workload:
    st.success("This traffic is the workload now: every page prices it. The sidebar's \"Back to the four numbers\" "
               "undoes it.", icon=":material/check_circle:")
else:
    st.button("Use this traffic as the workload", type="primary", icon=":material/input:", key="usage.use",
              on_click=use_classes, args=(list(cal.rows),), disabled=not cal.rows or not fits,
              help=f"Replaces the sidebar's four numbers with these {len(cal.rows)} call classes (reversible: the "
              "sidebar's \"Back to the four numbers\"). The link carries the classes, never the raw rows.")
    if cal.rows and not fits:
        st.warning("These call classes are too many for one link, even with the small ones merged: group the export "
                   "by a coarser field.", icon=":material/warning:")

# --- what was read ------------------------------------------------------------------------------------------------
st.subheader("What was read")
n_groups = imp.rows["group_key"].fillna("").astype(str).nunique()
facts = pd.DataFrame([
    ("format", imp.label), ("rows read", f"{imp.source_rows:,}"),
    ("time covered", f"{span} ({cal.span_hours:,.1f} h), from {period}"),
    ("grouped by", f"{imp.group_kind} ({n_groups:,} group{'s' if n_groups != 1 else ''})"
     if imp.group_kind != "none" else "no grouping"),
    ("models", ", ".join(imp.models)),
    ("requests", tokens(imp.rows["calls"].sum()) if imp.rows["calls"].notna().all() else "not in the export"),
    ("input tokens sent (cached or not)", tokens(imp.totals()["input_sent"])),
    ("output tokens (reasoning included)", tokens(imp.totals()["output"] + imp.totals()["reasoning"])),
], columns=["", "value"])
st.dataframe(facts, hide_index=True, width="stretch")
for w in imp.warnings:
    st.caption(f":material/info: {_escape(w)}")

# --- the token anatomy of the bill -------------------------------------------------------------------------------
if line_total > 0:
    st.subheader("Where the money goes")
    rate = money_settings().rate
    anatomy = pd.DataFrame([{"line": LINE_LABEL[k], "money": v * rate / cal.month_per_span, "share": v / line_total,
                             "tokens": rec.bill.tokens(k) / cal.month_per_span} for k, v in lines.items() if v > 0])
    chart(fig_usage.anatomy(anatomy, currency=currency()), anatomy, name="where the money goes")
    st.caption(f"Each line: its tokens over the {span} at the catalogue's list price for that line, as a share of the "
               "list-price bill before any batch/flex discount"
               + (f" ({money(-rec.bill.category(TIER_DISCOUNT) / cal.month_per_span)} of batch/flex discount comes "
                  "off the total)." if rec.bill.category(TIER_DISCOUNT) else "."))

# --- reconciliation -----------------------------------------------------------------------------------------------
st.subheader("List price and reported spend")
frame = rec.frame()
if not rec.has_spend:
    frame = frame.drop(columns=["reported spend", "effective discount", "unexplained residual"])
    st.caption("This file's spend column is empty: the list-price bill stands alone." if imp.fmt == "litellm" else
               f"{imp.label} reports no spend: the list-price bill stands alone. LiteLLM's tables carry spend.")
else:  # a column with nothing in it would only say "None"
    frame = frame.drop(columns=[c for c in ("effective discount", "unexplained residual") if frame[c].isna().all()])
st.dataframe(shown_frame(frame, *[c for c in ("list price", "reported spend", "unexplained residual")
                                  if c in frame]), hide_index=True, width="stretch", column_config={
    "input tokens": st.column_config.NumberColumn(format="localized"),
    "output tokens": st.column_config.NumberColumn(format="localized"),
    "list price": st.column_config.NumberColumn(format=f"{currency()}%,.2f"),
    "reported spend": st.column_config.NumberColumn(format=f"{currency()}%,.2f"),
    "effective discount": st.column_config.NumberColumn(format="percent"),
    "unexplained residual": st.column_config.NumberColumn(format=f"{currency()}%,.2f")})
used = sorted({k for k in cal.model_map.values() if k is not None})
st.caption("List prices: " + "; ".join(
    f"{plain(m.label)} from {plain(m.source)}, dated {m.source_date or 'undated'}"
    for m in (rec_cat.get(k) for k in used)) + f". The export covers {period}: a price change between then and the "
    "catalogue's date shows up as a discount or a residual." + (
        f" Your {discount_text} enterprise discount is "
        "not applied here: the reconciliation measures what discount the reported spend shows." if user_discount
        else ""))
if compared:
    summary = [f"List price of the models with reported spend: {money(rec.compared_list_usd)}",
               f"reported: {money(rec.compared_reported_usd)}"]
    if not math.isnan(rec.residual):
        summary.append(f"**unexplained residual: {money(rec.residual)}** (reported above list; fees, a price "
                       "change or tokens the export does not show; not fitted away)")
    elif not math.isnan(rec.discount):
        summary.append(f"effective discount: {percent(rec.discount)}")
    st.markdown("; ".join(summary) + ".")
if cal.unpriced:
    st.warning("Not in the price catalogue, so unpriced (left out of the bill, not $0): "
               + "; ".join(f"`{_escape(u.model[:60])}` ({tokens(u.input_tokens)} input, {tokens(u.output_tokens)} "
                           "output tokens" + (f", {money(u.reported_spend)} reported" if not math.isnan(
                               u.reported_spend) else "") + ")" for u in cal.unpriced)
               + ". Add their prices in data/price_overrides.toml.", icon=":material/warning:")
if cal.missing_calls:
    st.info("No request count yet for " + ", ".join(f"`{_escape(m)}`" for m in cal.missing_calls)
            + ": enter one above to include them.", icon=":material/pin:")

# --- the call classes ---------------------------------------------------------------------------------------------
st.subheader("The call classes calibrated from it")
class_bills = {c.name: c for c in bill.classes}
classes = pd.DataFrame([{
    "call class": r.name, "group": cal.group_of[r.name], "export model": cal.model_of[r.name],
    "requests per month": r.requests_per_month, "shared prefix": r.prefix_tokens, "other input": r.other_input_tokens,
    "output": r.output_tokens, "reasoning": r.reasoning_tokens, "cache hit rate": r.cache_hit_rate,
    "cache TTL": r.cache_ttl or "not cached", "tier": r.tier,
    "per month": class_bills[r.name].total if class_bills[r.name].priced else float("nan"),
} for r in cal.rows])
st.dataframe(shown_frame(classes, "per month"), hide_index=True, width="stretch", column_config={
    c: st.column_config.NumberColumn(format="localized") for c in
    ("requests per month", "shared prefix", "other input", "output", "reasoning")}
    | {"cache hit rate": st.column_config.NumberColumn(format="percent"),
       "per month": st.column_config.NumberColumn(format=f"{currency()}%,.0f")})
st.caption("Tokens are per request. Cache hit rate = cache reads / (cache reads + cache writes): it assumes one "
           "cached prefix per call and that every write is a miss. A class that wrote both 5-minute and 1-hour "
           "entries is split in two by its share of each.")
for note in cal.notes:
    if not note.startswith("Cache hit rate"):
        st.caption(f":material/info: {_escape(note)}")

# --- distributions (per-request exports) --------------------------------------------------------------------------
if imp.per_request is not None and not imp.per_request.empty:
    st.subheader("Per request: answers and conversations")
    per = imp.per_request.assign(label=lambda f: [f"{g} · {m}" if g else str(m) for g, m in
                                                  zip(f["group_key"].fillna(""), f["model"], strict=True)])
    chart(fig_usage.distributions(per), per, name="output tokens per request")
    if (per["steps_mean"] > 1).any():
        chart(fig_usage.steps(per), per, name="model calls per conversation")
    st.caption("From the export's own requests (not the averages above): half the requests answer in fewer tokens "
               "than the median, 1 in 20 in more than the 95th percentile. A conversation is a gen_ai.conversation.id "
               "(or a trace).")

# --- what-if per group ------------------------------------------------------------------------------------------
st.subheader("Which group gains most from which lever")
if bill.nothing_priced or not cal.rows:
    st.caption("Nothing here can be priced, so no lever has anything to save.")
else:
    calibrated = Context(sidebar=ctx.sidebar, workload=cal.workload, bill=bill, prices=ctx.prices,
                         catalogue=ctx.catalogue)
    pairs = [(lv, x) for lv in bill_builder.offered() if not isinstance(x := read_inputs(lv, calibrated), str)]
    memo = st.session_state.setdefault("_usage.what_if", {})
    key = (cal.rows, tuple((lv.name, x.model_dump_json()) for lv, x in pairs), id(ctx.catalogue))
    if key not in memo:
        memo.clear()
        memo[key] = what_if(cal, pairs, ctx.catalogue)
    results = memo[key]
    table = what_if_frame(results)
    best = max(((g, g.best) for g in results if g.best is not None), key=lambda p: p[1].saving, default=None)
    if best is not None:
        g, bar = best
        st.markdown(f"**{_escape(g.group)}** gains most: **{bar.lever.label}** saves it {money(bar.saving)} a month "
                    f"({percent(bar.saving / g.today.total if g.today.total else 0, 0)} of its {money(g.today.total)}), "
                    "with the lever's page settings.")
    shown = shown_frame(table, "today", "monthly saving")
    chart(fig_usage.what_if(shown, currency=currency()), shown, name="lever savings per group")
    groups_total = sum(g.today.total for g in results)
    st.caption(f"Each cell is one lever alone on one group's call classes (the Overview's ranking, per group), with "
               f"the settings on the lever's own page; a dash: it does nothing there. The groups' bills add up to "
               f"{money(groups_total)} a month, the whole workload's bill. Savings of different levers overlap: do not "
               "add a row. A lever's fixed monthly cost (a distilled model's upkeep, a router) is charged in full to "
               "each group, as if that group pulled it alone: a column adds up only for levers without one.")

explain(
    "**Calibration.** One call class per model and group (and service tier and context-window bucket where they "
    "change the price). Requests per month = requests in the export x 730 / hours it covers. Shared prefix = (cache "
    "reads + cache writes) / requests; cache hit rate = cache reads / (cache reads + cache writes), which assumes one "
    "cached prefix per call and that every write is a miss; other input = uncached input / requests; output and "
    "reasoning per request likewise. Priced by the one pricing function, this workload bills the export's tokens "
    "exactly (tested to the cent), except where an average request stands for requests on both sides of a "
    "long-context threshold (said above where it applies). Small classes merged into 'other' share model, tier, "
    "context bucket and side of every long-context threshold, so merging changes no figure.\n\n"
    "**Reconciliation.** The list-price bill is that workload's bill over the export's span. Reported spend below it "
    "is an effective discount (1 - reported / list); above it, an unexplained residual on its own line. Models without "
    "a price are listed, never counted as $0, and kept out of both sides."
)
