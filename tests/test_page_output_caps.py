"""Output caps page: widgets move the headline the right way; bad input gives a message, never a crash."""
from tests.apptest import errors_text, metric_value, money_value, run_page, warnings_text

PAGE = "pages/output_caps.py"


def cost(at):
    return money_value(metric_value(at, "Cost per month"))


def number(text):
    return float(text.replace(",", "").split(" ")[0])


def test_default_run_marks_the_optimum():
    at = run_page(PAGE)
    assert not at.exception
    assert not errors_text(at)
    # p50 = the workload's 400 output tokens, p95 = 1,200: the 98th percentile is 400 e^(0.6679 x 2.0537) = 1,577.
    assert metric_value(at, "Cheapest cap within limit") == "1,577 tokens"
    assert metric_value(at, "Redo break-even") == "15.4%"
    assert metric_value(at, "p50 latency") == "8.6 s"  # 600 ms + 400 tokens x 20 ms


def test_redoing_every_truncated_answer_makes_a_tight_cap_cost_more():
    at = run_page(PAGE)
    at.number_input(key="cap.max_tokens").set_value(1_000).run()
    cheap = cost(at)
    at.number_input(key="cap.redo").set_value(100.0).run()
    assert cost(at) > cheap
    delta = next(m.delta for m in at.metric if m.label == "Cost per month")
    assert delta.startswith("+")  # dearer than no cap
    assert metric_value(at, "Cheapest cap within limit") == "no cap"


def test_tighter_cap_truncates_more_and_admits_more_requests():
    at = run_page(PAGE)
    trunc = number(metric_value(at, "Truncation rate").rstrip("%"))
    rpm = number(metric_value(at, "Max requests/min"))
    at.number_input(key="cap.max_tokens").set_value(800).run()
    assert number(metric_value(at, "Truncation rate").rstrip("%")) > trunc
    assert number(metric_value(at, "Max requests/min")) > rpm


def test_slower_first_token_raises_latency():
    at = run_page(PAGE)
    before = number(metric_value(at, "p50 latency"))
    at.number_input(key="cap.ttft").set_value(3_000.0).run()
    assert number(metric_value(at, "p50 latency")) == before + 2.4


def test_p95_below_p50_is_refused_in_words():
    at = run_page(PAGE, {"cap.p50": "800", "cap.p95": "500"})
    assert not at.exception
    assert "must be larger than the p50" in errors_text(at)


def test_hostile_params_give_notices():
    query = {"cap.p95": "abc", "cap.max_tokens": "1e308", "cap.mode": "<script>", "cap.redo": "NaN"}
    at = run_page(PAGE, query)
    assert not at.exception
    notices = warnings_text(at)
    for key in query:
        assert f"`{key}=" in notices, key
    assert "<script>" not in notices
    assert metric_value(at, "Cheapest cap within limit") == "1,577 tokens"  # defaults used instead


def test_uploaded_lengths_are_used():
    at = run_page(PAGE, {"cap.mode": "an uploaded list"})
    assert any("Upload a file" in i.value for i in at.info)
    at.file_uploader(key="cap.upload").set_value(("lengths.csv", b"output_tokens\n100\n200\n300\n400\n",
                                                  "text/csv")).run()
    assert not at.exception
    assert any("Using 4 uploaded lengths" in c.value for c in at.caption)
    assert metric_value(at, "Billed output") == "250"  # cap 4,096 cuts nothing: the mean


def test_binary_and_malformed_uploads_say_why():
    at = run_page(PAGE, {"cap.mode": "an uploaded list"})
    at.file_uploader(key="cap.upload").set_value(("chart.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"))
    at.run()
    assert not at.exception
    assert "Couldn't read `chart.png`" in errors_text(at) and "binary" in errors_text(at)
    assert at.metric  # falls back to the fit
    at.file_uploader(key="cap.upload").set_value(("lengths.csv", b"12\nabc\n40\n", "text/csv")).run()
    assert not at.exception
    assert "line 2: 'abc' is not a whole number" in errors_text(at)


def test_brevity_instruction_lowers_the_bill():
    at = run_page(PAGE)
    before = cost(at)
    at.number_input(key="cap.brevity").set_value(-20.0).run()
    assert cost(at) < before
    assert any("The brevity instruction alone saves" in c.value for c in at.caption)
