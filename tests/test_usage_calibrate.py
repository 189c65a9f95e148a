"""Calibration and reconciliation of an imported usage export: the calibrated workload bills exactly the imported
tokens (hand-checked, against genai-prices' own arithmetic, and for random exports), reported spend is reconciled
without a fit, unknown models are unpriced (never $0), and per-group what-ifs add up to the whole bill."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calculators.bill import model_prices, price
from calculators.registry import LEVERS
from calculators.usage.calibrate import (
    MERGED_GROUP, CalibrationError, calibrate, catalogue_key, what_if, what_if_frame,
)
from calculators.usage.reconcile import reconcile
from calculators.workload import HOURS_PER_MONTH, ClassRow, custom_workload
from tests.levers_common import CAT

SONNET_45 = "anthropic/claude-sonnet-4-5"  # $3 in, $15 out, read $0.30, write $3.75 (5 min) / $6 (1 h); >200k doubles
GPT4O = "openai/gpt-4o"  # $2.50 in, $10 out, read $1.25, no write premium


@dataclass
class Imp:
    """The part of calculators.usage.UsageImport that calibration reads."""

    fmt: str
    rows: pd.DataFrame
    span_hours: float
    per_request: pd.DataFrame | None = None
    warnings: tuple[str, ...] = field(default_factory=tuple)


def row(model, group="", calls=100.0, u=0, w5=0, w1=0, r=0, o=0, z=0, tier="standard", cw=None, spend=math.nan):
    return dict(model=model, group_key=group, calls=calls, uncached_input=u, cache_write_5m=w5, cache_write_1h=w1,
                cache_read=r, output=o, reasoning=z, service_tier=tier, context_window=cw, spend_usd=spend)


def imp(*rows, fmt="litellm", span=24.0) -> Imp:
    return Imp(fmt, pd.DataFrame(list(rows)), span)


def span_bill(cal) -> float:
    """price(calibrated workload), scaled from a month back to the export's span."""
    return price(cal.workload, CAT).total * cal.span_hours / HOURS_PER_MONTH


def token_by_token(frame: pd.DataFrame) -> float:
    """The imported usage at list prices, computed here independently of calibration: every token of a row at its
    category's rate, the long-context tier picked by the row's average request (the only per-call fact the export
    gives), batch/flex at that tier's published rates."""
    total = 0.0
    for r in frame.to_dict("records"):
        key = catalogue_key(r["model"], CAT)
        prices = model_prices(custom_workload([]), CAT, key)
        rates = prices.rates(r["service_tier"] if r["service_tier"] in ("batch", "flex") else "standard") \
            or prices.standard
        sent = r["uncached_input"] + r["cache_write_5m"] + r["cache_write_1h"] + r["cache_read"]
        avg = sent / r["calls"]
        for column, rate_field in (("uncached_input", "input"), ("cache_write_5m", "cache_write"),
                                   ("cache_write_1h", "cache_write_1h"), ("cache_read", "cache_read"),
                                   ("output", "output"), ("reasoning", "output")):
            total += r[column] * float(rates.rate(rate_field, avg)) / 1e6
    return total


# --- model names --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name,key", [
    ("gpt-4o-2024-08-06", GPT4O), ("claude-sonnet-4-5-20250929", SONNET_45), (SONNET_45, SONNET_45),
    ("openai/gpt-4.1-mini", "openai/gpt-4.1-mini"), ("gpt-4o", GPT4O), ("my-finetune-v3", None),
])
def test_export_model_names_map_to_catalogue_keys(name, key):
    assert catalogue_key(name, CAT) == key


# --- the key property: calibration loses nothing the bill depends on ----------------------------------------------


def test_hand_checked_export_bills_to_the_cent():
    """Sonnet 4.5, 1,000 calls: 500k uncached $1.50 + 200k 5-min writes $0.75 + 100k 1-h writes $0.60 + 3M reads
    $0.90 + 400k output $6.00 = $9.75. GPT-4o, 2,000 calls: 1M uncached $2.50 + 2M reads $2.50 + 800k output $8 =
    $13. A model the catalogue does not know is unpriced, never $0."""
    x = imp(row("claude-sonnet-4-5-20250929", "team-a", 1000, u=500_000, w5=200_000, w1=100_000, r=3_000_000,
                o=400_000),
            row("gpt-4o-2024-08-06", "team-b", 2000, u=1_000_000, r=2_000_000, o=800_000, spend=9.0),
            row("my-finetune-v3", "team-b", 10, u=1000, o=100, spend=1.0))
    cal = calibrate(x, CAT)
    assert span_bill(cal) == pytest.approx(22.75, abs=0.005)
    by_name = {r.name: r for r in cal.rows}
    # 24 h of 1,000 calls is 30,416.67 a month; 2/3 of the writes are 5-minute ones, so 2/3 of the calls.
    five, hour = by_name["team-a · claude-sonnet-4-5 · 5m"], by_name["team-a · claude-sonnet-4-5 · 1h"]
    assert five.requests_per_month + hour.requests_per_month == pytest.approx(1000 * 730 / 24)
    assert hour.requests_per_month / (five.requests_per_month + hour.requests_per_month) == pytest.approx(1 / 3)
    assert (five.cache_ttl, hour.cache_ttl) == ("5m", "1h")
    assert five.prefix_tokens == pytest.approx(3_300) and five.other_input_tokens == pytest.approx(500)
    assert five.cache_hit_rate == pytest.approx(3_000_000 / 3_300_000)
    gpt = by_name["team-b · gpt-4o"]
    assert (gpt.prefix_tokens, gpt.cache_hit_rate, gpt.output_tokens) == (1000, 1.0, 400)
    assert [u.model for u in cal.unpriced] == ["my-finetune-v3"]
    assert cal.unpriced[0].input_tokens == 1000 and cal.unpriced[0].reported_spend == 1.0


def test_calibrated_bill_agrees_with_genai_prices_own_arithmetic():
    """One class priced by genai-prices' calc_price on its average request, times its calls."""
    from genai_prices import Usage, calc_price

    x = imp(row("claude-sonnet-4-5-20250929", "", 400, u=400_000, w5=120_000, r=800_000, o=160_000), span=730.0)
    avg = Usage(input_tokens=(400_000 + 120_000 + 800_000) // 400, cache_write_tokens=120_000 // 400,
                cache_read_tokens=800_000 // 400, output_tokens=160_000 // 400)
    expected = float(calc_price(avg, "claude-sonnet-4-5-20250929", provider_id="anthropic").total_price) * 400
    assert span_bill(calibrate(x, CAT)) == pytest.approx(expected, abs=0.005)


def test_writes_without_reads_stay_writes():
    """A class that wrote its prefix and never read it: cached with a 0% hit rate (billed as writes at $3.75), not
    switched off (billed as input at $3)."""
    cal = calibrate(imp(row("claude-sonnet-4-5", calls=1000, w5=1_000_000, o=0), span=730.0), CAT)
    assert cal.rows[0].cache_hit_rate == 0 and cal.rows[0].cache_ttl == "5m"
    assert span_bill(cal) == pytest.approx(3.75, abs=0.005)


MODELS = ("claude-sonnet-4-5-20250929", "gpt-4o-2024-08-06", "claude-haiku-4-5", "claude-opus-4-1", "gpt-5")


@st.composite
def exports(draw):
    n = draw(st.integers(1, 8))
    rows = []
    for _ in range(n):
        calls = draw(st.integers(1, 50_000))
        per = lambda hi: draw(st.integers(0, hi)) * calls  # noqa: E731 (tokens per call, times calls)
        window = draw(st.sampled_from([None, "0-200k"]))
        rows.append(row(draw(st.sampled_from(MODELS)), draw(st.sampled_from(["", "search", "chat", "agents"])),
                        float(calls), u=per(20_000), w5=per(5_000), w1=per(3_000), r=per(60_000), o=per(4_000),
                        z=per(2_000), tier=draw(st.sampled_from(["standard", "batch", "flex", "priority"])),
                        cw=window))
    return imp(*rows, span=draw(st.sampled_from([1.0, 24.0, 168.0, 730.0, 744.0])))


def aggregated(x: Imp) -> pd.DataFrame:
    """The export summed per class (model, group, tier, context window), as the token-by-token oracle prices it."""
    f = x.rows.assign(context_window=x.rows["context_window"].fillna(""),
                      service_tier=x.rows["service_tier"].replace("priority", "standard"))
    return f.groupby(["model", "group_key", "service_tier", "context_window"], as_index=False).sum(numeric_only=True)


@settings(max_examples=60, deadline=None)
@given(exports())
def test_calibrated_workload_bills_the_imported_tokens_to_the_cent(x):
    cal = calibrate(x, CAT, max_classes=200)
    assert not cal.missing_calls and not cal.unpriced
    assert span_bill(cal) == pytest.approx(token_by_token(aggregated(x)), abs=0.005)
    # ... and each group's classes bill that group's tokens (no group borrows another's traffic).
    for group in cal.groups:
        mine = aggregated(x)[lambda f: (f["group_key"].replace("", "(no group)") == group)]
        assert price(cal.group_workload(group), CAT).total * x.span_hours / 730 == pytest.approx(
            token_by_token(mine), abs=0.005)


@settings(max_examples=30, deadline=None)
@given(exports(), st.integers(1, 6))
def test_merging_small_classes_keeps_the_bill(x, cap):
    """Merged classes share model, tier, context bucket and price band: the merged bill is the sum of its parts."""
    cal = calibrate(x, CAT, max_classes=cap)
    distinct = aggregated(x).assign(tier=lambda f: f["service_tier"])[["model", "tier", "context_window"]]
    floor = sum(2 if r.cache_write_5m > 0 and r.cache_write_1h > 0 else 1
                for r in aggregated(x).groupby(["model", "service_tier", "context_window"]).sum(
                    numeric_only=True).itertuples())
    assert len(cal.rows) <= max(cap, floor), (len(cal.rows), cap, floor, len(distinct))
    assert span_bill(cal) == pytest.approx(token_by_token(aggregated(x)), abs=0.005)
    if len(cal.rows) < len(calibrate(x, CAT, max_classes=200).rows):
        assert any("merged" in n for n in cal.notes)


def test_merged_classes_are_named_other_and_grouped_apart():
    rows = [row("gpt-4o", f"team-{i}", 100 * (i + 1), u=1000 * (i + 1), o=100 * (i + 1)) for i in range(6)]
    cal = calibrate(imp(*rows), CAT, max_classes=3)
    assert [r.name for r in cal.rows] == ["team-5 · gpt-4o", "team-4 · gpt-4o", "other · gpt-4o"]
    assert cal.group_of["other · gpt-4o"] == MERGED_GROUP
    assert cal.rows[2].requests_per_month == pytest.approx((100 + 200 + 300 + 400) * 730 / 24)


def test_long_context_averages_are_an_approximation_with_a_stated_bound():
    """Two Sonnet 4.5 calls of 150k and 250k input in one class average 200k: billed at the base rate ($3/MTok) for
    400k tokens = $1.20. Each at its own tier: 150k x $3 + 250k x $6 = $1.95. The difference is at most the tokens of
    the calls above the threshold times the tier's extra rate (250k x $3 = $0.75), and the notes say so."""
    cal = calibrate(imp(row("claude-sonnet-4-5", calls=2, u=400_000), span=730.0), CAT)
    calibrated, per_call = span_bill(cal), 150_000 * 3 / 1e6 + 250_000 * 6 / 1e6
    assert calibrated == pytest.approx(1.20, abs=0.005)
    assert abs(per_call - calibrated) <= 250_000 * (6 - 3) / 1e6 + 1e-9
    assert any("long-context tiers" in n for n in cal.notes)


def test_context_window_bucket_picks_the_tier():
    """Anthropic's context_window says which price applied: a '200k-1M' class averages above 200k and is billed at
    the long-context rate ($6/MTok input), the '0-200k' class at the base rate."""
    x = imp(row("claude-sonnet-4-5", calls=10, u=1_000_000, cw="0-200k"),
            row("claude-sonnet-4-5", calls=2, u=600_000, cw="200k-1M"), fmt="anthropic", span=730.0)
    cal = calibrate(x, CAT)
    assert span_bill(cal) == pytest.approx(1_000_000 * 3 / 1e6 + 600_000 * 6 / 1e6, abs=0.005)
    assert {r.name for r in cal.rows} == {"claude-sonnet-4-5 · 0-200k", "claude-sonnet-4-5 · 200k-1M"}


# --- request counts: never invented ---------------------------------------------------------------------------------


def anthropic_export() -> Imp:
    return imp(row("claude-sonnet-4-5-20250929", "ws-1", math.nan, u=3_000_000, o=1_000_000),
               row("claude-sonnet-4-5-20250929", "ws-2", math.nan, u=1_000_000, o=0),
               row("claude-haiku-4-5", "ws-1", math.nan, u=1_000_000, o=0), fmt="anthropic", span=730.0)


def test_without_request_counts_calibration_refuses_to_invent_them():
    with pytest.raises(CalibrationError, match="requests per month"):
        calibrate(anthropic_export(), CAT)


def test_one_total_is_split_by_token_share_and_per_model_counts_stay_per_model():
    """6M tokens in all: ws-1 Sonnet holds 4M (2/3), ws-2 Sonnet 1M, Haiku 1M (1/6 each) of 60,000 requests."""
    cal = calibrate(anthropic_export(), CAT, requests_per_month=60_000)
    got = {r.name: r.requests_per_month for r in cal.rows}
    assert got == pytest.approx({"ws-1 · claude-sonnet-4-5": 40_000, "ws-2 · claude-sonnet-4-5": 10_000,
                                 "ws-1 · claude-haiku-4-5": 10_000})
    # The bill does not depend on the count (no tier is crossed): $9 + $15 + $3 + $1 = $28.
    assert span_bill(cal) == pytest.approx(28.0, abs=0.005)
    partial = calibrate(anthropic_export(), CAT, requests_per_month={"claude-haiku-4-5": 500})
    assert partial.missing_calls == ("claude-sonnet-4-5-20250929",)
    assert [r.name for r in partial.rows] == ["ws-1 · claude-haiku-4-5"]


# --- reconciliation -------------------------------------------------------------------------------------------------


def test_reported_spend_below_list_is_an_effective_discount_and_above_it_a_residual():
    """GPT-4o lists at $13 and LiteLLM reports $9: 30.8% effective discount. Haiku 4.5 lists at $1 (1M uncached input)
    and reports $1.50: $0.50 unexplained, on its own line, never folded into the discount. The unpriced model's $1
    reported spend is listed apart."""
    x = imp(row("gpt-4o-2024-08-06", "b", 2000, u=1_000_000, r=2_000_000, o=800_000, spend=9.0),
            row("claude-haiku-4-5", "a", 100, u=1_000_000, spend=1.5),
            row("my-finetune-v3", "b", 10, u=1000, o=100, spend=1.0))
    rec = reconcile(x, CAT)
    lines = {m.model: m for m in rec.models}
    assert lines["gpt-4o-2024-08-06"].list_usd == pytest.approx(13.0)
    assert lines["gpt-4o-2024-08-06"].discount == pytest.approx(1 - 9 / 13)
    assert lines["claude-haiku-4-5"].residual == pytest.approx(0.5) and math.isnan(lines["claude-haiku-4-5"].discount)
    assert math.isnan(lines["my-finetune-v3"].list_usd) and lines["my-finetune-v3"].catalogue_key is None
    assert rec.list_usd == pytest.approx(14.0) and rec.reported_usd == pytest.approx(11.5)
    assert rec.compared_list_usd == pytest.approx(14.0) and rec.compared_reported_usd == pytest.approx(10.5)
    assert rec.discount == pytest.approx(1 - 10.5 / 14) and math.isnan(rec.residual)
    assert rec.unpriced_reported_usd == pytest.approx(1.0)
    assert rec.frame()["list price"].isna().sum() == 1


def test_no_reported_spend_means_no_discount_claimed():
    rec = reconcile(imp(row("gpt-4o", "", 10, u=1_000_000)), CAT)
    assert not rec.has_spend and math.isnan(rec.discount) and math.isnan(rec.residual)


# --- what-if per group ------------------------------------------------------------------------------------------------


def test_group_bills_add_up_to_the_whole_bill_and_every_lever_is_ranked_per_group():
    from calculators.lever import Lever

    x = imp(row("claude-sonnet-4-5", "search", 10_000, u=5_000_000, w5=1_000_000, r=20_000_000, o=3_000_000),
            row("gpt-4o", "chat", 5_000, u=2_000_000, r=1_000_000, o=1_000_000),
            row("gpt-4o", "search", 1_000, u=1_000_000, o=500_000))
    cal = calibrate(x, CAT)
    levers: list[tuple[Lever, object]] = [(lv, lv.inputs(**lv.defaults(cal.workload, CAT))) for lv in LEVERS]
    results = what_if(cal, levers, CAT)
    whole = price(cal.workload, CAT).total
    assert sum(g.today.total for g in results) == pytest.approx(whole, abs=0.005)
    assert [g.group for g in results] == ["search", "chat"]  # the bigger bill first
    frame = what_if_frame(results)
    assert set(frame["group"]) == {"search", "chat"} and len(frame) == 2 * len(LEVERS)
    for g in results:  # every bar is price(group) - price(lever applied to the group)
        for b in g.bars:
            assert b.before == pytest.approx(g.today.total)


def test_class_row_cache_ttl_keeps_old_tables_meaning():
    """A table row without the new column means what it always did: cached (5 minutes) only with hits."""
    old = ClassRow(name="x", requests_per_month=1000, model_key=SONNET_45, prefix_tokens=1000)
    assert old.to_class().cache == "off"
    assert old.model_copy(update={"cache_hit_rate": 0.5}).to_class().cache == "5m"
    assert old.model_copy(update={"cache_ttl": "1h"}).to_class().cache == "1h"
    assert ClassRow.of(old.model_copy(update={"cache_ttl": "1h"}).to_class()).cache_ttl == "1h"


def test_a_split_total_keeps_long_context_buckets_above_their_threshold():
    """20 requests over 1M tokens in the 0-200k bucket and 3M in the 200k-1M bucket: by token share the long bucket
    would get 15 requests of exactly 200k, below its threshold; it keeps just under 15 (each just above 200k, so
    billed at $6/MTok) and the rest go to the short bucket: $3 + $18 = $21."""
    x = imp(row("claude-sonnet-4-5", "", math.nan, u=1_000_000, cw="0-200k"),
            row("claude-sonnet-4-5", "", math.nan, u=3_000_000, cw="200k-1M"), fmt="anthropic", span=730.0)
    cal = calibrate(x, CAT, requests_per_month=20)
    assert sum(r.requests_per_month for r in cal.rows) == pytest.approx(20)
    long = next(r for r in cal.rows if r.name.endswith("200k-1M"))
    assert long.other_input_tokens > 200_000
    assert span_bill(cal) == pytest.approx(21.0, abs=0.005)


def test_too_few_requests_entered_cannot_change_the_bill_of_the_same_tokens():
    """1.2M tokens in the 0-200k bucket: entering 2 requests would average 600k, priced at the >200k rate ($6/MTok,
    $7.20) though the export says every request was under 200k. The count is raised to the least that fits (6, each
    just under 200k) with a note, and the bill stays 1.2M x $3/MTok = $3.60 whatever is entered."""
    x = imp(row("claude-sonnet-4-5", "", math.nan, u=1_200_000, cw="0-200k"), fmt="anthropic", span=730.0)
    bills = {n: span_bill(calibrate(x, CAT, requests_per_month=n)) for n in (2, 6, 100, 10_000)}
    assert bills == pytest.approx(dict.fromkeys(bills, 3.60), abs=0.005)
    few = calibrate(x, CAT, requests_per_month=2)
    assert sum(r.requests_per_month for r in few.rows) == pytest.approx(6, rel=1e-6)
    assert any("too few for its tokens" in n and "(2 a month)" in n and "Calibrated with 6 a month" in n for n in few.notes)
    assert not any("too few" in n for n in calibrate(x, CAT, requests_per_month=100).notes)


def test_the_anthropic_sample_bills_the_same_at_any_request_count():
    """The sample's tokens at list prices, by hand (reviewer's arithmetic, genai-prices snapshot): $25,419.49 for the
    31 days, whether 1,000,000 or 5,000 requests a month are entered (no class refused, no tier crossed by a guess)."""
    from calculators.usage import load
    from tests.apptest import ROOT

    sample = load(ROOT / "data" / "samples" / "anthropic_usage_report.json")
    for n in (1_000_000, 100_000, 5_000):
        cal = calibrate(sample, CAT, requests_per_month=n)
        assert not price(cal.workload, CAT).overflows
        assert span_bill(cal) == pytest.approx(25_419.49, abs=0.01)


def test_merging_never_crosses_a_long_context_threshold():
    """40 teams on Sonnet 4.5, half averaging 190k input tokens and half 210k (10 requests each, over a 730 h month):
    merging all of them into one 'other' class would average 200k+ and bill every token at the >200k rate ($6/MTok).
    By hand: 20 x 10 x 190k x $3 + 20 x 10 x 210k x $6 per MTok = $114 + $252 = $366.00, merged or not."""
    rows = [row("claude-sonnet-4-5", f"team-{i:02d}", 10, u=10 * (190_000 if i % 2 else 210_000)) for i in range(40)]
    x = imp(*rows, span=730.0)
    merged = calibrate(x, CAT, max_classes=4)
    assert len(merged.rows) <= 4 and any("merged" in n for n in merged.notes)
    assert span_bill(merged) == pytest.approx(366.00, abs=0.005)
    assert span_bill(calibrate(x, CAT, max_classes=200)) == pytest.approx(366.00, abs=0.005)
