"""Scenario library: save the scenario under a name with a note, find it again, open any version; the team's prices."""
import datetime as dt

import pandas as pd
import streamlit as st
from alembic.util import CommandError
from sqlalchemy.exc import SQLAlchemyError
from streamlit.errors import StreamlitAPIException

from pages._ui import library, scenario
from pages._ui import library_store as store
from pages._ui.layout import ensure_router, plain, verdict

SHOWN_CHARS = 300  # a cell shows this much of a long name or note; the full text is stored and opened


def short(text: str) -> str:
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + f"… ({len(text):,} characters)"


def when(value: dt.datetime) -> str:
    return f"{value:%Y-%m-%d %H:%M} UTC"


def act(work, done: str, failed: str) -> None:
    """A button's action, run as its callback (before the page draws, so the page shows its result at once): `work()`
    returns a scenario to show, or None; the outcome is flashed above the page."""
    try:
        pick = work()
    except store.LibraryError as exc:
        st.session_state["library.flash"] = ("error", f"{failed}: {plain(exc)}.")
    except (SQLAlchemyError, OSError) as exc:  # the database went away: nothing was changed
        st.session_state["library.flash"] = ("error", f"{failed}: the database failed ({plain(str(exc)[:200])}).")
    else:
        st.session_state["library.flash"] = ("success", done.format(pick))
        if pick is not None:
            st.session_state["library.pick"] = pick.scenario_id
            st.session_state.pop("library.version", None)


def sign_in() -> None:
    provider = library.secrets_section("library").get("login_provider")  # for [auth.<provider>] sections
    st.login(*([str(provider)] if provider else []))


ensure_router()  # a deep link runs this page inside app.py, with the sidebar's workload
st.title("Scenario library")
st.caption("Every input of every page, saved under a name with a note, so it can be found, opened and compared later. "
           "Each save is a new version; nothing is overwritten.")
answer = st.container()
me = library.identity()

account = st.container(horizontal=True, vertical_alignment="center")
with account:
    st.text(me.describe())
    if me.auth and me.who is None:
        st.button("Sign in", key="library.login", icon=":material/login:", type="primary", on_click=sign_in)
    elif me.auth:
        st.button("Sign out", key="library.logout", icon=":material/logout:", on_click=st.logout)
if me.auth and me.who is not None and me.team is None:
    st.warning("No team: set `[library] team` in the secrets, or sign in with an e-mail address.",
               icon=":material/group_off:")

try:
    reader = library.engine()
except (SQLAlchemyError, StreamlitAPIException, CommandError, OSError) as exc:  # down or misconfigured: say so
    reader = None
    st.error(f"The library's database ({plain(library.where())}) cannot be reached: {plain(str(exc)[:300])}",
             icon=":material/cloud_off:")
flash = st.session_state.pop("library.flash", None)
if flash:
    tone, message = flash
    (st.success if tone == "success" else st.error)(
        message, icon=":material/check_circle:" if tone == "success" else ":material/error:")

# --- save --------------------------------------------------------------------------------------
st.subheader("Save this scenario")
params = dict(scenario.store())
st.caption("Saves what the link holds (every input of every page that differs from its default, currency included) "
           "under a name. Saving an existing name adds a version to it.")
with st.form("library.save_form", border=False, enter_to_submit=False):
    st.text_input("Name", key="library.name", max_chars=store.MAX_TEXT_CHARS,
                  placeholder="e.g. Q3 plan: caching on, batch the nightly jobs")
    st.text_area("Note", key="library.note", max_chars=store.MAX_TEXT_CHARS, height=80,
                 placeholder="What this version assumes, or what changed")
    st.form_submit_button(
        "Save this scenario", key="library.save", icon=":material/save:", disabled=not me.can_write, type="primary",
        on_click=act, args=(lambda: store.save(
            library.engine(for_write=True), team=me.team, who=me.who, name=st.session_state["library.name"],
            note=st.session_state["library.note"], params=params), "Saved as version {0.version}.", "Not saved"))
if not me.can_write:
    st.caption("Sign in to save.")

# --- list, search ------------------------------------------------------------------------------
st.subheader("Your team's scenarios" if me.auth else "Saved scenarios")
search = st.text_input("Search names and notes", key="library.search", placeholder="any part of a name or a note")
team = me.team or ""
rows = store.list_scenarios(reader, team=team, who=me.who or "", search=search) if reader is not None else []
with answer:
    if rows:
        newest = max(rows, key=lambda r: r.updated_at)
        verdict(f"{len(rows)} scenario{'s' if len(rows) != 1 else ''} {'match' if search.strip() else 'in the library'}; "
                f"the newest was saved by {plain(newest.updated_by)} on {when(newest.updated_at)}.")
    else:
        verdict("Nothing matches the search." if search.strip() and reader is not None else
                "The library is empty: save this scenario below to start it." if me.can_write else
                "The library is empty, or you are signed out: sign in to see your team's scenarios and to save.")
if rows:
    st.dataframe(pd.DataFrame({
        "name": [short(r.name) for r in rows],
        "owner": [r.owner for r in rows],
        "versions": [r.latest_version for r in rows],
        "last saved": [when(r.updated_at) for r in rows],
        "by": [r.updated_by for r in rows],
        "latest note": [short(r.note) for r in rows],
    }), hide_index=True, width="stretch")

    by_id = {r.id: r for r in rows}
    if st.session_state.get("library.pick") not in by_id:
        st.session_state.pop("library.pick", None)
    picked_id = st.selectbox("Scenario", list(by_id), key="library.pick",
                             format_func=lambda i: short(by_id[i].name).replace("\n", " "))
    picked = by_id[picked_id]
    st.text(f"Owner {picked.owner}, created {when(picked.created_at)}, {picked.latest_version} version(s).")
    history = store.history(reader, picked.id, team=team, who=me.who or "")
    st.dataframe(pd.DataFrame({
        "version": [v.version for v in history],
        "saved": [when(v.created_at) for v in history],
        "by": [v.author for v in history],
        "inputs": [len(v.params) for v in history],
        "note": [short(v.note) for v in history],
    }), hide_index=True, width="stretch")
    numbers = [v.version for v in history]
    if st.session_state.get("library.version") not in numbers:
        st.session_state.pop("library.version", None)
    chosen = st.selectbox("Version", numbers, key="library.version", format_func=lambda n: f"version {n}")
    version = next(v for v in history if v.version == chosen)

    actions = st.container(horizontal=True)
    with actions:
        st.link_button("Open this version", scenario.link(version.params), key="library.open",
                       icon=":material/open_in_new:", type="primary",
                       help="Opens the scenario's link in a new tab: every page shows this version's inputs.")
        st.button("Duplicate", key="library.duplicate", icon=":material/content_copy:", disabled=not me.can_write,
                  help="A new scenario of yours, starting from this version. Named after 'New name' below, or "
                  "'… (copy)'.", on_click=act, args=(lambda: store.duplicate(
                      reader, picked.id, team=team, who=me.who, version=version.version,
                      new_name=st.session_state["library.rename_to"].strip() or f"{picked.name} (copy)"),
                      "Duplicated as a new scenario (version {0.version}).", "Not duplicated"))
    st.text_input("New name", key="library.rename_to", max_chars=store.MAX_TEXT_CHARS,
                  help="For Rename (yours only) and Duplicate.")
    mine = me.can_write and picked.owner == me.who
    edits = st.container(horizontal=True, vertical_alignment="center")
    with edits:
        st.button("Rename", key="library.rename", icon=":material/edit:", disabled=not mine, on_click=act, args=(
            lambda: store.rename(reader, picked.id, team=team, who=me.who,
                                 new_name=st.session_state["library.rename_to"].strip()), "Renamed.", "Not renamed"))
        if mine:
            confirm = st.checkbox("Yes, delete it with all its versions", key="library.delete_confirm")
            st.button("Delete", key="library.delete", icon=":material/delete:", disabled=not confirm, on_click=act,
                      args=(lambda: store.delete(reader, picked.id, team=team, who=me.who),
                            "Deleted, with all its versions.", "Not deleted"))
        else:
            st.caption("Only its owner may rename or delete it." if me.can_write else "Sign in to change it.")

# --- team prices -------------------------------------------------------------------------------
st.subheader("Team prices")
st.caption("Negotiated prices the team's admins keep here apply to every page for everyone in the team, on their next "
           "rerun, like the overrides file (same format, same fields). Each change is dated and attributed.")
current = store.current_team_prices(reader, team=team) if reader is not None and me.team else {}
if current:
    st.dataframe(pd.DataFrame({
        "model": list(current),
        "input USD/MTok": [c.entry.get("input_mtok") for c in current.values()],
        "output USD/MTok": [c.entry.get("output_mtok") for c in current.values()],
        "set by": [c.changed_by for c in current.values()],
        "on": [when(c.changed_at) for c in current.values()],
        "source": [short(str(c.entry.get("source", ""))) for c in current.values()],
    }), hide_index=True, width="stretch")
else:
    st.text("No team prices: the bundled prices (and the overrides file, if any) apply.")
if me.admin and me.can_write:
    with st.form("library.price_form", border=False, enter_to_submit=False):
        st.text_area("Team prices (TOML, one or more [[model]] entries)", key="library.price_toml", height=220,
                            placeholder='[[model]]\nprovider = "openai"\nmodel = "gpt-4o"\ninput_mtok = 2.0\n'
                            'output_mtok = 8.0\nsource = "Contract 2026-07"\nsource_date = 2026-07-01',
                            help="The format of data/price_overrides.toml: every field it takes (see the Prices "
                            "page). An entry replaces the model's price for the whole team.")
        st.form_submit_button("Save team prices", key="library.price_save", icon=":material/sell:", on_click=act,
                              args=(lambda: store.set_team_prices(
                                  library.engine(for_write=True), team=me.team, who=me.who,
                                  entries=store.parse_price_entries(st.session_state["library.price_toml"])) and None,
                                  "Saved the team prices; they apply from the next rerun.", "Team prices not saved"))
    if current:
        remove_key = st.selectbox("Stop applying the team price of", list(current), key="library.price_remove_pick")
        st.button("Remove", key="library.price_remove", icon=":material/delete:", on_click=act, args=(
            lambda: store.remove_team_price(reader, team=me.team, who=me.who,
                                            model_key=st.session_state["library.price_remove_pick"]),
            "Removed; the bundled price applies from the next rerun.", "Not removed"))
if reader is not None and me.team:
    changes = store.price_history(reader, team=me.team)
    if changes:
        with st.expander(f"History of the team's prices ({len(changes)} change(s))", icon=":material/history:"):
            st.dataframe(pd.DataFrame({
                "when": [when(c.changed_at) for c in changes],
                "by": [c.changed_by for c in changes],
                "model": [c.model_key for c in changes],
                "change": ["removed" if c.entry is None else "set" for c in changes],
                "input USD/MTok": [None if c.entry is None else c.entry.get("input_mtok") for c in changes],
                "output USD/MTok": [None if c.entry is None else c.entry.get("output_mtok") for c in changes],
            }), hide_index=True, width="stretch")

st.caption(f"Stored in {plain(library.where())}.")
