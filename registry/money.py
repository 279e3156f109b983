"""Hourly rates are stored in whole pence; forms and the API speak pounds."""

from __future__ import annotations

from decimal import Decimal

PENNY = Decimal("0.01")


def to_pounds(pence: int | None) -> Decimal | None:
    return None if pence is None else (Decimal(pence) / 100).quantize(PENNY)


def to_pence(pounds: Decimal | None) -> int | None:
    return None if pounds is None else int((pounds * 100).to_integral_value())
