"""Editable tables whose columns and checks come from a pydantic row model, like widgets.py for single inputs.

Each column is a field of the row model: its title is the header, its description the help, its
bounds the editor's limits, and ``json_schema_extra={"percent": True}`` shows a 0..1 fraction as 0..100 %.
Every edited row is validated through the model; a bad row gives a message that names the row and the
column in words.

With ``in_link=True`` a table travels in the page link as compact JSON rows (`scenario.rows_text`),
validated row by row when a link is opened (a bad one is reported and the defaults are used). The
editor starts from the link's table once per session, so editing never remounts it. Without it the
table is not stored in the link, and the page says so.
"""
from __future__ import annotations

import typing
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import pandas as pd
import streamlit as st
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from pages._ui import scenario
from pages._ui.layout import money_settings
from pages._ui.widgets import _base_type, _bounds, _escape, _extra

M = TypeVar("M", bound=BaseModel)


def _scale(info: FieldInfo) -> float:
    """Display units per model unit: 100 for a percentage, the exchange rate for money (held in USD)."""
    extra = _extra(info)
    if extra.get("percent"):
        return 100.0
    if extra.get("money"):
        return money_settings().rate
    return 1.0


def _header(info: FieldInfo, name: str) -> str:
    extra = _extra(info)
    unit = "%" if extra.get("percent") else money_settings().shown_currency if extra.get("money") else extra.get("unit")
    return (info.title or name).replace("($)", "").strip() + (f" ({unit})" if unit else "")


def _column(info: FieldInfo, name: str) -> Any:
    kind = _base_type(info.annotation)
    if kind is str:
        max_chars = next((m.max_length for m in info.metadata if hasattr(m, "max_length")), None)
        return st.column_config.TextColumn(_header(info, name), help=info.description, max_chars=max_chars,
                                           required=True)
    lo, hi = _bounds(info)
    scale = _scale(info)
    return st.column_config.NumberColumn(
        _header(info, name), help=info.description, required=True,
        min_value=None if lo is None else lo * scale, max_value=None if hi is None else hi * scale,
        step=1 if kind is int else 0.1,
        format="%.1f%%" if _extra(info).get("percent") else "%.2f" if _extra(info).get("money")
        else ("%d" if kind is int else None),
    )


def _blank(value: object) -> bool:
    """An empty cell: None, NaN, pandas' NA, or only spaces."""
    if isinstance(value, str):
        return not value.strip()
    return value is None or bool(pd.isna(value))


def _message(err: dict, scale: float, suffix: str = "") -> str:
    """A pydantic error in words, with bounds in the column's display units."""
    ctx = err.get("ctx") or {}
    kind = err.get("type", "")
    for bound, words in (("ge", "at least"), ("gt", "more than"), ("le", "at most"), ("lt", "less than")):
        if bound in ctx and kind.startswith(("greater", "less")):
            return f"must be {words} {float(ctx[bound]) * scale:g}{suffix}"
    if kind in ("missing", "float_type", "int_type", "string_type") and err.get("input") is None:
        return "is empty"
    if kind.startswith("int_from_float"):
        return "must be a whole number"
    if kind == "string_too_short":
        return "is empty"
    return str(err.get("msg", "is not valid")).removeprefix("Value error, ")


def _linked_rows(model: type[M], defaults: Sequence[M], key: str) -> list[M]:
    """The rows a table starts from this session: the link's (once, validated) or the defaults."""
    return scenario.initial_rows(model, defaults, key=key)


def _record_rows(key: str, rows: Sequence[BaseModel], defaults: Sequence[BaseModel]) -> None:
    """Keep the table in the link while it differs from the defaults and fits in one URL value."""
    scenario.record_rows(key, rows, defaults)


def edit_rows(
    model: type[M],
    defaults: Sequence[M],
    *,
    key: str,
    label: Callable[[dict], str] | None = None,
    in_link: bool = True,
) -> tuple[list[M], list[str]]:
    """An editable table (rows can be added and deleted) of `model` rows; returns (valid rows, messages).

    A fully blank row (just added, not filled in) is ignored.
    """
    fields = model.model_fields
    editor_key = key
    if any(_extra(info).get("money") for info in fields.values()):
        # Money cells are shown in the user's currency: a new currency starts the editor afresh from the rows the
        # link holds (in USD), so an amount typed before the switch keeps its value.
        m = money_settings()
        editor_key = f"{key}@{m.shown_currency}{m.rate:g}"
        if st.session_state.get(f"_editor.{key}") != editor_key:
            st.session_state.pop(f"_initial.{key}", None)
            st.session_state[f"_editor.{key}"] = editor_key
    start = _linked_rows(model, defaults, key) if in_link else list(defaults)
    headers = {name: _header(info, name) for name, info in fields.items()}
    def shown(row: M, n: str) -> object:
        value = getattr(row, n)
        return value * _scale(fields[n]) if _scale(fields[n]) != 1 else value

    frame = pd.DataFrame([{headers[n]: shown(row, n) for n in fields} for row in start],
                         columns=list(headers.values()))
    edited = st.data_editor(
        frame, key=editor_key, num_rows="dynamic", hide_index=True, width="stretch",
        column_config={headers[n]: _column(info, n) for n, info in fields.items()},
    )
    rows: list[M] = []
    messages: list[str] = []
    for i, record in enumerate(edited.to_dict("records"), start=1):
        values = {n: record.get(headers[n]) for n in fields}
        if all(_blank(v) for v in values.values()):
            continue
        cleaned = {}
        for n, v in values.items():
            if _blank(v):
                cleaned[n] = None
            elif _scale(fields[n]) != 1:
                cleaned[n] = float(f"{float(v) / _scale(fields[n]):.12g}")
            elif _base_type(fields[n].annotation) is int and isinstance(v, float) and v.is_integer():
                cleaned[n] = int(v)
            else:
                cleaned[n] = v
        try:
            rows.append(model(**cleaned))
        except ValidationError as exc:
            name = label(values) if label else None
            where = f"Row {i}" + (f" ({_escape(str(name)[:60])})" if name and not _blank(name) else "")
            for err in exc.errors():
                field = str(err["loc"][0]) if err["loc"] else ""
                column = headers.get(field, "this row")
                scale = _scale(fields[field]) if field in fields else 1.0
                suffix = "%" if field in fields and _extra(fields[field]).get("percent") else ""
                messages.append(f"{where}, **{column}**: {_message(err, scale, suffix)}")
    if in_link and not messages:
        _record_rows(key, rows, defaults)
    return rows, messages


def edit_matrix(
    row_labels: Sequence[str],
    columns: Sequence[str],
    initial: Callable[[str, str], float | None],
    *,
    key: str,
    corner: str,
    help: str,
    validate: Callable[[str, dict[str, float | None]], list[dict]],
    link_model: type[BaseModel] | None = None,
) -> tuple[dict[tuple[str, str], float | None], list[str]]:
    """A fixed-shape table of percentages (rows x columns, blank allowed); returns (fractions, messages).

    Edits are kept per (row, column) across reruns in session state, so adding a column or renaming a
    row does not lose what was typed in the other cells. `validate(row, values)` returns pydantic-style
    errors for a row (loc = (..., column)). With a `link_model` (two fields: the row label, then a
    dict of column -> value) the table travels in the page link as JSON rows of that model.
    """
    cells = f"{key}.store"
    if cells not in st.session_state:
        st.session_state[cells] = {}
        if link_model is not None:
            label_field, values_field = list(link_model.model_fields)[:2]
            for row in _linked_rows(link_model, [], key):
                for c, v in getattr(row, values_field).items():
                    st.session_state[cells][(getattr(row, label_field), c)] = v
    store: dict[tuple[str, str], float | None] = st.session_state[cells]

    def value(r: str, c: str) -> float | None:
        v = store[(r, c)] if (r, c) in store else initial(r, c)
        return None if v is None else v * 100.0

    frame = pd.DataFrame({c: [value(r, c) for r in row_labels] for c in columns},
                         index=pd.Index(list(row_labels), name=corner), dtype=float)
    edited = st.data_editor(
        frame, key=key, num_rows="fixed", width="stretch",
        column_config={c: st.column_config.NumberColumn(c, min_value=0.0, max_value=100.0, step=0.5,
                                                        format="%.1f%%", help=help) for c in columns},
    )
    out: dict[tuple[str, str], float | None] = {}
    messages: list[str] = []
    by_column = edited.to_dict()  # {column: {row: value}}: one conversion, not a pandas lookup per cell
    for r in row_labels:
        values = {}
        for c in columns:
            v = by_column.get(c, {}).get(r)
            values[c] = None if _blank(v) else float(v) / 100.0
        for err in validate(r, values):
            column = str(err["loc"][-1]) if err["loc"] else ""
            messages.append(f"{_escape(corner)} {_escape(r[:60])}, **{_escape(column)}**: {_message(err, 100.0, '%')}")
        out.update({(r, c): v for c, v in values.items()})
    store.update(out)
    if link_model is not None and not messages:
        label_field, values_field = list(link_model.model_fields)[:2]

        def as_rows(pick: Callable[[str, str], float | None]) -> list[BaseModel]:
            return [link_model.model_validate({label_field: r, values_field: {c: pick(r, c) for c in columns}})
                    for r in row_labels]

        _record_rows(key, as_rows(lambda r, c: out[(r, c)]), as_rows(initial))
    return out, messages


def validation_errors(model: type[BaseModel], data: dict) -> list[dict]:
    """The pydantic errors of `data` against `model` (empty when valid)."""
    try:
        model.model_validate(data)
    except ValidationError as exc:
        return typing.cast(list[dict], exc.errors())
    return []
