"""Batch and flex lever: hand-computed bills, cache prices under batch, the exact break-even share, properties."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calculators import batch, draws, uncertainty
from calculators.bill import price
from calculators.lever import effect
from calculators.workload import AgentLoop, CallClass, SimpleWorkload, Workload
from tests.levers_common import CAT, DEFAULT, GPT5, SONNET, draw_axis_chain, one, workloads
from tests.test_draws import reconcile, reconcile_sample

ALL = batch.BatchInputs(share=1.0)


def saving(w, **kw) -> float:
    return effect(batch.LEVER, w, batch.BatchInputs(**kw), CAT).saving


def test_default_workload_all_on_batch_saves_half():
    # Sonnet 5.5's batch rates halve everything: $8,000 -> $4,000.
    assert saving(DEFAULT, share=1.0) == pytest.approx(4_000)
    after = price(batch.apply(DEFAULT, ALL, CAT), CAT)
    assert after.classes[0].tier == "batch" and after.category("tier_discount") == pytest.approx(-4_000)


def test_default_share_by_hand():
    # 30% of the requests move: 0.3 x $4,000 = $1,200; the other 70% stay on the standard tier.
    assert saving(DEFAULT) == pytest.approx(1_200)
    kept, moved = batch.apply(DEFAULT, batch.BatchInputs(), CAT).classes
    assert (kept.tier, kept.requests_per_month) == ("standard", pytest.approx(700_000))
    assert (moved.name, moved.tier, moved.requests_per_month) == ("Requests · batch", "batch", pytest.approx(300_000))


def test_cache_prices_halve_under_batch_with_sonnet():
    # 1M requests, a 1,500-token prefix cached (80% read at $0.10, 20% written at $2.50), 500 other input at $2, 400
    # output at $10: 120 + 750 + 1,000 + 4,000 = $5,870 a month. Sonnet's batch rate set halves every price, cache
    # reads ($0.05) and writes ($1.25) included: $2,935.
    w = one(requests_per_month=1_000_000, model_key=SONNET, prefix_tokens=1_500, other_input_tokens=500,
            output_tokens=400, cache="5m", cache_hit_rate=0.8)
    assert price(w, CAT).total == pytest.approx(5_870)
    assert saving(w, share=1.0) == pytest.approx(2_935)


def test_a_provider_that_keeps_cache_prices_under_batch_is_billed_that_way():
    # Gemini 2.5 Pro halves input ($1.25 -> $0.625) and output ($10 -> $5) under batch but keeps cache reads at
    # $0.125. 1M requests reading a 2,000-token prefix (hit rate 100%), 1,000 other input, 500 output: the saving is
    # 1,000 x $0.625 + 500 x $5 = $3,125; the $250 of cache reads stays.
    w = one(requests_per_month=1_000_000, model_key="google/gemini-2.5-pro", prefix_tokens=2_000,
            other_input_tokens=1_000, output_tokens=500, cache="5m", cache_hit_rate=1.0)
    assert price(w, CAT).total == pytest.approx(250 + 1_250 + 5_000)
    assert saving(w, share=1.0) == pytest.approx(3_125)


def test_flex_by_hand():
    # GPT-5 flex halves input ($1.25) and output ($10): 1M x (1,000 x $1.25 + 100 x $10) = $2,250 -> $1,125 saved.
    w = one(requests_per_month=1_000_000, model_key=GPT5, other_input_tokens=1_000, output_tokens=100)
    assert saving(w, share=1.0, tier="flex") == pytest.approx(1_125)
    assert batch.apply(w, batch.BatchInputs(share=1.0, tier="flex"), CAT).classes[0].tier == "flex"


def test_a_model_without_the_tier_does_nothing_and_says_why():
    w = one(requests_per_month=1_000_000, model_key="deepseek/deepseek-chat", other_input_tokens=1_000,
            output_tokens=100)
    x = batch.BatchInputs(share=1.0, pipeline_cost=500)
    assert batch.apply(w, x, CAT) == w and saving(w, share=1.0, pipeline_cost=500) == 0
    assert batch.idle(w, x, CAT) == "no class can move: Deepseek · DeepSeek Chat publishes no batch price"
    assert "publishes no flex price" in batch.idle(DEFAULT, batch.BatchInputs(tier="flex"), CAT)


def test_agent_tasks_do_not_move():
    agents = one(requests_per_month=1_000, model_key=SONNET, other_input_tokens=1_000, output_tokens=100,
                 loop=AgentLoop(steps=5))
    assert batch.apply(agents, ALL, CAT) == agents
    assert "cannot wait up to 24 hours per step" in batch.idle(agents, ALL, CAT)
    mixed = Workload(classes=(*DEFAULT.classes, agents.classes[0].model_copy(update={"name": "Agent tasks"})))
    after = batch.apply(mixed, ALL, CAT)
    assert [c.tier for c in after.classes] == ["batch", "standard"]


def test_a_class_already_on_batch_stays():
    w = Workload(classes=(CallClass(name="nightly", requests_per_month=1_000, model_key=SONNET, output_tokens=100,
                                    tier="batch"),))
    assert batch.apply(w, ALL, CAT) == w
    assert "already on the batch tier" in batch.idle(w, ALL, CAT)


def test_break_even_share_is_exact():
    # $600 a month of pipeline against $4,000 saved per unit of share: 15% of the traffic pays for it.
    x = batch.BatchInputs(pipeline_cost=600)
    r = batch.evaluate(DEFAULT, x, CAT)
    assert r.break_even_share == pytest.approx(0.15)
    assert r.saving == pytest.approx(0.3 * 4_000 - 600)
    at_break_even = x.model_copy(update={"share": r.break_even_share})
    assert saving(DEFAULT, **at_break_even.model_dump()) == pytest.approx(0, abs=1e-9)
    assert price(batch.apply(DEFAULT, x, CAT), CAT).overhead_total == 600
    # A pipeline dearer than moving everything saves: no share pays.
    assert batch.evaluate(DEFAULT, batch.BatchInputs(pipeline_cost=5_000), CAT).break_even_share is None


def test_curve_equals_price_at_several_shares():
    x = batch.BatchInputs(pipeline_cost=250, share=0.42)
    r = batch.evaluate(DEFAULT, x, CAT)
    curve = batch.saving_vs_share(r, x).set_index("share")["saving"]
    for share in [*curve.index[::25], 0.42]:  # 0, 0.25, 0.5, 0.75, 1 and the current share
        assert curve[share] == pytest.approx(saving(DEFAULT, share=share, pipeline_cost=250), rel=1e-12)
    assert curve[0.42] == pytest.approx(r.saving)


def test_class_table_says_who_moves():
    w = Workload(classes=(
        CallClass(name="chat", requests_per_month=1_000, model_key=SONNET, output_tokens=100),
        CallClass(name="cheap", requests_per_month=1_000, model_key="deepseek/deepseek-chat", output_tokens=100),
    ))
    table = batch.evaluate(w, batch.BatchInputs(), CAT).classes.set_index("call class")
    assert table.loc["chat", "moves"] == "30%" and table.loc["cheap", "moves"] == "no"
    assert "publishes no batch price" in table.loc["cheap", "why not"]


@settings(max_examples=30)
@given(w=workloads(), share=st.floats(0, 1), cost=st.floats(0, 1_000), tier=st.sampled_from(["batch", "flex"]))
def test_saving_is_linear_in_the_share_and_a_difference_of_bills(w, share, cost, tier):
    x = batch.BatchInputs(share=share, pipeline_cost=cost, tier=tier)
    r = batch.evaluate(w, x, CAT)
    e = effect(batch.LEVER, w, x, CAT)
    tol = 1e-9 * max(1.0, r.today.total)
    assert r.saving == pytest.approx(e.saving, rel=1e-9, abs=tol)
    assert r.saving == pytest.approx(share * r.saving_per_share - r.pipeline_cost, rel=1e-9, abs=tol)
    assert r.saving_per_share >= -tol  # the cheaper tier never raises the bill
    assert r.saving >= -r.pipeline_cost - tol


# --- the draw axis: tiers, costs and names the defaults of tests/test_draws.py do not reach --------------------------


CROWDED = SimpleWorkload(model_key="openai/gpt-4o", input_tokens=120_000, output_tokens=4_000)  # near a 128k window


@pytest.mark.parametrize("x, sidebar", [
    (batch.BatchInputs(tier="flex", share=0.6, pipeline_cost=500.0), SimpleWorkload(model_key=GPT5)),
    (batch.BatchInputs(share=0.6, pipeline_cost=500.0), SimpleWorkload(agent_share=0.2, failure_rate=0.05)),
    (batch.BatchInputs(share=0.4), CROWDED),
    (batch.BatchInputs(share=1.0), CROWDED),
], ids=["flex", "pipeline", "some refused", "all moved, some refused"])
def test_every_draw_on_the_draw_axis_is_the_one_draw_waterfall(x, sidebar):
    chain, inputs = draw_axis_chain([(batch.LEVER, x)], sidebar=sidebar)
    reconcile(chain, inputs, 40, 5)


def test_the_split_on_the_draw_axis_names_the_parts_as_the_scalar_split():
    """A class refused today (its calls do not fit gpt-4o's 128k window) is refused again as '<name> · batch' when a
    share moves (a newly refused class: the lever cannot apply), under its own name when all of it moves."""
    chain, _ = draw_axis_chain([(batch.LEVER, batch.BatchInputs(pipeline_cost=100.0))], sidebar=CROWDED)
    sample = {"workload.input_tokens": np.array([100_000.0, 130_000, 130_000, 130_000, 100_000, 100_000]),
              "batch.share": np.array([0.3, 0.3, 1.0, 0.0, 0.0, 1.0]),
              "batch.pipeline_cost": np.array([100.0, 0, 50, 100, 100, 0])}
    o, _ = chain.outcome_draws(sample, 6)
    assert o.savings["batch"][1] == 0 and o.savings["batch"][2] != 0
    reconcile_sample(chain, sample)


def test_a_split_that_repeats_a_name_is_priced_one_draw_at_a_time():
    """'A · batch' already names a class: the scalar workload numbers the repeat, the draw axis declines the chain."""
    w = Workload(classes=tuple(CallClass(name=n, requests_per_month=1_000, model_key=SONNET, output_tokens=100)
                               for n in ("A", "A · batch")))
    chain, inputs = draw_axis_chain([(batch.LEVER, batch.BatchInputs())], workload=w)
    with pytest.raises(draws.NotOnDrawAxis):
        chain.outcome_draws(uncertainty.draws(inputs, 10, 1), 10)
    mc = uncertainty.monte_carlo(chain, inputs, 10, seed=1)
    assert (mc.savings["batch"] > 0).all()
