"""Every field says what to type: a label, formats as hints before any mistake, optional fields marked, autocomplete on personal details."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from registry.checks.kinds import KIND_NAMES, kinds_for
from registry.checks.models import Check
from registry.extensions import db
from registry.nations import Nation
from tests.checks.conftest import add_check
from tests.reviews.conftest import engaged, listed, signed_in  # noqa: F401 (fixtures)


class _Controls(HTMLParser):
    """Form controls inside <main>, and whether each has a name a screen reader reads out."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.in_main = False
        self.label_depth = 0
        self.labelled_ids: set[str] = set()
        self.controls: list[dict] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "main":
            self.in_main = True
        if not self.in_main:
            return
        if tag == "label":
            self.label_depth += 1
            if a.get("for"):
                self.labelled_ids.add(a["for"])
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit", "button"):
            self.controls.append({**a, "tag": tag, "wrapped": self.label_depth > 0})

    def handle_endtag(self, tag):
        if tag == "label":
            self.label_depth -= 1
        if tag == "main":
            self.in_main = False


def unnamed_controls(page: str) -> list[str]:
    reader = _Controls()
    reader.feed(page)
    return [
        f"{c['tag']} name={c.get('name')}"
        for c in reader.controls
        if not (c["wrapped"] or c.get("aria-label") or c.get("id") in reader.labelled_ids)
    ]


def hint_of(page: str, field_id: str) -> str:
    """The hint text tied to a field by aria-describedby (what a screen reader reads after the label)."""
    control = re.search(rf'<(?:input|select|textarea)[^>]*\bid="{field_id}"[^>]*>', page).group(0)
    described = re.search(r'aria-describedby="([^"]+)"', control).group(1).split()
    assert f"{field_id}-hint" in described
    return re.search(rf'<p class="hint" id="{field_id}-hint">(.*?)</p>', page, re.S).group(1)


def label_of(page: str, field_id: str) -> str:
    return re.search(rf'<label for="{field_id}">(.*?)</label>', page, re.S).group(1)


@pytest.fixture
def officer_page(app, make_user, make_provider):
    make_provider("pa", name="Pat Ahmed", email="pat@example.com")
    provider = signed_in(app, "pat@example.com")
    add_check(provider)
    with app.app_context():
        check_id = db.session.scalar(select(Check.id))
    return signed_in(app, make_user("officer")).get(f"/officer/checks/{check_id}").get_data(as_text=True)


def test_every_field_on_every_form_has_a_name(app, client, engaged, officer_page, listed, make_provider):  # noqa: F811
    recipient, provider, engagement_id = engaged
    pages = {
        path: client.get(path)
        for path in ("/", "/search?postcode=LS6", "/account/sign-in", "/account/sign-up", "/account/forgot-password")
    }
    for path in (
        "/account/",
        "/account/password",
        f"/providers/{listed}",
        f"/providers/{listed}/concern",
        f"/providers/{listed}/enquire",
        "/enquiries",
        f"/engagements/{engagement_id}/review",
    ):
        pages[path] = recipient.get(path)
    for path in ["/dashboard", "/dashboard/profile", "/enquiries", f"/providers/{listed}"] + [
        f"/dashboard/checks/new?kind={kind}" for kind in kinds_for(Nation.ENGLAND)
    ]:
        pages["provider " + path] = provider.get(path)
    # The other nations' checks, each asked of a provider there (registry/nations.py).
    for nation, postcode in (
        (Nation.SCOTLAND, "G1 1AA"),
        (Nation.WALES, "CF10 1AA"),
        (Nation.NORTHERN_IRELAND, "BT1 1AA"),
    ):
        email = f"{nation}@example.com"
        make_provider("pa", name=f"Provider in {nation}", email=email, base_postcode=postcode)
        there = signed_in(app, email)
        for kind in set(kinds_for(nation)) - set(kinds_for(Nation.ENGLAND)):
            pages[f"{nation} provider /dashboard/checks/new?kind={kind}"] = there.get(
                f"/dashboard/checks/new?kind={kind}"
            )
    assert {kind for path in pages for kind in KIND_NAMES if path.endswith(f"kind={kind}")} == set(KIND_NAMES)
    found = {path: unnamed_controls(response.get_data(as_text=True)) for path, response in pages.items()}
    found["officer review"] = unnamed_controls(officer_page)
    assert {path: controls for path, controls in found.items() if controls} == {}
    assert all(response.status_code == 200 for response in pages.values()), {p: r.status_code for p, r in pages.items()}


def test_the_concern_box_asks_what_happened(app, engaged, listed):  # noqa: F811
    recipient, _, _ = engaged
    page = recipient.get(f"/providers/{listed}/concern").get_data(as_text=True)
    assert label_of(page, "text") == "What happened, or what worries you?"
    assert "never published" in hint_of(page, "text")


def test_formats_are_hints_before_any_mistake_is_made(app, make_provider):
    make_provider("pa", name="Pat Ahmed", email="pat@example.com")
    provider = signed_in(app, "pat@example.com")
    dbs = provider.get("/dashboard/checks/new?kind=dbs").get_data(as_text=True)
    assert "12 digits" in hint_of(dbs, "certificate_number")
    assert "Day, month and year" in hint_of(dbs, "issue_date")
    insurance = provider.get("/dashboard/checks/new?kind=insurance").get_data(as_text=True)
    assert "Day, month and year" in hint_of(insurance, "end_date")
    assert "whole pounds" in hint_of(insurance, "cover_pounds")
    profile = provider.get("/dashboard/profile").get_data(as_text=True)
    assert "17.50" in hint_of(profile, "rate_min")
    # After a mistake the hint stays, and the error is read with it.
    refused = provider.post(
        "/dashboard/checks/new?kind=dbs",
        data={"level": "enhanced", "barred_lists": "adults", "certificate_number": "1234", "issue_date": "2026-02-01"},
    ).get_data(as_text=True)
    control = re.search(r'<input[^>]*id="certificate_number"[^>]*>', refused).group(0)
    assert 'aria-describedby="certificate_number-hint certificate_number-error"' in control


def test_the_rating_scale_says_which_end_is_good(engaged):  # noqa: F811
    recipient, _, engagement_id = engaged
    page = recipient.get(f"/engagements/{engagement_id}/review").get_data(as_text=True)
    fieldset = re.search(
        r'<fieldset aria-describedby="reliability-hint"><legend>[^<]+</legend>\s*<p class="hint" id="reliability-hint">([^<]+)</p>',
        page,
    )
    assert fieldset and fieldset.group(1) == "1 is very poor, 5 is excellent."


def test_optional_fields_say_so(app, client, auth, make_user, make_provider):
    make_provider("pa", name="Pat Ahmed", email="pat@example.com")
    provider = signed_in(app, "pat@example.com")
    profile = provider.get("/dashboard/profile").get_data(as_text=True)
    for field_id in ("rate_max", "gender", "years_experience"):
        assert label_of(profile, field_id).endswith("(optional)"), field_id
    for field_id in ("display_name", "base_postcode", "rate_min"):
        assert "optional" not in label_of(profile, field_id), field_id
    auth.sign_in(make_user("recipient"))
    assert label_of(client.get("/account/").get_data(as_text=True), "home_postcode") == "Home postcode (optional)"


@pytest.mark.parametrize(
    "path, expected",
    [
        ("/account/forgot-password", {"email": "email"}),
        ("/account/sign-up", {"name": "name", "email": "email", "password": "new-password", "confirm": "new-password"}),
        ("/account/sign-in", {"email": "email", "password": "current-password"}),
    ],
)
def test_personal_fields_can_be_filled_in_by_the_browser(client, path, expected):
    page = client.get(path).get_data(as_text=True)
    for field_id, token in expected.items():
        assert re.search(
            rf'<input[^>]*autocomplete="{token}"[^>]*id="{field_id}"|<input[^>]*id="{field_id}"[^>]*autocomplete="{token}"',
            page,
        ), field_id


def test_signed_in_and_reset_password_fields_can_be_filled_in_by_the_browser(app, client, auth, make_user):
    from registry.accounts.services import find_user_by_email, make_reset_token

    email = make_user("recipient", email="rosa@example.com")
    with app.app_context():
        reset_path = f"/account/reset/{make_reset_token(find_user_by_email(email))}"
    reset = client.get(reset_path).get_data(as_text=True)
    auth.sign_in(email)
    account = client.get("/account/").get_data(as_text=True)
    password = client.get("/account/password").get_data(as_text=True)
    for page, expected in (
        (account, {"name": "name", "home_postcode": "postal-code"}),
        (password, {"current_password": "current-password", "new_password": "new-password", "confirm": "new-password"}),
        (reset, {"new_password": "new-password", "confirm": "new-password"}),
    ):
        for field_id, token in expected.items():
            control = re.search(rf'<input[^>]*\bid="{field_id}"[^>]*>', page).group(0)
            assert f'autocomplete="{token}"' in control, field_id
