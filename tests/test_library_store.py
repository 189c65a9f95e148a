"""The scenario library and team prices on a real SQLite file and a real PostgreSQL server: the same tests on both."""
from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from pages._ui import library_store as L
from tests.postgres import postgres_server, postgres_url  # noqa: F401  (fixtures)

HOSTILE = [
    "<b>x</b><script>alert(1)</script>",
    "**x** _y_ [link](javascript:alert(1)) :red[z]",
    "'; DROP TABLE scenarios; --",
    "100% _done_ \\ %_",
    "Ünïcødé ✓ 名前 \u202e",
    "x" * 100_000,
]
ROOT = Path(__file__).resolve().parent.parent
PARAMS = {"w.rpm": "2000000", "w.model": "openai/gpt-4o", "levers": ["caching", "batch"]}


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    url = f"sqlite:///{tmp_path / 'library.sqlite'}" if request.param == "sqlite" else \
        request.getfixturevalue("postgres_url")
    eng = sa.create_engine(url)
    L.migrate(eng)
    yield eng
    eng.dispose()


def test_schema_is_migrated_by_alembic_and_the_same_on_both(engine):
    L.migrate(engine)  # idempotent
    inspector = sa.inspect(engine)
    assert set(inspector.get_table_names()) == {"alembic_version", "scenarios", "scenario_versions",
                                                "team_price_changes"}
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one() == "0001_library"
    columns = {t: [c["name"] for c in inspector.get_columns(t)] for t in ("scenarios", "scenario_versions")}
    assert columns == {"scenarios": ["id", "team", "name", "name_hash", "owner", "created_at"],
                       "scenario_versions": ["id", "scenario_id", "version", "author", "created_at", "note", "params"]}
    uniques = {u["name"]: u["column_names"] for u in inspector.get_unique_constraints("scenario_versions")}
    assert uniques == {"uq_versions_scenario_version": ["scenario_id", "version"]}
    # The migration builds exactly the tables, columns, types, keys and indexes the store's code describes.
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), L.metadata) == []


def test_replicas_migrating_at_once_do_not_race(postgres_url):  # noqa: F811
    """Three processes (replicas starting together) upgrade one empty PostgreSQL database at the same moment: the
    advisory lock in migrations/env.py makes them take turns; all succeed and the schema is built once."""
    code = ("import sqlalchemy as sa, time, sys; from pages._ui import library_store as L; "
            "time.sleep(max(0, float(sys.argv[2]) - time.time())); L.migrate(sa.create_engine(sys.argv[1]))")
    start = time.time() + 3  # after every interpreter has imported SQLAlchemy and Alembic
    procs = [subprocess.Popen([sys.executable, "-c", code, postgres_url, str(start)], cwd=ROOT,
                              stderr=subprocess.PIPE, text=True) for _ in range(3)]
    failures = [p.stderr.read() for p in procs if p.wait(120) != 0]
    assert not failures, failures
    engine = sa.create_engine(postgres_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all() == ["0001_library"]
    engine.dispose()


def test_each_save_is_a_new_version_with_who_and_when(engine):
    first = L.save(engine, team="t", who="ann@x.org", name="Q3 plan", note="first", params=PARAMS)
    second = L.save(engine, team="t", who="bob@x.org", name="Q3 plan", note="second", params={"w.rpm": "5"})
    assert (first.version, second.version) == (1, 2) and first.scenario_id == second.scenario_id
    versions = L.history(engine, first.scenario_id, team="t", who="ann@x.org")
    assert [(v.version, v.author, v.note) for v in versions] == [(2, "bob@x.org", "second"), (1, "ann@x.org", "first")]
    assert versions[0].created_at >= versions[1].created_at and versions[0].created_at.tzinfo is not None
    assert L.open_params(engine, first.scenario_id, team="t", who="ann@x.org") == {"w.rpm": "5"}
    assert L.open_params(engine, first.scenario_id, team="t", who="ann@x.org", version=1) == PARAMS
    [row] = L.list_scenarios(engine, team="t", who="ann@x.org")
    assert (row.name, row.owner, row.latest_version, row.updated_by, row.note) == \
        ("Q3 plan", "ann@x.org", 2, "bob@x.org", "second")


def test_list_is_own_and_team_and_search_is_literal(engine):
    L.save(engine, team="t", who="ann", name="Caching plan", note="prefix 50% cached", params={})
    L.save(engine, team="t", who="bob", name="Routing", note="router at 10_000 calls", params={})
    L.save(engine, team="other", who="eve", name="Eve's caching", note="", params={})
    assert {r.name for r in L.list_scenarios(engine, team="t", who="ann")} == {"Caching plan", "Routing"}
    assert [r.name for r in L.list_scenarios(engine, team="t", who="ann", search="CACHING")] == ["Caching plan"]
    assert [r.name for r in L.list_scenarios(engine, team="t", who="ann", search="router")] == ["Routing"]  # note
    assert [r.name for r in L.list_scenarios(engine, team="t", who="ann", search="50%")] == ["Caching plan"]
    assert L.list_scenarios(engine, team="t", who="ann", search="5%") == []  # % is a character, not a wildcard
    assert [r.name for r in L.list_scenarios(engine, team="t", who="ann", search="10_0")] == ["Routing"]
    assert L.list_scenarios(engine, team="t", who="ann", search="1__0") == []
    eve = L.list_scenarios(engine, team="other", who="eve")[0]
    with pytest.raises(L.LibraryError, match="no such scenario"):
        L.open_params(engine, eve.id, team="t", who="ann")  # another team's scenario is not visible


def test_only_the_owner_deletes_or_renames(engine):
    saved = L.save(engine, team="t", who="x@corp", name="X's plan", note="", params=PARAMS)
    L.save(engine, team="t", who="y@corp", name="X's plan", note="a version by Y", params={})
    with pytest.raises(L.NotAllowed, match="only its owner"):
        L.delete(engine, saved.scenario_id, team="t", who="y@corp")
    with pytest.raises(L.NotAllowed):
        L.rename(engine, saved.scenario_id, team="t", who="y@corp", new_name="Mine now")
    assert len(L.history(engine, saved.scenario_id, team="t", who="y@corp")) == 2  # nothing removed
    L.rename(engine, saved.scenario_id, team="t", who="x@corp", new_name="Renamed")
    assert [r.name for r in L.list_scenarios(engine, team="t", who="x@corp")] == ["Renamed"]
    L.delete(engine, saved.scenario_id, team="t", who="x@corp")
    assert L.list_scenarios(engine, team="t", who="x@corp") == []
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(L.versions)).scalar_one() == 0


def test_duplicate_and_rename_refuse_a_taken_name(engine):
    a = L.save(engine, team="t", who="ann", name="A", note="n", params=PARAMS)
    L.save(engine, team="t", who="ann", name="B", note="", params={})
    copy = L.duplicate(engine, a.scenario_id, team="t", who="bob", new_name="A (copy)")
    assert copy.version == 1 and copy.scenario_id != a.scenario_id
    assert L.open_params(engine, copy.scenario_id, team="t", who="bob") == PARAMS
    assert {r.name: r.owner for r in L.list_scenarios(engine, team="t", who="bob")}["A (copy)"] == "bob"
    with pytest.raises(L.Conflict):
        L.duplicate(engine, a.scenario_id, team="t", who="bob", new_name="B")
    with pytest.raises(L.Conflict):
        L.rename(engine, a.scenario_id, team="t", who="ann", new_name="B")
    with pytest.raises(L.LibraryError, match="empty"):
        L.save(engine, team="t", who="ann", name="   ", note="", params={})


@pytest.mark.parametrize("text", HOSTILE, ids=["html", "markdown", "sql", "wildcards", "unicode", "100kB"])
def test_hostile_names_and_notes_are_stored_exactly(engine, text):
    saved = L.save(engine, team="t", who="ann", name=text, note=text, params={"w.note": text[:3000]})
    [row] = L.list_scenarios(engine, team="t", who="ann", search=text[:50])
    assert (row.name, row.note) == (text, text)
    assert L.open_params(engine, saved.scenario_id, team="t", who="ann") == {"w.note": text[:3000]}
    assert L.save(engine, team="t", who="ann", name=text, note="", params={}).version == 2  # found again by name
    assert set(sa.inspect(engine).get_table_names()) >= {"scenarios", "scenario_versions"}


def _in_threads(n: int, work) -> list:
    barrier, results, errors = threading.Barrier(n), [None] * n, []

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001  (reported below, with the thread's failure)
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    return results


def test_concurrent_saves_of_one_name_lose_nothing(engine):
    """Two sessions (own connections, own threads) save the same new name at once, several times each: one scenario,
    every save its own version, numbered 1..n without a gap or a duplicate."""
    per_session = 8

    def session(i: int) -> list[L.Saved]:
        return [L.save(engine, team="t", who=f"user{i}", name="Shared plan", note=f"{i}-{k}", params={"k": str(k)})
                for k in range(per_session)]

    results = _in_threads(2, session)
    saved = [s for r in results for s in r]
    assert len({s.scenario_id for s in saved}) == 1
    assert sorted(s.version for s in saved) == list(range(1, 2 * per_session + 1))
    versions = L.history(engine, saved[0].scenario_id, team="t", who="user0")
    assert sorted(v.note for v in versions) == sorted(f"{i}-{k}" for i in range(2) for k in range(per_session))
    assert {(v.version, v.note) for v in versions} == {(s.version, f"{i}-{k}") for i, r in enumerate(results)
                                                       for k, s in enumerate(r)}


PRICE = """
[[model]]
provider = "openai"
model = "gpt-4o"
input_mtok = 2.0
output_mtok = 8.0
cache_read_mtok = 1.0
source = "Contract 2026-07"
source_date = 2026-07-01
"""


def test_team_prices_are_dated_attributed_and_kept(engine):
    assert L.team_prices_stamp(engine, team="t") == 0 and L.current_team_prices(engine, team="t") == {}
    entries = L.parse_price_entries(PRICE)
    assert L.set_team_prices(engine, team="t", who="alice", entries=entries) == 1
    first = L.team_prices_stamp(engine, team="t")
    current = L.current_team_prices(engine, team="t")
    assert list(current) == ["openai/gpt-4o"] and current["openai/gpt-4o"].changed_by == "alice"
    prices = L.to_model_prices(current["openai/gpt-4o"])
    assert (prices.key, prices.input.base, prices.output.base, prices.cache_read.base) == ("openai/gpt-4o", 2, 8, 1)
    assert "alice" in prices.source and "Contract 2026-07" in prices.source
    L.set_team_prices(engine, team="t", who="bob", entries=L.parse_price_entries(PRICE.replace("2.0", "1.5")))
    assert L.team_prices_stamp(engine, team="t") > first
    assert L.current_team_prices(engine, team="t")["openai/gpt-4o"].entry["input_mtok"] == 1.5
    assert L.current_team_prices(engine, team="other") == {}  # per team
    L.remove_team_price(engine, team="t", who="alice", model_key="openai/gpt-4o")
    assert L.current_team_prices(engine, team="t") == {}
    history = L.price_history(engine, team="t")
    assert [(c.changed_by, c.entry and c.entry["input_mtok"]) for c in history] == \
        [("alice", None), ("bob", 1.5), ("alice", 2.0)]
    with pytest.raises(L.LibraryError, match="no price"):
        L.remove_team_price(engine, team="t", who="alice", model_key="openai/gpt-4o")


@pytest.mark.parametrize(("text", "message"), [
    ("not toml [", "not valid TOML"),
    ("x = 1", r"\[\[model\]\]"),
    (PRICE.replace("input_mtok = 2.0", "input_mtok = -1"), "entry 1 .model 'gpt-4o'., field 'input_mtok'"),
    (PRICE.replace("cache_read_mtok = 1.0", "cache_read_mtok = 9.0"), "cache_read_mtok must not exceed"),
    (PRICE + "colour = 'red'\n", "field 'colour'"),
])
def test_team_price_entries_are_validated_like_the_overrides_file(text, message):
    with pytest.raises(L.LibraryError, match=message):
        L.parse_price_entries(text)
