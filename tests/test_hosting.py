"""Hosted for a team, with real parts: two `streamlit run` replicas behind Debian's nginx (configured from
deploy/nginx.conf.template), PostgreSQL, and a local OpenID Connect provider; plus static checks of the deployment
files that cannot run here (Docker is not available on the test machine)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
from playwright.sync_api import expect

from deploy.render_nginx import TEMPLATE, placeholders, render, values_for
from tests.browser import ROOT, settled
from tests.hosting import (
    AFFINITY_COOKIE,
    NGINX,
    NGINX_PORT,
    OIDC_PORT,
    Proxy,
    Replica,
    nginx,
    oidc_auth,
    replicas,
    secrets_toml,
    wait_until,
)
from tests.oidc_provider import oidc_provider, sign_in
from tests.postgres import postgres_server  # noqa: F401  (fixture)

DEPLOY = ROOT / "deploy"
ALICE, BOB, ADMIN = "alice@example.com", "bob@example.com", "finops@example.com"
# Sidebar inputs: 300,000 requests x (2,500 input x $2 + 600 output x $10 per MTok on Claude Sonnet 5.5) = $3,300.
SCENARIO = "requests=300000&in_tokens=2500&out_tokens=600"
SIDEBAR_BILL = "[data-testid='stSidebar'] [data-testid='stMetricValue']"


# --- the deployment files, checked statically -----------------------------------------------------------------------


def load_yaml_documents(path: Path) -> list[dict]:
    yaml = pytest.importorskip("yaml")
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def test_the_dockerfile_runs_as_non_root_with_a_health_check_and_installs_at_build_time():
    text = (DEPLOY / "Dockerfile").read_text()
    instructions = [line.split(None, 1) for line in re.sub(r"\\\n", " ", text).splitlines()
                    if line.strip() and not line.lstrip().startswith("#")]
    users = [rest.strip() for op, *rest in instructions if op == "USER" for rest in [rest[0] if rest else ""]]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    health = [rest[0] for op, *rest in instructions if op == "HEALTHCHECK"]
    assert len(health) == 1 and "/_stcore/health" in health[0]
    # Every install happens before the last USER (nothing fetched by the running container), and the CMD runs the app.
    last_user = max(i for i, (op, *_) in enumerate(instructions) if op == "USER")
    assert all(i < last_user for i, (op, *rest) in enumerate(instructions) if op == "RUN")
    assert any("pip install" in rest[0] for op, *rest in instructions if op == "RUN")
    assert "streamlit" in instructions[-1][1] and instructions[-1][0] == "CMD"
    # Secrets are mounted at run time, never copied in.
    assert not re.search(r"COPY .*secrets", text)
    assert ".streamlit/secrets.toml" in (DEPLOY / "Dockerfile.dockerignore").read_text()


def test_compose_has_postgres_two_replicas_and_nginx_from_the_one_template():
    (doc,) = load_yaml_documents(DEPLOY / "compose.yaml")
    services = doc["services"]
    assert {"db", "app1", "app2", "nginx"} <= set(services)
    assert services["db"]["image"].startswith("postgres:") and "healthcheck" in services["db"]
    for name in ("app1", "app2"):
        app = services[name]
        assert app["build"]["dockerfile"] == "deploy/Dockerfile"
        assert app["environment"]["STREAMLIT_SECRETS_FILES"] == "/run/secrets/streamlit_secrets"
        assert "STREAMLIT_SERVER_COOKIE_SECRET" in app["environment"]
        assert app["depends_on"]["db"]["condition"] == "service_healthy"
    proxy = services["nginx"]
    assert "./nginx.conf.template:/etc/nginx/templates/default.conf.template:ro" in proxy["volumes"]
    env = proxy["environment"]
    assert placeholders(TEMPLATE.read_text()) <= set(env) and env["NGINX_ENVSUBST_FILTER"] == "^LCL_"
    assert re.findall(r"server (\S+)", env["LCL_UPSTREAM_SERVERS"]) == ["app1:8501", "app2:8501"]
    assert all(proxy["depends_on"][a]["condition"] == "service_healthy" for a in ("app1", "app2"))


def test_the_kubernetes_manifest_probes_health_pins_sessions_and_keeps_secrets_in_a_secret():
    docs = {d["kind"]: d for d in load_yaml_documents(DEPLOY / "k8s.yaml")}
    assert {"Secret", "Deployment", "Service", "Ingress"} <= set(docs)
    pod = docs["Deployment"]["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] != 0
    (app,) = pod["containers"]
    for probe in ("readinessProbe", "livenessProbe"):
        assert app[probe]["httpGet"]["path"] == "/_stcore/health"
    assert app["securityContext"]["allowPrivilegeEscalation"] is False
    assert docs["Deployment"]["spec"]["replicas"] >= 2
    assert docs["Service"]["spec"]["sessionAffinity"] == "ClientIP"
    assert docs["Ingress"]["metadata"]["annotations"]["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    secret = docs["Secret"]["stringData"]
    assert "[auth]" in secret["secrets.toml"] and "[connections.library]" in secret["secrets.toml"]
    env = {e["name"]: e for e in app["env"]}
    assert env["STREAMLIT_SECRETS_FILES"]["value"] == "/etc/llm-cost-levers/secrets.toml"
    assert env["STREAMLIT_SERVER_COOKIE_SECRET"]["valueFrom"]["secretKeyRef"]["name"] == "llm-cost-levers"


def test_the_template_renders_as_envsubst_does_and_refuses_a_missing_name():
    values = values_for(8080, ["app1:8501", "app2:8501"])
    rendered = render(values)
    assert "${" not in rendered and "$request_id" in rendered and "server app2:8501" in rendered
    if shutil.which("envsubst"):  # the nginx image renders with envsubst, limited to the LCL_ names
        names = " ".join(f"${{{k}}}" for k in values)
        by_envsubst = subprocess.run(["envsubst", names], input=TEMPLATE.read_text(), capture_output=True, text=True,
                                     env={**os.environ, **values}, check=True).stdout
        assert by_envsubst == rendered
    with pytest.raises(KeyError, match="LCL_ACCESS_LOG"):
        render({k: v for k, v in values.items() if k != "LCL_ACCESS_LOG"})
    if NGINX.exists():  # and nginx accepts it
        check = ROOT / "tests" / "artifacts" / "nginx-check"
        check.mkdir(parents=True, exist_ok=True)
        (check / "default.conf").write_text(render(values_for(8080, ["127.0.0.1:1", "127.0.0.1:2"], "/dev/null")))
        (check / "nginx.conf").write_text("events {}\nhttp { include default.conf; }\n")
        result = subprocess.run([str(NGINX), "-t", "-p", str(check), "-c", str(check / "nginx.conf"),
                                 "-g", "pid nginx.pid; error_log stderr;"], capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr


# --- the running stack --------------------------------------------------------------------------------------------


@dataclass
class Stack:
    a: Replica
    b: Replica
    proxy: Proxy

    @property
    def base(self) -> str:
        return self.proxy.base


@pytest.fixture(scope="module")
def stack(postgres_server, tmp_path_factory):  # noqa: F811
    if not NGINX.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{NGINX} is missing: .ci/run installs Debian's nginx")
        pytest.skip(f"{NGINX} not installed")
    import sqlalchemy as sa

    admin = sa.create_engine(f"{postgres_server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text('DROP DATABASE IF EXISTS "hosting" WITH (FORCE)'))
        conn.execute(sa.text('CREATE DATABASE "hosting"'))
    admin.dispose()
    public = f"http://127.0.0.1:{NGINX_PORT}"
    with oidc_provider(OIDC_PORT, [ALICE, BOB, ADMIN]) as issuer:
        secrets = secrets_toml(database_url=f"{postgres_server}/hosting", auth=oidc_auth(issuer, public),
                               admins=[ADMIN], team="platform")
        with replicas(secrets, tmp=tmp_path_factory.mktemp("replicas")) as (a, b), nginx([a, b]) as proxy:
            yield Stack(a, b, proxy)


def pinned(browser, stack: Stack, replica: Replica):
    """A browser whose affinity cookie nginx hashes to `replica` (as if its first visit had landed there)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pin(context, stack, replica)
    return context


def pin(context, stack: Stack, replica: Replica) -> None:
    context.add_cookies([{"name": AFFINITY_COOKIE, "value": stack.proxy.token_for(replica), "url": stack.base}])


def visit(page, url: str):
    response = page.goto(url)
    settled(page)
    return response


def sidebar_bill(page) -> str:
    return page.locator(SIDEBAR_BILL).first.inner_text()


def signed_in(context, stack: Stack, email: str):
    """Sign in through nginx: the app's Sign in button, the provider's login form, back to the app."""
    page = context.new_page()
    visit(page, f"{stack.base}/library")
    page.locator(".st-key-library-login button").click()
    sign_in(page, email)
    page.wait_for_url(re.compile(rf"^{re.escape(stack.base)}/(?!oauth2callback)"), timeout=30_000)
    visit(page, f"{stack.base}/library")
    assert email in page.locator("[data-testid='stMain']").inner_text()
    return page


def save_scenario(page, name: str, note: str) -> None:
    page.locator(".st-key-library-name input").fill(name)
    page.locator(".st-key-library-note textarea").fill(note)
    page.locator(".st-key-library-save button").click()
    page.get_by_text("Saved as version").wait_for(timeout=20_000)
    settled(page)


def open_saved(page, base: str, name: str):
    """Find `name` in the library and open its link (the link button opens a new tab: follow its href here)."""
    visit(page, f"{base}/library")
    page.locator(".st-key-library-search input").fill(name)
    page.locator(".st-key-library-search input").press("Enter")
    settled(page)
    href = page.locator(".st-key-library-open a").first.get_attribute("href")
    return visit(page, urljoin(page.url, href))


@pytest.mark.browser
def test_one_browser_keeps_one_replica_websocket_included(browser, stack):
    context = browser.new_context()
    page = context.new_page()
    first = visit(page, f"{stack.base}/?{SCENARIO}")
    token = next(c["value"] for c in context.cookies() if c["name"] == AFFINITY_COOKIE)  # set by nginx on the first visit
    served_by = first.headers["x-served-by"]
    for path in ("prices", "caching", "library"):
        assert visit(page, f"{stack.base}/{path}?{SCENARIO}").headers["x-served-by"] == served_by
    context.close()  # closes the websocket, so nginx logs it
    websocket = re.compile(rf'"GET /_stcore/stream HTTP/1.1" 101 upstream={re.escape(served_by)} affinity={token}')
    wait_until(lambda: websocket.search(stack.proxy.access_log.read_text()), "the websocket's log line", 10)
    assert stack.proxy.upstreams_by_affinity()[token] == {served_by}
    # nginx closes idle upstream connections before uvicorn does (keepalive_timeout 4s < 5s): a request on a
    # connection the replica was closing once marked it down and moved this browser to the other replica.
    assert "prematurely closed" not in (stack.proxy.prefix / "logs" / "error.log").read_text()


@pytest.mark.browser
def test_a_scenario_saved_through_a_opens_through_b(browser, stack):
    context = pinned(browser, stack, stack.a)
    page = signed_in(context, stack, ALICE)
    assert visit(page, f"{stack.base}/library?{SCENARIO}").headers["x-served-by"] == stack.a.address
    assert sidebar_bill(page) == "$3,300/month"
    save_scenario(page, "Q3 plan via A", "300k requests, saved through replica A")
    # The same browser, now pinned to B: its sign-in cookie is valid there (one cookie secret) and the library is shared.
    pin(context, stack, stack.b)
    fresh = context.new_page()
    response = open_saved(fresh, stack.base, "Q3 plan via A")
    assert response.headers["x-served-by"] == stack.b.address
    assert parse_qs(urlsplit(fresh.url).query)["requests"] == ["300000"]
    assert sidebar_bill(fresh) == "$3,300/month"
    context.close()


@pytest.mark.browser
def test_stopping_a_mid_session_loses_nothing_saved_or_in_the_url(browser, stack):
    context = pinned(browser, stack, stack.a)
    page = signed_in(context, stack, BOB)
    visit(page, f"{stack.base}/library?{SCENARIO}")
    save_scenario(page, "Before the failover", "saved on A just before it stops")
    on_a = visit(page, f"{stack.base}/caching?{SCENARIO}")
    assert on_a.headers["x-served-by"] == stack.a.address
    url = page.url
    stack.a.stop()
    try:
        reloaded = page.reload()
        settled(page)
        # nginx tried A (connection refused), then B answered: "127.0.0.1:8616, 127.0.0.1:8617".
        assert reloaded.headers["x-served-by"].split(", ") == [stack.a.address, stack.b.address]
        assert page.url == url and sidebar_bill(page) == "$3,300/month"  # the URL carried every input
        open_saved(page, stack.base, "Before the failover")  # the saved scenario, still signed in, on B
        assert sidebar_bill(page) == "$3,300/month"
        visit(page, f"{stack.base}/library")
        assert BOB in page.locator("[data-testid='stMain']").inner_text()
    finally:
        stack.a.start()
        context.close()


@pytest.mark.browser
def test_a_signed_out_user_cannot_save(browser, stack):
    context = browser.new_context()
    page = context.new_page()
    visit(page, f"{stack.base}/library?{SCENARIO}")
    # Waiting assertions: on a loaded machine the deep link's second run can still be redrawing these elements.
    expect(page.locator(".st-key-library-save button")).to_be_disabled()
    expect(page.get_by_text("Sign in to save.")).to_be_visible()
    expect(page.locator(".st-key-library-login button")).to_be_visible()
    context.close()


@pytest.mark.browser
def test_a_user_cannot_delete_another_users_scenario(browser, stack):
    alice = pinned(browser, stack, stack.a)
    page = signed_in(alice, stack, ALICE)
    visit(page, f"{stack.base}/library?{SCENARIO}")
    save_scenario(page, "Alice's own plan", "only Alice may delete it")
    assert page.locator(".st-key-library-delete button").count() == 1  # the owner sees Delete
    bob = pinned(browser, stack, stack.b)
    other = signed_in(bob, stack, BOB)
    other.locator(".st-key-library-search input").fill("Alice's own plan")
    other.locator(".st-key-library-search input").press("Enter")
    settled(other)
    assert "Owner alice@example.com" in other.locator("[data-testid='stMain']").inner_text()  # visible to the team
    assert other.locator(".st-key-library-delete").count() == 0  # but not his to delete
    assert other.locator(".st-key-library-rename button").is_disabled()
    assert other.get_by_text("Only its owner may rename or delete it.").is_visible()
    alice.close()
    bob.close()


TEAM_PRICE = """[[model]]
provider = "anthropic"
model = "claude-sonnet-5-5"
provider_name = "Anthropic"
name = "Claude Sonnet 5.5"
input_mtok = 1.0
output_mtok = 5.0
source = "Negotiated team rate (hosting test)"
source_date = 2026-11-01
"""


@pytest.mark.browser
def test_an_admin_price_change_applies_to_the_next_rerun_of_every_session(browser, stack):
    # Default workload: 1,000,000 requests x (2,000 input x $2 + 400 output x $10 per MTok) = $8,000 a month;
    # at the team's $1 / $5: 1,000,000 x (2,000 x $1 + 400 x $5) / 1e6 = $4,000.
    user_context = pinned(browser, stack, stack.a)
    user = signed_in(user_context, stack, ALICE)
    visit(user, f"{stack.base}/prices")
    assert sidebar_bill(user) == "$8,000/month"
    admin_context = pinned(browser, stack, stack.b)
    admin = signed_in(admin_context, stack, ADMIN)
    assert sidebar_bill(admin) == "$8,000/month"
    admin.locator(".st-key-library-price_toml textarea").fill(TEAM_PRICE)
    admin.locator(".st-key-library-price_save button").click()
    settled(admin)
    expect(admin.locator(SIDEBAR_BILL).first).to_have_text("$4,000/month")
    try:
        # The other session, on the other replica, reruns (a click in its page's navigation): the new price applies.
        user.locator("[data-testid='stSidebarNav'] a[href$='/caching']").first.click()
        settled(user)
        assert sidebar_bill(user) == "$4,000/month"
        assert stack.a.running and urlsplit(user.url).path == "/caching"
    finally:
        admin.locator(".st-key-library-price_remove button").click()
        settled(admin)
        expect(admin.locator(SIDEBAR_BILL).first).to_have_text("$8,000/month")
        admin_context.close()
        user_context.close()
