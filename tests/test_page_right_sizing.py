"""AppTest: the model right-sizing page runs, responds to its inputs and tables, and survives hostile links."""
from __future__ import annotations

from tests.apptest import errors_text, metric_value, money_value, run_page, warnings_text

PAGE = "pages/right_sizing.py"
ONE = "One model, monthly"
PER_CLASS = "Per class, monthly"


def costs(at) -> tuple[float, float]:
    return money_value(metric_value(at, ONE)), money_value(metric_value(at, PER_CLASS))


def edit(at, key: str, rows: dict) -> None:
    at.session_state[key] = {"edited_rows": rows, "added_rows": [], "deleted_rows": []}
    at.run()


def test_default_run():
    at = run_page(PAGE)
    assert not at.exception and not errors_text(at)
    one, per_class = costs(at)
    # Sonnet 5.5 on every class, failures redone: $8,470 a month against the sidebar's $8,000 with no failures.
    assert one == 8_470 and per_class == 3_581
    assert metric_value(at, "Savings multiple") == "2.4×"
    assert metric_value(at, "Break-even bar") == "97%"
    assert len(at.get("plotly_chart")) == 3


def test_a_higher_bar_saves_less():
    at = run_page(PAGE)
    _, before = costs(at)
    at.number_input(key="rs.bar").set_value(95.0).run()
    assert not at.exception
    assert costs(at)[1] > before


def test_escalating_failures_changes_the_cost():
    at = run_page(PAGE)
    at.radio(key="rs.fail").set_value("escalate").run()
    assert not at.exception
    # Haiku's failures now go to Sonnet, which costs more than redoing them on Haiku.
    assert costs(at)[1] == 3_943


def test_dropping_the_small_model_costs_more():
    at = run_page(PAGE)
    _, before = costs(at)
    at.multiselect(key="rs.models").unselect("anthropic/claude-haiku-5-5").run()
    assert not at.exception and not errors_text(at)
    assert costs(at)[1] > before


def test_small_one_model_shows_the_lever_costing_more():
    at = run_page(PAGE, {"rs.one": "anthropic/claude-haiku-5-5"})
    assert not at.exception
    one, per_class = costs(at)
    assert per_class > one  # the quality bar moves two classes up to Sonnet: right-sizing *up* costs money
    assert metric_value(at, "Break-even bar") == "no bar saves"


def test_table_edits_move_the_figures():
    at = run_page(PAGE)
    _, before = costs(at)
    # Haiku now fails most summaries: they move to GPT-5 mini, which costs more.
    edit(at, "rs.rates", {2: {"anthropic/claude-haiku-5-5": 50.0}})
    assert not at.exception and not errors_text(at)
    assert costs(at)[1] > before


def test_bad_rows_give_clear_messages():
    at = run_page(PAGE)
    edit(at, "rs.classes", {0: {"Share of traffic (%)": 50.0}})
    assert not at.exception
    assert "add up to 110.0%" in errors_text(at)
    edit(at, "rs.classes", {0: {"Task class": None}})
    assert "Row 1" in errors_text(at) and "Task class" in errors_text(at) and "is empty" in errors_text(at)
    at = run_page(PAGE)
    edit(at, "rs.rates", {4: {"anthropic/claude-sonnet-5-5": None}})
    assert "no pass rate for 'Multi-step reasoning'" in errors_text(at)
    edit(at, "rs.rates", {2: {"openai/gpt-5-mini": 150.0}})  # pasted past the editor's limits
    assert "Summaries, **openai/gpt-5-mini**: must be at most 100%" in errors_text(at)
    assert not at.exception


def test_hostile_links_give_notices():
    at = run_page(PAGE, {"rs.bar": "1e308", "rs.fail": "<script>", "rs.models": "evil/model", "rs.one": "abc"})
    assert not at.exception
    text = warnings_text(at)
    assert "rs.bar" in text and "rs.fail" in text and "rs.models" in text and "rs.one" in text
    assert "<script>" not in text
    assert costs(at) == (8_470, 3_581)  # defaults still apply


def test_tables_travel_in_the_link():
    at = run_page(PAGE)
    edit(at, "rs.rates", {2: {"anthropic/claude-haiku-5-5": 50.0}})
    edit(at, "rs.classes", {0: {"Share of traffic (%)": 35.0}, 1: {"Share of traffic (%)": 30.0}})
    assert not errors_text(at)
    edited = costs(at)
    link = {k: v for k, v in at.session_state["_scenario"].items() if k in ("rs.classes", "rs.rates")}
    assert set(link) == {"rs.classes", "rs.rates"}
    opened = run_page(PAGE, link)  # a copied link, opened in a fresh session
    assert not opened.exception and not warnings_text(opened)
    assert costs(opened) == edited != (8_470, 3_581)


def test_hostile_tables_in_a_link_fall_back_to_defaults():
    at = run_page(PAGE, {"rs.classes": '[{"name":"x","share":2}]', "rs.rates": "<script>"})
    assert not at.exception
    text = warnings_text(at)
    assert "`rs.classes`: row 1" in text and "`rs.rates`: not a table" in text
    assert costs(at) == (8_470, 3_581)
