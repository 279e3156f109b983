"""gzip for JSON and pages (registry/compression.py), without breaking conditional requests or leaking a secret."""

from __future__ import annotations

import gzip
import json

import pytest

from tests.conftest import approve_checks

GZIP = {"Accept-Encoding": "gzip"}


@pytest.fixture
def listed(app, make_provider):
    for n in range(3):
        approve_checks(app, make_provider("pa", name=f"Listed {n}", base_postcode="LS6 2AA"))


def _vary(response) -> set[str]:
    return {v.strip().lower() for v in response.headers.get("Vary", "").split(",")}


def test_feed_json_is_gzipped_for_a_client_that_asks_and_plain_for_one_that_does_not(client, listed):
    plain = client.get("/openreferral/services?full=true")
    zipped = client.get("/openreferral/services?full=true", headers=GZIP)
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "accept-encoding" in _vary(plain) and "accept-encoding" in _vary(zipped)
    body = gzip.decompress(zipped.data)
    assert json.loads(body) == plain.get_json()
    assert len(zipped.data) * 4 < len(body)  # the feed's JSON is very repetitive
    assert int(zipped.headers["Content-Length"]) == len(zipped.data)
    assert zipped.headers["Access-Control-Allow-Origin"] == "*"


def test_the_feed_etag_and_304_work_with_gzip(client, listed):
    zipped = client.get("/openreferral/services", headers=GZIP)
    assert zipped.headers["ETag"] == client.get("/openreferral/services").headers["ETag"]  # weak: one per content
    again = client.get("/openreferral/services", headers={**GZIP, "If-None-Match": zipped.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    since = client.get("/openreferral/services", headers={**GZIP, "If-Modified-Since": zipped.headers["Last-Modified"]})
    assert since.status_code == 304


def test_a_strong_etag_names_its_encoding_and_still_gets_304(client):
    zipped = client.get("/api/v1/openapi.json", headers=GZIP)
    plain = client.get("/api/v1/openapi.json")
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert zipped.headers["ETag"] != plain.headers["ETag"]  # a byte-for-byte validator differs per encoding
    assert (
        client.get("/api/v1/openapi.json", headers={**GZIP, "If-None-Match": zipped.headers["ETag"]}).status_code == 304
    )
    assert client.get("/api/v1/openapi.json", headers={"If-None-Match": plain.headers["ETag"]}).status_code == 304


def test_the_ndjson_export_streams_gzipped(client, listed):
    plain = client.get("/openreferral/services?format=ndjson")
    zipped = client.get("/openreferral/services?format=ndjson", headers=GZIP)
    assert zipped.headers["Content-Encoding"] == "gzip" and zipped.is_streamed
    assert gzip.decompress(zipped.data) == plain.data and plain.data.count(b"\n") == 6


def test_a_page_is_gzipped_for_a_visitor_without_cookies(client, listed):
    page = client.get("/search?postcode=LS6+2AA", headers=GZIP)
    assert page.status_code == 200 and page.headers["Content-Encoding"] == "gzip"
    assert b"Listed 0" in gzip.decompress(page.data)
    assert "Content-Encoding" not in client.get("/search?postcode=LS6+2AA").headers


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_a_page_to_a_browser_with_a_session_is_never_compressed(client, listed):
    # A form's CSRF token sits in the session: once the browser holds the cookie, every page
    # would carry the same token, and compressing it beside reflected text could leak it (BREACH).
    first = client.get("/account/sign-in", headers=GZIP)
    assert first.headers["Content-Encoding"] == "gzip"  # no cookie yet: this token is new to this answer
    assert client.get_cookie("session", domain="registry.test") is not None
    again = client.get("/account/sign-in", headers=GZIP)
    assert "Content-Encoding" not in again.headers and b'name="csrf_token"' in again.data
    assert "accept-encoding" in _vary(again)
    # The public JSON never reads the session, so it is still compressed for the same browser.
    assert client.get("/openreferral/services?full=true", headers=GZIP).headers["Content-Encoding"] == "gzip"
    with client.get("/static/site.css", headers=GZIP) as css:  # the server closes the file once it is sent
        assert css.headers["Content-Encoding"] == "gzip" and b"{" in gzip.decompress(css.get_data())
