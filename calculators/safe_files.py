"""Reading a file a user or an operator hands the app, without letting the file take the app down.

One place for: what counts as a readable file (a regular file, never a pipe, device or directory), how much of it is
read (at most the limit plus one byte: `/dev/zero` or a 10 GB file costs the same as a small one), how its bytes
become text (UTF-8, UTF-8 with a BOM, UTF-16 with a BOM; binary refused), and how deep its JSON or TOML may nest
(a pre-scan of the brackets, because the parsers recurse once per level and a 100 kB file can hold 50,000 levels).

Every refusal is a `FileRefused` (a ValueError) whose message says why, in words, without the file's name: the caller
names the file.
"""
from __future__ import annotations

import codecs
import json
import os
import re
import stat
import tomllib
from pathlib import Path
from typing import Any

MAX_DEPTH = 20  # brackets inside brackets; a scenario needs 3, an overrides file 4


class FileRefused(ValueError):
    """The file cannot be used; the message says why."""


def read_bytes(path: Path | str, max_bytes: int) -> bytes:
    """The file's bytes, if it is a regular file of at most `max_bytes`.

    Opened without blocking (a named pipe with no writer would otherwise hang the open) and checked on the open
    descriptor (the path cannot be swapped between the check and the read); at most `max_bytes + 1` bytes are read."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError as exc:
        raise FileRefused("no such file") from exc
    except OSError as exc:
        raise FileRefused(f"cannot be opened ({exc.strerror or exc})") from exc
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = ("a directory" if stat.S_ISDIR(mode) else "a named pipe" if stat.S_ISFIFO(mode)
                    else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket or special file")
            raise FileRefused(f"{kind}, not a regular file")
        chunks, left = [], max_bytes + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as exc:
        raise FileRefused(f"cannot be read ({exc.strerror or exc})") from exc
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > max_bytes:
        raise FileRefused(f"larger than the limit of {max_bytes:,} bytes")
    return data


_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def decode_text(data: bytes, max_bytes: int | None = None) -> str:
    """Bytes as text: UTF-8 (with or without a BOM) or UTF-16 with a BOM (as Windows Notepad and Excel save it).

    Binary is refused: a NUL character in the decoded text (a UTF-16 file without a BOM is refused this way too:
    its ASCII letters carry NUL bytes), or bytes that are not valid in the encoding."""
    if max_bytes is not None and len(data) > max_bytes:
        raise FileRefused(f"file is {len(data):,} bytes; the limit is {max_bytes:,}")
    encoding = next((name for bom, name in _BOMS if data.startswith(bom)), "utf-8")
    if data.startswith(codecs.BOM_UTF32_LE):  # FF FE 00 00 also starts like UTF-16 LE
        raise FileRefused("file is UTF-32 text; save it as UTF-8 or UTF-16")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        if encoding == "utf-8" and b"\x00" in data[:8192]:
            raise FileRefused("file contains NUL bytes: it looks binary, not text") from exc
        shown = "UTF-8" if encoding.startswith("utf-8") else "UTF-16"
        raise FileRefused(f"file is not {shown} text (byte {exc.start}: {exc.reason})") from exc
    if "\x00" in text:
        raise FileRefused("file contains NUL bytes: it looks binary, not text")
    return text.removeprefix("\ufeff")


# Strings and comments are skipped so a bracket inside them does not count; an unterminated string only makes the
# count too high, and such a file is not valid anyway.
_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
_TOML_TOKENS = re.compile(r'"""(?:[^\\]|\\.)*?"""|\'\'\'.*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#[^\n]*|[\[\]{}]',
                          re.DOTALL)


def nesting_depth(text: str, syntax: str = "json", stop_above: int | None = None) -> int:
    """The deepest nesting of brackets and braces outside strings (and comments, for TOML); counting stops once it
    exceeds `stop_above`."""
    depth = deepest = 0
    for token in (_JSON_TOKENS if syntax == "json" else _TOML_TOKENS).finditer(text):
        mark = token.group()
        if mark in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if stop_above is not None and deepest > stop_above:
                break
        elif mark in "]}":
            depth = max(depth - 1, 0)
    return deepest


def _check_depth(text: str, syntax: str, max_depth: int) -> None:
    if nesting_depth(text, syntax, stop_above=max_depth) > max_depth:
        raise FileRefused(f"nested more than {max_depth} levels deep")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def loads_json(text: str, max_depth: int = MAX_DEPTH) -> Any:
    """JSON with bounded nesting; NaN and Infinity (which Python's json accepts) refused. Every failure: FileRefused."""
    _check_depth(text, "json", max_depth)
    try:
        return json.loads(text, parse_constant=_no_constant)
    except RecursionError as exc:  # the pre-scan should have caught it; never let it escape
        raise FileRefused(f"nested more than {max_depth} levels deep") from exc
    except ValueError as exc:  # JSONDecodeError, and ints longer than Python converts (4,300 digits)
        raise FileRefused(f"not valid JSON ({exc})") from exc


def loads_toml(text: str, max_depth: int = MAX_DEPTH) -> dict[str, Any]:
    """TOML with bounded nesting (tomllib recurses once per array or inline-table level). Every failure: FileRefused."""
    _check_depth(text, "toml", max_depth)
    try:
        return tomllib.loads(text)
    except RecursionError as exc:
        raise FileRefused(f"nested more than {max_depth} levels deep") from exc
    except (tomllib.TOMLDecodeError, ValueError) as exc:
        raise FileRefused(f"not valid TOML ({exc})") from exc


def read_text(path: Path | str, max_bytes: int) -> str:
    """A regular file of at most `max_bytes`, decoded as text (see `decode_text`)."""
    return decode_text(read_bytes(path, max_bytes))


def read_toml(path: Path | str, max_bytes: int, max_depth: int = MAX_DEPTH) -> dict[str, Any]:
    return loads_toml(read_text(path, max_bytes), max_depth)
