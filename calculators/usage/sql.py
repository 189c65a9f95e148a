"""All the SQL of the usage importers, in one place, so the same queries can run where the logs already live.

DuckDB reads the export out of core (`read_json` / `read_csv` / `read_parquet`, only the columns named here) and
writes one narrow staging table, `usage_rows`, with every token counted once in exactly one column (see
calculators/usage/canonical.py). The summaries (`AGGREGATE`, `PER_REQUEST`, ...) read only that table, so
pointing them at a warehouse means producing `usage_rows` there (for example a view over ClickHouse's
`otel_traces`, see the README) and running the same four queries.

`usage_rows` columns:
    row_no, sub_no      where the row came from, 1-based (bucket and result, CSV row, export request and span)
    bucket_start/_end   the time bucket (per-request rows: the request's start, and end = start)
    model, group_key, calls, uncached_input, cache_write_5m, cache_write_1h, cache_read, output, reasoning,
    service_tier, context_window, spend_usd, conversation          the canonical columns
    excluded            NULL when the row counts; otherwise why not (an empty bucket, an agent span, ...)
    problem             NULL when the row is valid; otherwise what is wrong with it, naming the field
    note                a remark that is not an error (e.g. a total that evidently excludes the cache)

Only constants are spliced into these strings; the file's path and the user's grouping field are bound
parameters ($path, $group).
"""
from __future__ import annotations

# One connection's settings: bounded memory, spill to a private temp directory, two threads (the machine has two
# cores shared with the app). `{memory}` and `{temp}` are filled by the caller from constants and a path it made.
SETTINGS = (
    "SET memory_limit = '{memory}'",
    "SET temp_directory = '{temp}'",
    "SET threads = 2",
    "SET TimeZone = 'UTC'",
    "SET enable_progress_bar = false",
)

# Token counts arrive as JSON numbers, JSON strings (OTLP's intValue) or CSV text: one lenient integer parse, so a
# bad value becomes NULL and the row's `problem` names the field instead of the whole read failing.
MACROS = (
    "CREATE OR REPLACE TEMP MACRO tok(x) AS TRY_CAST(TRY_CAST(x AS DOUBLE) AS BIGINT)",
    ("CREATE OR REPLACE TEMP MACRO tier_of(x) AS CASE lower(coalesce(x, '')) "
     "WHEN 'batch' THEN 'batch' WHEN 'flex' THEN 'flex' WHEN 'priority' THEN 'priority' ELSE 'standard' END"),
)


# --- OpenAI Usage API, completions (/v1/organization/usage/completions) ---------------------------------------
# A page (or a JSON array / newline-delimited pages): data[] buckets of start_time/end_time (unix seconds) with
# results[]. input_tokens INCLUDES input_cached_tokens and input_cache_write_tokens (newer schema), so
# uncached = input - cached - cache write. The bucket type also names Anthropic's fields so a mixed file is caught.
_OPENAI_RESULT = (
    "STRUCT(input_tokens VARCHAR, input_cached_tokens VARCHAR, input_cache_write_tokens VARCHAR, "
    "output_tokens VARCHAR, input_audio_tokens VARCHAR, output_audio_tokens VARCHAR, num_model_requests VARCHAR, "
    "project_id VARCHAR, api_key_id VARCHAR, user_id VARCHAR, model VARCHAR, batch BOOLEAN, service_tier VARCHAR, "
    "uncached_input_tokens VARCHAR)"
)
_ANTHROPIC_RESULT = (
    "STRUCT(uncached_input_tokens VARCHAR, cache_read_input_tokens VARCHAR, "
    "cache_creation STRUCT(ephemeral_5m_input_tokens VARCHAR, ephemeral_1h_input_tokens VARCHAR), "
    "output_tokens VARCHAR, server_tool_use STRUCT(web_search_requests VARCHAR), model VARCHAR, "
    "service_tier VARCHAR, context_window VARCHAR, workspace_id VARCHAR, api_key_id VARCHAR, "
    "input_tokens VARCHAR, num_model_requests VARCHAR)"
)
_BUCKETS = """
WITH pages AS (
    SELECT data, row_number() OVER () AS page_no
    FROM read_json($path, columns = {{'data': 'STRUCT(start_time BIGINT, end_time BIGINT, starting_at VARCHAR,
        ending_at VARCHAR, results {result}[])[]'}}, format = 'auto', maximum_object_size = __MAX_OBJECT__)
), buckets AS (
    SELECT page_no, unnest(data) AS b, unnest(range(1, len(data) + 1)) AS i FROM pages
), numbered AS (
    SELECT row_number() OVER (ORDER BY page_no, i) AS row_no, b FROM buckets
), results AS (
    SELECT row_no, b, r.r, r.sub_no
    FROM numbered LEFT JOIN LATERAL (
        SELECT unnest(b.results) AS r, unnest(range(1, len(b.results) + 1)) AS sub_no
    ) r ON true
)
"""

OPENAI = _BUCKETS.format(result=_OPENAI_RESULT) + """
, typed AS (
    SELECT row_no, coalesce(sub_no, 0) AS sub_no, b, r,
        make_timestamp(b.start_time * 1000000) AS bucket_start, make_timestamp(b.end_time * 1000000) AS bucket_end,
        tok(r.input_tokens) AS input_tokens, coalesce(tok(r.input_cached_tokens), 0) AS cached,
        coalesce(tok(r.input_cache_write_tokens), 0) AS cache_write, tok(r.output_tokens) AS output_tokens,
        tok(r.num_model_requests) AS requests
    FROM results
)
SELECT row_no, sub_no, bucket_start, bucket_end, model, group_key, requests AS calls,
    input_tokens - cached - cache_write AS uncached_input, cache_write AS cache_write_5m, 0 AS cache_write_1h,
    cached AS cache_read, output_tokens AS output, 0 AS reasoning, service_tier, context_window, spend_usd,
    conversation, excluded, problem, note
FROM (
    SELECT row_no, sub_no, bucket_start, bucket_end, input_tokens, cached, cache_write, output_tokens, requests,
        r.model AS model,
        coalesce(CASE $group WHEN 'api_key_id' THEN r.api_key_id WHEN 'user_id' THEN r.user_id
                 WHEN '' THEN '' ELSE r.project_id END, '') AS group_key,
        CASE WHEN r.batch THEN 'batch' ELSE tier_of(r.service_tier) END AS service_tier,
        NULL::VARCHAR AS context_window, NULL::DOUBLE AS spend_usd, NULL::VARCHAR AS conversation,
        CASE WHEN r IS NULL THEN 'empty bucket' END AS excluded,
        CASE
            WHEN b.start_time IS NULL AND b.starting_at IS NOT NULL
                THEN 'has \"starting_at\", an Anthropic usage-report bucket, inside an OpenAI export'
            WHEN b.start_time IS NULL THEN 'field \"start_time\" is missing'
            WHEN r IS NULL THEN NULL
            WHEN r.input_tokens IS NULL AND r.uncached_input_tokens IS NOT NULL
                THEN 'has \"uncached_input_tokens\", an Anthropic usage-report result, inside an OpenAI export'
            WHEN r.model IS NULL THEN 'field \"model\" is missing (export with group_by=model)'
            WHEN input_tokens IS NULL THEN 'field \"input_tokens\" is missing or not a whole number'
            WHEN output_tokens IS NULL THEN 'field \"output_tokens\" is missing or not a whole number'
            WHEN r.num_model_requests IS NOT NULL AND requests IS NULL
                THEN 'field \"num_model_requests\" is not a whole number'
            WHEN least(input_tokens, cached, cache_write, output_tokens, coalesce(requests, 0)) < 0
                THEN 'a token or request count is negative'
            WHEN cached + cache_write > input_tokens
                THEN 'input_cached_tokens + input_cache_write_tokens (' || (cached + cache_write)
                     || ') exceed input_tokens (' || input_tokens || '), which includes them'
        END AS problem,
        CASE WHEN coalesce(tok(r.input_audio_tokens), 0) + coalesce(tok(r.output_audio_tokens), 0) > 0
             THEN 'audio' END AS note
    FROM typed
)
"""

# --- Anthropic Admin API usage report (/v1/organizations/usage_report/messages) -------------------------------
# uncached_input_tokens EXCLUDES cache reads and cache writes: every column is already disjoint. No request count.
ANTHROPIC = _BUCKETS.format(result=_ANTHROPIC_RESULT) + """
, typed AS (
    SELECT row_no, coalesce(sub_no, 0) AS sub_no, b, r,
        TRY_CAST(b.starting_at AS TIMESTAMP) AS bucket_start, TRY_CAST(b.ending_at AS TIMESTAMP) AS bucket_end,
        tok(r.uncached_input_tokens) AS uncached, coalesce(tok(r.cache_read_input_tokens), 0) AS cache_read,
        coalesce(tok(r.cache_creation.ephemeral_5m_input_tokens), 0) AS write_5m,
        coalesce(tok(r.cache_creation.ephemeral_1h_input_tokens), 0) AS write_1h,
        tok(r.output_tokens) AS output_tokens
    FROM results
)
SELECT row_no, sub_no, bucket_start, bucket_end, model, group_key, NULL::DOUBLE AS calls,
    uncached AS uncached_input, write_5m AS cache_write_5m, write_1h AS cache_write_1h, cache_read,
    output_tokens AS output, 0 AS reasoning, service_tier, context_window, spend_usd, conversation, excluded,
    problem, note
FROM (
    SELECT row_no, sub_no, bucket_start, coalesce(bucket_end, bucket_start + INTERVAL 1 DAY) AS bucket_end,
        uncached, cache_read, write_5m, write_1h, output_tokens, r.model AS model,
        coalesce(CASE $group WHEN 'api_key_id' THEN r.api_key_id WHEN '' THEN ''
                 ELSE r.workspace_id END, '') AS group_key,
        tier_of(r.service_tier) AS service_tier, r.context_window AS context_window,
        NULL::DOUBLE AS spend_usd, NULL::VARCHAR AS conversation,
        CASE WHEN r IS NULL THEN 'empty bucket' END AS excluded,
        CASE
            WHEN b.starting_at IS NULL AND b.start_time IS NOT NULL
                THEN 'has \"start_time\", an OpenAI usage bucket, inside an Anthropic usage report'
            WHEN bucket_start IS NULL THEN 'field \"starting_at\" is missing or not an ISO 8601 time'
            WHEN r IS NULL THEN NULL
            WHEN r.uncached_input_tokens IS NULL AND r.input_tokens IS NOT NULL
                THEN 'has \"input_tokens\", an OpenAI usage result, inside an Anthropic usage report'
            WHEN r.model IS NULL THEN 'field \"model\" is missing (request the report with group_by[]=model)'
            WHEN uncached IS NULL THEN 'field \"uncached_input_tokens\" is missing or not a whole number'
            WHEN output_tokens IS NULL THEN 'field \"output_tokens\" is missing or not a whole number'
            WHEN least(uncached, cache_read, write_5m, write_1h, output_tokens) < 0
                THEN 'a token count is negative'
        END AS problem,
        CASE WHEN r.service_tier IS NOT NULL AND lower(r.service_tier) NOT IN ('standard', 'batch', 'flex', 'priority')
             THEN 'tier ' || r.service_tier END AS note
    FROM typed
)
"""

# --- LiteLLM daily spend tables (LiteLLM_DailyUserSpend / DailyTeamSpend / DailyTagSpend) as CSV --------------
# prompt_tokens INCLUDES cache_read_input_tokens and cache_creation_input_tokens (LiteLLM's usage object folds
# Anthropic's cache reads and writes into prompt_tokens; OpenAI's prompt_tokens already includes cached tokens).
# A row whose prompt_tokens is smaller than its cache columns cannot include them: it is read as excluding them
# and noted. Read as text and parsed per field, so a bad value names its row and field.
LITELLM = """
WITH src AS (
    SELECT *, row_number() OVER () AS row_no
    FROM read_csv($path, header = true, all_varchar = true, delim = ',', quote = '"', escape = '"',
                  sample_size = 20480, null_padding = false)
), typed AS (
    SELECT row_no, TRY_CAST(date AS DATE) AS day, date AS raw_date, model,
        tok(prompt_tokens) AS prompt, tok(completion_tokens) AS completion,
        coalesce(tok({cache_read}), 0) AS cache_read, coalesce(tok({cache_creation}), 0) AS cache_creation,
        TRY_CAST({spend} AS DOUBLE) AS spend, {spend} AS raw_spend,
        tok({requests}) AS requests, {requests} AS raw_requests,
        coalesce({group}, '') AS group_key
    FROM src
)
SELECT row_no, sub_no, CAST(day AS TIMESTAMP) AS bucket_start,
    CAST(day AS TIMESTAMP) + INTERVAL 1 DAY AS bucket_end, model, group_key, requests AS calls,
    CASE WHEN prompt >= cache_read + cache_creation THEN prompt - cache_read - cache_creation ELSE prompt END
        AS uncached_input,
    cache_creation AS cache_write_5m, 0 AS cache_write_1h, cache_read, completion AS output, 0 AS reasoning,
    'standard' AS service_tier, NULL::VARCHAR AS context_window, spend AS spend_usd, NULL::VARCHAR AS conversation,
    NULL::VARCHAR AS excluded, problem, note
FROM (
    SELECT *, 0 AS sub_no,
        CASE
            WHEN day IS NULL THEN 'field \"date\" is missing or not a date (YYYY-MM-DD)'
            WHEN model IS NULL OR model = '' THEN 'field \"model\" is empty'
            WHEN prompt IS NULL THEN 'field \"prompt_tokens\" is missing or not a whole number'
            WHEN completion IS NULL THEN 'field \"completion_tokens\" is missing or not a whole number'
            WHEN raw_spend IS NOT NULL AND raw_spend <> '' AND spend IS NULL THEN 'field \"spend\" is not a number'
            WHEN raw_requests IS NOT NULL AND raw_requests <> '' AND requests IS NULL
                THEN 'field \"api_requests\" is not a whole number'
            WHEN least(prompt, completion, cache_read, cache_creation, coalesce(requests, 0)) < 0
                THEN 'a token or request count is negative'
            WHEN spend < 0 THEN 'field \"spend\" is negative'
        END AS problem,
        CASE WHEN prompt < cache_read + cache_creation THEN 'prompt excludes cache' END AS note
    FROM typed
)
"""

# --- OpenTelemetry GenAI spans ----------------------------------------------------------------------------------
# Both OTel inputs become one relation of spans with their attributes as a MAP, then one mapping (SPANS_TO_ROWS).
# OTLP JSON (one ExportTraceServiceRequest, or one per line as the collector's file exporter writes it):
# intValue is a JSON string in OTLP JSON, so every value is read as text and parsed by `tok`.
_OTLP_ATTR = "STRUCT(key VARCHAR, value STRUCT(stringValue VARCHAR, intValue VARCHAR, doubleValue VARCHAR))[]"
OTLP_SPANS = f"""
WITH req AS (
    SELECT resourceSpans, row_number() OVER () AS request_no
    FROM read_json($path, columns = {{'resourceSpans': 'STRUCT(resource STRUCT(attributes {_OTLP_ATTR}),
        scopeSpans STRUCT(spans STRUCT(traceId VARCHAR, spanId VARCHAR, name VARCHAR, startTimeUnixNano VARCHAR,
        attributes {_OTLP_ATTR})[])[])[]'}}, format = 'auto', maximum_object_size = __MAX_OBJECT__)
), rs AS (
    SELECT request_no, unnest(resourceSpans) AS rs FROM req
), ss AS (
    SELECT request_no, rs.resource.attributes AS rattrs, unnest(rs.scopeSpans) AS ss FROM rs
), sp AS (
    SELECT request_no, rattrs, unnest(ss.spans) AS s FROM ss
), spans AS (
    SELECT request_no AS row_no, row_number() OVER (PARTITION BY request_no) AS sub_no,
        s.traceId AS trace_id, s.spanId AS span_id,
        make_timestamp(CAST(TRY_CAST(s.startTimeUnixNano AS HUGEINT) // 1000 AS BIGINT)) AS started,
        map_from_entries(list_transform(s.attributes,
            lambda a: (a.key, coalesce(a.value.intValue, a.value.stringValue, a.value.doubleValue)))) AS attrs,
        map_from_entries(list_transform(rattrs,
            lambda a: (a.key, coalesce(a.value.stringValue, a.value.intValue, a.value.doubleValue)))) AS rattrs,
        NULL::VARCHAR AS service
    FROM sp
)
"""

# The OpenTelemetry collector's ClickHouse exporter table (`otel_traces`), exported to Parquet: one span per row,
# SpanAttributes / ResourceAttributes as Map(String, String). Only these columns are read.
PARQUET_SPANS = """
WITH spans AS (
    SELECT file_row_number + 1 AS row_no, 0 AS sub_no, TraceId AS trace_id, SpanId AS span_id,
        CAST("Timestamp" AS TIMESTAMP) AS started, SpanAttributes AS attrs, {resource} AS rattrs, {service} AS service
    FROM read_parquet($path, file_row_number = true)
)
"""

# Token attributes and their legacy aliases, newest first.
_INPUT = ("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "llm.usage.prompt_tokens")
_OUTPUT = ("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens", "llm.usage.completion_tokens")
_CACHE_READ = ("gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens",
               "llm.usage.cache_read_input_tokens")
_CACHE_WRITE = ("gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.cache_creation_input_tokens",
                "llm.usage.cache_creation_input_tokens")
_REASONING = ("gen_ai.usage.reasoning.output_tokens", "gen_ai.usage.reasoning_tokens", "llm.usage.reasoning_tokens")
_MODEL = ("gen_ai.response.model", "gen_ai.request.model", "llm.response.model", "llm.request.model")
_TIER = ("openai.response.service_tier", "gen_ai.openai.response.service_tier", "gen_ai.request.service_tier")


def _first(keys: tuple[str, ...]) -> str:
    """The first of these span attributes that is present (one map lookup each)."""
    return "coalesce(" + ", ".join(f"attrs['{k}']" for k in keys) + ")"


# gen_ai.usage.input_tokens SHOULD include cache reads and writes and output_tokens SHOULD include reasoning
# (OTel GenAI semantic conventions); a span whose total is smaller than its parts evidently excludes them.
# Agent spans (invoke_agent, create_agent) repeat the usage of their chat spans and tool spans have none of their
# own: both are excluded so no token is counted twice; embeddings are outside the chat workload.
# Each attribute is looked up once (`raw`), then parsed once (`tokens`).
SPANS_TO_ROWS = f"""
, raw AS (
    SELECT row_no, sub_no, trace_id, span_id, started,
        {_first(_INPUT)} AS raw_input, {_first(_OUTPUT)} AS raw_output, {_first(_CACHE_READ)} AS raw_read,
        {_first(_CACHE_WRITE)} AS raw_write, {_first(_REASONING)} AS raw_reasoning, {_first(_MODEL)} AS model,
        {_first(_TIER)} AS raw_tier, attrs['gen_ai.conversation.id'] AS conversation_id,
        lower(attrs['gen_ai.operation.name']) AS operation,
        CASE WHEN $group = '' THEN '' WHEN $group = 'service.name' THEN coalesce(rattrs['service.name'], service)
             ELSE coalesce(attrs[$group], rattrs[$group]) END AS group_value
    FROM spans
), tokens AS (
    SELECT *, tok(raw_input) AS input_tokens, tok(raw_output) AS output_tokens,
        coalesce(tok(raw_read), 0) AS cache_read, coalesce(tok(raw_write), 0) AS cache_write,
        coalesce(tok(raw_reasoning), 0) AS reasoning
    FROM raw
    WHERE raw_input IS NOT NULL OR raw_output IS NOT NULL
)
SELECT row_no, sub_no, started AS bucket_start, started AS bucket_end, model, coalesce(group_value, '') AS group_key,
    1.0 AS calls,
    CASE WHEN input_tokens >= cache_read + cache_write THEN input_tokens - cache_read - cache_write
         ELSE coalesce(input_tokens, 0) END AS uncached_input,
    cache_write AS cache_write_5m, 0 AS cache_write_1h, cache_read,
    CASE WHEN output_tokens >= reasoning THEN output_tokens - reasoning ELSE coalesce(output_tokens, 0) END AS output,
    reasoning, tier_of(raw_tier) AS service_tier, NULL::VARCHAR AS context_window, NULL::DOUBLE AS spend_usd,
    coalesce(conversation_id, trace_id) AS conversation,
    CASE WHEN operation IN ('invoke_agent', 'create_agent') THEN 'agent span'
         WHEN operation = 'execute_tool' THEN 'tool span'
         WHEN operation = 'embeddings' THEN 'embeddings span' END AS excluded,
    CASE
        WHEN started IS NULL THEN 'the span start time is missing or not a number of nanoseconds'
        WHEN model IS NULL
            THEN 'span ' || coalesce(span_id, '?') || ' has token usage but no gen_ai.response.model or gen_ai.request.model'
        WHEN raw_input IS NOT NULL AND input_tokens IS NULL THEN 'gen_ai.usage.input_tokens is not a whole number'
        WHEN raw_output IS NOT NULL AND output_tokens IS NULL THEN 'gen_ai.usage.output_tokens is not a whole number'
        WHEN least(coalesce(input_tokens, 0), coalesce(output_tokens, 0), cache_read, cache_write, reasoning) < 0
            THEN 'a gen_ai.usage token count is negative'
    END AS problem,
    CASE WHEN input_tokens < cache_read + cache_write THEN 'input excludes cache'
         WHEN output_tokens < reasoning THEN 'output excludes reasoning'
         WHEN conversation_id IS NULL THEN 'no conversation id' END AS note
FROM tokens
"""

STAGE = "CREATE TEMP TABLE usage_rows AS {select}"

FIRST_PROBLEM = """
SELECT row_no, sub_no, problem FROM usage_rows WHERE problem IS NOT NULL ORDER BY row_no, sub_no LIMIT 1
"""

# What the export covers and what was set aside, in one pass.
SUMMARY = """
SELECT count(*) FILTER (WHERE excluded IS DISTINCT FROM 'empty bucket') AS source_rows,
    count(*) FILTER (WHERE excluded IS NULL) AS counted_rows,
    min(bucket_start) AS first_start, max(bucket_end) AS last_end
FROM usage_rows
"""

EXCLUDED = """
SELECT excluded, count(*) AS n FROM usage_rows
WHERE excluded IS NOT NULL AND excluded <> 'empty bucket' GROUP BY excluded ORDER BY excluded
"""

NOTES = """
SELECT note, count(*) AS n FROM usage_rows WHERE excluded IS NULL AND note IS NOT NULL GROUP BY note ORDER BY note
"""

# The canonical table, summed per model, group, tier and context window. `calls` stays NULL (NaN) when the export
# has no request count, and `spend_usd` when it reports no spend: unknown is never 0.
AGGREGATE = """
SELECT model, group_key, service_tier, context_window,
    sum(calls) AS calls,
    sum(uncached_input) AS uncached_input, sum(cache_write_5m) AS cache_write_5m,
    sum(cache_write_1h) AS cache_write_1h, sum(cache_read) AS cache_read,
    sum(output) AS output, sum(reasoning) AS reasoning,
    sum(spend_usd) AS spend_usd,
    min(bucket_start) AS first_bucket, max(bucket_start) AS last_bucket
FROM usage_rows
WHERE excluded IS NULL
GROUP BY model, group_key, service_tier, context_window
ORDER BY model, group_key, service_tier, context_window NULLS FIRST
"""

# Per-request exports only: distributions per model and group, and the steps of each conversation (or trace).
# `{quantile}` is quantile_cont (exact, linear interpolation) up to EXACT_QUANTILE_ROWS spans, approx_quantile
# (t-digest, bounded memory) beyond.
EXACT_QUANTILE_ROWS = 2_000_000
PER_REQUEST = """
WITH r AS (
    SELECT model, group_key, conversation, output, reasoning,
        uncached_input + cache_write_5m + cache_write_1h + cache_read AS input_sent
    FROM usage_rows WHERE excluded IS NULL
), requests AS (
    SELECT model, group_key, count(*) AS requests,
        {quantile}(input_sent, 0.5) AS input_p50, {quantile}(input_sent, 0.95) AS input_p95,
        {quantile}(output, 0.5) AS output_p50, {quantile}(output, 0.95) AS output_p95,
        {quantile}(reasoning, 0.5) AS reasoning_p50, {quantile}(reasoning, 0.95) AS reasoning_p95
    FROM r GROUP BY model, group_key
), steps AS (
    SELECT model, group_key, conversation, count(*) AS steps FROM r GROUP BY model, group_key, conversation
), conversations AS (
    SELECT model, group_key, count(*) AS conversations,
        {quantile}(steps, 0.5) AS steps_p50, {quantile}(steps, 0.95) AS steps_p95, avg(steps) AS steps_mean
    FROM steps GROUP BY model, group_key
)
SELECT * FROM requests JOIN conversations USING (model, group_key) ORDER BY model, group_key
"""

PARQUET_SCHEMA = "SELECT name, type FROM parquet_schema($path)"
