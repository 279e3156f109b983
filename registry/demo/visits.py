"""Demo visit and enquiry history: reliability figures on some profiles, and not on others.

Called by ``registry.demo.seed`` for each provider it has just listed (so it
is idempotent the same way), with that provider's own generator. About half
the listed providers support someone through the registry: an enquiry that
started it, an agreement of one to three visits a week, and what both sides
said about every visit since, from two weeks (too few confirmed visits for a
figure) to ten months. Each provider keeps its visits at its own rate, so the
figures, and best match, differ. Most providers also get a year of
enquiries, answered at their own pace, a few never answered.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from registry.accounts.models import User
from registry.extensions import db
from registry.models import today, utcnow
from registry.providers.models import Provider, ServiceType
from registry.reviews.models import Engagement, Enquiry, EnquiryMessage, EnquiryStatus
from registry.visits.models import Agreement, AgreementStatus, FundingRoute, PriceBasis, VisitRecord
from registry.visits.services import london_to_utc

# How often a provider's visits go as agreed: most keep nearly all, a few are patchy.
KEEP_RATES = [0.995, 0.99, 0.98, 0.96, 0.95, 0.92, 0.85, 0.7]
# When a visit does not go as agreed: what each side said (provider says, its reason, the person says).
MISHAPS = [
    (None, None, "missed"),
    (None, None, "missed"),
    ("could-not-come", "ill", None),
    ("could-not-come", "transport", None),
    ("could-not-come", "emergency", "missed"),
    ("came", None, "missed"),  # disputed: the two sides disagree
    ("could-not-come", "cancelled-by-person", None),  # the person cancelled: not the provider's failure
]
# Typical hours to a first reply, one per provider.
REPLY_HOURS = [0.5, 1, 2, 3, 5, 8, 20, 50]
ANSWERS = [
    "Thank you for getting in touch. We can help: could we arrange a call this week?",
    "Hello, I'm sorry, we have no space on those days at the moment.",
    "Thanks for your message. I could start the week after next; shall I come round to meet you first?",
]


def seed_visit_history(provider: Provider, service: ServiceType, recipients: list[User], rng: random.Random) -> int:
    """Give a listed provider a visit history (or none) and a year of enquiries; returns the visits recorded.

    ``recipients[0]`` is left alone: the reviews demo gives it an open enquiry.
    """
    people = recipients[1:]
    visits = 0
    roll = rng.random()
    if roll < 0.55 and people:
        weeks = rng.choice([2, 3]) if roll < 0.12 else rng.choice([12, 20, 30, 44])
        visits = _support(provider, service, rng.choice(people), rng, weeks, rng.choice(KEEP_RATES))
    if people:
        _enquiries(provider, service, people, rng)
    db.session.flush()
    return visits


def _at(day: date, clock: time) -> datetime:
    return london_to_utc(day, clock)


def _support(
    provider: Provider, service: ServiceType, person: User, rng: random.Random, weeks: int, keep_rate: float
) -> int:
    """An enquiry that led to support ``weeks`` ago, the agreement, and what was said about each visit since."""
    starts_on = today() - timedelta(weeks=weeks)
    asked = _at(starts_on - timedelta(days=12), time(10, 15))
    enquiry = Enquiry(
        recipient_id=person.id,
        provider_id=provider.id,
        service_type_id=service.id,
        district=provider.outcode,
        hours_per_week=rng.choice([2, 4, 6]),
        status=EnquiryStatus.STARTED,
        created_at=asked,
    )
    enquiry.messages.append(
        EnquiryMessage(author_id=person.id, body="Hello, could you help a few times a week?", created_at=asked)
    )
    enquiry.messages.append(
        EnquiryMessage(author_id=provider.user_id, body=ANSWERS[2], created_at=asked + timedelta(hours=3))
    )
    db.session.add(enquiry)
    db.session.flush()
    engagement = Engagement(
        recipient_id=person.id, provider_id=provider.id, enquiry_id=enquiry.id, confirmed_at=asked + timedelta(days=5)
    )
    db.session.add(engagement)
    db.session.flush()
    days = sorted(rng.sample(range(7), rng.choice([1, 2, 2, 3])))
    hour, length = rng.choice([8, 9, 10, 13, 17]), rng.choice([1, 1, 2, 3])
    start, end = time(hour), time(hour + length)
    db.session.add(
        Agreement(
            engagement_id=engagement.id,
            service_type_id=service.id,
            slots=[{"day": d, "start": f"{start:%H:%M}", "end": f"{end:%H:%M}"} for d in days],
            price_basis=PriceBasis.HOURLY,
            rate_pence=provider.rate_min_pence or 1850,
            funding=rng.choice(list(FundingRoute)),
            starts_on=starts_on,
            status=AgreementStatus.AGREED,
            proposed_by_id=provider.user_id,
            proposed_at=asked + timedelta(days=5),
            answered_by_id=person.id,
            answered_at=asked + timedelta(days=6),
        )
    )
    recorded, day, yesterday = 0, starts_on, today() - timedelta(days=1)
    while day <= yesterday:
        if day.weekday() in days:
            db.session.add(_record(engagement, provider, person, day, start, end, rng, keep_rate))
            recorded += 1
        day += timedelta(days=1)
    return recorded


def _record(
    engagement: Engagement,
    provider: Provider,
    person: User,
    day: date,
    start: time,
    end: time,
    rng: random.Random,
    keep_rate: float,
) -> VisitRecord:
    """What each side said about one past visit; the last few days are often not answered yet."""
    record = VisitRecord(engagement_id=engagement.id, visit_date=day, planned_start=start, planned_end=end)
    recent = day >= today() - timedelta(days=4)
    if rng.random() < keep_rate:
        late = rng.random() < 0.06
        provider_says, reason = "came", None
        person_says = None if rng.random() < (0.5 if recent else 0.04) else ("late" if late else "kept")
        arrived = time(start.hour, rng.choice([25, 35, 40])) if late else time(start.hour, rng.choice([0, 0, 2, 5]))
        record.arrived, record.departed = arrived, end
    else:
        provider_says, reason, person_says = rng.choice(MISHAPS)
        if provider_says == "came":
            record.arrived, record.departed = start, end
    if provider_says is not None and rng.random() < 0.97:  # now and then the provider forgets to record a visit
        record.provider_says, record.reason = provider_says, reason
        record.provider_by_id, record.provider_at = provider.user_id, _at(day, end) + timedelta(minutes=10)
    else:
        record.arrived = record.departed = None
    if person_says is not None:
        record.recipient_says = person_says
        record.recipient_by_id, record.recipient_at = person.id, _at(day, end) + timedelta(hours=rng.choice([2, 5, 26]))
    return record


def _enquiries(provider: Provider, service: ServiceType, people: list[User], rng: random.Random) -> None:
    """Enquiries over the last year, each from a different person, answered at the provider's own pace."""
    count = rng.choice([0, 1, 2, 3, 5, 6, 8, 11])
    typical = rng.choice(REPLY_HOURS)
    now = utcnow()
    for person in rng.sample(people, min(count, len(people))):
        sent = now - timedelta(days=rng.uniform(6, 350), minutes=rng.randint(0, 600))
        never = rng.random() < 0.08
        enquiry = Enquiry(
            recipient_id=person.id,
            provider_id=provider.id,
            service_type_id=service.id,
            district=provider.outcode,
            hours_per_week=rng.choice([1, 2, 4, 7]),
            # Still waiting when nobody answered; otherwise the conversation ended without support starting.
            status=EnquiryStatus.OPEN if never else EnquiryStatus.DECLINED,
            created_at=sent,
        )
        enquiry.messages.append(
            EnquiryMessage(author_id=person.id, body="Hello, do you have space for some help at home?", created_at=sent)
        )
        if not never:
            delay = timedelta(hours=typical * rng.uniform(0.3, 2.2))
            enquiry.messages.append(
                EnquiryMessage(author_id=provider.user_id, body=rng.choice(ANSWERS[:2]), created_at=sent + delay)
            )
        db.session.add(enquiry)
