"""Data rights (issue 21, item 5): people download what the registry holds about them and close their account with it.

Set-up goes through the real pages and services; the export and the erasure
go through the account pages with CSRF switched on, as a browser sends them.
Afterwards every table, the stored email outbox and the document store are
searched for the person's name, email, phone and postcode.
"""

from __future__ import annotations

import json
import os
from datetime import date, timedelta

from sqlalchemy import select

from registry.accounts.models import User
from registry.accounts.services import find_user_by_email
from registry.audit.models import AuditEvent
from registry.checks.status_checks import give_consent
from registry.extensions import db
from registry.mail import OutgoingEmail, outbox_messages, send_email
from registry.models import utcnow
from registry.providers.services import get_by_slug
from registry.reviews.models import ProviderRating, Review
from tests.conftest import ENQUIRY_DETAILS, PASSWORD, approve_checks, signed_in
from tests.html_forms import as_post_data, form_fields

GOOD_REVIEW = {
    "reliability": "5",
    "quality": "5",
    "kindness": "5",
    "communication": "4",
    "value": "4",
    "title": "Kind and reliable",
    "body": "Always on time and so patient with my dad.",
}


def _found_in_database(app, terms: list[str]) -> list[tuple[str, str]]:
    """(table, term) for every table row that mentions one of ``terms``, in any case."""
    hits = []
    with app.app_context():
        with db.engine.connect() as conn:
            for table in db.metadata.sorted_tables:
                for row in conn.execute(table.select()):
                    text = " ".join(str(v) for v in row).lower()
                    hits += [(table.name, t) for t in terms if t.lower() in text]
    return hits


def _found_in_outbox(app, terms: list[str]) -> list[str]:
    found = []
    for message in outbox_messages(app):
        text = f"{message['To']} {message['Subject']} {message.get_body(('plain',)).get_content()}".lower()
        found += [t for t in terms if t.lower() in text]
    return found


def _found_in_documents(app, terms: list[str]) -> list[str]:
    found = []
    for folder, _, names in os.walk(app.config["DOCUMENTS_DIR"]):
        for name in names:
            with open(os.path.join(folder, name), "rb") as handle:
                content = handle.read().decode("latin-1").lower()
            found += [t for t in terms if t.lower() in content or t.lower() in name.lower()]
    return found


def _close_form(client, password: str, reviews: str | None = None) -> dict:
    page = client.get("/account/close")
    assert page.status_code == 200
    fields = form_fields(page.get_data(as_text=True), action="")
    data = as_post_data(fields)
    assert data["csrf_token"][0]  # the real token from the page
    data["password"], data["understood"] = [password], ["y"]
    if reviews:
        data["reviews"] = [reviews]
    return data


def _engage(app, slug: str, recipient_email: str):
    """The recipient enquires through the page, the provider replies and starts; the recipient reviews."""
    recipient = signed_in(app, recipient_email)
    response = recipient.post(
        f"/providers/{slug}/enquire",
        data={"service": "companionship", **ENQUIRY_DETAILS, "message": "Hello, could you visit my dad?"},
    )
    enquiry_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        provider_email = get_by_slug(slug).user.email
    provider = signed_in(app, provider_email)
    provider.post(f"/enquiries/{enquiry_id}", data={"body": "Yes, happily."})
    provider.post(f"/enquiries/{enquiry_id}/accept")
    provider.post(f"/enquiries/{enquiry_id}/start")
    from registry.reviews.models import Engagement

    with app.app_context():
        engagement_id = db.session.scalar(select(Engagement.id).where(Engagement.enquiry_id == enquiry_id))
    assert recipient.post(f"/engagements/{engagement_id}/review", data=GOOD_REVIEW).status_code in (302, 303)
    return recipient, provider, enquiry_id


def test_a_family_member_exports_then_erases_themselves(app, make_provider, make_user):
    from registry.families.services import PersonInput, save_person, shortlist
    from registry.reviews.enquiries import EnquiryRequest, send_enquiry
    from registry.safeguarding.services import raise_concern

    slug = make_provider("pa", name="Kim Lewis", email="kim@example.com")
    approve_checks(app, slug)
    email = make_user("recipient", email="rosa.q@example.com", name="Rosa Quintero", home_postcode="LS8 1AB")
    recipient, provider, _ = _engage(app, slug, email)
    with app.app_context():
        rosa = find_user_by_email(email)
        kim = get_by_slug(slug)
        person = save_person(
            rosa,
            PersonInput(
                name="Agnes Quintero",
                district="LS8",
                relationship="family",
                authority="lpa",
                authority_date=date(2025, 5, 1),
                needs=["companionship"],
            ),
        )
        db.session.flush()
        shortlist(rosa, kim, person)  # saved for her mother, and for herself
        shortlist(rosa, kim)
        send_enquiry(
            rosa,
            kim,
            EnquiryRequest(
                service="companionship",
                district="",
                hours_per_week=3,
                message="For my mother, please.",
                person_id=person.id,
                times=["mon-morning"],
            ),
        )
        raise_concern(kim, rosa, "The carer left the back door unlocked twice.")
        db.session.commit()
        assert db.session.get(ProviderRating, kim.id).review_count == 1
    assert "Agnes Quintero" in recipient.get("/people").get_data(as_text=True)

    app.config["WTF_CSRF_ENABLED"] = True
    assert 'href="/account/my-data"' in recipient.get("/account/").get_data(as_text=True)
    page = recipient.get("/account/my-data").get_data(as_text=True)
    for seen in ("Rosa Quintero", "LS8 1AB", "Agnes Quintero", "Kim Lewis", "Yes, happily.", "back door unlocked"):
        assert seen in page
    download = recipient.get("/account/my-data.json")
    assert download.headers["Content-Disposition"].startswith("attachment;")
    data = json.loads(download.get_data(as_text=True))
    assert data["account"]["email"] == email
    assert [p["name"] for p in data["people_you_arrange_care_for"]] == ["Agnes Quintero"]
    assert [(e["provider"], e["for"]) for e in data["shortlist"]] == [
        ("Kim Lewis", "Agnes Quintero"),
        ("Kim Lewis", "yourself (not sorted)"),
    ]
    enquiry, for_agnes = data["enquiries_sent"]
    assert for_agnes["for"] == "Agnes Quintero" and for_agnes["messages"][0]["text"] == "For my mother, please."
    assert enquiry["with"] == "Kim Lewis"
    assert [m["from"] for m in enquiry["messages"]] == ["you", "Kim Lewis"]
    assert data["reviews_written"][0]["title"] == "Kind and reliable"
    assert data["concerns_raised"][0]["text"] == "The carer left the back door unlocked twice."
    assert data["engagements"][0]["with"] == "Kim Lewis"
    # The other party appears by display name only.
    body = download.get_data(as_text=True)
    assert "kim@example.com" not in body and "0113 496 0000" not in body and "ceri@example.com" not in body

    # A wrong password erases nothing.
    refused = recipient.post("/account/close", data=_close_form(recipient, "not-my-password", "remove"))
    assert refused.status_code == 422
    assert "Nothing has been erased" in refused.get_data(as_text=True)
    with app.app_context():
        assert find_user_by_email(email).name == "Rosa Quintero"
        assert db.session.scalar(select(Review.status)) == "published"

    closed = recipient.post("/account/close", data=_close_form(recipient, PASSWORD, "remove"))
    assert closed.status_code == 200
    text = closed.get_data(as_text=True)
    assert "Your account is closed" in text and "Concerns you raised" in text

    terms = ["Rosa Quintero", email, "LS8 1AB", "Agnes Quintero", "could you visit my dad"]
    assert _found_in_database(app, terms) == []
    assert _found_in_outbox(app, terms) == []
    assert _found_in_documents(app, terms) == []
    with app.app_context():
        assert find_user_by_email(email) is None  # they could register again
        from registry.families.models import ShortlistEntry

        assert db.session.scalar(select(ShortlistEntry)) is None  # every list, the person's too
        rating = db.session.get(ProviderRating, get_by_slug(slug).id)
        assert (rating.review_count, rating.score) == (0, None)
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account.erased"))
        assert str(event.actor_id) == event.subject_id and json.loads(event.details)["reviews"] == "remove"
        # The concern stays with the safeguarding record, under no name.
        from registry.safeguarding.models import Concern

        concern = db.session.scalar(select(Concern))
        assert concern.raised_by.name == "A former user"
    # Signed out here and everywhere; the password no longer opens anything.
    assert recipient.get("/account/").status_code == 302
    app.config["WTF_CSRF_ENABLED"] = False
    from tests.conftest import sign_in

    assert sign_in(app.test_client(), email).status_code == 422
    # The provider still sees its side of the conversation, with its own message and no name.
    page = provider.get("/enquiries").get_data(as_text=True)
    assert "A former user" in page and "Rosa" not in page


def test_a_recipient_may_leave_their_review_as_a_former_user(app, make_provider, make_user):
    slug = make_provider("pa", name="Kim Lewis", email="kim@example.com")
    approve_checks(app, slug)
    email = make_user("recipient", email="rosa.q@example.com", name="Rosa Quintero")
    recipient, _, _ = _engage(app, slug, email)
    app.config["WTF_CSRF_ENABLED"] = True
    assert recipient.post("/account/close", data=_close_form(recipient, PASSWORD, "keep")).status_code == 200
    with app.app_context():
        review = db.session.scalar(select(Review))
        assert review.status == "published" and review.author.name == "A former user"
        assert db.session.get(ProviderRating, review.provider_id).review_count == 1
    assert "Kind and reliable" in app.test_client().get(f"/providers/{slug}").get_data(as_text=True)


def test_a_provider_exports_then_erases_itself_and_leaves_every_public_surface(app, make_provider, make_user):
    from registry.checks.models import Check
    from registry.storage import document_store, new_key

    slug = make_provider("pa", name="Kim Lewis", email="kim@example.com")
    approve_checks(app, slug)
    with app.app_context():
        kim = get_by_slug(slug)
        provider_id, key = kim.id, new_key()
        document_store().put(key, b"%PDF-1.4 certificate of Kim Lewis", "application/pdf")
        dbs = next(c for c in kim.checks if c.kind == "dbs")
        dbs.document_key, dbs.document_name, dbs.document_type = key, "kim-lewis-dbs.pdf", "application/pdf"
        dbs_id = dbs.id
        # Consent to automatic DBS status checks keeps the surname as printed and the date of birth.
        give_consent(dbs, kim.user, "Lewis-Quartermaine", date(1980, 2, 3))
        db.session.commit()
    assert slug in [r["slug"] for r in app.test_client().get("/api/v1/search?postcode=LS6+2AA").get_json()["results"]]
    email = make_user("recipient", email="rosa.q@example.com", name="Rosa Quintero")
    recipient, provider, enquiry_id = _engage(app, slug, email)
    other_browser = signed_in(app, "kim@example.com")

    app.config["WTF_CSRF_ENABLED"] = True
    page = provider.get("/account/my-data").get_data(as_text=True)
    assert "Kim Lewis" in page and "001234567890" in page and "Rosa Quintero" in page
    data = json.loads(provider.get("/account/my-data.json").get_data(as_text=True))
    assert data["profile"]["phone"] == "0113 496 0000" and data["profile"]["base_postcode"] == "LS6 2AA"
    (dbs_export,) = [c for c in data["checks"] if c["details"].get("certificate_number")]
    assert dbs_export["document"]["download"] == f"http://registry.test/checks/{dbs_id}/document"
    assert "certificate of Kim Lewis" not in json.dumps(data)  # the scan stays behind its link
    assert data["reviews_received"][0]["title"] == "Kind and reliable"
    assert data["enquiries_received"][0]["with"] == "Rosa Quintero"
    assert "rosa.q@example.com" not in json.dumps(data)
    assert dbs_export["status_check_consent"]["surname"] == "Lewis-Quartermaine"
    assert dbs_export["status_check_consent"]["date_of_birth"] == "1980-02-03"

    closed = provider.post("/account/close", data=_close_form(provider, PASSWORD))
    assert closed.status_code == 200

    anonymous = app.test_client()
    assert anonymous.get(f"/providers/{slug}").status_code == 404
    assert anonymous.get(f"/providers/former-provider-{provider_id}").status_code == 404
    search = anonymous.get("/api/v1/search?postcode=LS6+2AA").get_json()["results"]
    assert provider_id not in [r.get("id") for r in search] and slug not in [r["slug"] for r in search]
    feed = anonymous.get("/openreferral/services", query_string={"per_page": 50}).get_data(as_text=True)
    assert "Kim Lewis" not in feed and "A former provider" not in feed
    for client in (provider, other_browser):
        assert client.get("/dashboard").status_code == 302

    terms = [
        "Kim Lewis",
        "kim@example.com",
        "0113 496 0000",
        "LS6 2AA",
        "ceri@example.com",
        "Yes, happily.",
        "Lewis-Quartermaine",
    ]
    assert _found_in_database(app, terms) == []
    assert _found_in_outbox(app, terms) == []
    assert _found_in_documents(app, terms) == []
    with app.app_context():
        assert not document_store().exists(key)
        check = db.session.get(Check, dbs_id)
        # The decision and the structured fields stay for the retention period.
        assert check.status == "approved" and check.details["certificate_number"] == "001234567890"
        assert check.document_key is None and check.document_deleted_at is not None
        consent = check.status_consent
        assert consent.withdrawn_at is not None and consent.surname is None and consent.date_of_birth is None
        assert (
            db.session.scalar(
                select(User.active).where(User.id == get_by_slug(f"former-provider-{provider_id}").user_id)
            )
            is False
        )
        actions = set(db.session.scalars(select(AuditEvent.action)))
        assert {"account.deactivated", "account.erased"} <= actions
    # The recipient keeps their conversation and their review; the provider's message has gone.
    conversation = recipient.get(f"/enquiries/{enquiry_id}").get_data(as_text=True)
    assert "Hello, could you visit my dad?" in conversation and "Yes, happily." not in conversation


def test_staff_erase_and_export_a_request_made_by_email(app, make_user, runner):
    email = make_user("recipient", email="wren@example.com", name="Wren Ashby", home_postcode="M1 1AE")
    exported = runner.invoke(args=["users", "export", email])
    assert exported.exit_code == 0, exported.output
    assert json.loads(exported.output)["account"]["name"] == "Wren Ashby"
    erased = runner.invoke(args=["users", "erase", email, "--yes"])
    assert erased.exit_code == 0, erased.output
    assert _found_in_database(app, ["Wren Ashby", email, "M1 1AE"]) == []
    with app.app_context():
        events = {e.action: e.actor_id for e in db.session.scalars(select(AuditEvent))}
        assert events["account.exported"] is None and events["account.erased"] is None
    again = runner.invoke(args=["users", "erase", email, "--yes"])
    assert again.exit_code != 0 and "No account" in again.output


def test_staff_accounts_cannot_be_erased(app, make_user, runner):
    email = make_user("officer", email="olu@example.com", name="Olu Officer")
    result = runner.invoke(args=["users", "erase", email, "--yes"])
    assert result.exit_code != 0 and "deactivated, not erased" in result.output
    with app.app_context():
        assert find_user_by_email(email).name == "Olu Officer"


def test_sent_mail_is_purged_after_the_retention_period(app):
    with app.app_context():
        old = send_email("old@example.com", "safeguarding/concern_received", name="Old", provider_name="Old news")
        recent = send_email("new@example.com", "safeguarding/concern_received", name="New", provider_name="Recent news")
        db.session.commit()  # the local outbox writes each as an .eml file after the commit
        old_id, recent_id = old.id, recent.id
    with app.app_context():
        now = utcnow()
        days = app.config["MAIL_RETENTION_DAYS"]
        db.session.get(OutgoingEmail, old_id).sent_at = now - timedelta(days=days + 1)
        db.session.get(OutgoingEmail, recent_id).sent_at = now - timedelta(days=1)
        db.session.commit()
    folder = app.config["MAIL_OUTBOX_DIR"]
    for name in os.listdir(folder):
        with open(os.path.join(folder, name), "rb") as handle:
            if b"Old news" in handle.read():
                stamp = (now - timedelta(days=days + 1)).timestamp()
                os.utime(os.path.join(folder, name), (stamp, stamp))

    from registry.jobs import JOBS, run_job

    summary = run_job(app, next(job for job in JOBS if job.name == "mail-purge"))
    assert summary.startswith("1 sent emails deleted")
    with app.app_context():
        assert db.session.scalars(select(OutgoingEmail.recipient)).all() == ["new@example.com"]
    assert [m["To"] for m in outbox_messages(app)] == ["new@example.com"]


def test_the_privacy_notice_states_the_mail_retention_and_the_rights(app):
    page = app.test_client().get("/privacy").get_data(as_text=True)
    assert f"deleted automatically {app.config['MAIL_RETENTION_DAYS']} days after sending" in page
    assert "/account/my-data" in page and "/account/close" in page
