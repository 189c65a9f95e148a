"""Generate the sample usage exports in this folder (deterministic: fixed seed, fixed month).

    .venv/bin/python data/samples/generate.py          # rewrites the five files next to this script

Each file has the shape the real export has (field names, nesting, units), for one month (July 2026) of a
made-up organisation: a support assistant with a long cached system prompt and a search feature. The traffic is
invented; only the formats are real. See README.md in this folder for what each file stands for.
"""
from __future__ import annotations

import csv
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SEED = 20260701
MONTH_START = datetime(2026, 7, 1, tzinfo=UTC)
DAYS = 31

# LiteLLM's spend column comes from LiteLLM's own price map; these are the list prices (USD per MTok) it would use:
# input, cache read, cache write (5 min), output.
LITELLM_PRICES = {
    "claude-sonnet-4-5": (3.0, 0.3, 3.75, 15.0),
    "gpt-5-mini": (0.25, 0.025, 0.25, 2.0),
}


def _weekday_factor(day: int) -> float:
    """Weekdays carry about three times the weekend's traffic."""
    return 1.0 if (MONTH_START + timedelta(days=day)).weekday() < 5 else 0.35


def openai_usage(rng: np.random.Generator) -> dict:
    """/v1/organization/usage/completions?bucket_width=1d&group_by=model&group_by=project_id, one page."""
    mixes = [  # model, project, requests/day, input/request, cached share, output/request
        ("gpt-5-mini-2025-08-07", "proj_support", 42_000, 3_200, 0.71, 310),
        ("gpt-5-2025-08-07", "proj_support", 3_100, 6_800, 0.55, 920),
        ("gpt-4.1-mini-2025-04-14", "proj_search", 18_500, 1_900, 0.22, 140),
    ]
    buckets = []
    for day in range(DAYS):
        start = MONTH_START + timedelta(days=day)
        results = []
        for model, project, per_day, inp, cached_share, out in mixes:
            n = int(rng.poisson(per_day * _weekday_factor(day)))
            input_tokens = int(n * inp * rng.uniform(0.9, 1.1))
            cached = int(input_tokens * cached_share * rng.uniform(0.9, 1.05))
            results.append({
                "object": "organization.usage.completions.result",
                "input_tokens": input_tokens, "output_tokens": int(n * out * rng.uniform(0.9, 1.1)),
                "num_model_requests": n, "project_id": project, "user_id": None, "api_key_id": None,
                "model": model, "batch": False, "service_tier": None,
                "input_cached_tokens": min(cached, input_tokens), "input_cache_write_tokens": 0,
                "input_audio_tokens": 0, "output_audio_tokens": 0,
            })
        if day % 7 == 3:  # a weekly batch evaluation run
            n = 5_000
            results.append({
                "object": "organization.usage.completions.result", "input_tokens": n * 2_400,
                "output_tokens": n * 600, "num_model_requests": n, "project_id": "proj_search", "user_id": None,
                "api_key_id": None, "model": "gpt-4.1-mini-2025-04-14", "batch": True, "service_tier": None,
                "input_cached_tokens": 0, "input_cache_write_tokens": 0, "input_audio_tokens": 0,
                "output_audio_tokens": 0,
            })
        buckets.append({"object": "bucket", "start_time": int(start.timestamp()),
                        "end_time": int((start + timedelta(days=1)).timestamp()), "results": results})
    return {"object": "page", "data": buckets, "has_more": False, "next_page": None}


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def anthropic_usage(rng: np.random.Generator) -> dict:
    """/v1/organizations/usage_report/messages?bucket_width=1d&group_by[]=model&group_by[]=workspace_id&
    group_by[]=service_tier&group_by[]=context_window: an agent fleet whose bill is mostly cache reads."""
    mixes = [  # model, workspace, tier, context window, calls/day, prompt/call, read share, 1h share of writes, out
        ("claude-sonnet-4-5-20250929", "wrkspc_01SupportAgent", "standard", "0-200k", 26_000, 38_000, 0.93, 0.0, 420),
        ("claude-sonnet-4-5-20250929", "wrkspc_01SupportAgent", "standard", "200k-1M", 300, 240_000, 0.90, 0.0,
         900),
        ("claude-haiku-4-5-20251001", None, "standard", "0-200k", 55_000, 4_500, 0.60, 0.5, 160),
        ("claude-haiku-4-5-20251001", None, "batch", "0-200k", 8_000, 3_000, 0.0, 0.0, 350),
    ]
    buckets = []
    for day in range(DAYS):
        start = MONTH_START + timedelta(days=day)
        results = []
        for model, workspace, tier, window, per_day, prompt, read_share, share_1h, out in mixes:
            n = int(rng.poisson(per_day * _weekday_factor(day)))
            sent = int(n * prompt * rng.uniform(0.92, 1.08))
            read = int(sent * read_share)
            writes = int((sent - read) * (0.6 if read_share else 0.0))
            w1h = int(writes * share_1h)
            results.append({
                "uncached_input_tokens": sent - read - writes,
                "cache_creation": {"ephemeral_1h_input_tokens": w1h, "ephemeral_5m_input_tokens": writes - w1h},
                "cache_read_input_tokens": read, "output_tokens": int(n * out * rng.uniform(0.9, 1.1)),
                "server_tool_use": {"web_search_requests": int(n * 0.01) if workspace else 0},
                "api_key_id": None, "workspace_id": workspace, "model": model, "service_tier": tier,
                "context_window": window,
            })
        buckets.append({"starting_at": _iso(start), "ending_at": _iso(start + timedelta(days=1)),
                        "results": results})
    return {"data": buckets, "has_more": False, "next_page": None}


def litellm_daily_team_spend(rng: np.random.Generator) -> list[dict]:
    """LiteLLM_DailyTeamSpend exported as CSV (e.g. psql \\copy ... csv header). prompt_tokens include the cache
    columns, as LiteLLM's usage object reports them."""
    teams = [("team-support", "sk-...a1f3", "claude-sonnet-4-5", "anthropic", 9_000, 21_000, 0.8, 0.08, 380),
             ("team-support", "sk-...a1f3", "gpt-5-mini", "openai", 30_000, 2_600, 0.5, 0.0, 250),
             ("team-data", "sk-...77c0", "gpt-5-mini", "openai", 12_000, 5_200, 0.1, 0.0, 700)]
    rows = []
    for day in range(DAYS):
        date = (MONTH_START + timedelta(days=day)).date().isoformat()
        for team, key, model, provider, per_day, prompt, read_share, write_share, out in teams:
            n = int(rng.poisson(per_day * _weekday_factor(day)))
            failed = int(rng.binomial(n, 0.004))
            prompt_tokens = int(n * prompt * rng.uniform(0.9, 1.1))
            read = int(prompt_tokens * read_share)
            write = int(prompt_tokens * write_share)
            completion = int(n * out * rng.uniform(0.9, 1.1))
            p_in, p_read, p_write, p_out = LITELLM_PRICES[model]
            spend = ((prompt_tokens - read - write) * p_in + read * p_read + write * p_write
                     + completion * p_out) / 1e6
            rows.append({
                "id": str(uuid.UUID(int=int(rng.integers(0, 2**63)) << 64 | day)), "team_id": team, "date": date,
                "api_key": key, "model": model, "model_group": model, "custom_llm_provider": provider,
                "prompt_tokens": prompt_tokens, "completion_tokens": completion, "cache_read_input_tokens": read,
                "cache_creation_input_tokens": write, "spend": round(spend, 6), "api_requests": n,
                "successful_requests": n - failed, "failed_requests": failed,
                "created_at": f"{date}T00:05:00Z", "updated_at": f"{date}T23:59:00Z",
            })
    return rows


def _attr(key: str, value: str | int) -> dict:
    # OTLP JSON: int64 values are JSON strings.
    return {"key": key, "value": {"intValue": str(value)} if isinstance(value, int) else {"stringValue": value}}


def otel_spans(rng: np.random.Generator, conversations: int = 300) -> list[dict]:
    """Agent traces as OTLP JSON export requests (one per line, as the collector's file exporter writes them):
    an invoke_agent span (carrying the task's summed usage), its chat spans (one per step, each re-sending the
    growing history, mostly from cache) and execute_tool spans between them."""
    services = [("support-agent", "claude-sonnet-4-5-20250929", "anthropic", 6, 9_000),
                ("research-agent", "gpt-5-mini-2025-08-07", "openai", 11, 3_000)]
    requests = []
    for c in range(conversations):
        service, model, provider, mean_steps, prefix = services[c % 2]
        start_ns = int((MONTH_START + timedelta(seconds=int(rng.integers(0, DAYS * 86_400)))).timestamp() * 1e9)
        trace = f"{rng.integers(0, 2**63):016x}{c:016x}"
        conversation = f"conv_{c:05d}"
        steps = max(1, int(rng.poisson(mean_steps)))
        spans, history, total_in, total_out = [], 0, 0, 0
        t = start_ns
        for step in range(steps):
            user = int(rng.integers(200, 900)) if step == 0 else int(rng.integers(300, 2_500))  # tool result
            sent = prefix + history + user
            read = prefix + history if step or c > 1 else 0  # the first call ever writes the prefix
            write = sent - read if provider == "anthropic" else 0
            reasoning = int(rng.integers(0, 800)) if provider == "openai" else 0
            visible = int(rng.integers(60, 500))
            attrs = [_attr("gen_ai.operation.name", "chat"), _attr("gen_ai.provider.name", provider),
                     _attr("gen_ai.request.model", model.rsplit("-2025", 1)[0]),
                     _attr("gen_ai.response.model", model), _attr("gen_ai.conversation.id", conversation),
                     _attr("gen_ai.usage.input_tokens", sent), _attr("gen_ai.usage.output_tokens", visible + reasoning),
                     _attr("gen_ai.usage.cache_read.input_tokens", read)]
            if write:
                attrs.append(_attr("gen_ai.usage.cache_creation.input_tokens", write))
            if reasoning:
                attrs.append(_attr("gen_ai.usage.reasoning.output_tokens", reasoning))
            duration = int(rng.integers(800, 9_000)) * 1_000_000
            spans.append({"traceId": trace, "spanId": f"{c:08x}{2 * step:08x}", "name": f"chat {model}",
                          "kind": 3, "startTimeUnixNano": str(t), "endTimeUnixNano": str(t + duration),
                          "attributes": attrs})
            t += duration
            if step < steps - 1:
                tool = int(rng.integers(50, 400)) * 1_000_000
                spans.append({"traceId": trace, "spanId": f"{c:08x}{2 * step + 1:08x}", "name": "execute_tool search",
                              "kind": 1, "startTimeUnixNano": str(t), "endTimeUnixNano": str(t + tool),
                              "attributes": [_attr("gen_ai.operation.name", "execute_tool"),
                                             _attr("gen_ai.tool.name", "search")]})
                t += tool
            history += user + visible
            total_in += sent
            total_out += visible + reasoning
        spans.insert(0, {"traceId": trace, "spanId": f"{c:08x}ffffffff", "name": f"invoke_agent {service}",
                         "kind": 1, "startTimeUnixNano": str(start_ns), "endTimeUnixNano": str(t),
                         "attributes": [_attr("gen_ai.operation.name", "invoke_agent"),
                                        _attr("gen_ai.provider.name", provider),
                                        _attr("gen_ai.request.model", model),
                                        _attr("gen_ai.conversation.id", conversation),
                                        _attr("gen_ai.usage.input_tokens", total_in),
                                        _attr("gen_ai.usage.output_tokens", total_out)]})
        requests.append({"resourceSpans": [{
            "resource": {"attributes": [_attr("service.name", service), _attr("deployment.environment", "prod")]},
            "scopeSpans": [{"scope": {"name": "opentelemetry.instrumentation.genai", "version": "0.1.0"},
                            "spans": spans}]}]})
    return requests


def otel_traces_parquet(requests: list[dict], path: Path) -> None:
    """The same spans as rows of the collector's ClickHouse `otel_traces` table, exported to Parquet."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows: dict[str, list] = {k: [] for k in ("Timestamp", "TraceId", "SpanId", "SpanName", "ServiceName",
                                             "ResourceAttributes", "SpanAttributes", "Duration")}
    for request in requests:
        for rs in request["resourceSpans"]:
            resource = {a["key"]: next(iter(a["value"].values())) for a in rs["resource"]["attributes"]}
            for ss in rs["scopeSpans"]:
                for s in ss["spans"]:
                    rows["Timestamp"].append(int(s["startTimeUnixNano"]))
                    rows["TraceId"].append(s["traceId"])
                    rows["SpanId"].append(s["spanId"])
                    rows["SpanName"].append(s["name"])
                    rows["ServiceName"].append(resource["service.name"])
                    rows["ResourceAttributes"].append(list(resource.items()))
                    rows["SpanAttributes"].append([(a["key"], next(iter(a["value"].values())))
                                                   for a in s["attributes"]])
                    rows["Duration"].append(int(s["endTimeUnixNano"]) - int(s["startTimeUnixNano"]))
    table = pa.table({
        "Timestamp": pa.array(rows["Timestamp"], pa.timestamp("ns", tz="UTC")),
        "TraceId": rows["TraceId"], "SpanId": rows["SpanId"], "SpanName": rows["SpanName"],
        "ServiceName": rows["ServiceName"],
        "ResourceAttributes": pa.array(rows["ResourceAttributes"], pa.map_(pa.string(), pa.string())),
        "SpanAttributes": pa.array(rows["SpanAttributes"], pa.map_(pa.string(), pa.string())),
        "Duration": pa.array(rows["Duration"], pa.uint64()),
    })
    pq.write_table(table, path, compression="zstd")


def main() -> None:
    rng = np.random.default_rng(SEED)
    (HERE / "openai_usage_completions.json").write_text(json.dumps(openai_usage(rng), indent=1) + "\n")
    (HERE / "anthropic_usage_report.json").write_text(json.dumps(anthropic_usage(rng), indent=1) + "\n")
    rows = litellm_daily_team_spend(rng)
    with open(HERE / "litellm_daily_team_spend.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    requests = otel_spans(rng)
    with open(HERE / "otel_genai_spans.jsonl", "w") as f:
        f.writelines(json.dumps(request, separators=(",", ":")) + "\n" for request in requests)
    otel_traces_parquet(requests, HERE / "otel_traces.parquet")


if __name__ == "__main__":
    main()
