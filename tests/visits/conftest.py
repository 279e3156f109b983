"""Fixtures for the visit tests: an engagement (a listed PA, Kim, supporting Rosa) on a clock the test sets."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from registry.extensions import db
from registry.providers.models import ServiceType
from registry.reviews.models import Engagement, Enquiry, EnquiryMessage
from registry.visits.models import Agreement, EngagementEnd, VisitRecord
from tests.html_forms import action_targets
from tests.reviews.conftest import engaged, listed  # noqa: F401  (the same engagement the review tests use)

WEEKLY = {
    "service": "companionship",
    "price_basis": "hourly",
    "rate": "16.50",
    "funding": "direct-payment",
    "one_offs": "",
}


def set_today(clock, day: date, hour: int = 12) -> None:
    """Move the registry's one clock so that today (UTC) is ``day``."""
    clock.offset = datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc) - clock._real()


def agreement_form(first_day: date, slots: dict[int, tuple[str, str]], **overrides) -> dict:
    """The agreement form's fields: ``slots`` maps a weekday (Monday 0) to its start and end."""
    data = {**WEEKLY, "starts_on": first_day.isoformat()}
    for day, (start, end) in slots.items():
        data[f"start_{day}"], data[f"end_{day}"] = start, end
    data.update(overrides)
    return data


def agree(proposer, answerer, engagement_id: int, first_day: date, slots, **overrides) -> None:
    """One side proposes through the form, the other accepts through the engagement page's button."""
    response = proposer.post(f"/care/{engagement_id}/agreement", data=agreement_form(first_day, slots, **overrides))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert (
        answerer.post(accept_button(answerer.get(f"/care/{engagement_id}").get_data(as_text=True))).status_code == 302
    )


def agreed(app, engagement_id: int, first_day: date, slots, proposed_by: str = "provider", **fields) -> None:
    """Support agreed through the visits services, not the pages (tests.factories.AgreementFactory): for tests
    about what happens once it is agreed. ``rate_pence`` and the other fields as AgreementInput names them."""
    from registry.extensions import db as database
    from tests.factories import AgreementFactory

    with app.app_context():
        engagement = database.session.get(Engagement, engagement_id)
        AgreementFactory(
            engagement=engagement, starts_on=first_day, weekly=dict(slots), proposed_by=proposed_by, **fields
        )
        database.session.commit()


def accept_button(page: str) -> str:
    """Where the page's one "Accept" button (a proposed agreement's) posts to."""
    (action,) = [a for a in action_targets(page, "/care/") if a.endswith("/accept")]
    return action


def counts(app) -> tuple[int, int, int]:
    """Rows of agreements, endings and visit records: what a refused form must leave unchanged."""
    with app.app_context():
        return tuple(
            db.session.scalar(select(func.count()).select_from(m)) for m in (Agreement, EngagementEnd, VisitRecord)
        )


@pytest.fixture
def care(request):
    """(recipient client, provider client, engagement id)."""
    return request.getfixturevalue("engaged")


def give_visit_history(provider_id: int, recipient_id: int, records: list[dict]) -> int:
    """Test set-up, not the visits flow: an engagement between the two with these ``visit_records`` rows.

    Each record is ``{"day": date, "provider": None | "came" | "could-not-come", "reason": ..., "person": None |
    "kept" | "late" | "missed"}``; visits start at 09:00 plus one minute per record, so a day may hold several.
    Call inside an app context; flushes, the caller commits. Returns the engagement's id.
    """
    from datetime import time

    from registry.reviews.models import Engagement

    engagement = Engagement(recipient_id=recipient_id, provider_id=provider_id)
    db.session.add(engagement)
    db.session.flush()
    for n, r in enumerate(records):
        db.session.add(
            VisitRecord(
                engagement_id=engagement.id,
                visit_date=r["day"],
                planned_start=time(9, n % 60, 0) if n < 60 else time(10 + n // 60, n % 60),
                planned_end=time(23, 0),
                provider_says=r.get("provider"),
                arrived=time(9, 0) if r.get("provider") == "came" else None,
                departed=time(11, 0) if r.get("provider") == "came" else None,
                reason=r.get("reason"),
                recipient_says=r.get("person"),
            )
        )
    db.session.flush()
    return engagement.id


def give_enquiry(provider_id: int, sent: datetime, status: str = "open") -> Enquiry:
    """An enquiry sent at ``sent``, each from a new person (one open conversation per person and provider)."""
    from registry.accounts.services import create_user

    person = create_user(f"enquirer{sent.timestamp():.0f}@example.com", "a long passphrase 1", "Enquirer", "recipient")
    service = db.session.scalar(select(ServiceType).where(ServiceType.slug == "companionship"))
    enquiry = Enquiry(
        recipient_id=person.id, provider_id=provider_id, service_type_id=service.id, status=status, created_at=sent
    )
    db.session.add(enquiry)
    db.session.flush()
    db.session.add(EnquiryMessage(enquiry_id=enquiry.id, author_id=person.id, body="Hello", created_at=sent))
    return enquiry


def give_reply(enquiry: Enquiry, author_id: int, at: datetime) -> None:
    db.session.add(EnquiryMessage(enquiry_id=enquiry.id, author_id=author_id, body="Yes", created_at=at))
