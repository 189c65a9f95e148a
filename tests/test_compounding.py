"""Bill builder: compounding, honest waterfall."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from calculators import compounding as bill
from calculators.compounding import LeverSaving


def lever(name, share):
    return LeverSaving(lever=name, label=name, share=share, assumption="a", page=f"pages/{name}.py")


def test_all_levers_off_leaves_the_baseline():
    b = bill.build(8_000, [])
    assert b.optimised == 8_000 and b.steps == ()


def test_compounding_by_hand():
    # Caching removes 30%, output caps 20%: 8,000 -> output caps first (ORDER) -> 6,400 -> caching -> 4,480.
    b = bill.build(8_000, [lever("caching", 0.3), lever("output_caps", 0.2)])
    assert [s.lever for s in b.steps] == ["output_caps", "caching"]
    assert [s.saving for s in b.steps] == pytest.approx([1_600, 1_920])
    assert b.optimised == pytest.approx(4_480)  # not 8,000 x (1 - 0.5) = 4,000: no double counting
    assert b.steps[1].share_of_baseline == pytest.approx(0.24)


def test_a_lever_that_raises_the_bill():
    b = bill.build(1_000, [lever("routing", -0.1)])
    assert b.optimised == pytest.approx(1_100) and b.steps[0].saving == pytest.approx(-100)


def test_single_lever_equals_its_own_figure():
    assert bill.build(5_000, [lever("caching", 0.356)]).total_saving == pytest.approx(5_000 * 0.356)


shares = st.lists(st.tuples(st.sampled_from(bill.ORDER), st.floats(-0.5, 1.0)), max_size=10, unique_by=lambda t: t[0])


@given(st.floats(0, 1e9), shares)
def test_bars_sum_to_baseline_minus_optimised(baseline, picks):
    b = bill.build(baseline, [lever(n, s) for n, s in picks])
    assert sum(s.saving for s in b.steps) == pytest.approx(baseline - b.optimised, abs=1e-6 * max(1, baseline))
    for s in b.steps:
        assert s.after == pytest.approx(s.before - s.saving)


@given(st.floats(0, 1e9), st.lists(st.tuples(st.sampled_from(bill.ORDER), st.floats(0, 1.0)), max_size=10,
                                   unique_by=lambda t: t[0]))
def test_savings_never_exceed_the_bill(baseline, picks):
    b = bill.build(baseline, [lever(n, s) for n, s in picks])
    assert -1e-9 <= b.optimised <= baseline + 1e-9
