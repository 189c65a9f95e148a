"""A scenario is every input of every page, as URL query values.

Streamlit keeps only the current page's bound widgets in the URL. To make a copied link reproduce
*every* page, the widget helpers record each value that differs from its default here, and app.py
writes the values of pages not on screen back into the URL as plain query params. A fresh session
opened on such a link seeds this store from the URL, so the Overview can price every lever at once.
Export and import are this store as JSON.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import streamlit as st
from pydantic import BaseModel, ValidationError

from pages._ui.layout import money_settings, plain, run_memo

M = TypeVar("M", bound=BaseModel)

STORE = "_scenario"
REFUSED = "_link_refused"  # link values a widget refused in this run: key -> (value, reason, default)
KEYS = "_link_keys"  # every key a widget of this session put (or could put) into the link
SEEDED = "_scenario_seeded"
APP_ID = "llm-cost-levers"
VERSION = 1
MAX_BYTES = 100_000
MAX_VALUE_CHARS = 4_000  # an editable table travels as one JSON value
MAX_DEPTH = 4  # the document, its params, a list value; a table travels as text
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)?$")

UrlValue = str | list[str]


def url_value(value: Any) -> UrlValue:
    """A widget value as its URL text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 1e15 else repr(value)
    return str(value)


def store() -> dict[str, UrlValue]:
    memo = run_memo("scenario")  # looked up once per run: a run asks ~130 times, ~13 µs each in session state
    if "store" not in memo:
        memo["store"] = st.session_state.setdefault(STORE, {})
    return memo["store"]


def start_run() -> None:
    """Called by app.py at the top of every run: seed the store once per session from the URL."""
    if not st.session_state.get(SEEDED):
        try:
            params = {k: (v if len(v) > 1 else v[0]) for k in st.query_params for v in [st.query_params.get_all(k)]}
        except Exception:  # a malformed query string never takes the app down
            params = {}
        store().update({k: v for k, v in params.items() if KEY_PATTERN.match(k)})
        st.session_state[SEEDED] = True


def record(key: str, value: Any, default: Any) -> None:
    """A widget rendered with `value`; remember it unless it is the default."""
    st.session_state.setdefault(KEYS, set()).add(key)
    if value == default or value is None:
        store().pop(key, None)
    else:
        store()[key] = url_value(value)


def drop_from_url(key: str) -> None:
    """Remove a refused value from the URL before its widget is created.

    Streamlit seeds a bound widget from the URL itself, and its parser is not ours: for an int widget `inf`, `1e400`
    or a 5,000-digit number raises OverflowError inside `number_input` and the page becomes a traceback. The value
    has to be gone from both the current params and the params Streamlit seeds from (taken at page load)."""
    from streamlit.runtime.state.session_state_proxy import get_session_state

    try:
        with get_session_state().query_params() as qp:
            qp._initial_query_params.pop(key, None)
            qp.remove_param(key)
    except Exception:  # noqa: BLE001, S110 - URL bookkeeping never takes a page down; the value is refused all the same
        pass


def sync_url() -> None:
    """Make the URL carry every stored value, so a copied link reproduces every page.

    Values of widgets not on this page go in as plain query params. A widget on this page that took its
    value from the store (see widgets._incoming) is bound, so Streamlit refuses a public set; its value is
    written through the same internal setter Streamlit's binding uses.
    """
    from streamlit.errors import StreamlitAPIException
    from streamlit.runtime.state.session_state_proxy import get_session_state

    st.session_state.pop(REFUSED, None)  # the run completed: its notices were shown
    written = st.session_state.setdefault("_url_written", set())
    for key in written - set(store()):  # a value the link no longer holds (reset to its default, or refused)
        try:
            if key in st.query_params:
                del st.query_params[key]
        except Exception:  # a bound widget's own parameter: Streamlit manages it
            pass
    written.intersection_update(store())
    for key, value in store().items():
        written.add(key)
        wanted = value if isinstance(value, list) else [value]
        try:
            if st.query_params.get_all(key) == wanted:
                continue
            st.query_params[key] = value
        except StreamlitAPIException:
            try:
                with get_session_state().query_params() as qp:
                    qp._set_item_internal(key, value)
                    qp._send_query_param_msg()
            except Exception:  # never let URL bookkeeping break a page
                continue
        except Exception:
            continue


def to_json(params: Mapping[str, UrlValue], money: str | None = None) -> str:
    """A scenario document: the app, the format version, when, what its money figures are in (currency, rate and the
    rate's date: informative, the params hold the inputs), and every non-default input."""
    return json.dumps(
        {"app": APP_ID, "version": VERSION, "exported": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
         **({"money": money} if money else {}), "params": dict(sorted(params.items()))},
        indent=2,
    )


def export() -> str:
    """This session's scenario as a JSON document."""
    return to_json(store(), money=money_settings().describe())


class ScenarioError(ValueError):
    """The file is not a scenario this app can open; the message says why."""


def _shown(value: object, limit: int = 40) -> str:
    """A file's value echoed in an error message: quoted, cut short, made literal for Markdown."""
    text = repr(value) if not isinstance(value, str) else repr(value[:limit] + ("…" if len(value) > limit else ""))
    return plain(text[: limit + 8])


def parse(data: bytes) -> dict[str, UrlValue]:
    """Validate an exported scenario file and return its params. Raises ScenarioError with a clear reason (already
    made literal for Markdown: it may quote the file).

    Every value a declared input would refuse is refused here with the reason its widget would give (the same rule:
    widgets.check_link_value), so a file said to be valid opens without a single notice."""
    from calculators.safe_files import FileRefused, decode_text, loads_json
    from pages._ui.widgets import check_link_value

    if len(data) > MAX_BYTES:
        raise ScenarioError(f"the file is {len(data):,} bytes; a scenario is at most {MAX_BYTES:,}")
    try:
        doc = loads_json(decode_text(data), max_depth=MAX_DEPTH)
    except FileRefused as exc:
        raise ScenarioError(f"not a JSON file, or cut short ({plain(str(exc)[:200])})") from exc
    if not isinstance(doc, Mapping) or doc.get("app") != APP_ID:
        raise ScenarioError(f"not an LLM Cost Levers scenario (no 'app': {plain(repr(APP_ID))})")
    if doc.get("version") != VERSION:
        raise ScenarioError(f"scenario version {_shown(doc.get('version'))} is not supported; this app reads version "
                            f"{VERSION}")
    params = doc.get("params")
    if not isinstance(params, Mapping):
        raise ScenarioError("'params' must be an object of input names and values")
    clean: dict[str, UrlValue] = {}
    for key, value in params.items():
        if not isinstance(key, str) or not KEY_PATTERN.match(key) or len(key) > 60:
            raise ScenarioError(f"{_shown(key)} is not an input name")
        values = value if isinstance(value, list) else [value]
        if not values or not all(isinstance(v, (str, int, float, bool)) for v in values):
            raise ScenarioError(f"input {_shown(key)} must be a number, text or true/false")
        if any(len(str(v)) > MAX_VALUE_CHARS for v in values):
            raise ScenarioError(f"input {_shown(key)} is longer than {MAX_VALUE_CHARS} characters")
        text = [url_value(v) for v in values]
        for one in text:
            if (reason := check_link_value(key, one)) is not None:
                raise ScenarioError(f"input {_shown(key)} = {_shown(one)}: {reason}")
        clean[key] = text if isinstance(value, list) else text[0]
    return clean


def link(params: Mapping[str, UrlValue]) -> str:
    """A relative link that opens these params (the Overview page)."""
    from urllib.parse import urlencode

    return "./?" + urlencode(params, doseq=True)


# --- editable tables travel as compact JSON rows ---------------------------------------------------

MAX_TABLE_CHARS = 4_000


def rows_text(rows: Sequence[BaseModel]) -> str:
    """A table as one URL value: JSON rows with short separators."""
    return json.dumps([r.model_dump(mode="json") for r in rows], separators=(",", ":"))


def rows_from_text(model: type[M], text: str) -> list[M]:
    """Parse and validate a table from its URL value; raises ValueError with the row that fails."""
    if len(text) > MAX_TABLE_CHARS:
        raise ValueError(f"longer than {MAX_TABLE_CHARS:,} characters")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError("not a table") from exc
    if not isinstance(data, list) or not data:
        raise ValueError("not a list of rows")
    rows = []
    for i, item in enumerate(data, start=1):
        try:
            rows.append(model.model_validate(item))
        except ValidationError as exc:
            raise ValueError(f"row {i}: {exc.errors()[0]['msg']}") from exc
    return rows


def stored_rows(model: type[M], defaults: Sequence[M], *, key: str) -> list[M]:
    """The table a page would start from: the link's rows when valid, else the defaults."""
    raw = store().get(key)
    if isinstance(raw, str):
        try:
            return rows_from_text(model, raw)
        except ValueError:
            pass
    return list(defaults)


def query_suffix() -> str:
    """'?...' carrying the whole scenario, for links between pages ('' when everything is default)."""
    from urllib.parse import urlencode

    params = store()
    return "?" + urlencode(params, doseq=True) if params else ""


def initial_rows(model: type[M], defaults: Sequence[M], *, key: str) -> list[M]:
    """The rows an editable table starts from in this session: the link's table when valid, else the defaults.

    Fixed for the session (kept in session state): a data editor replays its edits on top of its initial
    data, so the initial data must not change as the edits are recorded."""
    slot = f"_initial.{key}"
    if slot not in st.session_state:
        rows = list(defaults)
        raw = store().get(key)
        if isinstance(raw, str):
            try:
                rows = rows_from_text(model, raw)
            except ValueError as exc:
                st.warning(f"Ignored the link's table `{key}`: {plain(str(exc)[:80])}. Using the default table instead.",
                           icon=":material/warning:")
                store().pop(key, None)
                drop_from_url(key)
        st.session_state[slot] = rows
    return st.session_state[slot]


def record_rows(key: str, rows: Sequence[BaseModel], defaults: Sequence[BaseModel]) -> None:
    """Remember an edited table in the link (unless it is the default table)."""
    text, default = rows_text(rows), rows_text(defaults)
    if not rows or len(text) > MAX_TABLE_CHARS:  # an empty or oversized table stays out of the link
        st.session_state.setdefault(KEYS, set()).add(key)
        store().pop(key, None)
    else:
        record(key, text, default)
