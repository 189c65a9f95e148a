"""The Overview's bill builder: which levers to pull (from the link or its widgets), and their exact waterfall."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from calculators.bill import Same
from calculators.lever import MODEL_CHOICE, Bar, Lever, Waterfall, ranking, waterfall
from calculators.registry import LEVERS
from pages._ui import scenario, widgets
from pages._ui.layout import Context, run_memo
from pages._ui.lever_form import lever_defaults, read_inputs
from pages._ui.summary_html import display_names

LEVERS_KEY = "bill.levers"
MODEL_KEY = "bill.model"
NO_MODEL_CHANGE = "none"
NO_LEVERS = "nothing"  # the link's value for "no lever from the list" (stored() already reads it as none)
# Token levers apply to any workload; levers that change the model or the workflow describe a particular system.
ON_BY_DEFAULT = ("system_prompt", "output_caps", "caching")


def offered() -> list[Lever]:
    """The levers whose pages exist in this build, in the order they apply."""
    available = set(st.session_state.get("available_pages", [])) or {lv.page for lv in LEVERS}
    return [lever for lever in LEVERS if lever.page in available]


def _independent(levers: list[Lever]) -> list[Lever]:
    return [lv for lv in levers if lv.group is None]


def _alternatives(levers: list[Lever]) -> list[Lever]:
    return [lv for lv in levers if lv.group == MODEL_CHOICE]


def _linked_none() -> bool:
    raw = scenario.store().get(LEVERS_KEY)
    return NO_LEVERS in ([raw] if isinstance(raw, str) else raw or [])


def pick() -> list[Lever]:
    """The lever widgets (a multiselect, and one choice among the model alternatives); returns the chosen levers."""
    offer = offered()
    independent = {lv.name: lv for lv in _independent(offer)}
    default = [n for n in ON_BY_DEFAULT if n in independent]
    known = {*independent, *(lv.label for lv in independent.values()), NO_LEVERS}
    widgets.screen(LEVERS_KEY, lambda values: set(values) <= known, "not a lever offered here", "the default levers")
    names = st.multiselect(
        "Levers to pull", list(independent), default=[] if _linked_none() else default,
        format_func=lambda n: independent[n].label, key=LEVERS_KEY, bind="query-params",
        help="Each lever uses the settings on its own page (in this link). Remove a lever to see the bill without it.",
    )
    # An empty selection has no URL value of its own: the link says "nothing", so it does not fall back to the default.
    widgets.remember(LEVERS_KEY, [independent[n].label for n in names] or [NO_LEVERS],
                     [independent[n].label for n in default])
    chosen = [independent[n] for n in names]
    alternatives = {lv.name: lv for lv in _alternatives(offer)}
    if alternatives:
        labels = {NO_MODEL_CHANGE: "No change of model"} | {n: lv.label for n, lv in alternatives.items()}
        model = widgets.choice(None, None, key=MODEL_KEY, options=list(labels), default=NO_MODEL_CHANGE,
                               label="Model choice (one of these: they move the same traffic)",
                               format_func=labels.get, widget="radio")
        if model in alternatives:
            chosen.append(alternatives[model])
    return chosen


def stored() -> list[Lever]:
    """The lever choice as the link holds it, without drawing (the printable summary)."""
    offer = offered()
    independent = {lv.label: lv for lv in _independent(offer)}
    raw = scenario.store().get(LEVERS_KEY)
    if raw is None:
        chosen = [lv for lv in _independent(offer) if lv.name in ON_BY_DEFAULT]
    else:
        chosen = [independent[v] for v in ([raw] if isinstance(raw, str) else raw) if v in independent]
    alternatives = {lv.name: lv for lv in _alternatives(offer)}
    labels = {lv.label: lv.name for lv in alternatives.values()}
    model = widgets.stored_choice([NO_MODEL_CHANGE, *alternatives], key=MODEL_KEY, default=NO_MODEL_CHANGE,
                                  format_func=lambda n: alternatives[n].label if n in alternatives else n)
    model = labels.get(model, model)
    if model in alternatives:
        chosen.append(alternatives[model])
    return chosen


def build(ctx: Context, chosen: list[Lever]) -> tuple[Waterfall, list[str]]:
    """The exact waterfall for the chosen levers, with each lever's inputs read from the link; and why any lever
    could not be counted."""
    pairs, skipped = _pairs(ctx, chosen)
    return waterfall(ctx.workload, pairs, ctx.catalogue, baseline=ctx.bill), skipped


def _pairs(ctx: Context, levers: list[Lever]) -> tuple[list[tuple[Lever, object]], list[str]]:
    """Each lever with its inputs read from the link; and why any lever's inputs could not be read."""
    pairs, skipped = [], []
    # The Overview reads each lever's inputs for its ranking, then again for the builder: read once per run (the link
    # does not change in between; only the builder's own widgets are drawn).
    memo = run_memo("_bill_builder.inputs")
    for lever in levers:
        key = (lever.name, Same(ctx.workload), Same(ctx.catalogue))  # the objects themselves, held by the key
        if key not in memo:
            memo[key] = read_inputs(lever, ctx)
        x = memo[key]
        if isinstance(x, str):
            skipped.append(f"**{lever.label}**: {x}")
        else:
            pairs.append((lever, x))
    return pairs, skipped


def ranked(ctx: Context) -> tuple[list[Bar], list[str]]:
    """Every offered lever alone on today's workload, with its page's settings, biggest saving first."""
    pairs, skipped = _pairs(ctx, offered())
    return ranking(ctx.workload, pairs, ctx.catalogue, baseline=ctx.bill), skipped


def one_line(bar: Bar, money) -> str:
    """A bar's verdict in one line: what it saves (or costs) and on what, or why it does nothing here."""
    if bar.idle:
        return f"does nothing here: {bar.idle}"
    if abs(bar.saving) < 0.005:
        return f"moves the bill by less than a cent ({bar.assumption})"
    verb = (f"saves {money(bar.saving)} a month" if bar.saving > 0
            else f"raises the bill by {money(-bar.saving)} a month")
    if bar.one_off:
        months = payback_months(bar)
        verb += f" after a one-off {money(bar.one_off)}" + (f" (pays back in {months:.1f} months)" if months
                                                              else " (never pays back)")
    return f"{verb}: {bar.assumption}" + (f" ⚠ {bar.caveat}" if bar.caveat else "")


def with_model_names(text: str, ctx: Context) -> str:
    """`text` (a lever's assumption, which names models by catalogue key) with display names instead of keys."""
    names = {k: ctx.catalogue.get(k).label for k in ctx.catalogue.keys_in(text)}
    return display_names(text, names)


def ranking_table(bars: list[Bar], today: float, illustrative: set[str], money, ctx: Context) -> pd.DataFrame:
    """The ranked levers as rows: saving (USD), its share of today's bill, whose settings, and the one-line verdict."""
    return _frame({
        "lever": [b.lever.label for b in bars],
        "monthly saving": [b.saving for b in bars],
        "share of today's bill": [b.saving / today if today else 0.0 for b in bars],
        "settings": [_settings(b, illustrative) for b in bars],
        "verdict": [with_model_names(one_line(b, money), ctx) for b in bars],
    })


def _settings(bar: Bar, illustrative: set[str]) -> str:
    return "illustrative defaults" if bar.lever.name in illustrative else "yours"


def _frame(columns: dict[str, list]) -> pd.DataFrame:
    """A table from its columns: the same frame pandas builds from one dict per row, in a third of the time (the
    Overview builds two every rerun). Without rows there is no value to infer a type from: object, as from no rows."""
    return pd.DataFrame(columns) if any(columns.values()) else pd.DataFrame(columns, dtype=object)


def on_illustrative_defaults(ctx: Context, result: Waterfall | list[Bar]) -> set[str]:
    """The levers whose inputs are all their page's illustrative defaults (nobody set them for this workload)."""
    out = set()
    for b in result.bars if isinstance(result, Waterfall) else result:
        defaults = b.lever.inputs(**lever_defaults(b.lever, ctx))
        if b.lever.illustrative and b.inputs == defaults:
            out.add(b.lever.name)
    return out


def payback_months(bar) -> float | None:
    """One-off cost over the bar's monthly saving; None without a one-off or without a saving."""
    return bar.one_off / bar.saving if bar.one_off > 0 and bar.saving > 0 else None


def table(result: Waterfall, illustrative: set[str] = frozenset()) -> pd.DataFrame:
    """One row per lever: the bill before it, its saving (exact money), its share of today, the bill after it, its
    one-off cost and payback, and what it rests on."""
    bars = result.bars
    return _frame({
        "lever": [b.lever.label for b in bars],
        "bill before": [b.before for b in bars],
        "monthly saving": [b.saving for b in bars],
        "share of today's bill": [result.share(b) for b in bars],
        "bill after": [b.after for b in bars],
        "one-off cost": [b.one_off for b in bars],
        "payback (months)": [payback_months(b) for b in bars],
        "settings": [_settings(b, illustrative) for b in bars],
        "key assumption": [b.assumption + (f" ({b.idle}: no effect)" if b.idle else "")
                           + (f" ⚠ {b.caveat}" if b.caveat else "") for b in bars],
    })
