"""The fast pricing path gives the same numbers as the straightforward one, exactly.

`bill.price` expands each class's calls once per shape (`workload.request_rows`) and prices every token category of
a class in one array. The reference below is the straightforward per-category code it replaced (kept here only as an
oracle): the bills must agree bit for bit, not just to the cent."""
from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from calculators import bill, workload as wl
from calculators.bill import price
from calculators.workload import (
    RATE_FIELD, TOKEN_CATEGORIES, AgentLoop, CallClass, CallRows, Failures, FailureOutcome, Workload,
    completed_tasks, resolve_hit_rates,
)
from tests.levers_common import CAT, MODELS


# --- the reference: the per-category code as it was -------------------------------------------------------------

def _reference_prefix(c: CallClass, step: np.ndarray, in_history_cache: bool) -> dict[str, np.ndarray]:
    """How the prefix S of each call is billed: read from the task's own history cache after step 1; otherwise
    by the class's cache setting (a share h read, the rest written at the TTL's write price)."""
    s = np.full(len(step), c.prefix_tokens, dtype=float)
    zero = np.zeros(len(step))
    out = {k: zero.copy() for k in TOKEN_CATEGORIES[:4]}
    from_history = (step >= 2) & in_history_cache
    out["cache_read"] += np.where(from_history, s, 0.0)
    rest = np.where(from_history, 0.0, s)
    if c.cache != "off":
        hit = c.cache_hit_rate or 0.0  # resolved before pricing (resolve_hit_rates)
        out["cache_read"] += hit * rest
        out["cache_write_5m" if c.cache == "5m" else "cache_write_1h"] += (1 - hit) * rest
    elif in_history_cache:  # a cached conversation writes its whole first prompt, prefix included
        out["cache_write_5m"] += rest
    else:
        out["input"] += rest
    return out


def _reference_rows(c: CallClass) -> CallRows:
    outcome = FailureOutcome.of(c.failures, c.steps)
    f = c.failures
    p = f.failure_rate if f is not None else 0.0
    billed_share = (1 - p) + p * (f.failed_output_share if f is not None else 1.0)
    cached_history = c.loop is not None and c.loop.history_caching
    write_cat = "cache_write_5m"
    step, history, new, _ = wl._step_tokens(c)
    reach = outcome.passes * outcome.step_success ** (step - 1)
    rows = []

    def add(kind, calls, prefix, read, written, uncached, output, reasoning, full_output, steps):
        tokens = {k: v.copy() for k, v in prefix.items()}
        tokens["cache_read"] = tokens["cache_read"] + read
        tokens[write_cat] = tokens[write_cat] + written
        tokens["input"] = tokens["input"] + uncached
        tokens["output"] = output
        tokens["reasoning"] = reasoning
        total_in = sum(tokens[k] for k in TOKEN_CATEGORIES[:4])
        rows.append(dict(step=steps, kind=np.full(len(steps), kind), calls=calls, tokens=tokens,
                         context=total_in + full_output))

    n_rows = len(step)
    a = np.full(n_rows, c.output_tokens)
    z = np.full(n_rows, c.reasoning_tokens)
    zero = np.zeros(n_rows)
    prefix = _reference_prefix(c, step, cached_history)
    if cached_history:
        read, written, uncached = history, new, zero
    else:
        read, written, uncached = zero, zero, history + new
    first = c.requests_per_month * reach
    add(0, first, prefix, read, written, uncached, a * billed_share, z * billed_share, a + z, step)
    if outcome.retries_per_step > 0:
        retry_calls = first * outcome.retries_per_step
        if f is not None and f.replay == "step only":
            tool = c.loop.tool_result_tokens if c.loop is not None else 0.0
            step_only = c.other_input_tokens + np.where(step >= 2, tool, 0.0)
            r_prefix = _reference_prefix(c, np.ones(n_rows, dtype=int), False)
            add(1, retry_calls, r_prefix, zero, zero, step_only, a * billed_share, z * billed_share, a + z, step)
        elif cached_history:
            add(1, retry_calls, prefix, read + written, zero, zero, a * billed_share, z * billed_share, a + z, step)
        else:
            add(1, retry_calls, prefix, read, written, uncached, a * billed_share, z * billed_share, a + z, step)
    after, s_history, s_new, s_out = wl._summary_calls(c)
    if len(after):
        s_calls = c.requests_per_month * outcome.passes * outcome.step_success ** after
        s_prefix = _reference_prefix(c, after + 1, cached_history)
        if cached_history:
            s_read, s_written, s_uncached = s_history, s_new, np.zeros(len(after))
        else:
            s_read, s_written, s_uncached = np.zeros(len(after)), np.zeros(len(after)), s_history + s_new
        add(2, s_calls, s_prefix, s_read, s_written, s_uncached, s_out, np.zeros(len(after)), s_out, after)
    return CallRows(
        cls=np.zeros(sum(len(r["calls"]) for r in rows), dtype=int),
        step=np.concatenate([r["step"] for r in rows]).astype(int),
        kind=np.concatenate([r["kind"] for r in rows]).astype(int),
        calls=np.concatenate([r["calls"] for r in rows]).astype(float),
        tokens={k: np.concatenate([r["tokens"][k] for r in rows]).astype(float) for k in TOKEN_CATEGORIES},
        context=np.concatenate([r["context"] for r in rows]).astype(float))


def _reference_money(rates, rows: CallRows) -> dict[str, np.ndarray]:
    total_input = rows.total_input
    return {cat: rows.calls * rows.tokens[cat] * rates.rate(RATE_FIELD[cat], total_input) / 1e6
            for cat in TOKEN_CATEGORIES}


def _reference_class_bill(c: CallClass, prices) -> dict:
    rows = _reference_rows(c)
    out = {"rows": rows, "tokens": {cat: float(np.dot(rows.calls, rows.tokens[cat])) for cat in TOKEN_CATEGORIES},
           "calls": float(rows.calls.sum()), "completed": completed_tasks(c)}
    if prices is None:
        return out | {"total": 0.0, "priced": False}
    standard = prices.standard
    tier_rates = prices.rates(c.tier)
    billed = _reference_money(tier_rates or standard, rows)
    out["row_money"] = billed
    if bill._first_overflow(c, rows, bill.context_limit(prices), prices.label) is not None:
        return out | {"total": 0.0, "priced": False}
    at_standard = billed if c.tier == "standard" or tier_rates is None else _reference_money(standard, rows)
    money = {cat: float(at_standard[cat].sum()) for cat in TOKEN_CATEGORIES}
    total = float(sum(billed[cat].sum() for cat in TOKEN_CATEGORIES))
    return out | {"money": money, "total": total, "tier_discount": total - sum(money.values()), "priced": True}


# --- random classes: every branch of the expansion --------------------------------------------------------------

sizes = st.sampled_from([0.0, 1.0, 333.3, 1_500.0, 12_345.0, 150_000.0, 260_000.0])


@st.composite
def call_classes(draw, name: str = "x") -> CallClass:
    loop = draw(st.none() | st.builds(
        AgentLoop, steps=st.integers(1, 30), tool_result_tokens=sizes, history_caching=st.booleans(),
        compaction=st.sampled_from(["none", "sliding", "summarise"]), keep_steps=st.integers(1, 8),
        summarise_every=st.integers(1, 8), summary_tokens=st.sampled_from([1.0, 500.0, 2_000.0])))
    failures = draw(st.none() | st.builds(
        Failures, failure_rate=st.sampled_from([0.0, 0.05, 0.3, 0.9]), max_attempts=st.integers(1, 5),
        restarts=st.integers(0, 2), failed_output_share=st.sampled_from([0.0, 0.5, 1.0]),
        replay=st.sampled_from(["full history", "step only"]), retry_budget=st.sampled_from([None, 0.0, 0.1])))
    cache = draw(st.sampled_from(["off", "5m", "1h"]))
    return CallClass(name=name, requests_per_month=draw(st.sampled_from([0.0, 1.0, 12_345.6, 1e6, 3e9])),
                     model_key=draw(st.sampled_from([*MODELS, "nobody/unpriced-model"])),
                     tier=draw(st.sampled_from(["standard", "batch", "flex"])), prefix_tokens=draw(sizes),
                     other_input_tokens=draw(sizes), output_tokens=draw(sizes), reasoning_tokens=draw(sizes),
                     cache=cache, cache_hit_rate=draw(st.sampled_from([0.0, 0.37, 1.0])), loop=loop,
                     failures=failures)


def _same(a: np.ndarray, b: np.ndarray) -> None:
    assert a.shape == b.shape and np.array_equal(a, b), (a, b)


@given(call_classes())
def test_class_bill_equals_the_straightforward_expansion_bit_for_bit(c):
    prices = bill.model_prices(Workload(classes=(c,)), CAT, c.model_key)
    got, rows, money = bill._class_bill(c, prices)
    ref = _reference_class_bill(c, prices)
    for name in ("step", "kind", "calls", "context"):
        _same(getattr(rows, name), getattr(ref["rows"], name))
    for cat in TOKEN_CATEGORIES:
        _same(rows.tokens[cat], ref["rows"].tokens[cat])
    _same(rows.total_input, ref["rows"].total_input)
    assert got.tokens == ref["tokens"] and got.calls == ref["calls"] and got.completed == ref["completed"]
    assert got.priced == ref["priced"] and got.total == ref["total"]
    if "row_money" in ref:
        for i, cat in enumerate(TOKEN_CATEGORIES):
            _same(money[i], ref["row_money"][cat])
    if ref["priced"]:
        assert got.money == ref["money"] and got.tier_discount == ref["tier_discount"]


@given(st.lists(call_classes(), min_size=1, max_size=4))
def test_a_bill_of_many_classes_joins_their_rows_as_before(classes):
    w = Workload(classes=tuple(c.model_copy(update={"name": f"c{i}"}) for i, c in enumerate(classes)))
    b = price(w, CAT)
    rows = wl.calls(w)
    _same(b.rows.cls, rows.cls)
    _same(b.rows.calls, rows.calls)
    for cat in TOKEN_CATEGORIES:
        _same(b.rows.tokens[cat], rows.tokens[cat])
    resolved = resolve_hit_rates(w)
    refs = [_reference_class_bill(c, bill.model_prices(w, CAT, c.model_key)) for c in resolved.classes]
    for cat in TOKEN_CATEGORIES:
        expected = np.concatenate([r["row_money"][cat] if "row_money" in r else np.zeros(len(r["rows"].calls))
                                   for r in refs])
        _same(b.row_money[cat], expected)
    assert b.total == float(sum(r["total"] for r in refs) + sum(o.usd_per_month for o in w.overheads))


def test_classes_that_differ_only_in_name_volume_model_or_tier_share_their_rows_per_request():
    c = CallClass(name="a", requests_per_month=1_000, model_key=MODELS[0], prefix_tokens=1_000, output_tokens=200,
                  loop=AgentLoop(steps=5))
    d = c.model_copy(update={"name": "b", "requests_per_month": 3_000, "model_key": MODELS[2], "tier": "batch"})
    assert wl.request_rows(c) is wl.request_rows(d)
    _same(wl.class_rows(d).calls, 3_000 * wl.request_rows(c).reach)


# --- the tornado resumes the point's waterfall at the lever whose input moves ---------------------------------------

def test_a_resumed_waterfall_equals_the_whole_chain_to_the_cent_and_bit():
    from bench.uncertainty import chain as bench_chain
    from calculators import uncertainty as u

    c, inputs = bench_chain(True)
    point = c.waterfall()
    lever_inputs = [x for x in inputs if x.owner != u.WORKLOAD]
    assert lever_inputs, "the bench chain has ranged lever inputs"
    for x in lever_inputs:
        for v in (x.range.low, x.range.high):
            resumed = c.waterfall({x.name: v}, resume=point)
            whole = c.waterfall({x.name: v})
            assert resumed.baseline.total == whole.baseline.total and resumed.final.total == whole.final.total
            assert [(b.lever.name, b.saving, b.after, b.idle, b.caveat, b.one_off) for b in resumed.bars] == \
                [(b.lever.name, b.saving, b.after, b.idle, b.caveat, b.one_off) for b in whole.bars]
    assert c.waterfall(resume=point) is point  # nothing moved: the point itself
    # A workload input moves every lever: nothing is taken from the point.
    moved = c.waterfall({"workload.input_tokens": 2_500.0}, resume=point)
    assert (moved.baseline.total == c.waterfall({"workload.input_tokens": 2_500.0}).baseline.total
            != point.baseline.total)


def test_a_waterfall_asked_again_is_the_one_computed_and_equals_a_fresh_one():
    from bench.uncertainty import chain as bench_chain
    from calculators.lever import waterfall

    c, _ = bench_chain(False)
    pairs = list(c.levers)
    first = waterfall(c.workload, pairs, c.catalogue)
    assert waterfall(c.workload, pairs, c.catalogue, baseline=first.baseline) is first
    fresh = waterfall(c.workload, pairs, c.catalogue, memo=False)
    assert fresh is not first and fresh.final.total == first.final.total
    assert [(b.saving, b.idle, b.caveat) for b in fresh.bars] == [(b.saving, b.idle, b.caveat) for b in first.bars]


# --- the fast paths the Overview's evaluations take: the same objects and the same numbers --------------------------

@given(call_classes(), st.sampled_from([0, 1, 250, 333.3]))
def test_copied_is_model_copy_field_for_field(c, tokens):
    changes = {"name": "y", "output_tokens": tokens, "loop": None}
    mine, theirs = wl.copied(c, **changes), c.model_copy(update=changes)
    assert mine == theirs and hash(mine) == hash(theirs) and mine.__dict__ == theirs.__dict__
    assert mine.__pydantic_fields_set__ == theirs.__pydantic_fields_set__ and mine is not c and c.name == "x"


@given(call_classes(), st.sampled_from([0, 7, 1_500]), st.sampled_from([0, 3, 400]))
def test_a_single_call_class_has_the_rows_the_array_code_gives_bit_for_bit(c, other_input, output):
    # Integer token counts too: a lever's copy does not validate them into floats.
    for d in (c.model_copy(update={"loop": None}),
              wl.copied(c, loop=None, other_input_tokens=other_input, output_tokens=output, reasoning_tokens=output)):
        fast, slow = wl._single_call_rows(d), wl._array_request_rows(d)
        for name in ("step", "kind", "token_matrix", "total_input", "context", "reach"):
            _same(getattr(fast, name), getattr(slow, name))
            assert getattr(fast, name).dtype == getattr(slow, name).dtype and not getattr(fast, name).flags.writeable
        for cat in TOKEN_CATEGORIES:
            _same(fast.tokens[cat], slow.tokens[cat])
        assert (fast.retries_per_step, fast.passes, fast.summary_reach, fast.largest_context) == \
            (slow.retries_per_step, slow.passes, slow.summary_reach, slow.largest_context)
