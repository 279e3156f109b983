"""Every time window the registry promises, at its edge and one step past it.

Each window is tried with its production value (the tests assert the value
first, so a changed default is noticed here as well as in the README), on a
clock the test holds still: a link signed at T is tried at T + max age (it
works) and one second later (it has expired); a review written at T can be
edited at T + 14 days and not a second later; a scan decided at T is kept at
T + the retention period and deleted a second later. The search outbox's
settle window is run end to end with its production value.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from itsdangerous.timed import TimestampSigner
from sqlalchemy import select, update

from config.settings import Config, ProductionConfig, TestingConfig
from registry.extensions import db
from registry.mail import outbox_messages

T0 = datetime(2026, 5, 4, 9, 30, tzinfo=timezone.utc)


@pytest.fixture
def link_clock(monkeypatch):
    """The clock every signed, timed link reads (itsdangerous), in whole seconds, moved by the test."""
    now = {"t": int(T0.timestamp())}
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: now["t"])

    def at(seconds_after_t0: int) -> None:
        now["t"] = int(T0.timestamp()) + seconds_after_t0

    return at


# -- links ----------------------------------------------------------------


def test_a_password_reset_link_works_for_an_hour_and_not_a_second_more(app, make_user, link_clock):
    from registry.accounts import services

    assert app.config["PASSWORD_RESET_MAX_AGE"] == Config.PASSWORD_RESET_MAX_AGE == 3600
    email = make_user("recipient")
    with app.app_context():
        token = services.make_reset_token(services.find_user_by_email(email))
        link_clock(3600)
        assert services.user_for_reset_token(token).email == email  # at the edge: still works
        link_clock(3601)
        with pytest.raises(services.InvalidResetLink, match="expired"):
            services.user_for_reset_token(token)
    # Through the page too: one second past, the form is not offered.
    client = app.test_client()
    response = client.get(f"/account/reset/{token}")
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/forgot-password")
    assert "This reset link has expired" in client.get("/account/forgot-password").get_data(as_text=True)
    link_clock(3600)
    assert 'name="new_password"' in client.get(f"/account/reset/{token}").get_data(as_text=True)


def test_an_email_confirmation_link_works_for_seven_days_and_not_a_second_more(app, make_user, link_clock):
    from registry.accounts import services

    assert app.config["VERIFY_EMAIL_MAX_AGE"] == Config.VERIFY_EMAIL_MAX_AGE == 7 * 24 * 3600
    email = make_user("recipient", email_verified_at=None)
    with app.test_request_context():
        services.send_verification(services.find_user_by_email(email))  # the link as emailed, signed at T0
        db.session.commit()
    body = outbox_messages(app)[-1].get_body(("plain",)).get_content()
    token = re.search(r"/account/verify/(\S+)", body).group(1)
    with app.app_context():
        link_clock(7 * 24 * 3600 + 1)
        with pytest.raises(services.InvalidVerificationLink, match="expired"):
            services.verify_email(token)
        db.session.rollback()
        assert not services.find_user_by_email(email).email_verified
        link_clock(7 * 24 * 3600)
        assert services.verify_email(token).email == email  # at the edge: still works
        db.session.commit()
        assert services.find_user_by_email(email).email_verified


def test_a_review_invitation_works_for_fourteen_days_and_not_a_second_more(app, make_provider, link_clock):
    from registry.providers.services import get_by_slug
    from registry.reviews import enquiries, services
    from tests.conftest import approve_checks

    assert app.config["INVITATION_MAX_AGE_DAYS"] == Config.INVITATION_MAX_AGE_DAYS == 14
    slug = make_provider("pa", name="Kim Lewis")
    approve_checks(app, slug)
    with app.test_request_context():
        invitation = enquiries.invite(get_by_slug(slug), "rosa@example.com")
        db.session.commit()
        token = enquiries._invitation_serializer().dumps(invitation.id)
        link_clock(14 * 86400)
        assert enquiries.invitation_for(token).id == invitation.id  # at the edge: still works
        link_clock(14 * 86400 + 1)
        with pytest.raises(services.ReviewError, match="expired"):
            enquiries.invitation_for(token)


# -- reviews --------------------------------------------------------------


def test_a_review_can_be_edited_for_fourteen_days_and_not_a_second_more(app, make_provider, make_user, monkeypatch):
    import registry.reviews.services as services
    from registry.reviews.models import Review
    from tests.reviews.test_rules import _input

    assert app.config["REVIEW_EDIT_DAYS"] == Config.REVIEW_EDIT_DAYS == 14
    now = {"t": T0}
    monkeypatch.setattr(services, "utcnow", lambda: now["t"])
    engagement_id = _engagement(app, make_provider, make_user)
    with app.app_context():
        from registry.reviews.models import Engagement

        engagement = db.session.get(Engagement, engagement_id)
        review = services.write_review(engagement, engagement.recipient, _input())
        review.written_at = T0
        db.session.commit()
        review = db.session.get(Review, review.id)
        now["t"] = T0 + timedelta(days=14)
        services.edit_review(review, review.author, _input(title="Fourteen days on"))  # at the edge: allowed
        db.session.commit()
        assert db.session.get(Review, review.id).title == "Fourteen days on"
        now["t"] = T0 + timedelta(days=14, seconds=1)
        with pytest.raises(services.ReviewError, match="14 days"):
            services.edit_review(review, review.author, _input(title="A second too late"))
        db.session.rollback()
        assert db.session.get(Review, review.id).title == "Fourteen days on"


def _engagement(app, make_provider, make_user) -> int:
    """A recipient a listed provider has started supporting (through the real pages); the engagement's id."""
    from registry.reviews.models import Engagement
    from tests.conftest import ENQUIRY_DETAILS, approve_checks, signed_in

    slug = make_provider("pa", name="Kim Lewis", email="kim@example.com")
    approve_checks(app, slug)
    make_user("recipient", email="rosa@example.com", name="Rosa")
    recipient = signed_in(app, "rosa@example.com")
    sent = recipient.post(
        f"/providers/{slug}/enquire", data={"service": "companionship", **ENQUIRY_DETAILS, "message": "Hello"}
    )
    assert sent.status_code == 302
    enquiry = sent.headers["Location"]
    provider = signed_in(app, "kim@example.com")
    assert provider.post(enquiry + "/accept").status_code == 302
    assert provider.post(enquiry + "/start").status_code == 302
    with app.app_context():
        engagement_id = db.session.scalar(select(Engagement.id))
    assert engagement_id is not None
    return engagement_id


# -- documents ------------------------------------------------------------


def test_a_decided_scan_is_kept_for_the_retention_period_and_deleted_a_second_later(app, make_provider):
    from registry.checks.models import Check
    from registry.checks.services import purge_documents
    from tests.checks.conftest import add_check, stored_files
    from tests.conftest import signed_in

    assert app.config["DOCUMENT_RETENTION_DAYS"] == Config.DOCUMENT_RETENTION_DAYS == 180
    make_provider("pa", name="Dee Evans", email="dee@example.com")
    assert add_check(signed_in(app, "dee@example.com")).status_code == 302
    with app.app_context():
        check = db.session.scalars(select(Check)).one()
        check.status, check.decided_at = "approved", T0
        db.session.commit()
    assert len(stored_files(app)) == 1

    def purge(as_of):
        with app.app_context():
            purge_documents(as_of)
            db.session.commit()
            return db.session.scalars(select(Check)).one()

    kept = purge(T0 + timedelta(days=180))  # at the edge: kept
    assert kept.document_key is not None and len(stored_files(app)) == 1
    gone = purge(T0 + timedelta(days=180, seconds=1))
    assert gone.document_key is None and gone.document_deleted_at is not None
    assert stored_files(app) == []
    assert gone.status == "approved" and gone.details  # the decision and the fields stay


def test_an_orphan_file_is_spared_for_an_hour_and_removed_a_second_later(app, make_provider):
    """An upload whose check row is still being committed is not an orphan: the purge spares a file younger than an hour."""
    import os

    from registry.checks.services import purge_documents
    from tests.checks.conftest import PDF, stored_files

    folder = os.path.join(app.config["DOCUMENTS_DIR"], "checks")
    os.makedirs(folder, exist_ok=True)
    orphan = os.path.join(folder, "orphan-from-a-crash")
    with open(orphan, "wb") as handle:
        handle.write(PDF)
    os.utime(orphan, (T0.timestamp(), T0.timestamp()))
    with app.app_context():
        assert purge_documents(T0 + timedelta(hours=1)).orphans == 0  # at the edge: spared
        db.session.commit()
    assert os.path.exists(orphan)
    with app.app_context():
        assert purge_documents(T0 + timedelta(hours=1, seconds=1)).orphans == 1
        db.session.commit()
    assert not os.path.exists(orphan) and stored_files(app) == []


# -- password hashing -----------------------------------------------------


def test_production_hashes_passwords_with_argon2id_at_its_full_cost(monkeypatch):
    """The suite hashes cheaply (TestingConfig.ARGON2_FAST); production must not, nor its dummy hash for unknown emails."""
    from argon2 import PasswordHasher
    from argon2.profiles import RFC_9106_LOW_MEMORY

    from registry.accounts import services
    from tests.security.conftest import production_app

    assert TestingConfig.ARGON2_FAST is True and not getattr(ProductionConfig, "ARGON2_FAST", False)
    app = production_app()
    assert not app.config.get("ARGON2_FAST")
    with app.app_context():
        hashed = services.hash_password("correct-horse-battery")
        dummy = services._dummy_hash(bool(app.config.get("ARGON2_FAST")))
    full = RFC_9106_LOW_MEMORY  # argon2-cffi's default: 64 MiB, 3 passes, 4 lanes
    params = f"$argon2id$v=19$m={full.memory_cost},t={full.time_cost},p={full.parallelism}$"
    assert hashed.startswith(params) and dummy.startswith(params)
    assert PasswordHasher().verify(hashed, "correct-horse-battery")
    # The positive control: the test configuration's hashes are the cheap ones.
    assert services._dummy_hash(True).startswith("$argon2id$v=19$m=1024,t=1,p=1$")


# -- the search outbox's settle window --------------------------------------


@pytest.mark.parametrize("settle", [ProductionConfig.SEARCH_OUTBOX_SETTLE_SECONDS, 0])
def test_a_change_committed_late_into_a_gap_reaches_the_index_with_the_production_settle_window(
    app, make_provider, runner, monkeypatch, settle
):
    """Transaction 1 takes outbox id M+1 and is still open when transaction 2's id M+2 is committed and applied.

    With the production settle window (60 s) the index's mark waits below the
    gap, so when transaction 1 commits (a suspension) its row is applied and
    the suspended provider leaves the index. With no settle window (the
    control) the mark jumps the gap and the suspension never reaches the index.
    """
    import registry.searching.services as search_services
    from registry.providers.models import Provider
    from registry.providers.services import get_by_slug
    from registry.searching.models import SearchOutboxEntry
    from registry.searching.services import search_index
    from tests.conftest import approve_checks

    assert Config.SEARCH_OUTBOX_SETTLE_SECONDS == ProductionConfig.SEARCH_OUTBOX_SETTLE_SECONDS == 60
    app.config["SEARCH_OUTBOX_SETTLE_SECONDS"] = settle
    ann, bea = make_provider(name="Ann Carer"), make_provider(name="Bea Carer")
    for slug in (ann, bea):
        approve_checks(app, slug)
    # The clock the outbox reads, held still from two minutes on (the rows made so far are long settled then).
    T0 = search_services.utcnow() + timedelta(minutes=2)  # noqa: N806
    now = {"t": T0}
    monkeypatch.setattr(search_services, "utcnow", lambda: now["t"])

    def sync(command: str = "sync") -> None:
        result = runner.invoke(args=["search", command])
        assert result.exit_code == 0, result.output

    sync("rebuild")
    with app.app_context():
        ann_id, bea_id = get_by_slug(ann).id, get_by_slug(bea).id
        mark = search_index().applied_mark()
        assert mark == db.session.scalar(select(SearchOutboxEntry.id).order_by(SearchOutboxEntry.id.desc()).limit(1))
        assert {ann_id, bea_id} <= search_index().ids()
        # Transaction 2 commits first: a change to Bea, outbox id M+2 (M+1 is transaction 1's, still open).
        db.session.add(SearchOutboxEntry(id=mark + 2, provider_id=bea_id, created_at=T0))
        db.session.commit()
    now["t"] = T0 + timedelta(seconds=1)
    sync()
    with app.app_context():
        assert search_index().applied_mark() == (mark if settle else mark + 2)
        # Transaction 1 commits: Ann is suspended, with the outbox row it took before.
        db.session.execute(
            update(Provider)
            .where(Provider.id == ann_id)
            .values(status="suspended", suspended_at=T0, suspension_reason="test")
        )
        db.session.add(SearchOutboxEntry(id=mark + 1, provider_id=ann_id, created_at=T0))
        db.session.commit()
    now["t"] = T0 + timedelta(seconds=2)
    sync()
    with app.app_context():
        if settle:
            assert ann_id not in search_index().ids() and bea_id in search_index().ids()
            assert search_index().applied_mark() == mark + 2
        else:  # the control: the row below the mark was never read
            assert ann_id in search_index().ids()


def test_a_gap_in_the_outbox_is_waited_for_until_the_settle_window_has_passed(app, make_provider, runner, monkeypatch):
    """A gap no transaction fills (a rollback) holds the mark for 60 s exactly: at 59 s it waits, at 60 s it moves."""
    import registry.searching.services as search_services
    from registry.providers.services import get_by_slug
    from registry.searching.models import SearchOutboxEntry
    from registry.searching.services import search_index
    from tests.conftest import approve_checks

    app.config["SEARCH_OUTBOX_SETTLE_SECONDS"] = ProductionConfig.SEARCH_OUTBOX_SETTLE_SECONDS
    slug = make_provider(name="Ann Carer")
    approve_checks(app, slug)
    # The clock the outbox reads, held still from two minutes on (the rows made so far are long settled then).
    T0 = search_services.utcnow() + timedelta(minutes=2)  # noqa: N806
    now = {"t": T0}
    monkeypatch.setattr(search_services, "utcnow", lambda: now["t"])

    def mark_after_sync_at(seconds: int, command: str = "sync") -> int:
        now["t"] = T0 + timedelta(seconds=seconds)
        result = runner.invoke(args=["search", command])
        assert result.exit_code == 0, result.output
        with app.app_context():
            return search_index().applied_mark()

    mark = mark_after_sync_at(0, "rebuild")
    assert mark > 0
    with app.app_context():
        db.session.add(SearchOutboxEntry(id=mark + 2, provider_id=get_by_slug(slug).id, created_at=T0))
        db.session.commit()
    assert mark_after_sync_at(59) == mark  # one step inside the window: the gap may still fill
    assert mark_after_sync_at(60) == mark + 2  # at the window's end: the gap was a rollback
