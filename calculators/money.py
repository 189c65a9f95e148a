"""Money in the user's terms: a currency with a user-entered exchange rate, and an enterprise discount.

Two different things, kept apart:
- the **discount** is a fact about prices: it is applied once, to the price catalogue (every list price
  x (1 - discount)), so every bill is net of it;
- the **currency** is a way of showing money: the calculators work in USD throughout, money typed on a
  page is converted to USD before it reaches them (divided by the rate), and every money figure is
  converted for display (multiplied by the rate). Tokens, months and rates never change with currency.

No rate, no conversion: until the user enters a rate, a chosen currency changes nothing (figures stay in USD and
say so). A default rate of 1 would print dollars with a euro sign.
"""
from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "CNY": "¥", "KRW": "₩", "BRL": "R$",
           "CAD": "C$", "AUD": "A$", "CHF": "CHF ", "SEK": "kr ", "NOK": "kr ", "DKK": "kr "}
CURRENCIES = tuple(SYMBOLS)


class MoneySettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    currency: str = Field("USD", pattern=r"^[A-Z]{3}$", title="Currency",
                          description="Figures are shown in this currency, converted at the rate below.")
    rate_per_usd: float | None = Field(None, gt=0, le=100_000, title="Exchange rate (units per 1 USD)",
                                       json_schema_extra={"step": 0.01, "format": "%.4f"},
                                       description="Your rate: list prices are in USD. Enter it with its date; until "
                                       "then figures stay in USD.")
    rate_date: dt.date | None = Field(None, title="Rate date", description="When the exchange rate was taken.")
    discount: float = Field(0.0, ge=0, le=0.95, title="Enterprise discount", json_schema_extra={"percent": True},
                            description="Negotiated discount off list prices, applied to every model's price.")

    @property
    def converting(self) -> bool:
        """A currency other than USD with its rate entered: figures are converted."""
        return self.currency != "USD" and self.rate_per_usd is not None

    @property
    def rate_missing(self) -> bool:
        """A currency other than USD chosen, no rate yet: figures stay in USD."""
        return self.currency != "USD" and self.rate_per_usd is None

    @property
    def rate(self) -> float:
        """Units of the shown currency per USD: the entered rate, or 1 while figures stay in USD."""
        return self.rate_per_usd if self.converting and self.rate_per_usd is not None else 1.0

    @property
    def shown_currency(self) -> str:
        """The currency figures are actually in: the chosen one once its rate is entered, USD until then."""
        return self.currency if self.converting else "USD"

    @property
    def price_factor(self) -> float:
        """Multiply a USD list price by this to get the user's net USD price (their discount applied)."""
        return 1 - self.discount

    def shown(self, usd: float) -> float:
        """A USD amount in the shown currency."""
        return usd * self.rate

    def to_usd(self, amount: float) -> float:
        """An amount typed in the shown currency, in USD (12 significant digits: no float dust in links)."""
        return float(f"{amount / self.rate:.12g}")

    @property
    def symbol(self) -> str:
        return SYMBOLS.get(self.shown_currency, f"{self.shown_currency} ")

    @property
    def is_default(self) -> bool:
        return not self.converting and not self.rate_missing and self.discount == 0.0

    def describe(self) -> str:
        """One line for captions and exports: what the money figures mean (currency, rate and its date)."""
        if self.converting:
            parts = [f"{self.currency} at {self.rate:g} per USD"
                     + (f" (rate of {self.rate_date.isoformat()})" if self.rate_date else " (rate date not given)")]
        elif self.rate_missing:
            parts = [f"USD list prices ({self.currency} chosen, rate not set: figures stay in USD until it is)"]
        else:
            parts = ["USD list prices"]
        if self.discount:
            parts.append(f"less a {self.discount:.0%} enterprise discount")
        return ", ".join(parts)
