"""AppTest: the sensitivity sections on the Overview, a lever page, the projection and the printable summary."""
from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest

from pages._ui.layout import SURE_TAB
from tests.apptest import APP, TIMEOUT, open_tab, run_page

BAND = re.compile(r"P10 (\S+) · P50 (\S+) · P90 (\S+)")


def markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_overview_tornado_headline_and_monte_carlo_from_the_link():
    at = run_page("pages/overview.py", {"u.mc": "true", "u.draws": "40", "u.seed": "7",
                                        "u.ranges": "requests:0.1:0.1,out_tokens:0.5:1"})
    assert not at.exception
    text = markdown(at)
    # Output tokens -50%/+100% swings the bill more than volume +-10%: it heads the tornado.
    assert "**Output tokens per request** moves the bill after the levers most" in text
    bands = BAND.findall(text)
    assert len(bands) == 2  # after the levers, today
    p10, p50, p90 = (float(v.replace("$", "").replace(",", "")) for v in bands[0])
    assert p10 <= p50 <= p90
    assert "seed 7" in " ".join(c.value for c in at.caption)
    again = run_page("pages/overview.py", {"u.mc": "true", "u.draws": "40", "u.seed": "7",
                                           "u.ranges": "requests:0.1:0.1,out_tokens:0.5:1"})
    assert BAND.findall(markdown(again)) == bands  # the same link, the same figures


def test_a_bad_ranges_value_is_dropped_with_a_notice():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)  # the Overview is the default page: the link's first run
    at.query_params.update({"u.ranges": "requests:abc:1,out_tokens:0.5:1"})
    at.run()
    assert not at.exception
    assert any("u.ranges" in w.value and "requests:abc:1" in w.value for w in at.warning)
    assert "**Output tokens per request** moves" in markdown(at)


def test_lever_page_tornado_of_its_own_inputs():
    at = open_tab(run_page("pages/routing.py"), "rt.view", SURE_TAB)
    assert not at.exception
    assert "moves this lever's saving most" in markdown(at)


def test_projection_fan_and_summary_bands():
    at = open_tab(run_page("pages/jevons.py"), "jevons.view", SURE_TAB)
    assert not at.exception
    assert "(P10) and" in markdown(at)
    summary = run_page("pages/summary.py", {"u.mc": "true", "u.draws": "20"})
    assert not summary.exception
    html = " ".join(h.proto.body for h in summary.get("html"))
    assert html.count("P10–P90") >= 4  # today, after, saving, projection


def test_summary_band_under_a_monthly_increase_is_the_increase():
    """A batch pipeline costing $5,000 a month turns batch's $1,200 saving into a $3,800 "Monthly increase": the band
    under it is the increase's P10-P90 ($3,398 - $4,063 with these draws), not the saving's (-$4,063 - -$3,398)."""
    summary = run_page("pages/summary.py", {"u.mc": "true", "u.draws": "300", "u.seed": "7",
                                            "bill.levers": "Batch and flex", "batch.cost": "5000"})
    assert not summary.exception
    html = " ".join(h.proto.body for h in summary.get("html"))
    assert "Monthly increase" in html
    bands = re.findall(r"P10–P90: ([^\s<]+) – ([^\s<]+)</div>", html)
    assert len(bands) == 3  # today, after, the increase
    lo, hi = (float(v.replace("$", "").replace(",", "").replace("−", "-")) for v in bands[2])
    assert 0 < lo <= 3_800 <= hi, bands[2]
    # The lever's row signs its share as its amount (a rise: +$3,800, +47.5%), and the bill after is not in the green
    # of a saving; the bands' note names the distribution as the Overview does.
    assert "<td class='num'>+$3,800</td><td class='num'>+47.5%</td>" in html
    assert "class='kpi after rises'" in html and "300 PERT draws" in html


def test_tornado_names_its_point_estimate_in_the_legend_not_over_it():
    """The point estimate's line is a legend entry ('likely $…'); nothing else is written above the plot, where the
    legend sits, and each input's name is on white so the line does not strike through it."""
    import pandas as pd

    from pages._ui.fig_uncertainty import tornado

    frame = pd.DataFrame({"input": ["Volume", "Hit rate"], "range": ["1 – 3", "10% – 30%"],
                          "at low": [80.0, 95.0], "at high": [130.0, 104.0]})
    fig = tornado(frame, 100.0, currency="€", title="t", what="the bill")
    assert [t.name for t in fig.data] == ["input at its low", "input at its high", "likely €100"]
    assert fig.layout.legend.y == 1.0 and fig.layout.legend.yanchor == "bottom"
    assert not [a for a in fig.layout.annotations if a.yref == "paper" and a.y == 1 and a.yanchor == "bottom"]
    assert [a.bgcolor for a in fig.layout.annotations] == ["rgba(255,255,255,0.85)"] * 2


def test_tornado_end_labels_carry_no_minus_on_a_zero_amount():
    """An end that rounds to zero cents is '$0.00', never '−$0.00'; a real negative keeps its sign."""
    import pandas as pd

    from pages._ui.fig_uncertainty import tornado

    frame = pd.DataFrame({"input": ["Spread"], "range": ["1.8 – 3"], "at low": [-0.0000033], "at high": [-12.5]})
    fig = tornado(frame, 0.15, currency="$", title="t", what="the saving")
    assert [list(t.text) for t in fig.data[:2]] == [[""], ["low $0.00 · high −$12.50"]]


def test_tornado_labels_never_print_over_each_other():
    """Ends on either side of the line: each bar its own label. Both ends on one side: the bars overlap, so the outer one
    carries both amounts (low first) and the inner none. A flat bar: one amount, at the line."""
    import pandas as pd

    from pages._ui.fig_uncertainty import tornado

    frame = pd.DataFrame({"input": ["Volume", "Prompt", "Trim", "Hit rate"], "range": ["a", "b", "c", "d"],
                          "at low": [800.0, 1040.0, 1010.0, 1000.0], "at high": [1300.0, 1020.0, 1070.0, 1000.0]})
    fig = tornado(frame, 1000.0, currency="$", title="t", what="the bill")
    low, high = (list(reversed(t.text)) for t in fig.data[:2])  # drawn bottom-up: widest last
    assert low == ["$800", "low $1,040 · high $1,020", "", ""]
    assert high == ["$1,300", "", "low $1,010 · high $1,070", "$1,000"]
    assert list(reversed(fig.data[0].customdata)) == ["$800", "$1,040", "$1,010", "$1,000"]  # the hover keeps each


def test_the_monte_carlo_says_how_many_draws_leave_a_class_out_of_todays_bill():
    """An 8k-window model with a 7,600-token prompt: in some draws the calls do not fit, the bill leaves the class out
    (today's bill is lower there), and the caption says in how many, not silently."""
    at = run_page("pages/overview.py", {"u.mc": "true", "u.draws": "200", "u.seed": "3",
                                        "model": "aws/meta.llama3-8b-instruct-v1:0", "in_tokens": "7600"})
    assert not at.exception
    caption = next(c.value for c in at.caption if "draws, seed 3" in c.value)
    assert re.search(r"In [\d,]+ draws a call class's requests do not fit its model's context window", caption)
