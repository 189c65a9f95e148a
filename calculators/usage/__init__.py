"""Import a usage export (OpenAI, Anthropic, LiteLLM, OpenTelemetry) into the canonical usage table.

`load(path)` detects the format, lets DuckDB read the file out of core into the canonical per-row table (every
token in exactly one column, see canonical.py), checks it, and returns it summed per model, group, service tier and
context window, plus distributions for per-request exports. Nothing of the file is held in Python objects: the
SQL (calculators/usage/sql.py) does the reading and the arithmetic.
"""
from __future__ import annotations

import json
import math
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from calculators.usage import sql
from calculators.usage.canonical import CANONICAL_COLUMNS, FORMAT_LABEL, UsageFormat
from calculators.usage.formats import (
    ATTRIBUTE_KEY,
    FORMATS,
    LITELLM_REQUIRED,
    OTEL_PARQUET_REQUIRED,
    PARQUET_MAGIC,
    UsageImportError,
    csv_header,
    detect_format,
    group_kind,
)

__all__ = [
    "AGGREGATE_COLUMNS",
    "MAX_UPLOAD_MB",
    "PER_REQUEST_COLUMNS",
    "UsageImport",
    "UsageImportError",
    "detect_format",
    "load",
]

# Largest file the page accepts (the same figure goes in .streamlit/config.toml server.maxUploadSize). Bigger
# exports: aggregate them where they live with the SQL in calculators/usage/sql.py (README), or call `load` with
# max_mb=None from a script.
MAX_UPLOAD_MB = 200
MEMORY_LIMIT = "1GB"  # DuckDB's own limit; it spills to a temp directory beyond it

# `rows` columns: the canonical ones, bucket_start replaced by the first and last bucket, per-row fields dropped.
AGGREGATE_COLUMNS: tuple[str, ...] = tuple(
    c for c in CANONICAL_COLUMNS if c not in ("bucket_start", "conversation")) + ("first_bucket", "last_bucket")
PER_REQUEST_COLUMNS: tuple[str, ...] = (
    "model", "group_key", "requests", "input_p50", "input_p95", "output_p50", "output_p95", "reasoning_p50",
    "reasoning_p95", "conversations", "steps_p50", "steps_p95", "steps_mean")
TOKEN_COLUMNS = ("uncached_input", "cache_write_5m", "cache_write_1h", "cache_read", "output", "reasoning")

# Remarks a row may carry (sql.py `note`), as the warning the import shows with their count.
_NOTE_WARNING = {
    "audio": "{n} bucket(s) include audio tokens, which OpenAI prices differently from text; they are priced as "
             "text here.",
    "prompt excludes cache": "{n} row(s) report fewer prompt_tokens than their cache tokens, so their prompt_tokens "
                             "cannot include the cache (older LiteLLM): read as uncached input.",
    "input excludes cache": "{n} span(s) report fewer gen_ai.usage.input_tokens than their cache tokens, so their "
                            "input cannot include the cache: read as uncached input.",
    "output excludes reasoning": "{n} span(s) report fewer output tokens than reasoning tokens: output read as the "
                                 "visible part only.",
    "no conversation id": "{n} span(s) carry no gen_ai.conversation.id: their steps are counted per trace.",
}
_EXCLUDED_WARNING = {
    "agent span": "{n} agent span(s) (invoke_agent, create_agent) repeat their model calls' usage: not counted "
                  "again.",
    "tool span": "{n} tool span(s) (execute_tool) carry token counts: not counted (no model call of their own).",
    "embeddings span": "{n} embeddings span(s) are outside the chat workload: not counted.",
}


@dataclass(frozen=True)
class UsageImport:
    """An export read into the canonical table, summed per model, group, tier and context window."""

    fmt: UsageFormat
    rows: pd.DataFrame  # AGGREGATE_COLUMNS; calls NaN when the export has no request count, spend_usd NaN if none
    span_hours: float  # hours covered: first bucket start to last bucket end (per-request: first to last, >= 1)
    source_rows: int  # result rows, CSV rows or model-call spans read (empty buckets and non-LLM spans excluded)
    per_request: pd.DataFrame | None  # PER_REQUEST_COLUMNS, per-request formats only
    group_kind: str  # what group_key means: "project", "api key", "team", "service", ... or "none"
    warnings: tuple[str, ...] = field(default=())
    group_field: str = ""  # the export's field group_key came from

    @property
    def label(self) -> str:
        return FORMAT_LABEL[self.fmt]

    @property
    def models(self) -> tuple[str, ...]:
        return tuple(sorted(self.rows["model"].unique()))

    def totals(self) -> dict[str, float]:
        """Every token column summed over the export (and the input it sent)."""
        out = {c: float(self.rows[c].sum()) for c in TOKEN_COLUMNS}
        out["input_sent"] = out["uncached_input"] + out["cache_write_5m"] + out["cache_write_1h"] + out["cache_read"]
        return out


def _check_size(path: Path, max_mb: float | None) -> int:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UsageImportError(f"The file could not be opened: {exc.strerror or exc}.") from None
    if size == 0:
        raise UsageImportError("The file is empty: it holds no usage rows.")
    if max_mb is not None and size > max_mb * 2**20:
        raise UsageImportError(
            f"The file is {size / 2**20:,.0f} MB; the limit here is {max_mb:,.0f} MB. Aggregate a larger export "
            "where it lives with the SQL in calculators/usage/sql.py (see the README), or split it by month.")
    return size


def _group_field(fmt: UsageFormat, group_by: str | None, available: list[str] | None = None) -> str:
    groups = FORMATS[fmt].groups
    if group_by is None:
        if available is None:
            return next(iter(groups))
        return next((g for g in groups if g in available), "")
    if group_by == "" or group_by in groups and (available is None or group_by in available):
        return group_by
    if fmt == "otel" and ATTRIBUTE_KEY.match(group_by):
        return group_by
    choices = [g for g in groups if available is None or g in available]
    raise UsageImportError(f"Cannot group a {FORMAT_LABEL[fmt]} by {group_by[:100]!r}: choose one of "
                           f"{', '.join(choices) or 'no field (this file has none)'}.")


def _litellm_select(path: Path, group_by: str | None) -> tuple[str, str]:
    with open(path, "rb") as f:
        head = f.read(64 * 1024).decode("utf-8", errors="ignore")
    header = csv_header(head)
    missing = [c for c in LITELLM_REQUIRED if c not in header]
    if missing:
        raise UsageImportError(f"Row 0 (the header) lacks the LiteLLM column(s) {', '.join(missing)}.")
    group = _group_field("litellm", group_by, header)

    def column(name: str) -> str:  # only constants from FORMATS and this function reach the SQL
        return f'"{name}"' if name in header else "NULL::VARCHAR"

    select = sql.LITELLM.format(
        cache_read=column("cache_read_input_tokens"), cache_creation=column("cache_creation_input_tokens"),
        spend=column("spend"), requests=column("api_requests"), group=column(group) if group else "NULL::VARCHAR")
    return select, group


def _otel_parquet_select(con: duckdb.DuckDBPyConnection, path: Path) -> str:
    names = {r[0] for r in con.execute(sql.PARQUET_SCHEMA, {"path": str(path)}).fetchall()}
    missing = [c for c in OTEL_PARQUET_REQUIRED if c not in names]
    if missing:
        raise UsageImportError("This Parquet file is not an OpenTelemetry span table (the collector's otel_traces "
                               f"layout): it lacks the column(s) {', '.join(missing)}.")
    spans = sql.PARQUET_SPANS.format(
        resource="ResourceAttributes" if "ResourceAttributes" in names else "NULL::MAP(VARCHAR, VARCHAR)",
        service="ServiceName" if "ServiceName" in names else "NULL::VARCHAR")
    return spans + sql.SPANS_TO_ROWS


def _row_label(fmt: UsageFormat, row_no: int, sub_no: int) -> str:
    if fmt in ("openai", "anthropic"):
        return f"Bucket {row_no}" + (f", result {sub_no}" if sub_no else "")
    if fmt == "litellm":
        return f"Row {row_no} (line {row_no + 1})"
    return f"Span {sub_no} of export request {row_no}" if sub_no else f"Row {row_no}"


def _duckdb_message(fmt: UsageFormat, exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if "Map keys must be unique" in text or "duplicate key" in text.lower():
        text = "a span repeats an attribute key"
    elif "Malformed JSON" in text or "JSON" in type(exc).__name__ or "json" in text.lower():
        text = "the JSON is malformed or cut short (" + text[:200] + ")"
    return f"The file could not be read as {FORMAT_LABEL[fmt]}: {text[:400]}"


def _frame(con: duckdb.DuckDBPyConnection, query: str) -> pd.DataFrame:
    return con.execute(query).df()


def load(path: Path | str, fmt: UsageFormat | None = None, *, group_by: str | None = None,
         max_mb: float | None = MAX_UPLOAD_MB) -> UsageImport:
    """Read a usage export into the canonical table (see the module docstring); UsageImportError if it is not one.

    `fmt`: None detects it from the file. `group_by`: the export's field group_key comes from (e.g. "project_id",
    "api_key_id", "team_id", "tag", "service.name", any OTel attribute); None = the format's default; "" = none.
    """
    path = Path(path)
    size = _check_size(path, max_mb)
    detected = detect_format(path)
    fmt = fmt or detected
    if fmt not in FORMATS:
        raise UsageImportError(f"Unknown format {str(fmt)[:40]!r}: choose one of {', '.join(FORMATS)}.")
    is_parquet = path.open("rb").read(4) == PARQUET_MAGIC
    if is_parquet and fmt != "otel":
        raise UsageImportError(f"This is a Parquet file; a {FORMAT_LABEL[fmt]} is "
                               f"{'CSV' if fmt == 'litellm' else 'JSON'}.")
    temp = Path(tempfile.mkdtemp(prefix="usage-import-"))
    try:
        con = duckdb.connect()  # in memory; DuckDB spills the staging table to `temp` beyond MEMORY_LIMIT
        try:
            return _load(con, temp, path, size, fmt, group_by, is_parquet)
        finally:
            con.close()
    except UsageImportError:
        raise
    except (duckdb.Error, UnicodeError, json.JSONDecodeError, ValueError, OverflowError) as exc:
        raise UsageImportError(_duckdb_message(fmt, exc)) from None
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def _load(con: duckdb.DuckDBPyConnection, temp: Path, path: Path, size: int, fmt: UsageFormat,
          group_by: str | None, is_parquet: bool) -> UsageImport:
    for statement in sql.SETTINGS:
        con.execute(statement.format(memory=MEMORY_LIMIT, temp=str(temp / "spill").replace("'", "''")))
    for statement in sql.MACROS:
        con.execute(statement)
    max_object = str(max(size + 1, 16 * 2**20))  # a whole-file JSON document is one object
    if fmt == "litellm":
        select, group = _litellm_select(path, group_by)
    elif fmt == "otel":
        group = _group_field(fmt, group_by)
        select = _otel_parquet_select(con, path) if is_parquet else sql.OTLP_SPANS + sql.SPANS_TO_ROWS
    else:
        group = _group_field(fmt, group_by)
        select = sql.OPENAI if fmt == "openai" else sql.ANTHROPIC
    select = select.replace("__MAX_OBJECT__", max_object)
    params = {"path": str(path)} | ({"group": group} if "$group" in select else {})
    con.execute(sql.STAGE.format(select=select), params)

    problem = con.execute(sql.FIRST_PROBLEM).fetchone()
    if problem is not None:
        row_no, sub_no, message = problem
        raise UsageImportError(f"{_row_label(fmt, int(row_no), int(sub_no))}: {message}.")
    source_rows, counted, first_start, last_end = con.execute(sql.SUMMARY).fetchone()
    if not counted:
        what = "model-call spans (with gen_ai.usage attributes)" if fmt == "otel" else "usage rows"
        raise UsageImportError(f"The file holds no {what}: nothing to import.")

    rows = _frame(con, sql.AGGREGATE)
    for column in TOKEN_COLUMNS:
        rows[column] = rows[column].astype("int64")
    rows["calls"] = rows["calls"].astype("float64")
    rows["spend_usd"] = rows["spend_usd"].astype("float64")
    rows.insert(0, "source_format", fmt)
    rows = rows[list(AGGREGATE_COLUMNS)]

    per_request = None
    hours = (pd.Timestamp(last_end) - pd.Timestamp(first_start)).total_seconds() / 3600
    if FORMATS[fmt].per_request:
        quantile = "quantile_cont" if counted <= sql.EXACT_QUANTILE_ROWS else "approx_quantile"
        per_request = _frame(con, sql.PER_REQUEST.format(quantile=quantile))[list(PER_REQUEST_COLUMNS)]
        hours = max(hours, 1.0)

    warnings = list(FORMATS[fmt].warnings)
    for note, n in con.execute(sql.NOTES).fetchall():
        warnings.append(_NOTE_WARNING.get(note, note + ": {n} row(s)").format(n=f"{n:,}") if not note.startswith(
            "tier ") else f"{n:,} row(s) have service tier {note[5:]!r}, priced here as standard.")
    for excluded, n in con.execute(sql.EXCLUDED).fetchall():
        warnings.append(_EXCLUDED_WARNING.get(excluded, excluded + ": {n}").format(n=f"{n:,}"))
    if not math.isfinite(hours) or hours <= 0:
        hours = 1.0 if FORMATS[fmt].per_request else hours
    return UsageImport(fmt=fmt, rows=rows, span_hours=float(hours), source_rows=int(source_rows),
                       per_request=per_request, group_kind=group_kind(fmt, group), warnings=tuple(warnings),
                       group_field=group)
