"""Helpers for AppTest: run the real app (router + sidebar workload) on one page."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
TIMEOUT = 60


def run_page(page: str, query: dict[str, str] | None = None, timeout: float = TIMEOUT) -> AppTest:
    """Run app.py, then switch to `page` (e.g. 'pages/caching.py') with optional URL query params."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    at.query_params.update(query or {})
    at.run()  # the default page, with the sidebar workload seeded from the URL
    at.switch_page(page)
    at.query_params.update(query or {})  # the page's own widgets are seeded on their first run
    at.run()
    return at


def metric_value(at: AppTest, label: str) -> str:
    """The displayed value of the headline metric whose label starts with `label`."""
    for m in at.metric:
        if m.label.startswith(label):
            return m.value
    raise AssertionError(f"no metric labelled {label!r}; have {[m.label for m in at.metric]}")


def money_value(text: str) -> float:
    """'$1,234.50' / '−$12' / '$1,234/month' -> float."""
    cleaned = text.replace("−", "-").replace("$", "").replace(",", "").split("/")[0].split(" ")[0]
    return float(cleaned)


def warnings_text(at: AppTest) -> str:
    """Every warning on the page and in the sidebar."""
    return " ".join(w.value for w in [*at.warning, *at.sidebar.warning])


def errors_text(at: AppTest) -> str:
    return " ".join(e.value for e in [*at.error, *at.sidebar.error])


def verdicts(at: AppTest) -> list[tuple[str, str]]:
    """The page's verdict boxes (layout.verdict), as (tone, sentence). A "neutral" verdict is left out: its box and icon
    are those of any other info note."""
    from pages._ui.layout import _VERDICT

    boxes = {(box.__name__, icon): tone for tone, (box, icon) in _VERDICT.items() if tone != "neutral"}
    return [(boxes[(a.type, a.proto.icon)], a.value) for a in [*at.success, *at.warning, *at.info]
            if (a.type, a.proto.icon) in boxes]


def headline_metrics(at: AppTest) -> list[str]:
    """Labels of the metrics a reader meets before the page's first chart, outside any expander or popover."""
    labels: list[str] = []

    def walk(node) -> bool:  # True once the first chart is reached
        if getattr(node, "type", None) == "plotly_chart":
            return True
        if getattr(node, "type", None) == "metric":
            labels.append(node.label)
        if getattr(node, "type", None) in ("expander", "popover"):
            return False
        return any(walk(node.children[k]) for k in sorted(getattr(node, "children", {})))

    walk(at.main)
    return labels


def opening_box(at: AppTest) -> tuple[str, str, str]:
    """The first alert box on the page, in reading order, as (type, icon, text): the verdict opens every page, so this
    is it, whatever its tone (neutral included)."""
    def walk(node):
        if getattr(node, "type", None) in ("success", "info", "warning", "error"):
            return node
        children = getattr(node, "children", {})
        return next((found for k in sorted(children) if (found := walk(children[k])) is not None), None)

    box = walk(at.main)
    assert box is not None, "no alert box on the page"
    return box.type, box.proto.icon, box.value


def open_tab(at: AppTest, key: str, label: str) -> AppTest:
    """Open the tab `label` of the page's chart tabs `key` (layout.chart_tabs) and rerun: only the open tab is drawn."""
    at.session_state[key] = label
    return at.run()


def tab_labels(at: AppTest, key: str) -> list[str]:
    """The labels of the chart tabs `key` (a page may have several groups of tabs: the group whose open tab is the
    one the session holds for `key`)."""
    from streamlit.testing.v1.element_tree import Tab

    groups: list[list[str]] = []

    def walk(node) -> None:
        children = list(getattr(node, "children", {}).values())
        if children and all(isinstance(c, Tab) for c in children):
            groups.append([c.label for c in children])
        for c in children:
            walk(c)

    walk(at._tree)
    open_label = at.session_state[key]
    return next(g for g in groups if open_label in g)


def charts_by_tab(at: AppTest, key: str) -> dict[str, int]:
    """Open each of the chart tabs `key` in turn: how many charts the page draws with each open. Ends on the first
    tab."""
    labels = tab_labels(at, key)
    counts = {}
    for label in labels:
        open_tab(at, key, label)
        assert not at.exception, [e.value for e in at.exception]
        counts[label] = len(at.get("plotly_chart"))
    open_tab(at, key, labels[0])
    return counts
