"""A currency change moves money only: every money figure on every page, in EUR at rate r, is the USD figure x r;
every other figure (tokens, months, rates, counts) is identical. The discount moves the catalogue's prices only."""
import math
import re
import sys

import pytest

from tests.apptest import ROOT, metric_value, open_tab, run_page, tab_labels

sys.path.insert(0, str(ROOT))
from app import page_files  # noqa: E402
from tests.test_pages import CHART_TABS  # noqa: E402

RATE = 0.5  # a rate far from 1, so an unconverted amount cannot pass
DISCOUNT = {"discount": "10"}
NUMBER = r"((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)"
MONEY = {"$": re.compile(r"(?<![A-Za-z])\$\s?" + NUMBER), "€": re.compile("€\\s?" + NUMBER)}


def texts(at) -> list[str]:
    """Every metric (value and delta) and caption, main area and sidebar, in order."""
    out = []
    for m in [*at.metric, *at.sidebar.metric]:
        out += [f"{m.label}: {m.value}", str(m.delta or "")]
    out += [c.value for c in [*at.caption, *at.sidebar.caption]]
    return out


def every_tab_texts(at, page: str) -> list[str]:
    """`texts` with the page's first chart tab open, then with each other tab open in turn (only the open tab is
    drawn, so a closed tab's figures and captions would otherwise go unchecked)."""
    out = texts(at)
    for key in CHART_TABS.get(page, ()):
        labels = tab_labels(at, key)
        for label in labels[1:]:
            open_tab(at, key, label)
            assert not at.exception, (page, label, [e.value for e in at.exception])
            out += [f"tab: {label}", *texts(at)]
        open_tab(at, key, labels[0])
    return out


def unit(number: str) -> float:
    """Half the last displayed digit's place, for a number as shown ('1,234' -> 0.5, '0.00747' -> 0.000005)."""
    digits = number.replace(",", "")
    return 0.5 * 10 ** -(len(digits.split(".")[1]) if "." in digits else 0)


def split_money(text: str, symbol: str) -> tuple[str, list[str]]:
    """The text with each amount replaced by <money> and the currency named as a unit ("€ per month") by <currency>,
    and the amounts."""
    pattern = MONEY[symbol]
    return pattern.sub("<money>", text).replace(f"{symbol} per ", "<currency> per "), pattern.findall(text)


@pytest.mark.parametrize("page", page_files())
def test_a_currency_change_moves_money_only(page):
    usd = run_page(page, DISCOUNT)
    eur = run_page(page, DISCOUNT | {"currency": "EUR", "fx": str(RATE), "fx_date": "2026-11-20"})
    assert not usd.exception and not eur.exception
    a, b = every_tab_texts(usd, page), every_tab_texts(eur, page)
    assert len(a) == len(b)
    for before, after in zip(a, b, strict=True):
        if "per USD" in after or "USD list prices" in before or "in USD" in before or "Sources for defaults" in before:
            continue  # the caption stating the currency itself; sources quoted as published (in USD)
        shape_usd, amounts_usd = split_money(before, "$")
        shape_eur, amounts_eur = split_money(after, "€")
        assert "$" not in shape_eur, after
        assert shape_usd == shape_eur, (before, after)  # every non-money figure identical
        for x, y in zip(amounts_usd, amounts_eur, strict=True):
            expected = float(x.replace(",", "")) * RATE
            tolerance = unit(x) * RATE + unit(y) + 1e-9
            assert math.isclose(float(y.replace(",", "")), expected, abs_tol=tolerance), (before, after)


def test_the_discount_moves_catalogue_prices_only():
    full = run_page("pages/overview.py")
    net = run_page("pages/overview.py", {"discount": "20"})
    bill = [m.value for m in full.sidebar.metric][0]
    assert bill == "$8,000/month" and [m.value for m in net.sidebar.metric][0] == "$6,400/month"


def test_money_typed_in_a_table_keeps_its_value_across_a_currency_switch():
    """The value of a correct answer, $20 typed as EUR 10 at 0.5 EUR per USD, is still $20 in USD: the reasoning
    break-even budget (tokens) does not move."""
    import json

    from calculators.reasoning import DEFAULT_TASKS

    rows = [t.model_dump(mode="json") for t in DEFAULT_TASKS]
    rows[0]["value_correct"] = 20.0  # the link holds USD
    link = {"w.reasoning": "2000", "currency": "EUR", "fx": "0.5",
            "reason.tasks": json.dumps(rows, separators=(",", ":"))}
    at = run_page("pages/reasoning.py", link)
    table = at.dataframe[0].value
    assert table["Value of a correct answer (EUR)"].iloc[0] == 10.0
    break_even = metric_value(at, "Always-on pays up to")  # the break-even reasoning budget, in tokens
    at.sidebar.selectbox(key="currency").set_value("USD").run()
    assert at.dataframe[0].value["Value of a correct answer (USD)"].iloc[0] == 20.0
    assert metric_value(at, "Always-on pays up to") == break_even
