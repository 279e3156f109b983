"""GET-only routes of the Open Referral UK feed (mounted at /openreferral)."""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import json
import math
from datetime import timedelta

from flask import current_app, jsonify, redirect, request, stream_with_context, url_for
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.http import http_date

from registry import models
from registry.api import api_error
from registry.api.http import EXPOSED_HEADERS, FEED_MAX_AGE
from registry.api.query import QueryError, invalid_parameters, use_args
from registry.extensions import limiter
from registry.models import today
from registry.openreferral import ids, presenters, schemas, services
from registry.openreferral.services import METRES_PER_MILE, ServiceFilter
from searchindex.geo import locate


def _invalid(errors: dict):
    return invalid_parameters(errors)


def _with_cursor(args: dict) -> dict:
    """The parsed query with ``page``, ``after`` (where the page starts) and ``total`` (counted on the first page)
    from its cursor, if it has one."""
    if "cursor" not in args:
        args["after"], args["total"] = None, None
        return args
    if request.args.get("page", "").strip():
        raise QueryError({"cursor": ["Give either `page` or `cursor`, not both."]})
    decoded = _decode_cursor(args["cursor"])
    if decoded is None:
        raise QueryError(
            {"cursor": ['Not a cursor this feed gave out for this query: follow the Link header\'s rel="next".']}
        )
    args["page"], args["after"], args["total"] = decoded
    return args


# Paging. A page number is an offset and slips when services join or leave the
# feed between requests; a cursor carries the last key of the page before, so
# the next page starts after it whatever changed. Every page's Link header
# gives the next page as a cursor. The cursor also carries the count the first
# page gave (a cursor page reads only its own range of keys, never every match
# again), so it is signed, and bound to the query it was given for: a client
# can neither forge a count nor carry a cursor over to other filters.

_CURSOR_MAC_BYTES = 12


def _cursor_mac(raw: bytes) -> bytes:
    query = sorted(
        (k, v) for k, v in request.args.items(multi=True) if k not in ("page", "cursor", "per_page") and v.strip()
    )
    message = json.dumps([request.endpoint, query], separators=(",", ":")).encode() + b"\0" + raw
    key = current_app.config["SECRET_KEY"].encode() + b"openreferral-cursor"
    return hmac.new(key, message, hashlib.sha256).digest()[:_CURSOR_MAC_BYTES]


def _encode_cursor(page: int, key: tuple, total: int) -> str:
    raw = json.dumps([page, list(key), total], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(_cursor_mac(raw) + raw).decode().rstrip("=")


def _decode_cursor(text: str) -> tuple[int, tuple, int] | None:
    try:
        signed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        mac, raw = signed[:_CURSOR_MAC_BYTES], signed[_CURSOR_MAC_BYTES:]
        if not hmac.compare_digest(mac, _cursor_mac(raw)):
            return None
        page, key, total = json.loads(raw)
    except (ValueError, TypeError, binascii.Error):
        return None
    if not (isinstance(page, int) and 1 < page <= schemas.MAX_PAGE and isinstance(key, list) and 1 <= len(key) <= 3):
        return None
    if not all(isinstance(k, int | float) and not isinstance(k, bool) for k in key):
        return None
    if not (isinstance(total, int) and not isinstance(total, bool) and total >= 0):
        return None
    return page, tuple(key), total


def _link(**changes) -> str:
    params = {k: v for k, v in request.args.items() if k not in ("page", "cursor") and v.strip()}
    params.update(changes)
    return url_for(request.endpoint, _external=True, **(request.view_args or {}), **params)


def _paged(schema, contents: list, total: int | None, args: dict, next_key: tuple | None):
    """The profile's envelope; ``total`` None on a cursor page means the count its cursor carries."""
    page, per_page = args["page"], args["per_page"]
    if total is None:
        total = args["total"]
    body = {
        "total_items": total,
        "total_pages": math.ceil(total / per_page),
        "page_number": page,
        "size": len(contents),
        "first_page": page == 1,
        "last_page": next_key is None,
        "empty": not contents,
        "contents": contents,
    }
    response = jsonify(schema.dump(body))
    links = [f'<{_link()}>; rel="first"']
    if next_key is not None:
        links.append(f'<{_link(cursor=_encode_cursor(page + 1, next_key, total))}>; rel="next"')
    response.headers["Link"] = ", ".join(links)
    return response


def _not_found(what: str, value: str):
    return api_error(404, f"{what}_not_found", f"No {what.replace('_', ' ')} has the id “{value[:60]}”.")


def _decode_canonical(entity: str, value: str):
    """``(keys, None)``; ``(None, redirect)`` for another spelling of an id; ``(None, None)`` for none."""
    decoded = ids.decode(entity, value)
    if decoded is None:
        return None, None
    canonical = ids.encode(entity, *decoded)
    if value != canonical:
        # One URL per record: /services/{ID}, /services/urn:uuid:id ... point at the lower-case form.
        target = url_for(request.endpoint, _external=True, **{**request.view_args, _id_arg(): canonical})
        return None, redirect(target, 308)
    return decoded, None


def _id_arg() -> str:
    return next(iter(request.view_args))


# Conditional requests, answered before any page is built: the validators come
# from a fingerprint of the tables the feed reads (services.feed_version), not
# from the body.


def conditional(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        version, last_modified = services.feed_version(today())
        digest = hashlib.sha256(repr((version, request.full_path)).encode()).hexdigest()[:32]
        etag = f'W/"{digest}"'
        last_modified = last_modified.replace(microsecond=0)
        fresh = False
        if request.if_none_match:
            fresh = request.if_none_match.contains_weak(digest)
        elif request.if_modified_since is not None:
            fresh = last_modified <= request.if_modified_since
        if fresh:
            response = current_app.response_class(status=304)
        else:
            response = current_app.make_response(view(*args, **kwargs))
            if response.status_code != 200:
                return response
        response.headers["ETag"] = etag
        response.last_modified = last_modified
        response.cache_control.public = True
        response.cache_control.max_age = FEED_MAX_AGE
        return response

    return wrapper


def _every_feed_response(response):
    """CORS on every answer under /openreferral (errors, 404s and 405s too), Allow on a 405, and the server's Date."""
    if request.path == "/openreferral" or request.path.startswith("/openreferral/"):
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        if isinstance(request.routing_exception, MethodNotAllowed) and "Allow" not in response.headers:
            response.headers["Allow"] = ", ".join(sorted(request.routing_exception.valid_methods or ()))
        response.headers.setdefault("Date", http_date(models.utcnow()))
        response.headers.setdefault("Access-Control-Allow-Headers", "Accept, If-None-Match, If-Modified-Since")
    return response


def _service_filter(args: dict) -> tuple[ServiceFilter | None, dict]:
    """The filters, or ``(None, field errors)`` for ids that are not this feed's."""
    filters, errors = ServiceFilter(), {}
    text = " ".join(v for v in (args.get("search"), args.get("text")) if v)
    filters.words = text.lower().split()
    if len(filters.words) > schemas.MAX_WORDS:
        errors["text"] = [f"Use at most {schemas.MAX_WORDS} words in `search` and `text` together."]
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
    if "day" in args:
        from registry.providers.vocabulary import PARTS, availability_bit

        day = schemas.DAY_NAMES[args["day"].upper()]
        filters.availability_mask = sum(availability_bit(day, part) for part in range(len(PARTS)))
    filters.modified_after = args.get("modified_after")
    return (None if errors else filters), errors


def _services_page(args: dict):
    filters, errors = _service_filter(args)
    if errors:
        return None, None, None, _invalid(errors)
    rows, total, next_key = services.nearest_services(
        filters, args["per_page"], today(), page=args["page"], after=args["after"]
    )
    return rows, total, next_key, None


@conditional
def feed_info():
    """What this feed is: its HSDS version, profile and OpenAPI document."""
    return jsonify(
        schemas.FeedInfoSchema().dump(
            {
                "version": presenters.HSDS_VERSION,
                "profile": presenters.PROFILE_URL,
                "openapi_url": url_for("api.openapi_document", _external=True),
            }
        )
    )


def _export_limit() -> str:
    return current_app.config["OPENREFERRAL_EXPORT_RATE_LIMIT"]


# The whole feed at once costs minutes of a worker: counted on its own, on top of the feed's limit.
@limiter.limit(
    _export_limit,
    exempt_when=lambda: request.args.get("format", "").strip() != "ndjson",
    override_defaults=False,
    scope="openreferral-export",
)
@conditional
@use_args(schemas.ServiceArgs(), location="query")
def service_list(args: dict):
    args = _with_cursor(args)
    if args.get("format") == "ndjson":
        return _export(args)
    rows, total, next_key, error = _services_page(args)
    if error:
        return error
    day = today()
    memo: dict = {}  # what the services of one provider share, worked out once for the page
    if args.get("full"):
        contents = [presenters.service_full(row, day, memo=memo) for row in rows]
        return _paged(schemas.ServiceFullPageSchema(), contents, total, args, next_key)
    contents = [presenters.service_summary(row, day, memo) for row in rows]
    return _paged(schemas.ServicePageSchema(), contents, total, args, next_key)


NDJSON = "application/x-ndjson"


def _export(args: dict):
    """Every matching service, one full service a line, streamed: the response is sent while it is read."""
    refused = {
        name: ["Not with format=ndjson: the export is every matching service, in id order, in one response."]
        for name in schemas.NOT_WITH_NDJSON
        if request.args.get(name, "").strip()
    }
    if refused:
        return _invalid(refused)
    filters, errors = _service_filter(args)
    if errors:
        return _invalid(errors)
    day, batch = today(), current_app.config["OPENREFERRAL_EXPORT_BATCH"]
    dumps = current_app.json.dumps

    def lines():
        # The presenter's dicts are already ServiceSchema's shape (the export test compares each line with
        # the paged full=true list, which goes through the schema); skipping the dump halves the export's time.
        with services.snapshot_session() as session:
            for rows in services.export_services(filters, day, batch, session):
                memo: dict = {}  # one batch's providers: what their services share, worked out once
                yield "".join(dumps(presenters.service_full(row, day, memo=memo)) + "\n" for row in rows)

    return current_app.response_class(stream_with_context(lines()), mimetype=NDJSON)


@conditional
def service_detail(service_id: str):
    decoded, moved = _decode_canonical("service", service_id)
    if moved:
        return moved
    day = today()
    row = services.get_service(decoded[1], decoded[0], day) if decoded else None
    if row is None:
        return _not_found("service", service_id)
    return jsonify(schemas.ServiceSchema().dump(presenters.service_full(row, day)))


@conditional
@use_args(schemas.ServiceAtLocationArgs(), location="query")
def service_at_location_list(args: dict):
    args = _with_cursor(args)
    rows, total, next_key, error = _services_page(args)
    if error:
        return error
    day = today()
    # Every listed provider has a postcode (the profile cannot be submitted
    # without one), so each service has exactly one location.
    memo: dict = {}
    contents = [item for item in (presenters.service_at_location_summary(row, day, memo) for row in rows) if item]
    return _paged(schemas.ServiceAtLocationPageSchema(), contents, total, args, next_key)


@conditional
def service_at_location_detail(item_id: str):
    decoded, moved = _decode_canonical("service_at_location", item_id)
    if moved:
        return moved
    day = today()
    row = services.get_service(decoded[1], decoded[0], day) if decoded else None
    data = presenters.service_at_location_full(row, day) if row else None
    if data is None:
        return _not_found("service_at_location", item_id)
    return jsonify(schemas.ServiceAtLocationSchema().dump(data))


@conditional
@use_args(schemas.OrganizationArgs(), location="query")
def organization_list(args: dict):
    args = _with_cursor(args)
    providers, total, next_key = services.organization_page(
        args["per_page"], today(), page=args["page"], after=args["after"], modified_after=args.get("modified_after")
    )
    contents = [presenters.organization_summary(p) for p in providers]
    return _paged(schemas.OrganizationPageSchema(), contents, total, args, next_key)


@conditional
def organization_detail(organization_id: str):
    decoded, moved = _decode_canonical("organization", organization_id)
    if moved:
        return moved
    day = today()
    provider = services.get_organization(decoded[1], day) if decoded else None
    if provider is None:
        return _not_found("organization", organization_id)
    return jsonify(schemas.OrganizationSchema().dump(presenters.organization_full(provider, day)))


def deletions_retention_days() -> int:
    return current_app.config["OPENREFERRAL_DELETIONS_RETENTION_DAYS"]


@conditional
@use_args(schemas.DeletionArgs(), location="query")
def deletion_list(args: dict):
    """What left the feed at or after ``modified_after``: apply these, and the changed items, to stay in sync."""
    args = _with_cursor(args)
    days = deletions_retention_days()
    horizon = models.utcnow() - timedelta(days=days)
    since = args.get("modified_after")
    if since is not None and since < horizon:
        return api_error(
            410,
            "full_harvest_needed",
            f"Deletions are kept for {days} days: harvest the whole feed again, then sync from the time you started.",
            {"modified_after": [f"Give a moment in the last {days} days."]},
        )
    everything = services.deletions(max(since or horizon, horizon), today())
    after = args["after"]
    if after is not None:
        following = [d for d in everything if d.key > tuple(after)]
    else:
        following = everything[(args["page"] - 1) * args["per_page"] :]
    chunk = following[: args["per_page"]]
    next_key = chunk[-1].key if len(following) > args["per_page"] else None
    contents = [{"id": d.id, "type": d.type, "deleted_at": presenters._iso(d.deleted_at)} for d in chunk]
    return _paged(schemas.DeletionPageSchema(), contents, len(everything), args, next_key)


@conditional
@use_args(schemas.TaxonomyArgs(), location="query")
def taxonomy_list(args: dict):
    args = _with_cursor(args)
    everything = [presenters.taxonomy(number) for number in sorted(presenters.TAXONOMIES)]
    return _paged_list(schemas.TaxonomyPageSchema(), everything, args)


@conditional
def taxonomy_detail(taxonomy_id: str):
    decoded, moved = _decode_canonical("taxonomy", taxonomy_id)
    if moved:
        return moved
    if decoded is None or decoded[0] != 0 or decoded[1] not in presenters.TAXONOMIES:
        return _not_found("taxonomy", taxonomy_id)
    return jsonify(schemas.TaxonomySchema().dump(presenters.taxonomy(decoded[1])))


def _all_terms() -> list[dict]:
    return [presenters.service_type_term(t) for t in services.service_types()] + [
        presenters.check_term(kind) for kind in services.CHECK_KINDS
    ]


def _paged_list(schema, everything: list, args: dict):
    """A short list that fits in memory, paged by position (``after`` holds a position)."""
    start = int(args["after"][0]) if args["after"] is not None else (args["page"] - 1) * args["per_page"]
    chunk = everything[start : start + args["per_page"]]
    end = start + len(chunk)
    return _paged(schema, chunk, len(everything), args, (end,) if end < len(everything) else None)


@conditional
@use_args(schemas.TaxonomyTermArgs(), location="query")
def taxonomy_term_list(args: dict):
    args = _with_cursor(args)
    terms = _all_terms()
    if "taxonomy_id" in args:
        decoded = ids.decode("taxonomy", args["taxonomy_id"])
        if decoded is None or decoded[0] != 0 or decoded[1] not in presenters.TAXONOMIES:
            return _invalid({"taxonomy_id": ["Not a taxonomy of this feed (see /openreferral/taxonomies)."]})
        terms = [t for t in terms if t["taxonomy_id"] == ids.taxonomy_id(decoded[1])]
    for word in args.get("search", "").lower().split():
        terms = [t for t in terms if word in f"{t['name']} {t['description']} {t['code']}".lower()]
    return _paged_list(schemas.TaxonomyTermPageSchema(), terms, args)


@conditional
def taxonomy_term_detail(term_id: str):
    decoded, moved = _decode_canonical("taxonomy_term", term_id)
    if moved:
        return moved
    term = services.resolve_term(term_id) if decoded else None
    if term is not None and term[0] == ids.SERVICE_TYPES_TAXONOMY:
        service_type = services.get_service_type(term[1])
        if service_type is not None:
            return jsonify(schemas.TaxonomyTermSchema().dump(presenters.service_type_term(service_type)))
    elif term is not None:
        return jsonify(schemas.TaxonomyTermSchema().dump(presenters.check_term(services.check_kind_for_key(term[1]))))
    return _not_found("taxonomy_term", term_id)
