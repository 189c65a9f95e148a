"""Price catalogue: bundled snapshot, long-context cliffs, validated overrides."""
from pathlib import Path

import numpy as np
import pytest

from calculators.prices import (
    PRICE_FIELDS,
    OverridesError,
    build_catalogue,
    bundled_catalogue,
    catalogue_table,
    display_name,
    flagships,
    load_overrides,
    model_kind,
)


@pytest.fixture(scope="module")
def cat():
    return build_catalogue(Path("/nonexistent/overrides.toml"))


def test_bundled_snapshot_is_large_and_offline(cat):
    # genai-prices covers ~47 providers; we keep every model with an input and an output price.
    assert len(bundled_catalogue()) > 1500
    assert len({m.provider_id for m in cat.models}) > 30
    assert cat.overrides_error is None


def test_known_prices_and_multipliers(cat):
    sonnet = cat.get("anthropic/claude-sonnet-5-5")
    assert (sonnet.input.base, sonnet.output.base) == (2.0, 10.0)
    assert sonnet.multiplier("cache_write") == pytest.approx(1.25)  # Anthropic 5-minute write
    assert sonnet.multiplier("cache_write_1h") == pytest.approx(2.0)  # 1-hour write
    assert sonnet.batch_discount == pytest.approx(0.5)
    assert sonnet.source_date and "genai-prices" in sonnet.source


def one_call(cat, model: str, uncached: float, output: float, cache_read: float = 0) -> float:
    """One call's price through the one pricing function."""
    from calculators.bill import price
    from calculators.workload import CallClass, Workload

    c = CallClass(name="x", requests_per_month=1, model_key=model, prefix_tokens=cache_read,
                  other_input_tokens=uncached, output_tokens=output, cache="5m" if cache_read else "off",
                  cache_hit_rate=1.0 if cache_read else 0.0)
    return price(Workload(classes=(c,)), cat).total


def test_one_call_by_hand(cat):
    # 2,000 in x $2/MTok + 400 out x $10/MTok = $0.004 + $0.004
    assert one_call(cat, "anthropic/claude-sonnet-5-5", 2_000, 400) == pytest.approx(0.008)
    # 1,500 cache-read tokens at $0.10 + 500 uncached at $2 + 400 out at $10
    assert one_call(cat, "anthropic/claude-sonnet-5-5", 500, 400, cache_read=1_500) == pytest.approx(
        0.00015 + 0.001 + 0.004)


def test_long_context_cliff_bills_whole_request(cat):
    gpt = "openai/gpt-5.5"  # $5/$30 below 272k input tokens, $10/$45 above
    assert one_call(cat, gpt, 272_000, 1_000) == pytest.approx(272_000 * 5 / 1e6 + 1_000 * 30 / 1e6)
    # One token over: every input AND output token moves to the tier rate.
    assert one_call(cat, gpt, 272_001, 1_000) == pytest.approx(272_001 * 10 / 1e6 + 1_000 * 45 / 1e6)
    # Cache reads count toward the threshold too.
    assert one_call(cat, gpt, 100_000, 0, cache_read=200_000) == pytest.approx(100_000 * 10 / 1e6 + 200_000 * 1 / 1e6)


def test_rates_are_vectorised(cat):
    gpt = cat.get("openai/gpt-5.5")
    inputs = np.array([1_000, 271_999, 272_001, 900_000])
    assert gpt.rate("input", inputs) == pytest.approx([float(gpt.rate("input", int(i))) for i in inputs])


GOOD = """
[[model]]
provider = "self-hosted"
model = "llama-70b"
input_mtok = 0.4
output_mtok = 0.8
source = "GPU cost model"
source_date = 2026-11-01

[[model]]
provider = "anthropic"
model = "claude-sonnet-5-5"
input_mtok = 1.5
output_mtok = 7.5
cache_read_mtok = 0.15
source = "Negotiated enterprise rate"
source_date = 2026-10-01
"""


def test_overrides_add_and_replace(tmp_path):
    path = tmp_path / "overrides.toml"
    path.write_text(GOOD)
    cat = build_catalogue(path)
    assert cat.overrides_error is None and cat.overrides_count == 2
    assert cat.get("self-hosted/llama-70b").output.base == 0.8
    replaced = cat.get("anthropic/claude-sonnet-5-5")
    assert replaced.input.base == 1.5 and "Negotiated" in replaced.source and replaced.source_date == "2026-10-01"
    assert len(cat.models) == len(bundled_catalogue()) + 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (GOOD.replace("output_mtok = 0.8", 'output_mtok = "cheap"'), ["entry 1", "'llama-70b'", "output_mtok"]),
        (GOOD.replace("input_mtok = 1.5", "input_mtok = -1"), ["entry 2", "input_mtok", "greater than or equal"]),
        (GOOD.replace('source = "GPU cost model"\n', ""), ["entry 1", "source", "Field required"]),
        (GOOD.replace("cache_read_mtok = 0.15", "cache_read_mtok = 9"), ["entry 2", "cache_read_mtok must not exceed"]),
        (GOOD + "\nsurprise = 1\n", ["surprise", "Extra inputs"]),
        ("[[model]\nbroken", ["not a readable TOML file"]),
    ],
)
def test_bad_overrides_name_file_entry_field(tmp_path, text, expected):
    path = tmp_path / "prices.toml"
    path.write_text(text)
    with pytest.raises(OverridesError) as err:
        load_overrides(path)
    message = str(err.value)
    assert str(path) in message
    for part in expected:
        assert part in message
    # The app keeps running on bundled prices and reports the error.
    cat = build_catalogue(path)
    assert cat.overrides_error == message and len(cat.models) == len(bundled_catalogue())


def test_binary_overrides_file_is_rejected(tmp_path):
    path = tmp_path / "prices.toml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe")
    assert "not a readable TOML file" in build_catalogue(path).overrides_error


def test_shipped_overrides_file_is_valid():
    assert build_catalogue().overrides_error is None


def test_catalogue_table_filters_and_sorts(cat):
    table = catalogue_table(cat.frame(), providers=["Anthropic"], sort_by="output /MTok", descending=True)
    assert set(table["provider"]) == {"Anthropic"}
    assert list(table["output /MTok"]) == sorted(table["output /MTok"], reverse=True)
    assert not table["deprecated"].any()
    with pytest.raises(ValueError):
        catalogue_table(cat.frame(), sort_by="__class__")


def test_the_discount_never_applies_to_an_override(tmp_path):
    """Negotiated and self-hosted prices are net: a 30% enterprise discount moves list prices only."""
    path = tmp_path / "o.toml"
    path.write_text(GOOD)
    cat = build_catalogue(path).scaled(0.7, "less a 30% enterprise discount")
    own = cat.get("self-hosted/llama-70b")
    assert own.input.base == 0.4 and own.output.base == 0.8 and own.net
    assert cat.get("anthropic/claude-sonnet-5-5").input.base == 1.5  # overridden: net
    assert cat.get("openai/gpt-5").input.base == pytest.approx(1.25 * 0.7)  # bundled list price: discounted


# --- what a model is for: the picker shows text-generation models, the rest behind a toggle ----------------------


@pytest.mark.parametrize("key", [
    "anthropic/claude-sonnet-5-5", "openai/gpt-4o", "openai/gpt-5.5", "google/gemini-2.5-flash",  # audio *input* price
    "azure/phi-4-multimodal-instruct", "deepseek/deepseek-chat", "x-ai/grok-4.7", "mistral/pixtral-large",
    "openai/gpt-4-vision-preview", "openai/o3-deep-research", "perplexity/sonar-pro", "openai/gpt-4o:extended",
    "novita/qwen/qwen3-omni-30b-a3b-thinking",
])
def test_text_models_are_text(cat, key):
    assert cat.get(key).kind == "text"


@pytest.mark.parametrize(("key", "kind"), [
    ("openai/gpt-4o-mini-tts", "speech"), ("google/gemini-2.5-flash-tts", "speech"),
    ("openai/gpt-4o-transcribe", "transcription"), ("openai/gpt-realtime", "audio"), ("openai/gpt-audio", "audio"),
    ("google/gemini-3.8-live", "audio"), ("aws/amazon.nova-sonic-v1:0", "audio"),
    ("openai/gpt-image-1", "image"), ("google/gemini-2.5-flash-image", "image"), ("zai/GLM-OCR", "image"),
    ("google/gemini-omni-1.1-flash", "video"), ("mistral/mistral-embed", "embedding"),
    ("groq/llama-guard-3-8b", "moderation"),
    ("openrouter/~anthropic/claude-sonnet-latest", "alias"), ("openrouter/openai/gpt-5.5:batch", "alias"),
    ("mistral/mistral-small-latest", "alias"), ("openai/chatgpt-4o-latest", "alias"),
])
def test_other_models_are_kept_apart(cat, key, kind):
    assert cat.get(key).kind == kind


def test_the_kind_rule_reads_units_then_words_then_description():
    assert model_kind("x", "X", ["input_mtok", "input_audio_mtok"]) == "text"  # audio input alone: still text
    assert model_kind("x", "X", ["output_audio_mtok"]) == "audio"
    assert model_kind("x", "X", ["output_image_mtok"]) == "image"
    assert model_kind("settings-model") == "text"  # 'tts' only as a word
    assert model_kind("voice-1", "Voice", description="A text-to-speech model.") == "speech"
    assert model_kind("~vendor/model-latest") == "alias" and model_kind("deliverable-7b") == "text"


def test_display_names_prefer_the_id_over_a_lower_case_copy_of_it(cat):
    assert display_name("gpt-4o", "gpt 4o") == "gpt-4o"
    assert display_name("gpt-4o-2024-05-13", "gpt 4o (2024-05-13)") == "gpt 4o (2024-05-13)"
    assert display_name("claude-sonnet-5-5", "Claude Sonnet 5.5") == "Claude Sonnet 5.5"
    assert display_name("x-1", None) == "x-1"
    assert cat.get("openai/gpt-4o").label == "OpenAI · gpt-4o"


def test_picker_lists_text_models_by_label_and_keeps_a_linked_hidden_model(cat):
    text = cat.picker_keys()
    every = cat.picker_keys(show_all=True)
    assert len(text) == len(cat.text_models()) and len(every) == len(cat.models)
    assert "openai/gpt-4o" in text and "openai/gpt-4o-mini-tts" not in text
    assert "openai/gpt-4o-mini-tts" in cat.picker_keys(keep=["openai/gpt-4o-mini-tts"])
    # The text models' list is built once: whatever is kept, the picker is the every-model order filtered.
    for keep in ([], ["openai/gpt-4o"], ["openai/gpt-4o-mini-tts", "nobody/unknown"], every[:3]):
        assert cat.picker_keys(keep=keep) == [k for k in every if k in keep or cat.get(k).kind == "text"]
    labels = [cat.picker_label(k) for k in every]
    assert labels == sorted(labels, key=str.casefold)
    assert len(set(labels)) == len(labels)  # unique, so a label always names one model
    assert cat.picker_label("anthropic/claude-sonnet-5-5") == "Anthropic · Claude Sonnet 5.5"
    assert cat.picker_label("openai/gpt-4o-mini-tts") == "OpenAI · gpt-4o-mini-tts — text-to-speech"
    assert cat.picker_label("nobody/nothing") == "nobody/nothing"


def test_flagships_are_dated_sourced_current_text_models(cat):
    f = flagships()
    assert f.as_of.year >= 2026 and "genai-prices" in f.source
    providers = {cat.get(k).provider_id for k in f.models}  # every key is in the snapshot
    assert {"anthropic", "openai", "google", "mistral", "deepseek", "x-ai"} <= providers
    assert all(cat.get(k).kind == "text" and not cat.get(k).deprecated for k in f.models)
    table = catalogue_table(cat.frame(), keys=f.models)
    assert set(table["key"]) == set(f.models)


def test_a_fine_tuned_model_has_its_base_models_window(cat):
    """genai-prices lists no window for 'ft:' models; without one, a call too big for the student would be priced
    (the finance review's case: 190,500-token calls distilled into ft:gpt-4o-mini booked as a $549 saving)."""
    from calculators.bill import price
    from calculators.workload import SimpleWorkload

    assert cat.get("openai/ft:gpt-4o-mini").context_window == cat.get("openai/gpt-4o-mini").context_window == 128_000
    assert cat.get("openai/ft:gpt-4o").context_window == 128_000
    big = SimpleWorkload(model_key="openai/ft:gpt-4o-mini", requests_per_month=50_000, input_tokens=190_000,
                         output_tokens=500).workload()
    bill = price(big, cat)
    assert bill.overflows and bill.overflows[0].tokens == 190_500 and bill.not_priced == ("Requests",)


# --- the overrides file expresses everything the catalogue does ----------------------------------------------------

FRONTIER_1M = """
[[model]]
provider = "acme"
model = "frontier-1m"
input_mtok = 3
output_mtok = 15
cache_read_mtok = 0.3
cache_write_mtok = 3.75
cache_write_1h_mtok = 6
context_window = 1000000
source = "Negotiated 1M-context rate"
source_date = 2026-10-01

[[model.tier]]
above_tokens = 200000
input_mtok = 6
output_mtok = 22.5
cache_read_mtok = 0.6
cache_write_mtok = 7.5
cache_write_1h_mtok = 12

[model.batch]
input_mtok = 1.5
output_mtok = 7.5

[[model.batch.tier]]
above_tokens = 200000
input_mtok = 3
output_mtok = 11.25

[model.flex]
input_mtok = 2
"""


@pytest.fixture(scope="module")
def frontier(tmp_path_factory):
    path = tmp_path_factory.mktemp("o") / "overrides.toml"
    path.write_text(FRONTIER_1M)
    cat = build_catalogue(path)
    assert cat.overrides_error is None
    return cat


def monthly(cat, *, prefix=0, other=0, output=0, cache="off", hit=0.0, tier="standard") -> float:
    """1,000 requests a month of one shape on the 1M-context override, through the one pricing function."""
    from calculators.bill import price
    from calculators.workload import CallClass, Workload

    c = CallClass(name="long", requests_per_month=1_000, model_key="acme/frontier-1m", tier=tier,
                  prefix_tokens=prefix, other_input_tokens=other, output_tokens=output, cache=cache,
                  cache_hit_rate=hit)
    return price(Workload(classes=(c,)), cat).total


def test_a_1m_context_override_is_billed_above_200k_to_the_cent(frontier):
    # 300,000 input tokens (250k prefix, 80% read from a 1-hour cache) > 200k: the whole call at the tier's prices.
    #   reads   200,000 x $0.60  = $0.120      1h writes 50,000 x $12 = $0.600
    #   input    50,000 x $6.00  = $0.300      output     2,000 x $22.5 = $0.045   -> $1.065 a call, $1,065.00 a month
    assert round(monthly(frontier, prefix=250_000, other=50_000, output=2_000, cache="1h", hit=0.8), 2) == 1_065.00
    # The same with a 5-minute cache: writes 50,000 x $7.50 = $0.375 -> $0.84 a call.
    assert round(monthly(frontier, prefix=250_000, other=50_000, output=2_000, cache="5m", hit=0.8), 2) == 840.00
    # 190,000 input tokens stay below the cliff: reads 120,000 x $0.30 = $0.036, 1h writes 30,000 x $6 = $0.18,
    # input 40,000 x $3 = $0.12, output 2,000 x $15 = $0.03 -> $0.366 a call.
    assert round(monthly(frontier, prefix=150_000, other=40_000, output=2_000, cache="1h", hit=0.8), 2) == 366.00


def test_an_override_prices_batch_and_flex_with_their_own_tiers(frontier):
    # Batch above 200k: 300,000 x $3 + 2,000 x $11.25 = $0.9225 a call.
    assert round(monthly(frontier, other=300_000, output=2_000, tier="batch"), 2) == 922.50
    # Flex gives only a flat input price; its output is the standard one, tier included: 300,000 x $2 + 2,000 x $22.5.
    assert round(monthly(frontier, other=300_000, output=2_000, tier="flex"), 2) == 645.00
    # The legacy shorthand still reads as a batch block.
    legacy = load_overrides_text(GOOD.replace("cache_read_mtok = 0.15",
                                              "cache_read_mtok = 0.15\nbatch_input_mtok = 0.75"))
    sonnet = {m.key: m for m in legacy}["anthropic/claude-sonnet-5-5"]
    assert sonnet.batch.input.base == 0.75 and sonnet.batch.output.base == 7.5


def test_an_override_context_window_refuses_a_call_that_does_not_fit(frontier):
    from calculators.bill import price
    from calculators.workload import CallClass, Workload

    c = CallClass(name="huge", requests_per_month=10, model_key="acme/frontier-1m", other_input_tokens=999_000,
                  output_tokens=2_000)
    bill = price(Workload(classes=(c,)), frontier)
    assert bill.not_priced == ("huge",) and bill.overflows[0].window == 1_000_000


def load_overrides_text(text: str, tmp=Path("/tmp")):
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".toml", dir=tmp, delete=False) as f:
        f.write(text)
    try:
        return load_overrides(Path(f.name))
    finally:
        Path(f.name).unlink()


@pytest.mark.parametrize(("change", "expected"), [
    (("above_tokens = 200000\ninput_mtok = 6", "above_tokens = 200000\ninput_mtok = 6\nnonsense = 1"),
     ["tier.0.nonsense", "Extra inputs"]),
    (("cache_read_mtok = 0.6", "cache_read_mtok = 7"), ["tier.0", "cache_read_mtok must not exceed"]),
    (("cache_read_mtok = 0.3\n", ""), ["cache_read_mtok", "no cache_read_mtok to start from"]),
    (("source_date = 2026-10-01\n", "source_date = 2026-10-01\nbatch_input_mtok = 1\n"),
     ["either as batch_input_mtok"]),
    (("[[model.batch.tier]]\nabove_tokens = 200000\ninput_mtok = 3\noutput_mtok = 11.25",
      ("[[model.batch.tier]]\nabove_tokens = 300000\ninput_mtok = 4\n[[model.batch.tier]]\nabove_tokens = 200000\n"
       "input_mtok = 3")), ["ascending and distinct"]),
])
def test_a_bad_tier_names_the_entry_and_the_field(tmp_path, change, expected):
    old, new = change
    assert old in FRONTIER_1M
    path = tmp_path / "o.toml"
    path.write_text(FRONTIER_1M.replace(old, new, 1))
    with pytest.raises(OverridesError) as err:
        load_overrides(path)
    assert "entry 1 (model 'frontier-1m')" in str(err.value)
    for part in expected:
        assert part in str(err.value)


def as_override(m) -> dict:
    """A catalogue model written as an overrides entry: every rate set, every cliff, the window."""
    def block(rates) -> dict:
        out: dict = {f"{f}_mtok": getattr(rates, f).base for f in PRICE_FIELDS if getattr(rates, f) is not None}
        cliffs: dict[int, dict] = {}
        for f in PRICE_FIELDS:
            for threshold, price in getattr(rates, f).tiers if getattr(rates, f) is not None else ():
                cliffs.setdefault(threshold, {"above_tokens": threshold})[f"{f}_mtok"] = price
        return out | ({"tier": [cliffs[t] for t in sorted(cliffs)]} if cliffs else {})

    entry = {"provider": m.provider_id, "model": m.model_id, **block(m.standard), "source": "copy",
             "source_date": "2026-01-01"}
    for name in ("batch", "flex"):
        if getattr(m, name) is not None:
            entry[name] = block(getattr(m, name))
    if m.context_window:
        entry["context_window"] = m.context_window
    return entry


def test_every_catalogue_price_can_be_written_as_an_override(cat):
    """Round trip: each bundled text model with cliffs, batch or flex prices, written as an overrides entry, reads back
    as the same rates, cliff for cliff (so a negotiated copy of any catalogue price can be entered)."""
    from calculators.prices import PriceOverride

    rich = [m for m in cat.text_models() if m.has_tiers or m.batch or m.flex or m.cache_write_1h]
    assert sum(m.has_tiers for m in rich) > 10 and sum(m.flex is not None for m in rich) > 5
    for m in rich:
        back = PriceOverride.model_validate(as_override(m)).to_prices()
        assert back.standard == m.standard, m.key
        assert (back.batch, back.flex, back.context_window) == (m.batch, m.flex, m.context_window), m.key


def test_the_documented_examples_are_valid_overrides(tmp_path):
    """The Prices page's example and the shipped file's commented example, uncommented, both load."""
    import re

    from calculators.prices import DEFAULT_OVERRIDES_PATH, OVERRIDES_HELP

    page = tmp_path / "page.toml"
    page.write_text(re.search(r"```toml\n(.*?)```", OVERRIDES_HELP, re.DOTALL).group(1))
    shipped = tmp_path / "shipped.toml"
    example = [line.removeprefix("# ") for line in DEFAULT_OVERRIDES_PATH.read_text().splitlines()
               if line.startswith("# [") or (line.startswith("# ") and " = " in line)]  # TOML lines, not prose
    shipped.write_text("\n".join(example))
    for path in (page, shipped):
        models = load_overrides(path)
        sonnet = {m.key: m for m in models}["anthropic/claude-sonnet-4-5"]
        assert sonnet.input.tiers == ((200_000, 5.40),) and sonnet.batch.input.tiers == ((200_000, 2.70),)
        assert sonnet.cache_write_1h.base == 5.40 and sonnet.flex.input.base == 1.35


def test_keys_in_finds_exactly_the_keys_a_substring_search_finds():
    """The provider-prefix shortcut of `keys_in` gives the same keys as testing every key against the text."""
    cat = build_catalogue(Path('/nonexistent/overrides.toml'))
    keys = cat.keys()
    texts = ["", "no model here", f"move to {keys[0]} and {keys[-1]}.", " ".join(keys[::97]),
             f"{keys[5]}x{keys[6]}", "openai/gpt-4o-mini then anthropic/claude-sonnet-4-5 (the strong one)"]
    for text in texts:
        assert sorted(cat.keys_in(text)) == sorted(k for k in keys if k in text)
