"""A real PostgreSQL for tests: Debian's server binaries, started in a temporary directory on a free port, as the
`postgres` system user (PostgreSQL refuses to run as root), and stopped at the end of the session.

Use: `from tests.postgres import postgres_server, postgres_url  # noqa: F401` in a test module, then take the
`postgres_url` fixture (a fresh, empty database per test) or `postgres_server` (the server's base URL).
"""
from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

# Debian's `postgresql` installs its server under /usr/lib/postgresql/<major>/bin: take the newest installed major.
PG_BIN = Path(os.environ.get("PG_BIN") or max(glob.glob("/usr/lib/postgresql/*/bin"),
                                              key=lambda p: int(Path(p).parent.name), default="/usr/lib/postgresql/15/bin"))
PG_USER = "postgres"
_databases = itertools.count(1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_pg_user(*args: str) -> list[str]:
    return ["runuser", "-u", PG_USER, "--", *args] if os.geteuid() == 0 else list(args)


@pytest.fixture(scope="session")
def postgres_server():
    """A running PostgreSQL server; yields its SQLAlchemy base URL (no database name)."""
    if not (PG_BIN / "initdb").exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL server binaries not found in {PG_BIN} (apt-get install postgresql)")
        pytest.skip(f"PostgreSQL server binaries not found in {PG_BIN}")
    root = Path(tempfile.mkdtemp(prefix="llm-cost-levers-pg-"))
    data, sockets, log = root / "data", root / "sock", root / "server.log"
    sockets.mkdir()
    if os.geteuid() == 0:
        pw = pwd.getpwnam(PG_USER)
        for path in (root, sockets):
            os.chown(path, pw.pw_uid, pw.pw_gid)
    port = _free_port()
    subprocess.run(_as_pg_user(str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", PG_USER, "-E", "UTF8",
                               "--no-sync"), check=True, capture_output=True)
    started = subprocess.run(check=False, args=_as_pg_user(
        str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60", "start",
        "-o", f"-p {port} -h 127.0.0.1 -k {sockets} -c fsync=off -c full_page_writes=off"),
        capture_output=True, text=True)
    if started.returncode:
        text = log.read_text() if log.exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"PostgreSQL did not start: {started.stderr}\n{text[-2000:]}")
    try:
        yield f"postgresql+psycopg://{PG_USER}@127.0.0.1:{port}"
    finally:
        subprocess.run(_as_pg_user(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"),
                       capture_output=True, check=False)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server):
    """A fresh, empty database on the session's server; its SQLAlchemy URL."""
    import sqlalchemy as sa

    name = f"test_{os.getpid()}_{next(_databases)}"
    admin = sa.create_engine(f"{postgres_server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    yield f"{postgres_server}/{name}"
    admin = sa.create_engine(f"{postgres_server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
