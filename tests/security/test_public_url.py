"""Item 1: emailed links come from PUBLIC_URL, never from the request's Host."""

import re

import pytest

from config.settings import ConfigurationError
from registry.mail import outbox_messages
from tests.conftest import ENQUIRY_DETAILS, approve_checks
from tests.security.conftest import production_app

EVIL = {"Host": "evil.example"}


def _links(app) -> list[str]:
    return [
        link for m in outbox_messages(app) for link in re.findall(r"https?://\S+", m.get_body(("plain",)).get_content())
    ]


def test_a_reset_requested_with_a_forged_host_emails_a_link_to_the_real_site(app, client, make_user):
    email = make_user("recipient")
    client.post("/account/forgot-password", data={"email": email}, headers=EVIL).close()
    [link] = _links(app)
    assert link.startswith("http://registry.test/account/reset/")


def test_review_and_enquiry_emails_link_to_the_real_site_whatever_the_host(app, make_provider, make_user):
    slug = make_provider("pa", name="Kim Lewis", email="kim@example.com")
    approve_checks(app, slug)
    recipient, provider = app.test_client(), app.test_client()
    recipient.post(
        "/account/sign-in",
        data={"email": make_user("recipient", email="rosa@example.com"), "password": "correct-horse-battery"},
        headers=EVIL,
    )
    provider.post(
        "/account/sign-in", data={"email": "kim@example.com", "password": "correct-horse-battery"}, headers=EVIL
    )
    recipient.post(
        f"/providers/{slug}/enquire",
        headers=EVIL,
        data={"service": "companionship", **ENQUIRY_DETAILS, "message": "Hello, could you visit?"},
    )
    provider.post("/dashboard/invitations", headers=EVIL, data={"email": "dad@example.com"})
    # Signing up emails the link that confirms the address (make_provider's accounts are made as rows, unemailed).
    app.test_client().post(
        "/account/sign-up",
        headers=EVIL,
        data={
            "account_type": "recipient",
            "name": "Nia",
            "email": "nia@example.com",
            "password": "correct-horse-battery",
            "confirm": "correct-horse-battery",
        },
    )
    links = _links(app)
    assert {"verify", "enquiries", "invitations"} <= {
        link.split("/")[3] if "/account/" not in link else link.split("/")[4] for link in links
    }
    assert all(link.startswith("http://registry.test/") for link in links), links


def test_public_url_may_carry_a_path_prefix(app, make_user):
    app.config["PUBLIC_URL"] = "https://council.example/care"
    from registry.links import public_url_for

    with app.app_context():
        assert (
            public_url_for("accounts.reset_password", token="abc") == "https://council.example/care/account/reset/abc"
        )


def _production(**overrides):
    return production_app(**overrides)


@pytest.mark.parametrize("public_url", [None, "", "http://registry.example.org", "registry.example.org"])
def test_production_refuses_to_start_without_an_https_public_url(public_url):
    with pytest.raises(ConfigurationError, match="PUBLIC_URL"):
        _production(PUBLIC_URL=public_url)


def test_production_answers_only_to_its_own_host_name():
    client = _production().test_client()
    assert client.get("/no-such-page", headers={"Host": "registry.example.org"}).status_code == 404
    assert client.get("/no-such-page", headers=EVIL).status_code == 400
    assert client.post("/account/forgot-password", headers=EVIL, data={"email": "a@example.com"}).status_code == 400


def test_production_can_trust_extra_hosts_such_as_a_health_check_address():
    client = _production(EXTRA_TRUSTED_HOSTS=["10.0.0.5"]).test_client()
    assert client.get("/no-such-page", headers={"Host": "10.0.0.5:8000"}).status_code == 404
