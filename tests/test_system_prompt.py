"""System-prompt length: sections, exact sums, costs by hand, the accuracy curve, properties."""
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calculators import system_prompt as sp
from calculators import tokens
from calculators.prices import ModelPrices, TieredRate, request_cost
from calculators.workload import SimpleWorkload as Workload

# $2/MTok input, $0.20 cache read, $10 output.
PRICES = ModelPrices(provider_id="test", provider_name="Test", model_id="m", model_name="M",
                     input=TieredRate(base=2.0), output=TieredRate(base=10.0), cache_read=TieredRate(base=0.2),
                     source="test", source_date="2026-11")
# A long-context cliff: above 200,000 input tokens every token of the request costs double.
TIERED = ModelPrices(provider_id="test", provider_name="Test", model_id="t", model_name="T",
                     input=TieredRate(base=2.0, tiers=((200_000, 4.0),)),
                     output=TieredRate(base=10.0, tiers=((200_000, 20.0),)), source="test", source_date="2026-11")
WORKLOAD = Workload(requests_per_month=1_000_000, model_key="test/m", input_tokens=10_000, output_tokens=400)

DOC = "# Role\nYou help.\n\n## Tone\nBe brief.\n\n# Tools\nCall them.\n"


def test_sections_at_headings():
    a = sp.analyse(DOC)
    assert a.split_by == "headings"
    assert list(a.sections["title"]) == ["Role", "Tone", "Tools"]
    assert list(a.sections["level"]) == [1, 2, 1]
    assert a.sections["tokens"].sum() == a.tokens == tokens.count(DOC)


@pytest.mark.parametrize("text", [DOC, "Intro\n# A\nalpha\n# B\nbeta\n", sp.EXAMPLE_PROMPT])
def test_cuts_at_line_starts_match_standalone_counts(text):
    # Cuts at line starts are token boundaries here, so each section's share of the whole encoding equals its
    # own count exactly (a token that straddles a cut is the rare exception bounded by the property below).
    a = sp.analyse(text, standalone=True)
    assert list(a.sections["tokens"]) == list(a.sections["standalone_tokens"])


def test_preamble_code_fences_and_blank_line_blocks():
    text = "Intro line.\n\n```bash\n# not a heading\n```\n# Real\nbody\n"
    _, cuts = sp.split_sections(text)
    assert [c[1] for c in cuts] == ["(before the first heading)", "Real"]
    split_by, cuts = sp.split_sections("First block\nstill first\n\n\nSecond block\n\nThird")
    assert split_by == "blank lines"
    assert [c[1] for c in cuts] == ["First block", "Second block", "Third"]
    assert sp.split_sections("one line, no cuts")[0] == "nothing"
    empty = sp.analyse("")
    assert empty.tokens == 0 and empty.sections["tokens"].sum() == 0


def test_example_prompt_is_in_the_briefs_range():
    a = sp.analyse(sp.EXAMPLE_PROMPT)
    assert 1_500 <= a.tokens <= 4_000
    assert a.split_by == "headings" and len(a.sections) >= 10


def test_costs_by_hand():
    a = sp.analyse(DOC)
    p = a.tokens
    r = sp.evaluate(a, sp.SystemPromptInputs(trim_share=0.25), WORKLOAD, PRICES, baseline_per_month=100_000)
    # Uncached: P tokens x $2/MTok x 1M requests = $2 x P per month; cached at $0.20/MTok: $0.2 x P.
    assert r.per_month_uncached == pytest.approx(2.0 * p)
    assert r.per_month_cached == pytest.approx(0.2 * p)
    assert r.per_request_uncached == pytest.approx(2.0 * p / 1e6)
    assert r.share_of_bill == pytest.approx(2.0 * p / 100_000)
    # Trim 25%: round(0.25 P) tokens fewer, each $2/month uncached, $0.20 cached.
    cut = round(0.25 * p)
    assert r.trimmed_tokens == p - cut
    assert r.trim_saving_month_uncached == pytest.approx(2.0 * cut)
    assert r.trim_saving_month_cached == pytest.approx(0.2 * cut)
    assert r.per_1000_tokens_month == pytest.approx(2_000)


def test_sections_costs_sum_to_the_prompt():
    a = sp.analyse(sp.EXAMPLE_PROMPT)
    r = sp.evaluate(a, sp.SystemPromptInputs(), WORKLOAD, PRICES)
    frame = sp.section_costs(a, r, WORKLOAD)
    assert frame["share"].sum() == pytest.approx(1)
    assert frame["cost_month_uncached"].sum() == pytest.approx(r.per_month_uncached)
    assert frame["cost_month_cached"].sum() == pytest.approx(r.per_month_cached)


def test_long_context_cliff_is_honoured():
    # 190,000 other tokens + a 20,000-token prompt crosses 200,000: the whole request is billed at the tier.
    w = Workload(requests_per_month=1, model_key="test/t", input_tokens=210_000, output_tokens=1_000)
    added = sp.prompt_cost_per_request(TIERED, w, 190_000, 20_000, cached=False)
    without = 190_000 * 2 / 1e6 + 1_000 * 10 / 1e6
    with_prompt = 210_000 * 4 / 1e6 + 1_000 * 20 / 1e6
    assert added == pytest.approx(with_prompt - without)
    assert added == pytest.approx(request_cost(TIERED, 210_000, 1_000) - request_cost(TIERED, 190_000, 1_000))


def test_model_without_cache_price_gets_no_discount():
    no_cache = PRICES.model_copy(update={"cache_read": None})
    a = sp.analyse(DOC)
    r = sp.evaluate(a, sp.SystemPromptInputs(), WORKLOAD, no_cache)
    assert not r.has_cache_price
    assert r.per_month_cached == pytest.approx(r.per_month_uncached)


def test_prompt_longer_than_the_workload_input_is_flagged():
    a = sp.analyse(sp.EXAMPLE_PROMPT)
    small = WORKLOAD.model_copy(update={"input_tokens": 100})
    r = sp.evaluate(a, sp.SystemPromptInputs(), small, PRICES)
    assert r.prompt_longer_than_workload_input and r.rest_tokens == 0


def test_cost_curve_matches_scalar():
    a = sp.analyse(sp.EXAMPLE_PROMPT)
    r = sp.evaluate(a, sp.SystemPromptInputs(), WORKLOAD, PRICES)
    curve = sp.cost_curve(a, WORKLOAD, PRICES).set_index("prompt_tokens")
    assert curve.loc[float(a.tokens), "uncached"] == pytest.approx(r.per_month_uncached)
    assert curve.loc[float(a.tokens), "cached"] == pytest.approx(r.per_month_cached)


# --- the accuracy curve -------------------------------------------------------------------------------------


def test_levy_curve_by_hand():
    c = sp.LEVY_CURVE
    assert c.at(250) == pytest.approx(0.92)
    assert c.at(3_000) == pytest.approx(0.68)
    assert c.at(1_625) == pytest.approx(0.80)  # halfway: (0.92 + 0.68) / 2
    assert c.at(100_000) == pytest.approx(0.68)  # flat beyond the last point: not extrapolated
    assert not c.within(100_000)


def test_edited_curve_problems_fall_back_with_a_reason():
    rows = pd.DataFrame({"input_tokens": [250, 250], "accuracy": [0.9, 0.8]})
    curve, problem = sp.curve_from_rows(rows)
    assert curve == sp.LEVY_CURVE and "same input length" in problem
    curve, problem = sp.curve_from_rows(pd.DataFrame({"input_tokens": [1, 2], "accuracy": [0.5, 1.5]}))
    assert problem and "less than or equal to 1" in problem
    curve, problem = sp.curve_from_rows(pd.DataFrame({"input_tokens": [1, None], "accuracy": [0.5, 0.6]}))
    assert problem == "a row has an empty cell"
    rows = pd.DataFrame({"input_tokens": [3_000, 500, None], "accuracy": [0.5, 0.9, None]})  # a blank new row
    curve, problem = sp.curve_from_rows(rows)
    assert problem is None and list(curve.lengths) == [500, 3_000]


def test_trimming_can_cost_quality_when_accuracy_rises_with_length():
    # The lever's losing case: on a task where your own evals show longer prompts help (e.g. examples matter),
    # trimming saves money but loses accuracy.
    curve, _ = sp.curve_from_rows(pd.DataFrame({"input_tokens": [500, 2_000], "accuracy": [0.70, 0.90]}))
    a = sp.analyse(sp.EXAMPLE_PROMPT)
    r = sp.evaluate(a, sp.SystemPromptInputs(trim_share=0.5), WORKLOAD, PRICES)
    assert r.trim_saving_month_uncached > 0
    assert curve.at(r.trimmed_tokens) < curve.at(r.prompt_tokens)


def test_accuracy_series_marks_measured_range():
    s = sp.accuracy_series(sp.LEVY_CURVE, 5_000)
    inside = s[(s["input_tokens"] >= 250) & (s["input_tokens"] <= 3_000)]
    assert inside["measured"].notna().all()
    assert s.loc[s["input_tokens"] > 3_000, "measured"].isna().all()
    assert s["input_tokens"].max() >= 5_000


# --- properties ------------------------------------------------------------------------------------------------

# Text built from pieces that stress cuts: headings, fences, blank lines, '/' after punctuation (a cut can fall
# inside an o200k pre-token there), CRLF, non-ASCII, special-token text.
PIECES = ["word", " word", "Word", ".", ",", "/", "/path", "\n", "\n\n", "\n\n\n", "# H", "## Sub", "  ", "\t",
          "é", "日本", "123", "'s", "!", "?\n", "```", "~~~", "- item", "\r\n", " \n", "\u00a0", "🙂",
          "<|endoftext|>", "    code", "**b**"]
texts = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=60).map("".join),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300),
)


@settings(max_examples=150, deadline=None)
@given(text=texts, encoding=st.sampled_from(tokens.ENCODINGS))
def test_sections_tile_the_prompt_and_sum_exactly(text, encoding):
    a = sp.analyse(text, encoding, standalone=True)
    starts = list(a.sections["start"]) + [len(text)]
    assert starts[0] == 0 and starts == sorted(starts)
    assert "".join(text[x:y] for x, y in zip(starts[:-1], starts[1:], strict=True)) == text
    # Attributed counts add up to the whole prompt's count exactly ...
    assert a.sections["tokens"].sum() == a.tokens == tokens.count(text, encoding)
    # ... and counting each section on its own differs by at most 2 tokens per cut (a token may straddle a cut).
    cuts = len(a.sections) - 1
    assert abs(int(a.sections["standalone_tokens"].sum()) - a.tokens) <= sp.section_cut_bound(len(a.sections))
    assert (a.sections["standalone_tokens"] - a.sections["tokens"]).abs().max() <= 2 * max(cuts, 1)


@settings(max_examples=50, deadline=None)
@given(text=texts, trim=st.floats(0, 1), requests=st.integers(1, 10_000_000_000), inp=st.integers(1, 2_000_000))
def test_trim_never_costs_money_and_never_crashes(text, trim, requests, inp):
    w = Workload(requests_per_month=requests, model_key="test/t", input_tokens=inp, output_tokens=400)
    a = sp.analyse(text)
    r = sp.evaluate(a, sp.SystemPromptInputs(trim_share=trim), w, TIERED, baseline_per_month=1.0)
    assert r.trim_saving_month_uncached >= 0 and r.trim_saving_month_cached >= 0
    assert 0 <= r.trimmed_tokens <= r.prompt_tokens
    curve = sp.cost_curve(a, w, TIERED)
    assert np.isfinite(curve.to_numpy()).all()
