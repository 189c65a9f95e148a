"""A lever's inputs, read from one declaration: drawn as widgets on its page, read from the link on the Overview.

A lever's inputs model (calculators/lever.py) says, field by field, the URL key, bounds, default, help text and
units (`json_schema_extra`: key, percent, unit, money, step, widget, labels, format). Its page draws the fields
it shows with `LeverForm(lever, ctx)` and calls `.inputs()`; every field it did not draw is read from the
scenario (the link) exactly as the Overview reads all of them with `read_inputs(lever, ctx)`. One mapping, so a
lever's page and its Overview bar always price the same inputs.
"""
from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Any

import streamlit as st
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from calculators.lever import Lever
from pages._ui import scenario, table_input, widgets
from pages._ui.layout import Context, run_memo


def _extra(info: FieldInfo) -> dict[str, Any]:
    return info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}


def _kind(info: FieldInfo) -> str:
    annotation = widgets._base_type(info.annotation)
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return "choice"
    if annotation is bool:
        return "flag"
    if annotation in (int, float):
        return "number"
    if annotation is str:
        return "choice"  # a model key or another pick from a list the lever gives
    if origin is tuple:
        args = typing.get_args(annotation)
        if args and isinstance(args[0], type) and issubclass(args[0], BaseModel):
            return "table"
        return "picks"
    raise TypeError(f"no widget for {info.annotation}")


def key_of(model: type[BaseModel], name: str) -> str:
    key = _extra(model.model_fields[name]).get("key")
    if not key:
        raise KeyError(f"{model.__name__}.{name} declares no URL key")
    return key


class InputForm:
    """Widgets for an inputs model (draw=True), or the same values read from the link (draw=False).

    `defaults` and `options` override field defaults and option lists where they follow the workload."""

    def __init__(self, model: type[BaseModel], ctx: Context, *, draw: bool = True,
                 defaults: dict[str, Any] | None = None, options: dict[str, list[str]] | None = None):
        self.ctx = ctx
        self.draw = draw
        self.model = model
        self.defaults = defaults or {}
        self.options = options or {}
        self.values: dict[str, Any] = {}

    def _default(self, name: str) -> Any:
        return self.defaults.get(name, self.model.model_fields[name].default)

    def _options(self, name: str, info: FieldInfo) -> list[str]:
        if name in self.options:
            return list(self.options[name])
        annotation = widgets._base_type(info.annotation)
        if typing.get_origin(annotation) is typing.Literal:
            return [str(o) for o in typing.get_args(annotation)]
        if _extra(info).get("options") == "models" or typing.get_origin(annotation) is tuple:
            # Text-generation models, as in the sidebar's picker; a model the link, the session or the default names
            # stays offered even when it is not one (a link to it still selects it).
            key = key_of(self.model, name)
            named = [self._default(name), st.session_state.get(key), scenario.store().get(key)]
            keep = [v for n in named for v in (n if isinstance(n, list | tuple) else [n]) if isinstance(v, str)]
            return self.ctx.catalogue.picker_keys(keep=keep)
        raise KeyError(f"{self.model.__name__}.{name}: no options")

    def _labels(self, info: FieldInfo) -> Callable[[str], str] | None:
        labels = _extra(info).get("labels")
        return (lambda v: labels.get(v, v)) if labels else None

    def __call__(self, name: str, container: Any = None, **overrides: Any) -> Any:
        """Draw the widget for one field (where the page wants it) and return its value in model units."""
        info = self.model.model_fields[name]
        key = key_of(self.model, name)
        kind = _kind(info)
        default = self._default(name)
        follows = name in self.defaults
        if kind == "number":
            value = widgets.number(self.model, name, key=key, container=container,
                                   default=default if follows else None, **overrides)
        elif kind == "flag":
            value = widgets.toggle(self.model, name, key=key, container=container,
                                   default=default if follows else None)
        elif kind == "choice":
            options = self._options(name, info)
            value = widgets.choice(self.model, name, key=key, options=options,
                                   default=default if default in options else options[0], container=container,
                                   format_func=self._labels(info), **overrides)
        elif kind == "table":
            row = typing.get_args(widgets._base_type(info.annotation))[0]
            rows, problems = table_input.edit_rows(row, default, key=key, **overrides)
            for message in problems:
                st.warning(f"{message} (row ignored)", icon=":material/warning:")
            value = tuple(rows)
        else:
            raise TypeError(f"{name}: draw this field on the page and pass it with .set()")
        self.values[name] = value
        return value

    def set(self, name: str, value: Any) -> None:
        """A value the page drew itself (a special widget): it must read the same link key as `stored`."""
        self.values[name] = value

    def stored(self, name: str) -> Any:
        """A field's value as the link holds it, parsed as its widget would parse it; the default otherwise."""
        info = self.model.model_fields[name]
        key = key_of(self.model, name)
        kind = _kind(info)
        default = self._default(name)
        if kind == "number":
            return widgets.stored_number(self.model, name, key=key, default=default if name in self.defaults else None)
        if kind == "flag":
            return widgets.stored_toggle(key=key, default=bool(default))
        if kind == "choice":
            options = self._options(name, info)
            fallback = default if default in options else options[0]
            return widgets.stored_choice(options, key=key, default=fallback, format_func=self._labels(info))
        if kind == "table":
            row = typing.get_args(widgets._base_type(info.annotation))[0]
            return tuple(scenario.stored_rows(row, default, key=key))
        if kind == "picks":
            options = set(self._options(name, info))
            raw = scenario.store().get(key)
            picked = [v for v in ([raw] if isinstance(raw, str) else raw or []) if v in options]
            return tuple(picked) or tuple(default)
        raise TypeError(name)

    def raw(self) -> dict[str, Any]:
        return {name: self.values[name] if name in self.values else self.stored(name)
                for name in self.model.model_fields}

    def inputs(self, container: Any = None) -> BaseModel:
        """The lever's inputs: drawn widgets' values, and the link's for the rest. On a page, a value that breaks a
        cross-field rule shows a message and stops the page; without drawing, it raises ValidationError."""
        values = self.raw()
        if self.draw:
            return widgets.validated(self.model, container=container, **values)
        return self.model(**values)


class LeverForm(InputForm):
    """A lever's inputs (see InputForm), with the defaults and options its declaration derives from the workload."""

    def __init__(self, lever: Lever, ctx: Context, *, draw: bool = True):
        super().__init__(lever.inputs, ctx, draw=draw, defaults=lever_defaults(lever, ctx),
                         options=lever.choices(ctx.workload, ctx.catalogue))
        self.lever = lever


def lever_defaults(lever: Lever, ctx: Context) -> dict[str, Any]:
    """The lever's defaults for this workload and catalogue, worked out once per run: the Overview asks for every
    lever's several times, and some price the workload to find theirs (routing's cheap model)."""
    memo = run_memo("_lever_form.defaults")
    key = (lever.name, id(ctx.workload), id(ctx.catalogue))
    hit = memo.get(key)
    if hit is None or hit[0] is not ctx.workload or hit[1] is not ctx.catalogue:
        hit = memo[key] = (ctx.workload, ctx.catalogue, lever.defaults(ctx.workload, ctx.catalogue))
    return dict(hit[2])


def read_inputs(lever: Lever, ctx: Context) -> BaseModel | str:
    """A lever's inputs as its page would read them from the link, without drawing; or why they are invalid."""
    try:
        return LeverForm(lever, ctx, draw=False).inputs()
    except ValidationError as exc:
        first = exc.errors()[0]
        return f"its settings are invalid ({str(first['msg']).removeprefix('Value error, ')}); open its page to fix them"


PUBLISHED = "_lever_savings"


def publish(lever: Lever, saving: float) -> None:
    """A lever page records its headline saving (the tests compare it with the Overview's bar for the same link)."""
    st.session_state.setdefault(PUBLISHED, {})[lever.name] = saving
