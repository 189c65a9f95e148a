"""Output caps page: today is the sidebar's bill, widgets move the headline the right way, uploads are an extra
analysis with offers, bad input gives a message and never a crash."""
import json
import re

import pytest

from calculators import output_caps as oc
from tests.apptest import errors_text, headline_metrics, metric_value, money_value, run_page, verdicts, warnings_text
from tests.levers_common import CAT, DEFAULT, REVIEW_ROWS

PAGE = "pages/output_caps.py"
LENGTHS = ("lengths.csv", b"output_tokens\n100\n200\n300\n400\n", "text/csv")


def saving(at) -> float:
    return at.session_state["_lever_savings"]["output_caps"]


def summary(at) -> str:
    return next(c.value for c in at.caption if c.value.startswith("At max_tokens"))


def figure(at, pattern: str) -> float:
    return float(re.search(pattern, summary(at)).group(1).replace(",", ""))


def test_default_run():
    at = run_page(PAGE)
    assert not at.exception
    assert not errors_text(at)
    # The 98th percentile of a log-normal of mean 400 and p95 960: 1,261.4, so 1,262 whole tokens (test_output_caps).
    assert metric_value(at, "Cheapest cap within limit") == "1,262 tokens"
    assert metric_value(at, "Break-even redo share") == "14.3%"
    assert "today $8,000" in next(m.delta for m in at.metric if m.label == "Bill with this cap")
    # The default cap of 4,096 cuts 0.0017% of answers: it saves $0.15 a month, the published figure.
    assert money_value(metric_value(at, "Monthly saving")) == pytest.approx(saving(at), abs=0.005)
    assert saving(at) == pytest.approx(0.154, abs=1e-3)
    # p50 latency: 600 ms + (320.05 - 1) x 20 ms = 7.0 s; p95 with no cap: 600 + 959 x 20 ms = 19.8 s.
    assert "p50 7.0 s" in summary(at) and "(no cap: 19.8 s)" in summary(at)
    assert "400 tokens per request" in " ".join(c.value for c in at.caption)


def test_the_verdict_says_the_default_cap_saves_cents_and_names_the_cheapest_cap():
    at = run_page(PAGE)
    r = oc.evaluate(DEFAULT, oc.OutputCapInputs(), CAT)
    # $0.154 a month today; the cheapest cap within the 2% limit, 1,262 tokens, saves $38.04 (test_output_caps.py).
    expected = (f"A max_tokens cap of 4,096 saves ${r.saving:.2f} a month (under 0.1% of the "
                f"bill), cutting off {r.truncation_rate * 100:.2f}% of answers; the cheapest cap within "
                f"your 2.0% truncation limit, 1,262 tokens, would save ${r.optimal_saving:.2f}.")
    assert verdicts(at) == [("saves", expected)]
    assert "saves $0.15 a month" in verdicts(at)[0][1] and "would save $38.04" in verdicts(at)[0][1]
    assert "cutting off 0.01% of answers" in verdicts(at)[0][1]  # 0.0067%: one answer in 15,000
    assert headline_metrics(at) == ["Monthly saving", "Bill with this cap", "Cheapest cap within limit",
                                    "Break-even redo share"]


def test_a_cap_whose_redos_cost_more_says_so():
    at = run_page(PAGE, {"cap.max_tokens": "1000", "cap.redo": "100"})
    r = oc.evaluate(DEFAULT, oc.OutputCapInputs(cap=1_000, redo_share=1.0), CAT)
    (tone, text), = verdicts(at)
    assert tone == "costs" and r.saving < 0
    assert text.startswith(f"A max_tokens cap of 1,000 costs ${-r.saving:,.0f} a month more "
                           f"({-r.saving_share * 100:.1f}% of the bill): it cuts off "
                           f"{r.truncation_rate * 100:.2f}% of answers and redoing 100% of them costs more")
    assert text.endswith("no cap within your 2.0% truncation limit bills less than no cap at this redo share.")


def test_redoing_every_truncated_answer_makes_a_tight_cap_cost_more():
    at = run_page(PAGE)
    at.number_input(key="cap.max_tokens").set_value(1_000).run()
    assert saving(at) > 0
    at.number_input(key="cap.redo").set_value(100.0).run()
    assert saving(at) < 0
    assert money_value(metric_value(at, "Monthly saving")) < 0
    assert metric_value(at, "Cheapest cap within limit") == "no cap"


def test_tighter_cap_truncates_more_and_admits_more_requests():
    at = run_page(PAGE)
    trunc = figure(at, r"([\d.]+)% of answers cut off")
    rpm = figure(at, r"admits ([\d,]+) requests a minute")
    at.number_input(key="cap.max_tokens").set_value(800).run()
    assert figure(at, r"([\d.]+)% of answers cut off") > trunc
    assert figure(at, r"admits ([\d,]+) requests a minute") > rpm


def test_slower_first_token_raises_latency_by_the_difference():
    at = run_page(PAGE)
    before = figure(at, r"p50 ([\d.]+) s")
    at.number_input(key="cap.ttft").set_value(3_000.0).run()
    assert figure(at, r"p50 ([\d.]+) s") == pytest.approx(before + 2.4)


def test_brevity_instruction_lowers_the_bill():
    at = run_page(PAGE)
    at.number_input(key="cap.brevity").set_value(-20.0).run()
    assert saving(at) == pytest.approx(800.03, abs=0.01)  # see tests/test_output_caps.py
    assert any("The brevity instruction alone saves $800" in c.value for c in at.caption)


def test_impossible_spread_is_refused_in_words():
    at = run_page(PAGE, {"cap.p95x": "5"})
    assert not at.exception
    assert "impossible for a log-normal with that mean" in errors_text(at)


def test_reasoning_tokens_share_the_cap():
    at = run_page(PAGE, {"w.reasoning": "2000"})
    assert not at.exception
    assert "2,400 tokens per request" in " ".join(c.value for c in at.caption)
    # The default cap follows the workload: twice the p95 (2.4 x 2,400 = 5,760) rounded up to a power of two.
    assert at.number_input(key="cap.max_tokens").value == 16_384


def test_hostile_params_give_notices():
    query = {"cap.p95x": "abc", "cap.max_tokens": "1e308", "cap.limit": "<script>", "cap.redo": "NaN"}
    at = run_page(PAGE, query)
    assert not at.exception
    notices = warnings_text(at)
    for key in query:
        assert f"`{key}=" in notices, key
    assert "<script>" not in notices
    assert metric_value(at, "Cheapest cap within limit") == "1,262 tokens"  # defaults used instead


def test_uploaded_lengths_are_an_extra_analysis_with_offers():
    at = run_page(PAGE)
    before = saving(at)
    at.file_uploader(key="cap.upload").set_value(LENGTHS).run()
    assert not at.exception
    assert any("4 observed lengths: mean 250, p50 200, p95 400 tokens, p95 = 1.60x the mean" in c.value
               for c in at.caption)
    assert saving(at) == before  # the money still uses the log-normal from the link
    at.button(key="cap.use_spread").click().run()
    assert at.number_input(key="cap.p95x").value == pytest.approx(1.6)
    assert saving(at) != before
    at.button(key="cap.use_mean").click().run()
    assert not at.exception
    assert at.sidebar.number_input(key="out_tokens").value == 250
    assert "250 tokens per request" in " ".join(c.value for c in at.caption)


def test_binary_and_malformed_uploads_say_why():
    at = run_page(PAGE)
    at.file_uploader(key="cap.upload").set_value(("chart.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"))
    at.run()
    assert not at.exception
    assert "Couldn't read chart\\.png" in errors_text(at) and "binary" in errors_text(at)  # the name as text (layout.plain)
    assert at.metric  # the headline still stands
    at.file_uploader(key="cap.upload").set_value(("lengths.csv", b"12\nabc\n40\n", "text/csv")).run()
    assert not at.exception
    from pages._ui.layout import plain

    assert plain("line 2: 'abc' is not a whole number") in errors_text(at)  # the file's text, made literal


def test_only_agent_tasks_say_why_nothing_is_capped():
    at = run_page(PAGE, {"w.agents": "100"})
    assert not at.exception
    expected = ("Nothing to cap: the workload is only agent tasks: capping each step of a loop "
                "is out of this lever's scope.")
    assert verdicts(at) == [("idle", expected)]
    assert saving(at) == 0


def overview_row(link: dict) -> tuple[float, str]:
    """The output-caps bar on the Overview for this link: its saving and its key assumption (caveat included)."""
    at = run_page("pages/overview.py", link | {"bill.levers": "Output caps"})
    assert not at.exception
    table = next(d.value for d in at.dataframe if "bill after" in d.value.columns)
    row = table.loc[table["lever"] == "Output caps"].iloc[0]
    return at.session_state["_overview_bars"]["output_caps"], row["key assumption"]


def test_a_custom_table_names_the_class_the_cap_would_cut_beyond_the_limit():
    at = run_page(PAGE, {"w.classes": REVIEW_ROWS})
    assert not at.exception
    warning = warnings_text(at)
    assert "would cut off more than your 2.0% truncation limit" in warning
    assert "**Nightly**: 48.6% of its answers, so it gets 15,768 tokens" in warning
    # One cap for every class would have claimed $318.93 ($380.71 of cut-off answers kept, less $61.91 of redos).
    assert "would have claimed $319 a month (4.6% of today's bill)" in warning and "$381 of output" in warning
    assert "less $61.91 for the 10% redone" in warning
    assert saving(at) == pytest.approx(14.03, abs=0.01)  # tests/test_output_caps.py, by hand
    table = next(d.value for d in at.dataframe if "cap used" in d.value.columns)
    assert list(table["cap used"]) == [4_096, 4_096, 15_768, 4_096]
    assert list(table["raised"]) == [False, False, True, False]
    assert (table["cut off"] <= 0.02).all()
    assert "(raised to 15,768 for Nightly)" in summary(at)
    bar, assumption = overview_row({"w.classes": REVIEW_ROWS})
    assert bar == pytest.approx(saving(at), abs=0.005)
    assert "⚠ max_tokens 4,096 would cut off more than your 2.0% truncation limit in 1 class (Nightly" in assumption


def test_the_reviewers_gpt5_link_books_no_cut_off_answers():
    """`?model=openai/gpt-5&w.reasoning=8000&cap.max_tokens=4000` showed 'Monthly saving $38,666 (45.6%)' with 78% of
    answers cut off. The sidebar bill is $84,812 (GPT-5 caches the 1,500-token prefix on its own: at 1M requests a
    month the cache is always warm). Within the 2% limit the cap is 26,490 and the saving $966."""
    link = {"model": "openai/gpt-5", "w.reasoning": "8000", "cap.max_tokens": "4000"}
    at = run_page(PAGE, link)
    assert not at.exception
    assert at.sidebar.metric[0].value == "$84,812/month"
    assert money_value(metric_value(at, "Monthly saving")) == 966
    assert "**Requests**: 78.1% of its answers, so it gets 26,490 tokens" in warnings_text(at)
    assert "would have claimed $38,666 a month (45.6% of today's bill)" in warnings_text(at)
    assert figure(at, r"([\d.]+)% of answers cut off") <= 2.0
    bar, assumption = overview_row(link)
    assert bar == pytest.approx(saving(at), abs=0.005)
    assert "Requests: 78.1% of answers cut off, so 26,490 tokens instead" in assumption


def test_no_requests_and_an_unpriced_model_say_so():
    zero = json.dumps([{"name": "A", "requests_per_month": 0, "model_key": "anthropic/claude-sonnet-5-5",
                        "prefix_tokens": 1500, "other_input_tokens": 500, "output_tokens": 400}])
    at = run_page(PAGE, {"w.classes": zero})
    assert not at.exception and not errors_text(at)
    assert verdicts(at) == [("idle", "Nothing to cap: its single calls have no requests.")] and saving(at) == 0
    unknown = json.dumps([
        {"name": "Known", "requests_per_month": 100000, "model_key": "anthropic/claude-sonnet-5-5",
         "other_input_tokens": 2000, "output_tokens": 400},
        {"name": "Mystery", "requests_per_month": 900000, "model_key": "acme/secret-model-9",
         "other_input_tokens": 2000, "output_tokens": 400}])
    at = run_page(PAGE, {"w.classes": unknown})
    assert not at.exception
    assert "their model has no price (never counted as free): **Mystery**" in warnings_text(at)
    table = next(d.value for d in at.dataframe if "cap used" in d.value.columns) if any(
        "cap used" in d.value.columns for d in at.dataframe) else None
    assert table is None  # one priced class: no per-class table
    assert "Latency: p50" in summary(at)  # the priced class's latency


def test_the_cap_point_label_clears_the_markers_labels_at_the_top():
    """The default cap's bill sits at the top of the bill chart, where the markers' labels are: its label goes below
    the point there, and above it on the truncation chart, where the point sits at the bottom."""
    at = run_page("pages/output_caps.py")
    positions = []
    for chart in at.get("plotly_chart")[:2]:
        (point,) = [t for t in json.loads(chart.proto.spec)["data"] if t.get("mode") == "markers+text"]
        positions.append(point["textposition"])
    assert positions == ["bottom center", "top center"]


def test_near_top_by_hand():
    import numpy as np

    from pages._ui.figures import Current, near_top

    ys = np.array([[0.0, 10.0], [5.0, np.nan]])
    assert near_top(Current(1, 7), ys) and not near_top(Current(1, 6.6), ys)  # the top third starts at 6.67
    assert not near_top(Current(1, 5), np.array([5.0, 5.0]))  # a flat chart: above, as ever
    assert near_top(Current(1, 500), np.array([1.0, 1000.0]), log_y=True)  # log 2.7 of 0..3
    assert not near_top(Current(1, 50), np.array([1.0, 1000.0]), log_y=True)  # log 1.7
    assert not near_top(None, ys)
