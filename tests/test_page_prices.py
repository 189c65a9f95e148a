"""The Prices page and the model picker, through the real router (AppTest)."""
from tests.apptest import ROOT, errors_text, run_page

PRICES = "pages/prices.py"


def info_text(at) -> str:
    return " ".join(i.value for i in at.info)


def test_opens_on_flagships_with_a_verdict_naming_the_cheapest_that_fits():
    at = run_page(PRICES)
    assert not at.exception and not errors_text(at)
    table = at.dataframe[0].value  # the comparison: flagships only, cheapest first
    assert len(table) == 18 and "anthropic/claude-sonnet-5-5" in set(table["key"])
    assert table["per month"].is_monotonic_increasing
    verdict = info_text(at)
    # Default workload: $8,000 a month on Claude Sonnet 5.5. The cheapest flagship is the first row of the table.
    first = table.iloc[0]
    assert "Your workload costs $8,000 a month on Anthropic · Claude Sonnet 5.5" in verdict
    assert f"the cheapest flagship model that fits is {first['model']}" in verdict
    assert "Quality is not compared: check it before switching." in verdict
    assert len(at.dataframe[1].value) == 18  # the price table opens on the same flagships


def test_all_text_models_prices_every_text_model():
    at = run_page(PRICES, {"prices.show": "all text models"})
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) > 1_500 and "openai/gpt-4o-mini-tts" not in set(table["key"])
    assert "the cheapest text model that fits" in info_text(at)


def test_a_call_too_long_for_todays_model_is_said_not_priced():
    # 200,000 input tokens do not fit gpt-4o's 128k window: the verdict says so instead of quoting a bill.
    at = run_page(PRICES, {"model": "openai/gpt-4o", "in_tokens": "200000"})
    assert not at.exception
    verdict = info_text(at)
    assert "does not fit OpenAI · gpt-4o" in verdict and "the cheapest flagship model that fits is" in verdict
    table = at.dataframe[0].value
    row = table[table["key"] == "openai/gpt-4o"].iloc[0]
    assert row["fits window"] == "no" and table.index[table["key"] == "openai/gpt-4o"][0] == len(table) - 1


def test_picker_shows_text_models_by_name_and_the_link_holds_the_key():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    box = at.sidebar.selectbox(key="model")
    assert box.value == "anthropic/claude-sonnet-5-5"
    assert "Anthropic · Claude Sonnet 5.5" in box.options and "OpenAI · gpt-4o" in box.options
    assert not any("text-to-speech" in o for o in box.options)
    assert not at.sidebar.toggle(key="w.all_models").value
    box.set_value("openai/gpt-4o").run()
    assert not at.exception
    assert at.query_params["model"] in ("openai/gpt-4o", ["openai/gpt-4o"])  # the key, not the label


def test_an_existing_link_selects_its_model():
    at = run_page("pages/caching.py", {"model": "openai/gpt-4o"})
    assert at.sidebar.selectbox(key="model").value == "openai/gpt-4o"
    assert not at.sidebar.toggle(key="w.all_models").value


def test_a_link_to_a_hidden_model_selects_it_with_the_toggle_on():
    at = run_page("pages/overview.py", {"model": "openrouter/~anthropic/claude-sonnet-latest"})
    assert not at.exception
    assert at.sidebar.selectbox(key="model").value == "openrouter/~anthropic/claude-sonnet-latest"
    assert at.sidebar.toggle(key="w.all_models").value
    options = at.sidebar.selectbox(key="model").options
    assert any("text-to-speech" in o for o in options)


def test_lever_pages_offer_text_models_and_keep_a_linked_hidden_one():
    at = run_page("pages/routing.py")
    cheap = at.selectbox(key="rt.cheap")
    assert "openai/gpt-4o" in cheap.options and "openai/gpt-4o-mini-tts" not in cheap.options
    at = run_page("pages/routing.py", {"rt.cheap": "openrouter/openai/gpt-5-mini:batch"})
    assert not at.exception
    assert at.selectbox(key="rt.cheap").value == "openrouter/openai/gpt-5-mini:batch"
