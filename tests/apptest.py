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
