"""Price catalogue: genai-prices' bundled snapshot plus a validated local overrides file.

Every price is USD per million tokens. Nothing here touches the network: genai-prices ships its
data inside the package, and we never call its auto-updater.
"""
from __future__ import annotations

import datetime as dt
import os
import tomllib
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
TIER_LABEL: dict[str, str] = {"standard": "standard", "batch": "batch (within 24 h)", "flex": "flex (slower, best effort)"}


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
        tiered = getattr(self, field)
        if tiered is None and field == "cache_write_1h":
            tiered = self.cache_write
        if tiered is None:
            tiered = self.input
        return tiered.at(total_input_tokens)

    def scaled(self, factor: float) -> RateSet:
        def scale(rate: TieredRate | None) -> TieredRate | None:
            if rate is None:
                return None
            return TieredRate(base=rate.base * factor, tiers=tuple((t, p * factor) for t, p in rate.tiers))

        return RateSet(**{f: scale(getattr(self, f)) for f in PRICE_FIELDS})


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
    net: bool = False  # a negotiated or self-hosted price (the overrides file): the enterprise discount is already in it

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
        return RateSet(**{f: getattr(self, f) for f in PRICE_FIELDS})

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
            standard = _rate_set(info.get_prices(when))
            if standard is None:
                continue
            batch = _variant(info, when, "processing", "batch")
            flex = _variant(info, when, "service_tier", "flex")
            models.append(
                ModelPrices(
                    provider_id=provider.id,
                    provider_name=provider.name,
                    model_id=info.id,
                    model_name=info.name or info.id,
                    **{f: getattr(standard, f) for f in PRICE_FIELDS},
                    batch=batch if batch is not None and batch != standard else None,
                    flex=flex if flex is not None and flex != standard else None,
                    context_window=info.context_window,
                    source=source,
                    source_date=GENAI_PRICES_RELEASED,
                    deprecated=bool(info.deprecated),
                )
            )
    return tuple(models)


# --- local overrides ---------------------------------------------------------------------------


class PriceOverride(BaseModel):
    """One `[[model]]` entry of the overrides file: a negotiated rate or a self-hosted model."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    provider: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9._-]+$")
    model: str = Field(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9._:/-]+$")
    name: str | None = Field(None, max_length=120)
    provider_name: str | None = Field(None, max_length=80)
    input_mtok: float = Field(ge=0, le=10_000)
    output_mtok: float = Field(ge=0, le=10_000)
    cache_read_mtok: float | None = Field(None, ge=0, le=10_000)
    cache_write_mtok: float | None = Field(None, ge=0, le=10_000)
    cache_write_1h_mtok: float | None = Field(None, ge=0, le=10_000)
    batch_input_mtok: float | None = Field(None, ge=0, le=10_000)
    batch_output_mtok: float | None = Field(None, ge=0, le=10_000)
    context_window: int | None = Field(None, ge=1, le=100_000_000)
    source: str = Field(min_length=1, max_length=300)
    source_date: dt.date

    @model_validator(mode="after")
    def _cache_read_not_dearer(self) -> PriceOverride:
        if self.cache_read_mtok is not None and self.cache_read_mtok > self.input_mtok:
            raise ValueError("cache_read_mtok must not exceed input_mtok")
        return self

    def to_prices(self) -> ModelPrices:
        def rate(v: float | None) -> TieredRate | None:
            return None if v is None else TieredRate(base=v)

        standard = RateSet(input=TieredRate(base=self.input_mtok), output=TieredRate(base=self.output_mtok),
                           cache_read=rate(self.cache_read_mtok), cache_write=rate(self.cache_write_mtok),
                           cache_write_1h=rate(self.cache_write_1h_mtok))
        batch = None
        if self.batch_input_mtok is not None or self.batch_output_mtok is not None:
            # As in genai-prices, a batch price the file does not give is the standard one.
            batch = standard.model_copy(update={
                "input": rate(self.batch_input_mtok) or standard.input,
                "output": rate(self.batch_output_mtok) or standard.output,
            })
        return ModelPrices(
            provider_id=self.provider,
            provider_name=self.provider_name or self.provider,
            model_id=self.model,
            model_name=self.name or self.model,
            **{f: getattr(standard, f) for f in PRICE_FIELDS},
            batch=batch,
            context_window=self.context_window,
            source=f"local overrides: {self.source}",
            net=True,
            source_date=self.source_date.isoformat(),
        )


class OverridesFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    model: tuple[PriceOverride, ...] = Field(default=(), max_length=1000)


class OverridesError(ValueError):
    """The overrides file is unreadable or invalid; the message names the file, entry and field."""


MAX_OVERRIDES_BYTES = 1_000_000


def load_overrides(path: Path) -> tuple[ModelPrices, ...]:
    """Parse and validate an overrides file. A missing file means no overrides."""
    if not path.exists():
        return ()
    try:
        raw = path.read_bytes()
        if len(raw) > MAX_OVERRIDES_BYTES:
            raise OverridesError(f"{path}: file is larger than {MAX_OVERRIDES_BYTES:,} bytes")
        document = tomllib.loads(raw.decode("utf-8"))
    except OverridesError:
        raise
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
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
    try:
        extra = load_overrides(path)
        error = None
    except OverridesError as exc:
        extra, error = (), str(exc)
    replaced = {m.key for m in extra}
    models = tuple(m for m in bundled if m.key not in replaced) + extra
    return Catalogue(models=models, overrides_error=error, overrides_path=path, overrides_count=len(extra))


# --- the Prices page's table ---------------------------------------------------------------------

PRICE_COLUMNS = (
    "input /MTok", "output /MTok", "cache read /MTok", "cache write 5m /MTok", "cache write 1h /MTok",
    "batch input /MTok", "batch output /MTok", "flex input /MTok", "flex output /MTok",
)
SORTABLE = (*PRICE_COLUMNS, "output/input", "context window", "provider", "model")


def catalogue_table(frame: pd.DataFrame, *, providers: list[str] | None = None, sort_by: str = "input /MTok",
                    descending: bool = False, hide_deprecated: bool = True) -> pd.DataFrame:
    """Filter by provider, drop deprecated models, sort by any column (missing values last)."""
    if sort_by not in SORTABLE:
        raise ValueError(f"cannot sort by {sort_by!r}")
    view = frame
    if providers:
        view = view[view["provider"].isin(providers)]
    if hide_deprecated:
        view = view[~view["deprecated"]]
    return view.sort_values(sort_by, ascending=not descending, na_position="last", kind="stable")


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
cache_read_mtok = 0.10            # optional; also cache_write_mtok, cache_write_1h_mtok
batch_input_mtok = 0.20           # optional; also batch_output_mtok
context_window = 128000           # optional
source = "FinOps GPU cost model, 2026 Q4"
source_date = 2026-11-01
```

These prices are taken as net: the sidebar's enterprise discount applies to the bundled list prices, never to an
override (it already is your price). A malformed file is rejected as a whole with a message naming the file, the
entry and the field; the app keeps running on the bundled prices.
"""
