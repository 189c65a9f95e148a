"""Usage importers: hand-checked canonical rows and bills per format, bad files, and a splitting property.

Each format's hand-checked file is one where summing the columns as they come double counts the cache; the
arithmetic is written next to each assertion. Prices are the catalogue's (asserted first, so a price change says
which number moved).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calculators.bill import price
from calculators.prices import build_catalogue
from calculators.usage import MAX_UPLOAD_MB, UsageImportError, detect_format, load
from calculators.workload import CallClass, Workload

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data" / "samples"
CAT = build_catalogue()
M = 1_000_000


def rates(key: str) -> tuple[float, ...]:
    """(input, cache read, 5-min write, 1-h write, output) USD per MTok, as the bill will use them."""
    s = CAT.get(key).standard
    return tuple(float(s.rate(f)) for f in ("input", "cache_read", "cache_write", "cache_write_1h", "output"))


def row_of(imported, **where) -> dict:
    frame = imported.rows
    for k, v in where.items():
        frame = frame[frame[k] == v]
    assert len(frame) == 1, frame
    return frame.iloc[0].to_dict()


def write(path: Path, data) -> Path:
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


# --- OpenAI ----------------------------------------------------------------------------------------------------

def openai_result(model="gpt-4.1", project="proj_a", inp=1_000_000, cached=600_000, write_=100_000, out=50_000,
                  n=200, **extra) -> dict:
    return {"object": "organization.usage.completions.result", "input_tokens": inp, "input_cached_tokens": cached,
            "input_cache_write_tokens": write_, "output_tokens": out, "num_model_requests": n,
            "project_id": project, "api_key_id": None, "model": model, "batch": False, "service_tier": None,
            "input_audio_tokens": 0, "output_audio_tokens": 0, **extra}


def openai_page(buckets: list[list[dict]], day0: int = 1_782_864_000) -> dict:  # 2026-07-01T00:00:00Z
    return {"object": "page", "has_more": False, "next_page": None, "data": [
        {"object": "bucket", "start_time": day0 + 86_400 * i, "end_time": day0 + 86_400 * (i + 1), "results": r}
        for i, r in enumerate(buckets)]}


def test_openai_hand_checked(tmp_path):
    # input_tokens 1,000,000 INCLUDES 600,000 cached and 100,000 cache-write tokens. Summing the three columns
    # (1.7 M) double counts 700,000 tokens; the canonical row splits them:
    #   uncached = 1,000,000 - 600,000 - 100,000 = 300,000; cache_read = 600,000; cache_write_5m = 100,000.
    # An empty second bucket still counts towards the span: 2 daily buckets = 48 h.
    f = write(tmp_path / "openai.json", openai_page([[openai_result()], []]))
    assert detect_format(f) == "openai"
    got = load(f)
    r = row_of(got)
    assert (r["model"], r["group_key"], r["calls"], r["service_tier"]) == ("gpt-4.1", "proj_a", 200, "standard")
    assert (r["uncached_input"], r["cache_read"], r["cache_write_5m"], r["cache_write_1h"]) == (
        300_000, 600_000, 100_000, 0)
    assert (r["output"], r["reasoning"]) == (50_000, 0)
    assert r["spend_usd"] != r["spend_usd"]  # NaN: OpenAI's usage report carries no spend
    assert got.totals()["input_sent"] == 1_000_000  # the format's own total input
    assert (got.span_hours, got.source_rows, got.group_kind, got.per_request) == (48.0, 1, "project", None)

    # Catalogue: openai/gpt-4.1 input $2.00, cache read $0.50, no cache-write price (writes bill as input, $2.00),
    # output $8.00 per MTok.
    assert rates("openai/gpt-4.1") == (2.0, 0.5, 2.0, 2.0, 8.0)
    # Hand bill: 0.3 M x 2.00 + 0.1 M x 2.00 + 0.6 M x 0.50 + 0.05 M x 8.00 = 0.60 + 0.20 + 0.30 + 0.40 = $1.50
    # (the naive 1.7 M input x $2.00 + 0.4 = $3.80).
    # Per call (200 calls): 1,500 uncached, 3,500-token prefix of which 3,000 read (hit rate 6/7) and 500 written.
    w = Workload(classes=(CallClass(name="gpt-4.1 proj_a", requests_per_month=200, model_key="openai/gpt-4.1",
                                    prefix_tokens=3_500, other_input_tokens=1_500, output_tokens=250, cache="5m",
                                    cache_hit_rate=3_000 / 3_500),))
    bill = price(w, CAT)
    assert bill.tokens("cache_read") == pytest.approx(r["cache_read"])
    assert bill.tokens("input") == pytest.approx(r["uncached_input"])
    assert round(bill.total, 2) == 1.50
    assert bill.total == pytest.approx(0.60 + 0.20 + 0.30 + 0.40, rel=1e-12)


def test_openai_batch_and_grouping(tmp_path):
    f = write(tmp_path / "o.json", openai_page([[
        openai_result(n=10, api_key_id="key_1"), openai_result(n=5, project="proj_b", batch=True,
                                                               api_key_id="key_1")]]))
    by_project = load(f)
    assert set(by_project.rows["service_tier"]) == {"standard", "batch"}
    by_key = load(f, group_by="api_key_id")
    assert by_key.group_kind == "api key" and set(by_key.rows["group_key"]) == {"key_1"}
    with pytest.raises(UsageImportError, match="Cannot group"):
        load(f, group_by="team")


# --- Anthropic -------------------------------------------------------------------------------------------------

def anthropic_result(**over) -> dict:
    r = {"uncached_input_tokens": 100_000,
         "cache_creation": {"ephemeral_5m_input_tokens": 40_000, "ephemeral_1h_input_tokens": 10_000},
         "cache_read_input_tokens": 800_000, "output_tokens": 30_000, "server_tool_use": {"web_search_requests": 0},
         "model": "claude-sonnet-4-5-20250929", "service_tier": "standard", "context_window": "0-200k",
         "workspace_id": "wrkspc_1", "api_key_id": None}
    return r | over


def anthropic_report(buckets: list[list[dict]]) -> dict:
    return {"has_more": False, "next_page": None, "data": [
        {"starting_at": f"2026-07-{i + 1:02d}T00:00:00Z", "ending_at": f"2026-07-{i + 2:02d}T00:00:00Z",
         "results": r} for i, r in enumerate(buckets)]}


def test_anthropic_hand_checked(tmp_path):
    # uncached_input_tokens EXCLUDES reads and writes: the columns are already disjoint. Treating it the OpenAI way
    # (subtracting the cache from it) would go negative; summing it with the reads as one "input" at the input
    # price overstates the bill. Canonical: 100,000 uncached, 40,000 5-min writes, 10,000 1-h writes, 800,000 reads.
    f = write(tmp_path / "anthropic.json", anthropic_report([[anthropic_result()]]))
    assert detect_format(f) == "anthropic"
    got = load(f)
    r = row_of(got)
    assert (r["uncached_input"], r["cache_write_5m"], r["cache_write_1h"], r["cache_read"], r["output"]) == (
        100_000, 40_000, 10_000, 800_000, 30_000)
    assert r["calls"] != r["calls"]  # NaN: no request count in the report
    assert r["context_window"] == "0-200k" and got.group_kind == "workspace" and got.span_hours == 24.0
    assert got.totals()["input_sent"] == 100_000 + 40_000 + 10_000 + 800_000
    assert any("no request count" in w for w in got.warnings)

    # Catalogue: anthropic/claude-sonnet-4-5 input $3.00, read $0.30, 5-min write $3.75, 1-h write $6.00,
    # output $15.00 per MTok (below its 200k-token long-context cliff).
    key = "anthropic/claude-sonnet-4-5"
    assert rates(key) == (3.0, 0.3, 3.75, 6.0, 15.0)
    # Hand bill: 0.1 M x 3.00 + 0.04 M x 3.75 + 0.01 M x 6.00 + 0.8 M x 0.30 + 0.03 M x 15.00
    #          = 0.30 + 0.15 + 0.06 + 0.24 + 0.45 = $1.20.
    # Calls are not in the export: say 100 (50 per TTL class). Per call 1,000 uncached and 300 output;
    # 5-min class: prefix 8,800 (8,000 read, 800 written: 50 x 800 = 40,000); 1-h: 8,200 (8,000 read, 200 written).
    common = {"requests_per_month": 50, "model_key": key, "other_input_tokens": 1_000, "output_tokens": 300}
    w = Workload(classes=(
        CallClass(name="5m", prefix_tokens=8_800, cache="5m", cache_hit_rate=8_000 / 8_800, **common),
        CallClass(name="1h", prefix_tokens=8_200, cache="1h", cache_hit_rate=8_000 / 8_200, **common)))
    bill = price(w, CAT)
    assert bill.tokens("cache_write_1h") == pytest.approx(r["cache_write_1h"])
    assert round(bill.total, 2) == 1.20
    assert bill.total == pytest.approx(0.30 + 0.15 + 0.06 + 0.24 + 0.45, rel=1e-12)


# --- LiteLLM ---------------------------------------------------------------------------------------------------

LITELLM_HEADER = ("id,team_id,date,api_key,model,model_group,custom_llm_provider,prompt_tokens,completion_tokens,"
                  "cache_read_input_tokens,cache_creation_input_tokens,spend,api_requests,successful_requests,"
                  "failed_requests\n")


def test_litellm_hand_checked(tmp_path):
    # prompt_tokens 1,000,000 INCLUDE 700,000 cache reads and 80,000 cache writes (LiteLLM folds Anthropic's
    # cache into prompt_tokens). Naive: 1,000,000 + 700,000 + 80,000 = 1.78 M input. Canonical:
    #   uncached = 1,000,000 - 700,000 - 80,000 = 220,000 (two days, split 600,000/400,000 prompt tokens).
    f = write(tmp_path / "litellm.csv", LITELLM_HEADER
              + "a,team-1,2026-07-01,sk-1,claude-sonnet-4-5,claude,anthropic,600000,25000,420000,48000,1.062,60,60,0\n"
              + "b,team-1,2026-07-02,sk-1,claude-sonnet-4-5,claude,anthropic,400000,15000,280000,32000,0.708,40,39,1\n")
    assert detect_format(f) == "litellm"
    got = load(f)
    r = row_of(got)
    assert (r["uncached_input"], r["cache_write_5m"], r["cache_read"], r["output"], r["calls"]) == (
        220_000, 80_000, 700_000, 40_000, 100)
    assert r["spend_usd"] == pytest.approx(1.062 + 0.708)
    assert got.totals()["input_sent"] == 1_000_000  # = sum of prompt_tokens
    assert (got.group_kind, got.span_hours, got.source_rows) == ("team", 48.0, 2)

    key = "anthropic/claude-sonnet-4-5"
    assert rates(key) == (3.0, 0.3, 3.75, 6.0, 15.0)
    # Hand bill: 0.22 M x 3.00 + 0.08 M x 3.75 + 0.7 M x 0.30 + 0.04 M x 15.00 = 0.66 + 0.30 + 0.21 + 0.60 = $1.77,
    # the spend LiteLLM reports (1.062 + 0.708). Per call (100): 2,200 uncached, prefix 7,800 (7,000 read,
    # 800 written), 400 output.
    w = Workload(classes=(CallClass(name="team-1", requests_per_month=100, model_key=key, prefix_tokens=7_800,
                                    other_input_tokens=2_200, output_tokens=400, cache="5m",
                                    cache_hit_rate=7_000 / 7_800),))
    bill = price(w, CAT)
    assert bill.total == pytest.approx(0.66 + 0.30 + 0.21 + 0.60, rel=1e-12)
    assert round(bill.total, 2) == round(r["spend_usd"], 2) == 1.77


def test_litellm_bad_value_names_row_and_field(tmp_path):
    f = write(tmp_path / "l.csv", LITELLM_HEADER
              + "a,t,2026-07-01,k,m,m,p,10,1,0,0,0.1,1,1,0\n"
              + "b,t,2026-07-01,k,m,m,p,10,1,0,0,0.1,1,1,0\n"
              + "c,t,2026-07-02,k,m,m,p,lots,1,0,0,0.1,1,1,0\n")
    with pytest.raises(UsageImportError, match=r'Row 3 \(line 4\): field "prompt_tokens"'):
        load(f)


# --- OpenTelemetry ---------------------------------------------------------------------------------------------

def attr(key, value):
    return {"key": key, "value": {"intValue": str(value)} if isinstance(value, int) else {"stringValue": value}}


def span(span_id, op, attrs, t=1_782_864_000_000_000_000):
    return {"traceId": "trace-1", "spanId": span_id, "name": op, "startTimeUnixNano": str(t),
            "endTimeUnixNano": str(t + 10**9), "attributes": [attr("gen_ai.operation.name", op), *attrs]}


def otlp(spans, service="support-agent") -> str:
    return json.dumps({"resourceSpans": [{"resource": {"attributes": [attr("service.name", service)]},
                                          "scopeSpans": [{"scope": {"name": "t"}, "spans": spans}]}]})


def chat(span_id, inp, read, out, reasoning, t, model="gpt-5-2025-08-07"):
    return span(span_id, "chat", [
        attr("gen_ai.request.model", "gpt-5"), attr("gen_ai.response.model", model),
        attr("gen_ai.conversation.id", "conv-1"), attr("gen_ai.usage.input_tokens", inp),
        attr("gen_ai.usage.cache_read.input_tokens", read), attr("gen_ai.usage.output_tokens", out),
        attr("gen_ai.usage.reasoning.output_tokens", reasoning)], t)


def test_otel_hand_checked(tmp_path):
    # Two chat spans of one conversation, 2 hours apart, plus the invoke_agent span that repeats their usage and a
    # tool span. input_tokens INCLUDE the cache reads and output_tokens INCLUDE reasoning. Naive sums:
    # input 100,000 + 120,000 + 220,000 (agent span) + reads 180,000 = 620,000. Canonical:
    #   uncached = (100,000 - 80,000) + (120,000 - 100,000) = 40,000; cache_read = 180,000;
    #   output (visible) = (10,000 - 6,000) + (15,000 - 5,000) = 14,000; reasoning = 11,000.
    t0 = 1_782_864_000_000_000_000
    spans = [span("agent", "invoke_agent", [attr("gen_ai.request.model", "gpt-5"),
                                            attr("gen_ai.usage.input_tokens", 220_000),
                                            attr("gen_ai.usage.output_tokens", 25_000)], t0),
             chat("s1", 100_000, 80_000, 10_000, 6_000, t0),
             span("tool", "execute_tool", [attr("gen_ai.tool.name", "search")], t0),
             chat("s2", 120_000, 100_000, 15_000, 5_000, t0 + 2 * 3600 * 10**9)]
    f = write(tmp_path / "spans.json", otlp(spans))
    assert detect_format(f) == "otel"
    got = load(f)
    r = row_of(got)
    assert (r["model"], r["group_key"], r["calls"]) == ("gpt-5-2025-08-07", "support-agent", 2)
    assert (r["uncached_input"], r["cache_read"], r["cache_write_5m"], r["output"], r["reasoning"]) == (
        40_000, 180_000, 0, 14_000, 11_000)
    assert got.totals()["input_sent"] == 220_000  # = the chat spans' own gen_ai.usage.input_tokens
    assert got.span_hours == 2.0 and got.group_kind == "service"
    assert any("agent span" in w for w in got.warnings)
    pr = got.per_request.iloc[0]
    # Inputs sent 100,000 and 120,000: p50 = 110,000, p95 = 100,000 + 0.95 x 20,000 = 119,000 (linear).
    assert (pr["requests"], pr["input_p50"], pr["input_p95"]) == (2, 110_000, 119_000)
    assert (pr["output_p50"], pr["reasoning_p50"]) == (7_000, 5_500)  # visible 4,000 / 10,000; reasoning 6,000 / 5,000
    assert (pr["conversations"], pr["steps_p50"], pr["steps_mean"]) == (1, 2, 2)

    # Catalogue: openai/gpt-5 input $1.25, read $0.125, output $10.00 per MTok.
    assert rates("openai/gpt-5")[:2] + rates("openai/gpt-5")[4:] == (1.25, 0.125, 10.0)
    # Hand bill: 0.04 M x 1.25 + 0.18 M x 0.125 + (0.014 + 0.011) M x 10.00 = 0.05 + 0.0225 + 0.25 = $0.3225.
    # Per call (2): 20,000 uncached, 90,000-token prefix always read, 7,000 visible + 5,500 reasoning.
    w = Workload(classes=(CallClass(name="agent", requests_per_month=2, model_key="openai/gpt-5",
                                    prefix_tokens=90_000, other_input_tokens=20_000, output_tokens=7_000,
                                    reasoning_tokens=5_500, cache="5m", cache_hit_rate=1.0),))
    bill = price(w, CAT)
    assert bill.total == pytest.approx(0.05 + 0.0225 + 0.25, rel=1e-12)
    assert round(bill.total, 2) == 0.32


def test_otel_ndjson_and_parquet_samples_agree():
    """The sample spans as OTLP JSON lines and as the collector's otel_traces table in Parquet read the same."""
    a, b = load(SAMPLES / "otel_genai_spans.jsonl"), load(SAMPLES / "otel_traces.parquet")
    assert a.rows.equals(b.rows) and a.per_request.equals(b.per_request) and a.source_rows == b.source_rows


def test_otel_legacy_aliases_and_input_without_cache(tmp_path):
    # Legacy names; input_tokens (50) smaller than the cache read (80) cannot include it: read as uncached.
    spans = [span("s", "chat", [attr("gen_ai.request.model", "m"), attr("gen_ai.usage.prompt_tokens", 50),
                                attr("gen_ai.usage.completion_tokens", 7),
                                attr("gen_ai.usage.cache_read.input_tokens", 80)])]
    got = load(write(tmp_path / "s.json", otlp(spans)))
    r = row_of(got)
    assert (r["uncached_input"], r["cache_read"], r["output"]) == (50, 80, 7)
    assert any("cannot include the cache" in w for w in got.warnings)


# --- every sample reads, and its columns add up ----------------------------------------------------------------

@pytest.mark.parametrize("name", ["openai_usage_completions.json", "anthropic_usage_report.json",
                                  "litellm_daily_team_spend.csv", "otel_genai_spans.jsonl", "otel_traces.parquet"])
def test_samples_load(name):
    got = load(SAMPLES / name)
    token_columns = ["uncached_input", "cache_write_5m", "cache_write_1h", "cache_read", "output", "reasoning"]
    assert (got.rows[token_columns] >= 0).all().all()
    assert 700 < got.span_hours <= 744  # July 2026
    assert got.source_rows > 0 and len(got.rows) >= 2


def test_openai_sample_input_equals_its_own_total():
    data = json.loads((SAMPLES / "openai_usage_completions.json").read_text())
    own = sum(r["input_tokens"] for b in data["data"] for r in b["results"])
    assert load(SAMPLES / "openai_usage_completions.json").totals()["input_sent"] == own


# --- bad files -------------------------------------------------------------------------------------------------

def test_malformed_json(tmp_path):
    with pytest.raises(UsageImportError, match="malformed or cut short"):
        load(write(tmp_path / "bad.json", '{"object": "page", "data": [{"start_time": 1, "results": [}]}'))


def test_truncated_file(tmp_path):
    text = (SAMPLES / "openai_usage_completions.json").read_text()
    with pytest.raises(UsageImportError, match="malformed or cut short"):
        load(write(tmp_path / "cut.json", text[: len(text) // 2]))
    lines = (SAMPLES / "otel_genai_spans.jsonl").read_text().splitlines(keepends=True)
    with pytest.raises(UsageImportError, match="could not be read"):
        load(write(tmp_path / "cut.jsonl", "".join(lines[:5]) + lines[5][:1000]))


def test_wrong_format(tmp_path):
    scenario = {"workload": {"requests_per_month": 100000, "model": "anthropic/claude-sonnet-4-5"}, "levers": []}
    with pytest.raises(UsageImportError, match="not a usage export"):
        load(write(tmp_path / "scenario.json", scenario))
    with pytest.raises(UsageImportError, match="not a LiteLLM daily spend table.*lacks date, model, prompt_tokens"):
        load(write(tmp_path / "sales.csv", "region,quarter,revenue\nEU,Q1,100\n"))
    with pytest.raises(UsageImportError, match="not one of the supported"):
        load(write(tmp_path / "notes.txt", "hello"))
    # The user picks the wrong format: the first bucket says what it really is.
    with pytest.raises(UsageImportError, match=r"Bucket 1, result 1: has \"starting_at\", an Anthropic"):
        load(SAMPLES / "anthropic_usage_report.json", fmt="openai")
    with pytest.raises(UsageImportError, match="Parquet"):
        load(SAMPLES / "otel_traces.parquet", fmt="litellm")


def test_mixed_formats(tmp_path):
    small = openai_page([[openai_result()]])
    small["data"].append(anthropic_report([[anthropic_result()]])["data"][0])
    with pytest.raises(UsageImportError, match="mixes OpenAI usage buckets"):
        load(write(tmp_path / "mixed.json", small))
    # Beyond the first 64 KB only the import itself can tell: it names the bucket.
    big = openai_page([[openai_result(project=f"proj_{i}_{'x' * 60}") for i in range(8)] for _ in range(40)])
    big["data"].append(anthropic_report([[anthropic_result()]])["data"][0])
    f = write(tmp_path / "mixed_late.json", big)
    assert f.stat().st_size > 64 * 1024
    with pytest.raises(UsageImportError, match=r"Bucket 41, result 1: has \"starting_at\", an Anthropic usage-report bucket"):
        load(f)


def test_inconsistent_openai_row_is_named(tmp_path):
    f = write(tmp_path / "o.json", openai_page([[openai_result()], [openai_result(), openai_result(cached=2_000_000)]]))
    with pytest.raises(UsageImportError, match=r"Bucket 2, result 2: input_cached_tokens \+ input_cache_write_tokens"):
        load(f)
    f = write(tmp_path / "o2.json", openai_page([[openai_result(model=None)]]))
    with pytest.raises(UsageImportError, match=r'Bucket 1, result 1: field "model" is missing'):
        load(f)


def test_zero_rows(tmp_path):
    with pytest.raises(UsageImportError, match="empty"):
        load(write(tmp_path / "empty.json", ""))
    with pytest.raises(UsageImportError, match="no usage rows"):
        load(write(tmp_path / "page.json", openai_page([[], []])))
    with pytest.raises(UsageImportError, match="no usage rows"):
        load(write(tmp_path / "header.csv", LITELLM_HEADER))
    with pytest.raises(UsageImportError, match="no model-call spans"):
        load(write(tmp_path / "tools.json", otlp([span("t", "execute_tool", [])])))


def test_two_gigabyte_file_fails_fast(tmp_path):
    huge = tmp_path / "huge.json"
    with open(huge, "wb") as f:  # sparse: a JSON prefix, then 2 GiB of holes
        f.write(b'{"object": "page", "data": [')
        f.truncate(2 * 2**30)
    start = time.perf_counter()
    with pytest.raises(UsageImportError, match=f"2,048 MB; the limit here is {MAX_UPLOAD_MB} MB"):
        load(huge)
    # Without the limit (a script), it still refuses from the first bytes, without reading the rest.
    zeros = tmp_path / "zeros.bin"
    with open(zeros, "wb") as f:
        f.truncate(2 * 2**30)
    with pytest.raises(UsageImportError, match="binary"):
        load(zeros, max_mb=None)
    assert time.perf_counter() - start < 5


def test_big_file_memory_is_bounded(tmp_path):
    """A 2 GiB file without the size limit: refused with a message, and the process stays small (child process)."""
    huge = tmp_path / "huge.json"
    with open(huge, "wb") as f:
        f.write(b'{"object": "page", "data": [')
        f.truncate(2 * 2**30)
    code = ("import sys\nfrom calculators.usage import load, UsageImportError\n"
            f"try:\n    load({str(huge)!r}, max_mb=None)\nexcept UsageImportError as e:\n    print(e)\n"
            # VmHWM is this process's own peak (ru_maxrss would carry over the pytest worker's across exec)
            "print(next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM:')))")
    out = subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env=os.environ | {"PYTHONPATH": str(ROOT)})
    message, rss_kib = out.stdout.strip().splitlines()
    assert "binary" in message
    assert int(rss_kib) < 600 * 1024


# --- property: splitting an export's buckets into two files changes no sum ------------------------------------

result_strategy = st.builds(
    lambda model, project, cached, write_, uncached, out, n: openai_result(
        model=model, project=project, inp=cached + write_ + uncached, cached=cached, write_=write_, out=out, n=n),
    st.sampled_from(["gpt-4.1", "gpt-5-mini"]), st.sampled_from(["p1", "p2"]), st.integers(0, 10**9),
    st.integers(0, 10**6), st.integers(0, 10**9), st.integers(0, 10**8), st.integers(0, 10**6))


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(buckets=st.lists(st.lists(result_strategy, min_size=1, max_size=3), min_size=2, max_size=6),
       cut=st.integers(1, 5))
def test_splitting_buckets_keeps_the_sums(tmp_path, buckets, cut):
    cut = min(cut, len(buckets) - 1)
    page = openai_page(buckets)
    first, second = dict(page, data=page["data"][:cut]), dict(page, data=page["data"][cut:])
    whole = load(write(tmp_path / "whole.json", page)).rows
    parts = [load(write(tmp_path / f"part{i}.json", p)).rows for i, p in enumerate((first, second))]
    columns = ["calls", "uncached_input", "cache_write_5m", "cache_read", "output"]
    joined = pd.concat(parts).groupby("model")[columns].sum()
    pd.testing.assert_frame_equal(joined, whole.groupby("model")[columns].sum(), check_dtype=False)
    own_input = sum(r["input_tokens"] for b in buckets for r in b)
    assert whole[["uncached_input", "cache_write_5m", "cache_read"]].to_numpy().sum() == own_input
