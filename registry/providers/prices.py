"""A provider's prices, and the one presenter that turns them into the lines people read.

Every surface that shows prices (the result card, the profile, the compare
view, the API and the Open Referral feed's cost options) takes its lines from
:func:`price_lines`, so a price reads the same wherever it appears.

All amounts are whole pence and every price is optional. Weekends and bank
holidays are a percentage on top of the provider's other prices (one number
each), not a second set of rates: simple to give and to read.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal
from typing import NamedTuple

from flask_babel import gettext

from registry.formatting import money
from registry.i18n import N_
from registry.money import to_pounds

# How travel is charged: none, included in the price, or a charge per mile or per visit.
TRAVEL_CHOICES = {
    "none": N_("No charge for travel"),
    "included": N_("Included in the price"),
    "per-mile": N_("A charge per mile"),
    "per-visit": N_("A charge per visit"),
}
TRAVEL_CHARGED = ("per-mile", "per-visit")
MINIMUM_PER = {"visit": "a visit", "week": "a week"}

# Sensible limits, in pence (or minutes, hours, per cent): a typo like 25000 for £25 is caught.
MAX_HOURLY_PENCE = 500_00
MAX_VISIT_PENCE = 1_000_00
MAX_NIGHT_PENCE = 1_000_00
MAX_TRAVEL_PENCE = 50_00
MIN_VISIT_MINUTES, MAX_VISIT_MINUTES = 5, 24 * 60
MAX_MINIMUM_HOURS = {"visit": 24, "week": 80}
MAX_UPLIFT_PERCENT = 200


@dataclass(frozen=True)
class Prices:
    """Every price a provider can give; the names are the provider's own columns."""

    rate_min_pence: int | None = None
    rate_max_pence: int | None = None
    visit_price_pence: int | None = None
    visit_minutes: int | None = None
    minimum_hours: int | None = None
    minimum_per: str | None = None  # MINIMUM_PER
    travel: str | None = None  # TRAVEL_CHOICES; None: not said
    travel_pence: int | None = None
    sleeping_night_pence: int | None = None
    waking_night_pence: int | None = None
    weekend_uplift_percent: int | None = None
    bank_holiday_uplift_percent: int | None = None

    @classmethod
    def of(cls, holder) -> Prices:
        """The prices held by ``holder`` (a provider, a row or anything with these attributes)."""
        return cls(**{name: getattr(holder, name) for name in PRICE_FIELDS})

    def apply_to(self, provider) -> None:
        for name in PRICE_FIELDS:
            setattr(provider, name, getattr(self, name))


PRICE_FIELDS = tuple(f.name for f in fields(Prices))


class PriceLine(NamedTuple):
    """One price as people read it, with what the feed and the API publish of it."""

    kind: str  # hourly, visit, minimum, travel, sleeping-night, waking-night, weekend, bank-holiday
    label: str  # the compare view's row heading
    text: str  # the line people read
    option: str  # the Open Referral cost option's "option": what the amount is for
    amount_pence: int | None  # the amount, when the line has one


# The kinds in the order every surface shows them, with their headings (the compare view's rows).
KINDS = {
    "hourly": N_("By the hour"),
    "visit": N_("By the visit"),
    "minimum": N_("Minimum hours"),
    "travel": N_("Travel"),
    "sleeping-night": N_("Sleeping night"),
    "waking-night": N_("Waking night"),
    "weekend": N_("Weekends"),
    "bank-holiday": N_("Bank holidays"),
}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def duration(minutes: int) -> str:
    """'30 minutes', '1 hour', '1 hour 30 minutes'."""
    hours, rest = divmod(minutes, 60)
    parts = ([_plural(hours, "hour")] if hours else []) + ([_plural(rest, "minute")] if rest else [])
    return " ".join(parts)


def price_lines(prices: Prices) -> list[PriceLine]:
    """The lines people read, in the order of :data:`KINDS`; none for a price not given."""
    p = prices
    lines = []
    if p.rate_min_pence is not None:
        one = p.rate_max_pence is None or p.rate_max_pence == p.rate_min_pence
        text = (
            f"{money(p.rate_min_pence)} an hour"
            if one
            else f"{money(p.rate_min_pence)}–{money(p.rate_max_pence)} an hour"
        )
        lines.append(PriceLine("hourly", KINDS["hourly"], text, "Hourly rate", p.rate_min_pence))
    if p.visit_price_pence is not None:
        length = f" ({duration(p.visit_minutes)})" if p.visit_minutes else ""
        lines.append(
            PriceLine(
                "visit",
                KINDS["visit"],
                f"{money(p.visit_price_pence)} a visit{length}",
                f"Per visit or session{length}",
                p.visit_price_pence,
            )
        )
    if p.minimum_hours is not None and p.minimum_per in MINIMUM_PER:
        text = f"At least {_plural(p.minimum_hours, 'hour')} {MINIMUM_PER[p.minimum_per]}"
        lines.append(PriceLine("minimum", KINDS["minimum"], text, f"Minimum booking: {text.lower()}", None))
    if p.travel in ("none", "included"):
        text = "Travel: no charge" if p.travel == "none" else "Travel: included"
        lines.append(PriceLine("travel", KINDS["travel"], text, text, None))
    elif p.travel in TRAVEL_CHARGED and p.travel_pence is not None:
        per = "a mile" if p.travel == "per-mile" else "a visit"
        text = f"Travel: {money(p.travel_pence)} {per}"
        lines.append(PriceLine("travel", KINDS["travel"], text, f"Travel, {per}", p.travel_pence))
    for kind, pence in (("sleeping-night", p.sleeping_night_pence), ("waking-night", p.waking_night_pence)):
        if pence is not None:
            lines.append(PriceLine(kind, KINDS[kind], f"{KINDS[kind]}: {money(pence)}", KINDS[kind], pence))
    for kind, percent in (("weekend", p.weekend_uplift_percent), ("bank-holiday", p.bank_holiday_uplift_percent)):
        if percent is not None:
            text = f"{KINDS[kind]}: +{percent} %"
            lines.append(
                PriceLine(kind, KINDS[kind], text, f"{KINDS[kind]}: {percent} % on top of the usual price", None)
            )
    return lines


class CardPrice(NamedTuple):
    """The result card's short form: the first line, and whether the profile has more."""

    text: str
    more: bool


def has_a_price(prices: Prices) -> bool:
    """Whether someone can tell what the support costs: an hourly rate or a price a visit."""
    return prices.rate_min_pence is not None or prices.visit_price_pence is not None


def card_price(prices: Prices) -> CardPrice:
    lines = price_lines(prices)
    if not lines:
        return CardPrice("Ask for a price", False)
    return CardPrice(lines[0].text, len(lines) > 1)


def comparison_rows(prices_by_column: list[Prices]) -> list[tuple[str, list[str | None]]]:
    """One row per kind any of the columns has, as (heading, each column's line or None), so columns line up."""
    by_kind = [{line.kind: line.text for line in price_lines(p)} for p in prices_by_column]
    return [
        (label, [lines.get(kind) for lines in by_kind])
        for kind, label in KINDS.items()
        if any(kind in lines for lines in by_kind)
    ]


def amount_pounds(line: PriceLine) -> Decimal | None:
    return to_pounds(line.amount_pence)


def price_errors(p: Prices) -> dict[str, str]:
    """What is wrong with ``p``, by field name; empty when nothing is. The one rule the form and services share."""
    errors: dict[str, str] = {}

    def within(name: str, low: int, high: int, message: str) -> None:
        value = getattr(p, name)
        if value is not None and not low <= value <= high:
            errors[name] = message

    within(
        "rate_min_pence",
        100,
        MAX_HOURLY_PENCE,
        gettext("Enter an hourly rate between £1 and %(max)s.", max=money(MAX_HOURLY_PENCE)),
    )
    within(
        "rate_max_pence",
        100,
        MAX_HOURLY_PENCE,
        gettext("Enter an hourly rate between £1 and %(max)s.", max=money(MAX_HOURLY_PENCE)),
    )
    if p.rate_max_pence is not None and "rate_max_pence" not in errors:
        if p.rate_min_pence is None:
            errors["rate_min_pence"] = gettext("Enter the lower rate too.")
        elif p.rate_max_pence < p.rate_min_pence and "rate_min_pence" not in errors:
            errors["rate_max_pence"] = gettext("The upper rate cannot be below the lower rate.")

    within(
        "visit_price_pence",
        100,
        MAX_VISIT_PENCE,
        gettext("Enter a price a visit between £1 and %(max)s.", max=money(MAX_VISIT_PENCE)),
    )
    within(
        "visit_minutes",
        MIN_VISIT_MINUTES,
        MAX_VISIT_MINUTES,
        gettext(
            "Enter how long a visit is, from %(min)s to %(max)s minutes.", min=MIN_VISIT_MINUTES, max=MAX_VISIT_MINUTES
        ),
    )
    if p.visit_price_pence is not None and p.visit_minutes is None:
        errors.setdefault("visit_minutes", gettext("Enter how long a visit is, in minutes."))
    if p.visit_minutes is not None and p.visit_price_pence is None:
        errors.setdefault("visit_price_pence", gettext("Enter the price a visit too."))

    if p.minimum_per is not None and p.minimum_per not in MINIMUM_PER:
        errors["minimum_per"] = gettext("Choose a visit or a week.")
    elif p.minimum_hours is not None and p.minimum_per is None:
        errors["minimum_per"] = gettext("Say whether the minimum is a visit or a week.")
    elif p.minimum_per is not None and p.minimum_hours is None:
        errors["minimum_hours"] = gettext("Enter the minimum number of hours too.")
    elif p.minimum_hours is not None:
        high = MAX_MINIMUM_HOURS[p.minimum_per]
        within(
            "minimum_hours",
            1,
            high,
            (
                gettext("Enter a whole number of hours from 1 to %(max)s a visit.", max=high)
                if p.minimum_per == "visit"
                else gettext("Enter a whole number of hours from 1 to %(max)s a week.", max=high)
            ),
        )

    if p.travel is not None and p.travel not in TRAVEL_CHOICES:
        errors["travel"] = gettext("Choose how you charge for travel.")
    elif p.travel in TRAVEL_CHARGED:
        if p.travel_pence is None:
            errors["travel_pence"] = gettext("Enter the travel charge.")
        else:
            within(
                "travel_pence",
                1,
                MAX_TRAVEL_PENCE,
                gettext("Enter a travel charge between £0.01 and %(max)s.", max=money(MAX_TRAVEL_PENCE)),
            )
    elif p.travel_pence is not None:
        errors["travel_pence"] = gettext("Leave the travel charge empty, or choose a charge per mile or per visit.")

    for name in ("sleeping_night_pence", "waking_night_pence"):
        within(
            name,
            100,
            MAX_NIGHT_PENCE,
            gettext("Enter a night rate between £1 and %(max)s.", max=money(MAX_NIGHT_PENCE)),
        )
    for name in ("weekend_uplift_percent", "bank_holiday_uplift_percent"):
        within(
            name,
            1,
            MAX_UPLIFT_PERCENT,
            gettext("Enter a whole number from 1 to %(max)s (per cent).", max=MAX_UPLIFT_PERCENT),
        )
    return errors
