"""One enquiry to several shortlisted providers (issue 26): ticked on the shortlist, one form, each provider its own
conversation and email; listing asked again at send time; an open conversation skipped with a link to it; any other
refusal sends nothing. Through the real pages, with CSRF on."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from registry.extensions import db
from registry.mail import OutgoingEmail, deliver_pending
from registry.models import utcnow
from registry.providers.services import get_by_slug
from registry.reviews.models import Enquiry, EnquiryMessage
from tests.conftest import ENQUIRY_DETAILS, approve_checks, signed_in
from tests.families.conftest import DAD, post_form
from tests.html_page import ids_of, parse
from tests.operations.test_mail_and_worker import smtp_port, smtp_server  # noqa: F401 (fixtures)

ASK = {"service": "companionship", **ENQUIRY_DETAILS, "message": "Could someone visit my dad on Tuesdays?"}


@pytest.fixture
def app_config(smtp_port):  # noqa: F811
    """Mail goes to this test's real SMTP server (started by the tests that read it)."""
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_port, "MAIL_USE_TLS": False, "MAIL_TIMEOUT": 2}


@pytest.fixture
def sara(app, make_user):
    return signed_in(app, make_user("recipient", email="sara@example.com", name="Sara"))


@pytest.fixture
def five(app, make_provider, sara):
    """Five listed providers on Sara's shortlist, newest first as the shortlist lists them: their slugs."""
    slugs = [
        make_provider("pa", name=name, email=f"{name.split()[0].lower()}@example.com")
        for name in ("Kim Lewis", "Nia Morgan", "Omar Shah", "Ravi Patel", "Lucy Brown")
    ]
    for slug in slugs:
        approve_checks(app, slug)
        assert sara.post(f"/shortlist/{slug}").status_code == 302
    app.config["WTF_CSRF_ENABLED"] = True
    return slugs


def _asked(page, slugs) -> str:
    """The URL a browser goes to with ``slugs`` ticked and "Ask these providers" chosen."""
    button = page.find("button", id="ask-button")
    boxes = [box for box in page.find_all("input", type="checkbox") if box.attrs.get("form") == "compare"]
    pairs = [(box.attrs["name"], box.attrs["value"]) for box in boxes if box.attrs["value"] in slugs]
    assert len(pairs) == len(slugs)
    assert page.find("form", id="compare").attrs["method"] == "get"
    return f"{button.attrs['formaction']}?{urlencode(pairs)}"


def _stored(app) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(
            db.session.scalar(select(func.count()).select_from(m)) for m in (Enquiry, EnquiryMessage, OutgoingEmail)
        )


def test_one_enquiry_to_three_providers_opens_three_conversations_and_sends_three_emails(
    app,
    sara,
    five,
    smtp_server,  # noqa: F811
):
    inbox = smtp_server()
    chosen = [five[4], five[2], five[0]]  # as the shortlist lists them, newest first
    url = _asked(parse(sara.get("/shortlist").get_data(as_text=True)), chosen)
    page = parse(sara.get(url).get_data(as_text=True))
    assert page.find("h1").text == "Ask 3 providers at once"
    assert [a.text for a in page.find("ul", cls="asking").find_all("a")] == ["Lucy Brown", "Omar Shah", "Kim Lewis"]
    response = post_form(sara, url, action="/shortlist/enquire", **ASK)
    assert response.status_code == 302
    deliver_pending(app, now=utcnow())
    with app.app_context():
        enquiries = list(db.session.scalars(select(Enquiry).order_by(Enquiry.id)))
        assert [e.provider.slug for e in enquiries] == chosen  # one conversation each
        assert {e.messages[0].body for e in enquiries} == {ASK["message"]}
        assert {(e.service_type.slug, e.district, e.hours_per_week) for e in enquiries} == {("companionship", "LS6", 6)}
        ids = [e.id for e in enquiries]
        kims = next(e.id for e in enquiries if e.provider.slug == five[0])
    to = sorted(line for message in inbox.messages for line in message.splitlines() if line.startswith("To: "))
    assert to == ["To: kim@example.com", "To: lucy@example.com", "To: omar@example.com"]
    sent = parse(sara.get(response.headers["Location"]).get_data(as_text=True))
    assert sent.find("h1").text == "Your enquiry is sent"
    assert [a.attrs["href"] for a in sent.find("main").find("ul").find_all("a")] == [f"/enquiries/{i}" for i in ids]
    # Each provider sees its own conversation only.
    app.config["WTF_CSRF_ENABLED"] = False  # for the sign-in helper
    kim = signed_in(app, "kim@example.com")
    assert kim.get(f"/enquiries/{kims}").status_code == 200
    assert [kim.get(f"/enquiries/{i}").status_code for i in ids if i != kims] == [404, 404]


def test_a_provider_already_in_conversation_is_skipped_with_a_link_to_it(app, sara, five):
    post_form(sara, f"/providers/{five[1]}/enquire", **ASK)
    with app.app_context():
        talking = db.session.scalar(select(Enquiry.id))
    url = _asked(parse(sara.get("/shortlist").get_data(as_text=True)), five[:2])
    page = parse(sara.get(url).get_data(as_text=True))
    (item,) = [li for li in page.find("ul", cls="asking").find_all("li") if li.text.startswith("Nia Morgan")]
    assert "Nia Morgan: will not be sent this enquiry" in item.text
    assert item.find_all("a")[-1].attrs["href"] == f"/enquiries/{talking}"
    response = post_form(sara, url, action="/shortlist/enquire", **ASK)
    assert response.status_code == 302
    with app.app_context():
        assert [e.provider.slug for e in db.session.scalars(select(Enquiry).order_by(Enquiry.id))] == [five[1], five[0]]
    sent = parse(sara.get(response.headers["Location"]).get_data(as_text=True))
    skipped = sent.find("main").find_all("ul")[-1].find("li")
    assert skipped.text.startswith("Nia Morgan: carry on that conversation")
    assert skipped.find("a").attrs["href"] == f"/enquiries/{talking}"
    # Asking only her again sends nothing and says why.
    only_nia = f"/shortlist/enquire?provider={five[1]}"
    refused = post_form(sara, only_nia, action="/shortlist/enquire", **ASK)
    assert refused.status_code == 422
    assert "You are already talking to each of these providers" in refused.get_data(as_text=True)
    assert _stored(app)[0] == 2


def test_a_provider_delisted_after_it_was_shortlisted_is_named_and_nothing_is_sent(app, sara, five):
    url = _asked(parse(sara.get("/shortlist").get_data(as_text=True)), five[:3])
    page = sara.get(url)  # the form, while all three are listed
    assert page.status_code == 200
    with app.app_context():
        get_by_slug(five[1]).suspended_at = utcnow()
        db.session.commit()
    before = _stored(app)
    response = sara.post(
        "/shortlist/enquire",
        data={
            "csrf_token": parse(page.get_data(as_text=True)).find("input", name="csrf_token").attrs["value"],
            "provider": five[:3],
            **ASK,
        },
    )
    assert response.status_code == 422
    error = parse(response.get_data(as_text=True)).find("div", cls="error-summary").text
    assert "Nia Morgan is no longer listed on the registry, so nothing was sent." in error
    assert _stored(app) == before
    # Shown as no longer listed, without a link, when the form is drawn again.
    (item,) = [
        li
        for li in parse(sara.get(url).get_data(as_text=True)).find("ul", cls="asking").find_all("li")
        if li.text.startswith("Nia Morgan")
    ]
    assert item.text.startswith("Nia Morgan: no longer listed") and item.find("a") is None


def test_the_person_chosen_is_told_to_every_provider(app, sara, five):
    app.config["WTF_CSRF_ENABLED"] = False
    assert post_form(sara, "/people/new", **DAD).status_code == 302
    app.config["WTF_CSRF_ENABLED"] = True
    with app.app_context():
        from registry.families.models import CaredForPerson

        dad = db.session.scalar(select(CaredForPerson.id))
    url = _asked(parse(sara.get("/shortlist").get_data(as_text=True)), five[:2]) + f"&for={dad}"
    page = parse(sara.get(url).get_data(as_text=True))
    assert [o.attrs["value"] for o in page.find("select", id="person").find_all("option") if "selected" in o.attrs] == [
        str(dad)
    ]
    assert (
        post_form(
            sara, url, action="/shortlist/enquire", district="", **{k: v for k, v in ASK.items() if k != "district"}
        ).status_code
        == 302
    )
    with app.app_context():
        assert [(e.person_id, e.district) for e in db.session.scalars(select(Enquiry))] == [(dad, "LS6")] * 2


@pytest.mark.parametrize(
    ("chosen", "typed", "message"),
    [
        ([], {}, "Tick the providers on your shortlist you would like to ask"),
        ([0, 1, 2, 3, 4], {}, "You can ask up to 4 providers at once"),
        ([0, "not-saved"], {}, "Only providers on your shortlist can be asked together"),
        ([0, "no-such-provider"], {}, "Only providers on your shortlist can be asked together"),
        ([0, "x" * 500], {}, "Only providers on your shortlist can be asked together"),
        ([0, 1], {"person": "abc"}, "Choose yourself or someone you arrange care for."),
        ([0, 1], {"person": "1" * 400}, "Choose yourself or someone you arrange care for."),
        ([0, 1], {"service": "nursing"}, "Kim Lewis: Choose one of the services this provider is listed for."),
        ([0, 1], {"hours_per_week": "0"}, "Enter a whole number of hours from 1 to"),
        ([0, 1], {"message": ""}, "Write a message."),
        ([0, 1], {"times": []}, "Tick at least one day and time that would suit."),
    ],
)
def test_garbage_is_refused_clearly_and_stores_nothing(app, sara, five, make_provider, chosen, typed, message):
    not_saved = make_provider("pa", name="Not Saved")
    approve_checks(app, not_saved)
    slugs = [five[c] if isinstance(c, int) else {"not-saved": not_saved}.get(c, c) for c in chosen]
    token = parse(sara.get("/shortlist").get_data(as_text=True)).find("input", name="csrf_token").attrs["value"]
    before = _stored(app)
    response = sara.post("/shortlist/enquire", data={"csrf_token": token, "provider": slugs, **ASK, **typed})
    assert response.status_code == 422
    page = parse(response.get_data(as_text=True))
    assert page.find("title").text.startswith("Error: ")
    assert message in page.find("div", cls="error-summary").text
    for link in page.find("div", cls="error-summary").find_all("a"):
        assert link.attrs["href"].removeprefix("#") in ids_of(page)  # each error leads to its place
    assert _stored(app) == before
    # Without a CSRF token nothing happens either.
    assert sara.post("/shortlist/enquire", data={"provider": five[:2], **ASK}).status_code == 422
    assert _stored(app) == before


def test_only_an_account_looking_for_care_asks(app, client, five):
    query = f"/shortlist/enquire?provider={five[0]}&provider={five[1]}"
    assert client.get(query).status_code == 302  # to sign in
    app.config["WTF_CSRF_ENABLED"] = False  # for the sign-in helper
    assert signed_in(app, "kim@example.com").get(query).status_code == 403
