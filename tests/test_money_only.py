"""The tornado's and the Monte Carlo's evaluations are money-only waterfalls (`lever.waterfall(..., money_only=True)`):
they leave out the words, and the caveat and one-off of a lever that declares `notes_follow_apply`. Every amount of
money must be the full waterfall's, exactly (==): today's bill, the final bill, and each bar's before, saving, after
and whether the lever acted, for random sidebar workloads, random lever sets (every lever included) and random values
of their uncertain inputs."""
from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calculators import uncertainty as u
from calculators.lever import MODEL_CHOICE, waterfall
from calculators.registry import BY_NAME, LEVERS
from calculators.workload import AgentLoop, CallClass, Failures, Workload
from tests.levers_common import CAT, simple_workloads

KEYS = {name: name for name in u.numeric_fields(u.SimpleWorkload)}
ONE_OF_EACH = tuple(lv.name for lv in LEVERS if lv.group != MODEL_CHOICE)
MODEL_CHOICES = (None, *(lv.name for lv in LEVERS if lv.group == MODEL_CHOICE))


def _money(wf) -> tuple:
    """Every amount a waterfall holds, floats as their bits (so NaN equals NaN and -0.0 differs from 0.0)."""
    def bits(v: float) -> str:
        return float(v).hex() if not math.isnan(v) else "nan"

    return (bits(wf.baseline.total), bits(wf.final.total),
            tuple((b.lever.name, bits(b.before), bits(b.saving), bits(b.after), b.idle is None) for b in wf.bars))


def _chain(sidebar: u.SimpleWorkload, names: list[str]) -> tuple[u.Chain, list[u.Uncertain]]:
    w = sidebar.workload()
    pairs = tuple((BY_NAME[n], BY_NAME[n].inputs(**BY_NAME[n].defaults(w, CAT))) for n in names)
    chain = u.Chain(w, pairs, CAT, sidebar)
    inputs = u.uncertain(u.WORKLOAD, sidebar, KEYS, {}, u.workload_fields(sidebar))
    for lever, x in pairs:
        inputs += u.uncertain(lever.name, x, u.lever_keys(type(x)), {})
    return chain, inputs


@st.composite
def chains(draw) -> tuple[u.SimpleWorkload, list[str], dict[str, float]]:
    """A sidebar workload, levers (their inputs at their defaults there) and some of their inputs moved."""
    sidebar = draw(simple_workloads())
    every = draw(st.booleans())
    names = list(ONE_OF_EACH) if every else draw(st.lists(st.sampled_from(ONE_OF_EACH), unique=True, max_size=5))
    choice = draw(st.sampled_from(MODEL_CHOICES))
    names += [choice] if choice else []
    _, inputs = _chain(sidebar, names)
    # Some inputs moved (one, as the tornado does, or several, as a draw does), each anywhere in or at the ends of a
    # range wider than the default, so that levers refuse, raise and push classes past their windows.
    moved = draw(st.lists(st.sampled_from(inputs), min_size=1, max_size=len(inputs), unique_by=lambda x: x.name)) \
        if inputs else []
    values = {}
    for x in moved:
        span = max(x.range.width, abs(x.range.likely)) * 2
        v = x.range.likely + span * draw(st.sampled_from([-1.0, -0.5, 0.5, 1.0]) | st.floats(-1, 1))
        v = min(max(v, x.lo if x.lo is not None else v), x.hi if x.hi is not None else v)
        values[x.name] = float(round(v)) if x.integer else v
    return sidebar, names, values or {"workload.requests_per_month": float(sidebar.requests_per_month)}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chains())
def test_a_money_only_waterfall_has_the_full_waterfalls_money_exactly(drawn):
    sidebar, names, values = drawn
    chain, _ = _chain(sidebar, names)
    full = chain.waterfall(values)
    money = chain.waterfall(values, money_only=True)
    if full is None:  # the values break a rule of an inputs model: refused either way
        assert money is None
        return
    assert money.money_only and not full.money_only
    assert _money(money) == _money(full)
    assert chain.outcome(values) == u.outcome_of(full)
    point = chain.waterfall()  # the tornado starts again from the point estimate where only a lever input moves
    assert _money(chain.waterfall(values, resume=point, money_only=True)) == _money(full)


def test_every_lever_on_the_bench_workload_the_tornado_and_draws_equal_full_waterfalls():
    from bench.uncertainty import chain as bench_chain

    chain, inputs = bench_chain(True)
    point = chain.waterfall()
    for x in inputs:
        for v in (x.range.low, x.range.high):
            full = chain.waterfall({x.name: v})
            assert _money(chain.waterfall({x.name: v}, resume=point, money_only=True)) == _money(full)
    draws = u.draws(inputs, 5, seed=3)
    for i in range(5):
        values = {name: float(d[i]) for name, d in draws.items()}
        assert chain.outcome(values) == u.outcome_of(chain.waterfall(values))


def test_money_only_leaves_out_the_words_and_only_the_notes_a_lever_declares_safe_to_skip():
    from bench.uncertainty import chain as bench_chain

    chain, _ = bench_chain(True)
    values = {"output_caps.cap": 64.0}  # a cap that cuts answers off: output caps has a caveat
    full, money = chain.waterfall(values), chain.waterfall(values, money_only=True)
    caps = [i for i, b in enumerate(full.bars) if b.lever.name == "output_caps"][0]
    assert full.bars[caps].caveat and money.bars[caps].caveat is None
    assert all(b.assumption for b in full.bars) and not any(b.assumption for b in money.bars)
    for f, m in zip(full.bars, money.bars, strict=True):
        if not m.lever.notes_follow_apply:  # computed as in the full waterfall
            assert (m.caveat, m.one_off) == (f.caveat, f.one_off)
    try:
        waterfall(chain.workload, list(chain.levers), CAT, resume=money)
    except ValueError:
        pass
    else:
        raise AssertionError("a money-only waterfall has no words to resume from")


# Multi-class workloads the sidebar cannot make: a class refused today (past its window), a batch-tier reasoning class
# with failures, an unpriced model, agent tasks with history caching and summaries or step-only retries, one request.
_FAILING = Failures(failure_rate=0.3, max_attempts=4, restarts=2)
_CLASSES = (
    CallClass(name="big", requests_per_month=200_000, model_key="openai/gpt-4o", prefix_tokens=100_000,
              other_input_tokens=27_000, output_tokens=16_000),
    CallClass(name="reason", requests_per_month=1_000_000, model_key="openai/gpt-5", prefix_tokens=3000,
              other_input_tokens=500, output_tokens=300, reasoning_tokens=8000, failures=_FAILING, tier="batch"),
    CallClass(name="unpriced", requests_per_month=5000, model_key="nobody/none", other_input_tokens=1000,
              output_tokens=400),
    CallClass(name="agent A", requests_per_month=30_000, model_key="anthropic/claude-sonnet-5-5", prefix_tokens=2000,
              other_input_tokens=1000, output_tokens=300, failures=_FAILING,
              loop=AgentLoop(steps=12, tool_result_tokens=4000, history_caching=True, compaction="summarise",
                             keep_steps=3, summarise_every=4, summary_tokens=500)),
    CallClass(name="agent B", requests_per_month=30_000, model_key="google/gemini-2.5-pro", prefix_tokens=2000,
              other_input_tokens=1000, output_tokens=300, loop=AgentLoop(steps=12, tool_result_tokens=4000),
              failures=Failures(failure_rate=0.05, max_attempts=2, replay="step only")),
    CallClass(name="tiny", requests_per_month=1, model_key="anthropic/claude-haiku-5-5", other_input_tokens=1,
              output_tokens=1),
)


@pytest.mark.parametrize("choice", MODEL_CHOICES)
@pytest.mark.parametrize("classes", [_CLASSES, _CLASSES[:2], _CLASSES[3:], _CLASSES[:1], (_CLASSES[1], _CLASSES[5])],
                         ids=["all", "refused and batch", "agents", "refused alone", "batch and one request"])
def test_money_only_on_multi_class_workloads(classes, choice):
    w = Workload(classes=classes)
    levers = [BY_NAME[n] for n in ONE_OF_EACH] + ([BY_NAME[choice]] if choice else [])
    pairs = [(lv, lv.inputs(**lv.defaults(w, CAT))) for lv in levers]
    assert _money(waterfall(w, pairs, CAT, money_only=True)) == _money(waterfall(w, pairs, CAT, memo=False))
