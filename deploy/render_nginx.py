"""Render deploy/nginx.conf.template exactly as the nginx image does: envsubst on the LCL_* names, nothing else.

The compose file lets the nginx image render the template at start; the tests render it with this script and check
that Debian's envsubst gives the same bytes. A name the template uses and the caller does not give is an error (envsubst
would silently leave it empty).

    python deploy/render_nginx.py --listen 8080 --upstream app1:8501 --upstream app2:8501 > default.conf
"""
from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"
PLACEHOLDER = re.compile(r"\$\{(LCL_[A-Z0-9_]+)\}")


def placeholders(template: str) -> set[str]:
    return set(PLACEHOLDER.findall(template))


def upstream_servers(addresses: Iterable[str], *, max_fails: int = 1, fail_timeout: str = "10s") -> str:
    """The upstream block's server lines, one per replica ('host:port')."""
    return " ".join(f"server {a} max_fails={max_fails} fail_timeout={fail_timeout};" for a in addresses)


def render(values: Mapping[str, str], template: str | None = None) -> str:
    text = TEMPLATE.read_text() if template is None else template
    missing = placeholders(text) - set(values)
    if missing:
        raise KeyError(f"the nginx template needs {', '.join(sorted(missing))}")
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


def values_for(listen: int | str, upstreams: Iterable[str], access_log: str = "/dev/stdout") -> dict[str, str]:
    return {"LCL_LISTEN_PORT": str(listen), "LCL_UPSTREAM_SERVERS": upstream_servers(upstreams),
            "LCL_ACCESS_LOG": access_log}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", default="8080")
    parser.add_argument("--upstream", action="append", required=True, help="a replica's host:port (repeat)")
    parser.add_argument("--access-log", default="/dev/stdout")
    args = parser.parse_args(argv)
    sys.stdout.write(render(values_for(args.listen, args.upstream, args.access_log)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
