"""Which export a file is, from its first bytes, and what each format's grouping fields and caveats are."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from calculators.usage.canonical import FORMAT_LABEL, UsageFormat

SNIFF_BYTES = 64 * 1024
PARQUET_MAGIC = b"PAR1"


class UsageImportError(ValueError):
    """A file that is not a readable usage export; the message names the row and field where it can."""


@dataclass(frozen=True)
class FormatInfo:
    # Grouping field as the export names it -> what it means ("project", "api key", ...); the first is the default.
    groups: dict[str, str]
    # Caveats every import of this format carries.
    warnings: tuple[str, ...]
    per_request: bool = False


FORMATS: dict[str, FormatInfo] = {
    "openai": FormatInfo(
        groups={"project_id": "project", "api_key_id": "api key", "user_id": "user"},
        warnings=(("OpenAI's usage report has no reasoning split: reasoning tokens are counted as output "
                   "(billed at the same price)."),
                  ("OpenAI's input_tokens include cached and cache-write tokens; they are split out here so each "
                   "token is counted once."))),
    "anthropic": FormatInfo(
        groups={"workspace_id": "workspace", "api_key_id": "api key"},
        warnings=("Anthropic usage reports carry no request count: calls are unknown until you give them.",
                  ("Anthropic's usage report has no reasoning split: thinking tokens are counted as output "
                   "(billed at the same price)."))),
    "litellm": FormatInfo(
        groups={"team_id": "team", "team_alias": "team", "tag": "tag", "user_id": "user",
                "end_user_id": "end user", "organization_id": "organization", "api_key": "api key",
                "model_group": "model group"},
        warnings=("LiteLLM's daily tables do not split cache writes by TTL: all are counted as 5-minute writes.",
                  ("LiteLLM's daily tables have no reasoning split: reasoning tokens are counted as output "
                   "(billed at the same price)."),
                  ("LiteLLM's prompt_tokens include cache reads and writes (its usage object folds them in); they "
                   "are split out here so each token is counted once."))),
    "otel": FormatInfo(
        groups={"service.name": "service", "gen_ai.agent.name": "agent", "gen_ai.provider.name": "provider"},
        warnings=("OpenTelemetry spans carry no cache-write TTL: all cache writes are counted as 5-minute writes.",),
        per_request=True),
}
# Any other span or resource attribute may group OTel spans (e.g. a team or feature attribute set by the app).
ATTRIBUTE_KEY = re.compile(r"^[A-Za-z0-9_.\-]{1,100}$")
LITELLM_REQUIRED = ("date", "model", "prompt_tokens", "completion_tokens")
# Columns of the otel_traces table (OpenTelemetry collector's ClickHouse exporter) the Parquet reader needs.
OTEL_PARQUET_REQUIRED = ("Timestamp", "TraceId", "SpanId", "SpanAttributes")

_MARKERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("otel", ('"resourceSpans"', '"scopeSpans"')),
    ("anthropic", ('"uncached_input_tokens"', '"starting_at"', '"cache_read_input_tokens"')),
    ("openai", ('"num_model_requests"', '"input_cached_tokens"', '"organization.usage.completions.result"',
                '"start_time"')),
)


def group_kind(fmt: UsageFormat, field: str) -> str:
    if field == "":
        return "none"
    return FORMATS[fmt].groups.get(field, f"attribute {field}")


def _known() -> str:
    return "; ".join(FORMAT_LABEL.values())


def csv_header(text: str) -> list[str]:
    first = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    return [c.strip() for c in next(csv.reader(io.StringIO(first)), [])]


def detect_format(path: Path) -> UsageFormat:
    """The export format, from the file's first 64 KB: Parquet magic, JSON keys or a CSV header."""
    try:
        with open(path, "rb") as f:
            head = f.read(SNIFF_BYTES)
    except OSError as exc:
        raise UsageImportError(f"The file could not be opened: {exc.strerror or exc}.") from None
    if not head.strip(b" \t\r\n"):
        raise UsageImportError("The file is empty: it holds no usage rows.")
    if head.startswith(PARQUET_MAGIC):
        return "otel"
    if b"\x00" in head:
        raise UsageImportError(f"The file is binary, not one of the supported exports ({_known()}).")
    # Cut at the last complete line so a multi-byte character split by the 64 KB limit is not an error.
    text = head.decode("utf-8", errors="strict" if len(head) < SNIFF_BYTES else "ignore")
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped[:1] in "{[":
        found = [fmt for fmt, keys in _MARKERS if any(k in stripped for k in keys)]
        if "otel" in found:
            return "otel"
        if found == ["anthropic", "openai"] or found == ["openai", "anthropic"]:
            # "start_time"/"starting_at" alone could be other JSON; the token fields decide.
            has_openai = any(k in stripped for k in _MARKERS[2][1][:3])
            has_anthropic = '"uncached_input_tokens"' in stripped
            if has_openai and has_anthropic:
                raise UsageImportError("The file mixes OpenAI usage buckets (input_cached_tokens, "
                                       "num_model_requests) with Anthropic ones (uncached_input_tokens): "
                                       "import each provider's export on its own.")
            return "openai" if has_openai else "anthropic"
        if found:
            return found[0]  # type: ignore[return-value]
        raise UsageImportError("This JSON is not a usage export: none of the fields of an OpenAI usage report "
                               "(num_model_requests), an Anthropic usage report (uncached_input_tokens) or "
                               f"OTLP spans (resourceSpans) is in its first {SNIFF_BYTES // 1024} KB.")
    header = csv_header(stripped)
    if all(c in header for c in LITELLM_REQUIRED):
        return "litellm"
    if len(header) > 1:
        missing = [c for c in LITELLM_REQUIRED if c not in header]
        raise UsageImportError("This CSV is not a LiteLLM daily spend table: its header lacks "
                               f"{', '.join(missing)} (found: {', '.join(header[:12])[:300]}).")
    raise UsageImportError(f"The file is not one of the supported exports ({_known()}).")
