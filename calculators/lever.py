"""A lever is a transformation of the workload; its saving is the difference of two priced workloads.

Each lever module declares one `Lever`: its inputs (a frozen pydantic model whose fields carry the URL key,
bounds, default and help text), `apply(workload, inputs, catalogue) -> workload`, and a sentence saying what
it assumes. The lever's page and the Overview read the same declaration, so a lever's page headline and its
Overview bar are the same number: `price(before) - price(apply(before))`.

The Overview chains levers in a stated order, each applied to the workload the earlier ones left, and
prices after each step: a bar is an exact money difference, so levers that touch the same tokens are
counted once and levers that touch different tokens add up.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from calculators.bill import Bill, Overflow, Same, newly_fitting, newly_refused, price
from calculators.prices import Catalogue
from calculators.workload import Workload

X = TypeVar("X", bound=BaseModel)

# Structure first (which calls exist at all), then which model answers them, then how many tokens each call
# uses, then how the remaining tokens are priced.
ORDER = (
    "pipeline",  # remove LLM calls that code does better
    "agent_loops",  # how an agent task keeps its history
    "retries",  # how many attempts each call takes
    "right_sizing",  # which model answers each class of task  } alternatives: one of the three
    "routing",  # route or cascade between a cheap and a strong model  }
    "distillation",  # a trained small model replaces the big one      }
    "reasoning",  # thinking tokens only where they earn their cost
    "system_prompt",  # fewer prefix tokens on every call
    "output_caps",  # fewer output tokens on every call
    "caching",  # the prefix that remains, read from cache
    "batch",  # the traffic that can wait, at batch prices
)
ORDER_REASON = (
    "Levers apply in this order, each to the workload the earlier ones left, and every bar is the difference "
    "between two priced workloads: structure first (which calls exist), then which model answers them, then how "
    "many tokens each call uses, then how those tokens are priced (caching, batch). Levers that touch the same "
    "tokens are counted once: the system-prompt trim comes before caching, so it books the trimmed tokens at the "
    "price they have today and the caching bar then caches only what is left (cached first, the same trim would "
    "save only the cached price of those tokens; the two bars would split the same joint saving differently). "
    "Levers that touch different tokens add up. Where a lever decides by price (reasoning keeps thinking tokens "
    "where they earn their cost, right-sizing picks the cheapest model that meets the bar), what an earlier lever "
    "did can change its decision, so the stated order is part of the scenario."
)
MODEL_CHOICE = "model choice"  # right-sizing, routing and distillation all move the same traffic: pick one


def _no_defaults(w: Workload, cat: Catalogue) -> dict[str, Any]:
    return {}


def _no_choices(w: Workload, cat: Catalogue) -> dict[str, list[str]]:
    return {}


def _always_acts(w: Workload, x: BaseModel, cat: Catalogue) -> str | None:
    return None


def _no_one_off(w: Workload, x: BaseModel, cat: Catalogue) -> float:
    return 0.0


def _no_caveat(w: Workload, x: BaseModel, cat: Catalogue) -> str | None:
    return None


@dataclass(frozen=True)
class Lever(Generic[X]):
    """One lever's declaration: what the page and the Overview both read."""

    name: str  # as in ORDER
    label: str
    page: str  # its page, e.g. 'pages/caching.py'
    question: str  # the question the page answers
    inputs: type[X]
    apply: Callable[[Workload, X, Catalogue], Workload]
    describe: Callable[[X], str]  # the key assumption, in words
    defaults: Callable[[Workload, Catalogue], dict[str, Any]] = _no_defaults  # input defaults that follow the workload
    choices: Callable[[Workload, Catalogue], dict[str, list[str]]] = _no_choices  # options that follow the workload
    idle: Callable[[Workload, X, Catalogue], str | None] = _always_acts  # why it does nothing on this workload
    one_off: Callable[[Workload, X, Catalogue], float] = _no_one_off  # USD paid once, outside the monthly bill
    # What a finance reviewer must know about this saving on this workload (it cuts answers off, it rests on a
    # class the lever cannot price...); None when there is nothing to flag.
    caveat: Callable[[Workload, X, Catalogue], str | None] = _no_caveat
    group: str | None = None  # levers in one group are alternatives
    illustrative: bool = True  # its default inputs are illustrative, not measured
    # True only where its caveat and one_off raise nothing its idle and apply would not have raised first on the same
    # workload and inputs: a money-only waterfall (the tornado's and the Monte Carlo's evaluations) then skips them,
    # since neither moves a bar. tests/test_money_only.py holds the two waterfalls to the same numbers.
    notes_follow_apply: bool = False
    # `apply` over a draw axis (calculators/draws.py): the workload in every draw at once and the inputs with some
    # fields drawn (arrays) -> the workload after the lever, and the draws in which it applies without error. None:
    # the Monte Carlo prices a chain holding this lever one draw at a time. tests/test_draws.py holds it to `apply`.
    draws: Callable[[Any, X, Catalogue], tuple[Any, Any]] | None = None


class TodayAndAfter:
    """For a lever's result that holds `today` and `after` bills: its saving and the saving's share of today."""

    today: Bill
    after: Bill

    @property
    def saving(self) -> float:
        """Money a month the lever removes: today's bill minus the bill after it (negative: it raises the bill)."""
        return self.today.total - self.after.total

    @property
    def saving_share(self) -> float:
        return self.saving / self.today.total if self.today.total else 0.0


@dataclass(frozen=True)
class Effect:
    """A lever applied to a workload: the bill before and after."""

    before: Bill
    after: Bill
    workload: Workload  # the workload after the lever

    @property
    def saving(self) -> float:
        """Money a month the lever removes (negative: it raises the bill)."""
        return self.before.total - self.after.total

    @property
    def share(self) -> float:
        return self.saving / self.before.total if self.before.total else 0.0

    @property
    def refused(self) -> tuple[Overflow, ...]:
        """Classes the lever pushes past their context window: the waterfall does not apply such a lever."""
        return newly_refused(self.before, self.after)


def effect(lever: Lever[X], w: Workload, x: X, cat: Catalogue, before: Bill | None = None) -> Effect:
    after = lever.apply(w, x, cat)
    return Effect(before=before if before is not None else price(w, cat), after=price(after, cat), workload=after)


@dataclass(frozen=True)
class Bar:
    lever: Lever
    inputs: BaseModel
    before: float
    saving: float
    after: float
    assumption: str
    idle: str | None  # why the lever does nothing on the workload it met (None: it acts)
    one_off: float
    caveat: str | None = None  # what the saving rests on that a reviewer must know


@dataclass(frozen=True)
class Waterfall:
    baseline: Bill
    final: Bill
    bars: tuple[Bar, ...] = field(default=())
    workload: Workload | None = None  # the workload after every lever: the models it runs on
    # The workload and bill each bar's lever met, in bar order: what `waterfall(..., resume=)` starts again from.
    met: tuple[tuple[Workload, Bill], ...] = field(default=(), repr=False, compare=False)
    # Money only (see `waterfall`): the bars' assumptions are empty, and a lever that declares `notes_follow_apply`
    # has no caveat and no one-off; every amount of money is the full waterfall's.
    money_only: bool = False

    @property
    def total_saving(self) -> float:
        return self.baseline.total - self.final.total

    @property
    def saving_share(self) -> float:
        return self.total_saving / self.baseline.total if self.baseline.total else 0.0

    @property
    def one_off(self) -> float:
        return sum(b.one_off for b in self.bars)

    def share(self, bar: Bar) -> float:
        """A bar's saving as a share of today's bill."""
        return bar.saving / self.baseline.total if self.baseline.total else 0.0


def ordered(chosen: Sequence[tuple[Lever, BaseModel]]) -> list[tuple[Lever, BaseModel]]:
    """The chosen levers in ORDER; two alternatives of one group are refused."""
    groups = [lv.group for lv, _ in chosen if lv.group]
    repeated = {g for g in groups if groups.count(g) > 1}
    if repeated:
        names = ", ".join(lv.label for lv, _ in chosen if lv.group in repeated)
        raise ValueError(f"{names} are alternatives ({', '.join(sorted(repeated))}): pick one")
    rank = {name: i for i, name in enumerate(ORDER)}
    return sorted(chosen, key=lambda pair: rank.get(pair[0].name, len(ORDER)))


def ranking(w: Workload, levers: Sequence[tuple[Lever, BaseModel]], cat: Catalogue,
            baseline: Bill | None = None) -> list[Bar]:
    """Every lever alone on the same workload, biggest monthly saving first; levers that do nothing come last.

    Each bar is what the lever's page and a one-lever waterfall report: price(w) - price(apply(w)). Alternatives
    (model choice) are ranked side by side, since each is priced alone; the bars do not add up (the waterfall
    does that for the levers the user picks)."""
    baseline = baseline if baseline is not None else price(w, cat)
    bars = [waterfall(w, [pair], cat, baseline=baseline).bars[0] for pair in levers]
    return sorted(bars, key=lambda b: (b.idle is not None, -b.saving))


def _shared_steps(prior: Waterfall, w: Workload, steps: Sequence[tuple[Lever, BaseModel]]) -> int:
    """How many of the first levers `prior` applied, with the same inputs, to the same workload."""
    if not prior.met or not (prior.met[0][0] is w or prior.met[0][0] == w):
        return 0
    n = 0
    for bar, (lever, x) in zip(prior.bars, steps):
        if bar.lever is not lever or not (bar.inputs is x or bar.inputs == x):
            break
        n += 1
    return n


# The last waterfalls, by value of what they depend on (workload, levers and inputs, the catalogue object): a page
# rerun that changes nothing in them (another widget, the same workload in another session) takes them as they are.
_MEMO: OrderedDict[Hashable, Waterfall] = OrderedDict()
_MEMO_SIZE = 64
_MEMO_LOCK = threading.Lock()  # sessions rerun in threads


def _value_key(x: BaseModel) -> Hashable:
    """An inputs model as a key: itself, or its JSON where it holds a dict (right-sizing's pass rates); equal JSON
    means equal values (floats are written exactly)."""
    try:
        hash(x)
    except TypeError:
        return type(x), x.model_dump_json()
    return x


def _memo_key(w: Workload, steps: Sequence[tuple[Lever, BaseModel]], cat: Catalogue) -> Hashable | None:
    key = (w, tuple((lever, _value_key(x)) for lever, x in steps), Same(cat))
    try:
        hash(key)
    except TypeError:  # a workload or lever holding an unhashable value: computed every time
        return None
    return key


def waterfall(w: Workload, chosen: Sequence[tuple[Lever, BaseModel]], cat: Catalogue,
              baseline: Bill | None = None, resume: Waterfall | None = None, *, memo: bool = True,
              money_only: bool = False) -> Waterfall:
    """Apply the chosen levers in ORDER, each to the workload the earlier ones left; each bar is exact money.

    `baseline`: the workload's bill where the caller has it. `resume`: a waterfall of the same workload and catalogue
    whose first levers had the same inputs. A lever's bar depends only on the workload it meets and its own inputs,
    so those bars are taken as they are and the chain starts again from the first lever whose input differs (the
    tornado moves one lever input at a time). Neither changes the result. `memo`: keep the result among the last
    waterfalls (see _MEMO); off for the many one-off evaluations of the tornado and the Monte Carlo. `money_only`: only
    the money (today's bill, the final bill, each bar's saving, before and after) is wanted, as by the tornado and the
    Monte Carlo: the words are left out (see Waterfall.money_only); never kept, and never a `resume` for another."""
    steps = ordered(chosen)
    if money_only:
        return _waterfall(w, steps, cat, baseline, resume, money_only=True)
    key = _memo_key(w, steps, cat) if memo else None
    if key is not None:
        with _MEMO_LOCK:
            hit = _MEMO.get(key)
            if hit is not None:
                _MEMO.move_to_end(key)
                return hit
    result = _waterfall(w, steps, cat, baseline, resume)
    if key is not None:
        with _MEMO_LOCK:
            _MEMO[key] = result
            while len(_MEMO) > _MEMO_SIZE:
                _MEMO.popitem(last=False)
    return result


def _waterfall(w: Workload, steps: list[tuple[Lever, BaseModel]], cat: Catalogue, baseline: Bill | None,
               resume: Waterfall | None, money_only: bool = False) -> Waterfall:
    if resume is not None and resume.money_only:
        raise ValueError("a money-only waterfall has no words to resume from")
    shared = _shared_steps(resume, w, steps) if resume is not None else 0
    if resume is not None and 0 < shared == len(steps) == len(resume.bars):  # (no lever: no workload was compared)
        return resume
    if shared:
        baseline = resume.baseline
        bars, met = list(resume.bars[:shared]), list(resume.met[:shared])
        current, before = resume.met[shared] if shared < len(resume.met) else (resume.workload, resume.final)
    else:
        baseline = baseline if baseline is not None else price(w, cat)
        current, before, bars, met = w, baseline, [], []
    for lever, x in steps[shared:]:
        met.append((current, before))
        assumption = "" if money_only else lever.describe(x)
        try:
            why = lever.idle(current, x, cat)
            step = effect(lever, current, x, cat, before)
            if money_only and lever.notes_follow_apply:
                one_off, caveat = 0.0, None
            else:
                one_off = lever.one_off(current, x, cat)
                caveat = lever.caveat(current, x, cat)
        except (ValueError, ArithmeticError) as exc:  # a lever that cannot act on what it was given changes nothing
            bars.append(Bar(lever=lever, inputs=x, before=before.total, saving=0.0, after=before.total,
                            assumption=assumption, idle=f"it cannot apply here ({exc})", one_off=0.0))
            continue
        if why is None and before.nothing_priced and step.after.nothing_priced:
            why = "no call class can be priced here, before or after it, so there is no saving to weigh"
        refused = newly_refused(before, step.after)
        if refused:
            # A class pushed past its model's context window leaves the bill because the API would reject its calls,
            # not because it got cheaper: booking its disappearance as a saving would reward breaking the workload.
            # The lever cannot apply as set; the chain goes on from the workload before it.
            o = refused[0]
            why = (f"it cannot apply here (after it, {o.class_name} needs {o.tokens:,.0f} tokens, more than the "
                   f"{o.window:,}-token context window of {o.model_label}: the API would reject those calls)")
            bars.append(Bar(lever=lever, inputs=x, before=before.total, saving=0.0, after=before.total,
                            assumption=assumption, idle=why, one_off=0.0))
            continue
        fitting = newly_fitting(before, step.after)
        if fitting:  # the opposite: a class refused before now fits, so its cost enters the bill after (a real cost)
            note = (f"{', '.join(fitting)} did not fit the context window before this lever and fits after it: its "
                    "cost enters the bill, so this bar counts it as a cost")
            caveat = f"{caveat}; {note}" if caveat else note
        bars.append(Bar(lever=lever, inputs=x, before=before.total, saving=step.saving, after=step.after.total,
                        assumption=assumption, idle=why, one_off=one_off, caveat=caveat))
        current, before = step.workload, step.after
    return Waterfall(baseline=baseline, final=before, bars=tuple(bars), workload=current, met=tuple(met),
                     money_only=money_only)
