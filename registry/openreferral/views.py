"""GET-only routes of the Open Referral UK feed (mounted at /openreferral)."""

from __future__ import annotations

import math

from flask import request, url_for
from marshmallow import ValidationError

from registry.api import api_error
from registry.api.http import cacheable_json
from registry.models import today
from registry.openreferral import bp, ids, presenters, schemas, services
from registry.openreferral.services import METRES_PER_MILE, ServiceFilter
from registry.searching.schemas import flatten_errors
from search.geo import locate


def _args(schema):
    """Parse the query string, or an error response."""
    try:
        return schema.load(request.args.to_dict()), None
    except ValidationError as error:
        return None, api_error(
            400, "invalid_parameters", "Some parameters are not valid.", flatten_errors(error.messages)
        )


def _page(contents: list, total: int, page: int, per_page: int) -> dict:
    total_pages = math.ceil(total / per_page)
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": page,
        "size": len(contents),
        "first_page": page == 1,
        "last_page": page >= total_pages,
        "empty": not contents,
        "contents": contents,
    }


def _not_found(what: str, value: str):
    return api_error(404, f"{what}_not_found", f"No {what.replace('_', ' ')} has the id “{value[:60]}”.")


def _service_filter(args: dict) -> tuple[ServiceFilter | None, dict]:
    """The filters, or ``(None, field errors)`` for ids that are not this feed's."""
    filters, errors = ServiceFilter(), {}
    text = " ".join(v for v in (args.get("search"), args.get("text")) if v)
    filters.words = text.lower().split()[:20]
    if "taxonomy_term_id" in args:
        term = services.resolve_term(args["taxonomy_term_id"])
        if term is None:
            errors["taxonomy_term_id"] = ["Not a taxonomy term of this feed (see /openreferral/taxonomy_terms)."]
        elif term[0] == ids.SERVICE_TYPES_TAXONOMY:
            filters.service_type_ids = [term[1]]
        else:
            filters.check_kinds = [services.check_kind_for_key(term[1])]
    if "taxonomy_id" in args:
        decoded = ids.decode("taxonomy", args["taxonomy_id"])
        if decoded is None or decoded[1] not in presenters.TAXONOMIES:
            errors["taxonomy_id"] = ["Not a taxonomy of this feed (see /openreferral/taxonomies)."]
        # Every listed service carries a service type and at least an identity check,
        # so either taxonomy matches every service: nothing to filter.
    if "organization_id" in args:
        decoded = ids.decode("organization", args["organization_id"])
        if decoded is None:
            errors["organization_id"] = ["Not an organization id of this feed."]
        else:
            filters.organization_provider_id = decoded[1]
    if "postcode" in args:
        filters.place = locate(args["postcode"])
    if "proximity" in args:
        if filters.place is None:
            errors["proximity"] = ["Give a postcode to measure the distance from."]
        filters.proximity_miles = args["proximity"] / METRES_PER_MILE
    return (None if errors else filters), errors


def _services_page(args: dict):
    filters, errors = _service_filter(args)
    if errors:
        return None, None, api_error(400, "invalid_parameters", "Some parameters are not valid.", errors)
    keys, total = services.service_keys(filters, args["page"], args["per_page"], today())
    return services.load_services(keys), total, None


@bp.get("/")
def feed_info():
    """What this feed is: its HSDS version, profile and OpenAPI document."""
    return cacheable_json(
        schemas.FeedInfoSchema().dump(
            {
                "version": presenters.HSDS_VERSION,
                "profile": presenters.PROFILE_URL,
                "openapi_url": url_for("api.openapi_document", _external=True),
            }
        )
    )


@bp.get("/services")
def service_list():
    args, error = _args(schemas.ServiceArgs())
    if error:
        return error
    rows, total, error = _services_page(args)
    if error:
        return error
    day = today()
    contents = [presenters.service_summary(row, day) for row in rows]
    return cacheable_json(schemas.ServicePageSchema().dump(_page(contents, total, args["page"], args["per_page"])))


@bp.get("/services/<service_id>")
def service_detail(service_id: str):
    decoded = ids.decode("service", service_id)
    day = today()
    row = services.get_service(decoded[1], decoded[0], day) if decoded else None
    if row is None:
        return _not_found("service", service_id)
    return cacheable_json(schemas.ServiceSchema().dump(presenters.service_full(row, day)))


@bp.get("/service_at_locations")
def service_at_location_list():
    args, error = _args(schemas.ServiceArgs())
    if error:
        return error
    rows, total, error = _services_page(args)
    if error:
        return error
    day = today()
    # Every listed provider has a postcode (the profile cannot be submitted
    # without one), so each service has exactly one location.
    contents = [item for item in (presenters.service_at_location_summary(row, day) for row in rows) if item]
    return cacheable_json(
        schemas.ServiceAtLocationPageSchema().dump(_page(contents, total, args["page"], args["per_page"]))
    )


@bp.get("/service_at_locations/<item_id>")
def service_at_location_detail(item_id: str):
    decoded = ids.decode("service_at_location", item_id)
    day = today()
    row = services.get_service(decoded[1], decoded[0], day) if decoded else None
    data = presenters.service_at_location_full(row, day) if row else None
    if data is None:
        return _not_found("service_at_location", item_id)
    return cacheable_json(schemas.ServiceAtLocationSchema().dump(data))


@bp.get("/organizations")
def organization_list():
    args, error = _args(schemas.PageArgs())
    if error:
        return error
    providers, total = services.organization_page(args["page"], args["per_page"], today())
    contents = [presenters.organization_summary(p) for p in providers]
    return cacheable_json(schemas.OrganizationPageSchema().dump(_page(contents, total, args["page"], args["per_page"])))


@bp.get("/organizations/<organization_id>")
def organization_detail(organization_id: str):
    decoded = ids.decode("organization", organization_id)
    day = today()
    provider = services.get_organization(decoded[1], day) if decoded else None
    if provider is None:
        return _not_found("organization", organization_id)
    return cacheable_json(schemas.OrganizationSchema().dump(presenters.organization_full(provider, day)))


@bp.get("/taxonomies")
def taxonomy_list():
    args, error = _args(schemas.PageArgs())
    if error:
        return error
    everything = [presenters.taxonomy(number) for number in sorted(presenters.TAXONOMIES)]
    return cacheable_json(schemas.TaxonomyPageSchema().dump(_paged_list(everything, args)))


@bp.get("/taxonomies/<taxonomy_id>")
def taxonomy_detail(taxonomy_id: str):
    decoded = ids.decode("taxonomy", taxonomy_id)
    if decoded is None or decoded[0] != 0 or decoded[1] not in presenters.TAXONOMIES:
        return _not_found("taxonomy", taxonomy_id)
    return cacheable_json(schemas.TaxonomySchema().dump(presenters.taxonomy(decoded[1])))


def _all_terms() -> list[dict]:
    return [presenters.service_type_term(t) for t in services.service_types()] + [
        presenters.check_term(kind) for kind in services.CHECK_KINDS
    ]


def _paged_list(everything: list, args: dict) -> dict:
    page, per_page = args["page"], args["per_page"]
    return _page(everything[(page - 1) * per_page : page * per_page], len(everything), page, per_page)


@bp.get("/taxonomy_terms")
def taxonomy_term_list():
    args, error = _args(schemas.PageArgs())
    if error:
        return error
    return cacheable_json(schemas.TaxonomyTermPageSchema().dump(_paged_list(_all_terms(), args)))


@bp.get("/taxonomy_terms/<term_id>")
def taxonomy_term_detail(term_id: str):
    term = services.resolve_term(term_id)
    if term is not None and term[0] == ids.SERVICE_TYPES_TAXONOMY:
        service_type = services.get_service_type(term[1])
        if service_type is not None:
            return cacheable_json(schemas.TaxonomyTermSchema().dump(presenters.service_type_term(service_type)))
    elif term is not None:
        return cacheable_json(
            schemas.TaxonomyTermSchema().dump(presenters.check_term(services.check_kind_for_key(term[1])))
        )
    return _not_found("taxonomy_term", term_id)
