"""Rules for agreed support, visits and timesheets. Services flush, never commit.

Only the engagement's two parties take part: the recipient account (the
person supported, or the family member or advocate arranging their care)
and the provider. Every function here checks who is asking, so a view that
forgot would still refuse.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from registry.accounts.models import User
from registry.extensions import db
from registry.formatting import CsvWriter, money
from registry.models import today as utc_today
from registry.models import utcnow
from registry.providers.models import Provider, ServiceType
from registry.reviews.models import Engagement, Enquiry
from registry.unitofwork import Refusal
from registry.visits.models import (
    COULD_NOT_COME_REASONS,
    FUNDING_LABELS,
    PRICE_LABELS,
    Agreement,
    AgreementStatus,
    EngagementEnd,
    PriceBasis,
    ProviderSays,
    RecipientSays,
    VisitRecord,
)

LONDON = ZoneInfo("Europe/London")
MAX_RATE_PENCE = 100_000  # £1,000 an hour or a visit: anything above is a typing slip
MAX_REASON = 1000
MAX_NOTE = 500
MAX_ONE_OFFS = 60
MAX_DAYS_AHEAD = 2 * 366  # an agreement, a one-off visit or an ending at most about two years ahead
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_ONE_OFF = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s+(\d{1,2}:\d{2})\s*(?:-|–|to)\s*(\d{1,2}:\d{2})\s*$")


class VisitError(Refusal):
    """A rule was broken; the message is safe to show."""


# -- who may see and act ---------------------------------------------------


def side(user: User, engagement: Engagement) -> str | None:
    """'recipient', 'provider', or None for anybody else (who sees nothing)."""
    if user is None or not getattr(user, "is_authenticated", True):
        return None
    if engagement.recipient_id == user.id:
        return "recipient"
    if engagement.provider.user_id == user.id:
        return "provider"
    return None


def _require_side(user: User, engagement: Engagement, wanted: str | None = None) -> str:
    who = side(user, engagement)
    if who is None:
        raise VisitError("This engagement is not yours.")
    if wanted == "provider" and who != "provider":
        raise VisitError("Only the provider records its visits.")
    if wanted == "recipient" and who != "recipient":
        raise VisitError("Only the person supported, or whoever arranges their care, confirms visits.")
    return who


def engagements_of(user: User) -> list[Engagement]:
    """The engagements the account is a party to, newest first."""
    query = select(Engagement).options(
        joinedload(Engagement.provider),
        joinedload(Engagement.recipient),
        joinedload(Engagement.enquiry).joinedload(Enquiry.person),
    )
    provider = db.session.scalar(select(Provider).where(Provider.user_id == user.id))
    if provider is not None:
        query = query.where(Engagement.provider_id == provider.id)
    else:
        query = query.where(Engagement.recipient_id == user.id)
    return list(db.session.scalars(query.order_by(Engagement.confirmed_at.desc(), Engagement.id.desc())))


def ending_of(engagement: Engagement) -> EngagementEnd | None:
    return db.session.get(EngagementEnd, engagement.id)


# -- agreements ------------------------------------------------------------


@dataclass
class AgreementInput:
    service: str  # service type slug
    price_basis: str
    rate_pence: int | None
    funding: str
    starts_on: date | None
    weekly: dict[int, tuple[str, str]] = field(default_factory=dict)  # day (Monday 0) -> (start, end), "HH:MM"
    one_offs: str = ""  # one visit a line: "2026-12-24 09:00-11:00"


def parse_clock(text: str, what: str) -> time:
    try:
        hours, minutes = text.strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise VisitError(f"Enter the {what} as a 24-hour time, like 09:30.") from None


def _slot(start: str, end: str, where: str) -> tuple[str, str]:
    begins, ends = parse_clock(start, f"start time for {where}"), parse_clock(end, f"end time for {where}")
    if ends <= begins:
        raise VisitError(f"The visit on {where} must end after it starts, on the same day.")
    return begins.strftime("%H:%M"), ends.strftime("%H:%M")


def _slots(data: AgreementInput) -> list[dict]:
    slots = []
    for day in sorted(data.weekly):
        if day not in range(7):
            raise VisitError("Choose days of the week from the list.")
        start, end = data.weekly[day]
        if not start and not end:
            continue
        if not start or not end:
            raise VisitError(f"Enter both a start and an end time for {DAY_NAMES[day]}, or neither.")
        begins, ends = _slot(start, end, DAY_NAMES[day])
        slots.append({"day": day, "start": begins, "end": ends})
    lines = [line for line in data.one_offs.splitlines() if line.strip()]
    if len(lines) > MAX_ONE_OFFS:
        raise VisitError(f"Enter at most {MAX_ONE_OFFS} one-off visits at a time.")
    seen = set()
    for number, line in enumerate(lines, 1):
        match = _ONE_OFF.match(line)
        try:
            day = date.fromisoformat(match.group(1)) if match else None
        except ValueError:
            day = None
        if day is None:
            raise VisitError(f"One-off visit line {number}: write a date and times like 2026-12-24 09:00-11:00.")
        begins, ends = _slot(match.group(2), match.group(3), f"line {number}")
        if day > utc_today() + timedelta(days=MAX_DAYS_AHEAD):
            raise VisitError(f"One-off visit line {number} is more than two years ahead.")
        if data.starts_on and day < data.starts_on:
            raise VisitError(f"One-off visit line {number} is before the agreement starts.")
        if (day, begins) in seen:
            raise VisitError(f"One-off visit line {number} repeats an earlier line.")
        seen.add((day, begins))
        slots.append({"date": day.isoformat(), "start": begins, "end": ends})
    if not slots:
        raise VisitError("Enter the days and times each week, or at least one one-off visit.")
    return slots


def agreed(engagement: Engagement) -> list[Agreement]:
    """The agreed periods, oldest first (the history: rows are never edited)."""
    return list(
        db.session.scalars(
            select(Agreement)
            .where(Agreement.engagement_id == engagement.id, Agreement.status == AgreementStatus.AGREED)
            .order_by(Agreement.starts_on, Agreement.id)
        )
    )


def agreements(engagement: Engagement) -> list[Agreement]:
    """Every proposal and agreement, newest first."""
    return list(
        db.session.scalars(
            select(Agreement).where(Agreement.engagement_id == engagement.id).order_by(Agreement.id.desc())
        )
    )


def pending(engagement: Engagement) -> Agreement | None:
    return db.session.scalar(
        select(Agreement).where(Agreement.engagement_id == engagement.id, Agreement.status == AgreementStatus.PROPOSED)
    )


def agreement_on(periods: list[Agreement], day: date) -> Agreement | None:
    """The agreed period in force on ``day``: the latest to start on or before it."""
    current = None
    for period in periods:  # oldest first
        if period.starts_on <= day:
            current = period
    return current


def propose_agreement(engagement: Engagement, user: User, data: AgreementInput) -> Agreement:
    """Either side proposes what was agreed, or a change from a date; the other side accepts or declines.

    A change starts today or later, so what was agreed for past visits stays
    as it was. A newer proposal replaces one nobody has answered yet.
    """
    _require_side(user, engagement)
    if ending_of(engagement) is not None:
        raise VisitError("This engagement has ended.")
    today = utc_today()
    service = db.session.scalar(select(ServiceType).where(ServiceType.slug == data.service))
    if service is None or service.id not in {row.service_type_id for row in engagement.provider.services}:
        raise VisitError("Choose a service the provider offers.")
    if data.price_basis not in PRICE_LABELS:
        raise VisitError("Say whether the price is by the hour or by the visit.")
    if data.rate_pence is None or not 1 <= data.rate_pence <= MAX_RATE_PENCE:
        raise VisitError(f"Enter the agreed price in pounds, more than £0 and at most {money(MAX_RATE_PENCE)}.")
    if data.funding not in FUNDING_LABELS:
        raise VisitError("Say how the support is paid for.")
    if data.starts_on is None:
        raise VisitError("Enter the date this starts from.")
    if data.starts_on > today + timedelta(days=MAX_DAYS_AHEAD):
        raise VisitError("The start date can be at most two years ahead.")
    if agreed(engagement):
        if data.starts_on < today:
            raise VisitError("A change starts today or later: visits already past keep what was agreed for them.")
    elif data.starts_on < today - timedelta(days=366):
        raise VisitError("The start date can be at most a year ago.")
    slots = _slots(data)
    earlier = pending(engagement)
    if earlier is not None:
        earlier.status = AgreementStatus.WITHDRAWN
    agreement = Agreement(
        engagement_id=engagement.id,
        service_type_id=service.id,
        slots=slots,
        price_basis=PriceBasis(data.price_basis),
        rate_pence=data.rate_pence,
        funding=data.funding,
        starts_on=data.starts_on,
        proposed_by_id=user.id,
    )
    db.session.add(agreement)
    db.session.flush()
    return agreement


def answer_agreement(agreement: Agreement, user: User, accept: bool) -> Agreement:
    """The side that did not propose accepts (it is in force from its date) or declines."""
    engagement = agreement.engagement
    _require_side(user, engagement)
    if agreement.status != AgreementStatus.PROPOSED:
        raise VisitError("This proposal has already been answered.")
    if agreement.proposed_by_id == user.id or side(user, engagement) == side(agreement.proposed_by, engagement):
        raise VisitError("The other side answers a proposal.")
    if accept:
        if ending_of(engagement) is not None:
            raise VisitError("This engagement has ended.")
        if agreed(engagement) and agreement.starts_on < utc_today():
            raise VisitError("This change was to start on a day that has passed: propose it again from today or later.")
    agreement.status = AgreementStatus.AGREED if accept else AgreementStatus.DECLINED
    agreement.answered_by_id = user.id
    agreement.answered_at = utcnow()
    db.session.flush()
    return agreement


def end_engagement(engagement: Engagement, user: User, last_day: date | None, reason: str) -> EngagementEnd:
    """Either side ends the support from a date, with a reason. Recorded once; the history stays."""
    _require_side(user, engagement)
    if ending_of(engagement) is not None:
        raise VisitError("This engagement has already ended.")
    if last_day is None:
        raise VisitError("Enter the last day of support.")
    if last_day < utc_today():
        raise VisitError("The last day is today or later: visits already past stay as they were.")
    if last_day > utc_today() + timedelta(days=MAX_DAYS_AHEAD):
        raise VisitError("The last day can be at most two years ahead.")
    reason = (reason or "").strip()
    if not reason:
        raise VisitError("Say why the support is ending.")
    if len(reason) > MAX_REASON:
        raise VisitError(f"Use at most {MAX_REASON:,} characters for the reason.")
    ending = EngagementEnd(engagement_id=engagement.id, last_day=last_day, reason=reason, ended_by_id=user.id)
    db.session.add(ending)
    try:
        db.session.flush()
    except IntegrityError:
        raise VisitError("This engagement has already ended.") from None
    return ending


def describe_slots(agreement: Agreement) -> list[str]:
    """'Monday 09:00–10:00', '24 December 2026 09:00–11:00'."""
    lines = []
    for slot in agreement.slots:
        when = DAY_NAMES[slot["day"]] if "day" in slot else f"{date.fromisoformat(slot['date']):%-d %B %Y}"
        lines.append(f"{when} {slot['start']}–{slot['end']}")
    return lines


def describe_price(agreement: Agreement) -> str:
    return f"{money(agreement.rate_pence)} {PRICE_LABELS[agreement.price_basis]}"


# -- visits ----------------------------------------------------------------


def london_to_utc(day: date, clock: time) -> datetime:
    """The UTC moment of a Europe/London wall-clock time (zoneinfo knows the clock changes)."""
    return datetime.combine(day, clock, tzinfo=LONDON).astimezone(timezone.utc)


def minutes_between(day: date, start: time, end: time) -> int:
    """Real minutes between two local times on one day: 00:00–03:00 on the spring-forward Sunday is 120."""
    return int((london_to_utc(day, end) - london_to_utc(day, start)).total_seconds() // 60)


@dataclass
class Visit:
    """A planned visit (from the agreement in force on its date) with what each side said about it."""

    engagement_id: int
    day: date
    start: time
    end: time
    agreement: Agreement | None
    record: VisitRecord | None = None
    planned: bool = True  # False: a statement about a visit a later change took out of the plan

    @property
    def key(self) -> str:
        return f"{self.day.isoformat()}/{self.start:%H%M}"

    @property
    def starts_utc(self) -> datetime:
        return london_to_utc(self.day, self.start)

    @property
    def status(self) -> str:
        """planned, unconfirmed, kept, late, missed or disputed (the two sides disagree)."""
        record = self.record
        provider = record.provider_says if record else None
        recipient = record.recipient_says if record else None
        if recipient is None:
            if provider == ProviderSays.COULD_NOT_COME:
                return "cancelled"  # the provider said so; the recipient has not said otherwise
            return "planned" if self.day > utc_today() and provider is None else "unconfirmed"
        if recipient == RecipientSays.MISSED:
            return "disputed" if provider == ProviderSays.CAME else "missed"
        if provider == ProviderSays.COULD_NOT_COME:
            return "disputed"
        return str(recipient)  # kept or late

    @property
    def counts(self) -> bool:
        """Confirmed by the person's side as having happened: only these count as kept, or are paid."""
        return self.status in ("kept", "late")

    @property
    def minutes(self) -> int:
        """Minutes worked: the provider's arrived and left when it gave them, otherwise the planned times."""
        record = self.record
        if record and record.provider_says == ProviderSays.CAME and record.arrived and record.departed:
            return minutes_between(self.day, record.arrived, record.departed)
        if record and record.provider_says == ProviderSays.COULD_NOT_COME:
            return 0
        return minutes_between(self.day, self.start, self.end)

    @property
    def amount_pence(self) -> int:
        if self.agreement is None:
            return 0
        if self.agreement.price_basis == PriceBasis.PER_VISIT:
            return self.agreement.rate_pence
        exact = Decimal(self.minutes) * self.agreement.rate_pence / 60
        return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


STATUS_LABELS = {
    "planned": "Planned",
    "unconfirmed": "Not confirmed",
    "cancelled": "Provider could not come",
    "kept": "Kept (confirmed)",
    "late": "Late (confirmed)",
    "missed": "Missed",
    "disputed": "Disputed: the two sides disagree",
}


def planned_visits(engagement: Engagement, first: date, last: date) -> list[Visit]:
    """Every visit from ``first`` to ``last`` (local dates), in order, with what was said about each."""
    periods = agreed(engagement)
    ending = ending_of(engagement)
    if ending is not None:
        last = min(last, ending.last_day)
    records = {
        (r.visit_date, r.planned_start): r
        for r in db.session.scalars(
            select(VisitRecord).where(
                VisitRecord.engagement_id == engagement.id,
                VisitRecord.visit_date >= first,
                VisitRecord.visit_date <= last,
            )
        )
    }
    visits = []
    day = first
    while day <= last:
        agreement = agreement_on(periods, day)
        if agreement is not None:
            for slot in agreement.slots:
                if slot.get("day") == day.weekday() or slot.get("date") == day.isoformat():
                    start, end = time.fromisoformat(slot["start"]), time.fromisoformat(slot["end"])
                    visits.append(Visit(engagement.id, day, start, end, agreement, records.pop((day, start), None)))
        day += timedelta(days=1)
    # Statements about visits a later change took out of the plan stay on the record.
    for (day, start), record in records.items():
        visits.append(
            Visit(engagement.id, day, start, record.planned_end, agreement_on(periods, day), record, planned=False)
        )
    return sorted(visits, key=lambda v: (v.day, v.start))


# Visits that did not happen as agreed: missed (the person's side says so), the provider could not come, or disputed.
NOT_KEPT = ("missed", "cancelled", "disputed")


def missed_pattern(engagement: Engagement, user: User) -> list[Visit]:
    """The person's side's view: visits in the window (``MISSED_VISITS_WINDOW_DAYS``, ending today) not kept."""
    _require_side(user, engagement, "recipient")
    last = utc_today()
    first = last - timedelta(days=current_app.config["MISSED_VISITS_WINDOW_DAYS"] - 1)
    return [visit for visit in planned_visits(engagement, first, last) if visit.status in NOT_KEPT]


def find_visit(engagement: Engagement, day: date, start: time) -> Visit:
    for visit in planned_visits(engagement, day, day):
        if visit.start == start:
            return visit
    raise VisitError("There is no visit planned then.")


def _window_days() -> int:
    return current_app.config["VISIT_CONFIRM_DAYS"]


def _record_for(visit: Visit) -> VisitRecord:
    if visit.record is None:
        visit.record = VisitRecord(
            engagement_id=visit.engagement_id, visit_date=visit.day, planned_start=visit.start, planned_end=visit.end
        )
        db.session.add(visit.record)
    return visit.record


def _flush_record() -> None:
    try:
        db.session.flush()
    except IntegrityError:
        raise VisitError(
            "Someone recorded this visit at the same moment: open it again to see what was said."
        ) from None


def record_visit(
    engagement: Engagement,
    user: User,
    day: date,
    start: time,
    came: bool,
    arrived: time | None = None,
    left: time | None = None,
    reason: str = "",
    note: str = "",
) -> VisitRecord:
    """The provider says it came (arrived, left) or could not come (and why). Once per visit."""
    _require_side(user, engagement, "provider")
    visit = find_visit(engagement, day, start)
    today = utc_today()
    if day < today - timedelta(days=_window_days()):
        raise VisitError(f"Visits are recorded within {_window_days()} days.")
    if visit.record is not None and visit.record.provider_says is not None:
        raise VisitError("You have already recorded this visit.")
    if len(note or "") > MAX_NOTE:
        raise VisitError(f"Use at most {MAX_NOTE} characters for the note.")
    if came:
        if day > today:
            raise VisitError("A visit is recorded as made on its day or later.")
        if arrived is None or left is None:
            raise VisitError("Enter when you arrived and when you left.")
        if left <= arrived:
            raise VisitError("The time you left must be after the time you arrived.")
    elif reason not in COULD_NOT_COME_REASONS:
        raise VisitError("Choose why you could not come.")
    record = _record_for(visit)
    record.provider_says = ProviderSays.CAME if came else ProviderSays.COULD_NOT_COME
    record.arrived, record.departed = (arrived, left) if came else (None, None)
    record.reason = None if came else reason
    record.provider_note = (note or "").strip() or None
    record.provider_by_id = user.id
    record.provider_at = utcnow()
    _flush_record()
    return record


def respond_to_visit(
    engagement: Engagement, user: User, day: date, start: time, says: str, note: str = ""
) -> VisitRecord:
    """The person supported (or whoever arranges their care) confirms, or says late or missed, within the window."""
    _require_side(user, engagement, "recipient")
    visit = find_visit(engagement, day, start)
    today = utc_today()
    if day > today:
        raise VisitError("A visit is confirmed on its day or later.")
    if day < today - timedelta(days=_window_days()):
        raise VisitError(f"Visits are confirmed within {_window_days()} days; this one stays unconfirmed.")
    if says not in {str(s) for s in RecipientSays}:
        raise VisitError("Say whether they came, came late, or did not come.")
    if visit.record is not None and visit.record.recipient_says is not None:
        raise VisitError("You have already answered for this visit.")
    if len(note or "") > MAX_NOTE:
        raise VisitError(f"Use at most {MAX_NOTE} characters for the note.")
    record = _record_for(visit)
    record.recipient_says = RecipientSays(says)
    record.recipient_note = (note or "").strip() or None
    record.recipient_by_id = user.id
    record.recipient_at = utcnow()
    _flush_record()
    return record


def can_record(visit: Visit, who: str) -> bool:
    """Whether this side still has something to say about the visit (the page offers the form)."""
    today = utc_today()
    in_window = visit.day >= today - timedelta(days=_window_days())
    if who == "provider":
        return in_window and (visit.record is None or visit.record.provider_says is None)
    if who == "recipient":
        return in_window and visit.day <= today and (visit.record is None or visit.record.recipient_says is None)
    return False


# -- timesheets ------------------------------------------------------------


@dataclass
class Timesheet:
    engagement: Engagement
    month: date  # its first day
    visits: list[Visit]

    @property
    def counted(self) -> list[Visit]:
        return [v for v in self.visits if v.counts]

    @property
    def confirmed_minutes(self) -> int:
        return sum(v.minutes for v in self.counted)

    @property
    def confirmed_pence(self) -> int:
        return sum(v.amount_pence for v in self.counted)

    def count(self, status: str) -> int:
        return sum(1 for v in self.visits if v.status == status)


def month_bounds(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def timesheet(engagement: Engagement, user: User, month: date) -> Timesheet:
    _require_side(user, engagement)
    first, last = month_bounds(month)
    return Timesheet(engagement, first, planned_visits(engagement, first, last))


def hours(minutes: int) -> str:
    """'2.50' hours from 150 minutes (two decimals, as timesheets show them)."""
    return f"{Decimal(minutes) / 60:.2f}"


def local_time(value: time | None) -> str:
    return value.strftime("%H:%M") if value else ""


def _rate(visit: Visit) -> str:
    return describe_price(visit.agreement) if visit.agreement else ""


CSV_HEADER = [
    "Date",
    "Planned",
    "Provider says",
    "Arrived",
    "Left",
    "Confirmed by",
    "Person's side says",
    "Status",
    "Hours",
    "Rate",
    "Amount (£)",
    "Counts",
]


def timesheet_rows(sheet: Timesheet) -> list[list]:
    """One row a visit, as both the page and the CSV show it."""
    rows = []
    for v in sheet.visits:
        r = v.record
        provider_says = ""
        if r and r.provider_says == ProviderSays.CAME:
            provider_says = "Came"
        elif r and r.provider_says == ProviderSays.COULD_NOT_COME:
            provider_says = f"Could not come: {COULD_NOT_COME_REASONS.get(r.reason, r.reason)}"
        rows.append(
            [
                v.day.isoformat(),
                f"{local_time(v.start)}–{local_time(v.end)}",
                provider_says,
                local_time(r.arrived if r else None),
                local_time(r.departed if r else None),
                r.recipient_by.name if r and r.recipient_by else "",
                str(r.recipient_says) if r and r.recipient_says else "",
                STATUS_LABELS[v.status],
                hours(v.minutes) if v.counts else "",
                _rate(v),
                f"{Decimal(v.amount_pence) / 100:.2f}" if v.counts else "",
                "yes" if v.counts else "no",
            ]
        )
    return rows


def timesheet_csv(sheet: Timesheet) -> str:
    """The CSV of the page: the same rows and, last, the same totals."""
    out = io.StringIO()
    writer = CsvWriter(out)
    writer.writerow(CSV_HEADER)
    writer.writerows(timesheet_rows(sheet))
    writer.writerow(
        [
            "Total confirmed",
            "",
            "",
            "",
            "",
            "",
            "",
            f"{len(sheet.counted)} visits",
            hours(sheet.confirmed_minutes),
            "",
            f"{Decimal(sheet.confirmed_pence) / 100:.2f}",
            "",
        ]
    )
    return out.getvalue()


# -- data rights -----------------------------------------------------------


def export_engagement(engagement: Engagement) -> dict:
    """What one engagement's agreements, ending and visit records hold, for a party's data export."""
    ending = ending_of(engagement)
    records = db.session.scalars(
        select(VisitRecord)
        .where(VisitRecord.engagement_id == engagement.id)
        .order_by(VisitRecord.visit_date, VisitRecord.planned_start)
    )
    return {
        "agreements": [
            {
                "service": a.service_type.name,
                "visits": describe_slots(a),
                "price": describe_price(a),
                "paid_by": FUNDING_LABELS[a.funding],
                "starts_on": a.starts_on.isoformat(),
                "status": str(a.status),
                "proposed_by": a.proposed_by.name,
            }
            for a in reversed(agreements(engagement))
        ],
        "ended": None
        if ending is None
        else {"last_day": ending.last_day.isoformat(), "reason": ending.reason, "by": ending.ended_by.name},
        "visits": [
            {
                "date": r.visit_date.isoformat(),
                "planned": f"{local_time(r.planned_start)}-{local_time(r.planned_end)}",
                "provider_says": None if r.provider_says is None else str(r.provider_says),
                "arrived": local_time(r.arrived) or None,
                "left": local_time(r.departed) or None,
                "could_not_come_because": COULD_NOT_COME_REASONS.get(r.reason) if r.reason else None,
                "provider_note": r.provider_note,
                "person_says": None if r.recipient_says is None else str(r.recipient_says),
                "person_note": r.recipient_note,
            }
            for r in records
        ],
    }


ERASED_REASON = "The reason was erased with the account of the person who gave it."


def forget_words_of(user: User) -> int:
    """Erasure: the notes and ending reasons the person wrote go; what was agreed and what happened stay.

    The other party keeps its timesheets (a council may audit them), so the
    records stay; only the person's own free text is removed. Returns how many
    texts were erased.
    """
    erased = 0
    for record in db.session.scalars(
        select(VisitRecord).where((VisitRecord.provider_by_id == user.id) | (VisitRecord.recipient_by_id == user.id))
    ):
        if record.provider_by_id == user.id and record.provider_note:
            record.provider_note = None
            erased += 1
        if record.recipient_by_id == user.id and record.recipient_note:
            record.recipient_note = None
            erased += 1
    for ending in db.session.scalars(select(EngagementEnd).where(EngagementEnd.ended_by_id == user.id)):
        ending.reason = ERASED_REASON
        erased += 1
    db.session.flush()
    return erased
