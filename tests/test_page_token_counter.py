"""Token counter page: exact counts, uploads, and a binary file refused with a message."""
from calculators import tokens
from tests.apptest import errors_text, headline_metrics, metric_value, money_value, opening_box, run_page, verdicts
from tests.levers_common import CAT

GPT4O = "openai/gpt-4o"

PAGE = "pages/token_counter.py"


def test_the_verdict_says_what_the_text_costs():
    n = tokens.text_stats(tokens.SAMPLE_TEXT).tokens["o200k_base"]
    cost = tokens.input_cost(CAT, GPT4O, n, 1_000_000)
    expected = (f"This text is {n:,} tokens for {CAT.get(GPT4O).model_name}: ${cost.once:.3g} to send once, "
                f"${cost.per_month:,.0f} a month if sent with each of the workload's 1,000,000 requests.")
    at = run_page(PAGE, {"model": GPT4O})
    assert opening_box(at) == ("info", ":material/info:", expected)  # neutral, right under the title
    assert not verdicts(at) and len(headline_metrics(at)) <= 4


def test_an_estimated_count_says_so_in_the_verdict():
    at = run_page(PAGE)  # Claude Sonnet 5.5: its tokenizer is not public, so the count is o200k's
    n = tokens.text_stats(tokens.SAMPLE_TEXT).tokens["o200k_base"]
    assert opening_box(at)[2].startswith(f"This text is about {n:,} tokens for Claude Sonnet 5.5 (estimated): $")


def test_default_counts_the_sample():
    at = run_page(PAGE, {"model": "openai/gpt-4o"})
    assert not at.exception
    assert int(metric_value(at, "Tokens").replace(",", "")) > 0
    assert any("Exact count" in s.value for s in at.success)


def test_longer_text_costs_more():
    at = run_page(PAGE)
    before = money_value(metric_value(at, "Cost per month"))
    at.text_area(key="tokens.text").set_value("word " * 5_000).run()
    assert money_value(metric_value(at, "Cost per month")) > before


def test_binary_upload_is_refused_and_the_page_keeps_working():
    at = run_page(PAGE)
    at.file_uploader(key="tokens.upload").upload("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png").run()
    assert not at.exception
    assert "Couldn't read photo\\.png" in errors_text(at) and "binary" in errors_text(at)  # the name as text (layout.plain)
    assert metric_value(at, "Tokens")  # still counting the text box


def test_text_upload_is_counted():
    at = run_page(PAGE)
    at.file_uploader(key="tokens.upload").upload("notes.txt", b"hello world", "text/plain").run()
    assert not at.exception
    assert metric_value(at, "Tokens") == "2"
