"""The one shape every usage export is read into: a canonical usage row.

Exports disagree on what "input" means. OpenAI's `input_tokens` *includes* its cached tokens (and, in the newer
schema, its cache-write tokens); Anthropic's `uncached_input_tokens` *excludes* cache reads and cache writes;
OpenTelemetry's `gen_ai.usage.input_tokens` SHOULD include both. Summing the columns as they come double counts
the cache, which is the most reported cost bug in peer tools. Every importer therefore splits input into disjoint
buckets here, so a canonical row's token columns add up to what was sent, each token exactly once:

    sent input tokens = uncached_input + cache_write_5m + cache_write_1h + cache_read
    billed output     = output + reasoning          (output is the visible part only)

A row is one time bucket of one model in one group (aggregated exports), or one request (per-request exports:
`calls` is 1 and `conversation` may name the agent task or chat it belongs to).
"""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

UsageFormat = Literal["openai", "anthropic", "litellm", "otel"]
FORMAT_LABEL: dict[str, str] = {
    "openai": "OpenAI Usage API (completions) JSON",
    "anthropic": "Anthropic usage report (messages) JSON",
    "litellm": "LiteLLM daily spend CSV",
    "otel": "OpenTelemetry GenAI spans (OTLP JSON)",
}
ServiceTier = Literal["standard", "batch", "flex", "priority"]
MAX_TOKENS_PER_ROW = 10**15  # a month of a very large organisation is ~1e13; beyond this a file is corrupt

# Column order of the canonical table (the SQL in calculators/usage/sql.py produces exactly these).
CANONICAL_COLUMNS: tuple[str, ...] = (
    "source_format", "bucket_start", "model", "group_key", "calls", "uncached_input", "cache_write_5m",
    "cache_write_1h", "cache_read", "output", "reasoning", "service_tier", "context_window", "spend_usd",
    "conversation",
)


class UsageRow(BaseModel):
    """One bucket (or one request) of usage, with every token counted once in exactly one column."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    source_format: UsageFormat
    bucket_start: datetime | None = Field(None, description="Start of the time bucket (UTC); the request's time "
                                          "for per-request rows.")
    model: str = Field(min_length=1, max_length=200, description="The model as the export names it.")
    group_key: str = Field("", max_length=200, description="Project, API key, team, tag or service; '' if none.")
    calls: float | None = Field(None, ge=0, le=1e12, description="Model requests; None where the export has no "
                                "count (Anthropic's usage report) and the user has not given one.")
    uncached_input: int = Field(0, ge=0, le=MAX_TOKENS_PER_ROW, description="Input billed at the base input price.")
    cache_write_5m: int = Field(0, ge=0, le=MAX_TOKENS_PER_ROW)
    cache_write_1h: int = Field(0, ge=0, le=MAX_TOKENS_PER_ROW)
    cache_read: int = Field(0, ge=0, le=MAX_TOKENS_PER_ROW)
    output: int = Field(0, ge=0, le=MAX_TOKENS_PER_ROW, description="Visible output, reasoning excluded.")
    reasoning: int = Field(0, ge=0, le=MAX_TOKENS_PER_ROW, description="Reasoning (thinking) tokens, billed as "
                           "output.")
    service_tier: ServiceTier = "standard"
    context_window: str | None = Field(None, max_length=40, description="Anthropic's context-window bucket, e.g. "
                                       "'0-200k' or '200k-1M' (which long-context price applied).")
    spend_usd: float | None = Field(None, description="Spend the export itself reports (LiteLLM), for "
                                    "reconciliation; never used to price.")
    conversation: str | None = Field(None, max_length=200, description="Per-request rows: the conversation or "
                                     "agent task the request belongs to.")

    @property
    def input_sent(self) -> int:
        """Every input token the requests sent, each counted once."""
        return self.uncached_input + self.cache_write_5m + self.cache_write_1h + self.cache_read

    @property
    def output_billed(self) -> int:
        return self.output + self.reasoning
