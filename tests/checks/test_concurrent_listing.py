"""Two officers approving the last two checks of one provider at the same moment."""

import threading
from datetime import date, timedelta

from registry.checks import services
from registry.checks.models import Check
from registry.extensions import db
from registry.providers.services import get_by_slug
from registry.uploads import CheckedUpload
from tests.checks.conftest import PDF
from tests.conftest import CHECK_DETAILS, approve_checks


def test_simultaneous_approvals_of_a_providers_last_checks_list_it(app, make_provider, make_user):
    """Each decision must see the other's: without serialising them, both
    transactions would recompute the listing from a snapshot missing the other
    approval, and the provider would stay unlisted with every check approved."""
    slug = make_provider("pa", name="Marek Nowak")
    approve_checks(app, slug, kinds=("identity", "right_to_work"))
    with app.app_context():
        provider = get_by_slug(slug)
        ids = []
        for kind in ("dbs", "insurance"):
            upload = CheckedUpload(PDF, "application/pdf", len(PDF), f"{kind}.pdf")
            details = (
                dict(CHECK_DETAILS[kind], end_date=(date.today() + timedelta(days=300)).isoformat())
                if kind == "insurance"
                else CHECK_DETAILS[kind]
            )
            ids.append(services.submit_check(provider, kind, details, upload).id)
        db.session.commit()
    officers = [make_user("officer"), make_user("officer")]
    with app.app_context():
        from registry.accounts.services import find_user_by_email

        # Each officer has opened the document they decide on (a DBS approval needs it).
        for email, check_id in zip(officers, ids):
            services.record_document_view(db.session.get(Check, check_id), find_user_by_email(email))
        db.session.commit()
    first_flushed = threading.Event()
    both_decided = threading.Barrier(2)
    errors = []

    def approve(email, check_id, first):
        with app.app_context():
            from registry.accounts.services import find_user_by_email

            try:
                officer = find_user_by_email(email)
                check = db.session.get(Check, check_id)
                if not first:
                    first_flushed.wait(timeout=10)
                services.approve(check, officer, "in_person", date.today() + timedelta(days=200))
                if first:
                    first_flushed.set()
                try:
                    # Hold both transactions open together, if the second is not kept waiting.
                    both_decided.wait(timeout=2)
                except threading.BrokenBarrierError:
                    pass
                db.session.commit()
            except Exception as error:  # pragma: no cover - reported below
                db.session.rollback()
                errors.append(repr(error))
            finally:
                first_flushed.set()
                db.session.remove()

    threads = [
        threading.Thread(target=approve, args=(officers[0], ids[0], True)),
        threading.Thread(target=approve, args=(officers[1], ids[1], False)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive(), "an approval was still waiting after 30 s"
    assert errors == []
    with app.app_context():
        provider = get_by_slug(slug)
        assert {c.status for c in provider.checks} == {"approved"}
        assert provider.status == "listed" and any(row.listed for row in provider.services)
