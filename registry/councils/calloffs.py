"""Ordering from a council's approved list at the agreed rate (a call-off), and the commissioner's view of orders.

A recipient whose council (or NHS body) has put a provider on an approved
list orders from the provider's profile in one step: the order goes to the
provider as an enquiry (or joins the conversation already open with them),
at the list's agreed hourly rate, with the funding route, and the council's
commissioners see orders, hours and spend per month. Services flush, never commit.
"""

from __future__ import annotations

import calendar
import io
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from registry.accounts.models import User
from registry.councils.models import CallOff, Council, CouncilDistrict, FrameworkEntry
from registry.councils.services import CouncilError, entries_in_force
from registry.extensions import db
from registry.formatting import CsvWriter, long_date, money
from registry.models import today
from registry.providers.models import Provider
from registry.reviews import enquiries
from registry.reviews.models import Enquiry, EnquiryStatus
from registry.visits.models import FUNDING_LABELS, FundingRoute

# How support bought from an approved list is paid for (self-funded care is bought at the provider's own price).
ORDER_FUNDING = {
    route: FUNDING_LABELS[route]
    for route in (FundingRoute.COUNCIL_LIST, FundingRoute.DIRECT_PAYMENT, FundingRoute.HEALTH_BUDGET)
}


def orderable(provider: Provider, day: date | None = None) -> list[FrameworkEntry]:
    """What can be ordered from this provider today: its approved, in-force entries on any council's list."""
    return list(db.session.scalars(entries_in_force([provider.id], day or today())))


def _covers(council: Council, district: str) -> bool:
    return (
        db.session.scalar(
            select(CouncilDistrict.outcode).where(
                CouncilDistrict.council_id == council.id, CouncilDistrict.outcode == district
            )
        )
        is not None
    )


def place_call_off(recipient: User, provider: Provider, request: enquiries.EnquiryRequest, funding: str) -> CallOff:
    """Order from an approved list: the request meets every enquiry rule, the list covers where the help is needed.

    The rate is the list's agreed rate, never one typed in. With a
    conversation already open with the provider the order joins it as a
    message; otherwise it opens one.
    """
    day = today()
    checked = enquiries.check_request(recipient, provider, request)
    if funding not in ORDER_FUNDING:
        raise CouncilError("Say how the support will be paid for.")
    entries = [e for e in orderable(provider, day) if e.service_type_id == checked.service_type.id]
    if not entries:
        raise CouncilError(
            f"{provider.display_name} is not on an approved list for {checked.service_type.name.lower()} today. "
            "You can still send an ordinary enquiry."
        )
    entry = next((e for e in entries if _covers(e.framework.council, checked.district)), None)
    if entry is None:
        councils = ", ".join(sorted({e.framework.council.name for e in entries}))
        raise CouncilError(
            f"{provider.display_name} is on the approved list of {councils}, which does not cover "
            f"{checked.district}. You can still send an ordinary enquiry."
        )
    starts_on = request.start_date or day
    council = entry.framework.council
    order = CallOff(
        entry=entry,
        council=council,
        provider_id=provider.id,
        service_type_id=checked.service_type.id,
        recipient_id=recipient.id,
        person_id=checked.person.id if checked.person else None,
        district=checked.district,
        hours_per_week=request.hours_per_week,
        starts_on=starts_on,
        rate_pence=entry.rate_pence,
        funding=FundingRoute(funding),
    )
    terms = order_terms(order, council.name, entry.framework.name, checked.service_type.name)
    message = f"{terms}\n\n{request.message.strip()}"
    conversation = enquiries.open_enquiry(recipient, provider)
    if conversation is None:
        order.enquiry = enquiries.send_enquiry(
            recipient, provider, enquiries.EnquiryRequest(**{**request.__dict__, "message": message})
        )
    else:
        enquiries.reply(conversation, recipient, message)
        order.enquiry = conversation
    db.session.add(order)
    db.session.flush()
    return order


def order_terms(order: CallOff, council: str, framework: str, service: str) -> str:
    """The order in one sentence, as the provider reads it at the top of the message."""
    return (
        f"Order from {council}'s approved list “{framework}”: {service.lower()}, "
        f"{order.hours_per_week} hours a week from {long_date(order.starts_on)}, at the agreed rate of "
        f"{money(order.rate_pence)} an hour, paid by {ORDER_FUNDING[order.funding].lower()}."
    )


def forget_person(person) -> None:
    """A deleted person's orders stay in the council's figures, no longer saying who they were for."""
    db.session.execute(
        update(CallOff)
        .where(CallOff.person_id == person.id)
        .values(person_id=None)
        .execution_options(synchronize_session="fetch")
    )


def forget_recipient(user: User) -> int:
    """An erased account's orders stay in the council's figures (hours, rate, district), unlinked from them."""
    result = db.session.execute(
        update(CallOff)
        .where(CallOff.recipient_id == user.id)
        .values(recipient_id=None, person_id=None)
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount or 0


def export_orders(user: User) -> list[dict]:
    """The account's own orders, for its data export."""
    return [
        {
            "council": order.council.name,
            "provider": order.provider.display_name,
            "service": order.service_type.name,
            "district": order.district,
            "hours_per_week": order.hours_per_week,
            "starts_on": order.starts_on.isoformat(),
            "rate_per_hour": money(order.rate_pence),
            "paid_by": ORDER_FUNDING[order.funding],
            "placed_at": order.created_at.isoformat(),
        }
        for order in db.session.scalars(select(CallOff).where(CallOff.recipient_id == user.id).order_by(CallOff.id))
    ]


# -- what commissioners see ---------------------------------------------------------


@dataclass
class OrderRow:
    """Orders for one provider and service in one month."""

    provider: str
    service: str
    orders: int
    declined: int
    hours_per_week: int
    hours: float  # ordered hours in the month: each order's hours a week for the days it ran in the month
    spend_pence: int  # those hours at each order's agreed rate


def month_bounds(month: str | None) -> tuple[date, date]:
    """The first and last day of ``YYYY-MM`` (this month when empty); ValueError for anything else."""
    if not month:
        first = today().replace(day=1)
    else:
        year, number = month.split("-")
        if len(year) != 4 or len(number) != 2:
            raise ValueError(month)
        first = date(int(year), int(number), 1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def orders_in_month(council: Council, first: date, last: date) -> list[OrderRow]:
    """Per provider and service: orders running in the month, hours and spend at the agreed rates.

    An order runs from its start date; one the provider declined counts as
    declined and adds no hours. Hours are what was ordered; what was
    delivered is on each engagement's timesheet.
    """
    orders = db.session.scalars(
        select(CallOff)
        .where(CallOff.council_id == council.id, CallOff.starts_on <= last)
        .options(
            selectinload(CallOff.provider),
            selectinload(CallOff.service_type),
            selectinload(CallOff.enquiry).load_only(Enquiry.status),
        )
        .order_by(CallOff.id)
    )
    rows: dict[tuple[str, str], OrderRow] = {}
    for order in orders:
        key = (order.provider.display_name, order.service_type.name)
        row = rows.setdefault(key, OrderRow(*key, 0, 0, 0, 0.0, 0))
        row.orders += 1
        if order.enquiry is not None and order.enquiry.status == EnquiryStatus.DECLINED:
            row.declined += 1
            continue
        days = (last - max(order.starts_on, first)).days + 1
        hours = order.hours_per_week * days / 7
        row.hours_per_week += order.hours_per_week
        row.hours += hours
        row.spend_pence += round(hours * order.rate_pence)
    return sorted(rows.values(), key=lambda r: (r.provider.lower(), r.service.lower()))


ORDER_CSV_HEADER = (
    "Provider",
    "Service",
    "Orders",
    "Declined by the provider",
    "Hours a week ordered",
    "Hours in the month",
    "Spend in the month (£)",
)


def orders_csv(rows: list[OrderRow]) -> str:
    buffer = io.StringIO()
    writer = CsvWriter(buffer)
    writer.writerow(ORDER_CSV_HEADER)
    for row in rows:
        writer.writerow(
            (
                row.provider,
                row.service,
                row.orders,
                row.declined,
                row.hours_per_week,
                f"{row.hours:.1f}",
                f"{row.spend_pence / 100:.2f}",
            )
        )
    return buffer.getvalue()


def previous_month(first: date) -> date:
    return (first - timedelta(days=1)).replace(day=1)
