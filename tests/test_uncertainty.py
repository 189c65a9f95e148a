"""Ranges, tornado and Monte Carlo (calculators/uncertainty.py): hand-checked swings and properties."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from calculators import uncertainty as u
from calculators.prices import build_catalogue, overrides_path
from calculators.registry import BY_NAME
from calculators.workload import SimpleWorkload

ROOT = Path(__file__).resolve().parent.parent
CAT = build_catalogue(overrides_path())
SIDE = SimpleWorkload(cache_hit_rate=0.3)  # an observed hit rate: the bill is linear in volume
KEYS = {f: f for f in u.WORKLOAD_FIELDS}


def chain(levers=("system_prompt", "output_caps", "caching"), sidebar=SIDE) -> u.Chain:
    w = sidebar.workload()
    pairs = tuple((BY_NAME[n], BY_NAME[n].inputs(**BY_NAME[n].defaults(w, CAT))) for n in levers)
    return u.Chain(w, pairs, CAT, sidebar)


def inputs_of(c: u.Chain, reaches=None) -> list[u.Uncertain]:
    reaches = reaches or {}
    out = u.uncertain(u.WORKLOAD, c.sidebar, KEYS, reaches, u.workload_fields(c.sidebar))
    for lever, x in c.levers:
        out += u.uncertain(lever.name, x, u.lever_keys(type(x)), reaches)
    return out


def zero_width(inputs):
    return [u.Uncertain(**{**x.__dict__, "range": u.InputRange(low=x.range.likely, likely=x.range.likely,
                                                              high=x.range.likely)}) for x in inputs]


def test_range_must_contain_likely():
    with pytest.raises(ValueError):
        u.InputRange(low=2, likely=1, high=3)
    assert u.InputRange(low=1, likely=1, high=1).width == 0


def test_default_ranges_are_documented_and_clipped():
    r = u.resolve(0.9, u.DEFAULTS["caching.hit_rate"].reach, 0.0, 1.0)
    assert (r.low, r.likely, r.high) == (0.75, 0.9, 1.0)  # +15 points clipped at 100%
    v = u.resolve(1_000_000, u.DEFAULTS["workload.requests_per_month"].reach)
    assert (v.low, v.high) == (700_000, 1_500_000)  # -30% / +50%
    assert u.default_reach("workload.cache_hit_rate", 0.0).below == 0  # no cache today: no range by default
    assert all(d.reason for d in u.DEFAULTS.values())


def test_link_text_round_trip_and_bad_parts_dropped():
    reaches = {"requests": u.Reach(below=0.1, above=0.2), "cache.hit": u.Reach(below=0.05, above=0.1,
                                                                                scale="absolute")}
    text = u.reaches_text(reaches)
    assert text == "cache.hit:0.05:0.1:a,requests:0.1:0.2"
    assert u.reaches_from_text(text) == (reaches, [])
    parsed, dropped = u.reaches_from_text("requests:0.1:0.2,oops,w.hit:-1:2:a,x:nan:1,y:1:2:b")
    assert list(parsed) == ["requests"] and len(dropped) == 4


def test_zero_width_ranges_give_a_flat_tornado_and_the_point_estimate():
    c = chain()
    flat = zero_width(inputs_of(c))
    point = c.outcome()
    t = u.tornado(c, flat)
    assert t.base == point.after
    assert all(b.swing == 0 and b.at_low == b.at_high == point.after for b in t.bars)
    mc = u.monte_carlo(c, flat, n=50, seed=1)
    assert np.all(mc.after == point.after) and np.all(mc.today == point.today)  # exactly, not approximately
    assert u.MonteCarlo.bands(mc.after) == (point.after,) * 3


def test_volume_bar_equals_its_analytic_swing():
    """With observed hit rates and no fixed costs, the bill after the levers is proportional to the volume: the volume
    bar is bill x (high - low) / likely. Hand check: 1,000,000 requests, -30%/+50%, bill after $7,002.34 (caching at 30%
    today, default trim, caps and caching) -> $4,901.64 to $10,503.51, a swing of $5,601.87."""
    c = chain()
    volume = [x for x in inputs_of(c) if x.field == "requests_per_month"]
    bar = u.tornado(c, volume).bars[0]
    bill = c.outcome().after
    assert bill == pytest.approx(7_002.34, abs=0.01)
    assert bar.at_low == pytest.approx(4_901.64, abs=0.01)
    assert bar.at_high == pytest.approx(10_503.51, abs=0.01)
    assert bar.swing == pytest.approx(bill * (1_500_000 - 700_000) / 1_000_000, rel=1e-12)


def test_tornado_sorted_widest_first_and_headline_input():
    c = chain()
    t = u.tornado(c, inputs_of(c))
    swings = [b.swing for b in t.bars]
    assert swings == sorted(swings, reverse=True)
    assert t.top.input.field == "requests_per_month"


def test_p50_of_a_symmetric_triangular_input_in_a_linear_lever():
    """Batch moves its share to half price: the bill after batch is linear in the share, so the median of a symmetric
    triangular share gives the point estimate (within 1%)."""
    c = chain(levers=("batch",), sidebar=SimpleWorkload())
    share = [x for x in inputs_of(c) if x.name == "batch.share"]
    assert (share[0].range.low, share[0].range.high) == pytest.approx((0.2, 0.4))
    mc = u.monte_carlo(c, share, n=1_000, seed=7, method="triangular")
    point = c.outcome()
    assert u.MonteCarlo.bands(mc.after)[1] == pytest.approx(point.after, rel=0.01)
    assert u.MonteCarlo.bands(mc.savings["batch"])[1] == pytest.approx(point.savings["batch"], rel=0.01)
    assert mc.saves_share("batch") == 1.0


def test_same_seed_same_figures_in_this_process():
    c = chain()
    a = u.monte_carlo(c, inputs_of(c), n=40, seed=99)
    b = u.monte_carlo(c, inputs_of(c), n=40, seed=99)
    assert np.array_equal(a.after, b.after) and np.array_equal(a.today, b.today)
    other = u.monte_carlo(c, inputs_of(c), n=40, seed=100)
    assert not np.array_equal(a.after, other.after)


SCRIPT = """
import json, sys
sys.path.insert(0, {root!r})
from tests.test_uncertainty import chain, inputs_of
from calculators import uncertainty as u
c = chain()
mc = u.monte_carlo(c, inputs_of(c), n=40, seed=99)
print(json.dumps([list(map(float, mc.after)), list(u.MonteCarlo.bands(mc.today))]))
"""


def test_same_seed_same_figures_across_processes():
    c = chain()
    mc = u.monte_carlo(c, inputs_of(c), n=40, seed=99)
    run = subprocess.run([sys.executable, "-c", SCRIPT.format(root=str(ROOT))], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    after, bands = json.loads(run.stdout.strip().splitlines()[-1])
    assert after == list(map(float, mc.after))  # bit for bit
    assert bands == list(u.MonteCarlo.bands(mc.today))


@given(low=st.floats(0, 1), width=st.floats(0, 1), where=st.floats(0, 1), seed=st.integers(0, 2**32 - 1),
       method=st.sampled_from(["pert", "triangular"]))
def test_draws_stay_in_range_and_bands_are_ordered(low, width, where, seed, method):
    r = u.InputRange(low=low, likely=low + width * where, high=low + width)
    x = u.draw(r, 200, np.random.default_rng(seed), method)
    assert np.all((x >= r.low) & (x <= r.high))
    p10, p50, p90 = u.MonteCarlo.bands(x)
    assert p10 <= p50 <= p90


@given(likely=st.floats(0, 1), below=st.floats(0, 2), above=st.floats(0, 2), absolute=st.booleans())
def test_resolved_range_always_contains_likely(likely, below, above, absolute):
    r = u.resolve(likely, u.Reach(below=below, above=above, scale="absolute" if absolute else "relative"), 0.0, 1.0)
    assert 0.0 <= r.low <= r.likely <= r.high <= 1.0


@given(below=st.floats(0, 0.9), above=st.floats(0, 2))
def test_tornado_bars_are_non_negative_widths(below, above):
    c = chain(levers=("batch",), sidebar=SimpleWorkload())
    reach = {"requests_per_month": u.Reach(below=below, above=above), "output_tokens": u.Reach(below=below, above=above)}
    t = u.tornado(c, inputs_of(c, reach))
    assert all(b.swing >= 0 for b in t.bars)
    assert all(min(b.at_low, b.at_high) <= t.base + 1e-6 <= max(b.at_low, b.at_high) + 2e-6 or b.swing == 0
               for b in t.bars if b.input.field in ("requests_per_month", "output_tokens"))


def test_projection_fan_zero_width_is_the_point_projection_and_ordered():
    from calculators.jevons import JevonsInputs, spend_factor

    x = JevonsInputs(monthly_spend=8_000)
    keys = {f: f for f in u.JEVONS_FIELDS}
    inputs = u.uncertain(u.JEVONS, x, keys, {}, u.JEVONS_FIELDS)
    t, curves = u.projection_fan(x, zero_width(inputs), n=20, seed=3)
    assert np.allclose(curves, 8_000 * spend_factor(t, 10.0, 1.0, 1.5), rtol=0, atol=0)
    t, curves = u.projection_fan(x, inputs, n=500, seed=3)
    p10, p50, p90 = np.percentile(curves, [10, 50, 90], axis=0)
    assert np.all(p10 <= p50) and np.all(p50 <= p90) and p10[0] == p90[0] == 8_000
