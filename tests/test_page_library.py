"""The Scenario library page in AppTest: save, list, open, duplicate, rename, delete; sign-in rules with Streamlit's own
test user (AppTest.user); team prices applied to every session's next rerun; hostile text shown as text."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest import APP, TIMEOUT, metric_value, money_value
from tests.postgres import postgres_server, postgres_url  # noqa: F401  (fixtures)

PAGE = "pages/library.py"
AUTH = {"redirect_uri": "http://localhost:8615/oauth2callback", "cookie_secret": "test-secret",
        "client_id": "llm-cost-levers", "client_secret": "s3cret",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}
LINK = {"requests": "2000000", "in_tokens": "3000"}


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    """Each test has its own data directory (the default SQLite file lives there)."""
    monkeypatch.setenv("LLM_COST_LEVERS_DATA", str(tmp_path / "data"))
    return tmp_path / "data"


def library_page(query: dict[str, str] | None = None, *, secrets: dict | None = None,
                 user: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in (secrets or {}).items():
        at.secrets[key] = value
    if user is not None:
        at.user = user
    at.query_params.update(query or {})
    at.run()
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, at.exception
    return at


def save(at: AppTest, name: str, note: str = "") -> AppTest:
    at.text_input(key="library.name").input(name)
    at.text_area(key="library.note").input(note)
    at.button(key="library.save").click().run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    return " ".join(e.value for e in [*at.success, *at.error, *at.info, *at.text, *at.caption])


def link_params(at: AppTest) -> dict[str, list[str]]:
    url = at.get("link_button")[0].proto.url
    assert url.startswith("./?")
    return parse_qs(urlsplit(url).query)


def test_runs_alone_without_configuration_and_creates_the_file_on_the_first_save(data_dir):
    at = library_page(LINK)
    assert "Sign-in is not configured: you are the local user" in texts(at)
    assert "library is empty" in " ".join(i.value for i in at.info)
    assert not (data_dir / "library.sqlite").exists()  # nothing written by opening the page
    assert not at.button(key="library.save").disabled
    save(at, "Q3 plan", "caching on")
    assert (data_dir / "library.sqlite").exists()
    assert "Saved as version 1." in texts(at)
    frame = at.dataframe[0].value
    assert list(frame["name"]) == ["Q3 plan"] and list(frame["owner"]) == ["local user"]
    params = link_params(at)
    assert params["requests"] == ["2000000"] and params["in_tokens"] == ["3000"]  # opening it restores the link
    save(at, "Q3 plan", "second thoughts")
    assert "Saved as version 2." in texts(at)
    history = at.dataframe[1].value
    assert list(history["version"]) == [2, 1] and list(history["note"]) == ["second thoughts", "caching on"]


def test_search_duplicate_rename_and_delete():
    at = save(library_page(LINK), "Caching plan", "prefix cached")
    save(at, "Batch plan", "nightly jobs")
    at.text_input(key="library.search").input("nightly").run()
    assert list(at.dataframe[0].value["name"]) == ["Batch plan"]
    at.text_input(key="library.search").input("").run()
    at.selectbox(key="library.pick").select_index(list(at.dataframe[0].value["name"]).index("Caching plan")).run()
    at.button(key="library.duplicate").click().run()
    assert sorted(at.dataframe[0].value["name"]) == ["Batch plan", "Caching plan", "Caching plan (copy)"]
    at.text_input(key="library.rename_to").input("Renamed copy")
    at.button(key="library.rename").click().run()
    assert sorted(at.dataframe[0].value["name"]) == ["Batch plan", "Caching plan", "Renamed copy"]
    assert at.button(key="library.delete").disabled  # until confirmed
    at.checkbox(key="library.delete_confirm").check().run()
    at.button(key="library.delete").click().run()
    assert not at.exception
    assert sorted(at.dataframe[0].value["name"]) == ["Batch plan", "Caching plan"]


HOSTILE = ["<b>bold</b><img src=x onerror=alert(1)>", "**strong** :red[red] $x$", "'; DROP TABLE scenarios; --"]


@pytest.mark.parametrize("text", [*HOSTILE, "<i>" + "y" * 100_000 + "</i>"], ids=["html", "markdown", "sql", "100kB"])
def test_hostile_names_and_notes_are_shown_as_text(text):
    at = save(library_page(), text, text)
    assert "Saved as version 1." in texts(at)
    shown = at.dataframe[0].value
    expected = text if len(text) <= 300 else text[:300] + f"… ({len(text):,} characters)"
    assert list(shown["name"]) == [expected] and list(shown["latest note"]) == [expected]
    assert at.selectbox(key="library.pick").format_func(at.selectbox(key="library.pick").value) == expected
    for element in [*at.markdown, *at.caption, *at.success, *at.info, *at.error]:  # never rendered as markup
        assert text[:40] not in element.value


def test_signed_out_cannot_save_and_only_the_owner_deletes(data_dir):
    secrets = {"auth": AUTH, "library": {"team": "platform"}}
    out = library_page(LINK, secrets=secrets, user={"is_logged_in": False})
    assert out.button(key="library.save").disabled and out.button(key="library.login")
    assert "You are signed out" in texts(out)
    assert not (data_dir / "library.sqlite").exists()

    x = save(library_page(LINK, secrets=secrets, user={"is_logged_in": True, "email": "x@corp.example"}), "X's plan")
    assert "Saved as version 1." in texts(x) and "Signed in as x@corp.example, team platform." in texts(x)
    assert not x.button(key="library.delete").disabled or x.checkbox(key="library.delete_confirm")

    y = library_page(secrets=secrets, user={"is_logged_in": True, "email": "y@corp.example"})
    assert list(y.dataframe[0].value["owner"]) == ["x@corp.example"]  # the team sees it
    assert y.button(key="library.rename").disabled
    assert not [b for b in y.button if b.key == "library.delete"]  # no delete for someone else's scenario
    assert "Only its owner may rename or delete it." in texts(y)
    save(y, "X's plan", "Y's version")  # but may add a version
    assert "Saved as version 2." in texts(y)
    assert list(y.dataframe[1].value["by"]) == ["y@corp.example", "x@corp.example"]

    out.run()  # signed out: can browse and open, not change
    assert list(out.dataframe[0].value["name"]) == ["X's plan"] and out.button(key="library.duplicate").disabled


PRICE = """[[model]]
provider = "anthropic"
model = "claude-sonnet-5-5"
input_mtok = 1.0
output_mtok = 2.0
source = "Negotiated 2026-10"
source_date = 2026-10-01
"""


def test_an_admin_price_change_applies_to_the_next_rerun_of_every_session():
    secrets = {"auth": AUTH, "library": {"admins": ["Alice@Corp.example"]}}
    other = library_page(secrets=secrets, user={"is_logged_in": True, "email": "bob@corp.example"})
    before = money_value(metric_value(other, "Monthly bill"))
    assert not [t for t in other.text_area if t.key == "library.price_toml"]  # bob is no admin

    admin = library_page(secrets=secrets, user={"is_logged_in": True, "email": "alice@corp.example"})
    admin.text_area(key="library.price_toml").input(PRICE)
    admin.button(key="library.price_save").click().run()
    assert "Saved the team prices" in texts(admin)
    # Hand-computed: 1,000,000 requests x (2,000 input tokens x $1 + 400 output tokens x $2) per million = $2,800.
    assert money_value(metric_value(admin, "Monthly bill")) == pytest.approx(2_800)
    other.run()
    assert money_value(metric_value(other, "Monthly bill")) == pytest.approx(2_800) != before
    [prices] = [d.value for d in other.dataframe if "set by" in d.value.columns]
    assert list(prices["set by"]) == ["alice@corp.example"] and list(prices["input USD/MTok"]) == [1.0]

    admin.text_area(key="library.price_toml").input(PRICE.replace("input_mtok = 1.0", "input_mtok = -1"))
    admin.button(key="library.price_save").click().run()
    shown = texts(admin).replace("\\", "")  # the message escapes Markdown (layout.plain)
    assert "Team prices not saved: entry 1 (model 'claude-sonnet-5-5'), field 'input_mtok'" in shown


def test_the_library_on_postgresql_through_st_connection(postgres_url, data_dir):  # noqa: F811
    secrets = {"connections": {"library": {"url": postgres_url}}}
    at = save(library_page(LINK, secrets=secrets), "On PostgreSQL", "shared")
    assert "Saved as version 1." in texts(at) and not data_dir.exists()
    fresh = library_page(secrets=secrets)  # another session sees it
    assert list(fresh.dataframe[0].value["name"]) == ["On PostgreSQL"]
    assert link_params(fresh)["requests"] == ["2000000"]


def test_a_team_price_without_names_keeps_the_models_label_and_can_be_removed():
    """An entry that names only provider and model changes the money, not the picker's label; removing it restores
    the bundled price on the next rerun (it once left the sidebar's picker pointing at a vanished label)."""
    secrets = {"auth": AUTH, "library": {"admins": ["alice@corp.example"]}}
    admin = library_page(secrets=secrets, user={"is_logged_in": True, "email": "alice@corp.example"})
    before_bill = money_value(metric_value(admin, "Monthly bill"))
    label = admin.selectbox(key="model").format_func(admin.selectbox(key="model").value)
    admin.text_area(key="library.price_toml").input(PRICE)
    admin.button(key="library.price_save").click().run()
    assert not admin.exception, admin.exception
    assert admin.selectbox(key="model").format_func(admin.selectbox(key="model").value) == label
    assert money_value(metric_value(admin, "Monthly bill")) == pytest.approx(2_800)

    admin.selectbox(key="library.price_remove_pick").select("anthropic/claude-sonnet-5-5")
    admin.button(key="library.price_remove").click().run()
    assert not admin.exception, admin.exception
    assert "Removed; the bundled price applies from the next rerun." in texts(admin)
    admin.run()
    assert not admin.exception, admin.exception
    assert money_value(metric_value(admin, "Monthly bill")) == pytest.approx(before_bill)
