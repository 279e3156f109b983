"""The OpenAPI 3.1 document of the JSON API and the Open Referral feed.

Built with apispec from the same marshmallow schemas the views load and
dump with, so the document cannot drift from the code; served at
``/api/v1/openapi.json`` and rendered for people at ``/api/docs``.
"""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema, fields, validate

from registry.api.http import cacheable_json
from registry.composed.provider_api import ProviderSchema
from registry.models import today
from registry.openreferral import schemas as feed
from registry.reviews.api import PageArgs as ReviewPageArgs
from registry.reviews.api import ReviewSchema
from registry.searching.schemas import SearchArgsSchema, SearchResponseSchema

API_VERSION = "1.0.0"


class ErrorBodySchema(Schema):
    code = fields.String(
        required=True, metadata={"description": "Stable, machine-readable code.", "example": "invalid_parameters"}
    )
    message = fields.String(required=True, metadata={"description": "A sentence for people."})
    fields_ = fields.Dict(
        data_key="fields",
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={
            "description": "For `invalid_parameters`: the messages for each parameter.",
            "example": {"page": ["Choose a page from 1."]},
        },
    )


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)


class RatingSummarySchema(Schema):
    score = fields.Float(allow_none=True, metadata={"description": "Bayesian score out of 10; null until reviewed."})
    count = fields.Integer()


class ReviewPageSchema(Schema):
    results = fields.List(fields.Nested(ReviewSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    pages = fields.Integer()
    rating = fields.Nested(RatingSummarySchema)


def _field_extras(self, field, **kwargs) -> dict:
    """What apispec leaves out of our fields: exclusive bounds and money as strings."""
    extra: dict[str, Any] = {}
    if isinstance(field, fields.Decimal) and field.as_string:
        extra["type"] = ["string", "null"] if field.allow_none else "string"
        extra["pattern"] = r"^\d+\.\d{2}$"
    for validator in field.validators:
        if isinstance(validator, validate.Range):
            if validator.min is not None and not validator.min_inclusive:
                extra["exclusiveMinimum"] = float(validator.min)
            if validator.max is not None and not validator.max_inclusive:
                extra["exclusiveMaximum"] = float(validator.max)
    return extra


def _error(description: str, code: str, message: str, fields_: dict | None = None) -> dict:
    example = {"error": {"code": code, "message": message, **({"fields": fields_} if fields_ else {})}}
    return {"description": description, "content": {"application/json": {"schema": "Error", "example": example}}}


BAD_PARAMETERS = _error(
    "A parameter is not valid.",
    "invalid_parameters",
    "Some parameters are not valid.",
    {"page": ["Choose a page from 1."]},
)


def _ok(schema: str, description: str, example: Any = None, cached: bool = False) -> dict:
    content: dict[str, Any] = {"schema": schema}
    if example is not None:
        content["example"] = example
    response: dict[str, Any] = {"description": description, "content": {"application/json": content}}
    if cached:
        response["headers"] = {
            "ETag": {
                "description": "Send it back in `If-None-Match` to get 304 while nothing changed.",
                "schema": {"type": "string"},
            },
            "Cache-Control": {"description": "`public, max-age=...`", "schema": {"type": "string"}},
        }
    return response


NOT_MODIFIED = {"description": "Not modified since the ETag given in `If-None-Match`."}


def _query(schema: Schema) -> list[dict]:
    return [{"in": "query", "schema": schema}]


def _path_id(name: str, description: str, example: str) -> dict:
    return {
        "in": "path",
        "name": name,
        "required": True,
        "description": description,
        "schema": {"type": "string"},
        "example": example,
    }


def _search_example() -> dict:
    return {
        "results": [
            {
                "slug": "ceri-morgan",
                "name": "Ceri Morgan",
                "kind": "pa",
                "district": "LS6",
                "distance_miles": 1.2,
                "services": ["personal-care", "companionship"],
                "hourly_rate": {"min_pounds": "18.00", "max_pounds": "22.00"},
                "rating": {"score": 8.4, "count": 12},
                "badges": ["enhanced-dbs", "insurance"],
                "languages": ["en", "cy"],
            }
        ],
        "total": 1,
        "page": 1,
        "pages": 1,
        "facets": {"kind": {"pa": 1}},
    }


def _add_api_paths(spec: APISpec, service_slugs: list[str]) -> None:
    search_args = SearchArgsSchema(service_slugs=set(service_slugs))
    spec.path(
        path="/api/v1/search",
        operations={
            "get": {
                "tags": ["Search"],
                "summary": "Listed providers covering a postcode",
                "description": "The search page's results as JSON: providers listed for every chosen service whose travel radius "
                "reaches the postcode's district, within `radius` miles. 20 a page.",
                "parameters": _query(search_args),
                "responses": {
                    "200": _ok("SearchResponse", "A page of results.", _search_example()),
                    "400": BAD_PARAMETERS,
                },
            }
        },
    )
    slug = _path_id("slug", "The provider's slug, as in its profile's address.", "ceri-morgan")
    not_found = _error(
        "No provider has this slug (`provider_not_found`), or it is not listed today (`provider_not_listed`): its checks "
        "lapsed, it is suspended or closed, or its checks are not all verified yet.",
        "provider_not_found",
        "No provider has the slug “nobody”.",
    )
    spec.path(
        path="/api/v1/providers/{slug}",
        operations={
            "get": {
                "tags": ["Providers"],
                "summary": "A provider's public profile",
                "description": "The profile, its prices (each as the profile page words it), the services it is listed "
                "for and its current checks: what was checked, how and when. Never certificate numbers or documents.",
                "parameters": [slug],
                "responses": {"200": _ok("Provider", "The profile."), "404": not_found},
            }
        },
    )
    spec.path(
        path="/api/v1/providers/{slug}/reviews",
        operations={
            "get": {
                "tags": ["Providers"],
                "summary": "A provider's published reviews, newest first",
                "parameters": [slug, *_query(ReviewPageArgs())],
                "responses": {
                    "200": _ok("ReviewPage", "A page of 20 reviews and the provider's score."),
                    "400": BAD_PARAMETERS,
                    "404": not_found,
                },
            }
        },
    )


FEED_TAG = "Open Referral UK"


def _feed_get(
    summary: str, description: str, parameters: list, schema: str, not_found: tuple[str, str] | None = None
) -> dict:
    responses = {"200": _ok(schema, "OK.", cached=True), "304": NOT_MODIFIED}
    if any(p.get("in") == "query" for p in parameters):
        responses["400"] = BAD_PARAMETERS
    if not_found:
        responses["404"] = _error(f"No {not_found[1]} has this id.", not_found[0], f"No {not_found[1]} has the id “…”.")
    return {
        "get": {
            "tags": [FEED_TAG],
            "summary": summary,
            "description": description,
            "parameters": parameters,
            "responses": responses,
        }
    }


def _add_feed_paths(spec: APISpec) -> None:
    page = _query(feed.PageArgs())
    filters = _query(feed.ServiceArgs())
    at_locations = _query(feed.ServiceAtLocationArgs())
    organizations = _query(feed.OrganizationArgs())
    terms = _query(feed.TaxonomyTermArgs())
    deletions = _query(feed.DeletionArgs())
    spec.path(
        path="/openreferral/",
        operations=_feed_get(
            "About this feed", "The HSDS version, the profile and where this document is.", [], "HsdsFeedInfo"
        ),
    )
    services = _feed_get(
        "Listed services, paged (or all at once as NDJSON)",
        "One service per provider and service type it is listed for, with its organization and its checks "
        "(`accreditations`, `assured_date`). Without `postcode`, ordered by provider then service type. "
        "`format=ndjson`: the whole feed (what the other filters keep) in one streamed response, one full "
        "service per line, in that order, read at one consistent moment on PostgreSQL.",
        filters,
        "HsdsServicePage",
    )
    # full=true: each item is the whole service (HsdsServiceFullPage); without, its summary.
    services["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {
        "anyOf": [
            {"$ref": "#/components/schemas/HsdsServicePage"},
            {"$ref": "#/components/schemas/HsdsServiceFullPage"},
        ]
    }
    services["get"]["responses"]["200"]["content"]["application/x-ndjson"] = {
        "schema": {
            "type": "string",
            "description": "With `format=ndjson`: one `HsdsService` JSON object per line, each ending in a newline.",
        }
    }
    spec.path(path="/openreferral/services", operations=services)
    spec.path(
        path="/openreferral/services/{id}",
        operations=_feed_get(
            "One service in full",
            "With schedules (availability), service area (travel radius), location (the district centre), languages, hourly rate "
            "and attributes: the service type, and one `accreditation` attribute per current check.",
            [_path_id("id", "A service id from `/services`.", feed.UUID_EXAMPLE)],
            "HsdsService",
            ("service_not_found", "service"),
        ),
    )
    spec.path(
        path="/openreferral/service_at_locations",
        operations=_feed_get(
            "Services at their locations, paged",
            "The same services and filters as `/services`, each with its location (json pages only, no `full`).",
            at_locations,
            "HsdsServiceAtLocationPage",
        ),
    )
    spec.path(
        path="/openreferral/service_at_locations/{id}",
        operations=_feed_get(
            "One service at its location, in full",
            "",
            [_path_id("id", "An id from `/service_at_locations`.", "7c6e0004-0000-8001-8000-000000000001")],
            "HsdsServiceAtLocation",
            ("service_at_location_not_found", "service at location"),
        ),
    )
    spec.path(
        path="/openreferral/organizations",
        operations=_feed_get(
            "Providers listed for at least one service, paged",
            "With `modified_after`: those with a listed service that changed at or after it.",
            organizations,
            "HsdsOrganizationPage",
        ),
    )
    deletions_get = _feed_get(
        "What left the feed (for keeping a copy in sync)",
        "Services, service-at-locations and organizations withdrawn at or after `modified_after` "
        "(a check revoked or lapsed, a suspension, a closed account, a service taken off a profile), kept for "
        "OPENREFERRAL_DELETIONS_RETENTION_DAYS (90) days; an older `modified_after` gets 410 "
        "`full_harvest_needed`. Delete these from your copy, then apply the lists with the same `modified_after`.",
        deletions,
        "HsdsDeletionPage",
    )
    deletions_get["get"]["responses"]["410"] = _error(
        "`modified_after` is older than the retention period: harvest the whole feed again.",
        "full_harvest_needed",
        "Deletions are kept for 90 days: harvest the whole feed again, then sync from the time you started.",
        {"modified_after": ["Give a moment in the last 90 days."]},
    )
    spec.path(path="/openreferral/deletions", operations=deletions_get)
    spec.path(
        path="/openreferral/organizations/{id}",
        operations=_feed_get(
            "One provider with its listed services",
            "`organization_identifiers` carries a CQC registration once an officer has verified it.",
            [_path_id("id", "An organization id.", "7c6e0001-0000-8000-8000-000000000001")],
            "HsdsOrganization",
            ("organization_not_found", "organization"),
        ),
    )
    spec.path(
        path="/openreferral/taxonomies",
        operations=_feed_get(
            "The registry's taxonomies", "Two: service types, and check kinds.", page, "HsdsTaxonomyPage"
        ),
    )
    spec.path(
        path="/openreferral/taxonomies/{id}",
        operations=_feed_get(
            "One taxonomy",
            "",
            [_path_id("id", "A taxonomy id.", "7c6e0005-0000-8000-8000-000000000001")],
            "HsdsTaxonomy",
            ("taxonomy_not_found", "taxonomy"),
        ),
    )
    spec.path(
        path="/openreferral/taxonomy_terms",
        operations=_feed_get("Every term of both taxonomies, paged", "", terms, "HsdsTaxonomyTermPage"),
    )
    spec.path(
        path="/openreferral/taxonomy_terms/{id}",
        operations=_feed_get(
            "One taxonomy term",
            "",
            [_path_id("id", "A taxonomy term id.", "7c6e0006-0000-8001-8000-000000000001")],
            "HsdsTaxonomyTerm",
            ("taxonomy_term_not_found", "taxonomy term"),
        ),
    )


SCHEMAS: list[type[Schema]] = [
    ErrorSchema,
    SearchResponseSchema,
    ProviderSchema,
    ReviewPageSchema,
    feed.FeedInfoSchema,
    feed.ServicePageSchema,
    feed.ServiceSchema,
    feed.ServiceAtLocationPageSchema,
    feed.ServiceAtLocationSchema,
    feed.OrganizationPageSchema,
    feed.DeletionPageSchema,
    feed.ServiceFullPageSchema,
    feed.OrganizationSchema,
    feed.TaxonomyPageSchema,
    feed.TaxonomySchema,
    feed.TaxonomyTermPageSchema,
    feed.TaxonomyTermSchema,
]


def schema_name(schema) -> str:
    """Component names: the class name without "Schema"; the feed's prefixed "Hsds"
    (its Service is not the API's Service)."""
    cls = schema if isinstance(schema, type) else type(schema)
    name = cls.__name__.removesuffix("Schema")
    return f"Hsds{name}" if cls.__module__ == feed.__name__ else name


def _plain(value: Any) -> Any:
    """Decimals (from validators' bounds) as JSON numbers."""
    return json.loads(json.dumps(value, default=lambda o: float(o) if isinstance(o, Decimal) else str(o)))


RATE_LIMITED = {
    "description": "Too many requests from this client address (`rate_limited`): wait `Retry-After` seconds. "
    "Limits are per address and counted in units, one per 100 items asked for (`per_page`), at least one a request; "
    "every answer says where the client stands in `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset`.",
    "headers": {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}},
    "content": {
        "application/json": {
            "schema": {"$ref": "#/components/schemas/Error"},
            "example": {
                "error": {
                    "code": "rate_limited",
                    "message": "Too many requests from your address (at most 600 per 1 minute). Wait the number of "
                    "seconds in the Retry-After header, then carry on.",
                }
            },
        }
    },
}


def _tidy_query_parameters(document: dict) -> None:
    # A query string cannot carry null: an empty value means "not given", so
    # the parameters are documented without the null marshmallow allows.
    for path, operations in document["paths"].items():
        for operation in operations.values():
            operation["responses"].setdefault("429", RATE_LIMITED)
            for parameter in operation.get("parameters", []):
                if path.startswith("/openreferral/") and parameter["in"] == "query":
                    parameter["allowEmptyValue"] = True  # "?page=&per_page=50": the feed reads "" as not given
                schema = parameter.get("schema", {})
                if isinstance(schema.get("type"), list):
                    kinds = [t for t in schema["type"] if t != "null"]
                    schema["type"] = kinds[0] if len(kinds) == 1 else kinds
                if "enum" in schema:
                    schema["enum"] = [v for v in schema["enum"] if v is not None]
                if schema.get("default", 0) is None:
                    del schema["default"]


# Each operation's id, and the links from what a list returns to the operation that reads one item in full: how a
# client (and a stateful test) walks from a search or a feed page to each record without guessing ids.
OPERATION_IDS = {
    "/api/v1/search": "search",
    "/api/v1/providers/{slug}": "getProvider",
    "/api/v1/providers/{slug}/reviews": "getProviderReviews",
    "/openreferral/": "getFeedInfo",
    "/openreferral/services": "listServices",
    "/openreferral/services/{id}": "getService",
    "/openreferral/service_at_locations": "listServiceAtLocations",
    "/openreferral/service_at_locations/{id}": "getServiceAtLocation",
    "/openreferral/organizations": "listOrganizations",
    "/openreferral/organizations/{id}": "getOrganization",
    "/openreferral/taxonomies": "listTaxonomies",
    "/openreferral/taxonomies/{id}": "getTaxonomy",
    "/openreferral/taxonomy_terms": "listTaxonomyTerms",
    "/openreferral/taxonomy_terms/{id}": "getTaxonomyTerm",
    "/openreferral/deletions": "listDeletions",
}
LINKS = {
    # (operation, link name): (target operation, its parameter, where the value comes from)
    ("search", "FirstResult"): ("getProvider", "slug", "$response.body#/results/0/slug"),
    ("getProvider", "Reviews"): ("getProviderReviews", "slug", "$request.path.slug"),
    ("listServices", "FirstService"): ("getService", "id", "$response.body#/contents/0/id"),
    ("listServiceAtLocations", "FirstServiceAtLocation"): (
        "getServiceAtLocation",
        "id",
        "$response.body#/contents/0/id",
    ),
    ("listOrganizations", "FirstOrganization"): ("getOrganization", "id", "$response.body#/contents/0/id"),
    ("listTaxonomies", "FirstTaxonomy"): ("getTaxonomy", "id", "$response.body#/contents/0/id"),
    ("listTaxonomyTerms", "FirstTerm"): ("getTaxonomyTerm", "id", "$response.body#/contents/0/id"),
}


def _add_operation_ids_and_links(document: dict) -> None:
    by_id = {}
    for path, operation_id in OPERATION_IDS.items():
        operation = document["paths"][path]["get"]
        operation["operationId"] = operation_id
        by_id[operation_id] = operation
    for (source, name), (target, parameter, value) in LINKS.items():
        links = by_id[source]["responses"]["200"].setdefault("links", {})
        links[name] = {"operationId": target, "parameters": {parameter: value}}


def build_document(service_slugs: list[str]) -> dict:
    """The whole OpenAPI document; ``service_slugs`` are the taxonomy's current service types."""
    plugin = MarshmallowPlugin(schema_name_resolver=schema_name)
    spec = APISpec(
        title="Trusted Care Registry API",
        version=API_VERSION,
        openapi_version="3.1.0",
        plugins=[plugin],
        info={
            "description": "Read-only, anonymous JSON: search for vetted care providers, their public profiles and reviews, "
            "and the Open Referral UK (HSDS 3.0) open-data feed of every listed service. "
            'Errors are `{"error": {"code", "message", "fields"}}` with a stable `code`. '
            "Cross-origin GETs are allowed (no credentials).",
            "license": {
                "name": "Open Government Licence v3.0 (data); feed schemas CC BY-SA 4.0 Open Referral UK",
                "url": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
            },
        },
        servers=[{"url": "/"}],
        tags=[
            {"name": "Search", "description": "Find listed providers by postcode and service."},
            {"name": "Providers", "description": "Public profiles and reviews."},
            {"name": FEED_TAG, "description": "The HSDS 3.0 UK profile feed for councils and other directories."},
        ],
    )
    plugin.converter.add_attribute_function(_field_extras)
    for schema in SCHEMAS:
        if schema_name(schema) not in spec.components.schemas:  # some arrive nested in an earlier one
            spec.components.schema(schema_name(schema), schema=schema)
    _add_api_paths(spec, service_slugs)
    _add_feed_paths(spec)
    document = _plain(spec.to_dict())
    _tidy_query_parameters(document)
    _add_operation_ids_and_links(document)
    # A moment inside the deletions' retention period, as an example a client can send today.
    for parameter in document["paths"]["/openreferral/deletions"]["get"]["parameters"]:
        if parameter["name"] == "modified_after":
            parameter["schema"]["example"] = (today() - timedelta(days=1)).isoformat() + "T00:00:00Z"
    # The service taxonomy is data (admins edit it), so its slugs are listed as they are now.
    for parameter in document["paths"]["/api/v1/search"]["get"]["parameters"]:
        if parameter["name"] == "service":
            parameter["schema"]["items"]["enum"] = list(service_slugs)
            parameter["description"] = "A service type slug (repeatable): the provider must be listed for every one."
        if parameter["name"] == "postcode":
            parameter["example"] = "LS6 2AA"
    return document


def openapi_document():
    """This API's OpenAPI 3.1 document."""
    from registry.providers.services import all_service_types

    return cacheable_json(build_document([t.slug for t in all_service_types()]))
