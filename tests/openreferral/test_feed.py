"""The Open Referral UK feed: what a council harvesting it gets."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from registry.extensions import db
from registry.models import today, utcnow
from registry.openreferral import ids
from searchindex.geo import locate
from tests.conftest import approve_checks

LISTS = ["services", "service_at_locations", "organizations", "taxonomies", "taxonomy_terms"]
DETAIL_KIND = {
    "services": "service",
    "service_at_locations": "service_at_location",
    "organizations": "organization",
    "taxonomies": "taxonomy",
    "taxonomy_terms": "taxonomy_term",
}


def harvest(client, endpoint: str, per_page: int = 2, **params) -> list[dict]:
    """Every item of a paged endpoint, following the pages as a harvester would."""
    items, page = [], 1
    while True:
        assert page <= 1000, "the feed never said it was on its last page"
        response = client.get(f"/openreferral/{endpoint}", query_string={"page": page, "per_page": per_page, **params})
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        items += body["contents"]
        assert body["size"] == len(body["contents"]) <= per_page
        if body["last_page"]:
            assert len(items) == body["total_items"]
            return items
        page += 1


@pytest.fixture
def registry(app, make_provider):
    """A listed PA, an organisation listed for one of its two services, and a provider still waiting."""
    pa = make_provider("pa", name="Ceri Morgan", base_postcode="LS6 2AA", services=["personal-care", "companionship"])
    approve_checks(app, pa)
    org = make_provider(
        "organisation",
        name="Kirkstall Care",
        base_postcode="LS5 3AA",
        services=["personal-care", "companionship"],
        cqc_provider_id="1-101234567",
        website="https://kirkstall.example",
    )
    approve_checks(app, org, kinds=("identity", "dbs", "insurance"))
    waiting = make_provider("pa", name="Waiting Walker", base_postcode="LS6 1AA")
    return {"pa": pa, "org": org, "waiting": waiting}


def _provider_id(app, slug):
    from registry.providers.services import get_by_slug

    with app.app_context():
        return get_by_slug(slug).id


def test_every_endpoint_validates_against_the_official_schemas(client, registry, hsds):
    assert client.get("/openreferral/").get_json()["version"] == "3.0"
    for endpoint in LISTS:
        first = client.get(f"/openreferral/{endpoint}").get_json()
        hsds.page(endpoint, first)
        items = harvest(client, endpoint)
        assert items, endpoint
        for item in items:
            detail = client.get(f"/openreferral/{endpoint}/{item['id']}")
            assert detail.status_code == 200, (endpoint, item["id"])
            hsds.item(DETAIL_KIND[endpoint], detail.get_json())


def test_an_empty_registry_still_validates(client, hsds):
    for endpoint in LISTS:
        body = client.get(f"/openreferral/{endpoint}").get_json()
        hsds.page(endpoint, body)
    assert client.get("/openreferral/services").get_json()["total_items"] == 0
    assert client.get("/openreferral/organizations").get_json()["empty"] is True
    # The taxonomy is there before any provider is.
    terms = harvest(client, "taxonomy_terms", per_page=50)
    assert {"personal-care", "dbs", "identity"} <= {t["term"] for t in terms}
    for term in terms:
        hsds.item("taxonomy_term", client.get(f"/openreferral/taxonomy_terms/{term['id']}").get_json())


def test_only_listed_services_of_listed_providers_appear(app, client, registry):
    services = harvest(client, "services")
    names = sorted(s["name"] for s in services)
    assert names == ["Companionship: Ceri Morgan", "Companionship: Kirkstall Care", "Personal care: Ceri Morgan"]
    organizations = {o["name"] for o in harvest(client, "organizations")}
    assert organizations == {"Ceri Morgan", "Kirkstall Care"}
    # The organisation offers personal care but has no CQC check: not listed for it, so no such service.
    org_id = _provider_id(app, registry["org"])
    assert client.get(f"/openreferral/services/{ids.service_id(org_id, 1)}").status_code == 404
    waiting_id = _provider_id(app, registry["waiting"])
    response = client.get(f"/openreferral/organizations/{ids.organization_id(waiting_id)}")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "organization_not_found"


def test_a_suspended_provider_disappears(app, client, registry):
    from registry.checks.listing import recompute_listing
    from registry.providers.services import get_by_slug

    with app.app_context():
        provider = get_by_slug(registry["pa"])
        provider.suspended_at = utcnow()
        recompute_listing(provider, today())
        db.session.commit()
    assert {s["organization"]["name"] for s in harvest(client, "services")} == {"Kirkstall Care"}


def test_a_pa_is_placed_at_the_district_centre_never_the_address(app, client, registry):
    pa_id = _provider_id(app, registry["pa"])
    body = client.get(f"/openreferral/services/{ids.service_id(pa_id, 1)}").get_json()
    (link,) = body["service_at_locations"]
    centre = locate("LS6")
    assert (link["location"]["latitude"], link["location"]["longitude"]) == (
        round(centre.latitude, 5),
        round(centre.longitude, 5),
    )
    assert link["location"]["addresses"] == []
    assert "LS6 2AA" not in client.get(f"/openreferral/services/{ids.service_id(pa_id, 1)}").get_data(as_text=True)
    assert "LS6 2AA" not in client.get(f"/openreferral/service_at_locations/{link['id']}").get_data(as_text=True)
    assert body["service_areas"][0]["name"] == "Up to 10 miles from the centre of LS6"


def test_checks_are_published_as_accreditation_attributes_with_what_and_when(app, client, registry):
    pa_id = _provider_id(app, registry["pa"])
    body = client.get(f"/openreferral/services/{ids.service_id(pa_id, 1)}").get_json()
    checks = {a["taxonomy_term"]["term"]: a for a in body["attributes"] if a["link_type"] == "accreditation"}
    assert {"identity", "dbs", "insurance", "right_to_work"} <= set(checks)
    dbs = checks["dbs"]
    assert dbs["label"].startswith("Enhanced DBS with adults' and children's barred lists, original seen in person on")
    assert dbs["value"] == today().isoformat()
    assert dbs["taxonomy_term"]["taxonomy_id"] == ids.taxonomy_id(ids.CHECKS_TAXONOMY)
    assert "Enhanced DBS" in body["accreditations"]
    assert body["assured_date"] == today().isoformat()
    # Never certificate numbers.
    assert "001234567890" not in client.get(f"/openreferral/services/{ids.service_id(pa_id, 1)}").get_data(as_text=True)
    # The service type is an attribute too, from the service-type taxonomy.
    (kind,) = [a for a in body["attributes"] if a["link_type"] == "service_type"]
    assert kind["taxonomy_term"]["term"] == "personal-care"


def test_a_verified_cqc_registration_is_an_organization_identifier(app, client, registry, make_provider):
    org = make_provider("organisation", name="Roundhay Home Care", base_postcode="LS8 1AA", services=["personal-care"])
    approve_checks(app, org, kinds=("identity", "dbs", "insurance", "cqc"))
    body = client.get(f"/openreferral/organizations/{ids.organization_id(_provider_id(app, org))}").get_json()
    assert [i["identifier"] for i in body["organization_identifiers"]] == ["1-101234567"]
    assert [s["name"] for s in body["services"]] == ["Personal care: Roundhay Home Care"]


def test_filters(app, client, registry):
    def names(**params):
        return sorted(s["name"] for s in harvest(client, "services", per_page=10, **params))

    assert names(taxonomy_term_id=ids.taxonomy_term_id(ids.SERVICE_TYPES_TAXONOMY, 1)) == ["Personal care: Ceri Morgan"]
    right_to_work = ids.taxonomy_term_id(ids.CHECKS_TAXONOMY, 3)
    assert names(taxonomy_term_id=right_to_work) == ["Companionship: Ceri Morgan", "Personal care: Ceri Morgan"]
    assert names(search="kirkstall") == ["Companionship: Kirkstall Care"]
    assert names(text="CERI morgan") == ["Companionship: Ceri Morgan", "Personal care: Ceri Morgan"]
    assert names(search="nobody-matches-this") == []
    assert names(search="100%") == []
    org_id = ids.organization_id(_provider_id(app, registry["org"]))
    assert names(organization_id=org_id) == ["Companionship: Kirkstall Care"]
    # Both travel 10 miles; LS5 and LS6 centres are about a mile apart; York is 20 miles away.
    assert len(names(postcode="LS6 2AA")) == 3
    assert names(postcode="YO1 7HH") == []
    assert names(postcode="LS6", proximity="100") == ["Companionship: Ceri Morgan", "Personal care: Ceri Morgan"]
    nearest = harvest(client, "service_at_locations", per_page=10, postcode="LS5")
    assert nearest[0]["service"]["organization"]["name"] == "Kirkstall Care"


@pytest.mark.parametrize(
    "params, field",
    [
        ({"page": "0"}, "page"),
        ({"page": "two"}, "page"),
        ({"per_page": "100000"}, "per_page"),
        ({"postcode": "nowhere"}, "postcode"),
        ({"postcode": "ZZ99"}, "postcode"),
        ({"proximity": "500"}, "proximity"),
        ({"postcode": "LS6", "proximity": "-3"}, "proximity"),
        ({"postcode": "LS6", "proximity": "nan"}, "proximity"),
        ({"taxonomy_term_id": "not-a-uuid"}, "taxonomy_term_id"),
        ({"taxonomy_term_id": ids.organization_id(1)}, "taxonomy_term_id"),
        ({"taxonomy_id": ids.taxonomy_id(9)}, "taxonomy_id"),
        ({"organization_id": "x"}, "organization_id"),
        ({"search": "x" * 201}, "search"),
    ],
)
def test_bad_parameters_get_400_with_the_api_error_shape(client, params, field):
    for endpoint in ("services", "service_at_locations"):
        response = client.get(f"/openreferral/{endpoint}", query_string=params)
        assert response.status_code == 400
        error = response.get_json()["error"]
        assert error["code"] == "invalid_parameters"
        assert field in error["fields"]


def test_unknown_ids_get_404_json(client):
    for endpoint in LISTS:
        for bad in ("nonsense", ids.encode("service", 99, 99), "00000000-0000-0000-0000-000000000000"):
            response = client.get(f"/openreferral/{endpoint}/{bad}")
            assert response.status_code == 404
            assert response.get_json()["error"]["code"].endswith("_not_found")
    assert client.get("/openreferral/no-such-endpoint").get_json()["error"]["code"] == "not_found"


def test_paging_past_the_end_is_an_empty_page(client, registry):
    body = client.get("/openreferral/services", query_string={"page": 50, "per_page": 2}).get_json()
    assert body["contents"] == [] and body["empty"] and body["last_page"] and body["total_items"] == 3


def test_a_lapsed_check_delists_without_waiting_for_anyone(app, client, make_provider):
    slug = make_provider("pa", name="Short Lived", base_postcode="LS6 2AA", services=["companionship"])
    approve_checks(app, slug, days_valid=1)
    assert len(harvest(client, "services")) == 1
    from registry.checks.models import Check
    from registry.providers.services import get_by_slug

    with app.app_context():
        # Midnight passes: the checks are out of date in the database, and no job or service has run.
        provider_id = get_by_slug(slug).id
        db.session.execute(
            sa.update(Check).where(Check.provider_id == provider_id).values(valid_until=today() - timedelta(days=1))
        )
        db.session.commit()
    assert harvest(client, "services") == []
