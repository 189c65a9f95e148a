"""Call classes page: the workload as a table; a custom table in the link replaces the four numbers, reversibly."""
import json

from calculators.bill import price
from calculators.workload import ClassRow, custom_workload
from tests.apptest import headline_metrics, opening_box, run_page, verdicts
from tests.levers_common import CAT, DEFAULT

PAGE = "pages/workload.py"
PIPELINE = [  # two steps of a pipeline on different models, 100,000 runs a month
    {"name": "Classify", "requests_per_month": 100_000, "model_key": "anthropic/claude-haiku-5-5",
     "other_input_tokens": 1_500, "output_tokens": 10},
    {"name": "Extract", "requests_per_month": 100_000, "model_key": "anthropic/claude-sonnet-5-5",
     "prefix_tokens": 1_000, "other_input_tokens": 1_500, "output_tokens": 300, "cache_hit_rate": 0.5},
]


def bill(at) -> str:
    return at.sidebar.metric[0].value


def test_the_verdict_says_what_the_workload_costs():
    bill = price(DEFAULT, CAT)
    expected = (f"This workload costs ${bill.total:,.0f} a month: {bill.requests:,.0f} requests making "
                f"{bill.calls:,.0f} model calls, in 1 call class.")
    assert expected.startswith("This workload costs $8,000 a month: 1,000,000 requests making 1,000,000 model calls")
    at = run_page(PAGE)
    assert opening_box(at) == ("info", ":material/info:", expected)  # a neutral verdict, right under the title
    assert not verdicts(at)  # no saving, cost or idle verdict on this page
    assert len(headline_metrics(at)) <= 4


def test_the_verdict_counts_unpriced_classes_out_of_the_bill():
    rows = [PIPELINE[0] | {"model_key": "nobody/unknown"}, PIPELINE[1]]
    bill = price(custom_workload([ClassRow(**r) for r in rows]), CAT)
    at = run_page(PAGE, {"w.classes": json.dumps(rows)})
    assert opening_box(at)[2] == (f"This workload costs ${bill.total:,.0f} a month: {bill.requests:,.0f} requests "
                                  f"making {bill.calls:,.0f} model calls, in 2 call classes; 1 of them unpriced (left "
                                  "out of the bill, not free).")


def test_default_is_the_sidebar_workload():
    at = run_page(PAGE)
    assert not at.exception
    assert bill(at) == "$8,000/month"
    assert list(at.dataframe[0].value["call class"]) == ["Requests"]


def test_edit_as_a_table_keeps_the_bill_and_goes_back():
    at = run_page(PAGE)
    next(b for b in at.button if b.label.startswith("Edit as a table")).click().run()
    assert not at.exception
    assert bill(at) == "$8,000/month" and any("custom workload" in c.value for c in at.sidebar.caption)
    at.button(key="w.leave_page").click().run()
    assert bill(at) == "$8,000/month" and not any("custom workload" in c.value for c in at.sidebar.caption)


def test_a_custom_table_in_the_link_is_the_workload():
    at = run_page(PAGE, {"w.classes": json.dumps(PIPELINE)})
    assert not at.exception
    # Classify: 100k x (1,500 x $0.10 + 10 x $0.50) / 1M = $15.50. Extract: 100k x (1,000 x (0.5 x $0.10 + 0.5 x $2.50)
    # + 1,500 x $2 + 300 x $10) / 1M = $130 + $300 + $300 = $730. Total $745.50.
    assert bill(at) == "$746/month"
    assert at.session_state["workload_classes"].classes[1].cache_hit_rate == 0.5


def test_a_broken_table_in_the_link_is_ignored_with_a_notice():
    from streamlit.testing.v1 import AppTest

    from tests.apptest import APP

    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["w.classes"] = '[{"name": "x"}]'
    at.run()
    assert not at.exception
    assert any("Ignored the link's call classes" in w.value for w in at.sidebar.warning)
    assert bill(at) == "$8,000/month"


def test_unknown_model_is_unpriced_not_free():
    rows = [PIPELINE[0] | {"model_key": "nobody/unknown"}, PIPELINE[1]]
    at = run_page(PAGE, {"w.classes": json.dumps(rows)})
    assert not at.exception
    assert any("unpriced" in w.value for w in [*at.warning, *at.sidebar.warning])
    assert bill(at) == "$730/month"
