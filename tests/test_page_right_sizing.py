"""AppTest: the right-sizing page's today is the sidebar's bill; inputs and tables move the saving the right way;
hostile links and bad tables give clear messages."""
from __future__ import annotations

from tests.apptest import errors_text, metric_value, money_value, run_page, warnings_text

PAGE = "pages/right_sizing.py"
HAIKU = "anthropic/claude-haiku-5-5"
SONNET = "anthropic/claude-sonnet-5-5"


def saving(at) -> float:
    return money_value(metric_value(at, "Monthly saving"))


def edit(at, key: str, rows: dict) -> None:
    at.session_state[key] = {"edited_rows": rows, "added_rows": [], "deleted_rows": []}
    at.run()


def test_default_run_keeps_the_sidebars_bill():
    at = run_page(PAGE)
    assert not at.exception and not errors_text(at)
    # See tests/test_right_sizing.py: three task classes move to Haiku 5.5, two stay on Sonnet 5.5: $3,306.66.
    assert saving(at) == 4_693
    assert metric_value(at, "Bill after right-sizing") == "$3,307"
    delta = next(m.delta for m in at.metric if m.label == "Bill after right-sizing")
    assert delta == "today $8,000"  # the sidebar's bill: the old page's $8,470 is gone
    assert metric_value(at, "Break-even bar") == "97%"
    assert round(at.session_state["_lever_savings"]["right_sizing"]) == 4_693
    assert len(at.get("plotly_chart")) == 3


def test_a_higher_bar_saves_less():
    at = run_page(PAGE)
    at.number_input(key="rs.bar").set_value(95.0).run()
    assert not at.exception
    # Only classification (Haiku 97%) still moves: its $1,000 on Sonnet becomes 404,124 x $0.000125 = $50.52.
    assert saving(at) == 949


def test_escalating_failures_costs_more_than_redoing_on_haiku():
    at = run_page(PAGE)
    at.radio(key="rs.fail").set_value("escalate").run()
    assert not at.exception
    assert saving(at) == 4_347  # $8,000 - $3,652.63: Haiku's failures go back to Sonnet


def test_dropping_the_small_model_saves_less():
    at = run_page(PAGE)
    at.multiselect(key="rs.models").unselect(HAIKU).run()
    assert not at.exception and not errors_text(at)
    assert 0 < saving(at) < 4_693


def test_table_edits_move_the_figures():
    at = run_page(PAGE)
    edit(at, "rs.rates", {2: {HAIKU: 50.0}})  # Haiku now fails most summaries: they move to GPT-5 mini
    assert not at.exception and not errors_text(at)
    assert saving(at) < 4_693


def test_todays_model_without_a_pass_rate_is_a_clear_message():
    at = run_page(PAGE)
    edit(at, "rs.rates", {4: {SONNET: None}})
    assert not at.exception
    assert "no pass rate for 'Multi-step reasoning'" in errors_text(at)
    at = run_page(PAGE)
    at.multiselect(key="rs.models").unselect(SONNET).run()
    assert not at.exception and "is not a candidate" in errors_text(at)


def test_bad_rows_give_clear_messages():
    at = run_page(PAGE)
    edit(at, "rs.classes", {0: {"Share of traffic (%)": 50.0}})
    assert not at.exception
    assert "add up to 110.0%" in errors_text(at)
    edit(at, "rs.classes", {0: {"Task class": None}})
    assert "Row 1" in warnings_text(at) and "is empty" in warnings_text(at)
    at = run_page(PAGE)
    edit(at, "rs.rates", {2: {"openai/gpt-5-mini": 150.0}})  # pasted past the editor's limits
    assert "Summaries, **openai/gpt-5-mini**: must be at most 100%" in errors_text(at)
    assert not at.exception


def test_hostile_links_give_notices():
    at = run_page(PAGE, {"rs.bar": "1e308", "rs.fail": "<script>", "rs.models": "evil/model"})
    assert not at.exception
    text = warnings_text(at)
    assert "rs.bar" in text and "rs.fail" in text and "rs.models" in text
    assert "<script>" not in text
    assert saving(at) == 4_693  # defaults still apply


def test_tables_travel_in_the_link():
    at = run_page(PAGE)
    edit(at, "rs.rates", {2: {HAIKU: 50.0}})
    edit(at, "rs.classes", {0: {"Share of traffic (%)": 35.0}, 1: {"Share of traffic (%)": 30.0}})
    assert not errors_text(at)
    edited = saving(at)
    link = {k: v for k, v in at.session_state["_scenario"].items() if k in ("rs.classes", "rs.rates")}
    assert set(link) == {"rs.classes", "rs.rates"}
    opened = run_page(PAGE, link)  # a copied link, opened in a fresh session
    assert not opened.exception and not warnings_text(opened)
    assert saving(opened) == edited != 4_693


def test_hostile_tables_in_a_link_fall_back_to_defaults():
    at = run_page(PAGE, {"rs.classes": '[{"name":"x","share":2}]', "rs.rates": "<script>"})
    assert not at.exception
    text = warnings_text(at)
    assert "`rs.classes`: row 1" in text and "`rs.rates`: not a table" in text
    assert saving(at) == 4_693


def sidebar_bill(at) -> str:
    return next(m.value for m in at.sidebar.metric if m.label == "Monthly bill").removesuffix("/month")


def test_a_workload_with_agents_and_failures_keeps_its_bill():
    at = run_page(PAGE, {"w.agents": "20", "w.fail": "10", "w.reasoning": "500", "model": "openai/gpt-5"})
    assert not at.exception and not errors_text(at)
    delta = next(m.delta for m in at.metric if m.label == "Bill after right-sizing")
    assert delta == f"today {sidebar_bill(at)}" and sidebar_bill(at) != "$8,000"
    assert saving(at) > 0


def test_candidates_follow_the_sidebar_model():
    at = run_page(PAGE)
    at.sidebar.selectbox(key="model").set_value("openai/gpt-5").run()
    assert not at.exception and not errors_text(at)
    assert at.multiselect(key="rs.models").value[0] == "openai/gpt-5"
    assert saving(at) > 0
