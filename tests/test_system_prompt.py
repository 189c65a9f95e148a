"""System-prompt length: sections, exact sums, costs by hand, the accuracy curve, properties."""
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calculators import caching
from calculators import system_prompt as sp
from calculators import tokens
from calculators.bill import price
from calculators.prices import ModelPrices, TieredRate
from calculators.workload import CallClass, Workload
from tests.levers_common import CAT, DEFAULT, SONNET_45, one, workloads

# A long-context cliff: above 200,000 input tokens every token of the request costs double.
TIERED = ModelPrices(provider_id="test", provider_name="Test", model_id="t", model_name="T",
                     input=TieredRate(base=2.0, tiers=((200_000, 4.0),)),
                     output=TieredRate(base=10.0, tiers=((200_000, 20.0),)), source="test", source_date="2026-11")

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


def test_example_prompt_is_the_default_prefix():
    a = sp.analyse(sp.EXAMPLE_PROMPT)
    assert a.tokens == 1_500 == DEFAULT.classes[0].prefix_tokens  # the sidebar's 75% of 2,000 input tokens
    assert a.split_by == "headings" and len(a.sections) >= 10


def test_costs_by_hand():
    # The default workload: a 1,500-token prefix at $2/MTok on 1M requests costs $3,000 a month; trimming 25%
    # (375 tokens) saves $750; each 1,000 more tokens would cost $2,000.
    r = sp.evaluate(DEFAULT, sp.SystemPromptInputs(trim_share=0.25), CAT)
    assert r.prefix_cost == pytest.approx(3_000) and r.share_of_bill == pytest.approx(3_000 / 8_000)
    assert r.saving == pytest.approx(750) and r.trimmed_tokens == pytest.approx(1_125)
    assert r.per_1000_tokens == pytest.approx(2_000) and r.cost_per_token == pytest.approx(2.0)


def test_trim_then_cache_is_counted_once():
    """The reviewer's case: on the landed defaults (a 1,500-token prefix, 424 tokens trimmed, the prefix then cached
    at a 100% hit rate) the joint saving is what pricing the trimmed, cached workload gives: $2,892, not $3,396."""
    landed_trim = sp.SystemPromptInputs(trim_share=424 / 1_500)
    cache = caching.CachingInputs(hit_rate_mode="Set directly", hit_rate=1.0)
    trimmed = sp.apply(DEFAULT, landed_trim, CAT)
    both = caching.apply(trimmed, cache, CAT)
    joint = price(DEFAULT, CAT).total - price(both, CAT).total
    # Input $4,000 before; after: 1,076 prefix tokens read at $0.10 and 500 other at $2 per MTok, 1M requests.
    assert joint == pytest.approx(4_000 - (1_076 * 0.10 + 500 * 2.0))
    assert joint == pytest.approx(2_892.4)
    # Once the prefix is cached, the trim is worth about $42 a month: 424 tokens x $0.10 x 1M.
    r = sp.evaluate(DEFAULT, landed_trim, CAT, cached=caching.apply(DEFAULT, cache, CAT))
    assert r.saving_when_cached == pytest.approx(42.4)


def test_section_costs_add_up_to_the_prefix():
    a = sp.analyse(sp.EXAMPLE_PROMPT)
    r = sp.evaluate(DEFAULT, sp.SystemPromptInputs(), CAT)
    frame = sp.section_table(a, r.cost_per_token)
    assert frame["share"].sum() == pytest.approx(1)
    assert frame["cost_per_month"].sum() == pytest.approx(r.prefix_cost)  # the prompt is the prefix: 1,500 tokens


def test_long_context_cliff_is_honoured():
    # 190,000 other tokens + a 20,000-token prefix cross 200,000: every token of the request is billed at the tier.
    w = Workload(classes=(CallClass(name="x", requests_per_month=1, model_key="test/t", prefix_tokens=20_000,
                                    other_input_tokens=190_000, output_tokens=1_000),), custom_models=(TIERED,))
    r = sp.evaluate(w, sp.SystemPromptInputs(), CAT)
    without = 190_000 * 2 / 1e6 + 1_000 * 10 / 1e6
    with_prefix = 210_000 * 4 / 1e6 + 1_000 * 20 / 1e6
    assert r.prefix_cost == pytest.approx(with_prefix - without)


def test_a_cached_prefix_costs_its_cache_price():
    # Sonnet 4.5 with the prefix read from cache on every request: the prefix costs $0.30/MTok, and so does a trim.
    w = one(requests_per_month=1_000_000, model_key=SONNET_45, prefix_tokens=1_000, other_input_tokens=1_000,
            cache="5m", cache_hit_rate=1.0)
    r = sp.evaluate(w, sp.SystemPromptInputs(trim_share=0.5), CAT)
    assert r.prefix_cost == pytest.approx(300) and r.saving == pytest.approx(150)


def test_cost_curve_matches_the_scalar():
    r = sp.evaluate(DEFAULT, sp.SystemPromptInputs(), CAT)
    curve = sp.cost_curve(DEFAULT, CAT).set_index("prefix_tokens")
    assert curve.loc[1_500.0, "cost_per_month"] == pytest.approx(r.prefix_cost)
    assert curve.loc[0.0, "cost_per_month"] == 0


def test_no_prefix_means_the_lever_idles():
    w = one(requests_per_month=1, model_key=SONNET_45, other_input_tokens=100)
    assert "no shared prefix" in sp.idle(w, sp.SystemPromptInputs(), CAT)


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
    r = sp.evaluate(DEFAULT, sp.SystemPromptInputs(trim_share=0.5), CAT)
    assert r.saving > 0
    assert curve.at(r.trimmed_tokens) < curve.at(r.prefix_tokens)


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


@given(w=workloads(), trim=st.floats(0, 1))
def test_trim_never_costs_money_and_is_a_difference_of_bills(w, trim):
    x = sp.SystemPromptInputs(trim_share=trim)
    r = sp.evaluate(w, x, CAT)
    assert r.saving >= -1e-9 * max(1.0, r.today.total)
    assert r.saving <= r.prefix_cost + 1e-6 * max(1.0, r.today.total)  # never more than the whole prefix costs
    assert r.saving == pytest.approx(price(w, CAT).total - price(sp.apply(w, x, CAT), CAT).total)
