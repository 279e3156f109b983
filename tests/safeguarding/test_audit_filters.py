"""The officers' audit log filters: refused filters come back with the GOV.UK error summary, the rest as before."""

from __future__ import annotations

from tests.conftest import signed_in
from tests.foundation import test_query_counts
from tests.foundation.test_query_counts import add_audit_events
from tests.html_forms import error_summary, form_fields

world = test_query_counts.world  # the fixture, shared


def test_refused_filters_are_listed_linked_to_their_fields_and_kept_as_typed(app, world):
    client = signed_in(app, world["officer"])
    response = client.get("/officer/audit?actor=system&since=yesterday&until=2026-13-01")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    targets, elements = error_summary(html)
    assert targets == ["since", "until"]
    for target in targets:  # the link lands on the field, which says it is invalid and points at its message
        field = elements[target]
        assert field["tag"] == "input" and field.get("aria-invalid") == "true"
        assert elements[field["aria-describedby"]]["class"] == "error"
    assert html.count("Enter a date like 2026-03-31.") == 4  # two dates, each in the summary and by its field
    typed = form_fields(html, "")  # the filter form sends to its own address
    assert ("actor", "system") in typed and ("since", "yesterday") in typed and ("until", "2026-13-01") in typed
    assert "<title>Error: Audit log" in html


def test_dates_out_of_order_are_an_error_on_the_end_date(app, world):
    client = signed_in(app, world["officer"])
    response = client.get("/officer/audit?since=2026-03-31&until=2026-03-01")
    targets, elements = error_summary(response.get_data(as_text=True))
    assert response.status_code == 400 and targets == ["until"]


def test_good_filters_show_no_summary_and_ignore_parameters_the_page_does_not_know(app, world):
    add_audit_events(app, world, 2)
    client = signed_in(app, world["officer"])
    response = client.get(f"/officer/audit?action=document.viewed&provider={world['slug']}&utm_source=mail")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "2 events" in html
    assert error_summary(html)[0] == [] and "aria-invalid" not in html


def test_an_unknown_provider_is_not_found_and_a_refused_export_is_a_400_page(app, world):
    client = signed_in(app, world["officer"])
    assert client.get("/officer/audit?provider=nobody-at-all").status_code == 404
    export = client.get("/officer/audit.csv?since=yesterday")
    assert export.status_code == 400 and export.mimetype == "text/html"
    assert "Enter a date like 2026-03-31." in export.get_data(as_text=True)
    assert client.get("/officer/audit.csv?provider=nobody-at-all").status_code == 400
