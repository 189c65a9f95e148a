"""Price catalogue: genai-prices' bundled snapshot plus a validated local overrides file.

Every price is USD per million tokens. Nothing here touches the network: genai-prices ships its
data inside the package, and we never call its auto-updater.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEFAULT_OVERRIDES_PATH = DATA_DIR / "price_overrides.toml"
FLAGSHIPS_PATH = DATA_DIR / "flagship_models.toml"
OVERRIDES_ENV = "LLM_COST_LEVERS_PRICE_OVERRIDES"

PriceField = Literal["input", "output", "cache_read", "cache_write", "cache_write_1h"]
PRICE_FIELDS: tuple[PriceField, ...] = ("input", "output", "cache_read", "cache_write", "cache_write_1h")
_GENAI_KEY: dict[PriceField, str] = {
    "input": "input_mtok",
    "output": "output_mtok",
    "cache_read": "cache_read_mtok",
    "cache_write": "cache_write_mtok",
    "cache_write_1h": "cache_write_1h_mtok",
}

GENAI_PRICES_VERSION = version("genai-prices")
# Month the pinned genai-prices release was published on PyPI (pyproject pins the exact version).
GENAI_PRICES_RELEASED = "2026-11"


class TieredRate(BaseModel):
    """A per-million-token price with long-context cliffs.

    Above a tier's threshold (counted in total input tokens of the request) the *whole* request is
    billed at the tier price, not just the excess: genai-prices' and the providers' cliff semantics.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    base: float = Field(ge=0)
    tiers: tuple[tuple[int, float], ...] = ()  # (threshold in input tokens, price), ascending

    def at(self, total_input_tokens: float | np.ndarray) -> float | np.ndarray:
        """Price per MTok for a request with this many input tokens (scalar or array)."""
        if not self.tiers:
            return self.base if np.isscalar(total_input_tokens) else np.full(np.shape(total_input_tokens), self.base)
        tokens = np.asarray(total_input_tokens, dtype=float)
        rate = np.full(tokens.shape, self.base)
        for threshold, price in self.tiers:  # ascending, so the highest crossed tier wins
            rate = np.where(tokens > threshold, price, rate)
        return float(rate) if rate.ndim == 0 else rate


Tier = Literal["standard", "batch", "flex"]
TIERS: tuple[Tier, ...] = ("standard", "batch", "flex")
TIER_LABEL: dict[str, str] = {"standard": "standard", "batch": "batch (within 24 h)",
                              "flex": "flex (slower, best effort)"}


class RateSet(BaseModel):
    """One tier's prices (standard, batch or flex), USD per MTok, each with its long-context cliffs."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    input: TieredRate
    output: TieredRate
    cache_read: TieredRate | None = None
    cache_write: TieredRate | None = None  # 5-minute TTL write (Anthropic); absent = no write premium
    cache_write_1h: TieredRate | None = None

    def rate(self, field: PriceField, total_input_tokens: float | np.ndarray = 0) -> float | np.ndarray:
        """USD per MTok for `field`, honouring long-context cliffs.

        A missing cache price means the provider charges no premium and gives no discount: a cache read or
        write costs plain input (OpenAI writes, models without caching). A missing 1-hour write price falls
        back to the 5-minute one, never below it.
        """
        return self.tiered(field).at(total_input_tokens)

    def tiered(self, field: PriceField) -> TieredRate:
        """The price that bills `field`, with the fallbacks `rate` describes."""
        tiered = getattr(self, field)
        if tiered is None and field == "cache_write_1h":
            tiered = self.cache_write
        if tiered is None:
            tiered = self.input
        return tiered

    def scaled(self, factor: float) -> RateSet:
        def scale(rate: TieredRate | None) -> TieredRate | None:
            if rate is None:
                return None
            return TieredRate(base=rate.base * factor, tiers=tuple((t, p * factor) for t, p in rate.tiers))

        return RateSet(**{f: scale(getattr(self, f)) for f in PRICE_FIELDS})


# --- what a model is for ----------------------------------------------------------------------------------------

ModelKind = Literal["text", "alias", "speech", "transcription", "audio", "image", "video", "embedding", "moderation"]
KIND_LABEL: dict[str, str] = {
    "text": "text generation",
    "alias": "alias or tier row (~…, …-latest, …:batch)",
    "speech": "text-to-speech",
    "transcription": "transcription",
    "audio": "audio or realtime voice",
    "image": "image generation or OCR",
    "video": "video generation",
    "embedding": "embedding or reranking",
    "moderation": "safety classifier",
}

# A price for a generated image, video or sound, or for hours of audio, means the model makes media, not text.
# (An audio *input* price alone does not: Gemini 2.5 Flash prices audio input and answers in text.)
_UNIT_KIND: tuple[tuple[str, ModelKind], ...] = (
    ("output_video_mtok", "video"), ("output_image_mtok", "image"), ("output_audio_mtok", "audio"),
    ("audio_hours", "audio"), ("input_audio_hours", "audio"),
)
_WORD = r"(?<![a-z]){}(?![a-z])"  # a whole word inside an id: 'gemini-2.5-flash-tts', not 'settings'
_NAME_KIND: tuple[tuple[re.Pattern[str], ModelKind], ...] = (
    (re.compile(_WORD.format("tts") + "|text-to-speech"), "speech"),
    (re.compile(r"transcri|whisper|speech-to-text"), "transcription"),
    (re.compile(r"embed|rerank"), "embedding"),
    (re.compile(r"image|dall-e|imagen|nano-banana|stable-diffusion|ocr(?![a-z])"), "image"),
    (re.compile(r"realtime|audio|sonic|voxtral|" + _WORD.format("live")), "audio"),
    (re.compile(r"video|gemini-omni|" + _WORD.format("veo") + "|" + _WORD.format("sora")), "video"),
    (re.compile(r"guard|moderation"), "moderation"),
)
_DESCRIPTION_KIND: tuple[tuple[re.Pattern[str], ModelKind], ...] = (
    (re.compile(r"text-to-speech"), "speech"), (re.compile(r"audio-to-audio"), "audio"),
    (re.compile(r"image generation"), "image"), (re.compile(r"video generation"), "video"),
    (re.compile(r"embedding model"), "embedding"),
)
# A row that points at another model or re-lists one at another tier: OpenRouter's '~vendor/…' routers, '…-latest'
# pointers, and ':batch' rows (the batch price of a model listed on its own).
_ALIAS = re.compile(r"(^|/)~|(^|[-_./:])latest$|:batch$")


def model_kind(model_id: str, name: str | None = None, price_units: Iterable[str] = (),
               description: str | None = None) -> ModelKind:
    """What a catalogue row is for, from genai-prices' data: "text" for a text-generation model a workload can move
    to; otherwise the reason it is kept out of the model picker and the comparison.

    In order: an alias or tier row (by its id); a price unit for generated media; a word in the id or name (tts,
    transcribe, embed, image, realtime, live, guard...); a phrase in genai-prices' description ("text-to-speech",
    "image generation"...). Anything else is a text model."""
    ident = model_id.lower()
    if _ALIAS.search(ident):
        return "alias"
    units = set(price_units)
    for unit, kind in _UNIT_KIND:
        if unit in units:
            return kind
    words = f"{ident} {(name or '').lower()}"
    for pattern, kind in _NAME_KIND:
        if pattern.search(words):
            return kind
    about = (description or "").lower()
    for pattern, kind in _DESCRIPTION_KIND:
        if pattern.search(about):
            return kind
    return "text"


def display_name(model_id: str, name: str | None) -> str:
    """The name a model goes by: genai-prices' name, unless it is missing or only the id in lower case with spaces for
    dashes ('gpt 4o mini' for gpt-4o-mini), where the id reads better."""
    if not name:
        return model_id
    if name == name.lower() and name.replace(" ", "-") == model_id.lower():
        return model_id
    return name


class ModelPrices(BaseModel):
    """One model's prices at one provider, with where they came from.

    The standard tier's rates are the top-level fields; batch and flex tiers, where the provider publishes
    them, are whole rate sets (cache prices included, so a provider that halves cache prices under batch is
    priced that way).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    provider_id: str
    provider_name: str
    model_id: str
    model_name: str
    input: TieredRate
    output: TieredRate
    cache_read: TieredRate | None = None
    cache_write: TieredRate | None = None  # 5-minute TTL write (Anthropic); absent = no write premium
    cache_write_1h: TieredRate | None = None
    batch: RateSet | None = None
    flex: RateSet | None = None
    context_window: int | None = None
    source: str
    source_date: str
    deprecated: bool = False
    kind: ModelKind = "text"  # see model_kind
    # a negotiated or self-hosted price (the overrides file): the enterprise discount is already in it
    net: bool = False

    @property
    def key(self) -> str:
        return f"{self.provider_id}/{self.model_id}"

    @property
    def label(self) -> str:
        return f"{self.provider_name} · {self.model_name}"

    @property
    def output_input_ratio(self) -> float | None:
        return self.output.base / self.input.base if self.input.base > 0 else None

    @property
    def has_tiers(self) -> bool:
        return any(r is not None and r.tiers for r in (self.input, self.output, self.cache_read, self.cache_write))

    @property
    def standard(self) -> RateSet:
        # The fields are validated rates already: construct without validating again (the comparison of every model
        # asks for it thousands of times).
        return RateSet.model_construct(**{f: getattr(self, f) for f in PRICE_FIELDS})

    def rates(self, tier: Tier = "standard") -> RateSet | None:
        """The rate set of a service tier; None where the provider publishes no such tier for this model."""
        return self.standard if tier == "standard" else getattr(self, tier)

    @property
    def batch_input(self) -> float | None:
        return self.batch.input.base if self.batch is not None else None

    @property
    def batch_output(self) -> float | None:
        return self.batch.output.base if self.batch is not None else None

    @property
    def batch_discount(self) -> float | None:
        """Fractional batch discount on input (e.g. 0.5), where a batch price is published."""
        if self.batch is None or self.input.base == 0:
            return None
        return 1 - self.batch.input.base / self.input.base

    @property
    def caches_automatically(self) -> bool:
        """A cache-read price with no write premium: the provider caches repeated prefixes on its own
        (OpenAI, DeepSeek, Gemini's implicit caching). A write price means caching is opt-in (Anthropic)."""
        return self.cache_read is not None and self.cache_write is None

    def rate(self, field: PriceField, total_input_tokens: float | np.ndarray = 0) -> float | np.ndarray:
        """USD per MTok for `field` at the standard tier, honouring long-context cliffs (see RateSet.rate)."""
        return self.standard.rate(field, total_input_tokens)

    def scaled(self, factor: float, note: str) -> ModelPrices:
        """Every price multiplied by `factor` (an enterprise discount); the source says so. A net price (negotiated or
        self-hosted, from the overrides file) is left as it is: discounting it again would count the discount twice."""
        if factor == 1.0 or self.net:
            return self
        standard = self.standard.scaled(factor)
        return self.model_copy(update={
            **{f: getattr(standard, f) for f in PRICE_FIELDS},
            "batch": None if self.batch is None else self.batch.scaled(factor),
            "flex": None if self.flex is None else self.flex.scaled(factor),
            "source": f"{self.source}; {note}",
        })

    def multiplier(self, field: PriceField) -> float:
        """A cache price relative to base input, e.g. 1.25 for an Anthropic 5-minute write."""
        return float(self.rate(field)) / self.input.base if self.input.base > 0 else 1.0


# --- genai-prices snapshot -------------------------------------------------------------------


def _as_rate(value: object) -> TieredRate | None:
    from genai_prices.types import TieredPrices

    if value is None:
        return None
    if isinstance(value, TieredPrices):
        return TieredRate(base=float(value.base), tiers=tuple((t.start, float(t.price)) for t in value.tiers))
    if isinstance(value, Decimal | int | float):
        return TieredRate(base=float(value))
    return None


def _reference_time() -> dt.datetime:
    # Noon UTC today: picks today's list prices, never an off-peak window (DeepSeek prices by time of day).
    return dt.datetime.combine(dt.datetime.now(dt.UTC).date(), dt.time(12), tzinfo=dt.UTC)


def _rate_set(price: object) -> RateSet | None:
    rates = {field: _as_rate(getattr(price, _GENAI_KEY[field])) for field in PRICE_FIELDS}
    if rates["input"] is None or rates["output"] is None:
        return None
    return RateSet(**rates)


def _variant(info: object, when: dt.datetime, key: str, value: str) -> RateSet | None:
    """A published tier (batch processing, flex service tier): genai-prices merges it over the standard
    prices, so a cache price the variant does not list is the standard one."""
    if not any(v.when.get(key) == value for v in info.price_variants or ()):
        return None
    return _rate_set(info.get_prices(when, {key: value}))


@cache
def bundled_catalogue() -> tuple[ModelPrices, ...]:
    """Every text model in genai-prices' bundled snapshot that has both an input and an output price."""
    from genai_prices.data import providers

    when = _reference_time()
    source = f"genai-prices {GENAI_PRICES_VERSION} bundled snapshot"
    models: list[ModelPrices] = []
    for provider in providers:
        for info in provider.models:
            price = info.get_prices(when)
            standard = _rate_set(price)
            if standard is None:
                continue
            units = [unit for unit, value in vars(price).items() if value is not None and not unit.startswith("_")]
            batch = _variant(info, when, "processing", "batch")
            flex = _variant(info, when, "service_tier", "flex")
            models.append(
                ModelPrices(
                    provider_id=provider.id,
                    provider_name=provider.name,
                    model_id=info.id,
                    model_name=display_name(info.id, info.name),
                    **{f: getattr(standard, f) for f in PRICE_FIELDS},
                    batch=batch if batch is not None and batch != standard else None,
                    flex=flex if flex is not None and flex != standard else None,
                    context_window=info.context_window,
                    source=source,
                    source_date=GENAI_PRICES_RELEASED,
                    deprecated=bool(info.deprecated),
                    kind=model_kind(info.id, info.name, units, info.description),
                )
            )
    return tuple(with_fine_tune_windows(models))


def with_fine_tune_windows(models: list[ModelPrices]) -> list[ModelPrices]:
    """A fine-tuned model ('ft:gpt-4o-mini') has its base model's context window; genai-prices lists none for it, and
    without one a call too big for the model would be priced instead of refused."""
    windows = {(m.provider_id, m.model_id): m.context_window for m in models if m.context_window}
    out = []
    for m in models:
        base = (m.provider_id, m.model_id.removeprefix("ft:").rstrip("-"))
        if m.context_window is None and m.model_id.startswith("ft:") and base in windows:
            m = m.model_copy(update={"context_window": windows[base]})
        out.append(m)
    return out


# --- local overrides ---------------------------------------------------------------------------


_MTOK = Field(None, ge=0, le=10_000)  # USD per million tokens


class TierOverride(BaseModel):
    """One `[[model.tier]]` (or `[[model.batch.tier]]`, `[[model.flex.tier]]`): the prices of a request whose whole
    input, cache reads included, is above `above_tokens` (a cliff, as in the catalogue). A price the tier does not give
    does not change at this threshold."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    above_tokens: int = Field(ge=1, le=100_000_000)
    input_mtok: float | None = _MTOK
    output_mtok: float | None = _MTOK
    cache_read_mtok: float | None = _MTOK
    cache_write_mtok: float | None = _MTOK
    cache_write_1h_mtok: float | None = _MTOK

    @model_validator(mode="after")
    def _prices_something(self) -> TierOverride:
        if all(getattr(self, f"{f}_mtok") is None for f in PRICE_FIELDS):
            raise ValueError(f"the tier above {self.above_tokens:,} tokens gives no price")
        _check_cache_read(self)
        return self


class RateOverride(BaseModel):
    """`[model.batch]` or `[model.flex]`: a service tier's prices. As in genai-prices, a price the block does not give
    (neither flat nor in one of its tiers) is the standard one, tiers included."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    input_mtok: float | None = _MTOK
    output_mtok: float | None = _MTOK
    cache_read_mtok: float | None = _MTOK
    cache_write_mtok: float | None = _MTOK
    cache_write_1h_mtok: float | None = _MTOK
    tier: tuple[TierOverride, ...] = Field((), max_length=20)

    @model_validator(mode="after")
    def _consistent(self) -> RateOverride:
        _check_cache_read(self)
        _check_tiers(self.tier)
        return self

    def rate_set(self, fallback: RateSet) -> RateSet:
        """This block's rates, each price it does not give taken from `fallback` (for the standard block, a fallback
        with no cache prices: a cache price the file does not give does not exist)."""
        return RateSet(**{f: _tiered(getattr(self, f"{f}_mtok"), f, self.tier, getattr(fallback, f))
                          for f in PRICE_FIELDS})


def _check_cache_read(prices: TierOverride | RateOverride | PriceOverride) -> None:
    read, paid = prices.cache_read_mtok, prices.input_mtok
    if read is not None and paid is not None and read > paid:
        raise ValueError("cache_read_mtok must not exceed input_mtok")


def _check_tiers(tiers: tuple[TierOverride, ...]) -> None:
    thresholds = [t.above_tokens for t in tiers]
    if thresholds != sorted(set(thresholds)):
        raise ValueError(f"tiers must be listed by above_tokens, ascending and distinct (got {thresholds})")


def _tiered(flat: float | None, field: PriceField, tiers: tuple[TierOverride, ...],
            fallback: TieredRate | None) -> TieredRate | None:
    cliffs = tuple((t.above_tokens, getattr(t, f"{field}_mtok")) for t in tiers
                   if getattr(t, f"{field}_mtok") is not None)
    if flat is None and not cliffs:
        return fallback
    if flat is None and fallback is None:
        raise ValueError(f"a tier gives {field}_mtok but the entry has no {field}_mtok to start from")
    return TieredRate(base=fallback.base if flat is None else flat, tiers=cliffs)


class PriceOverride(BaseModel):
    """One `[[model]]` entry of the overrides file (and one team price in the library): a negotiated rate or a
    self-hosted model, with everything the catalogue holds: long-context tiers (`[[model.tier]]`), batch and flex rate
    sets (`[model.batch]`, `[model.flex]`, each with its own tiers), cache writes at 5 minutes and 1 hour, and the
    context window."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    provider: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9._-]+$")
    model: str = Field(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9._:/-]+$")
    name: str | None = Field(None, max_length=120)
    provider_name: str | None = Field(None, max_length=80)
    input_mtok: float = Field(ge=0, le=10_000)
    output_mtok: float = Field(ge=0, le=10_000)
    cache_read_mtok: float | None = _MTOK
    cache_write_mtok: float | None = _MTOK
    cache_write_1h_mtok: float | None = _MTOK
    tier: tuple[TierOverride, ...] = Field((), max_length=20)
    batch: RateOverride | None = None
    flex: RateOverride | None = None
    # Shorthand kept from the first format: `batch_input_mtok = 1.5` is `[model.batch] input_mtok = 1.5`.
    batch_input_mtok: float | None = _MTOK
    batch_output_mtok: float | None = _MTOK
    context_window: int | None = Field(None, ge=1, le=100_000_000)
    source: str = Field(min_length=1, max_length=300)
    source_date: dt.date

    @model_validator(mode="after")
    def _consistent(self) -> PriceOverride:
        _check_cache_read(self)
        _check_tiers(self.tier)
        if self.batch is not None and (self.batch_input_mtok is not None or self.batch_output_mtok is not None):
            raise ValueError("give batch prices either as batch_input_mtok/batch_output_mtok or as [model.batch], "
                             "not both")
        self.to_prices()  # a tier price with no flat price to start from is reported here, naming the entry
        return self

    def _batch_block(self) -> RateOverride | None:
        if self.batch_input_mtok is None and self.batch_output_mtok is None:
            return self.batch
        return RateOverride(input_mtok=self.batch_input_mtok, output_mtok=self.batch_output_mtok)

    def to_prices(self) -> ModelPrices:
        no_cache = RateSet(input=TieredRate(base=self.input_mtok), output=TieredRate(base=self.output_mtok))
        standard = RateOverride(**{f"{f}_mtok": getattr(self, f"{f}_mtok") for f in PRICE_FIELDS},
                                tier=self.tier).rate_set(no_cache)
        batch, flex = self._batch_block(), self.flex
        return ModelPrices(
            provider_id=self.provider,
            provider_name=self.provider_name or self.provider,
            model_id=self.model,
            model_name=self.name or self.model,
            **{f: getattr(standard, f) for f in PRICE_FIELDS},
            batch=None if batch is None else batch.rate_set(standard),
            flex=None if flex is None else flex.rate_set(standard),
            context_window=self.context_window,
            source=f"local overrides: {self.source}",
            kind=model_kind(self.model, self.name),
            net=True,
            source_date=self.source_date.isoformat(),
        )


class OverridesFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    model: tuple[PriceOverride, ...] = Field(default=(), max_length=1000)


class OverridesError(ValueError):
    """The overrides file is unreadable or invalid; the message names the file, entry and field."""


MAX_OVERRIDES_BYTES = 1_000_000


def load_overrides(path: Path, required: bool = False) -> tuple[ModelPrices, ...]:
    """Parse and validate an overrides file. A missing file means no overrides, unless the operator named it
    (`required`): then it is an error, so a mistyped path is not silently ignored.

    Read with safe_files: a regular file only (never a pipe or a device), at most MAX_OVERRIDES_BYTES, nesting
    bounded; every failure is an OverridesError naming the file."""
    from calculators.safe_files import FileRefused, read_toml

    if not required and not os.path.lexists(path):
        return ()
    try:
        document = read_toml(path, MAX_OVERRIDES_BYTES)
    except FileRefused as exc:
        if not os.path.lexists(path):
            raise OverridesError(f"{path}: no such file (set by {OVERRIDES_ENV})") from exc
        raise OverridesError(f"{path}: not a readable TOML file ({exc})") from exc
    try:
        parsed = OverridesFile.model_validate(document)
    except ValidationError as exc:
        raise OverridesError(_describe(path, document, exc)) from exc
    return tuple(entry.to_prices() for entry in parsed.model)


def _describe(path: Path, document: dict, exc: ValidationError) -> str:
    problems = []
    entries = document.get("model") if isinstance(document.get("model"), list) else []
    for err in exc.errors():
        loc = list(err["loc"])
        where = "top level"
        if len(loc) >= 2 and loc[0] == "model" and isinstance(loc[1], int):
            entry = entries[loc[1]] if loc[1] < len(entries) and isinstance(entries[loc[1]], dict) else {}
            name = entry.get("model", "?")
            field = ".".join(str(p) for p in loc[2:]) or "(entry)"
            where = f"entry {loc[1] + 1} (model {name!r}), field {field!r}"
        elif loc:
            where = f"field {'.'.join(str(p) for p in loc)!r}"
        problems.append(f"{where}: {err['msg']}")
    return f"{path}: " + "; ".join(problems)


# --- the catalogue the app uses -----------------------------------------------------------------


class _PickerLabels(dict[str, str]):
    """Picker labels by model key; an unknown key is its own label."""

    def __missing__(self, key: str) -> str:
        return key


@dataclass(frozen=True)
class Catalogue:
    models: tuple[ModelPrices, ...]
    overrides_error: str | None  # set when the overrides file was rejected; bundled prices still apply
    overrides_path: Path
    overrides_count: int
    _index: dict[str, ModelPrices] = field(init=False, repr=False, compare=False)
    _sorted_keys: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index = {m.key: m for m in self.models}
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_sorted_keys", tuple(sorted(index)))

    def get(self, key: str) -> ModelPrices:
        """Look up 'provider/model'; raises KeyError for unknown keys."""
        return self._index[key]

    def keys(self) -> tuple[str, ...]:
        """Every 'provider/model' key, sorted."""
        return self._sorted_keys

    def keys_in(self, text: str) -> list[str]:
        """The keys that occur in `text` as substrings (`k in text` for every key), found through each provider's
        'provider/' prefix first: a sentence names a few models, the catalogue holds thousands."""
        if "_by_provider" not in self.__dict__:
            groups: dict[str, list[str]] = {}
            for key in self._sorted_keys:
                groups.setdefault(key.split("/", 1)[0] + "/" if "/" in key else key, []).append(key)
            object.__setattr__(self, "_by_provider", groups)
        return [k for prefix, keys in self.__dict__["_by_provider"].items() if prefix in text
                for k in keys if k in text]

    def text_models(self) -> tuple[ModelPrices, ...]:
        """The text-generation models (see model_kind): what a workload can move to."""
        return tuple(m for m in self.models if m.kind == "text")

    def picker_keys(self, show_all: bool = False, keep: Iterable[str] = ()) -> list[str]:
        """The model picker's options in the order of their labels: the text-generation models (every model with
        `show_all`), plus any model in `keep` (the linked or default model stays selectable while hidden)."""
        order = self._picker()[0]
        if show_all:
            return list(order)
        text = self._picker_text()
        hidden = {k for k in keep if k in self._index} - text[1]
        if not hidden:  # every kept model is a text model already listed: the list every rerun asks for, built once
            return list(text[0])
        return [k for k in order if k in hidden or k in text[1]]

    def _picker_text(self) -> tuple[tuple[str, ...], frozenset[str]]:
        """The text-generation models in the picker's order, and as a set."""
        if "_picker_text_cache" not in self.__dict__:
            keys = tuple(k for k in self._picker()[0] if self._index[k].kind == "text")
            object.__setattr__(self, "_picker_text_cache", (keys, frozenset(keys)))
        return self.__dict__["_picker_text_cache"]

    def picker_label(self, key: str) -> str:
        """A model's label in a picker: 'Provider · name', with the id where two models share a name, and what it is
        for where that is not text generation. An unknown key shows as itself."""
        return self._picker()[1][key]

    def picker_format(self) -> Callable[[str], str]:
        """`picker_label` as a select box's format_func: the same labels, looked up without a Python call per option
        (Streamlit formats every option of the model picker, over a thousand, on every rerun)."""
        return self._picker()[1].__getitem__

    def _picker(self) -> tuple[tuple[str, ...], _PickerLabels]:
        if "_picker_cache" not in self.__dict__:
            base = {m.key: m.label for m in self._index.values()}
            shared = {label for label, n in Counter(base.values()).items() if n > 1}
            labels = _PickerLabels()
            for key, m in self._index.items():
                label = f"{base[key]} ({m.model_id})" if base[key] in shared else base[key]
                notes = ([KIND_LABEL[m.kind]] if m.kind != "text" else []) + (["deprecated"] if m.deprecated else [])
                labels[key] = label + (f" — {', '.join(notes)}" if notes else "")
            order = tuple(sorted(labels, key=lambda k: (labels[k].casefold(), k)))
            object.__setattr__(self, "_picker_cache", (order, labels))
        return self.__dict__["_picker_cache"]

    def scaled(self, factor: float, note: str) -> Catalogue:
        """The same catalogue with every price multiplied by `factor`: an enterprise discount."""
        if factor == 1.0:
            return self
        return Catalogue(models=tuple(m.scaled(factor, note) for m in self.models),
                         overrides_error=self.overrides_error, overrides_path=self.overrides_path,
                         overrides_count=self.overrides_count)

    def frame(self) -> pd.DataFrame:
        """The catalogue as a table (one row per model) for display and CSV download (built once; a copy)."""
        if "_frame" not in self.__dict__:
            object.__setattr__(self, "_frame", self._build_frame())
        return self.__dict__["_frame"].copy()

    def _build_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "provider": m.provider_name,
                "model": m.model_id,
                "name": m.model_name,
                "input /MTok": m.input.base,
                "output /MTok": m.output.base,
                "output/input": m.output_input_ratio,
                "cache read /MTok": m.cache_read.base if m.cache_read else None,
                "cache write 5m /MTok": m.cache_write.base if m.cache_write else None,
                "cache write 1h /MTok": m.cache_write_1h.base if m.cache_write_1h else None,
                "batch input /MTok": m.batch_input,
                "batch output /MTok": m.batch_output,
                "flex input /MTok": m.flex.input.base if m.flex else None,
                "flex output /MTok": m.flex.output.base if m.flex else None,
                "long-context tiers": "yes" if m.has_tiers else "",
                "context window": m.context_window,
                "deprecated": m.deprecated,
                "kind": KIND_LABEL[m.kind],
                "key": m.key,
                "source": m.source,
                "source date": m.source_date,
            }
            for m in self.models
        )


def overrides_path() -> Path:
    return Path(os.environ.get(OVERRIDES_ENV, DEFAULT_OVERRIDES_PATH))


def build_catalogue(path: Path | None = None) -> Catalogue:
    """Bundled prices with the overrides file applied on top (an override replaces the same key).

    A broken overrides file never takes the app down: its error is reported and the bundled prices
    are used unchanged.
    """
    path = path or overrides_path()
    bundled = bundled_catalogue()
    configured = OVERRIDES_ENV in os.environ and path == overrides_path()  # the operator named it: must exist
    try:
        extra = load_overrides(path, required=configured)
        error = None
    except OverridesError as exc:
        extra, error = (), str(exc)
    return Catalogue(models=replace_models(bundled, extra), overrides_error=error, overrides_path=path,
                     overrides_count=len(extra))


def replace_models(base: Iterable[ModelPrices], extra: Iterable[ModelPrices]) -> tuple[ModelPrices, ...]:
    """`base` with each model of `extra` replacing the same provider/model key (overrides file, team prices).

    An entry that gives no display names (its names fell back to the ids) keeps the replaced model's names and kind,
    so a negotiated price changes the money, never the model's label or the picker it sits in."""
    base = tuple(base)
    known = {m.key: m for m in base}
    merged = []
    for m in extra:
        old = known.get(m.key)
        if old is not None:
            update = {}
            if m.model_name == m.model_id:
                update |= {"model_name": old.model_name, "kind": old.kind}
            if m.provider_name == m.provider_id:
                update["provider_name"] = old.provider_name
            m = m.model_copy(update=update) if update else m
        merged.append(m)
    replaced = {m.key for m in merged}
    return tuple(m for m in base if m.key not in replaced) + tuple(merged)


# --- the Prices page's table ---------------------------------------------------------------------

PRICE_COLUMNS = (
    "input /MTok", "output /MTok", "cache read /MTok", "cache write 5m /MTok", "cache write 1h /MTok",
    "batch input /MTok", "batch output /MTok", "flex input /MTok", "flex output /MTok",
)
SORTABLE = (*PRICE_COLUMNS, "output/input", "context window", "provider", "model")


def catalogue_table(frame: pd.DataFrame, *, providers: list[str] | None = None, sort_by: str = "input /MTok",
                    descending: bool = False, hide_deprecated: bool = True,
                    keys: Collection[str] | None = None) -> pd.DataFrame:
    """Filter by provider and by model key (a short list such as the flagships), drop deprecated models, sort by any
    column (missing values last)."""
    if sort_by not in SORTABLE:
        raise ValueError(f"cannot sort by {sort_by!r}")
    view = frame
    if keys is not None:
        view = view[view["key"].isin(list(keys))]
    if providers:
        view = view[view["provider"].isin(providers)]
    if hide_deprecated:
        view = view[~view["deprecated"]]
    return view.sort_values(sort_by, ascending=not descending, na_position="last", kind="stable")


# --- the current flagship models: what the Prices page opens on -------------------------------------------------


class Flagships(BaseModel):
    """A short, dated list of the main providers' newest text models (data/flagship_models.toml), with its source."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    as_of: dt.date
    source: str = Field(min_length=1, max_length=400)
    models: tuple[str, ...] = Field(min_length=1, max_length=60)


@cache
def flagships(path: Path = FLAGSHIPS_PATH) -> Flagships:
    with open(path, "rb") as f:
        return Flagships.model_validate(tomllib.load(f))


OVERRIDES_HELP = f"""
Put negotiated rates or self-hosted models in `data/price_overrides.toml` (or point the environment variable
`{OVERRIDES_ENV}` at another file). Each `[[model]]` entry adds a model, or replaces the bundled one with the
same provider and model id. Prices are USD per million tokens; `source` and `source_date` are required so every
number on screen can be traced.

```toml
[[model]]
provider = "self-hosted"          # letters, digits, . _ -
model = "llama-3.3-70b-vllm"
name = "Llama 3.3 70B on our H100s"
input_mtok = 0.40
output_mtok = 0.40
cache_read_mtok = 0.10            # optional; also cache_write_mtok (5-minute write), cache_write_1h_mtok
context_window = 128000           # optional: a call that does not fit is refused, not priced
source = "FinOps GPU cost model, 2026 Q4"
source_date = 2026-11-01

[[model]]                         # a negotiated rate with everything the catalogue holds
provider = "anthropic"
model = "claude-sonnet-4-5"
input_mtok = 2.70
output_mtok = 13.50
cache_read_mtok = 0.27
cache_write_mtok = 3.375
cache_write_1h_mtok = 5.40
context_window = 1000000
source = "MSA 2026-114, schedule B"
source_date = 2026-10-01

[[model.tier]]                    # a request whose whole input (cache reads included) is above 200k tokens:
above_tokens = 200000             # every token of it at these prices (a cliff, as in the catalogue)
input_mtok = 5.40
output_mtok = 20.25
cache_read_mtok = 0.54
cache_write_mtok = 6.75
cache_write_1h_mtok = 10.80

[model.batch]                     # batch prices; a price not given here is the standard one, tiers included
input_mtok = 1.35
output_mtok = 6.75

[[model.batch.tier]]
above_tokens = 200000
input_mtok = 2.70
output_mtok = 10.125

[model.flex]                      # flex (slower, best effort): same form as [model.batch]
input_mtok = 1.35
```

A tier lists only the prices that change at its threshold; list tiers by `above_tokens`, ascending. The older
shorthand `batch_input_mtok` / `batch_output_mtok` still works (not together with `[model.batch]`).

These prices are taken as net: the sidebar's enterprise discount applies to the bundled list prices, never to an
override (it already is your price). A malformed file is rejected as a whole with a message naming the file, the
entry and the field; the app keeps running on the bundled prices.
"""
