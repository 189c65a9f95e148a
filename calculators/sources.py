"""Sourced reference facts (data/sources.toml): every default cites one of these by key."""
from __future__ import annotations

import tomllib
from functools import cache

from pydantic import BaseModel, ConfigDict

from calculators.prices import DATA_DIR


class Source(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    claim: str
    source: str
    date: str
    url: str | None = None
    illustrative: bool = False

    def citation(self) -> str:
        """One line for a page: 'Source (date)', linked where a URL is known."""
        text = f"{self.source} ({self.date})"
        return f"[{text}]({self.url})" if self.url else text


@cache
def sources() -> dict[str, Source]:
    with open(DATA_DIR / "sources.toml", "rb") as f:
        return {key: Source.model_validate(value) for key, value in tomllib.load(f).items()}


def cite(key: str) -> Source:
    return sources()[key]
