"""A database that cannot be reached gets the 503 page (or the API's JSON 503), signed in or not."""

import pytest

from tests.conftest import make_app, signed_in

DOWN_URL = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"  # nothing listens on port 1


@pytest.fixture
def down_client(app, tmp_path):
    """``down_client(signed_in_client)``: the same browser, on an app whose database cannot be reached."""

    def _make(browser):
        down = make_app(DOWN_URL, tmp_path / "down", SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"connect_timeout": 2}})
        down.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: an error is a response, not a raise
        client = down.test_client()
        for name in ("session", "remember_token"):
            cookie = browser.get_cookie(name, domain="registry.test")
            if cookie is not None:
                client.set_cookie(name, cookie.value, domain="registry.test")
        return client

    return _make


@pytest.mark.parametrize("role", ["recipient", "provider"])
def test_a_signed_in_user_gets_the_503_page_when_the_database_is_down(app, make_user, down_client, role):
    signed_in_browser = signed_in(app, make_user(role), remember=True)
    assert signed_in_browser.get("/account/").status_code == 200
    browser = down_client(signed_in_browser)
    for path in ("/", "/account/", "/healthz-not-a-page"):
        page = browser.get(path)
        assert page.status_code == 503, path
        assert b"briefly unavailable" in page.data
        assert page.headers["Retry-After"] == "30" and page.headers["Cache-Control"] == "no-store"
    posted = browser.post("/account/", data={"name": "New Name"})
    assert posted.status_code == 503 and b"nothing you sent has been saved" in posted.data


def test_a_signed_in_api_client_gets_the_json_503(app, make_user, down_client):
    browser = down_client(signed_in(app, make_user("recipient")))
    api = browser.get("/api/v1/search", query_string={"postcode": "LS6"})
    assert api.status_code == 503
    assert api.get_json()["error"]["code"] == "unavailable"
