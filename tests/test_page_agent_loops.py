"""Agent loops page: today is the sidebar's bill, the preview and its offer, interactions, hostile links."""
import pytest

from calculators import agent_loops as agents
from calculators.workload import SimpleWorkload
from tests.apptest import (
    charts_by_tab, errors_text, headline_metrics, metric_value, money_value, run_page, verdicts, warnings_text,
)
from tests.levers_common import CAT

PAGE = "pages/agent_loops.py"


def saving(at) -> float:
    return money_value(metric_value(at, "Monthly saving"))


def published(at) -> float:
    return at.session_state["_lever_savings"]["agent_loops"]


def infos(at) -> str:
    return " ".join(i.value for i in at.info)


def captions(at) -> str:
    return " ".join(c.value for c in at.caption)


def test_default_has_no_agent_tasks_and_offers_a_preview():
    at = run_page(PAGE)
    assert not at.exception and not errors_text(at)
    assert published(at) == 0
    assert "Your sidebar bill is **$8,000** and has no agent tasks" in infos(at)
    preview = agents.analyse(SimpleWorkload(agent_share=0.3).workload(), agents.AgentPolicyInputs(), CAT)
    expected = ("The history policy changes nothing on your $8,000 bill: it has no agent tasks. In "
                "the preview below (30% of requests as 10-step agent tasks), “whole history, history "
                f"cached” would save ${preview.saving:,.0f} a month "
                f"({preview.saving_share * 100:.1f}% of the bill).")
    assert verdicts(at) == [("idle", expected)]
    assert headline_metrics(at) == ["Preview: saving", "Preview: cost per task", "Preview: × the single-call estimate"]
    assert "$692,000" not in " ".join(m.value for m in at.metric)  # the old private bill is gone
    # Preview: 300,000 of the 1M requests as 10-step tasks on Sonnet 5.5. A task sends 10 x 2,000 + 1,400 x 45 =
    # 83,000 input tokens ($0.166) and 4,000 output ($0.04): $0.206 uncached. Cached history: reads 68,400 x $0.10,
    # writes 14,600 x $2.50, output $0.04 = $0.08334. Saving 300,000 x $0.12266 = $36,798.
    assert money_value(metric_value(at, "Preview: saving")) == 36_798
    assert metric_value(at, "Preview: cost per task") == "$0.0833"
    # One chart per tab (the tornado has no range to swing in the preview).
    assert charts_by_tab(at, "agents.view") == {"Cost of each step": 1, "Cost vs number of steps": 1,
                                                "How sure are you?": 0}
    at.button(key="agents.use_preview").click().run()
    assert not at.exception
    assert at.sidebar.number_input(key="w.agents").value == pytest.approx(30)
    assert saving(at) == 36_798 and at.session_state["_lever_savings"]["agent_loops"] == pytest.approx(36_798)
    assert "no agent tasks" not in infos(at)


def test_agent_tasks_in_the_sidebar_by_hand():
    at = run_page(PAGE, {"w.agents": "100"})
    assert not at.exception
    # 1M tasks of 10 steps: $206,000 today (history not cached: Anthropic caches only when asked), $83,340 cached.
    assert "today $206,000" in next(m for m in at.metric if m.label == "Bill with this policy").delta
    assert saving(at) == 122_660
    assert metric_value(at, "Cost per task") == "$0.0833"
    # Naive: 10 x one call ($0.008) = $0.08. Today 0.206 / 0.08 = 2.58x; cached 0.08334 / 0.08 = 1.04x.
    assert metric_value(at, "× the single-call estimate") == "1.04x"
    assert "today 2.58x" in next(m for m in at.metric if m.label == "× the single-call estimate").delta
    assert metric_value(at, "Context overflows at") == "step 714"  # (1,000,000 - 400 - 2,000) / 1,400 + 2
    assert any("Every history policy" in s.value for s in at.subheader)
    assert headline_metrics(at) == ["Monthly saving", "Bill with this policy", "Cost per task",
                                    "× the single-call estimate"]
    r = agents.analyse(SimpleWorkload(agent_share=1.0).workload(), agents.AgentPolicyInputs(), CAT)
    expected = (f"Keeping every agent task's history as “whole history, history cached” saves "
                f"${r.saving:,.0f} a month ({r.saving_share * 100:.1f}% of the bill): a 10-step task "
                "costs $0.0833, 1.04x the single-call estimate (today $0.21).")
    assert verdicts(at) == [("saves", expected)]
    assert "saves $122,660 a month (59.5% of the bill)" in verdicts(at)[0][1]
    at.toggle(key="agents.cache").set_value(False).run()
    assert saving(at) == 0 and "already keeps its history this way" in captions(at)
    expected = ("The history policy changes nothing: every agent task already keeps its history "
                "this way; a 10-step task costs $0.21, 2.58x the single-call estimate.")
    assert verdicts(at) == [("idle", expected)]


def test_a_summary_after_every_step_costs_more_and_says_so():
    link = {"w.agents": "100", "agents.cache": "false", "agents.compaction": "summarise", "agents.every": "1",
            "agents.summary": "5000"}
    at = run_page(PAGE, link)
    assert not at.exception
    x = agents.AgentPolicyInputs(history_caching=False, compaction="summarise", summarise_every=1, summary_tokens=5_000)
    r = agents.analyse(SimpleWorkload(agent_share=1.0).workload(), x, CAT)
    assert r.saving < 0  # a 5,000-token summary written after every step outweighs the history it replaces
    (tone, text), = verdicts(at)
    assert tone == "costs"
    assert (f"costs ${-r.saving:,.0f} a month more ({-r.saving_share * 100:.1f}% of the bill): a 10-step task costs "
            f"${r.task.cost_per_task:.2f}, 9.51x the single-call estimate (today $0.21)") in text


def test_compaction_from_a_link_label_and_its_settings():
    at = run_page(PAGE, {"w.agents": "100", "agents.compaction": "Periodic summary"})  # the link carries the label
    assert not at.exception
    assert at.radio(key="agents.compaction").value == "summarise"
    assert at.number_input(key="agents.every").value == 5
    summarised = saving(at)
    at.radio(key="agents.compaction").set_value("sliding").run()
    assert at.number_input(key="agents.keep").value == 5
    assert saving(at) != summarised and saving(at) > 0


def test_a_provider_that_caches_automatically_says_so():
    at = run_page(PAGE, {"w.agents": "100", "model": "openai/gpt-5", "w.steps": "20"})
    assert not at.exception
    assert "OpenAI caches repeated prefixes automatically" in infos(at)
    assert saving(at) == 0  # the history is already cached today: the recommendation is the sidebar's default


def test_a_small_context_window_breaks_at_the_exact_step():
    # GPT-4 holds 8,192 tokens: step i needs 2,000 + 1,400 (i - 1) + 400 tokens; step 5 needs 8,000, step 6 9,400.
    at = run_page(PAGE, {"w.agents": "100", "model": "openai/gpt-4"})
    assert not at.exception
    assert metric_value(at, "Context overflows at") == "step 6"
    assert "Step 6 needs 9,400 tokens" in warnings_text(at)
    assert "8,192-token context window" in errors_text(at)  # the sidebar refuses the same call from the bill
    assert "no cache price" in warnings_text(at)
    at.radio(key="agents.compaction").set_value("sliding").run()
    at.number_input(key="agents.keep").set_value(3).run()
    assert metric_value(at, "Context overflows at") == "never"
    assert "Today's policy breaks the 8,192-token context window at step 6" in captions(at)


@pytest.mark.parametrize("query, key", [
    ({"agents.keep": "abc"}, "agents.keep"),
    ({"agents.summary": "1e308"}, "agents.summary"),
    ({"agents.compaction": "<script>"}, "agents.compaction"),
    ({"agents.cache": "maybe"}, "agents.cache"),
    ({"agents.every": "-5"}, "agents.every"),
])
def test_hostile_params_give_notices(query, key):
    at = run_page(PAGE, {"w.agents": "20", "agents.compaction": "summarise", "agents.keep": "3"} | query
                  if key != "agents.keep" else {"w.agents": "20", "agents.compaction": "sliding"} | query)
    assert not at.exception, [e.value for e in at.exception]
    text = warnings_text(at)
    assert f"`{key}=" in text
    assert "<script>" not in text
    assert money_value(metric_value(at, "Cost per task")) > 0
