"""System-prompt page: the example prompt, a pasted 1 MB prompt, uploads, widgets, hostile links."""
import time

from calculators import system_prompt as sp
from calculators import tokens
from tests.apptest import errors_text, metric_value, money_value, run_page, warnings_text

PAGE = "pages/system_prompt.py"


def prompt_tokens(at):
    return int(metric_value(at, "Prompt tokens").replace(",", ""))


def test_default_shows_the_example_prompt():
    at = run_page(PAGE)
    assert not at.exception
    assert not errors_text(at)
    n = tokens.count(sp.EXAMPLE_PROMPT)
    assert prompt_tokens(at) == n
    # Claude Sonnet 5.5 at $2/MTok input, 1M requests: $2 per prompt token per month.
    assert money_value(metric_value(at, "Cost per month")) == 2 * n
    assert any("o200k estimate" in m.delta for m in at.metric if m.label == "Prompt tokens")
    assert any("one study's average, not a law" in c.value for c in at.caption)


def test_openai_model_counts_exactly():
    at = run_page(PAGE, {"model": "openai/gpt-4o"})
    assert not at.exception
    assert any(m.delta == "exact" for m in at.metric if m.label == "Prompt tokens")


def test_bigger_trim_saves_more():
    at = run_page(PAGE)
    before = money_value(metric_value(at, "Trim 25% saves"))
    at.number_input(key="sp.trim").set_value(50.0).run()
    assert money_value(metric_value(at, "Trim 50% saves")) > before


def test_pasted_one_megabyte_prompt():
    at = run_page(PAGE)
    big = ("# Policy\n\nCustomers may return items within 60 days. /returns applies.\n\n" * 20_000)[:1_000_000]
    start = time.perf_counter()
    at.text_area(key="sp.prompt").input(big).run()
    assert time.perf_counter() - start < 20  # generous: CI machines are shared
    assert not at.exception
    assert prompt_tokens(at) == tokens.count(big)
    assert metric_value(at, "Sections") == f"{len(sp.analyse(big).sections):,}"
    # Moving another widget reuses the cached count: fast, and the count is unchanged.
    start = time.perf_counter()
    at.number_input(key="sp.trim").set_value(40.0).run()
    assert time.perf_counter() - start < 5
    assert prompt_tokens(at) == tokens.count(big)


def test_uploaded_text_replaces_the_box():
    at = run_page(PAGE)
    at.file_uploader(key="sp.upload").set_value(("prompt.md", b"# A\nalpha\n\n# B\nbeta\n", "text/markdown")).run()
    assert not at.exception
    assert prompt_tokens(at) == tokens.count("# A\nalpha\n\n# B\nbeta\n")
    assert metric_value(at, "Sections") == "2"


def test_binary_upload_is_refused_clearly():
    at = run_page(PAGE)
    at.file_uploader(key="sp.upload").set_value(("logo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"))
    at.run()
    assert not at.exception
    assert "Couldn't read `logo.png`" in errors_text(at) and "binary" in errors_text(at)
    assert prompt_tokens(at) == tokens.count(sp.EXAMPLE_PROMPT)  # the text box is used instead


def test_empty_prompt_is_not_an_error():
    at = run_page(PAGE)
    at.text_area(key="sp.prompt").input("").run()
    assert not at.exception
    assert prompt_tokens(at) == 0
    assert any("prompt is empty" in i.value for i in at.info)


def test_hostile_params_give_notices():
    at = run_page(PAGE, {"sp.trim": "1e308", "sp.prompt": "<script>alert(1)</script>"})
    assert not at.exception
    assert "`sp.trim=" in warnings_text(at)
    assert prompt_tokens(at) == tokens.count(sp.EXAMPLE_PROMPT)  # the prompt is never read from the link
    at = run_page(PAGE, {"sp.trim": "abc"})
    assert not at.exception and "`sp.trim=" in warnings_text(at)
