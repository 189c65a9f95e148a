"""The objects pricing builds without their dataclass constructors (`workload.built`) are the objects the constructors
build: every field given, equal field for field, and immutable as declared."""
from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pytest
from hypothesis import given

from calculators import bill, workload as wl
from calculators.bill import ClassBill
from calculators.workload import CallRows, RequestRows
from tests.levers_common import CAT
from tests.test_pricing_exact import call_classes


def _same_fields(built_obj: object) -> None:
    """Every declared field is in the object's own dict (none left to a class default), and the constructor given the
    same fields makes an equal object with the same values (arrays: the same objects)."""
    cls = type(built_obj)
    names = [f.name for f in dataclasses.fields(cls)]
    cached = {k for k, v in vars(cls).items() if isinstance(v, functools.cached_property)}  # filled when first read
    assert set(names) <= set(vars(built_obj)) <= set(names) | cached
    made = cls(**{n: getattr(built_obj, n) for n in names})
    assert made == built_obj
    for n in names:
        assert getattr(made, n) is getattr(built_obj, n)
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(built_obj, names[0], None)


@given(call_classes())
def test_bills_and_rows_built_without_their_constructors_are_the_constructed_objects(c):
    got, rows, money = bill._class_bill(c, bill.model_prices(wl.Workload(classes=(c,)), CAT, c.model_key))
    assert isinstance(got, ClassBill) and isinstance(rows, CallRows) and isinstance(rows.per_request, RequestRows)
    for obj in (got, rows, rows.per_request):
        _same_fields(obj)
    assert got.tokens == {cat: float(np.dot(rows.calls, rows.tokens[cat])) for cat in wl.TOKEN_CATEGORIES}


def test_the_rows_of_an_agent_task_share_their_step_and_kind_arrays_read_only():
    c = wl.CallClass(name="a", requests_per_month=10.0, model_key="anthropic/claude-sonnet-5-5", other_input_tokens=5.0,
                     loop=wl.AgentLoop(steps=7, compaction="summarise", summarise_every=3),
                     failures=wl.Failures(failure_rate=0.1))
    first, other = wl._array_request_rows(c), wl._array_request_rows(wl.copied(c, other_input_tokens=9.0))
    assert first.step is other.step and first.kind is other.kind
    assert first.step.tolist() == [*range(1, 8), *range(1, 8), 3, 6] and not first.step.flags.writeable
    assert first.kind.tolist() == [0] * 7 + [1] * 7 + [2, 2] and not first.kind.flags.writeable


def _two_step_probe(c: wl.CallClass, context: wl.Workload, model_key: str | None = None, **changes) -> wl.CallClass:
    """`workload.probe` as it was written: moved to the model first (moved_to), then made one request."""
    moved = wl.moved_to(c, model_key) if model_key is not None else c
    hit = moved.cache_hit_rate
    if moved.cache != "off" and hit is None:
        per_hour = wl.pool_traffic(context).get(wl.cache_pool(moved), wl.prefix_arrivals(c)) / moved.cache_prefixes
        hit = float(wl.traffic_hit_rate(per_hour / wl.HOURS_PER_MONTH, wl.TTL_SECONDS[moved.cache]))
    return wl.copied(moved, **{"requests_per_month": 1.0, "cache_hit_rate": hit, **changes})


@given(call_classes(), call_classes(name="other"))
def test_a_probe_is_the_class_moved_then_made_one_request_field_for_field(c, other):
    c = c.model_copy(update={"cache_hit_rate": None}) if c.cache != "off" and c.requests_per_month > 1 else c
    context = wl.Workload(classes=(c, other.model_copy(update={"prefix_group": c.prefix_group})))
    for key, changes in ((None, {}), (c.model_key, {"name": "p"}), ("openai/gpt-5", {"name": "q"}),
                         ("anthropic/claude-haiku-5-5", {"name": "r", "tier": "batch", "cache_prefixes": 3})):
        mine, theirs = wl.probe(c, context, key, **changes), _two_step_probe(c, context, key, **changes)
        assert mine == theirs and mine.__dict__ == theirs.__dict__
        assert list(mine.__dict__) == list(theirs.__dict__)
        assert mine.__pydantic_fields_set__ == theirs.__pydantic_fields_set__


@given(call_classes())
def test_a_copy_that_shares_its_fields_set_leaves_the_original_alone_under_model_copy(c):
    # `copied` shares the original's fields set when the changes add no field to it: pydantic's model_copy copies the
    # set before adding to it, so neither copy changes the other's.
    before = set(c.__pydantic_fields_set__)
    same = wl.copied(c, **{name: getattr(c, name) for name in c.__pydantic_fields_set__})
    assert same.__pydantic_fields_set__ == before
    again = same.model_copy(update={"tier": "flex", "cache_prefixes": 7})
    assert again.__pydantic_fields_set__ == before | {"tier", "cache_prefixes"}
    assert c.__pydantic_fields_set__ == before == same.__pydantic_fields_set__
