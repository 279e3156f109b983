"""A shortlist: save and remove providers from search results and profiles, without JavaScript."""

from __future__ import annotations

from sqlalchemy import func, select

from registry.extensions import db
from registry.families.models import ShortlistEntry
from tests.conftest import approve_checks
from tests.families.conftest import post_form
from tests.html_page import parse
from tests.reviews.conftest import signed_in


def _saved(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ShortlistEntry))


def test_save_from_search_results_list_and_remove_from_the_profile(app, listed, daughter):
    search = "/search?postcode=LS6+1AA&service=companionship"
    response = post_form(daughter, search, action=f"/shortlist/{listed}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{search}#result-{listed}")
    assert "Remove from shortlist" in daughter.get(search).get_data(as_text=True)
    post_form(daughter, search, action=f"/shortlist/{listed}/remove")
    post_form(daughter, f"/providers/{listed}", action=f"/shortlist/{listed}")
    post_form(daughter, f"/providers/{listed}", action=f"/shortlist/{listed}/remove")
    post_form(daughter, f"/providers/{listed}", action=f"/shortlist/{listed}")
    daughter.post(f"/shortlist/{listed}")  # saving twice keeps one
    assert _saved(app) == 1
    page = daughter.get("/shortlist").get_data(as_text=True)
    assert f'href="/providers/{listed}">Kim Lewis</a>' in page
    post_form(daughter, "/shortlist", action=f"/shortlist/{listed}/remove")
    assert _saved(app) == 0 and "Nothing saved yet" in daughter.get("/shortlist").get_data(as_text=True)


def test_a_provider_no_longer_listed_stays_on_the_shortlist_without_a_link(app, listed, daughter):
    daughter.post(f"/shortlist/{listed}")
    with app.app_context():
        from registry.providers.services import get_by_slug

        get_by_slug(listed).status = "suspended"
        db.session.commit()
    page = daughter.get("/shortlist").get_data(as_text=True)
    assert "Kim Lewis" in page and f'href="/providers/{listed}"' not in page and "Not taking enquiries" in page


def test_only_listed_providers_can_be_saved_and_only_by_recipients(app, listed, daughter, make_provider, make_user):
    draft = make_provider("pa", name="Not Yet", complete=False)
    assert "Only providers listed" in daughter.post(f"/shortlist/{draft}", follow_redirects=True).get_data(as_text=True)
    assert daughter.post("/shortlist/no-such-provider").status_code == 404
    assert (
        daughter.post(f"/shortlist/{listed}", data={"next": "https://evil.example/"}).headers["Location"]
        == "/shortlist"
    )
    provider = signed_in(app, "kim@example.com")
    assert provider.post(f"/shortlist/{listed}").status_code == 403
    assert "Save to shortlist" not in provider.get(f"/providers/{listed}").get_data(as_text=True)
    anonymous = app.test_client()
    assert anonymous.post(f"/shortlist/{listed}").status_code == 302
    assert "Save to shortlist" not in anonymous.get("/search?postcode=LS6+1AA").get_data(as_text=True)
    assert _saved(app) == 1  # only the listed provider, saved by the recipient


def test_saving_from_a_long_result_list_comes_back_to_the_same_card(app, make_provider, daughter):
    slugs = [make_provider("pa", name=f"Carer {n}", base_postcode="LS6 2AA") for n in range(12)]
    for slug in slugs:
        approve_checks(app, slug)
    search = "/search?postcode=LS6+1AA&sort=price"
    page = parse(daughter.get(search).get_data(as_text=True))
    cards = page.find_all("article", cls="result")
    assert len(cards) == 12
    ninth = cards[8]
    form = ninth.find("form", cls="shortlist-form")
    slug = form.attrs["action"].rsplit("/", 1)[1]
    assert ninth.attrs["id"] == f"result-{slug}"  # the button is inside the card it comes back to
    response = post_form(daughter, search, action=form.attrs["action"])
    assert response.status_code == 302
    back = response.headers["Location"]
    assert back.endswith(f"{search}#result-{slug}")
    # The same results again, with the anchor on the card just saved, now offering "Remove from shortlist".
    again = parse(daughter.get(back.split("#")[0]).get_data(as_text=True))
    card = again.find("article", id=f"result-{slug}")
    assert "Remove from shortlist" in card.find("button").text
