"""Real parts for the hosting tests: Streamlit replicas, nginx rendered from deploy/nginx.conf.template, a local OIDC
provider (tests/oidc_provider.py) and PostgreSQL (tests/postgres.py).

Each replica is a real `streamlit run app.py` from the project root, configured the way deploy/compose.yaml configures
a container: its secrets file given by STREAMLIT_SECRETS_FILES, one cookie secret shared by every replica, and a data
directory of its own (LLM_COST_LEVERS_DATA).
"""
from __future__ import annotations

import http.cookiejar
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from deploy.render_nginx import render, values_for
from tests.browser import ARTIFACTS, ROOT, stop

NGINX = Path(os.environ.get("NGINX", "/usr/sbin/nginx"))
# The hosting tests' ports (fixed so the OIDC redirect URI and the provider's issuer are known before anything starts).
REPLICA_PORTS = (8616, 8617)
NGINX_PORT = 8618
OIDC_PORT = 8619
COOKIE_SECRET = "hosting-tests-cookie-secret-0123456789abcdef"  # shared by every replica, as in compose.yaml
AFFINITY_COOKIE = "lcl_upstream"


def healthy(url: str, timeout: float = 2) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.read() == b"ok"
    except OSError:
        return False


def wait_until(check, what: str, timeout: float = 60, proc: subprocess.Popen | None = None, log: Path | None = None):
    deadline = time.monotonic() + timeout
    while not check():
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what}: exited with {proc.returncode}; see {log}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not ready after {timeout:.0f} s; see {log}")
        time.sleep(0.2)


def secrets_toml(*, database_url: str | None = None, auth: dict[str, str] | None = None,
                 admins: Sequence[str] = (), team: str | None = None) -> str:
    """The replicas' .streamlit/secrets.toml (the keys of /work/notes/hosting-contract.md)."""
    def quoted(v: str) -> str:
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = []
    if database_url:
        lines += ["[connections.library]", f"url = {quoted(database_url)}", ""]
    if auth:
        lines += ["[auth]", *(f"{k} = {quoted(v)}" for k, v in auth.items()), ""]
    if admins or team:
        lines += ["[library]", f"admins = [{', '.join(quoted(a) for a in admins)}]"]
        lines += [f"team = {quoted(team)}"] if team else []
    return "\n".join(lines) + "\n"


def oidc_auth(issuer: str, public_base: str) -> dict[str, str]:
    """An [auth] section for the provider at `issuer`, the app being reached at `public_base` (nginx)."""
    return {"redirect_uri": f"{public_base}/oauth2callback", "cookie_secret": COOKIE_SECRET,
            "client_id": "llm-cost-levers", "client_secret": "hosting-tests-client-secret",
            "server_metadata_url": f"{issuer}/.well-known/openid-configuration"}


@dataclass
class Replica:
    """One `streamlit run app.py` on a fixed port; `stop()` kills it the way a failed container dies."""

    name: str
    port: int
    workdir: Path
    proc: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return ARTIFACTS / f"hosting-{self.name}.log"

    def start(self, timeout: float = 90) -> None:
        env = os.environ | {
            "PYTHONUNBUFFERED": "1",
            "STREAMLIT_SECRETS_FILES": str(self.workdir / "secrets.toml"),
            "STREAMLIT_SERVER_COOKIE_SECRET": COOKIE_SECRET,
            "LLM_COST_LEVERS_DATA": str(self.workdir / "data"),
        }
        with open(self.log, "a") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(self.port),
                 "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
        wait_until(lambda: healthy(f"{self.base}/_stcore/health"), f"replica {self.name}", timeout, self.proc, self.log)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.proc = None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


@contextmanager
def replicas(secrets: str, ports: Sequence[int] = REPLICA_PORTS, tmp: Path | None = None) -> Iterator[list[Replica]]:
    """Start one replica per port, all with the same secrets; stop them at the end."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    root = tmp or Path(ARTIFACTS / "hosting")
    started: list[Replica] = []
    try:
        for i, port in enumerate(ports):
            work = root / f"replica-{'ab'[i] if i < 2 else i}"
            (work / "data").mkdir(parents=True, exist_ok=True)
            (work / "secrets.toml").write_text(secrets)
            r = Replica("AB"[i] if i < 2 else str(i), port, work)
            started.append(r)
            r.start()
        yield started
    finally:
        for r in started:
            r.stop()


@dataclass
class Proxy:
    base: str
    prefix: Path

    @property
    def access_log(self) -> Path:
        return self.prefix / "logs" / "access.log"

    def upstreams_by_affinity(self) -> dict[str, set[str]]:
        """From the access log: each affinity token and the replicas that served it."""
        served: dict[str, set[str]] = {}
        for line in self.access_log.read_text().splitlines():
            fields = dict(part.split("=", 1) for part in line.split() if part.startswith(("upstream=", "affinity=")))
            if "affinity" in fields and fields.get("upstream", "-") != "-":
                served.setdefault(fields["affinity"], set()).update(u.strip(",") for u in fields["upstream"].split(","))
        return served

    def token_for(self, replica: Replica, tries: int = 200, timeout: float = 20) -> str:
        """An affinity cookie value that nginx hashes to `replica` (found by asking nginx, as a browser would). A replica
        that refused a connection (stopped, or restarting) stays marked down for fail_timeout (10 s) after it is back:
        nginx sends its tokens elsewhere until then, so keep asking for up to `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            for i in range(tries):
                token = f"pin-{replica.name}-{i}"
                request = urllib.request.Request(f"{self.base}/_stcore/health",
                                                 headers={"Cookie": f"{AFFINITY_COOKIE}={token}"})
                with urllib.request.urlopen(request, timeout=5) as r:
                    if r.headers["X-Served-By"] == replica.address:
                        return token
            if time.monotonic() > deadline:
                raise AssertionError(f"no affinity token maps to {replica.address}")
            time.sleep(0.5)


MAIN_CONF = """# The nginx image's main configuration, reduced: the rendered template is included inside http {{}}.
worker_processes 1;
{user}
pid nginx.pid;
error_log logs/error.log info;
events {{ worker_connections 512; }}
http {{
    client_body_temp_path tmp/body;
    proxy_temp_path tmp/proxy;
    fastcgi_temp_path tmp/fastcgi;
    uwsgi_temp_path tmp/uwsgi;
    scgi_temp_path tmp/scgi;
    include default.conf;
}}
"""


@contextmanager
def nginx(upstreams: Sequence[Replica], port: int = NGINX_PORT, prefix: Path | None = None) -> Iterator[Proxy]:
    """Debian's nginx with deploy/nginx.conf.template rendered for these replicas, in a private prefix."""
    prefix = prefix or ARTIFACTS / "hosting" / "nginx"
    shutil.rmtree(prefix, ignore_errors=True)
    for sub in ("logs", "tmp"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    conf = prefix / "nginx.conf"
    (prefix / "default.conf").write_text(render(values_for(port, [r.address for r in upstreams], "logs/access.log")))
    # As root, nginx's workers would drop to `nobody`, who cannot write the test's temp dirs: keep the caller's user.
    conf.write_text(MAIN_CONF.format(user="user root;" if os.geteuid() == 0 else ""))
    checked = subprocess.run([str(NGINX), "-p", str(prefix), "-c", str(conf), "-t"], capture_output=True, text=True,
                             check=False)
    if checked.returncode:
        raise RuntimeError(f"nginx -t rejected the rendered template:\n{checked.stderr}")
    log = open(prefix / "logs" / "stderr.log", "w")  # noqa: SIM115
    proc = subprocess.Popen([str(NGINX), "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"],
                            stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: healthy(f"{base}/healthz"), "nginx", 30, proc, prefix / "logs" / "error.log")
        yield Proxy(base, prefix)
    finally:
        stop(proc, log)


def cookie_jar_opener() -> tuple[urllib.request.OpenerDirector, http.cookiejar.CookieJar]:
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar)), jar
