"""The shared workload every lever starts from: volume, model and average tokens per request."""
from __future__ import annotations

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from calculators.prices import ModelPrices, request_cost

# Illustrative defaults: a mid-sized production feature (chat or RAG answer) on a current
# mid-tier model. Not from a study; every page that uses them says so.
DEFAULT_MODEL = "anthropic/claude-sonnet-5-5"
HOURS_PER_MONTH = 730.0  # 8,760 h / 12: the convention cloud price sheets use


class Workload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    requests_per_month: int = Field(
        1_000_000, ge=1, le=10_000_000_000, title="Requests per month",
        description="LLM API requests this feature sends per month (illustrative default).",
    )
    model_key: str = Field(DEFAULT_MODEL, min_length=3, max_length=200, title="Model",
                           description="Provider and model the requests go to, priced from the catalogue.")
    input_tokens: int = Field(
        2_000, ge=1, le=2_000_000, title="Input tokens per request",
        description="Average prompt size: system prompt, context and user message (illustrative default).",
    )
    output_tokens: int = Field(
        400, ge=1, le=200_000, title="Output tokens per request",
        description="Average completion size, reasoning tokens included (illustrative default).",
    )

    @property
    def requests_per_hour(self) -> float:
        return self.requests_per_month / HOURS_PER_MONTH


class WorkloadCost(BaseModel):
    model_config = ConfigDict(frozen=True)
    per_request: float
    per_month: float
    input_per_month: float
    output_per_month: float

    @property
    def output_share(self) -> float:
        return self.output_per_month / self.per_month if self.per_month else 0.0


def baseline_cost(workload: Workload, prices: ModelPrices) -> WorkloadCost:
    """The bill with no lever pulled: every request at list price, no caching, no batch."""
    input_cost = request_cost(prices, workload.input_tokens, 0)
    output_cost = request_cost(prices, workload.input_tokens, workload.output_tokens) - input_cost
    n = workload.requests_per_month
    return WorkloadCost(
        per_request=input_cost + output_cost,
        per_month=(input_cost + output_cost) * n,
        input_per_month=input_cost * n,
        output_per_month=output_cost * n,
    )


def cost_breakdown(workload: Workload, prices: ModelPrices) -> pd.DataFrame:
    """Tokens per request and dollars per month, input vs output: why output dominates bills."""
    cost = baseline_cost(workload, prices)
    return pd.DataFrame(
        {
            "part": ["input", "output"],
            "tokens": [workload.input_tokens, workload.output_tokens],
            "cost_per_month": [cost.input_per_month, cost.output_per_month],
            "share_of_bill": [1 - cost.output_share, cost.output_share],
        }
    )
