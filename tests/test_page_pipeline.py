"""AI-everywhere pipeline page: defaults by hand, table edits, widgets, hostile input."""
from tests.apptest import metric_value, money_value, run_page, warnings_text

PAGE = "pages/pipeline.py"


def bill(at):
    return money_value(metric_value(at, "Monthly bill, what-if"))


def edit(at, edited_rows=None, deleted_rows=None):
    """Edit the data editor the way the browser would (row index -> {column: value})."""
    at.session_state["pipe.table"] = {"edited_rows": edited_rows or {}, "added_rows": [],
                                      "deleted_rows": deleted_rows or []}
    return at.run()


def test_default_pipeline_by_hand():
    at = run_page(PAGE)
    assert not at.exception and not at.error
    # Per run, Sonnet 5.5 ($2/$10) and Haiku 5.5 ($0.1/$0.5): classify $0.000155, extract $0.008,
    # dates $0.000055, VAT numbers $0.00015, currency $0.000035, JSON check $0.0033, summary $0.006 = $0.017695.
    # The what-if drops dates, VAT numbers, currency and JSON ($0.00354): $0.014155 x 1M runs.
    assert bill(at) == 14_155
    assert metric_value(at, "Cost per run") == "$0.0142"
    assert metric_value(at, "End-to-end success") == "88.4%"  # 0.995 x 0.97 x 0.95 x 0.999 x 0.995 x 0.9995 x 1 x 0.97
    assert metric_value(at, "Payback (months)") == "2.8"  # $10,000 / $3,540


def test_unticking_a_conversion_raises_the_bill():
    at = run_page(PAGE)
    before = bill(at)
    edit(at, {6: {"convert": False}})  # keep the JSON check as an LLM call
    assert not at.exception
    assert bill(at) == before + 3_300  # (900 x $2 + 150 x $10) per M tokens x 1M runs


def test_bad_row_gets_a_message_and_is_left_out():
    at = run_page(PAGE)
    edit(at, {1: {"success_rate": 150}, 2: {"model_key": None}})
    assert not at.exception
    text = warnings_text(at)
    assert "Row 2 (Classify the document type), Success rate: must be at most 100%" in text
    assert "Row 3 (Extract invoice fields): an LLM step needs a model" in text
    assert bill(at) < 14_155 - 8_000 + 1  # the $8,000 extraction step is left out


def test_empty_table_says_so():
    at = run_page(PAGE)
    edit(at, deleted_rows=list(range(8)))
    assert not at.exception
    assert "no valid step" in warnings_text(at)


def test_dearer_rewrite_pays_back_later():
    at = run_page(PAGE)
    at.number_input(key="pipe.rewrite").set_value(50_000.0).run()
    assert float(metric_value(at, "Payback (months)")) > 2.8


def test_volume_comes_from_the_sidebar():
    at = run_page(PAGE, {"requests": "2000000"})
    assert bill(at) == 28_310


def test_hostile_params_give_notices():
    at = run_page(PAGE, {"pipe.rewrite": "abc", "pipe.target": "1e308", "pipe.table": "<script>alert(1)</script>"})
    assert not at.exception
    text = warnings_text(at)
    assert "`pipe.rewrite=" in text and "`pipe.target=" in text
    assert bill(at) == 14_155
