"""Every email is a template (templates/emails/), rendered here against a snapshot, and every one that asks
someone to act carries the link to where they act, built from PUBLIC_URL.

After a deliberate wording change, rewrite the snapshots with
``UPDATE_EMAIL_SNAPSHOTS=1 make test PYTEST_ARGS=tests/emails`` and read the diff.
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import pytest

from registry.mail import outbox_messages, render_email
from tests.conftest import approve_checks

TEMPLATES = Path(__file__).parents[2] / "templates" / "emails"
SNAPSHOTS = Path(__file__).parent / "snapshots"

# One believable context per email template. A template without one fails test_every_email_template_has_a_case.
CASES: dict[str, dict] = {
    "accounts/verify_email": {"name": "Ceri Morgan", "link": "https://registry.test/verify/TOKEN", "days": 7},
    "accounts/already_registered": {"name": "Ceri Morgan"},
    "accounts/reset_password": {"name": "Ceri Morgan", "link": "https://registry.test/reset/TOKEN", "minutes": 30},
    "admin/staff_account_created": {
        "name": "Olu Officer",
        "admin_name": "Ada Admin",
        "council_name": "Leeds City Council",
        "link": "https://registry.test/reset/TOKEN",
        "hours": 1,
    },
    "reviews/new_enquiry": {
        "name": "Ceri Morgan",
        "enquiry_id": 7,
        "recipient_name": "Rhian Price",
        "person_name": "Dai Price",
        "arranged_by": "their daughter",
        "service": "companionship",
        "summary": "Where: LS6\nStarting: 1 February 2027",
        "message": "Could you visit on Tuesdays?",
    },
    "reviews/new_message": {"name": "Rhian Price", "enquiry_id": 7, "author_name": "Ceri Morgan", "message": "Yes."},
    "reviews/enquiry_answered": {
        "name": "Rhian Price",
        "enquiry_id": 7,
        "provider_name": "Ceri Morgan",
        "started": False,
        "status": "accepted",
        "news": "can help: carry on the conversation to agree the details",
    },
    "reviews/invitation": {"provider_name": "Ceri Morgan", "link": "https://registry.test/invite/TOKEN", "days": 14},
    "reviews/new_review": {"name": "Ceri Morgan", "author_name": "Dai Price", "title": "Kind", "slug": "ceri-morgan"},
    "reviews/held_review_decided": {
        "name": "Dai Price",
        "provider_name": "Ceri Morgan",
        "title": "Kind",
        "published": False,
        "reason": "It names another person.",
    },
    "reviews/report_decided": {"name": "Ceri Morgan", "title": "Kind", "removed": True, "reason": "Not first-hand."},
    "reviews/review_removed": {
        "name": "Dai Price",
        "title": "Kind",
        "provider_name": "Ceri Morgan",
        "reason": "Not first-hand.",
    },
    "safeguarding/appeal_to_decide": {"name": "Olu Officer", "provider_name": "Ceri Morgan", "slug": "ceri-morgan"},
    "safeguarding/review_held": {"name": "Olu Officer", "provider_name": "Ceri Morgan", "concern_id": 3},
    "safeguarding/new_concern": {
        "name": "Olu Officer",
        "provider_name": "Ceri Morgan",
        "concern_id": 3,
        "severity": "Someone is in danger now",
    },
    "safeguarding/suspended": {"name": "Ceri Morgan", "reason": "A concern is being investigated."},
    "safeguarding/reinstated": {"name": "Ceri Morgan"},
    "safeguarding/appeal_decided": {"name": "Ceri Morgan", "allowed": True, "reason": "The concern was unfounded."},
    "safeguarding/concern_received": {"name": "Dai Price", "provider_name": "Ceri Morgan"},
    "safeguarding/concern_closed": {
        "name": "Dai Price",
        "provider_name": "Ceri Morgan",
        "raised_on": "3 March 2026",
        "outcome": "We looked into it and took action.",
    },
}
_CHECK = {"name": "Ceri Morgan", "phrase": "DBS check", "kind": "dbs", "services": ["Companionship", "Personal care"]}
CASES |= {
    "checks/approved": _CHECK | {"valid_until": "1 March 2027"},
    "checks/received": _CHECK
    | {
        "target_days": 5,
        "review_by": "12 December 2026",
        "lasts": "3 years from the certificate's issue date",
    },
    "checks/rejected": _CHECK | {"reason": "The scan is unreadable.", "can_appeal": True},
    "checks/info_requested": _CHECK | {"reason": "Please send the back of the certificate."},
    "checks/revoked": _CHECK | {"reason": "The certificate was forged."},
    "checks/lapsed": _CHECK | {"valid_until": "1 March 2027"},
    "checks/lapsing": _CHECK | {"valid_until": "1 March 2027"},
    "checks/status_no_match": _CHECK | {"check_id": 12, "leaves_on": "1 April 2027"},
    "checks/status_no_longer_counts": _CHECK | {"reason": "The DBS Update Service reports new information."},
    "cqc/deregistered": _CHECK
    | {"phrase": "CQC registration", "kind": "cqc", "reason": "The CQC register shows it deregistered."},
}
# Emails that only report something: every other email asks its reader to act and links to where.
ONLY_REPORTS = {
    "safeguarding/reinstated",
    "safeguarding/appeal_decided",
    "safeguarding/concern_received",
    "safeguarding/concern_closed",
    "reviews/held_review_decided",
    "reviews/report_decided",
    "reviews/review_removed",
}


def _templates() -> list[str]:
    return sorted(
        str(path.relative_to(TEMPLATES).with_suffix(""))
        for path in TEMPLATES.rglob("*.txt")
        if not path.name.startswith("_") and path.parent != TEMPLATES
    )


def test_every_email_template_has_a_case():
    assert len(_templates()) >= 29
    assert set(_templates()) == set(CASES)


@pytest.mark.parametrize("template", sorted(CASES))
def test_each_email_renders_as_its_snapshot(app, template):
    with app.app_context():
        subject, body = render_email(template, **CASES[template])
    rendered = f"Subject: {subject}\n\n{body}\n"
    snapshot = SNAPSHOTS / f"{template.replace('/', '__')}.txt"
    if os.environ.get("UPDATE_EMAIL_SNAPSHOTS"):
        snapshot.write_text(rendered, encoding="utf-8")
    assert rendered == snapshot.read_text(encoding="utf-8")
    assert subject and "\n" not in subject and "{{" not in rendered and "{%" not in rendered
    assert "\n\n\n" not in body and body.startswith("Hello")


@pytest.mark.parametrize("template", sorted(set(CASES) - ONLY_REPORTS))
def test_an_email_that_asks_for_action_links_to_where_to_act(app, template):
    with app.app_context():
        _, body = render_email(template, **CASES[template])
        public = app.config["PUBLIC_URL"].rstrip("/")
    links = [word for word in body.split() if word.startswith(("http://", "https://"))]
    assert links, f"{template} asks for action but has no link"
    # Links the template builds come from PUBLIC_URL; the three passed in are tokens built the same way.
    assert all(link.startswith((public, "https://registry.test/")) for link in links)


def test_a_reminder_and_a_lapse_name_the_services_that_leave_search_and_link_to_the_renewal(app, runner, make_provider):
    slug = make_provider("pa", name="Rhys Evans", services=["companionship", "meal-delivery"])
    approve_checks(app, slug, kinds=("identity", "right_to_work", "insurance", "food_hygiene"), days_valid=400)
    approve_checks(app, slug, kinds=("dbs",), days_valid=20)
    public = app.config["PUBLIC_URL"].rstrip("/")
    today = date.today()

    before = len(outbox_messages(app))
    runner.invoke(args=["checks", "expire", "--as-of", today.isoformat()])
    [reminder] = [m for m in outbox_messages(app)[before:] if m["Subject"].startswith("Your DBS check lapses on")]
    text = reminder.get_body(("plain",)).get_content()
    # Meal delivery needs no background check: only companionship rests on the DBS check.
    assert "- Companionship" in text and "Meal delivery" not in text
    assert f"{public}/dashboard/checks/new?kind=dbs" in text

    before = len(outbox_messages(app))
    runner.invoke(args=["checks", "expire", "--as-of", (today + timedelta(days=21)).isoformat()])
    [lapse] = [m for m in outbox_messages(app)[before:] if m["Subject"] == "Your DBS check has lapsed"]
    text = lapse.get_body(("plain",)).get_content()
    assert "These services are no longer listed" in text and "- Companionship" in text and "Meal delivery" not in text


def test_a_service_another_check_still_covers_is_not_named(app, runner, make_provider):
    slug = make_provider("pa", name="Nia Hughes", services=["companionship"])
    approve_checks(app, slug, kinds=("identity", "right_to_work", "insurance"), days_valid=400)
    approve_checks(app, slug, kinds=("dbs",), days_valid=20)
    approve_checks(app, slug, kinds=("dbs",), days_valid=400)  # a renewal, already approved
    before = len(outbox_messages(app))
    runner.invoke(args=["checks", "expire", "--as-of", (date.today() + timedelta(days=21)).isoformat()])
    assert not [m for m in outbox_messages(app)[before:] if "DBS" in m["Subject"]]
