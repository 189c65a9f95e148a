"""Warnings where the money changes shape, and currency without a rate.

Each warning is checked twice: on the calculators (the Bill says what it refuses or where a tier bites, with the real
numbers) and on the running app (the sidebar shows it, the Overview never prints $0 for a bill it cannot price)."""
from __future__ import annotations

import datetime as dt
import io
import json

import pandas as pd
import pytest
from pydantic import BaseModel

from calculators.bill import price
from calculators.lever import Lever, effect, ranking, waterfall
from calculators.money import MoneySettings
from calculators.registry import LEVERS
from calculators.text import plain
from calculators.workload import AgentLoop, CallClass, ClassRow, Workload
from pages._ui import scenario
from pages._ui.layout import MONEY_COLUMN, NOT_PRICED, bill_money, csv_bytes
from tests.apptest import errors_text, metric_value, money_value, run_page, warnings_text
from tests.levers_common import CAT

GPT4O = "openai/gpt-4o"  # 128,000-token window; $2.50 in, $10 out
GEMINI_25 = "google/gemini-2.5-pro"  # $1.25 / $10; above 200k input tokens $2.50 / $15 for every token of the call


def one(model: str, input_tokens: float, output_tokens: float = 400, requests: float = 1_000, **kw) -> Workload:
    return Workload(classes=(CallClass(name="x", requests_per_month=requests, model_key=model,
                                       other_input_tokens=input_tokens, output_tokens=output_tokens, **kw),))


def info_text(at) -> str:
    return " ".join(i.value for i in [*at.info, *at.sidebar.info])


def sidebar_bill(at) -> str:
    return at.sidebar.metric[0].value


# --- the context window: refused, not priced ---------------------------------------------------------------------

WINDOW_MESSAGE = ("a request of 200,400 tokens does not fit its 128,000-token context window; the API would reject it, "
                  "so this class is not priced.")


def test_a_call_beyond_the_context_window_is_refused_with_its_reason():
    # 200,000 in + 400 out = 200,400 tokens > 128,000: not priced (it was $504,000/month for 1M requests, silently).
    bill = price(one(GPT4O, 200_000), CAT)
    (over,) = bill.overflows
    assert (over.tokens, over.window) == (200_400, 128_000)
    assert over.message() == f"**x** ({plain(CAT.get(GPT4O).label)}): {WINDOW_MESSAGE}"  # names are text, not Markdown
    assert bill.total == 0 and bill.nothing_priced and bill.not_priced == ("x",) and bill.unpriced == ()
    assert bill_money(bill) == NOT_PRICED
    fits = price(one(GPT4O, 127_600), CAT)  # 127,600 + 400 = 128,000: fits exactly, priced by hand
    assert not fits.overflows and fits.total == pytest.approx(1_000 * (127_600 * 2.5 + 400 * 10) / 1e6)


def test_the_sidebar_and_the_overview_refuse_to_price_it():
    at = run_page("pages/overview.py", {"model": GPT4O, "in_tokens": "200000"})
    assert not at.exception
    assert WINDOW_MESSAGE in errors_text(at) and "**Requests**" in errors_text(at)
    assert sidebar_bill(at) == NOT_PRICED
    assert metric_value(at, "Monthly bill") == NOT_PRICED and metric_value(at, "Bill after the levers") == NOT_PRICED
    assert "$0" not in " ".join(m.value for m in [*at.metric, *at.sidebar.metric])


def test_no_lever_books_a_saving_on_a_bill_that_prices_nothing():
    w = one(GPT4O, 50_000, prefix_tokens=150_000)  # 200,400 tokens a call; trimmed by 25% of the prefix: 162,900
    bars = ranking(w, [(lv, lv.inputs(**lv.defaults(w, CAT))) for lv in LEVERS], CAT)
    assert all(b.saving == 0 and b.idle for b in bars)
    trim = next(b for b in bars if b.lever.name == "system_prompt")
    assert trim.idle == "no call class can be priced here, before or after it, so there is no saving to weigh"


def test_a_lever_that_pushes_a_class_past_its_window_cannot_apply():
    """Moving a 200,000-token class to gpt-4o would drop it from the bill (refused): that is not a saving. The waterfall
    marks the lever as unable to apply and goes on from the workload before it; the reverse (a refused class made to
    fit) is a real cost, booked and flagged."""

    class To(BaseModel):
        model_key: str

    mover = Lever(name="mover", label="Move", page="pages/overview.py", question="?", inputs=To,
                  apply=lambda w, x, cat: w.map(lambda c: c.model_copy(update={"model_key": x.model_key})),
                  describe=lambda x: f"every class on {x.model_key}")
    w = one(GEMINI_25, 200_000)  # $254 a month: 1,000 x (200,000 x 1.25 + 400 x 10) / 1M
    pushed = effect(mover, w, To(model_key=GPT4O), CAT)
    assert pushed.saving == pytest.approx(254) and pushed.refused  # the raw difference would book $254
    result = waterfall(w, [(mover, To(model_key=GPT4O))], CAT)
    (bar,) = result.bars
    assert bar.saving == 0 and bar.idle.startswith("it cannot apply here (after it, x needs 200,400 tokens")
    assert result.final.total == pytest.approx(254) and result.total_saving == 0

    back = waterfall(one(GPT4O, 200_000), [(mover, To(model_key=GEMINI_25))], CAT).bars[0]
    assert back.idle is None and back.saving == pytest.approx(-254)  # today not priced; after it, $254 to pay
    assert "did not fit the context window before this lever" in back.caveat


# --- long-context tiers: crossing and near -------------------------------------------------------------------------


def test_crossing_a_tier_says_by_how_much_and_the_price_multiple():
    # 200,001 input tokens: every token at the >200k rates. 1,000 x (200,001 x 2.50 + 400 x 15) / 1M = $506.0025,
    # against $254 at 200,000 tokens: one token doubles the bill.
    over, at = price(one(GEMINI_25, 200_001), CAT), price(one(GEMINI_25, 200_000), CAT)
    assert over.total == pytest.approx(506.0025) and at.total == pytest.approx(254)
    (notice,) = over.tier_notices
    assert notice.crossed and (notice.threshold, notice.input_multiple, notice.output_multiple) == (200_000, 2.0, 1.5)
    assert notice.message() == (f"**x** ({plain(CAT.get(GEMINI_25).label)}): 1 token over 200k: every token of this request "
                                "is billed at the >200k price (input x2, output x1.5).")


def test_an_agent_task_crossing_a_tier_says_which_share_of_its_calls():
    # Step i sends 150,000 + 25,000 (i - 1) tokens: 150k, 175k, 200k, 225k. Only step 4 is above 200k: 25% of calls.
    loop = AgentLoop(steps=4, tool_result_tokens=24_000)
    (notice,) = price(one(GEMINI_25, 150_000, output_tokens=1_000, loop=loop), CAT).tier_notices
    assert (notice.input_tokens, notice.calls_share) == (225_000, 0.25)
    assert "25,000 tokens over 200k" in notice.message() and "That is 25% of its calls." in notice.message()


@pytest.mark.parametrize("tokens, expected", [
    (198_000, ("2,000 tokens below the 200k tier: 2,001 more input tokens and every token of the request is billed "
               "at the >200k price (input x2, output x1.5).")),
    (190_000, "10,000 tokens below the 200k tier"),  # 5% below: the edge of the notice
    (200_000, "exactly at the 200k tier: 1 more input token and every token"),
    (189_999, None),  # further than 5% below: nothing to say
])
def test_a_call_just_below_a_tier_is_noticed(tokens, expected):
    notices = price(one(GEMINI_25, tokens), CAT).tier_notices
    if expected is None:
        assert notices == ()
    else:
        (notice,) = notices
        assert not notice.crossed and expected in notice.message()


def test_the_sidebar_warns_on_a_crossing_and_notes_a_near_tier():
    at = run_page("pages/overview.py", {"model": GEMINI_25, "in_tokens": "200001", "w.prefix": "0"})
    assert not at.exception
    assert ("1 token over 200k: every token of this request is billed at the >200k price (input x2, output x1.5)."
            in warnings_text(at))
    assert money_value(sidebar_bill(at)) == pytest.approx(1_000_000 * 0.5060025, abs=1)  # $506,002.50 by hand
    near = run_page("pages/overview.py", {"model": GEMINI_25, "in_tokens": "198000", "w.prefix": "0"})
    assert "2,000 tokens below the 200k tier: 2,001 more input tokens" in info_text(near)
    assert "over 200k" not in warnings_text(near)


# --- a model without a price: unpriced, never $0 ---------------------------------------------------------------------


def classes_link(*rows: ClassRow) -> dict[str, str]:
    return {"w.classes": json.dumps([r.model_dump(mode="json") for r in rows], separators=(",", ":"))}


SECRET = ClassRow(name="Secret", requests_per_month=1_000, model_key="acme/secret-model-9", other_input_tokens=1_000,
                  output_tokens=100)


def test_an_unpriced_model_is_never_zero():
    bill = price(Workload(classes=(SECRET.to_class(),)), CAT)
    assert bill.unpriced == ("Secret",) and bill.nothing_priced and bill_money(bill) == NOT_PRICED
    at = run_page("pages/overview.py", classes_link(SECRET))
    assert not at.exception
    assert sidebar_bill(at) == NOT_PRICED and metric_value(at, "Monthly bill") == NOT_PRICED
    assert "unpriced, not free" in warnings_text(at)
    assert "$0" not in " ".join(m.value for m in [*at.metric, *at.sidebar.metric])


def test_a_partly_priced_bill_says_what_it_leaves_out():
    # Known: 1,000 requests of 1,000 in / 100 out on gpt-4o = 1,000 x (1,000 x 2.5 + 100 x 10) / 1M = $3.50.
    known = ClassRow(name="Known", requests_per_month=1_000, model_key=GPT4O, other_input_tokens=1_000,
                     output_tokens=100)
    at = run_page("pages/overview.py", classes_link(known, SECRET))
    assert not at.exception
    metric = at.sidebar.metric[0]
    assert metric.value == "$3.50/month" and metric.delta == "leaves out 1 class not priced"


# --- currency: no conversion until a rate is entered ----------------------------------------------------------------


def test_a_currency_without_a_rate_converts_nothing():
    eur = MoneySettings(currency="EUR")
    assert eur.rate_missing and not eur.converting and eur.shown_currency == "USD" and eur.symbol == "$"
    assert eur.shown(8_000) == 8_000 and eur.to_usd(10) == 10
    assert eur.describe() == "USD list prices (EUR chosen, rate not set: figures stay in USD until it is)"
    rated = MoneySettings(currency="EUR", rate_per_usd=0.5, rate_date=dt.date(2026, 11, 20))
    assert rated.shown(8_000) == 4_000 and rated.symbol == "€" and rated.to_usd(10) == 20
    assert rated.describe() == "EUR at 0.5 per USD (rate of 2026-11-20)"
    assert MoneySettings(currency="USD", rate_per_usd=0.5).shown(1) == 1  # a stray rate never converts USD


def test_rate_not_set_in_the_app_then_typed():
    at = run_page("pages/overview.py", {"currency": "EUR"})
    assert not at.exception
    figures = [m.value for m in [*at.metric, *at.sidebar.metric]] + [c.value for c in [*at.caption,
                                                                                      *at.sidebar.caption]]
    assert sidebar_bill(at) == "$8,000/month" and metric_value(at, "Monthly bill") == "$8,000"
    assert not [f for f in figures if "€" in f]  # every figure still in USD
    (badge,) = [c.value for c in at.sidebar.caption if "badge[" in c.value]
    assert "rate not set]" in badge and "EUR chosen: enter a rate" in badge and "figures stay in USD until then" in badge
    assert "EUR chosen: enter a rate; figures stay in USD until then." in warnings_text(at)

    at.sidebar.number_input(key="fx").set_value(0.5).run()  # the rate typed: converted
    assert sidebar_bill(at) == "€4,000/month" and metric_value(at, "Monthly bill") == "€4,000"
    assert not [c for c in at.sidebar.caption if "rate not set" in c.value]  # neither the badge nor the caption
    assert "EUR chosen" not in warnings_text(at)


def test_the_rate_date_is_typed_and_travels_in_the_link():
    at = run_page("pages/overview.py", {"currency": "EUR", "fx": "0.5", "fx_date": "2026-11-20"})
    assert not at.exception
    assert at.sidebar.date_input(key="fx_date").value == dt.date(2026, 11, 20)
    assert any("EUR at 0.5 per USD (rate of 2026-11-20)" in c.value for c in at.sidebar.caption)
    at.sidebar.date_input(key="fx_date").set_value(dt.date(2026, 10, 1)).run()
    assert at.query_params["fx_date"] == ["2026-10-01"] or at.query_params["fx_date"] == "2026-10-01"
    assert at.session_state[scenario.STORE]["fx_date"] == "2026-10-01"  # what the export and the link carry
    assert any("(rate of 2026-10-01)" in c.value for c in at.sidebar.caption)


def test_exports_carry_the_rate_and_its_date():
    note = MoneySettings(currency="EUR", rate_per_usd=0.92, rate_date=dt.date(2026, 11, 20)).describe()
    table = pd.read_csv(io.BytesIO(csv_bytes(pd.DataFrame({"lever": ["caching"], "monthly saving": [2_548.0]}), note)))
    assert list(table[MONEY_COLUMN]) == ["EUR at 0.92 per USD (rate of 2026-11-20)"]
    document = scenario.to_json({"currency": "EUR", "fx": "0.92", "fx_date": "2026-11-20"}, money=note)
    assert json.loads(document)["money"] == note
    assert scenario.parse(document.encode()) == {"currency": "EUR", "fx": "0.92", "fx_date": "2026-11-20"}


def test_class_names_in_bill_messages_are_text_not_markdown():
    """A class name from a link ('[click](http://x)', '**bold**') is echoed literally in the bill's notices."""
    hostile = "[click](http://x.example) **b**"
    bill = price(Workload(classes=(CallClass(name=hostile, requests_per_month=1000, model_key=GPT4O,
                                             other_input_tokens=200_000, output_tokens=400),)), CAT)
    (over,) = bill.overflows
    assert over.message().startswith(f"**{plain(hostile)}**") and "[click](" not in over.message()
