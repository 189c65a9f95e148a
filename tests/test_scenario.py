"""Scenarios travel: links carry every page, exports round-trip, bad files are refused."""
import json

import pytest

from pages._ui import scenario
from tests.apptest import run_page

# Non-default inputs on several pages plus the shared workload and money settings.
PARAMS = {
    "requests": "250000", "model": "openai/gpt-4o", "in_tokens": "3000", "discount": "10",
    "cache.prefixes": "40", "jevons.years": "5", "jevons.growth": "1.3", "agents.steps": "12",
}
PAGES = ["pages/caching.py", "pages/jevons.py", "pages/agent_loops.py", "pages/overview.py"]


def headline(at):
    return [(m.label, m.value) for m in at.metric]


def test_export_import_round_trip_reproduces_every_page():
    # Session A: open the link, visit each page; its scenario store is what it would export.
    original = {}
    at = None
    for page in PAGES:
        at = run_page(page, PARAMS)
        assert not at.exception
        original[page] = headline(at)
    exported = at.session_state[scenario.STORE]
    assert {k: exported[k] for k in PARAMS} == PARAMS
    document = scenario.to_json(exported)
    # Session B: a fresh session opened from the imported file shows the same figures on every page.
    imported = scenario.parse(document.encode())
    for page in PAGES:
        assert headline(run_page(page, imported)) == original[page], page


def test_store_carries_values_from_pages_not_on_screen():
    at = run_page("pages/jevons.py", {"cache.prefixes": "40"})
    at.number_input(key="jevons.years").set_value(7).run()
    store = at.session_state[scenario.STORE]
    assert store["cache.prefixes"] == "40" and store["jevons.years"] == "7"
    # Back to the default: the input leaves the scenario.
    at.number_input(key="jevons.years").set_value(3).run()
    assert "jevons.years" not in at.session_state[scenario.STORE]


def valid(**params):
    return json.dumps({"app": "llm-cost-levers", "version": 1, "params": params}).encode()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"{" * 10, "not a JSON file"),
        (valid(requests="5")[:-9], "not a JSON file"),  # truncated
        (b"\x89PNG\r\n\x1a\n\x00", "not a JSON file"),
        (b" " * 200_001, "at most"),
        (json.dumps({"app": "other", "version": 1, "params": {}}).encode(), "not an LLM Cost Levers scenario"),
        (json.dumps({"app": "llm-cost-levers", "version": 99, "params": {}}).encode(), "version 99"),
        (json.dumps({"app": "llm-cost-levers", "version": 1, "params": [1]}).encode(), "'params' must be"),
        (valid(**{"<script>": "1"}), "is not an input name"),
        (valid(requests={"nested": 1}), "must be a number"),
        (valid(requests="9" * 5_000), "longer than"),
        (json.dumps([1, 2]).encode(), "not an LLM Cost Levers scenario"),
    ],
)
def test_malformed_files_are_refused(data, reason):
    with pytest.raises(scenario.ScenarioError, match=reason):
        scenario.parse(data)


def test_valid_file_values_become_link_text():
    params = scenario.parse(valid(requests=5000, present=True, discount=12.5))
    assert params == {"requests": "5000", "present": "true", "discount": "12.5"}
    assert scenario.link(params) == "./?requests=5000&present=true&discount=12.5"


def test_import_ui_rejects_and_changes_nothing():
    at = run_page("pages/overview.py", {"requests": "5000"})
    before = headline(at)
    at.sidebar.file_uploader(key="scenario.import").upload("bad.json", b"{not json", "application/json").run()
    assert "Nothing was changed" in " ".join(e.value for e in at.sidebar.error)
    assert headline(at) == before


def test_a_linked_model_is_picked_without_streamlits_default_and_state_warning() -> None:
    """A link's model goes into the picker through session state; the picker then gets no default of its own, so
    Streamlit logs no "created with a default value but also had its value set via the Session State API"."""
    import logging

    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    policies = logging.getLogger("streamlit.elements.lib.policies")
    policies.addHandler(handler)
    try:
        at = run_page("pages/caching.py", {"model": "openai/gpt-4o"})
    finally:
        policies.removeHandler(handler)
    assert not at.exception
    assert at.sidebar.selectbox(key="model").value == "openai/gpt-4o"
    assert not [r for r in records if "default value" in r.getMessage()]
