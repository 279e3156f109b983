"""Test data as models: factory_boy factories for the registry's rows, with traits for the states tests need.

Each factory adds its rows to ``registry.extensions.db.session`` and flushes
(never commits): a test or fixture commits when it wants the rows seen by a
request. Use them inside an application context::

    with app.app_context():
        kim = ProviderFactory(listed=True, display_name="Kim Lewis", user__email="kim@example.com")
        db.session.commit()

The provider traits name listing states, and each is made true by the app's
own rule, never by setting the stored flags: the factory adds checks for
what the provider's services require in its nation (asked of
``registry.checks.listing``), then calls ``recompute_listing``; suspending and
closing go through the services that do them. ``tests/checks/test_factories.py``
proves each trait gives the state it names.

- ``ProviderFactory(listed=True)``: every check its services need, approved, in date, for its nation.
- ``lapsing=True``: listed, with its proof of identity expiring inside ``CHECK_REMINDER_DAYS``.
- ``lapsed=True``: its proof of identity lapsed yesterday (as ``flask checks expire`` leaves it): listed for nothing.
- ``suspended=True``: listed, then suspended by an officer (a ``Suspension``): listed for nothing.
- ``closed=True``: listed, then its account closed: listed for nothing.
- ``pending_check=True``: every needed check sent and waiting for an officer: not listed yet.
- ``draft=True``: a profile never submitted (nothing filled in but the name).
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache

import factory
from factory.alchemy import SQLAlchemyModelFactory
from flask import current_app

from registry.accounts.models import Role, User
from registry.checks.kinds import CheckKind, CheckStatus, requirement_kind
from registry.checks.models import Check
from registry.extensions import db
from registry.families.models import Authority, CaredForPerson, ConsentHow, Relationship
from registry.models import today, utcnow
from registry.providers.models import Provider, ProviderLanguage, ProviderService, ServiceType
from registry.providers.vocabulary import ProfileStatus, ProviderKind, availability_mask
from registry.reviews.models import Engagement, Enquiry, EnquiryMessage, EnquiryStatus, Review, ReviewStatus
from registry.safeguarding.models import Concern, Suspension
from registry.visits.models import Agreement

PASSWORD = "correct-horse-battery"  # tests.conftest.PASSWORD: every factory account signs in with it

# Structured fields of a believable approved check, per kind (what each kind's form records).
CHECK_DETAILS = {
    CheckKind.IDENTITY: {"document_type": "passport"},
    CheckKind.DBS: {
        "level": "enhanced",
        "barred_lists": "both",
        "certificate_number": "001234567890",
        "issue_date": "2026-01-12",
        "update_service": True,
        "update_service_id": "C1234567",
    },
    CheckKind.PVG: {"membership_number": "1234567890123456", "workforce": "both", "scheme_record_date": "2026-01-12"},
    CheckKind.ACCESSNI: {
        "level": "enhanced",
        "barred_lists": "both",
        "certificate_number": "001234567890",
        "issue_date": "2026-01-12",
    },
    CheckKind.RIGHT_TO_WORK: {"document_type": "british_passport"},
    CheckKind.INSURANCE: {
        "insurer": "Aviva",
        "policy_number": "PL-55512",
        "cover_pounds": 5000000,
        "end_date": "2027-06-30",
    },
    CheckKind.QUALIFICATION: {"title": "Registered Nurse", "awarding_body": "NMC", "awarded_on": "2015-07-01"},
    CheckKind.CQC: {"registration_id": "1-101234567"},
    CheckKind.CARE_INSPECTORATE: {"registration_id": "CS2003001234"},
    CheckKind.CIW: {"registration_id": "SIN-00012345-CYMR"},
    CheckKind.RQIA: {"registration_id": "12345"},
    CheckKind.FOOD_HYGIENE: {"rating": 5, "inspected_on": "2026-03-01", "local_authority": "Leeds"},
    CheckKind.FIRST_AID: {"course": "Emergency First Aid at Work", "completed_on": "2026-02-01"},
    CheckKind.REFERENCE: {"referee": "Jo Bloggs", "relationship": "Former employer"},
}


@lru_cache(maxsize=1)
def _password_hash(fast: bool) -> str:
    from registry.accounts.services import hash_password

    return hash_password(PASSWORD)


def password_hash() -> str:
    """One hash of PASSWORD per process (hashing on purpose costs time; every factory account shares it)."""
    return _password_hash(bool(current_app.config.get("ARGON2_FAST")))


def service_type(slug: str) -> ServiceType:
    found = db.session.scalar(db.select(ServiceType).where(ServiceType.slug == slug))
    assert found is not None, f"no service {slug!r} in the seeded taxonomy"
    return found


def relist(provider: Provider) -> None:
    """The listing rule's own answer, stored (registry/checks/listing.py) and flushed."""
    from registry.checks.listing import recompute_listing

    recompute_listing(provider, today())
    db.session.flush()


def needed_kinds(provider: Provider) -> list[CheckKind]:
    """The kinds of check the provider's services require of it in its nation, as the listing rule reads them."""
    from registry.checks.listing import requirements_for

    kinds: list[CheckKind] = []
    for row in provider.services:
        for code in requirements_for(provider, row.service_type):
            kind = requirement_kind(code, provider.nation)
            assert kind is not None, f"{code!r} cannot be met in {provider.nation!r}: no listed state exists there"
            if kind not in kinds:
                kinds.append(kind)
    return kinds


def reminder_days() -> int:
    return current_app.config["CHECK_REMINDER_DAYS"]


class _Factory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731  (the request's session, as the app uses)
        sqlalchemy_session_persistence = "flush"


# -- accounts --------------------------------------------------------------------------------------------------------


class UserFactory(_Factory):
    """An account of any role (``role=``); verified, active, signing in with PASSWORD."""

    class Meta:
        model = User

    class Params:
        unverified = factory.Trait(email_verified_at=None)

    role = Role.RECIPIENT
    email = factory.LazyAttributeSequence(lambda o, n: f"{o.role}{n}@example.com")
    name = "Test Person"
    password_hash = factory.LazyFunction(password_hash)
    email_verified_at = factory.LazyFunction(utcnow)
    active = True


class RecipientFactory(UserFactory):
    role = Role.RECIPIENT


class OfficerFactory(UserFactory):
    role = Role.OFFICER
    name = factory.Sequence(lambda n: f"Officer {n}")


class AdminFactory(UserFactory):
    role = Role.ADMIN
    name = factory.Sequence(lambda n: f"Admin {n}")


class CommissionerUserFactory(UserFactory):
    """A commissioner's account only: the council it belongs to is the councils feature's to add."""

    role = Role.COMMISSIONER


# -- providers and checks --------------------------------------------------------------------------------------------


class CheckFactory(_Factory):
    """A check of ``kind`` (default proof of identity), approved and valid for a year; the provider is relisted.

    Traits: ``pending`` (waiting for an officer), ``lapsing`` (valid for half the reminder window),
    ``lapsed`` (its last day was yesterday), ``rejected``.
    """

    class Meta:
        model = Check

    class Params:
        days_valid = 365
        pending = factory.Trait(status=CheckStatus.PENDING, decided_at=None, verification_method=None, valid_until=None)
        rejected = factory.Trait(
            status=CheckStatus.REJECTED, valid_until=None, decision_reason="The document could not be read."
        )
        lapsing = factory.Trait(days_valid=factory.LazyFunction(lambda: reminder_days() // 2))
        lapsed = factory.Trait(status=CheckStatus.LAPSED, days_valid=-1)

    provider = factory.SubFactory("tests.factories.ProviderFactory")
    kind = CheckKind.IDENTITY
    status = CheckStatus.APPROVED
    details = factory.LazyAttribute(lambda o: dict(CHECK_DETAILS[o.kind]))
    document_key = None
    decided_at = factory.LazyFunction(utcnow)
    verification_method = "in_person"
    valid_until = factory.LazyAttribute(lambda o: today() + timedelta(days=o.days_valid))

    @factory.post_generation
    def relisted(check, create, extracted, **kwargs):
        """The provider's listing follows its new check (``relisted=False``: the caller relists once, after many)."""
        if create and extracted is not False:
            relist(check.provider)


def _postcode_place(postcode: str | None):
    from searchindex.geo import locate

    return locate(postcode) if postcode else None


_NOTHING = factory.PostGeneration(lambda obj, create, extracted, **kwargs: None)


def _to_state(name: str) -> factory.PostGeneration:
    """Bring a new provider to the listing state ``name`` (a trait of ProviderFactory)."""

    def bring(provider: Provider, create: bool, extracted, **kwargs) -> None:
        if not create:
            return
        db.session.flush()
        traits = {"pending_check": {"pending": True}, "lapsing": {"lapsing": True}, "lapsed": {"lapsed": True}}
        for kind in needed_kinds(provider):
            # Built and written in one flush with the listing they give (lapsing and lapsed: the identity check only).
            chosen = traits.get(name, {}) if name == "pending_check" or kind == CheckKind.IDENTITY else {}
            db.session.add(CheckFactory.build(provider=provider, kind=kind, **chosen))
        relist(provider)
        if name == "suspended":
            SuspensionFactory(provider=provider)
        elif name == "closed":
            from registry.accounts.services import deactivate_account

            deactivate_account(provider.user, None, how="cli")
            db.session.flush()

    return factory.PostGeneration(bring)


class ProviderFactory(_Factory):
    """A submitted profile, complete as a provider would fill it in, and its account.

    ``services=["personal-care", ...]`` and ``languages=[...]`` take slugs and codes; ``base_postcode``
    sets the district and the nation. Listing-state traits: see the module's docstring.
    """

    class Meta:
        model = Provider

    class Params:
        place = factory.LazyAttribute(lambda o: _postcode_place(o.base_postcode))
        organisation = factory.Trait(kind=ProviderKind.ORGANISATION)
        draft = factory.Trait(
            status=ProfileStatus.DRAFT,
            submitted_at=None,
            about="",
            base_postcode=None,
            travel_radius_miles=None,
            rate_min_pence=None,
            rate_max_pence=None,
            availability=0,
            phone=None,
            services=_NOTHING,  # (a post-generation step is replaced by a declaration, not by a value)
            languages=_NOTHING,
        )
        listed = factory.Trait(state=_to_state("listed"))
        lapsing = factory.Trait(state=_to_state("lapsing"))
        lapsed = factory.Trait(state=_to_state("lapsed"))
        suspended = factory.Trait(state=_to_state("suspended"))
        closed = factory.Trait(state=_to_state("closed"))
        pending_check = factory.Trait(state=_to_state("pending_check"))

    display_name = factory.Sequence(lambda n: f"Provider {n}")
    user = factory.SubFactory(UserFactory, role=Role.PROVIDER, name=factory.SelfAttribute("..display_name"))
    kind = ProviderKind.PA
    slug = factory.LazyAttribute(lambda o: _unique_slug(o.display_name))
    about = "I support older people at home with personal care and companionship, calmly and kindly."
    base_postcode = "LS6 2AA"
    outcode = factory.LazyAttribute(lambda o: o.place.outcode if o.place else None)
    travel_radius_miles = 10
    rate_min_pence = 1800
    rate_max_pence = 2200
    availability = factory.LazyFunction(lambda: availability_mask(["mon-morning", "tue-afternoon"]))
    phone = "0113 496 0000"
    contact_email = factory.SelfAttribute("user.email")
    status = ProfileStatus.SUBMITTED
    submitted_at = factory.LazyFunction(utcnow)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        place = _postcode_place(kwargs.get("base_postcode"))
        if place is not None:
            kwargs["base_postcode"] = place.postcode  # stored the way the profile form stores it
        return super()._create(model_class, *args, **kwargs)

    @factory.post_generation
    def services(provider, create, extracted, **kwargs):
        slugs = ["personal-care", "companionship"] if extracted is None else extracted
        for slug in slugs:
            provider.services.append(ProviderService(service_type=service_type(slug)))

    @factory.post_generation
    def languages(provider, create, extracted, **kwargs):
        for code in sorted(set(["en", "cy"] if extracted is None else extracted)):
            provider.language_rows.append(ProviderLanguage(language=code))

    # The listing state (a trait replaces it): as created, the stored listing is the rule's answer.
    state = factory.PostGeneration(lambda provider, create, extracted, **kwargs: relist(provider) if create else None)


def _unique_slug(name: str) -> str:
    from registry.providers.services import unique_slug

    return unique_slug(name)


def approve_needed_checks(provider: Provider, **check_fields) -> list[Check]:
    """Approve, for an existing provider, every check its services need that it does not have yet."""
    from registry.checks.listing import meets, requirements_for

    added = []
    for row in provider.services:
        for code in requirements_for(provider, row.service_type):
            if meets(provider, code, today()) is None:
                kind = requirement_kind(code, provider.nation)
                added.append(CheckFactory.build(provider=provider, kind=kind, **check_fields))
    db.session.add_all(added)
    relist(provider)
    return added


class SuspensionFactory(_Factory):
    """A provider suspended by an officer, through the safeguarding service (audited, delisted, told)."""

    class Meta:
        model = Suspension

    provider = factory.SubFactory(ProviderFactory, listed=True)
    suspended_by = factory.SubFactory(OfficerFactory)
    reason = "A safeguarding concern is being looked into."

    @classmethod
    def _create(cls, model_class, provider, suspended_by, reason, **kwargs):
        from registry.safeguarding.services import suspend

        suspension = suspend(provider, suspended_by, reason, today=today())
        for key, value in kwargs.items():
            setattr(suspension, key, value)
        db.session.flush()
        return suspension


# -- people, enquiries, engagements, reviews, concerns ---------------------------------------------------------------


class CaredForPersonFactory(_Factory):
    """Someone a recipient arranges care for, with their consent; ``needs=[service slugs]``."""

    class Meta:
        model = CaredForPerson

    class Params:
        account = factory.SubFactory(RecipientFactory)

    account_id = factory.SelfAttribute("account.id")
    name = "Dad (J.S.)"
    district = "LS6"
    relationship = Relationship.FAMILY
    communication = factory.LazyFunction(list)
    authority = Authority.CONSENT
    consent_given_by = "Dad himself"
    consent_how = ConsentHow.IN_PERSON
    authority_date = factory.LazyFunction(lambda: today() - timedelta(days=30))

    @factory.post_generation
    def needs(person, create, extracted, **kwargs):
        for slug in ["personal-care", "companionship"] if extracted is None else extracted:
            person.needs.append(service_type(slug))


class EnquiryFactory(_Factory):
    """An open enquiry from a recipient to a listed provider about one of its services, with its first message.

    Traits: ``accepted``, ``started`` (use EngagementFactory for the engagement that goes with it), ``declined``.
    """

    class Meta:
        model = Enquiry

    class Params:
        service = "companionship"
        accepted = factory.Trait(status=EnquiryStatus.ACCEPTED)
        started = factory.Trait(status=EnquiryStatus.STARTED)
        declined = factory.Trait(status=EnquiryStatus.DECLINED)

    recipient = factory.SubFactory(RecipientFactory)
    provider = factory.SubFactory(ProviderFactory, listed=True)
    service_type = factory.LazyAttribute(lambda o: service_type(o.service))
    district = "LS6"
    times = factory.LazyFunction(lambda: availability_mask(["tue-afternoon"]))
    hours_per_week = 6
    status = EnquiryStatus.OPEN

    @factory.post_generation
    def message(enquiry, create, extracted, **kwargs):
        """The recipient's first message (``message="..."``)."""
        body = extracted or "Hello, could you visit my dad?"
        enquiry.messages.append(EnquiryMessage(author=enquiry.recipient, body=body))

    @factory.post_generation
    def answer(enquiry, create, extracted, **kwargs):
        """The provider's reply (``answer="..."``), if any."""
        if extracted:
            enquiry.messages.append(EnquiryMessage(author=enquiry.provider.user, body=extracted))
            if create:
                db.session.flush()


class EngagementFactory(_Factory):
    """A recipient a listed provider has started supporting after an enquiry: the right to review."""

    class Meta:
        model = Engagement

    class Params:
        enquiry = factory.SubFactory(EnquiryFactory, started=True)

    recipient = factory.SelfAttribute("enquiry.recipient")
    provider = factory.SelfAttribute("enquiry.provider")
    enquiry_id = factory.SelfAttribute("enquiry.id")


class ReviewFactory(_Factory):
    """A published review of an engagement by its recipient; the provider's rating is recomputed.

    Traits: ``held`` (held for safeguarding: the app opens a concern for it), ``flagged`` (possibly the provider's own).
    """

    class Meta:
        model = Review

    class Params:
        held = factory.Trait(status=ReviewStatus.HELD, body="I found a bruise on my dad's arm after a visit.")
        flagged = factory.Trait(
            status=ReviewStatus.FLAGGED,
            flag_reasons=["Written 2 minutes after the enquiry was sent, by an account at the provider's own domain."],
        )

    engagement = factory.SubFactory(EngagementFactory)
    provider = factory.SelfAttribute("engagement.provider")
    author = factory.SelfAttribute("engagement.recipient")
    reliability = 5
    quality = 5
    kindness = 5
    communication = 4
    value = 4
    title = "Kind and reliable"
    body = "Always on time and so patient with my dad."
    supported_for = "3-12-months"
    status = ReviewStatus.PUBLISHED

    @factory.post_generation
    def consequences(review, create, extracted, **kwargs):
        """What the app does after a review is written: a held one becomes a concern; the rating follows."""
        if not create:
            return
        from registry.reviews.scoring import recompute_rating
        from registry.reviews.services import review_held

        db.session.flush()
        if review.status == ReviewStatus.HELD:
            review_held.send(review, author=review.author, why="It mentions “bruise”.")
        recompute_rating(review.provider)
        db.session.flush()


class AgreementFactory(_Factory):
    """Support one side proposed and the other accepted, through the visits services (their rules apply).

    ``weekly={0: ("09:00", "10:00")}`` (Monday 0), ``starts_on``; ``proposed_by="provider"`` or
    ``"recipient"``; ``answered=False`` leaves it proposed.
    """

    class Meta:
        model = Agreement

    engagement = factory.SubFactory(EngagementFactory)
    proposed_by = "provider"  # (not columns: _create hands them to the services)
    answered = True
    service = "companionship"
    price_basis = "hourly"
    rate_pence = 1650
    funding = "direct-payment"
    starts_on = factory.LazyFunction(today)
    weekly = factory.LazyFunction(lambda: {0: ("09:00", "10:00")})
    one_offs = ""

    @classmethod
    def _create(cls, model_class, engagement, proposed_by, answered, **fields):
        from registry.visits.services import AgreementInput, answer_agreement, propose_agreement

        sides = {"provider": engagement.provider.user, "recipient": engagement.recipient}
        answerer = sides["recipient" if proposed_by == "provider" else "provider"]
        agreement = propose_agreement(engagement, sides[proposed_by], AgreementInput(**fields))
        return answer_agreement(agreement, answerer, accept=True) if answered else agreement


class ConcernFactory(_Factory):
    """An open concern about a listed provider, raised by a recipient."""

    class Meta:
        model = Concern

    provider = factory.SubFactory(ProviderFactory, listed=True)
    raised_by = factory.SubFactory(RecipientFactory)
    body = "They shouted at my mum during a visit."
