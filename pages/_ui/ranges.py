"""How sure are you? The ranges editor, the tornado and the Monte Carlo, on the Overview, each lever page and the
spend projection.

Ranges live in the link under one key (`u.ranges`: 'key:below:above[:a]' for each input whose range differs from
its documented default, see calculators/uncertainty.py), so they travel in copied links and scenario files. The
likely value of every input is today's, read from the sidebar or the page; only the reach below and above it is
stored.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import streamlit as st
from pydantic import BaseModel

from calculators import uncertainty as u
from calculators.jevons import JevonsInputs
from calculators.lever import Lever
from pages._ui import fig_uncertainty, scenario
from pages._ui.layout import Context, chart, currency, money, money_settings, percent, shown
from pages._ui.lever_form import InputForm, key_of
from pages._ui.process import without_turn
from pages._ui.widgets import money_label
from pages._ui.workload_edit import SIDEBAR_KEYS

RANGES_KEY = "u.ranges"
MEMO = "_uncertainty_memo"


# --- the link ----------------------------------------------------------------------------------------------------


def linked() -> dict[str, u.Reach]:
    """The reaches the link holds, by URL key; a part that cannot be read is dropped with a notice."""
    raw = scenario.store().get(RANGES_KEY)
    if not isinstance(raw, str):
        return {}
    reaches, dropped = u.reaches_from_text(raw)
    if dropped:
        from pages._ui.widgets import _display

        st.warning(f"Ignored part of the link's value `{RANGES_KEY}`: {_display(', '.join(dropped), 80)} (expected "
                   "key:below:above). Using the default ranges for those inputs.", icon=":material/warning:")
        _save(reaches)
    return reaches


def in_link() -> bool:
    """The link speaks of uncertainty (it carries ranges or the Monte Carlo's switch): the Overview then opens on its
    ranges, where a colleague who sent it wants the reader to look."""
    return RANGES_KEY in scenario.store() or key_of(u.MonteCarloInputs, "run") in scenario.store()


def _save(reaches: dict[str, u.Reach]) -> None:
    scenario.record(RANGES_KEY, u.reaches_text(reaches), "")


# --- which inputs ------------------------------------------------------------------------------------------------


def _custom(ctx: Context) -> bool:
    """A custom table of call classes replaces the sidebar's numbers: their ranges do not apply."""
    return ctx.workload != ctx.sidebar.workload()


def workload_inputs(ctx: Context, reaches: dict[str, u.Reach]) -> list[u.Uncertain]:
    if _custom(ctx):
        return []
    return u.uncertain(u.WORKLOAD, ctx.sidebar, SIDEBAR_KEYS, reaches, u.workload_fields(ctx.sidebar))


def lever_inputs(pairs: Sequence[tuple[Lever, BaseModel]], reaches: dict[str, u.Reach]) -> list[u.Uncertain]:
    return [x for lever, inputs in pairs for x in u.uncertain(lever.name, inputs, u.lever_keys(type(inputs)), reaches)]


# --- formatting --------------------------------------------------------------------------------------------------


def label(x: u.Uncertain) -> str:
    return money_label(x.label) if x.money else x.label


def value_text(x: u.Uncertain, v: float) -> str:
    if x.money:
        return money(v)
    if x.percent:
        return percent(v, 1 if abs(v * 100 - round(v * 100)) > 1e-9 else 0)
    if x.integer or abs(v) >= 100:
        return f"{v:,.0f}"
    return f"{v:,.3g}"


def range_text(x: u.Uncertain) -> str:
    r = x.range
    return f"{value_text(x, r.low)} – {value_text(x, r.high)} (likely {value_text(x, r.likely)})"


# --- the editor --------------------------------------------------------------------------------------------------


def _slider_units(x: u.Uncertain) -> tuple[str, float, float, float, float]:
    """(unit, factor from the reach to the slider, slider min, max, step)."""
    if x.reach.scale == "relative":
        return "% of today", 100.0, -100.0, 300.0, 5.0
    if x.percent:
        return "points", 100.0, -100.0, 100.0, 1.0
    return "", 1.0, -3.0, 3.0, 0.05


def editor(inputs: list[u.Uncertain], reaches: dict[str, u.Reach], *, where: str) -> list[u.Uncertain]:
    """One range slider per input (below and above today's value); returns the inputs with the ranges as set. A range
    that differs from its default is stored in the link."""
    changed = False
    out = []
    columns = st.columns(2)
    for i, x in enumerate(inputs):
        unit, factor, lo, hi, step = _slider_units(x)
        now = (max(lo, -round(x.reach.below * factor, 6)), min(hi, round(x.reach.above * factor, 6)))
        with columns[i % 2]:
            picked = st.slider(
                label(x), min_value=lo, max_value=hi, value=now, step=step, format="%+g",
                key=f"u.slider.{where}.{x.key}.{now[0]:g}.{now[1]:g}",
                help=f"How far below and above today's value ({value_text(x, x.range.likely)}) this input may be, in "
                f"{unit or 'its own units'}. The range always contains today's value.",
            )
            reach = u.Reach(below=max(0.0, -picked[0]) / factor, above=max(0.0, picked[1]) / factor,
                            scale=x.reach.scale)
            if (picked[0], picked[1]) != now:
                default = u.default_reach(x.name, x.range.likely, x.percent)
                if reach == default:
                    reaches.pop(x.key, None)
                else:
                    reaches[x.key] = reach
                changed = True
                x = _re_resolve(x, reach)
            st.caption(f"{value_text(x, x.range.low)} · **{value_text(x, x.range.likely)}** · "
                       f"{value_text(x, x.range.high)}")
        out.append(x)
    if changed:
        _save(reaches)
    return out


def _re_resolve(x: u.Uncertain, reach: u.Reach) -> u.Uncertain:
    from dataclasses import replace

    return replace(x, reach=reach, range=u.resolve(x.range.likely, reach, x.lo, x.hi, x.integer))


# --- the sections ------------------------------------------------------------------------------------------------


def _memo(key: tuple, compute):
    """A result kept for this session while its inputs are unchanged (reruns cost nothing)."""
    memo = st.session_state.setdefault(MEMO, {})
    if key not in memo:
        if len(memo) > 24:
            memo.clear()
        with without_turn():  # dozens to thousands of waterfalls: others' reruns need not wait for it
            memo[key] = compute()
    return memo[key]


def _chain_key(chain: u.Chain, inputs: Sequence[u.Uncertain]) -> tuple:
    return (chain.workload, tuple((lever.name, x.model_dump_json()) for lever, x in chain.levers), id(chain.catalogue),
            chain.sidebar,
            tuple((x.name, x.range) for x in inputs))


def _ranges_expander(inputs: list[u.Uncertain], reaches: dict[str, u.Reach], *, where: str) -> list[u.Uncertain]:
    """The editor, folded away: the inputs with a range, or every numeric input on request."""
    with st.expander("How sure are you? Low, likely (today's value) and high of each input", icon=":material/tune:"):
        st.caption("Each slider sets how far below and above today's value an input may be. Defaults are documented "
                   "per input (illustrative reasons in the README); a range you change travels in the link.")
        every = st.toggle("Show every numeric input, not only those with a range", key=f"u.every.{where}")
        shown_inputs = inputs if every else [x for x in inputs if x.range.width > 0]
        edited = {x.name: x for x in editor(shown_inputs, reaches, where=where)}
    return [edited.get(x.name, x) for x in inputs]


def tornado_section(chain: u.Chain, inputs: list[u.Uncertain], *, metric: u.Metric, what: str, name: str) -> u.Tornado:
    """The tornado of `what` (a money figure the chain computes) over every input with a range, and its headline."""
    ranged = [x for x in inputs if x.range.width > 0]
    t = _memo(("tornado", name, _chain_key(chain, ranged)), lambda: u.tornado(chain, ranged, metric))
    top = t.top
    if top is None:
        st.info(f"No input with a range moves {what}: give an input a range above.", icon=":material/info:")
        return t
    x = top.input
    st.markdown(f"**{label(x)}** moves {what} most: from {money(top.at_low)} at {value_text(x, x.range.low)} to "
                f"{money(top.at_high)} at {value_text(x, x.range.high)} (likely {money(t.base)}).")
    frame = pd.DataFrame({
        "input": [label(b.input) for b in t.bars], "range": [range_text(b.input) for b in t.bars],
        "at low": [shown(b.at_low) for b in t.bars], "at high": [shown(b.at_high) for b in t.bars],
        "swing": [shown(b.swing) for b in t.bars]})
    chart(fig_uncertainty.tornado(frame, shown(t.base), currency=currency(), what=what,
                                  title=f"Which input moves {what} most: each swung from its low to its high"),
          frame, name=name)
    st.caption("Each bar swings one input from its low (blue end) to its high (red end) with every other input at "
               "today's value, and prices the result with the same waterfall as the bill builder. Bars are sorted by "
               "swing; the line is the point estimate. A bar with both ends on one side of the line moves the figure "
               "the same way at its low and its high (a threshold lies near today's value, such as the 1,024-token "
               "minimum a prefix needs to be cached). Widest first: "
               + ", ".join(label(b.input) for b in t.bars if b.swing > 0) + "."
               + (f" Left out (its low or high breaks a rule of its inputs): {', '.join(t.refused)}." if t.refused
                  else ""))
    return t


def monte_carlo_settings(ctx: Context, draw: bool = True) -> u.MonteCarloInputs:
    """The Monte Carlo's settings: drawn as widgets (the Overview), or read from the link (other pages)."""
    form = InputForm(u.MonteCarloInputs, ctx, draw=draw)
    if not draw:
        return form.inputs()
    if form("run"):
        c1, c2, c3 = st.columns(3)
        form("seed", c1)
        form("draws", c2)
        form("method", c3)
    return form.inputs()


def run_monte_carlo(chain: u.Chain, inputs: list[u.Uncertain], s: u.MonteCarloInputs) -> tuple[u.MonteCarlo, float]:
    """The Monte Carlo (kept for the session while nothing changes) and how long it took (ms)."""
    import time

    def compute():
        start = time.perf_counter()
        mc = u.monte_carlo(chain, [x for x in inputs if x.range.width > 0], s.draws, s.seed, s.method)
        return mc, (time.perf_counter() - start) * 1000

    return _memo(("mc", _chain_key(chain, inputs), s.draws, s.seed, s.method), compute)


def band_text(values: np.ndarray) -> str:
    p10, p50, p90 = u.MonteCarlo.bands(values)
    return f"P10 {money(p10)} · P50 {money(p50)} · P90 {money(p90)}"


def overview_chain(ctx: Context, pairs: Sequence[tuple[Lever, BaseModel]]) -> tuple[u.Chain, list[u.Uncertain]]:
    reaches = linked()
    chain = u.Chain(ctx.workload, tuple(pairs), ctx.catalogue, None if _custom(ctx) else ctx.sidebar)
    return chain, workload_inputs(ctx, reaches) + lever_inputs(pairs, reaches)


def overview_section(ctx: Context, pairs: Sequence[tuple[Lever, BaseModel]]) -> None:
    """The Overview's sensitivity: ranges, the tornado of the bill after the chosen levers, and the Monte Carlo."""
    st.subheader("Which input moves the bill most")
    if ctx.bill.nothing_priced:
        st.info("The bill is not priced, so there is nothing to swing.", icon=":material/info:")
        return
    chain, inputs = overview_chain(ctx, pairs)
    if _custom(ctx):
        st.caption("A custom table of call classes is the workload: its rows carry no ranges (yet), so only the "
                   "levers' inputs are swung.")
    inputs = _ranges_expander(inputs, linked(), where="overview")
    tornado_section(chain, inputs, metric=u.bill_after, what="the bill after the levers", name="tornado bill after")
    settings = monte_carlo_settings(ctx)
    if not settings.run:
        st.caption("Turn on the Monte Carlo to draw every range at once: P10, P50 and P90 of today's bill and of the "
                   "bill after the levers, and how often each lever saves money at all.")
        return
    mc, ms = run_monte_carlo(chain, inputs, settings)
    kept = len(mc.after)
    st.markdown(f"**Bill after the levers**: {band_text(mc.after)} a month.  \n"
                f"**Today's bill**: {band_text(mc.today)} a month.")
    took = f"{ms / 1000:.1f} s" if ms >= 1000 else f"{ms:,.0f} ms"
    st.caption(f"{kept:,} of {mc.draws:,} {settings.method.upper() if settings.method == 'pert' else 'triangular'} "
               f"draws, seed {mc.seed} ({took}; each draw prices the whole waterfall). P10: one draw in ten "
               "is below it; P90: one in ten is above it. The same seed gives the same figures."
               + (f" {mc.refused:,} draws broke a rule of a lever's inputs and were left out." if mc.refused else "")
               + (f" In {mc.unfit_today:,} draws a call class's requests do not fit its model's context window: the "
                  "API would reject them, so today's bill in those draws leaves that class out (and is lower for it)."
                  if mc.unfit_today else ""))
    if mc.savings:
        def cents(v: float) -> float:
            return round(shown(v), 2) + 0.0  # never '-0'

        table = pd.DataFrame([
            {"lever": lever.label, "saves money in": 100 * mc.saves_share(lever.name),
             **{f"saving {p}": cents(v) for p, v in zip(("P10", "P50", "P90"),
                                                          u.MonteCarlo.bands(mc.savings[lever.name]))}}
            for lever, _ in chain.levers])
        st.dataframe(table, hide_index=True, column_config={
            # One decimal for every row: "100.0%" beside "79.9%", not "100%" beside "79.92%".
            "saves money in": st.column_config.NumberColumn(format="%.1f%%", help="Share of the draws in which the "
                                                            "lever's bar is a saving (above zero)."),
            **{c: st.column_config.NumberColumn(format=f"{currency()}%,.0f") for c in
               ("saving P10", "saving P50", "saving P90")}})
    rate = money_settings().rate
    after_shown = mc.after * rate
    frame = pd.DataFrame({"today's bill": mc.today * rate, "bill after the levers": after_shown})
    point = chain.outcome()
    chart(fig_uncertainty.histogram(mc.today * rate, after_shown,
                                    tuple(v * rate for v in u.MonteCarlo.bands(mc.after)), currency=currency(),
                                    title="The bill in every draw: today and after the levers",
                                    point=point.after * rate if point else None),
          frame, name="monte carlo bill")


def lever_section(lever: Lever, ctx: Context, x: BaseModel) -> None:
    """A lever page's sensitivity: its own inputs' ranges and the tornado of its saving on today's workload."""
    reaches = linked()
    inputs = u.uncertain(lever.name, x, u.lever_keys(type(x)), reaches)
    if not inputs or ctx.bill.nothing_priced:
        return
    st.subheader("How sure are you? Which of this page's inputs moves the saving most")
    chain = u.Chain(ctx.workload, ((lever, x),), ctx.catalogue, None)
    inputs = _ranges_expander(inputs, reaches, where=lever.name)
    tornado_section(chain, inputs, metric=u.saving_of(lever.name), what="this lever's saving",
                    name=f"tornado {lever.name}")


def projection_inputs(x: JevonsInputs, reaches: dict[str, u.Reach]) -> list[u.Uncertain]:
    keys = {f: JevonsInputs.model_fields[f].json_schema_extra["key"] for f in u.JEVONS_FIELDS}
    return u.uncertain(u.JEVONS, x, keys, reaches, u.JEVONS_FIELDS)


FAN_DRAWS = 2_000


def projection_bands(ctx: Context, x: JevonsInputs) -> tuple[np.ndarray, np.ndarray, list[u.Uncertain]]:
    """(years, P10/P50/P90 rows of the monthly spend, the inputs), with the Monte Carlo's seed and distribution."""
    inputs = projection_inputs(x, linked())
    s = monte_carlo_settings(ctx, draw=False)
    t, curves = _memo(("fan", x, tuple((i.name, i.range) for i in inputs), s.seed, s.method),
                      lambda: u.projection_fan(x, inputs, FAN_DRAWS, s.seed, s.method))
    return t, np.percentile(curves, [10, 50, 90], axis=0), inputs


def fan_section(ctx: Context, x: JevonsInputs) -> None:
    """The spend projection's P10-P90 fan from ranges on the price decline, the elasticity and the own growth."""
    from calculators.jevons import spend_factor

    st.subheader("How sure are you? The projection's P10-P90 fan")
    reaches = linked()
    _ranges_expander(projection_inputs(x, reaches), reaches, where="jevons")
    t, (p10, p50, p90), inputs = projection_bands(ctx, x)
    s = monte_carlo_settings(ctx, draw=False)
    rate = money_settings().rate
    likely = x.monthly_spend * spend_factor(t, x.price_decline, x.elasticity, x.growth)
    frame = pd.DataFrame({"year": t, "P10": p10 * rate, "P50": p50 * rate, "P90": p90 * rate, "likely": likely * rate})
    st.markdown(f"In {x.horizon_years} years the monthly bill is between **{money(p10[-1])}** (P10) and "
                f"**{money(p90[-1])}** (P90), P50 {money(p50[-1])} (at the likely values: {money(likely[-1])}).")
    chart(fig_uncertainty.fan(frame, currency=currency(), title="Monthly spend: P10 to P90 of the projection"),
          frame, name="jevons fan")
    st.caption(f"{FAN_DRAWS:,} {s.method} draws of the price decline, the elasticity and your own growth (seed "
               f"{s.seed}, set on the Overview's Monte Carlo), each pushed through the projection's formula. Ranges: "
               + "; ".join(f"{label(i)} {range_text(i)}" for i in inputs) + ".")


def summary_bands(ctx: Context, pairs: Sequence[tuple[Lever, BaseModel]],
                  projection: JevonsInputs) -> tuple[dict[str, tuple[float, float]] | None, str]:
    """P10 and P90 (USD) of the printable summary's headlines, from the same Monte Carlo as the Overview (same link,
    same seed, same figures); (None, '') when the scenario has not turned the Monte Carlo on."""
    settings = monte_carlo_settings(ctx, draw=False)
    if not settings.run or ctx.bill.nothing_priced:
        return None, ""
    chain, inputs = overview_chain(ctx, pairs)
    mc, _ = run_monte_carlo(chain, inputs, settings)
    out = {}
    for name, values in (("today", mc.today), ("after", mc.after), ("saving", mc.today - mc.after)):
        p10, _, p90 = u.MonteCarlo.bands(values)
        out[name] = (p10, p90)
    _, (p10, _, p90), _ = projection_bands(ctx, projection)
    out["projection"] = (float(p10[-1]), float(p90[-1]))
    method = "PERT" if settings.method == "pert" else "triangular"
    note = (f"P10–P90: {len(mc.after):,} {method} draws of the ranges in this link (seed {mc.seed}), each "
            f"priced with the same waterfall; the projection's from {FAN_DRAWS:,} draws of its decline, elasticity "
            "and growth.")
    return out, note
