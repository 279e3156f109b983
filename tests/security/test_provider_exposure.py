"""Item 10: a provider's details go no further than its listing allows."""

from tests.conftest import approve_checks
from tests.reviews.conftest import signed_in


def test_contact_details_show_only_while_listed(app, make_provider, make_user):
    listed = make_provider("pa", name="Kim Lewis")
    approve_checks(app, listed)
    waiting = make_provider("pa", name="Sam Waits")
    recipient = signed_in(app, make_user("recipient"))
    assert "0113 496 0000" in recipient.get(f"/providers/{listed}").get_data(as_text=True)
    response = recipient.get(f"/providers/{waiting}")
    page = response.get_data(as_text=True)
    assert "0113 496 0000" not in page and "@example.com" not in page
    assert response.status_code == 404 and "This provider is not currently listed." in page


def test_a_suspended_provider_shows_no_contact_details(app, make_provider, make_user):
    slug = make_provider("pa", name="Kim Lewis")
    approve_checks(app, slug)
    officer = signed_in(app, make_user("officer"))
    officer.post(f"/officer/providers/{slug}/suspend", data={"reason": "Under investigation."})
    page = signed_in(app, make_user("recipient")).get(f"/providers/{slug}").get_data(as_text=True)
    assert "0113 496 0000" not in page


def test_a_draft_providers_name_is_not_revealed_by_the_enquiry_or_concern_pages(app, make_provider, make_user):
    slug = make_provider("pa", name="Secret Draft", complete=False)
    recipient = signed_in(app, make_user("recipient"))
    for path in (f"/providers/{slug}/enquire", f"/providers/{slug}/concern"):
        response = recipient.get(path)
        assert response.status_code == 404, path
        assert "Secret Draft" not in response.get_data(as_text=True)
        assert (
            recipient.post(
                path, data={"text": "x", "message": "x", "when_needed": "x", "service": "companionship"}
            ).status_code
            == 404
        )
