"""Template filters and globals."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask

from registry.providers.vocabulary import (
    DAY_LABELS,
    DAYS,
    GENDERS,
    KIND_LABELS,
    LANGUAGES,
    PART_LABELS,
    PARTS,
)


def money(pence: int | None) -> str:
    if pence is None:
        return ""
    pounds, rest = divmod(pence, 100)
    return f"£{pounds:,}" if rest == 0 else f"£{pounds:,}.{rest:02d}"


def rate_range(provider) -> str:
    low, high = provider.rate_min_pence, provider.rate_max_pence
    if low is None:
        return "Ask for a price"
    if high is None or high == low:
        return f"{money(low)} an hour"
    return f"{money(low)}–{money(high)} an hour"


def long_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    return f"{value.day} {value:%B %Y}"


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(money=money, rate_range=rate_range, long_date=long_date)
    app.jinja_env.globals.update(
        KIND_LABELS=KIND_LABELS,
        LANGUAGES=LANGUAGES,
        GENDERS=GENDERS,
        DAYS=DAYS,
        DAY_LABELS=DAY_LABELS,
        PARTS=PARTS,
        PART_LABELS=PART_LABELS,
    )
