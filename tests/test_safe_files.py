"""Reading files a user or an operator hands the app: bounded, regular files only, text detected, nesting bounded; and
the app's answers to such files (overrides file, scenario import, uploads, CSV exports, echoed names)."""
from __future__ import annotations

import codecs
import io
import json
import os
import re
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from calculators import safe_files as sf
from calculators.prices import OVERRIDES_ENV, OverridesError, build_catalogue, load_overrides

ENTRY = '[[model]]\nprovider = "x"\nmodel = "y"\ninput_mtok = 1.0\noutput_mtok = 2.0\nsource = "s"\nsource_date = 2026-11-01\n'


# --- reading -------------------------------------------------------------------------------------


def test_dev_zero_is_refused_without_reading_it():
    started = time.perf_counter()
    with pytest.raises(sf.FileRefused, match="a device, not a regular file"):
        sf.read_bytes("/dev/zero", 1_000_000)
    assert time.perf_counter() - started < 1


def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "overrides.toml"
    os.mkfifo(fifo)
    result: list[BaseException] = []
    reader = threading.Thread(target=lambda: result.append(pytest.raises(sf.FileRefused, sf.read_bytes, fifo, 100).value),
                              daemon=True)
    reader.start()
    reader.join(5)
    assert not reader.is_alive(), "reading a FIFO hung"
    assert "named pipe" in str(result[0])


def test_a_directory_and_a_missing_file_are_refused(tmp_path):
    with pytest.raises(sf.FileRefused, match="directory"):
        sf.read_bytes(tmp_path, 100)
    with pytest.raises(sf.FileRefused, match="no such file"):
        sf.read_bytes(tmp_path / "absent.toml", 100)


def test_at_most_the_limit_is_read(tmp_path):
    path = tmp_path / "f.txt"
    path.write_bytes(b"x" * 101)
    assert sf.read_bytes(path, 101) == b"x" * 101
    with pytest.raises(sf.FileRefused, match="larger than the limit of 100 bytes"):
        sf.read_bytes(path, 100)


# --- text ----------------------------------------------------------------------------------------

TEXT = "Grüße, 世界: prompt caching ≥ 90 % 🙂\nsecond line"


@pytest.mark.parametrize("encoded", [
    TEXT.encode("utf-8"),
    codecs.BOM_UTF8 + TEXT.encode("utf-8"),
    codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"),
    codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"),
    TEXT.encode("utf-16"),  # Python's own: BOM + native order
], ids=["utf-8", "utf-8-bom", "utf-16-le-bom", "utf-16-be-bom", "utf-16"])
def test_text_encodings_are_detected(encoded):
    assert sf.decode_text(encoded) == TEXT


@pytest.mark.parametrize(("data", "reason"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    (b"%PDF-1.7\n\xe2\xe3\xcf\xd3\n", "not UTF-8"),
    ("no BOM".encode("utf-16-le"), "binary"),  # UTF-16 without a BOM: its ASCII carries NUL bytes
    (codecs.BOM_UTF16_LE + b"\x00\xd8", "not UTF-16"),  # a lone surrogate
    (codecs.BOM_UTF32_LE + "x".encode("utf-32-le"), "UTF-32"),
    (codecs.BOM_UTF16_LE + "a\x00b".encode("utf-16-le"), "binary"),
])
def test_binary_is_refused(data, reason):
    with pytest.raises(sf.FileRefused, match=reason):
        sf.decode_text(data)


@given(st.text(max_size=200).filter(lambda t: "\x00" not in t and not t.startswith("\ufeff")))
def test_any_text_round_trips_through_utf8_and_utf16(text):
    for encoding in ("utf-8", "utf-8-sig", "utf-16"):
        assert sf.decode_text(text.encode(encoding)) == text


# --- nesting -------------------------------------------------------------------------------------


def test_nesting_depth_skips_strings_and_comments():
    assert sf.nesting_depth('{"a": "[[[[{{{{", "b": [1, [2]]}') == 3
    assert sf.nesting_depth('x = "[[[["  # [[[[[[\n[[model]]\ny = [1, [2]]\nz = \'\'\'[[[\n[[\'\'\'', "toml") == 2


def test_a_98_kb_json_bomb_is_refused_quickly():
    bomb = "[" * 49_000 + "]" * 49_000
    started = time.perf_counter()
    with pytest.raises(sf.FileRefused, match="nested more than 20 levels deep"):
        sf.loads_json(bomb)
    assert time.perf_counter() - started < 1


def test_json_refuses_what_python_accepts_but_json_does_not():
    for text in ('{"a": NaN}', '{"a": Infinity}', "[-Infinity]"):
        with pytest.raises(sf.FileRefused, match="not a number JSON allows"):
            sf.loads_json(text)
    with pytest.raises(sf.FileRefused, match="not valid JSON"):
        sf.loads_json("9" * 5_000)  # longer than Python converts to int


def test_nested_toml_is_refused():
    with pytest.raises(sf.FileRefused, match="nested more than"):
        sf.loads_toml("x = " + "[" * 5_000 + "]" * 5_000)
    with pytest.raises(sf.FileRefused, match="nested more than"):
        sf.loads_toml("x = " + "{a = " * 3_000 + "1" + "}" * 3_000)


# --- the overrides file --------------------------------------------------------------------------


@pytest.mark.parametrize(("content", "reason"), [
    ("x = " + "[" * 600 + "]" * 600 + "\n", "nested more than"),
    ("[[model]\n", "not valid TOML"),
    ("\x00\x01\x02", "binary"),
    ("a = 1\n" * 200_000, "larger than the limit of 1,000,000 bytes"),
])
def test_broken_overrides_files_give_the_file_named_message(tmp_path, content, reason):
    path = tmp_path / "prices.toml"
    path.write_text(content)
    with pytest.raises(OverridesError, match=reason) as err:
        load_overrides(path)
    assert str(err.value).startswith(f"{path}: not a readable TOML file")


def test_dev_zero_and_a_fifo_as_overrides_keep_bundled_prices(tmp_path, monkeypatch):
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    for path in (Path("/dev/zero"), fifo):
        monkeypatch.setenv(OVERRIDES_ENV, str(path))
        started = time.perf_counter()
        cat = build_catalogue()
        assert time.perf_counter() - started < 5
        assert cat.overrides_count == 0 and str(path) in cat.overrides_error
        assert "not a regular file" in cat.overrides_error


def test_a_configured_overrides_path_that_does_not_exist_says_so(tmp_path, monkeypatch):
    missing = tmp_path / "typo.toml"
    monkeypatch.setenv(OVERRIDES_ENV, str(missing))
    assert build_catalogue().overrides_error == f"{missing}: no such file (set by {OVERRIDES_ENV})"
    monkeypatch.delenv(OVERRIDES_ENV)
    assert build_catalogue(tmp_path / "not-configured.toml").overrides_error is None  # the default may be absent


def test_a_utf16_overrides_file_loads(tmp_path):
    path = tmp_path / "prices.toml"
    path.write_bytes(ENTRY.encode("utf-16"))
    assert [m.key for m in load_overrides(path)] == ["x/y"]


# --- CSV exports ---------------------------------------------------------------------------------


def test_csv_text_cells_starting_like_a_formula_are_made_inert():
    from pages._ui.layout import safe_csv

    frame = pd.DataFrame({
        "name": ['=HYPERLINK("http://x","y")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tx", "\rx", "ok", None],
        "saving": [-12.5, 3.0, -0.0, 1e6, 0.0, 2.0, -7.0, 1.0],
        "count": [-1, 2, 3, 4, 5, 6, 7, 8],
    })
    rows = safe_csv(frame).decode().split("\r\n")
    assert rows[0] == "name,saving,count"
    cells = pd.read_csv(io.BytesIO(safe_csv(frame)))
    assert list(cells["name"].fillna("")) == ["'" + v for v in frame["name"][:6]] + ["ok", ""]
    assert list(cells["saving"]) == list(frame["saving"]) and list(cells["count"]) == list(frame["count"])
    assert rows[1].endswith(",-12.5,-1")  # negative numbers stay numbers, unquoted


def test_csv_column_names_are_made_inert_too():
    from pages._ui.layout import csv_bytes

    header = csv_bytes(pd.DataFrame({"=cmd": [1]}), "USD").decode().splitlines()[0]
    assert header.startswith("'=cmd,")


# --- Markdown ------------------------------------------------------------------------------------

PAYLOADS = ["**x**", "<img src=http://example.com/x.png>", "[a](javascript:alert(1))", "`", "a`b`c", "$x$",
            ":red[r] :material/home:", "# h", "- item", "x\n\n===", "http://example.com a@b.co www.x.org", "\\*"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_plain_escapes_every_markdown_character(payload):
    from pages._ui.layout import WORD_JOINER, plain

    escaped = plain(payload)
    unescaped, i = [], 0
    while i < len(escaped):  # CommonMark: a backslash before ASCII punctuation yields the character itself
        if escaped[i] == "\\" and i + 1 < len(escaped):
            unescaped.append(escaped[i + 1])
            i += 2
        else:
            unescaped.append(escaped[i])
            i += 1
    assert "".join(unescaped).replace(WORD_JOINER, "") == re.sub(r"[\r\n]+", " ", payload)
    assert not re.search(r"(?<!\\)[*`<>\[\]$#:_]", escaped.replace("\\\\", "")), escaped


def test_the_scenario_import_error_echoes_the_file_as_text():
    from pages._ui import scenario

    doc = {"app": "llm-cost-levers", "version": "![x](http://example.com/x.png) **b**", "params": {}}
    with pytest.raises(scenario.ScenarioError) as err:
        scenario.parse(json.dumps(doc).encode())
    assert "![x]" not in str(err.value) and "**" not in str(err.value) and "\\!\\[x\\]" in str(err.value)


def test_upload_names_and_utf16_uploads_on_the_token_counter():
    from tests.apptest import run_page

    at = run_page("pages/token_counter.py")
    text = "Token counting: UTF-16 from Windows Notepad. Ünïcödé ✓"
    at.file_uploader(key="tokens.upload").upload("a.txt", text.encode("utf-8"), "text/plain").run()
    utf8_tokens = at.metric[0].value
    name = "n`otes **b** [l](x).txt"
    at.file_uploader(key="tokens.upload").upload(name, text.encode("utf-16"), "text/plain").run()
    assert not at.exception and not at.error
    assert at.metric[0].value == utf8_tokens
    caption = next(c.value for c in at.caption if c.value.startswith("Counting "))
    from pages._ui.layout import plain

    assert plain(name) in caption and "`" not in caption.replace("\\`", "")
    at.file_uploader(key="tokens.upload").upload("x`y.bin", b"\x89PNG\r\n\x1a\n\x00\x00", "image/png").run()
    assert "binary" in at.error[0].value and plain("x`y.bin") in at.error[0].value
