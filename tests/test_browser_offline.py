"""The app with no network at all: the server and the browser in a network namespace of their own (`unshare -n`: only
loopback exists), every request the browser makes routed, anything not for this machine aborted and recorded.

Every page loads complete (no exception, icon font loaded, the page icon served by the app) and nothing is requested
from outside. An overrides file whose name, model name and source are Markdown shows them as text."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser import ARTIFACTS, CHROMIUM, ROOT
from tests.offline_check import FILE_NAME, OVERRIDE_NAME, OVERRIDE_SOURCE, page_paths

WORD_JOINER = "\u2060"  # layout.plain keeps bare URLs unlinked with it; invisible


@pytest.fixture(scope="module")
def offline_report(tmp_path_factory) -> dict:
    missing = [tool for tool in ("unshare", "ip") if shutil.which(tool) is None]
    if missing or not Path(CHROMIUM).exists() or os.geteuid() != 0:
        reason = f"needs root, unshare, ip and {CHROMIUM} (missing: {missing or 'root or chromium'})"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    out = tmp_path_factory.mktemp("offline") / "report.json"
    run = subprocess.run(
        ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$0" tests/offline_check.py "$1"', sys.executable,
         str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(out.read_text())


@pytest.mark.browser
def test_no_request_leaves_the_machine(offline_report):
    assert offline_report["requests"] > 0, "the browser made no request at all: nothing was checked"
    assert offline_report["external"] == [], offline_report["external"]
    assert offline_report["non_local_seen"] == [], offline_report["non_local_seen"]


@pytest.mark.browser
def test_every_page_loads_complete_offline(offline_report):
    pages = offline_report["pages"]
    assert sorted(pages) == sorted(page_paths())
    for path, state in pages.items():
        assert state["exceptions"] == 0, path
        assert state["title"], path
        assert state["fonts_failed"] == [], (path, state["fonts_failed"])
        assert state["icon_font_loaded"], f"{path}: the Material Symbols font (icons) did not load"
        assert state["favicon"] and state["favicon"].startswith(("data:image/", "http://127.0.0.1")), state["favicon"]


@pytest.mark.browser
def test_override_names_sources_and_file_name_render_as_text(offline_report):
    captions = [dict(c, text=c["text"].replace(WORD_JOINER, "")) for c in offline_report["echo"]]
    loaded = next(c for c in captions if "price override(s) loaded from" in c["text"])
    assert loaded["text"] == f"1 price override(s) loaded from {FILE_NAME}."
    assert loaded["links"] == loaded["images"] == loaded["code"] == 0 and loaded["strong"] == []
    price = next(c for c in captions if "Source:" in c["text"] and OVERRIDE_NAME in c["text"])
    assert [s.replace(WORD_JOINER, "") for s in price["strong"]] == [f"self-hosted · {OVERRIDE_NAME}"]  # ours only
    assert f"Source: local overrides: {OVERRIDE_SOURCE}, 2026-11-01." in price["text"]
    assert price["links"] == price["images"] == price["code"] == price["math"] == 0, price
