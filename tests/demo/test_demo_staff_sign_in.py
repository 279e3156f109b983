"""`make run`'s demo staff accounts can be signed in to with the authenticator key the seed prints."""

from __future__ import annotations

import re

from tests.conftest import totp_code


def test_the_demo_officer_admin_and_commissioner_sign_in_with_the_printed_key(app, runner):
    seeded = runner.invoke(args=["demo", "seed", "--cities", "1", "--providers", "0"])
    assert seeded.exit_code == 0, seeded.output
    key = re.search(r"authenticator key ([A-Z2-7]{32})", seeded.output).group(1)
    for email, page in [
        ("officer@demo.trustedcare.example", "/officer/queue"),
        ("admin@demo.trustedcare.example", "/admin/accounts"),
        ("commissioner@demo.trustedcare.example", "/council"),
    ]:
        client = app.test_client()
        client.post("/account/sign-in", data={"email": email, "password": "demo-password-2026"})
        assert client.get(page).status_code == 302  # the password alone opens nothing
        assert "Confirm it is you" in client.get("/account/second-factor").get_data(as_text=True)
        response = client.post("/account/second-factor", data={"code": totp_code(key)})
        assert response.status_code == 302, email
        assert client.get(page).status_code == 200, email
