"""The Overview's bill builder: each lever's bar equals its page's headline saving for the same link, to the cent,
and the waterfall adds up."""
import pytest

from calculators.lever import MODEL_CHOICE
from calculators.registry import LEVERS
from tests.apptest import metric_value, money_value, run_page

# A link with non-default settings for every lever.
LINK = {
    "requests": "400000", "model": "anthropic/claude-sonnet-5-5", "in_tokens": "3000", "out_tokens": "500",
    "w.prefix": "60", "w.reasoning": "2000", "w.agents": "20", "w.steps": "8", "w.fail": "10",
    "cache.prefixes": "30", "cache.ttl": "1-hour TTL", "sp.trim": "40",
    # agent loops, retries, pipeline:
    "pipe.chain": "true",
    "agents.compaction": "sliding", "agents.keep": "4", "retry.k": "2", "retry.budget": "5", "pipe.rewrite": "20000",
    "pipe.target": "95",
    # right-sizing, routing, distillation:
    "rs.bar": "85", "rs.fail": "escalate", "rt.mode": "cascade", "rt.router_cost": "0.5", "rt.user_retry": "30",
    "rt.q_complex": "30", "distil.source": "Self-hosted", "distil.hosted": "0.2", "distil.quality": "90",
    "distil.fallback": "Routed to the teacher up front", "distil.upkeep": "500",
    # output caps, reasoning, batch:
    "cap.max_trunc": "5",
    "cap.p95x": "2", "cap.max_tokens": "3000", "cap.redo": "20", "cap.brevity": "-10",
    "reason.tasks": '[{"name":"Math","share":0.3,"accuracy_without":0.6,"accuracy_with":0.8,"value_correct":0.2},'
                    '{"name":"Chat","share":0.7,"accuracy_without":0.9,"accuracy_with":0.91,"value_correct":0.05}]',
    "batch.share": "50", "batch.cost": "200",
}


def overview_link(lever) -> dict[str, str]:
    if lever.group == MODEL_CHOICE:
        return {"bill.levers": "nothing", "bill.model": lever.label}
    return {"bill.levers": lever.label}


@pytest.mark.parametrize("lever", LEVERS, ids=[lv.name for lv in LEVERS])
def test_overview_bar_equals_its_page(lever):
    page = run_page(lever.page, LINK)
    assert not page.exception, [e.value for e in page.exception]
    own = page.session_state["_lever_savings"][lever.name]
    overview = run_page("pages/overview.py", LINK | overview_link(lever))
    assert not overview.exception
    assert overview.session_state["_overview_bars"] == {lever.name: pytest.approx(own, abs=0.005)}
    saving = money_value(metric_value(overview, "Monthly bill")) - money_value(metric_value(overview, "Bill after"))
    assert saving == pytest.approx(own, abs=1.0)  # two figures each rounded to the dollar
    # The ranked bar for the lever, priced alone on today's workload, is the same number too.
    assert overview.session_state["_overview_ranked"][lever.name] == pytest.approx(own, abs=0.005)


def test_all_levers_off_leaves_the_bill():
    at = run_page("pages/overview.py", {"bill.levers": "nothing"})
    assert not at.exception
    at.multiselect(key="bill.levers").set_value([]).run()
    assert metric_value(at, "Bill after the levers") == metric_value(at, "Monthly bill") == "$8,000"


def test_every_lever_on_adds_up():
    at = run_page("pages/overview.py", LINK)
    at.multiselect(key="bill.levers").set_value([lv.name for lv in LEVERS if lv.group is None]).run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "bill after" in d.value.columns)
    today = money_value(metric_value(at, "Monthly bill"))
    after = money_value(metric_value(at, "Bill after the levers"))
    assert table["monthly saving"].sum() == pytest.approx(today - after, abs=1.0)
    assert list(table["bill after"])[-1] == pytest.approx(after, abs=1.0)


def test_overview_opens_on_the_ranked_answer():
    """The verdict names the lever with the biggest saving alone, with that saving; the ranking is sorted and every
    lever that does nothing says why."""
    at = run_page("pages/overview.py", LINK)
    assert not at.exception
    ranked = at.session_state["_overview_ranked"]
    assert set(ranked) == {lv.name for lv in LEVERS}
    table = next(d.value for d in at.dataframe if "verdict" in d.value.columns)
    acting = table[~table["verdict"].str.startswith("does nothing")]
    assert list(acting["monthly saving"]) == sorted(acting["monthly saving"], reverse=True)
    top = acting.iloc[0]
    (box,) = at.success
    assert f"**{top['lever']}** cuts it most: ${top['monthly saving']:,.0f} a month" in box.value
    assert money_value(metric_value(at, "Biggest single lever")) == pytest.approx(top["monthly saving"], abs=0.5)
    for verdict in table.loc[table["monthly saving"] == 0, "verdict"]:
        assert verdict.startswith(("does nothing here: ", "moves the bill by less than a cent"))


def test_default_overview_verdict_by_hand():
    """Default workload (1M requests of 2,000 in / 400 out on a $2/$10 model = $8,000): distillation's default
    student alone takes the bill to $1,680, a $6,320 saving (79%), the biggest; caching alone saves $2,850."""
    at = run_page("pages/overview.py")
    (box,) = at.success
    assert box.value.startswith("Your bill is $8,000 a month. **Distillation** cuts it most: $6,320 a month (79%)")
    assert box.value.endswith("after a one-off $5,512 that pays back in 0.9 months.")  # the page: $5,512 / $6,320
    assert "illustrative defaults" in box.value
    assert at.session_state["_overview_ranked"]["caching"] == pytest.approx(2_850, abs=0.005)
    assert at.session_state["_overview_ranked"]["retries"] == 0


def test_which_page_answers_lists_every_lever_page_when_opened():
    """The questions expander is built only while open (a rerun must not send its 28 elements): opened, it links every
    lever's page with the lever's question, and the workload, token counter and prices pages."""
    from calculators.registry import LEVERS

    at = run_page("pages/overview.py")
    assert not at.get("page_link")
    at.session_state["overview.questions"] = True
    at.run()
    assert not at.exception
    linked = [link.proto.page for link in at.get("page_link")]
    assert len(linked) == len(LEVERS) + 3
    captions = {c.value for c in at.caption}
    assert all(lever.question in captions for lever in LEVERS)


def test_bar_labels_show_cents_below_ten():
    """A lever's bar label is its money to the unit from 10 up and to the cent below: a $0.15 saving reads "−$0.15", not
    "−$0"; nothing at all reads "$0"; a rise carries "+" (computed by hand)."""
    from pages._ui.fig_bill import amount, change

    assert amount(8_000.4, "$") == "$8,000"
    assert amount(9.994, "€") == "€9.99"
    assert change(0.15, "$") == "−$0.15"
    assert change(-12.6, "$") == "+$13"
    assert change(0.004, "$") == "$0"
    assert change(1_234.5, "£") == "−£1,234"  # round half to even, as Python formats
    assert amount(-0.0, "$") == "$0.00" and amount(0.0, "$") == "$0.00"  # never "-0"
    assert amount(9.996, "$") == "$10"  # rounds to 10: whole units, not "$10.00"
    assert amount(-0.15, "$") == "−$0.15"  # the sign before the symbol
