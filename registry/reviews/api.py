"""GET /api/v1/providers/<slug>/reviews: published reviews, newest first, paged."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from registry.api import api_error
from registry.api.query import use_args
from registry.checks.listing import is_listed_now
from registry.models import today
from registry.providers.services import get_by_slug, is_publicly_visible
from registry.reviews.models import DIMENSIONS
from registry.reviews.scoring import rating_of
from registry.reviews.services import published_review_count, published_reviews

PER_PAGE = 20


class PageArgs(Schema):
    """The query string (load schema); ``ReviewSchema`` below is what is dumped."""

    class Meta:
        unknown = EXCLUDE  # only the page is read

    page = fields.Integer(
        load_default=1,
        validate=validate.Range(min=1, max=10_000, error="Choose a page from 1."),
        metadata={"description": "Page of 20 reviews, from 1."},
    )


class ReviewSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    body = fields.String()
    ratings = fields.Dict(keys=fields.String(), values=fields.Integer())
    overall = fields.Float()
    supported_for = fields.String(allow_none=True)
    written_by = fields.String(
        allow_none=True,
        metadata={
            "description": "family, friend or advocate when written on behalf of the person supported; null when by the person themselves."
        },
    )
    verified_engagement = fields.Boolean()
    created_at = fields.DateTime()
    response = fields.String(allow_none=True)


@use_args(PageArgs(), location="query")
def provider_reviews(args: dict, slug: str):
    provider = get_by_slug(slug)
    if provider is None or not is_publicly_visible(provider):
        return api_error(404, "provider_not_found", f"No provider has the slug “{slug}”.")
    if not is_listed_now(provider, today()):
        return api_error(404, "provider_not_listed", "This provider is not currently listed.")
    page = args["page"]
    total = published_review_count(provider)
    chunk = published_reviews(provider, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    score, count = rating_of(provider.id)
    items = [
        {
            "id": r.id,
            "title": r.title,
            "body": r.body,
            "ratings": {d: getattr(r, d) for d in DIMENSIONS},
            "overall": round(r.overall, 2),
            "supported_for": r.supported_for,
            "written_by": r.written_by,
            "verified_engagement": True,
            "created_at": r.created_at,
            "response": r.response,
        }
        for r in chunk
    ]
    return {
        "results": ReviewSchema(many=True).dump(items),
        "total": total,
        "page": page,
        "per_page": PER_PAGE,
        "pages": max(1, -(-total // PER_PAGE)),
        "rating": {"score": None if score is None else round(score, 1), "count": count},
    }
