"""Agent-loops page: interactions move the headline the right way; bad input gives a message."""
import pytest

from calculators.agent_loops import AgentInputs, default_split, evaluate
from calculators.prices import build_catalogue
from calculators.workload import SimpleWorkload as Workload
from pages._ui.layout import money
from tests.apptest import metric_value, money_value, run_page, warnings_text

PAGE = "pages/agent_loops.py"


def cost_per_task(at) -> float:
    return money_value(metric_value(at, "Cost per task"))


def multiplier(at) -> float:
    return float(metric_value(at, "Multiplier vs naive").rstrip("×"))


def test_default_matches_the_calculator():
    at = run_page(PAGE)
    assert not at.exception, [e.value for e in at.exception]
    w = Workload()
    prices = build_catalogue().get(w.model_key)
    system, user = default_split(w.input_tokens)
    expected = evaluate(AgentInputs(system_tokens=system, user_tokens=user, assistant_tokens=w.output_tokens,
                                    context_window=prices.context_window, tasks_per_month=w.requests_per_month),
                        prices)
    assert metric_value(at, "Cost per task") == money(expected.cost_per_task)
    assert metric_value(at, "Monthly cost") == money(expected.cost_per_month)
    assert multiplier(at) == pytest.approx(expected.multiplier, abs=0.05) and multiplier(at) > 1
    assert "each request is one agent task" in " ".join(c.value for c in at.caption)
    assert len(at.get("plotly_chart")) == 2


def test_more_steps_cost_more_per_task_and_raise_the_multiplier():
    at = run_page(PAGE)
    before, mult = cost_per_task(at), multiplier(at)
    at.number_input(key="agents.steps").set_value(40).run()
    assert cost_per_task(at) > before
    assert multiplier(at) > mult


def test_history_caching_cuts_the_cost():
    at = run_page(PAGE)
    before = cost_per_task(at)
    at.toggle(key="agents.cache").set_value(True).run()
    assert not at.exception
    assert cost_per_task(at) < before


def test_compaction_bounds_the_context():
    at = run_page(PAGE, {"agents.compaction": "Periodic summary"})  # the URL carries the option's label
    assert at.radio(key="agents.compaction").value == "summarise"
    assert not at.exception
    assert metric_value(at, "Context overflows at") == "never"
    at.radio(key="agents.compaction").set_value("sliding").run()
    assert at.number_input(key="agents.keep").value == 5
    assert metric_value(at, "Context overflows at") == "never"


def test_small_context_window_warns_at_the_exact_step():
    # S+U = 2,000, A = 400, R = 1,000: step i needs 2,000 + 1,400(i−1) + 400; 10,000 tokens → step 7 (10,800).
    at = run_page(PAGE, {"agents.window": "10000"})
    assert metric_value(at, "Context overflows at") == "step 7"
    assert "Step 7 needs 10,800 tokens" in warnings_text(at)


def test_model_without_context_window_uses_stated_default():
    at = run_page(PAGE, {"model": "mistral/mistral-large"})
    assert not at.exception
    assert "no context window for this model" in " ".join(c.value for c in at.caption)


def test_workload_defaults_follow_the_sidebar_until_edited():
    at = run_page(PAGE)
    at.sidebar.selectbox(key="model").set_value("openai/gpt-4o").run()  # 128k window in genai-prices
    assert at.number_input(key="agents.window").value == 128_000
    # S+U = 2,000, A+R = 1,400, A = 400: first step over 128,000 is floor(125,600 / 1,400) + 2 = 91
    assert metric_value(at, "Context overflows at") == "step 91"
    at.number_input(key="agents.window").set_value(50_000).run()
    at.sidebar.selectbox(key="model").set_value("anthropic/claude-sonnet-5-5").run()
    assert at.number_input(key="agents.window").value == 50_000  # the user's edit is kept
    at.sidebar.number_input(key="in_tokens").set_value(4_000).run()
    assert at.number_input(key="agents.system").value == 3_000


@pytest.mark.parametrize("query, key", [
    ({"agents.steps": "abc"}, "agents.steps"),
    ({"agents.steps": "1e308"}, "agents.steps"),
    ({"agents.compaction": "<script>"}, "agents.compaction"),
    ({"agents.cache": "maybe"}, "agents.cache"),
    ({"agents.window": "-5"}, "agents.window"),
])
def test_hostile_params_give_notices(query, key):
    at = run_page(PAGE, query)
    assert not at.exception, [e.value for e in at.exception]
    text = warnings_text(at)
    assert f"`{key}=" in text
    assert "<script>" not in text
    assert cost_per_task(at) > 0
