"""The demo has a family account arranging care for two people, and a second seed adds nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from registry.accounts.models import User
from registry.extensions import db
from registry.families.models import CaredForPerson, ShortlistEntry
from registry.reviews.models import Enquiry


def signed_in(app, email):
    client = app.test_client()
    assert client.post("/account/sign-in", data={"email": email, "password": "demo-password-2026"}).status_code == 302
    return client


def _counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(
            db.session.scalar(select(func.count()).select_from(model))
            for model in (CaredForPerson, Enquiry, ShortlistEntry)
        )


def test_the_family_account_arranges_care_for_two_people_with_an_enquiry_each(app, runner):
    first = runner.invoke(args=["demo", "seed", "--cities", "1", "--providers", "0"])
    assert first.exit_code == 0, first.output
    assert "family@demo.trustedcare.example / demo-password-2026" in first.output
    counts = _counts(app)
    with app.app_context():
        family = db.session.scalar(select(User).where(User.email == "family@demo.trustedcare.example"))
        people = {
            p.name: p for p in db.session.scalars(select(CaredForPerson).where(CaredForPerson.account_id == family.id))
        }
        assert set(people) == {"Dad (Tariq)", "Mum (Amina)"}
        assert people["Mum (Amina)"].authority == "lpa" and people["Dad (Tariq)"].consent_given_by == "Dad himself"
        enquiries = list(db.session.scalars(select(Enquiry).where(Enquiry.recipient_id == family.id)))
        assert sorted(e.status for e in enquiries) == ["accepted", "open"]
        assert {e.person.name for e in enquiries} == set(people) and all(
            e.district and e.hours_per_week for e in enquiries
        )
        dad_enquiry = next(e for e in enquiries if e.person.name == "Dad (Tariq)")
        provider_email, enquiry_id = dad_enquiry.provider.user.email, dad_enquiry.id
    page = signed_in(app, provider_email).get(f"/enquiries/{enquiry_id}").get_data(as_text=True)
    assert "Dad (Tariq)" in page and "Personal care, Companionship" in page and "Urdu" in page
    assert "Dad (Tariq)" in signed_in(app, "family@demo.trustedcare.example").get("/people").get_data(as_text=True)

    again = runner.invoke(args=["demo", "seed", "--cities", "1", "--providers", "0"])
    assert again.exit_code == 0, again.output
    assert _counts(app) == counts == (2, counts[1], 2)
