"""Shortlists per person cared for (issue 26): save for someone, see each person's list, filter, move, without
JavaScript; the same provider may be on two people's lists; a wrong person changes nothing."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy import select

from registry.extensions import db
from registry.families.models import CaredForPerson, ShortlistEntry
from tests.conftest import approve_checks, make_app
from tests.families.conftest import DAD, post_form
from tests.html_page import parse
from tests.reviews.conftest import signed_in
from tests.reviews.test_enquiry_details import _row

MUM = {**DAD, "name": "Mum (A.S.)", "needs": ["companionship"]}


def _entries(app) -> list[tuple[str, str | None]]:
    """Every shortlist entry as (provider slug, person's name or None), sorted."""
    with app.app_context():
        entries = db.session.scalars(select(ShortlistEntry))
        return sorted(((e.provider.slug, e.person.name if e.person else None) for e in entries), key=str)


def _groups(page) -> dict[str, list[str]]:
    """The shortlist page's lists: each heading, with the providers under it."""
    return {
        section.find("h2").text: [h.text for h in section.find_all("h3")]
        for section in page.find_all("section", cls="shortlist-group")
    }


def _person_id(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(CaredForPerson.id).where(CaredForPerson.name == name))


def test_each_person_has_their_own_list_and_a_provider_may_be_on_two(app, listed, make_provider, daughter, dad):
    assert post_form(daughter, "/people/new", **MUM).status_code == 302
    mum = _person_id(app, "Mum (A.S.)")
    other = make_provider("pa", name="Nia Morgan")
    approve_checks(app, other)
    # From the profile, choosing whose list (a plain select, no script): Kim for Dad, then Kim unsorted, Nia for Mum.
    profile = f"/providers/{listed}"
    response = post_form(daughter, profile, action=f"/shortlist/{listed}", person=str(dad))
    assert response.status_code == 302 and response.headers["Location"] == profile
    assert "saved to your shortlist for Dad (J.S.)" in daughter.get(profile).get_data(as_text=True)
    post_form(daughter, profile, action=f"/shortlist/{listed}", person="")
    post_form(daughter, f"/providers/{other}", action=f"/shortlist/{other}", person=str(mum))
    post_form(daughter, f"/providers/{other}", action=f"/shortlist/{other}", person=str(mum))  # twice: kept once
    assert _entries(app) == sorted([(listed, "Dad (J.S.)"), (listed, None), (other, "Mum (A.S.)")], key=str)
    page = parse(daughter.get("/shortlist").get_data(as_text=True))
    assert _groups(page) == {
        "For Dad (J.S.)": ["Kim Lewis"],
        "For Mum (A.S.)": ["Nia Morgan"],
        "For yourself, or not sorted": ["Kim Lewis"],
    }
    hint = parse(daughter.get(profile).get_data(as_text=True)).find("p", cls="hint")
    assert hint.text.startswith("On your shortlist for Dad (J.S.) and yourself.")
    # Filtered to one person, and to the unsorted list.
    assert _groups(parse(daughter.get(f"/shortlist?for={mum}").get_data(as_text=True))) == {
        "For Mum (A.S.)": ["Nia Morgan"]
    }
    assert _groups(parse(daughter.get("/shortlist?for=me").get_data(as_text=True))) == {
        "For yourself, or not sorted": ["Kim Lewis"]
    }
    # Removing Kim from Dad's list leaves her on the unsorted one.
    page = parse(daughter.get(f"/shortlist?for={dad}").get_data(as_text=True))
    form = page.find("form", action=f"/shortlist/{listed}/remove")
    post_form(daughter, f"/shortlist?for={dad}", action=form.attrs["action"])
    assert _entries(app) == sorted([(listed, None), (other, "Mum (A.S.)")], key=str)


def test_find_care_for_someone_saves_to_their_list_by_default(app, listed, daughter, dad):
    people = parse(daughter.get("/people").get_data(as_text=True))
    find = next(a.attrs["href"] for a in people.find_all("a") if a.text.startswith("Find ") and " near " in a.text)
    assert f"for={dad}" in find
    page = parse(daughter.get(find).get_data(as_text=True))
    select_ = page.find("select", id=f"save-for-{listed}")
    assert [o.attrs["value"] for o in select_.find_all("option") if "selected" in o.attrs] == [str(dad)]
    assert page.find("input", type="hidden", name="for").attrs["value"] == str(dad)  # a new search keeps it
    response = post_form(daughter, find, action=f"/shortlist/{listed}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#result-{listed}")
    assert _entries(app) == [(listed, "Dad (J.S.)")]
    # The same search without someone chosen saves to the unsorted list.
    plain = "/search?postcode=LS6+1AA&service=companionship"
    post_form(daughter, plain, action=f"/shortlist/{listed}")
    assert _entries(app) == sorted([(listed, "Dad (J.S.)"), (listed, None)], key=str)


def test_moving_between_people_and_merging_with_the_same_provider_there(app, listed, make_provider, daughter, dad):
    other = make_provider("pa", name="Nia Morgan")
    approve_checks(app, other)
    daughter.post(f"/shortlist/{listed}")
    daughter.post(f"/shortlist/{other}")
    daughter.post(f"/shortlist/{listed}", data={"person": str(dad)})
    with app.app_context():
        kim_unsorted, nia = (
            db.session.scalar(
                select(ShortlistEntry.id).where(
                    ShortlistEntry.provider.has(slug=slug), ShortlistEntry.person_id.is_(None)
                )
            )
            for slug in (listed, other)
        )
    response = post_form(daughter, "/shortlist", action=f"/shortlist/entries/{nia}/move", person=str(dad))
    assert response.status_code == 302
    assert "Nia Morgan is now on the shortlist for Dad (J.S.)" in daughter.get("/shortlist").get_data(as_text=True)
    post_form(daughter, "/shortlist", action=f"/shortlist/entries/{kim_unsorted}/move", person=str(dad))
    assert _entries(app) == sorted([(listed, "Dad (J.S.)"), (other, "Dad (J.S.)")], key=str)  # Kim once for Dad
    post_form(daughter, "/shortlist", action=f"/shortlist/entries/{nia}/move", person="")
    assert _entries(app) == sorted([(listed, "Dad (J.S.)"), (other, None)], key=str)


def test_a_wrong_person_or_entry_is_refused_and_changes_nothing(app, listed, daughter, dad, make_user):
    stranger = signed_in(app, make_user("recipient", email="tom@example.com", name="Tom"))
    assert post_form(stranger, "/people/new", **{**DAD, "name": "Tom's gran"}).status_code == 302
    gran = _person_id(app, "Tom's gran")
    daughter.post(f"/shortlist/{listed}", data={"person": str(dad)})
    before = _entries(app)
    for person in ("abc", str(gran), "99999", "-1", "1" * 400):
        response = daughter.post(f"/shortlist/{listed}", data={"person": person, "next": "/shortlist"})
        assert response.status_code == 302
        assert "Choose yourself or someone you arrange care for." in daughter.get("/shortlist").get_data(as_text=True)
        daughter.post(f"/shortlist/{listed}/remove", data={"person": person})
        assert _entries(app) == before
    with app.app_context():
        entry = db.session.scalar(select(ShortlistEntry.id))
    assert daughter.post(f"/shortlist/entries/{entry}/move", data={"person": str(gran)}).status_code == 302
    assert stranger.post(f"/shortlist/entries/{entry}/move", data={"person": ""}).status_code == 404
    assert daughter.post("/shortlist/entries/99999/move", data={"person": ""}).status_code == 404
    assert _entries(app) == before
    # A filter naming someone else's person says so and shows every list.
    for value in (str(gran), "abc", "99999"):
        response = daughter.get(f"/shortlist?for={value}")
        assert response.status_code == 404
        page = parse(response.get_data(as_text=True))
        assert page.find("p", id="filter-error").text.endswith(
            "That person is not on your account. Here is everyone's shortlist."
        )
        assert _groups(page) == {"For Dad (J.S.)": ["Kim Lewis"]}


def test_deleting_a_person_keeps_their_providers_on_the_unsorted_list(app, listed, make_provider, daughter, dad):
    other = make_provider("pa", name="Nia Morgan")
    approve_checks(app, other)
    daughter.post(f"/shortlist/{listed}", data={"person": str(dad)})
    daughter.post(f"/shortlist/{listed}")
    daughter.post(f"/shortlist/{other}", data={"person": str(dad)})
    assert daughter.post(f"/people/{dad}/delete").status_code == 302
    assert _entries(app) == sorted([(listed, None), (other, None)], key=str)


def test_migration_keeps_every_saved_provider_as_unsorted(tmp_path):
    url = "sqlite:///" + str(tmp_path / "before.sqlite3")
    app = make_app(url, tmp_path)
    with app.app_context():
        upgrade(revision="0028")
        meta = sa.MetaData()
        meta.reflect(db.engine)
        t = meta.tables
        with db.engine.begin() as conn:
            for user_id, role in ((1, "recipient"), (2, "provider"), (3, "provider")):
                conn.execute(
                    t["users"].insert(), _row(t["users"], id=user_id, email=f"u{user_id}@example.com", role=role)
                )
            for provider_id in (1, 2):
                conn.execute(
                    t["providers"].insert(),
                    _row(t["providers"], id=provider_id, user_id=provider_id + 1, slug=f"p{provider_id}", kind="pa"),
                )
                conn.execute(
                    t["shortlist_entries"].insert(), _row(t["shortlist_entries"], account_id=1, provider_id=provider_id)
                )
        upgrade()
        entries = list(db.session.scalars(select(ShortlistEntry).order_by(ShortlistEntry.provider_id)))
        assert [(e.account_id, e.provider_id, e.person_id) for e in entries] == [(1, 1, None), (1, 2, None)]
        assert len({e.id for e in entries}) == 2
        db.session.remove()
        db.engine.dispose()
