"""Following "Add it" beside a requirement starts the form at what that requirement asks for."""

import html
import re

from tests.checks.conftest import PDF, upload
from tests.conftest import signed_in
from tests.html_forms import parse, text

ADULTS = "Enhanced DBS with the adults&#39; barred list"


def _add_link(dashboard: str, requirement_name: str) -> str:
    """The "Add it" link in the dashboard line for ``requirement_name``."""
    line = next(li for li in dashboard.split("<li>") if requirement_name in li)
    return html.unescape(re.search(r'href="([^"]*/dashboard/checks/new[^"]*)"', line).group(1))


def _selected(page: str, name: str) -> str:
    """The option a browser shows chosen: the one marked selected, or else the first."""
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S).group(1)
    chosen = re.search(r'<option selected value="([^"]*)"', select) or re.search(r'<option value="([^"]*)"', select)
    return chosen.group(1)


def test_adding_a_dbs_from_an_enhanced_adults_requirement_preselects_enhanced_with_the_adults_list(app, make_provider):
    make_provider("pa", name="Pat Ahmed", email="pat@example.com", services=["personal-care"])
    client = signed_in(app, "pat@example.com")
    dashboard = client.get("/dashboard").get_data(as_text=True)
    link = _add_link(dashboard, ADULTS)
    form = client.get(link).get_data(as_text=True)
    assert _selected(form, "level") == "enhanced"
    assert _selected(form, "barred_lists") == "adults"

    # Sending the form as it started (only the certificate's own details typed in) counts towards that requirement.
    sent = client.post(
        link,
        data={
            "level": _selected(form, "level"),
            "barred_lists": _selected(form, "barred_lists"),
            "certificate_number": "001234567890",
            "issue_date": "2026-02-01",
            "document": upload(PDF),
        },
        content_type="multipart/form-data",
    )
    assert sent.status_code == 302
    dashboard = parse(client.get("/dashboard").get_data(as_text=True))
    line = next(text(li) for li in dashboard.xpath("//li") if html.unescape(ADULTS) in text(li))
    assert "waiting for an officer to review it" in line


def test_the_plain_add_a_check_link_leaves_the_form_as_it_was(app, make_provider):
    make_provider("pa", name="Pat Ahmed", email="pat@example.com", services=["personal-care"])
    client = signed_in(app, "pat@example.com")
    form = client.get("/dashboard/checks/new?kind=dbs").get_data(as_text=True)
    assert _selected(form, "level") == "basic" and _selected(form, "barred_lists") == "none"


def test_a_provider_who_needs_both_barred_lists_starts_with_both(app, make_provider):
    make_provider("pa", name="Pat Ahmed", email="pat@example.com", services=["personal-care", "support-for-children"])
    client = signed_in(app, "pat@example.com")
    dashboard = client.get("/dashboard").get_data(as_text=True)
    for requirement in (ADULTS, "Enhanced DBS with the children&#39;s barred list"):
        form = client.get(_add_link(dashboard, requirement)).get_data(as_text=True)
        assert _selected(form, "level") == "enhanced" and _selected(form, "barred_lists") == "both"
