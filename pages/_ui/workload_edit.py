"""Changing the one workload from a page: "your sidebar bill is X; this page assumes Y; put Y into the workload".

The sidebar's widgets (app.py) hold the workload; a page that needs a fact the sidebar lacks previews the workload
with it and offers a button that writes it into those widgets. A custom workload (a table of call classes, for
traffic the four numbers cannot describe, such as a pipeline of steps on different models) lives in the link under
one key and replaces the four numbers until the user goes back.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st

from calculators.workload import ClassRow, SimpleWorkload, Workload, custom_workload
from pages._ui import scenario

# SimpleWorkload field -> the sidebar widget (and link key) that holds it.
SIDEBAR_KEYS: dict[str, str] = {
    "requests_per_month": "requests", "model_key": "model", "input_tokens": "in_tokens",
    "output_tokens": "out_tokens", "prefix_share": "w.prefix", "cache_hit_rate": "w.hit",
    "reasoning_tokens": "w.reasoning", "agent_share": "w.agents", "agent_steps": "w.steps",
    "tool_result_tokens": "w.tool", "history_caching": "w.history", "failure_rate": "w.fail",
    "max_attempts": "w.attempts", "restarts": "w.restarts", "failed_output_share": "w.fail_out", "replay": "w.replay",
}
CLASSES_KEY = "w.classes"  # a custom workload: call classes as JSON rows


def _shown(field: str, value: Any) -> Any:
    extra = SimpleWorkload.model_fields[field].json_schema_extra
    percent = isinstance(extra, dict) and extra.get("percent")
    return round(value * 100.0, 9) if percent else value


def _put(changes: dict[str, Any]) -> None:
    for field, value in changes.items():
        st.session_state[SIDEBAR_KEYS[field]] = _shown(field, value)
    leave_custom()


def offer(label: str, changes: dict[str, Any], *, key: str, help: str | None = None, container: Any = None) -> None:
    """A button that writes `changes` (SimpleWorkload fields, model units) into the sidebar's workload."""
    (container or st).button(label, key=key, on_click=_put, args=(changes,), help=help, icon=":material/input:",
                             type="primary")


def preview(sidebar: SimpleWorkload, **changes: Any) -> Workload:
    """The workload the sidebar would describe with these changes."""
    return sidebar.model_copy(update=changes).workload()


# --- a custom workload: a table of call classes ----------------------------------------------------------------


def custom_rows() -> list[ClassRow] | None:
    """The link's custom call classes, when it holds a valid table; None for the simple workload."""
    raw = scenario.store().get(CLASSES_KEY)
    if not isinstance(raw, str):
        return None
    try:
        rows = scenario.rows_from_text(ClassRow, raw)
        custom_workload(rows)  # unique names
    except ValueError as exc:
        st.sidebar.warning(f"Ignored the link's call classes `{CLASSES_KEY}`: {str(exc)[:120]}. Using the four "
                           "numbers instead.", icon=":material/warning:")
        leave_custom()
        return None
    return rows


def _reset_editor() -> None:
    for key in (f"_initial.{CLASSES_KEY}", CLASSES_KEY):
        st.session_state.pop(key, None)


def use_classes(rows: Sequence[ClassRow]) -> None:
    """Make these call classes the workload (a button's callback)."""
    scenario.store()[CLASSES_KEY] = scenario.rows_text(rows)
    _reset_editor()


def leave_custom() -> None:
    """Back to the four numbers (a button's callback)."""
    scenario.store().pop(CLASSES_KEY, None)
    try:
        del st.query_params[CLASSES_KEY]
    except KeyError:
        pass
    _reset_editor()


def offer_classes(label: str, rows: Sequence[ClassRow], *, key: str, help: str | None = None,
                  container: Any = None) -> None:
    """A button that makes `rows` the workload."""
    (container or st).button(label, key=key, on_click=use_classes, args=(list(rows),), help=help,
                             icon=":material/input:", type="primary")
