"""Widgets generated from a calculator's pydantic input model.

The input model is the single source of truth: a field's bounds, default, title (label) and
description (help) become the widget's. Every widget is bound to the URL (`bind="query-params"`),
so a copied link reproduces the view. A URL value the widget cannot accept (not a number, out of
bounds, unknown option) is dropped by Streamlit; we say so next to the widget instead of silently
falling back.

Field extras understood (`json_schema_extra`):
- ``percent: True``: a fraction 0..1 shown as 0..100 %.
- ``unit: "tokens"``: appended to the label.
- ``step``: the widget step (in display units).
- ``widget: "slider" | "radio" | "toggle"``: a different control than the default.
- ``format``: printf-style display format.
- ``money: True``: an amount in USD. The widget shows and takes it in the user's currency (default and
  bounds converted at their rate, never their discount); the link and the calculators hold USD, so a
  currency change moves the displayed amount, not the money.
"""
from __future__ import annotations

import functools
import math
import re
import types
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import annotated_types as at
import streamlit as st
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from pages._ui import scenario
from pages._ui.layout import currency, money_settings

remember = scenario.record  # for widgets created without these helpers

M = TypeVar("M", bound=BaseModel)

_SAFE = re.compile(r"[^A-Za-z0-9 ._:/%+-]")


def _display(raw: object, limit: int = 40) -> str:
    """A URL value made safe to echo in a Markdown message."""
    text = _SAFE.sub("?", str(raw))
    return text[:limit] + ("…" if len(text) > limit else "")


def _bounds(info: FieldInfo) -> tuple[float | None, float | None]:
    lo = hi = None
    for meta in info.metadata:
        if isinstance(meta, at.Ge):
            lo = meta.ge
        elif isinstance(meta, at.Gt):
            lo = meta.gt
        elif isinstance(meta, at.Le):
            hi = meta.le
        elif isinstance(meta, at.Lt):
            hi = meta.lt
    return lo, hi


def _extra(info: FieldInfo) -> dict[str, Any]:
    return info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}


def _base_type(annotation: Any) -> Any:
    """int | None -> int; leaves Literal and plain types alone."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation


def _escape(value: object) -> str:
    """Our own value (a default) made literal in Markdown: no LaTeX from '$', no emphasis."""
    return re.sub(r"([\\`*_{}\[\]()#+!|$~<>])", r"\\\1", str(value))


def _notice(container: Any, key: str, raw: object, reason: str, default: object) -> None:
    instead = "Leaving it empty" if default is None else f"Using {_escape(default)} instead"
    container.warning(f"Ignored the link's value `{key}={_display(raw)}`: {reason}. {instead}.",
                      icon=":material/warning:")


def _follow_default(key: str, default: object) -> None:
    """Let a widget whose default comes from elsewhere (the sidebar workload) follow that default.

    Streamlit keeps a keyed widget's value when its `value=` argument changes. When the default moves
    and the user had not edited the widget (it still holds the old default), forget the old value so
    the widget shows the new default.
    """
    seen = f"_default.{key}"
    old = st.session_state.get(seen)
    if old is not None and old != default and st.session_state.get(key) == old:
        del st.session_state[key]
    st.session_state[seen] = default


def _url_value(key: str) -> str | None:
    try:
        return st.query_params.get(key)
    except Exception:  # a malformed query string must never take the page down
        return None


def _incoming(key: str) -> tuple[str | None, bool]:
    """The value a link asks this widget to take: from the URL, or, for a page first opened after the
    link was loaded, from the scenario store (Streamlit drops other pages' params on navigation).
    Returns (raw text, whether it came from the store and must be applied through session state)."""
    raw = _url_value(key)
    if raw is not None or key in st.session_state:
        return raw, False
    stored = scenario.store().get(key)
    return (stored if isinstance(stored, str) else None), stored is not None


def _refuse(container: Any, key: str, raw: object, reason: str, default: object, from_store: bool) -> None:
    """A link's value this widget cannot take: say so, and keep it away from the widget (URL and scenario).

    The refusal is remembered until the run completes (scenario.sync_url forgets it): a run cut short by a rerun
    (the router's first run in a process) would otherwise lose the notice along with the value."""
    _notice(container, key, raw, reason, default)
    st.session_state.setdefault(scenario.REFUSED, {})[key] = (raw, reason, default)
    if from_store:
        scenario.store().pop(key, None)
    else:
        scenario.drop_from_url(key)


def _refused_earlier(container: Any, key: str) -> None:
    """The notice again for a value refused in a run that a rerun cut short (see `_refuse`)."""
    earlier = st.session_state.get(scenario.REFUSED, {}).get(key)
    if earlier is not None:
        _notice(container, key, *earlier)


def screen(key: str, accepts: Callable[[list[str]], bool], reason: str, default: object,
           container: Any = None) -> None:
    """Check the link's value for a widget drawn without these helpers (st.toggle, st.multiselect, st.date_input
    with `bind="query-params"`), before it is drawn: a value it cannot take gets the same notice and is removed."""
    values, from_store = _url_values(key), False
    if not values and key not in st.session_state:  # a page first opened after the link was loaded: the store
        stored = scenario.store().get(key)
        values, from_store = ([stored] if isinstance(stored, str) else list(stored or [])), True
    if not values:
        _refused_earlier(container or st, key)
        return
    try:
        ok = accepts(values)
    except Exception:  # noqa: BLE001 - an exotic value the check itself cannot read is refused, never raised
        ok = False
    if not ok:
        _refuse(container or st, key, ",".join(values), reason, default, from_store)


def is_flag(values: list[str]) -> bool:
    """A toggle's link value: true or false (for `screen`)."""
    return len(values) == 1 and values[0].lower() in {"true", "false"}


def _url_values(key: str) -> list[str]:
    try:
        return st.query_params.get_all(key)
    except Exception:  # noqa: BLE001 - as _url_value
        return []


def _apply(key: str, from_store: bool, value: object, ok: bool) -> None:
    if not from_store:
        return
    if ok:
        st.session_state[key] = value
    else:
        scenario.store().pop(key, None)


@dataclass(frozen=True)
class NumberSpec:
    """A numeric field as a widget sees it: bounds and default in display units (percent x100)."""

    is_int: bool
    scale: float
    lo: float | int | None
    hi: float | int | None
    default: float | int | None

    @classmethod
    def of(cls, model: type[BaseModel], name: str, default: float | None = None,
           min_value: float | None = None, max_value: float | None = None) -> NumberSpec:
        info = model.model_fields[name]
        is_int = _base_type(info.annotation) is int
        scale = 100.0 if _extra(info).get("percent") else 1.0
        lo, hi = _bounds(info)
        lo = lo if min_value is None else min_value
        hi = hi if max_value is None else max_value

        def shown(v: float | None) -> float | int | None:
            return None if v is None else int(v) if is_int else float(v) * scale

        value = shown(info.default if default is None else default)
        lo_s, hi_s = shown(lo), shown(hi)
        if value is not None and lo_s is not None:
            value = max(value, lo_s)
        if value is not None and hi_s is not None:
            value = min(value, hi_s)
        return cls(is_int=is_int, scale=scale, lo=lo_s, hi=hi_s, default=value)

    def check(self, raw: str) -> tuple[float | int | None, str | None]:
        """Parse URL text: (value in display units, None) or (None, the reason it is refused)."""
        try:
            parsed = float(raw)
        except ValueError:
            return None, "not a number"
        if not math.isfinite(parsed):
            return None, "not a finite number"
        if self.is_int and parsed != int(parsed):
            return None, "not a whole number"
        if self.lo is not None and parsed < self.lo or self.hi is not None and parsed > self.hi:
            return None, f"outside the allowed range {self.lo:g} to {self.hi:g}"
        return (int(parsed) if self.is_int else parsed), None

    def to_model(self, shown: float | int) -> float | int:
        return int(shown) if self.is_int else float(shown) / self.scale


def number(
    model: type[BaseModel],
    name: str,
    *,
    key: str,
    default: float | None = None,
    container: Any = None,
    label: str | None = None,
    help: str | None = None,
    min_value: float | None = None,
    max_value: float | None = None,
) -> float | int | None:
    """A number input (or slider) for a numeric field, in the field's units (money: see the module docstring); None
    only for an optional field with no default that is left empty."""
    container = container or st
    info = model.model_fields[name]
    extra = _extra(info)
    spec = NumberSpec.of(model, name, default, min_value, max_value)
    if extra.get("money"):
        return _money_number(info, spec, key=key, container=container, label=label, help=help,
                             follow=default is not None)
    unit = "%" if extra.get("percent") else extra.get("unit")
    text = (label or info.title or name) + (f" ({unit})" if unit else "")
    if default is not None:
        _follow_default(key, spec.default)

    raw, from_store = _incoming(key)
    if raw is not None:
        parsed, reason = spec.check(raw)
        if reason:
            _refuse(container, key, raw, reason, spec.default, from_store)
        else:
            _apply(key, from_store, parsed, ok=True)
    else:
        _refused_earlier(container, key)

    step = extra.get("step")
    kwargs: dict[str, Any] = dict(
        label=text,
        min_value=spec.lo,
        max_value=spec.hi,
        value=spec.default,
        key=key,
        help=help or info.description,
        bind="query-params",
    )
    if extra.get("widget") == "slider":
        kwargs["step"] = step or (1 if spec.is_int else None)
        result = container.slider(**{k: v for k, v in kwargs.items() if v is not None})
    else:
        if step is not None:
            kwargs["step"] = int(step) if spec.is_int else float(step)
        elif not spec.is_int:
            kwargs["step"] = 1.0 if spec.scale > 1 else None
        if extra.get("format"):
            kwargs["format"] = extra["format"]
        empty = spec.default is None  # an optional field with no default starts empty (Streamlit would start at min)
        result = container.number_input(**{k: v for k, v in kwargs.items() if v is not None or empty and k == "value"})
    if result is None:
        result = spec.default
    scenario.record(key, result, spec.default)
    return None if result is None else spec.to_model(result)  # None: an optional field left empty (no default)


def money_label(text: str) -> str:
    """A money field's title ("Student upkeep, $ per month") in the user's currency."""
    return text.replace("$", currency().strip())


def _money_number(info: FieldInfo, spec: NumberSpec, *, key: str, container: Any, label: str | None,
                  help: str | None, follow: bool) -> float:
    """A USD amount shown in the user's currency. The link holds USD under `key`; the widget's own key carries
    the currency and rate, so a new currency starts it afresh from the same USD amount."""
    m = money_settings()
    usd = float(spec.default)
    raw = _url_value(key)
    if raw is None:
        stored = scenario.store().get(key)
        raw = stored if isinstance(stored, str) else None
    if raw is not None:
        parsed, reason = spec.check(raw)
        if reason:
            _refuse(container, key, raw, f"{reason} (amounts in links are in USD)", spec.default, from_store=False)
            scenario.store().pop(key, None)
        else:
            usd = float(parsed)
    else:
        _refused_earlier(container, key)
    widget_key = f"{key}@{m.shown_currency}{m.rate:g}"
    if follow:
        _follow_default(widget_key, m.shown(float(spec.default)))
    if widget_key not in st.session_state:
        st.session_state[widget_key] = m.shown(usd)
    unit = _extra(info).get("unit")
    text = money_label(label or info.title or key) + (f" ({unit})" if unit else "")
    if "$" not in (label or info.title or "") and m.shown_currency not in text:
        text += f" ({m.shown_currency})"
    step = _extra(info).get("step")
    shown = container.number_input(
        text, min_value=None if spec.lo is None else m.shown(spec.lo),
        max_value=None if spec.hi is None else m.shown(spec.hi), key=widget_key, help=help or info.description,
        step=float(step) * m.rate if step else None, format=_extra(info).get("format") or "%.2f",
    )
    value = spec.default if shown is None else m.to_usd(shown)
    scenario.record(key, value, spec.default)
    return float(value)


def stored_number(model: type[BaseModel], name: str, *, key: str, default: float | None = None,
                  min_value: float | None = None, max_value: float | None = None) -> float | int:
    """The value `number(...)` would show, read from the scenario without drawing a widget (Overview).

    Same parsing and bounds as the widget; an unusable stored value falls back to the default."""
    spec = NumberSpec.of(model, name, default, min_value, max_value)
    raw = scenario.store().get(key)
    parsed, reason = spec.check(raw) if isinstance(raw, str) else (None, "absent")
    return spec.to_model(parsed if reason is None else spec.default)


def stored_choice(options: Sequence[str], *, key: str, default: str,
                  format_func: Callable[[str], str] | None = None) -> str:
    """The option `choice(...)` would show, read from the scenario without drawing a widget: the link's option itself,
    else the option it names by label (the last such), else the default."""
    raw = scenario.store().get(key)
    if not isinstance(raw, str):  # nearly always (nothing in the link): no pass over the options (a model list)
        return default
    if raw in options:
        return raw
    if format_func is not None:
        for option in reversed(options):
            if format_func(option) == raw:
                return option
    return default


def stored_toggle(*, key: str, default: bool) -> bool:
    raw = scenario.store().get(key)
    return raw.lower() == "true" if isinstance(raw, str) and raw.lower() in {"true", "false"} else default


def choice(
    model: type[BaseModel] | None,
    name: str | None,
    *,
    key: str,
    options: Sequence[str] | None = None,
    default: str | None = None,
    container: Any = None,
    label: str | None = None,
    help: str | None = None,
    format_func: Callable[[str], str] | None = None,
    widget: Literal["selectbox", "radio", "segmented"] | None = None,
    url_holds_option: bool = False,
) -> str:
    """A select box (or radio) over a Literal field's values or an explicit option list.

    `url_holds_option`: the link holds the option itself (a model key), never the label `format_func` shows. Streamlit
    would bind the label, so the widget is left unbound and its value travels in the scenario like a value of a widget
    on another page (scenario.sync_url writes it)."""
    container = container or st
    info = model.model_fields[name] if model is not None and name else None
    if options is None:
        assert info is not None
        options = [str(o) for o in typing.get_args(_base_type(info.annotation))]
    options = list(options)
    value = default if default is not None else (info.default if info is not None else options[0])
    index = options.index(value) if value in options else 0

    # With a format_func, Streamlit's URL holds the displayed label; a link may also hold the option itself. Labels are
    # formatted only where needed: a model list has over a thousand options and most runs have no link value.
    label_of = format_func or str
    raw, from_store = _incoming(key)
    set_here = False  # this run put the link's option into session state
    if raw is not None:
        picked_option, raw_is_label = _option_named(raw, options, label_of)
        if picked_option is None:
            _refuse(container, key, raw, "not one of the choices", label_of(options[index]), from_store)
        else:
            # Streamlit seeds from the URL only when the text is the label; otherwise set the option ourselves.
            needs_state = from_store or (key not in st.session_state and (url_holds_option or not raw_is_label))
            _apply(key, needs_state, picked_option, ok=True)
            set_here = needs_state
    else:
        _refused_earlier(container, key)

    kind = widget or (_extra(info).get("widget") if info is not None else None) or "selectbox"
    kwargs: dict[str, Any] = dict(
        label=label or (info.title if info is not None else None) or name or key,
        options=options,
        key=key,
        help=help or (info.description if info is not None else None),
        bind=None if url_holds_option else "query-params",
    )
    if format_func is not None:
        kwargs["format_func"] = format_func
    # Where this run set the widget's value, its default is left out: Streamlit would use the value anyway, and warns
    # in the server log of a widget given both.
    shown_index = 0 if set_here else index
    if kind == "radio":
        picked = container.radio(index=shown_index, horizontal=True, **kwargs)
    elif kind == "segmented":
        picked = container.segmented_control(default=None if set_here else options[index], **kwargs)
        picked = picked if picked is not None else options[index]
    else:
        picked = container.selectbox(index=shown_index, **kwargs)
    if url_holds_option:
        scenario.record(key, picked, options[index])
    else:
        scenario.record(key, label_of(picked) if picked in options else picked, label_of(options[index]))
    return picked


def _option_named(raw: str, options: list[str], label_of: Callable[[str], str]) -> tuple[str | None, bool]:
    """The option a link's text names, and whether it named it by label: a label (the last option to show it) before
    an option of the same text; (None, False) when it names none."""
    for option in reversed(options):
        if label_of(option) == raw:
            return option, True
    return (raw, False) if raw in options else (None, False)


def toggle(model: type[BaseModel], name: str, *, key: str, default: bool | None = None, container: Any = None) -> bool:
    """A toggle for a boolean field."""
    container = container or st
    info = model.model_fields[name]
    value = info.default if default is None else default
    if default is not None:
        _follow_default(key, bool(default))
    raw, from_store = _incoming(key)
    if raw is not None:
        if raw.lower() in {"true", "false"}:
            _apply(key, from_store, raw.lower() == "true", ok=True)
        else:
            _refuse(container, key, raw, "not true or false", value, from_store)
    else:
        _refused_earlier(container, key)
    picked = container.toggle(info.title or name, value=bool(value), key=key, help=info.description,
                              bind="query-params")
    scenario.record(key, picked, bool(value))
    return picked


def text(
    model: type[BaseModel], name: str, *, key: str, default: str | None = None, container: Any = None,
    height: int | None = None, bind: bool = False,
) -> str:
    """A text area for a string field. Long text (a pasted prompt) is not bound to the URL by default."""
    container = container or st
    info = model.model_fields[name]
    value = info.default if default is None else default
    max_chars = None
    for meta in info.metadata:
        if isinstance(meta, at.MaxLen):
            max_chars = meta.max_length
    typed = container.text_area(
        info.title or name, value=value, key=key, help=info.description, height=height, max_chars=max_chars,
        bind="query-params" if bind else None,
    )
    if bind:
        scenario.record(key, typed, value)
    return typed


def validated(model: type[M], container: Any = None, **values: Any) -> M:
    """Build the input model; on failure show which input is wrong, in words, and stop the page.

    Widgets already enforce each field's bounds, so what reaches here is mostly a cross-field rule
    (e.g. a p95 below the p50). The message names the inputs by their labels.
    """
    try:
        return model(**values)
    except ValidationError as exc:
        container = container or st
        for err in exc.errors():
            fields = [str(p) for p in err["loc"]]
            labels = [model.model_fields[f].title or f for f in fields if f in model.model_fields]
            where = ", ".join(labels) if labels else "These inputs"
            message = str(err["msg"]).removeprefix("Value error, ")
            container.error(f"**{where}**: {message}", icon=":material/error:")
        st.stop()
        raise  # unreachable: st.stop() raises


# --- the same rules for a scenario file ------------------------------------------------------------


@functools.cache
def link_fields() -> dict[str, tuple[type[BaseModel], str]]:
    """Every link key declared on a calculator input model (`json_schema_extra={"key": ...}`), plus the sidebar's:
    key -> (model, field). The declarations are the one place that knows a key's rules."""
    import importlib
    import pkgutil

    import calculators
    from calculators.money import MoneySettings
    from calculators.workload import SimpleWorkload
    from pages._ui.workload_edit import SIDEBAR_KEYS

    fields: dict[str, tuple[type[BaseModel], str]] = {}
    for module_info in pkgutil.iter_modules(calculators.__path__):
        try:
            module = importlib.import_module(f"calculators.{module_info.name}")
        except Exception:  # noqa: BLE001, S112 - a module that cannot load declares no key the app can draw either
            continue
        for model in vars(module).values():
            if isinstance(model, type) and issubclass(model, BaseModel) and model.__module__ == module.__name__:
                for name, info in model.model_fields.items():
                    key = _extra(info).get("key")
                    if isinstance(key, str):
                        fields.setdefault(key, (model, name))
    fields.update({key: (SimpleWorkload, name) for name, key in SIDEBAR_KEYS.items()})
    fields.update({"currency": (MoneySettings, "currency"), "fx": (MoneySettings, "rate_per_usd"),
                   "discount": (MoneySettings, "discount")})
    return fields


def check_link_value(key: str, value: str) -> str | None:
    """Why a widget would refuse this link value (the reason its notice gives), or None when it would take it, or the
    key is not one a declaration describes (a page-specific widget checks it when drawn)."""
    declared = link_fields().get(key)
    if declared is None:
        return None
    model, name = declared
    info = model.model_fields[name]
    annotation = _base_type(info.annotation)
    if annotation in (int, float):
        return NumberSpec.of(model, name).check(value)[1]
    if annotation is bool:
        return None if value.lower() in {"true", "false"} else "not true or false"
    if typing.get_origin(annotation) is typing.Literal:
        options = [str(o) for o in typing.get_args(annotation)]
        labels = _extra(info).get("labels") or {}
        return None if value in options or value in {str(v) for v in labels.values()} else "not one of the choices"
    return None
