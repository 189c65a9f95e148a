"""The scenario library's Streamlit side: which database (st.connection), who is signed in, and the team's prices.

With no configuration the app runs alone: a SQLite file under the data directory (created on the first save, never
at start), a "local user" who may do everything. `.streamlit/secrets.toml` can point the library at PostgreSQL
(`[connections.library] url`), turn on sign-in (`[auth]`, Streamlit's st.login) and name the admins who may edit the
team's prices (`[library] admins`). The rules themselves live in library_store.
"""
from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import streamlit as st
from pydantic import ValidationError
from streamlit.errors import StreamlitSecretNotFoundError

from calculators.prices import Catalogue, ModelPrices, replace_models
from pages._ui.layout import run_memo

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

# SQLAlchemy (and library_store, built on it) load at the first database use, not with this module: every page's
# first run imports this module for the team's prices, and a user without a library has no database to read.


def _store():
    from pages._ui import library_store

    return library_store


def _database_errors() -> tuple[type[Exception], ...]:
    from sqlalchemy.exc import SQLAlchemyError

    return SQLAlchemyError, OSError

DATA_ENV = "LLM_COST_LEVERS_DATA"
CONNECTION = "library"  # st.connection name, and [connections.library] in secrets
LOCAL_USER = "local user"
LOCAL_TEAM = "local"


def data_dir() -> Path:
    """Where the app keeps its own files: $LLM_COST_LEVERS_DATA, else $XDG_DATA_HOME/llm-cost-levers, else
    ~/.local/share/llm-cost-levers."""
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "llm-cost-levers"


def sqlite_path() -> Path:
    return data_dir() / "library.sqlite"


def _secrets_readable() -> bool:
    """Whether st.secrets holds a readable secrets file, asked once per run. Without one, Streamlit looks for the files
    again at every access (under a process-wide lock, raising an error each time), and a run asks several times. Once
    per run, so a secrets file added or changed applies to the next run, as Streamlit's own reload does."""
    memo = run_memo("_library.secrets")
    if "readable" not in memo:
        try:
            len(st.secrets)  # reads the files
        except StreamlitSecretNotFoundError:  # no secrets file (or an unreadable one: Streamlit reports it itself)
            memo["readable"] = False
        else:
            memo["readable"] = True
    return memo["readable"]


def secrets_section(name: str) -> Mapping[str, Any]:
    """A section of st.secrets, or {} when there is no secrets file (never an error)."""
    if not _secrets_readable():
        return {}
    try:
        section = st.secrets.get(name)
    except StreamlitSecretNotFoundError:  # the file went away since this run looked
        return {}
    return section if isinstance(section, Mapping) else {}


def database_configured() -> bool:
    return bool(secrets_section("connections").get(CONNECTION))


def auth_configured() -> bool:
    return bool(secrets_section("auth"))


@dataclass(frozen=True)
class Identity:
    """Who is using the app and what the library lets them do."""

    who: str | None  # None: signed out
    team: str | None
    auth: bool  # sign-in is configured
    admin: bool

    @property
    def can_write(self) -> bool:
        return self.who is not None and self.team is not None

    def describe(self) -> str:
        if not self.auth:
            return (f"Sign-in is not configured: you are the {LOCAL_USER}, and everything is allowed. Scenarios are "
                    "kept in a local file; set up sign-in and a shared database to use the library as a team.")
        if self.who is None:
            return ("You are signed out: you can browse and open the team's scenarios; sign in to save or delete."
                    if self.team else "You are signed out: sign in to see your team's scenarios and to save.")
        role = " (admin: may edit the team's prices)" if self.admin else ""
        return f"Signed in as {self.who}, team {self.team}{role}."


def identity() -> Identity:
    """The signed-in user (st.user) when [auth] is configured, else the local user. The team is `[library] team`
    when set, else the user's e-mail domain."""
    settings = secrets_section("library")
    team = str(settings["team"]) if settings.get("team") else None
    if not auth_configured():
        return Identity(who=LOCAL_USER, team=team or LOCAL_TEAM, auth=False, admin=True)
    user = st.user
    if not user.get("is_logged_in"):
        return Identity(who=None, team=team, auth=True, admin=False)
    who = str(user.get("email") or user.get("sub") or "")
    if not who:
        return Identity(who=None, team=team, auth=True, admin=False)
    admins = {str(a).strip().lower() for a in settings.get("admins", [])}
    domain = who.rsplit("@", 1)[1].lower() if "@" in who else who
    return Identity(who=who, team=team or domain, auth=True, admin=who.lower() in admins)


_migrated: set[str] = set()


def engine(*, for_write: bool = False) -> Engine | None:
    """The library's database, migrated to the newest schema at its first use in this process. None when there is
    nothing to read yet: the default SQLite file is created by the first save (for_write), never by reading."""
    if database_configured():
        # The section's settings passed on explicitly: the same as st.connection reading them, and AppTest's
        # at.secrets reaches st.secrets but not the connection's own look-up.
        conn = st.connection(CONNECTION, type="sql", **dict(secrets_section("connections")[CONNECTION]))
    else:
        path = sqlite_path()
        if not for_write and not path.exists():
            return None
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = st.connection(CONNECTION, type="sql", url=f"sqlite:///{path}")
    eng = conn.engine
    key = eng.url.render_as_string(hide_password=False)
    if key not in _migrated:  # once per database and process (migrate is idempotent and serialised)
        _store().migrate(eng)
        _migrated.add(key)
    return eng


def where() -> str:
    """The library's database, for people: a file path or the URL without its password."""
    if database_configured():
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            return make_url(secrets_section("connections")[CONNECTION]["url"]).render_as_string(hide_password=True)
        except (KeyError, TypeError, ArgumentError):
            return "the database in [connections.library]"
    return str(sqlite_path())


# --- team prices in the catalogue ---------------------------------------------------------------

_last_known: dict[tuple[str, str], int] = {}


def team_prices_key() -> tuple[str, str, int] | None:
    """(database, team, last change) for the catalogue's cache: read once per run, so an admin's change applies to
    the next rerun of every session on every replica. None: no team prices (no database yet, or no team)."""
    memo = run_memo("_library.team_prices_key")
    if "key" not in memo:
        memo["key"] = _read_team_prices_key()
    return memo["key"]


def _read_team_prices_key() -> tuple[str, str, int] | None:
    team = identity().team
    if team is None:
        return None
    url = where()
    try:
        eng = engine()
        if eng is None:
            return None
        stamp = _store().team_prices_stamp(eng, team=team)
    except _database_errors():  # unreachable: keep the prices last read, the library page says what failed
        stamp = _last_known.get((url, team), 0)
    _last_known[(url, team)] = stamp
    return (url, team, stamp) if stamp else None


@functools.lru_cache(maxsize=16)
def team_models(key: tuple[str, str, int]) -> tuple[ModelPrices, ...]:
    _, team, _ = key
    eng = engine()
    if eng is None:
        return ()
    store = _store()
    return tuple(store.to_model_prices(c) for c in store.current_team_prices(eng, team=team).values())


def with_team_prices(cat: Catalogue, key: tuple[str, str, int] | None) -> Catalogue:
    """The catalogue with the team's prices replacing the same provider/model (after the overrides file)."""
    if key is None:
        return cat
    try:
        team = team_models(key)
    except (*_database_errors(), ValidationError):  # the page says what failed; bundled prices meanwhile
        return cat
    if not team:
        return cat
    return Catalogue(models=replace_models(cat.models, team),
                     overrides_error=cat.overrides_error, overrides_path=cat.overrides_path,
                     overrides_count=cat.overrides_count)
