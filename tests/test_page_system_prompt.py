"""System-prompt page: the example prompt, a pasted 1 MB prompt, uploads, widgets, hostile links."""
import time

import pytest

from calculators import system_prompt as sp
from calculators import tokens
from tests.apptest import errors_text, headline_metrics, metric_value, money_value, run_page, verdicts, warnings_text
from tests.levers_common import CAT, DEFAULT

PAGE = "pages/system_prompt.py"


def _summary(at) -> str:
    return next(c.value for c in at.caption if c.value.startswith("Prompt: "))


def prompt_tokens(at):
    return int(_summary(at).split(" tokens")[0].removeprefix("Prompt: ").replace(",", ""))


def sections(at):
    return _summary(at).split("), ")[1].split(" sections")[0]


def test_default_shows_the_example_prompt():
    at = run_page(PAGE)
    assert not at.exception
    assert not errors_text(at)
    n = tokens.count(sp.EXAMPLE_PROMPT)
    assert prompt_tokens(at) == n
    # Claude Sonnet 5.5 at $2/MTok input, 1M requests, a 1,500-token prefix: $3,000 a month; 25% trimmed: $750.
    assert n == 1_500
    assert money_value(metric_value(at, "Prefix cost per month")) == 3_000
    assert money_value(metric_value(at, "Trim 25% saves")) == 750
    assert money_value(metric_value(at, "Once the prefix is cached")) == 37.5  # 375 tokens x $0.10 x 1M
    assert at.session_state["_lever_savings"]["system_prompt"] == 750
    assert "o200k estimate" in _summary(at)
    assert any("one study's average, not a law" in c.value for c in at.caption)


def test_the_verdict_is_the_trim_saving_and_the_prefix_cost():
    at = run_page(PAGE)
    r = sp.evaluate(DEFAULT, sp.SystemPromptInputs(), CAT)  # $750 of $8,000 (9.4%); the prefix costs $3,000 (37.5%)
    expected = (f"Trimming the 1,500-token shared prefix by 25% saves ${r.saving:,.0f} a month "
                f"({r.saving_share * 100:.1f}% of the bill); the whole prefix costs ${r.prefix_cost:,.0f} a month "
                f"({r.share_of_bill * 100:.1f}% of the bill).")
    assert verdicts(at) == [("saves", expected)]
    assert "saves $750 a month (9.4% of the bill)" in expected and "costs $3,000 a month (37.5%" in expected
    assert headline_metrics(at) == ["Trim 25% saves", "Prefix cost per month", "Once the prefix is cached",
                                    "Per 1,000 prefix tokens"]


def test_no_trim_and_no_prefix_say_why_nothing_is_saved():
    at = run_page(PAGE, {"sp.trim": "0"})
    expected = ("A 0% trim saves nothing; the 1,500-token shared prefix costs $3,000 a month (37.5% of the bill), and "
                "every token trimmed saves.")
    assert verdicts(at) == [("idle", expected)]
    at = run_page(PAGE, {"w.prefix": "0"})
    expected = ("Trimming saves nothing here: the workload has no shared prefix (set one in the sidebar's "
                "anatomy).")
    assert verdicts(at) == [("idle", expected)]


def test_openai_model_counts_exactly():
    at = run_page(PAGE, {"model": "openai/gpt-4o"})
    assert not at.exception
    assert "(exact)" in _summary(at)


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
    assert sections(at) == f"{len(sp.analyse(big).sections):,}"
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
    assert sections(at) == "2"


def test_binary_upload_is_refused_clearly():
    at = run_page(PAGE)
    at.file_uploader(key="sp.upload").set_value(("logo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"))
    at.run()
    assert not at.exception
    assert "Couldn't read logo\\.png" in errors_text(at) and "binary" in errors_text(at)  # the name as text (layout.plain)
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


def test_a_prompt_of_another_length_can_become_the_workload_prefix():
    at = run_page(PAGE)
    prompt = "# Role\n" + "You help customers with orders. " * 150
    at.text_area(key="sp.prompt").input(prompt).run()
    n = tokens.count(prompt)
    assert any(f"{n:,} tokens" in i.value for i in at.info)
    assert money_value(metric_value(at, "Prefix cost per month")) == 3_000  # the workload's prefix, not the prompt
    at.button(key="sp.use_prompt").click().run()
    assert not at.exception
    assert at.sidebar.number_input(key="w.prefix").value == pytest.approx(n / 2_000 * 100)
    assert money_value(metric_value(at, "Prefix cost per month")) == pytest.approx(2 * n, abs=1)
    assert not any("tokens**; your workload" in i.value for i in at.info)
