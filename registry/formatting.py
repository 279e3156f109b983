"""How money, rates and dates read on pages, in emails and in the open data.

The bottom layer: it imports nothing from the registry, so every feature
(and the templates, through registry/templating.py) can use it.
"""

from __future__ import annotations

from datetime import date, datetime


def money(pence: int | None) -> str:
    """'£15' or '£15.50' from whole pence; '' for no amount."""
    if pence is None:
        return ""
    pounds, rest = divmod(pence, 100)
    return f"£{pounds:,}" if rest == 0 else f"£{pounds:,}.{rest:02d}"


def rate_range(provider) -> str:
    """A provider's hourly rate as a recipient reads it ('£15–£18 an hour')."""
    low, high = provider.rate_min_pence, provider.rate_max_pence
    if low is None:
        return "Ask for a price"
    if high is None or high == low:
        return f"{money(low)} an hour"
    return f"{money(low)}–{money(high)} an hour"


def long_date(value: date | datetime | None) -> str:
    """'3 March 2026', the GOV.UK date style."""
    if value is None:
        return ""
    return f"{value.day} {value:%B %Y}"
