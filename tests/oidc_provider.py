"""A small local OpenID Connect provider for the sign-in tests: oidc-provider-mock (Authlib's OIDC server grants in a
Flask app) served by werkzeug on a background thread.

It publishes a discovery document, an authorize page (a login form: type a subject, or click one of the predefined
users; consent is automatic), a token endpoint issuing RS256-signed id_tokens, its JWKS and userinfo. Any client id
and secret are accepted. Users are given with their claims; the app identifies a user by the `email` claim.

Run it alone for a manual try: `python -m tests.oidc_provider 8619 alice@example.com bob@example.com`.
"""
from __future__ import annotations

import sys
import threading
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import authlib.deprecate  # noqa: F401  (it adds an "always" filter for its warnings: ignore them after it)
import werkzeug.serving

with warnings.catch_warnings():  # oidc-provider-mock imports authlib.jose, which Authlib deprecates for joserfc
    warnings.simplefilter("ignore")
    from oidc_provider_mock import User, app


class _QuietHandler(werkzeug.serving.WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:  # one line per request would drown the test output
        pass


def user(email: str, name: str | None = None) -> User:
    return User(sub=email, claims={"email": email, "email_verified": True, "name": name or email.split("@")[0]})


@contextmanager
def oidc_provider(port: int, emails: Iterable[str], host: str = "127.0.0.1") -> Iterator[str]:
    """Serve the provider on host:port; yield its issuer URL (discovery at <issuer>/.well-known/openid-configuration)."""
    server = werkzeug.serving.make_server(host, port, app(user_claims=[user(e) for e in emails], require_nonce=True),
                                          threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def sign_in(page, email: str) -> None:
    """On the provider's authorize page, sign in as `email` (its login form: a subject, then Authorize)."""
    page.wait_for_selector("input[name='sub']")
    page.fill("input[name='sub']", email)
    page.get_by_role("button", name="Authorize", exact=True).click()


if __name__ == "__main__":
    port, *emails = sys.argv[1:]
    with oidc_provider(int(port), emails) as issuer:
        print(f"OIDC provider at {issuer}/.well-known/openid-configuration; Ctrl-C to stop", flush=True)
        threading.Event().wait()
