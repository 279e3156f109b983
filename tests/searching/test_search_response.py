"""The API's search response is written out by hand for speed; the schema it documents must agree."""

from __future__ import annotations

from datetime import timedelta

from registry.accounts import services as accounts
from registry.api.query import parse_query
from registry.councils import services as councils
from registry.extensions import db
from registry.models import today
from registry.providers.services import get_by_slug
from registry.reviews.models import ProviderRating
from registry.searching.schemas import SearchResponseSchema, search_args_schema, search_response
from registry.searching.services import search_providers, searchable_services
from tests.conftest import PASSWORD


def _search(app, query: dict) -> tuple[dict, dict]:
    with app.test_request_context("/api/v1/search", query_string=query):
        args = parse_query(search_args_schema(frozenset(t.slug for t in searchable_services())))
        page = search_providers(args)
        return search_response(page), SearchResponseSchema().dump(page)


def test_the_written_out_response_is_what_the_documented_schema_dumps(app, client, listed_provider):
    rated = listed_provider(name="Rated Carer", rate_min_pence=1450, rate_max_pence=1800)
    listed_provider(name="New Carer", kind="organisation")
    with app.app_context():
        db.session.add(ProviderRating(provider_id=get_by_slug(rated).id, score=8.25, review_count=3, dimensions={}))
        council = councils.create_council("Leeds City Council", "council", ["LS6"])
        commissioner = accounts.create_user("cam@leeds.example", PASSWORD, "Cam Commissioner", "recipient")
        councils.make_commissioner(commissioner, council)
        framework = councils.create_framework(
            council, commissioner, "Home support", today() - timedelta(days=1), today() + timedelta(days=30)
        )
        provider = get_by_slug(rated)
        councils.add_provider(framework, commissioner, provider, provider.services[0].service_type, 1925)
        db.session.commit()

    for query in (
        {"postcode": "LS6 2AA"},
        {"postcode": "LS6 2AA", "council_list": "1", "service": "personal-care"},
        {"postcode": "LS6 2AA", "q": "nothing matches this"},
    ):
        written, dumped = _search(app, query)
        assert written == dumped
        assert client.get("/api/v1/search", query_string=query).get_json() == written

    written, _ = _search(app, {"postcode": "LS6 2AA"})
    by_name = {row["name"]: row for row in written["results"]}
    assert by_name["Rated Carer"]["rating"] == {"score": 8.2, "count": 3}
    assert by_name["Rated Carer"]["hourly_rate"] == {"min_pounds": "14.50", "max_pounds": "18.00"}
    assert by_name["New Carer"]["rating"] == {"score": None, "count": 0}
    [approval] = _search(app, {"postcode": "LS6 2AA", "council_list": "1"})[0]["results"][0]["council_approvals"]
    assert approval["agreed_rate_pounds"] == "19.25" and approval["council"] == "Leeds City Council"
