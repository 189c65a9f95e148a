"""The scenario library and the team's negotiated prices, in a SQL database (SQLite or PostgreSQL).

No Streamlit here: every function takes a SQLAlchemy Engine, so the same code is tested on both databases and used
by the page through `st.connection`. The schema belongs to Alembic (`migrations/`); `migrate` brings a database up
to date and is run once per process at the first connection.

Rules the store enforces (the page only shows them): a scenario belongs to a team and has one owner (who saved it
first); anyone in the team may save a new version of it; only the owner may rename or delete it. Every save is a new
version with who and when, never an overwrite. Team prices are an append-only log of dated, attributed changes;
the prices in force are each model's latest change.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from calculators.prices import ModelPrices, PriceOverride

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
MAX_TEXT_CHARS = 200_000  # a name or a note: far above anything typed, small enough to keep rows sane
MAX_PARAMS_CHARS = 200_000  # a scenario's link params as JSON (a link is at most ~100 kB)
SAVE_ATTEMPTS = 20
_MIGRATING = threading.Lock()

metadata = sa.MetaData()
# Names can be any text (a 100 kB name included): uniqueness is on a hash, since PostgreSQL cannot index long text.
scenarios = sa.Table(
    "scenarios", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("team", sa.String(200), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("name_hash", sa.String(64), nullable=False),
    sa.Column("owner", sa.String(320), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("team", "name_hash", name="uq_scenarios_team_name"),
)
versions = sa.Table(
    "scenario_versions", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("scenario_id", sa.Integer, sa.ForeignKey("scenarios.id", ondelete="CASCADE"), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("author", sa.String(320), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("params", sa.Text, nullable=False),  # the scenario's link params, as JSON
    sa.UniqueConstraint("scenario_id", "version", name="uq_versions_scenario_version"),
)
price_changes = sa.Table(
    "team_price_changes", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("team", sa.String(200), nullable=False),
    sa.Column("model_key", sa.String(250), nullable=False),  # provider/model
    sa.Column("entry", sa.Text, nullable=True),  # a PriceOverride as JSON; NULL: the team price was removed
    sa.Column("changed_by", sa.String(320), nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_team_price_changes_team", "team", "id"),
)


class LibraryError(ValueError):
    """A request the library refuses; the message says why in plain words."""


class NotAllowed(LibraryError):
    """The user may not do this (not the owner, not an admin)."""


class Conflict(LibraryError):
    """The name is taken, or concurrent saves kept colliding."""


@dataclass(frozen=True)
class ScenarioRow:
    id: int
    team: str
    name: str
    owner: str
    created_at: dt.datetime
    latest_version: int
    updated_at: dt.datetime
    updated_by: str
    note: str  # the latest version's note


@dataclass(frozen=True)
class VersionRow:
    scenario_id: int
    version: int
    author: str
    created_at: dt.datetime
    note: str
    params: dict[str, str | list[str]]


@dataclass(frozen=True)
class Saved:
    scenario_id: int
    version: int


@dataclass(frozen=True)
class PriceChange:
    id: int
    team: str
    model_key: str
    entry: dict | None  # None: removed
    changed_by: str
    changed_at: dt.datetime


# --- schema ------------------------------------------------------------------------------------


def alembic_config(connection: Connection | None = None):
    """An Alembic Config built in code (no alembic.ini): the migrations folder, and the connection to use."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def migrate(engine: Engine) -> None:
    """Create or upgrade the schema to the newest revision (idempotent). On PostgreSQL the upgrade holds an advisory
    lock, so replicas starting together migrate one after the other (see migrations/env.py)."""
    from alembic import command

    with _MIGRATING, engine.begin() as conn:  # Alembic's context is process-global: one upgrade at a time
        command.upgrade(alembic_config(conn), "head")


# --- helpers -----------------------------------------------------------------------------------


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes (stored in UTC); PostgreSQL aware ones."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _hash(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8")).hexdigest()


def _text(value: str, what: str, *, required: bool) -> str:
    if not isinstance(value, str):
        raise LibraryError(f"the {what} must be text")
    if required and not value.strip():
        raise LibraryError(f"the {what} is empty")
    if len(value) > MAX_TEXT_CHARS:
        raise LibraryError(f"the {what} is {len(value):,} characters; at most {MAX_TEXT_CHARS:,}")
    return value


def _params_json(params: Mapping[str, str | list[str]]) -> str:
    clean = {}
    for key, value in params.items():
        values = value if isinstance(value, list) else [value]
        if not isinstance(key, str) or not all(isinstance(v, str) for v in values):
            raise LibraryError("a scenario's link params are text values")
        clean[key] = list(value) if isinstance(value, list) else value
    text = json.dumps(dict(sorted(clean.items())), separators=(",", ":"))
    if len(text) > MAX_PARAMS_CHARS:
        raise LibraryError(f"the scenario is {len(text):,} characters as JSON; at most {MAX_PARAMS_CHARS:,}")
    return text


def _retrying(engine: Engine, work):
    """Run `work(conn)` in its own transaction; a unique-key collision with a concurrent writer (or SQLite's lock)
    is retried, so two sessions saving at once both get their own version."""
    last: Exception | None = None
    for _ in range(SAVE_ATTEMPTS):
        try:
            with engine.begin() as conn:
                return work(conn)
        except IntegrityError as exc:
            last = exc
        except OperationalError as exc:  # SQLite: "database is locked" beyond its busy timeout
            if "locked" not in str(exc).lower():
                raise
            last = exc
    raise Conflict(f"too many concurrent saves; nothing was saved, try again ({type(last).__name__})")


# --- scenarios ---------------------------------------------------------------------------------


def save(engine: Engine, *, team: str, who: str, name: str, note: str,
         params: Mapping[str, str | list[str]]) -> Saved:
    """Save a scenario under `name` in `team`: a new scenario (owned by `who`) or a new version of the team's
    scenario of that name. Never overwrites a version."""
    name = _text(name, "name", required=True)
    note = _text(note, "note", required=False)
    body = _params_json(params)

    def work(conn: Connection) -> Saved:
        now = _now()
        row = conn.execute(sa.select(scenarios.c.id).where(scenarios.c.team == team,
                                                           scenarios.c.name_hash == _hash(name))).first()
        if row is None:  # a collision with a concurrent first save raises IntegrityError: retried, then found
            scenario_id = conn.execute(scenarios.insert().values(
                team=team, name=name, name_hash=_hash(name), owner=who, created_at=now)).inserted_primary_key[0]
        else:
            scenario_id = row.id
        # One statement reads the newest version and writes the next; a concurrent writer that got there first makes
        # the (scenario_id, version) constraint fail, and the retry takes the next number.
        number = sa.select(sa.func.coalesce(sa.func.max(versions.c.version), 0) + 1).where(
            versions.c.scenario_id == scenario_id).scalar_subquery()
        version = conn.execute(versions.insert().values(
            scenario_id=scenario_id, version=number, author=who, created_at=now, note=note, params=body,
        ).returning(versions.c.version)).scalar_one()
        return Saved(scenario_id, version)

    return _retrying(engine, work)


def _latest():
    """Each scenario's newest version row."""
    newest = sa.select(versions.c.scenario_id, sa.func.max(versions.c.version).label("version")).group_by(
        versions.c.scenario_id).subquery()
    return sa.select(versions).join(newest, sa.and_(versions.c.scenario_id == newest.c.scenario_id,
                                                    versions.c.version == newest.c.version)).subquery()


def _contains(column, term: str):
    """`column` contains `term`, case-insensitively as far as the database's lower() knows letters (ASCII always;
    all of Unicode on PostgreSQL with a UTF-8 locale). The same lower() on both sides, so any text finds itself."""
    pattern = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return sa.func.lower(column).like(sa.func.lower(sa.literal(pattern, sa.Text)), escape="\\")


def list_scenarios(engine: Engine, *, team: str, who: str, search: str = "", limit: int = 500) -> list[ScenarioRow]:
    """The team's scenarios and the user's own (newest change first), optionally those whose name or any version's
    note contains `search` (case-insensitive, taken literally: % and _ match themselves)."""
    latest = _latest()
    query = (sa.select(scenarios, latest.c.version, latest.c.created_at.label("updated_at"),
                       latest.c.author, latest.c.note)
             .join(latest, latest.c.scenario_id == scenarios.c.id)
             .where(sa.or_(scenarios.c.team == team, scenarios.c.owner == who)))
    if search.strip():
        in_notes = sa.select(versions.c.id).where(versions.c.scenario_id == scenarios.c.id,
                                                  _contains(versions.c.note, search.strip()))
        query = query.where(sa.or_(_contains(scenarios.c.name, search.strip()), in_notes.exists()))
    query = query.order_by(latest.c.created_at.desc(), scenarios.c.id.desc()).limit(limit)
    with engine.connect() as conn:
        return [ScenarioRow(id=r.id, team=r.team, name=r.name, owner=r.owner, created_at=_utc(r.created_at),
                            latest_version=r.version, updated_at=_utc(r.updated_at), updated_by=r.author, note=r.note)
                for r in conn.execute(query)]


def _visible(conn: Connection, scenario_id: int, team: str, who: str):
    row = conn.execute(sa.select(scenarios).where(scenarios.c.id == scenario_id)).first()
    if row is None or (row.team != team and row.owner != who):
        raise LibraryError("no such scenario in your library (it may have been deleted)")
    return row


def history(engine: Engine, scenario_id: int, *, team: str, who: str) -> list[VersionRow]:
    """Every version of a scenario, newest first, with who saved it and when."""
    with engine.connect() as conn:
        _visible(conn, scenario_id, team, who)
        rows = conn.execute(sa.select(versions).where(versions.c.scenario_id == scenario_id)
                            .order_by(versions.c.version.desc()))
        return [VersionRow(scenario_id=r.scenario_id, version=r.version, author=r.author,
                           created_at=_utc(r.created_at), note=r.note, params=json.loads(r.params)) for r in rows]


def open_params(engine: Engine, scenario_id: int, *, team: str, who: str,
                version: int | None = None) -> dict[str, str | list[str]]:
    """A version's link params (the newest when `version` is None)."""
    with engine.connect() as conn:
        _visible(conn, scenario_id, team, who)
        query = sa.select(versions.c.params).where(versions.c.scenario_id == scenario_id)
        query = query.where(versions.c.version == version) if version is not None else \
            query.order_by(versions.c.version.desc()).limit(1)
        text = conn.execute(query).scalar()
    if text is None:
        raise LibraryError(f"no version {version} of this scenario")
    return json.loads(text)


def duplicate(engine: Engine, scenario_id: int, *, team: str, who: str, new_name: str,
              version: int | None = None) -> Saved:
    """A new scenario in the user's team, owned by the user, starting from a version of another."""
    source = next(v for v in history(engine, scenario_id, team=team, who=who)
                  if version is None or v.version == version)
    if _find(engine, team, new_name) is not None:
        raise Conflict("a scenario of that name exists already; pick another name")
    return save(engine, team=team, who=who, name=new_name, note=source.note, params=source.params)


def _find(engine: Engine, team: str, name: str) -> int | None:
    with engine.connect() as conn:
        return conn.execute(sa.select(scenarios.c.id).where(scenarios.c.team == team,
                                                            scenarios.c.name_hash == _hash(name))).scalar()


def rename(engine: Engine, scenario_id: int, *, team: str, who: str, new_name: str) -> None:
    """Rename a scenario the user owns; the name must be free in its team."""
    new_name = _text(new_name, "new name", required=True)
    try:
        with engine.begin() as conn:
            row = _visible(conn, scenario_id, team, who)
            if row.owner != who:
                raise NotAllowed(f"only its owner ({row.owner}) may rename this scenario")
            conn.execute(scenarios.update().where(scenarios.c.id == scenario_id)
                         .values(name=new_name, name_hash=_hash(new_name)))
    except IntegrityError as exc:
        raise Conflict("a scenario of that name exists already; pick another name") from exc


def delete(engine: Engine, scenario_id: int, *, team: str, who: str) -> None:
    """Delete a scenario the user owns, every version with it."""
    with engine.begin() as conn:
        row = _visible(conn, scenario_id, team, who)
        if row.owner != who:
            raise NotAllowed(f"only its owner ({row.owner}) may delete this scenario")
        conn.execute(versions.delete().where(versions.c.scenario_id == scenario_id))
        conn.execute(scenarios.delete().where(scenarios.c.id == scenario_id))


# --- team prices -------------------------------------------------------------------------------


def parse_price_entries(text: str) -> list[PriceOverride]:
    """`[[model]]` entries in the overrides file's TOML format, each validated by PriceOverride (so team prices take
    exactly what the overrides file takes). Raises LibraryError naming the entry and field."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LibraryError(f"not valid TOML ({exc})") from exc
    entries = document.get("model")
    extra = set(document) - {"model"}
    if extra or not isinstance(entries, list) or not entries:
        raise LibraryError("write one or more [[model]] entries, as in the overrides file")
    parsed = []
    for i, entry in enumerate(entries, start=1):
        try:
            parsed.append(PriceOverride.model_validate(entry))
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"]) or "(entry)"
            model = entry.get("model", "?") if isinstance(entry, dict) else "?"
            raise LibraryError(f"entry {i} (model {str(model)[:60]!r}), field {field!r}: {err['msg']}") from exc
    return parsed


def _key(entry: PriceOverride) -> str:
    return f"{entry.provider}/{entry.model}"


def set_team_prices(engine: Engine, *, team: str, who: str, entries: Sequence[PriceOverride]) -> int:
    """Record new team prices (each a dated, attributed change); returns the number recorded."""
    now = _now()
    with engine.begin() as conn:
        for entry in entries:
            conn.execute(price_changes.insert().values(
                team=team, model_key=_key(entry), entry=entry.model_dump_json(exclude_none=True), changed_by=who,
                changed_at=now))
    return len(entries)


def remove_team_price(engine: Engine, *, team: str, who: str, model_key: str) -> None:
    """Stop applying the team's price for a model (recorded as a change; the history keeps the old price)."""
    if model_key not in current_team_prices(engine, team=team):
        raise LibraryError(f"the team has no price for {model_key}")
    with engine.begin() as conn:
        conn.execute(price_changes.insert().values(team=team, model_key=model_key, entry=None, changed_by=who,
                                                   changed_at=_now()))


def price_history(engine: Engine, *, team: str, limit: int = 500) -> list[PriceChange]:
    """Every change of the team's prices, newest first."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(price_changes).where(price_changes.c.team == team)
                            .order_by(price_changes.c.id.desc()).limit(limit))
        return [PriceChange(id=r.id, team=r.team, model_key=r.model_key,
                            entry=None if r.entry is None else json.loads(r.entry), changed_by=r.changed_by,
                            changed_at=_utc(r.changed_at)) for r in rows]


def team_prices_stamp(engine: Engine, *, team: str) -> int:
    """The team's last price change (0: none): cheap, read on every run so a change applies on the next rerun."""
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.coalesce(sa.func.max(price_changes.c.id), 0))
                            .where(price_changes.c.team == team)).scalar_one()


def current_team_prices(engine: Engine, *, team: str) -> dict[str, PriceChange]:
    """The prices in force: each model's latest change, unless that change removed it."""
    newest = sa.select(sa.func.max(price_changes.c.id)).where(price_changes.c.team == team).group_by(
        price_changes.c.model_key)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(price_changes).where(price_changes.c.id.in_(newest))
                            .order_by(price_changes.c.model_key))
        return {r.model_key: PriceChange(id=r.id, team=r.team, model_key=r.model_key, entry=json.loads(r.entry),
                                         changed_by=r.changed_by, changed_at=_utc(r.changed_at))
                for r in rows if r.entry is not None}


def to_model_prices(change: PriceChange) -> ModelPrices:
    """A team price as the catalogue's ModelPrices, its source naming the team, who set it and when."""
    prices = PriceOverride.model_validate(change.entry).to_prices()
    source = (f"team prices ({change.team}), set by {change.changed_by} on {change.changed_at:%Y-%m-%d}: "
              f"{change.entry.get('source', '')}")
    return prices.model_copy(update={"source": source})
