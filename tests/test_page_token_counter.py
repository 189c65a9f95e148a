"""Token counter page: exact counts, uploads, and a binary file refused with a message."""
from tests.apptest import errors_text, metric_value, money_value, run_page

PAGE = "pages/token_counter.py"


def test_default_counts_the_sample():
    at = run_page(PAGE, {"model": "openai/gpt-4o"})
    assert not at.exception
    assert int(metric_value(at, "Tokens for").replace(",", "")) > 0
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
    assert "Couldn't read `photo.png`" in errors_text(at) and "binary" in errors_text(at)
    assert metric_value(at, "Tokens for")  # still counting the text box


def test_text_upload_is_counted():
    at = run_page(PAGE)
    at.file_uploader(key="tokens.upload").upload("notes.txt", b"hello world", "text/plain").run()
    assert not at.exception
    assert metric_value(at, "Tokens for") == "2"
