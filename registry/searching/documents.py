"""Search documents built from plain rows: the rebuild and the outbox sync share this one builder.

Loading 100,000 providers as ORM objects with their services, languages and
checks cost about 1.4 ms a provider (most of a 100,000-provider rebuild).
Instead each batch of providers is read with a few set-based Core queries
(profiles, listed services, languages, current checks, ratings) and the
documents are built from those rows with the same rules the models use
(:func:`registry.checks.listing.listing_ends`,
:func:`registry.checks.badges.badge_codes_until`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import date

from flask import current_app
from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

from registry.checks.badges import badge_codes_until
from registry.checks.claims import claim_for
from registry.checks.kinds import CheckKind, CheckStatus
from registry.checks.listing import listing_ends, with_identity
from registry.checks.models import CQC_REGISTERED, Check, CqcLocation
from registry.models import today
from registry.providers.models import Provider, ProviderLanguage, ProviderService, ServiceRequirement, ServiceType
from registry.providers.vocabulary import LANGUAGES, ProfileStatus, ProviderKind
from registry.reviews.models import ProviderRating
from registry.visits.reliability import VisitReliability, visit_reliability
from searchindex import ProviderDocument
from searchindex.geo import outcode_centroids

# Providers per round of queries: bounds memory and keeps IN lists short.
BATCH = 2000


def _plain(column):
    """An enum column read as its stored string: the rules compare equal either way, and turning
    each of a rebuild's million values into an enum member was a tenth of reading them."""
    return type_coerce(column, String).label(column.key)


_PROFILE = (
    Provider.id,
    Provider.slug,
    Provider.display_name,
    _plain(Provider.kind),
    Provider.about,
    Provider.outcode,
    _plain(Provider.nation),
    Provider.travel_radius_miles,
    Provider.rate_min_pence,
    Provider.rate_max_pence,
    Provider.availability,
    Provider.gender,
    _plain(Provider.status),
    Provider.suspended_at,
)


def listed_provider_ids(session: Session) -> list[int]:
    """Every listed provider's id, ascending: what a rebuild reads."""
    return list(
        session.scalars(select(Provider.id).where(Provider.status == ProfileStatus.LISTED).order_by(Provider.id))
    )


def provider_documents(
    session: Session, provider_ids: Iterable[int] | None = None, *, dense: bool = False
) -> Iterator[tuple[int, ProviderDocument | None]]:
    """``(provider_id, document)`` for each provider; ``None`` when it must not be searchable.

    With ``provider_ids`` every one of them is answered (``None`` for one
    that is gone or not listed); without, every listed provider, in id order.
    ``dense=True`` says the ids have few gaps (a run of
    :func:`listed_provider_ids`), so each batch reads an id range rather than
    an IN list.
    """
    day = today()
    requirements = Requirements(session)
    min_visits = current_app.config["RELIABILITY_MIN_VISITS"]
    if provider_ids is None:
        ids, dense = listed_provider_ids(session), True
    else:
        ids = sorted(set(provider_ids))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        documents = _documents(session, chunk, day, requirements, whole_range=dense, min_visits=min_visits)
        for provider_id in chunk:
            yield provider_id, documents.get(provider_id)


class Requirements:
    """Every service's requirement codes per kind of provider, read once per run."""

    def __init__(self, session: Session):
        self._rows: dict[int, list[tuple[str, str | None]]] = defaultdict(list)
        for service_type_id, requirement, provider_kind in session.execute(
            select(
                ServiceRequirement.service_type_id, ServiceRequirement.requirement, ServiceRequirement.provider_kind
            ).order_by(ServiceRequirement.id)
        ):
            self._rows[service_type_id].append((requirement, provider_kind))
        self._codes: dict[tuple[int, str], tuple[str, ...]] = {}

    def codes(self, service_type_id: int, provider_kind: str) -> tuple[str, ...]:
        key = (service_type_id, provider_kind)
        if key not in self._codes:
            self._codes[key] = tuple(
                with_identity(
                    [
                        code
                        for code, kind in self._rows.get(service_type_id, ())
                        if kind is None or kind == provider_kind
                    ]
                )
            )
        return self._codes[key]


def _documents(
    session: Session, ids: list[int], day: date, requirements, whole_range: bool, min_visits: int
) -> dict[int, ProviderDocument | None]:
    def among(column):
        # A range reads the index in order; ids between that are not listed are simply not asked for below.
        return column.between(ids[0], ids[-1]) if whole_range else column.in_(ids)

    # Core rows straight from the connection: the ORM's result machinery cost as much as the query.
    connection = session.connection()

    def execute(statement):
        return connection.execute(statement).all()  # one fetch, not a round of calls per row

    wanted = set(ids)
    services: dict[int, list] = defaultdict(list)
    for row in execute(
        select(ProviderService.provider_id, ServiceType.id, ServiceType.slug, ServiceType.name, ServiceType.position)
        .join(ServiceType, ServiceType.id == ProviderService.service_type_id)
        .where(among(ProviderService.provider_id), ProviderService.listed.is_(True))
        .order_by(ProviderService.provider_id, ServiceType.position, ServiceType.id)
    ):
        services[row.provider_id].append(row)
    languages: dict[int, list[str]] = defaultdict(list)
    for provider_id, code in execute(
        select(ProviderLanguage.provider_id, ProviderLanguage.language).where(among(ProviderLanguage.provider_id))
    ):
        languages[provider_id].append(code)
    checks: dict[int, list] = defaultdict(list)
    for row in execute(
        select(Check.provider_id, _plain(Check.kind), Check.details, Check.verification_method, Check.valid_until)
        .where(among(Check.provider_id), Check.status == CheckStatus.APPROVED, Check.valid_until >= day)
        .order_by(Check.provider_id, Check.id)
    ):
        checks[row.provider_id].append(row)
    cqc = {
        row.provider_id: row
        for row in execute(
            select(
                CqcLocation.provider_id, CqcLocation.location_id, CqcLocation.overall_rating, CqcLocation.rating_date
            ).where(among(CqcLocation.provider_id), CqcLocation.registration_status == CQC_REGISTERED)
        )
    }
    ratings = {
        row.provider_id: (row.score, row.review_count)
        for row in execute(
            select(ProviderRating.provider_id, ProviderRating.score, ProviderRating.review_count).where(
                among(ProviderRating.provider_id)
            )
        )
    }
    # The figure every surface shows, from the same function (one grouped query a batch).
    visits = visit_reliability(ids, day, connection=connection, minimum=min_visits)
    documents: dict[int, ProviderDocument | None] = {}
    for profile in execute(select(*_PROFILE).where(among(Provider.id))):
        if profile.id in wanted:
            documents[profile.id] = build_document(
                profile,
                services[profile.id],
                sorted(languages[profile.id]),
                checks[profile.id],
                ratings.get(profile.id, (None, 0)),
                requirements,
                cqc.get(profile.id),
                visits.get(profile.id),
            )
    return documents


def build_document(
    profile,
    listed_services: list,
    languages: list[str],
    current_checks: list,
    rating: tuple[float | None, int],
    requirements: Requirements,
    cqc_location=None,
    visits: VisitReliability | None = None,
) -> ProviderDocument | None:
    """The provider as search sees it, or None when it is not listed for anything.

    ``profile`` has the provider's columns; ``listed_services`` its listed
    services (``id``, ``slug``, ``name``) in display order; ``current_checks``
    its approved checks still valid today, in id order; ``cqc_location`` the
    provider's CQC location row (``location_id``, ``overall_rating``,
    ``rating_date``) when a sync found it registered; ``visits`` its visit
    reliability (:mod:`registry.visits.reliability`): best match and the card
    use it only when it is shown (enough confirmed visits).
    """
    if profile.status != ProfileStatus.LISTED or not listed_services or not profile.outcode:
        return None
    ends, by_codes = {}, {}
    for service in listed_services:
        codes = requirements.codes(service.id, profile.kind)
        if codes not in by_codes:  # most services ask the same checks; work each answer out once
            by_codes[codes] = listing_ends(list(codes), current_checks, profile.nation)
        ends[service.slug] = by_codes[codes]
    listed = [s for s in listed_services if ends[s.slug] is not None]  # lapsed since the last expiry run
    if not listed:
        return None
    # A suspended provider's checks vouch for no one (its status is not listed either).
    badges = {} if profile.suspended_at is not None else badge_codes_until(current_checks)
    # The rating shows only beside the current CQC check it is about (as on the profile).
    cqc_check = next((c for c in reversed(current_checks) if c.kind == CheckKind.CQC), None)
    shown_cqc = (
        cqc_location
        if cqc_location is not None
        and cqc_check is not None
        and profile.suspended_at is None
        and (cqc_check.details or {}).get("registration_id") == cqc_location.location_id
        else None
    )
    # What was checked for each listed service, in the profile's words (short form): each claim holds as long
    # as its service's listing does, so the card drops both together when a check lapses.
    claims, claim_by_codes = [], {}
    for s in listed:
        codes = requirements.codes(s.id, profile.kind)
        if codes not in claim_by_codes:  # services asking the same checks differ only in their name
            claim_by_codes[codes] = claim_for(
                profile.display_name, profile.kind, s.slug, s.name, codes, current_checks, nation=profile.nation
            )
        claim = claim_by_codes[codes]
        claims.append("" if claim is None else replace(claim, service_slug=s.slug, service_name=s.name).short)
    latitude, longitude = outcode_centroids()[profile.outcode]
    return ProviderDocument(
        id=profile.id,
        slug=profile.slug,
        name=profile.display_name,
        kind=profile.kind,
        about=profile.about,
        outcode=profile.outcode,
        latitude=latitude,
        longitude=longitude,
        travel_radius_miles=float(profile.travel_radius_miles or 0),
        listed_services=tuple(s.slug for s in listed),
        service_names=tuple(s.name for s in listed),
        language_names=tuple(LANGUAGES.get(code, code) for code in languages),
        rate_min_pence=profile.rate_min_pence,
        rate_max_pence=profile.rate_max_pence,
        rating_score=rating[0],
        review_count=rating[1],
        languages=tuple(languages),
        availability=profile.availability,
        gender=profile.gender if profile.kind == ProviderKind.PA else None,
        badges=tuple(badges),
        listed_until=tuple(ends[s.slug] for s in listed),
        badges_until=tuple(badges.values()),
        cqc_location_id=shown_cqc.location_id if shown_cqc else None,
        cqc_rating=shown_cqc.overall_rating if shown_cqc else None,
        cqc_rating_date=shown_cqc.rating_date if shown_cqc else None,
        service_claims=tuple(claims),
        reliability=visits.share if visits is not None and visits.shown else None,
        visits_kept=visits.kept if visits is not None and visits.shown else 0,
        visits_confirmed=visits.confirmed if visits is not None and visits.shown else 0,
    )
