"""Hostile links and scenario files, over every page and every key the app puts in a link.

Every value a link or a scenario file carries is either taken by its widget or refused with a notice next to it; none
raises, none is silently dropped, none is echoed as Markdown. One run per (page, hostile value): all of the page's
keys carry the same value at once.
"""
from __future__ import annotations

import functools
import json
import re
import sys

import pytest
from streamlit.testing.v1 import AppTest

from pages._ui import scenario
from tests.apptest import APP, ROOT, open_tab, tab_labels
from tests.test_pages import CHART_TABS

sys.path.insert(0, str(ROOT))
from app import DEFAULT_PAGE, page_files

PAGES = page_files()
HOSTILE = {
    "inf": "inf",
    "-inf": "-inf",
    "Infinity": "Infinity",
    "1e400": "1e400",
    "5000 digits": "9" * 5_000,
    "NaN": "NaN",
    "1e308": "1e308",
    "100 kB": "x" * 100_000,
    "bold": "**x**",
    "image": "<img src=http://example.com/x.png>",
    "link": "[a](javascript:alert(1))",
    "backtick": "`",
}
MARKUP = ("<img", "](", "**x**")
UNESCAPED = re.compile(r"(?<!\\)[<>\[\]*`]")  # Markdown or HTML punctuation not escaped by layout.plain


View = tuple[tuple[str, str], ...]  # chart tabs opened before the first run: (tabs key, label)


def fresh(page: str, query: dict[str, str], view: View = ()) -> AppTest:
    """A new session opened on `page` with this query string and these chart tabs open (one run: the page is chosen
    before it)."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(query)
    at.switch_page(page)
    for key, label in view:
        at.session_state[key] = label
    at.run()
    return at


def bound(at: AppTest) -> frozenset[str]:
    return frozenset(at.session_state[scenario.KEYS]) if scenario.KEYS in at.session_state else frozenset()


@functools.cache
def link_keys_by_view(page: str) -> dict[View, frozenset[str]]:
    """Every key `page` binds to the link (the sidebar's included; scenario.record sees them all): those of its
    default run, then those only a chart tab binds (only the open tab runs), under the tab that binds them."""
    at = fresh(page, {})  # a page failing its default run is test_pages' concern; its keys are still collected
    out: dict[View, frozenset[str]] = {(): bound(at)}
    for key in CHART_TABS.get(page, ()):
        labels = tab_labels(at, key)
        for label in labels[1:]:
            open_tab(at, key, label)
            new = bound(at) - frozenset().union(*out.values())
            if new:
                out[((key, label),)] = new
        open_tab(at, key, labels[0])
    return out


def link_keys(page: str) -> frozenset[str]:
    return frozenset().union(*link_keys_by_view(page).values())


def shown_text(at: AppTest) -> str:
    return " ".join(a.value for a in [*at.warning, *at.error, *at.info, *at.success])


def noticed(at: AppTest, key: str) -> bool:
    text = shown_text(at)
    return f"`{key}=" in text or f"table `{key}`" in text


def taken(at: AppTest, key: str, value: str) -> bool:
    """The widget took the link's value (the scenario holds it, so the next copied link carries it)."""
    held = at.session_state[scenario.STORE].get(key)
    return held == value or isinstance(held, list) and value in held


def test_every_page_binds_link_keys():
    keys = {page: link_keys(page) for page in PAGES}
    assert {"requests", "model", "in_tokens", "out_tokens", "discount", "currency"} <= keys["pages/overview.py"]
    assert "cache.ttl" in keys["pages/caching.py"] and "jevons.years" in keys["pages/jevons.py"]


def sidebar_keys() -> frozenset[str]:
    """The keys every page binds: the sidebar's (tested on the Overview, not again on each page)."""
    return frozenset.intersection(*(link_keys(page) for page in PAGES))


def keys_to_test(page: str) -> dict[View, list[str]]:
    """The page's keys by the view that binds them; the sidebar's only on the Overview."""
    skip = frozenset() if page == DEFAULT_PAGE else sidebar_keys()
    return {view: sorted(keys - skip) for view, keys in link_keys_by_view(page).items() if keys - skip}


def batches(keys: list[str], value: str) -> list[list[str]]:
    """Keys in groups whose query string stays under Streamlit's limit (it ignores a query string over 512 KiB)."""
    per_run = max(1, 400_000 // (len(value) + 40))
    return [keys[i:i + per_run] for i in range(0, len(keys), per_run)] or [[]]


@pytest.mark.parametrize("name", list(HOSTILE))
@pytest.mark.parametrize("page", PAGES)
def test_hostile_link_values_are_taken_or_refused_with_a_notice(page, name):
    value = HOSTILE[name]
    for view, keys in keys_to_test(page).items():
        for batch in batches(keys, value):
            check_hostile_run(fresh(page, dict.fromkeys(batch, value), view), batch, value)


def check_hostile_run(at: AppTest, keys: list[str], value: str) -> None:
    assert not at.exception, [e.value for e in at.exception]
    silent = [k for k in keys if not noticed(at, k) and not taken(at, k, value)]
    assert not silent, f"dropped without a notice: {silent}"
    text = shown_text(at)
    assert not any(mark in text for mark in MARKUP), "a link's value was echoed as Markdown"
    for key in keys:  # a refused value is gone from the link: the next copy of the address is clean
        if noticed(at, key) and not taken(at, key, value):
            assert key not in at.query_params, key


def all_keys() -> list[str]:
    return sorted(set().union(*(link_keys(page) for page in PAGES)))


def document(params: dict) -> bytes:
    return json.dumps({"app": scenario.APP_ID, "version": scenario.VERSION, "params": params}).encode()


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_values_in_a_scenario_file_are_refused_or_run_clean(name):
    """Each key alone with the hostile value: parse refuses it with a reason, or what it accepts runs on every page."""
    value = HOSTILE[name]
    accepted: dict[str, str] = {}
    for key in all_keys():
        try:
            params = scenario.parse(document({key: value}))
        except scenario.ScenarioError as exc:
            assert str(exc), key
            assert not UNESCAPED.search(str(exc)), str(exc)  # it may quote the file, made literal
        else:
            accepted.update(params)
    if name in {"inf", "-inf", "Infinity", "1e400", "5000 digits", "NaN"}:
        from pages._ui.widgets import check_link_value

        numeric = [k for k in accepted if check_link_value(k, "1") is None and check_link_value(k, "x") is not None]
        assert not numeric, f"a non-finite number passed as valid for {numeric}"
    if not accepted:
        return
    link = scenario.link(accepted)
    assert link.startswith("./?")
    for page in [p for p in PAGES if p == DEFAULT_PAGE or link_keys(p) & set(accepted) - sidebar_keys()]:
        at = fresh(page, accepted)  # what the "Open the imported scenario" button opens, on each page it concerns
        assert not at.exception, (page, [e.value for e in at.exception])


def test_importing_a_nested_bomb_or_a_markdown_version_shows_a_message_in_the_sidebar():
    at = fresh(DEFAULT_PAGE, {})
    bomb = b"[" * 49_000 + b"]" * 49_000  # 98 kB
    at.sidebar.file_uploader(key="scenario.import").upload("bomb.json", bomb, "application/json").run()
    assert not at.exception
    assert "nested more than" in at.sidebar.error[0].value and "Nothing was changed" in at.sidebar.error[0].value
    at.run()  # the next rerun, with the file still loaded, is fine too
    assert not at.exception
    markdown = document({}).replace(b'"version": 1', b'"version": "![x](http://example.com/x.png) **b**"')
    at.sidebar.file_uploader(key="scenario.import").upload("md.json", markdown, "application/json").run()
    message = at.sidebar.error[0].value
    assert not at.exception and "version" in message and not UNESCAPED.search(message), message
