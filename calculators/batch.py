"""Batch and flex lever: the traffic that can wait, at the batch or flex tier's prices.

Providers sell the same model cheaper to traffic that can wait: a **batch** API returns results within 24 hours
(OpenAI, Anthropic and Google bill about half price), and OpenAI's **flex** processing answers synchronously but
slower, about half price on some models, and may refuse with a 429 when capacity is short. The lever moves a share
of every single-call class whose model publishes the tier to that tier (the rest stays standard), priced at the
catalogue's rate set for it, cache prices included (where a provider halves cache prices under batch, the bill does
too). Running the batch pipeline (a queue, a job runner, someone on call) is a monthly cost of its own. Agent tasks
do not move: a multi-step task cannot wait up to 24 hours for each of its steps.

Money comes only from `bill.price`. Splitting a class between tiers is linear in the share, so the saving is
share x (saving with all eligible traffic moved) - the pipeline cost, and the break-even share is exact:
pipeline cost / saving per unit of share.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from calculators.bill import Bill, model_prices, price
from calculators.draws import NotOnDrawAxis, OverheadDraws, Variant, WorkloadDraws, as_draws, split_where
from calculators.lever import Lever, TodayAndAfter
from calculators.prices import Catalogue
from calculators.workload import CallClass, Overhead, Workload, copied, split

Tier = Literal["batch", "flex"]
LABEL: dict[str, str] = {"batch": "Batch API (results within 24 h)", "flex": "Flex processing (slower, may 429)"}
PIPELINE = "Batch pipeline"


class BatchInputs(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    tier: Tier = Field(
        "batch", title="Cheaper tier", json_schema_extra={"key": "batch.tier", "widget": "radio", "labels": LABEL},
        description="Batch: submit a file of requests, results within 24 hours. Flex (OpenAI): the usual API, "
        "slower, and it may return 429 when capacity is short.",
    )
    share: float = Field(
        0.3, ge=0, le=1, title="Traffic that can wait", json_schema_extra={"key": "batch.share", "percent": True,
                                                                          "step": 5.0},
        description="Share of each single-call class's requests that tolerates the delay (nightly jobs, evals, "
        "back-fills, enrichment). Illustrative default: 30%.",
    )
    pipeline_cost: float = Field(
        0.0, ge=0, le=10_000_000, title="Running the batch pipeline, per month",
        json_schema_extra={"key": "batch.cost", "money": True, "step": 100.0},
        description="Monthly cost of the queue, job runner and on-call time the delayed traffic needs "
        "(illustrative default: 0).",
    )


def single_call(c: CallClass) -> bool:
    """A class that can move: one model call per request (an agent task's steps cannot each wait a day)."""
    return c.loop is None


def can_move(w: Workload, c: CallClass, x: BatchInputs, cat: Catalogue) -> bool | np.ndarray:
    """A standard-tier single-call class with requests whose model publishes the tier's prices (one bool per draw
    where the requests are drawn)."""
    if not single_call(c) or c.tier != "standard":
        return False
    prices = model_prices(w, cat, c.model_key)
    if prices is None or prices.rates(x.tier) is None:
        return False
    return c.requests_per_month > 0


def _moved(w: Workload, x: BatchInputs, cat: Catalogue, share: float, pipeline_cost: float) -> Workload:
    movable = {c.name for c in w.classes if can_move(w, c, x, cat)}
    if not movable:
        return w
    out = w.map(lambda c: split(c, share, x.tier, tier=x.tier) if c.name in movable else c)
    pipeline = (Overhead(name=PIPELINE, usd_per_month=pipeline_cost, lever="batch"),) if pipeline_cost > 0 else ()
    return out.replace(out.classes, overheads=pipeline)


def apply(w: Workload, x: BatchInputs, cat: Catalogue) -> Workload:
    """The share of every class that can move goes to the tier; the pipeline's cost is an overhead."""
    return _moved(w, x, cat, x.share, x.pipeline_cost)


def split_draws(v: Variant, share: float | np.ndarray, suffix: str, **changes) -> list[Variant]:
    """`workload.split` over draws: the variant whole where share <= 0, moved whole (its name kept) where share >= 1,
    and in the other draws kept and moved parts ('<name> · <suffix>'), as the scalar split names them."""
    c = v.c

    def moved(part: Variant, name: str) -> Variant:
        return part.with_class(copied(c, **{"name": name, "requests_per_month": c.requests_per_month * share,
                                            **changes}))

    def in_two(part: Variant) -> list[Variant]:
        kept = part.with_class(copied(c, requests_per_month=c.requests_per_month * (1 - share)))
        return [kept, moved(part, f"{c.name} · {suffix}")]

    def some_or_all(part: Variant) -> list[Variant]:
        return split_where(part, share >= 1, lambda p: moved(p, c.name), in_two)

    return split_where(v, share <= 0, lambda p: p, some_or_all)


def _renamed_nowhere(wd: WorkloadDraws, names: set[str]) -> None:
    """The scalar split's workload numbers a repeated name ('<name> (2)'); refusals are matched by name, so a draw in
    which a new name repeats another class's is priced one draw at a time."""
    for name in names:
        held = [v for v in wd.variants if v.c.name == name]
        if len(held) > 1 and sum(as_draws(1 if v.active is None else v.active, wd.n) for v in held).max() > 1:
            raise NotOnDrawAxis(f"two classes named {name!r} in one draw")


def apply_draws(wd: WorkloadDraws, x: BatchInputs, cat: Catalogue) -> tuple[WorkloadDraws, np.ndarray]:
    """`apply` in every draw: a class moves in the draws where it has requests; the pipeline costs where one moves.
    It cannot fail."""
    w = wd.as_workload()
    moving = np.zeros(wd.n, dtype=bool)
    variants: list[Variant] = []
    for v in wd.variants:
        movable = can_move(w, v.c, x, cat)
        if movable is False:
            variants.append(v)
            continue
        moves = np.broadcast_to(movable, (wd.n,))
        moving |= moves if v.active is None else moves & v.active
        variants += split_where(v, movable, lambda p: split_draws(p, x.share, x.tier, tier=x.tier), lambda p: p)
    if not moving.any():
        return wd, wd.everywhere()
    out = WorkloadDraws(wd.n, tuple(variants), wd.overheads, wd.custom_models)
    _renamed_nowhere(out, {f"{v.c.name} · {x.tier}" for v in wd.variants})
    pipeline = np.where(moving, x.pipeline_cost, 0.0)
    if (pipeline > 0).any():
        out = out.plus_overheads([OverheadDraws(PIPELINE, pipeline, "batch")])
    return out, wd.everywhere()


def describe(x: BatchInputs) -> str:
    cost = ", plus the pipeline's monthly cost" if x.pipeline_cost else ""
    return f"{x.share:.0%} of single-call traffic on the {x.tier} tier{cost}"


def why_not(w: Workload, c: CallClass, x: BatchInputs, cat: Catalogue) -> str | None:
    """Why a class stays where it is (None: it moves)."""
    if not single_call(c):
        return "an agent task: its steps cannot each wait up to 24 hours"
    if c.tier != "standard":
        return f"already on the {c.tier} tier"
    if c.requests_per_month <= 0:
        return "no requests"
    prices = model_prices(w, cat, c.model_key)
    if prices is None:
        return "its model has no price"
    if prices.rates(x.tier) is None:
        return f"{prices.label} publishes no {x.tier} price"
    return None


def idle(w: Workload, x: BatchInputs, cat: Catalogue) -> str | None:
    if any(can_move(w, c, x, cat) for c in w.classes):
        return "0% of the traffic can wait" if x.share == 0 else None
    reasons = sorted({why_not(w, c, x, cat) or "" for c in w.classes} - {""})
    if reasons == ["an agent task: its steps cannot each wait up to 24 hours"]:
        return "the workload is only agent tasks, and a multi-step task cannot wait up to 24 hours per step"
    return "no class can move: " + "; ".join(reasons) if reasons else "the workload has no traffic"


LEVER = Lever(
    name="batch", label="Batch and flex", page="pages/batch.py",
    question="What does the traffic that can wait save at batch or flex prices?",
    inputs=BatchInputs, apply=apply, describe=describe, idle=idle, draws=apply_draws,
)


# --- the page's analysis ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchResult(TodayAndAfter):
    today: Bill
    after: Bill
    saving_per_share: float  # USD a month saved per unit of share, before the pipeline cost (all eligible moved)
    pipeline_cost: float  # as added to the bill (0 when nothing can move)
    eligible_bill: float  # today's bill of the classes that can move
    break_even_share: float | None  # pipeline cost / saving per share; None: no share pays for the pipeline
    classes: pd.DataFrame  # per class: model, tier price, whether it moves and why not


    @property
    def discount(self) -> float | None:
        """What the tier takes off the traffic that moves (e.g. 0.5)."""
        return self.saving_per_share / self.eligible_bill if self.eligible_bill > 0 else None


def evaluate(w: Workload, x: BatchInputs, cat: Catalogue, today: Bill | None = None) -> BatchResult:
    today = today if today is not None else price(w, cat)
    after = price(apply(w, x, cat), cat)
    all_moved = price(_moved(w, x, cat, 1.0, 0.0), cat)
    per_share = today.total - all_moved.total
    movable = [can_move(w, c, x, cat) for c in w.classes]
    eligible = float(sum(b.total for b, m in zip(today.classes, movable, strict=True) if m))
    cost = x.pipeline_cost if any(movable) else 0.0
    if cost == 0:
        break_even = 0.0 if per_share > 0 else None
    else:
        break_even = cost / per_share if per_share > 0 and cost <= per_share else None
    rows = []
    for c, b, m in zip(w.classes, today.classes, movable, strict=True):
        prices = model_prices(w, cat, c.model_key)
        rates = prices.rates(x.tier) if prices is not None else None
        rows.append({
            "call class": c.name, "model": b.model_label, "tier today": c.tier,
            f"{x.tier} input /MTok": rates.input.base if rates is not None else None,
            f"{x.tier} output /MTok": rates.output.base if rates is not None else None,
            "bill today": b.total, "moves": f"{x.share:.0%}" if m else "no",
            "why not": "" if m else why_not(w, c, x, cat),
        })
    return BatchResult(today=today, after=after, saving_per_share=per_share, pipeline_cost=cost,
                       eligible_bill=eligible, break_even_share=break_even, classes=pd.DataFrame(rows))


def saving_vs_share(r: BatchResult, x: BatchInputs, points: int = 101) -> pd.DataFrame:
    """Monthly saving at every share of eligible traffic moved: share x saving per share - pipeline cost (exact:
    the bill is linear in the split), with the current share included exactly."""
    share = np.unique(np.concatenate([np.linspace(0.0, 1.0, points), [x.share]]))
    return pd.DataFrame({"share": share, "saving": share * r.saving_per_share - r.pipeline_cost})


EXPLANATION = r"""
**What moves.** A share of every single-call class whose model publishes the tier's prices goes to that tier; the
rest stays on the standard tier. Agent tasks stay: a multi-step task cannot wait up to 24 hours for each step.
A class already on batch or flex, or on a model without that tier, stays too (the table says why).

**Money.** The moved requests are billed at the catalogue's rate set for the tier, every category included: input,
output, cache writes and reads (where a provider halves cache prices under batch, the bill does too; where it keeps
them, so does the bill), with long-context tiers honoured. The bill shows them at standard rates with the tier's
discount as its own line. Running the pipeline is a monthly cost of its own (other costs).
Monthly saving = today's bill − the bill with the share moved (pipeline included).

**Break-even share.** Splitting traffic between tiers is linear, so the saving is
share × *S* − pipeline cost, where *S* is what moving all eligible traffic saves. The break-even share is
pipeline cost ÷ *S*: below it, the pipeline costs more than the discount brings.

**What you give up.** Batch results arrive within 24 hours (most sooner), so only traffic nobody waits for can
move: nightly jobs, evaluations, back-fills, enrichment. Flex answers in the same API call but slower, and may
return 429 (resource unavailable) when capacity is short: keep a fallback to the standard tier for it.
"""
