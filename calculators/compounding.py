"""The bill builder: several levers applied to one bill, in a stated order, compounding.

Each lever reports the share of a bill it removes when applied on its own (its page's own figure
divided by the baseline bill). Levers then apply in order, each to what the earlier ones left:

    remaining_0 = baseline,  saving_k = remaining_(k-1) x share_k,  remaining_k = remaining_(k-1) - saving_k

so savings compound, never double count, and never exceed the bill. A lever that raises the bill
(negative share) is shown as a rise. The assumption: levers act independently, so a lever removes the
same share of whatever bill is left.
"""
from __future__ import annotations

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

# Structure first (which calls exist), then which model answers, then how many tokens each call
# uses, then how those tokens are priced. Each step's share is measured on the workload it sees.
ORDER = (
    "pipeline",  # remove LLM calls that code does better
    "agent_loops",  # the shape of multi-step work
    "retries",  # how many attempts each step takes
    "right_sizing",  # which model answers each class of task
    "routing",  # route or cascade between a cheap and a strong model
    "distillation",  # a trained small model replaces the teacher
    "reasoning",  # thinking tokens only where they earn their cost
    "system_prompt",  # fewer input tokens on every call
    "output_caps",  # fewer output tokens on every call
    "caching",  # the input tokens that remain, read from cache
)
ORDER_REASON = (
    "Structure first (which calls exist at all), then which model answers them, then how many tokens each "
    "call uses, then how the remaining tokens are priced (caching). Each lever's share is taken of the bill the "
    "earlier levers left, so the order changes each bar's size but not how far a set of independent levers "
    "can take the bill."
)


class LeverSaving(BaseModel):
    """One lever's effect on the baseline bill, as its own page computes it."""

    model_config = ConfigDict(frozen=True)
    lever: str
    label: str
    share: float = Field(le=1.0)  # of the bill it applies to; negative = the lever raises the bill
    assumption: str
    page: str  # the lever's page, e.g. 'pages/caching.py'


class WaterfallStep(BaseModel):
    model_config = ConfigDict(frozen=True)
    lever: str
    label: str
    before: float
    saving: float
    after: float
    share_of_baseline: float
    assumption: str
    page: str


class Bill(BaseModel):
    model_config = ConfigDict(frozen=True)
    baseline: float
    optimised: float
    steps: tuple[WaterfallStep, ...]

    @property
    def total_saving(self) -> float:
        return self.baseline - self.optimised

    @property
    def saving_share(self) -> float:
        """Share of today's bill the levers remove together (0 when there is no bill)."""
        return self.total_saving / self.baseline if self.baseline else 0.0


def build(baseline: float, levers: list[LeverSaving]) -> Bill:
    """Apply the levers in ORDER (unknown levers last, in the order given), compounding."""
    rank = {name: i for i, name in enumerate(ORDER)}
    ordered = sorted(levers, key=lambda s: rank.get(s.lever, len(ORDER)))
    remaining = baseline
    steps = []
    for lever in ordered:
        saving = remaining * lever.share
        steps.append(WaterfallStep(
            lever=lever.lever, label=lever.label, before=remaining, saving=saving, after=remaining - saving,
            share_of_baseline=saving / baseline if baseline else 0.0, assumption=lever.assumption, page=lever.page,
        ))
        remaining -= saving
    return Bill(baseline=baseline, optimised=remaining, steps=tuple(steps))


def table(bill: Bill) -> pd.DataFrame:
    """One row per lever: monthly saving, share of the baseline, and the assumption behind it."""
    return pd.DataFrame(
        {
            "lever": s.label,
            "bill before": s.before,
            "monthly saving": s.saving,
            "share of baseline": s.share_of_baseline,
            "bill after": s.after,
            "key assumption": s.assumption,
        }
        for s in bill.steps
    )
