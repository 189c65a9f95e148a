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
