"""What "verified" means for one provider and one of its listed services, in plain words (issue 20, item 4).

A badge says what one check is; a claim says what was checked *for a
service*: which of the service's requirements each current check meets, what
the service does not ask for ("no background check is needed for meal
delivery"), and whose a check about a person is. A personal assistant's
background check is the named person's own; an organisation's is one
person's certificate held for the organisation, never a check of each worker
it sends, and the profile tells a family what to ask.

Everything here is built from the requirement table
(:data:`registry.checks.kinds.REQUIREMENTS`) and the service type's
requirement rows, never written per service, so a new kind of check, a new
service or another nation's regime reads correctly without an edit here. What
a kind of check is *about* (a person or a business; a background check; a
regulator's registration) is the one fact this module adds per kind
(:data:`KIND_MEANINGS`). A kind missing from that table is read cautiously:
as a check of one person, and as one that might be a background check, so its
presence never lets a claim say a background check is not needed. Nothing
here claims more than the checks do.

:func:`claim_for` works over anything with a check's ``kind``, ``details``
and ``valid_until`` (models, or the rows the search index is built from), so
the profile, the API and the search card say the same words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from flask_babel import gettext, ngettext

from registry.checks.kinds import KIND_NAMES, REQUIREMENTS, CheckKind
from registry.checks.listing import listed_services_now, requirements_for
from registry.i18n import N_
from registry.providers.models import Provider, ServiceType
from registry.providers.vocabulary import ProviderKind


@dataclass(frozen=True)
class KindMeaning:
    """What a kind of check is about, for the claims and the how-it-works page.

    ``of_a_person``: it checks one person (their identity, their record), not a
    business (its insurance, its kitchen's rating, its registration).
    ``background``: it is a criminal-record (background) check; None when not
    known, which never lets a claim say a background check is not needed.
    ``regulator``: it is a care regulator's registration.
    """

    of_a_person: bool
    background: bool | None
    regulator: bool | None
    means: str  # plain words: what a family can take from it


KIND_MEANINGS: dict[str, KindMeaning] = {
    CheckKind.IDENTITY: KindMeaning(
        True,
        False,
        False,
        N_(
            "A safeguarding officer compared a passport, photocard driving licence, national identity card or "
            "residence permit with the details the provider gave: the person is who they say they are."
        ),
    ),
    CheckKind.DBS: KindMeaning(
        True,
        True,
        False,
        N_(
            "A criminal record check from the Disclosure and Barring Service, on one named person. An enhanced check "
            "with a barred list also says whether that person is barred from working with adults or children."
        ),
    ),
    CheckKind.PVG: KindMeaning(
        True,
        True,
        False,
        N_(
            "Membership of the Protecting Vulnerable Groups scheme, Scotland's background check from Disclosure "
            "Scotland, for one named person: they are not barred from regulated work with the workforce it names "
            "(protected adults, children or both), and Disclosure Scotland keeps their record under review."
        ),
    ),
    CheckKind.ACCESSNI: KindMeaning(
        True,
        True,
        False,
        N_(
            "A criminal record check from AccessNI, Northern Ireland's disclosure service, on one named person. An "
            "enhanced check with a barred list also says whether that person is barred from working with adults or "
            "children."
        ),
    ),
    CheckKind.RIGHT_TO_WORK: KindMeaning(
        True,
        False,
        False,
        N_("The person may work in the UK (a British or Irish passport, or a Home Office share code)."),
    ),
    CheckKind.INSURANCE: KindMeaning(
        False,
        False,
        False,
        N_(
            "The business has public liability insurance: the insurer, policy number, amount of cover and end date "
            "were checked against the policy."
        ),
    ),
    CheckKind.QUALIFICATION: KindMeaning(
        True, False, False, N_("A named person's professional qualification, checked against the certificate.")
    ),
    CheckKind.CQC: KindMeaning(
        False,
        False,
        True,
        N_("The organisation is registered with the Care Quality Commission, which inspects care in England."),
    ),
    CheckKind.CARE_INSPECTORATE: KindMeaning(
        False,
        False,
        True,
        N_("The organisation is registered with the Care Inspectorate, which inspects care services in Scotland."),
    ),
    CheckKind.CIW: KindMeaning(
        False,
        False,
        True,
        N_("The organisation is registered with Care Inspectorate Wales, which inspects care services in Wales."),
    ),
    CheckKind.RQIA: KindMeaning(
        False,
        False,
        True,
        N_(
            "The organisation is registered with the Regulation and Quality Improvement Authority, which inspects "
            "care services in Northern Ireland."
        ),
    ),
    CheckKind.FOOD_HYGIENE: KindMeaning(
        False,
        False,
        False,
        N_("The kitchen's food hygiene rating from the local authority (0 to 5), as last inspected."),
    ),
    CheckKind.FIRST_AID: KindMeaning(True, False, False, N_("A named person completed a first aid course.")),
    CheckKind.REFERENCE: KindMeaning(True, False, False, N_("Someone who knows the person vouched for them.")),
}
# A kind without an entry: one person's check, and possibly a background check or a registration.
UNKNOWN_MEANING = KindMeaning(True, None, None, "")


# Whose an organisation's background check is: never a check of the workers it sends.
ORGANISATION_BACKGROUND = "the organisation's own check: one person's, not a check of each worker who visits"
ORGANISATION_BACKGROUND_SHORT = "the organisation's own, not each worker's"


def meaning_of(kind: str) -> KindMeaning:
    return KIND_MEANINGS.get(kind, UNKNOWN_MEANING)


@dataclass(frozen=True)
class MetRequirement:
    """One requirement of a service and the current check meeting it."""

    code: str
    name: str  # the requirement in words ("Enhanced DBS with the adults' barred list")
    value: str | None  # what the check shows where the requirement asks for at least a figure ("rating 5")
    whose: str | None  # whose check, for a check about a person ("Ceri Morgan's own")
    background: bool  # it is (or may be) a background check: the card says whose
    check: object  # the check (a model, or a row the search index was built from)


@dataclass(frozen=True)
class ServiceClaim:
    """What was verified for one listed service of one provider."""

    service_slug: str
    service_name: str
    met: tuple[MetRequirement, ...]
    not_needed: tuple[str, ...]  # what the service does not ask for: ("background check", ...)
    ask: str | None  # what a family should ask an organisation whose background check is its own

    @property
    def not_needed_words(self) -> str | None:
        """The words "no background check is needed for meal delivery"; None when the service asks for each."""
        if not self.not_needed:
            return None
        return f"no {' or '.join(self.not_needed)} is needed for {_mid_sentence(self.service_name)}"

    @property
    def not_needed_sentence(self) -> str | None:
        return _sentence(self.not_needed_words) if self.not_needed else None

    @property
    def short(self) -> str:
        """The search card's sentence: each requirement checked, whose a background check is, what is not needed."""
        parts = []
        for met in self.met:
            words = _mid_sentence(met.name)
            extra = [v for v in (met.value, _short_whose(met) if met.background else None) if v]
            parts.append(f"{words} ({'; '.join(extra)})" if extra else words)
        text = f"{self.service_name}: {_and_list(parts)} checked"
        return text + (f"; {self.not_needed_words}" if self.not_needed else "") + "."

    @property
    def lines(self) -> list[str]:
        """The profile's list: one sentence per requirement met, saying whose the check is."""
        lines = []
        for met in self.met:
            text = met.name
            if met.value:
                text += f": {met.value}"
            if met.whose:
                text += f" ({met.whose})"
            lines.append(text + ".")
        return lines

    @property
    def text(self) -> str:
        """Everything in one paragraph (the API's words)."""
        sentences = [f"{self.service_name}: " + " ".join(self.lines)]
        if self.not_needed:
            sentences.append(self.not_needed_sentence)
        if self.ask:
            sentences.append(self.ask)
        return " ".join(sentences)


def claim_for(
    provider_name: str,
    provider_kind: str,
    service_slug: str,
    service_name: str,
    requirement_codes: Sequence[str],
    current_checks: Sequence,
    *,
    nation: str | None,
) -> ServiceClaim | None:
    """What was verified for one service, or None when a requirement is unmet (the service is not listed).

    ``requirement_codes`` are the service's codes for this kind of provider
    (identity always among them, as :func:`registry.checks.listing.requirements_for`
    gives them); ``current_checks`` the provider's approved checks valid
    today; ``nation`` the provider's, whose scheme meets each requirement
    (:meth:`registry.checks.kinds.Requirement.criterion`). Each requirement is named with the check meeting it that stays
    valid longest: the claim then holds exactly as long as the listing does
    (:func:`registry.checks.listing.listing_ends`), so a search card showing a
    service never shows words its checks no longer back.
    """
    organisation = provider_kind == ProviderKind.ORGANISATION
    met, meanings = [], []
    for code in requirement_codes:
        requirement = REQUIREMENTS.get(code)
        # What meets it in the provider's nation; an unknown code, or none there, meets nothing (as satisfies() says).
        requirement = requirement.criterion(nation) if requirement is not None else None
        if requirement is None:
            return None
        check = None  # of the checks meeting it (satisfies(): its kind, and enough), the one valid longest
        for c in current_checks:
            if (
                c.kind == requirement.kind
                and (check is None or (c.valid_until or date.max) >= (check.valid_until or date.max))
                and requirement.accepts(c.details or {})
            ):
                check = c
        if check is None:
            return None
        meaning = meaning_of(requirement.kind)
        meanings.append(meaning)
        value = None
        if requirement.at_least is not None:
            field, _minimum = requirement.at_least
            value = f"{field.replace('_', ' ')} {(check.details or {}).get(field)}"
        whose = None
        if meaning.of_a_person and not organisation:
            whose = f"{provider_name}'s own"
        elif meaning.of_a_person and meaning.background is False:
            whose = "one person's at the organisation, not each worker's"
        elif meaning.of_a_person:
            whose = ORGANISATION_BACKGROUND
        met.append(MetRequirement(code, requirement.name, value, whose, meaning.background is not False, check))
    not_needed = []
    if all(m.background is False for m in meanings):
        not_needed.append("background check")
    if organisation and all(m.regulator is False for m in meanings):
        not_needed.append("registration with a care regulator")
    ask = None
    background = [m for m in met if m.background]
    if organisation and background:
        ask = (
            f"Ask {provider_name} how it checks the staff it sends, and whether the worker who will visit you has "
            f"their own {_mid_sentence(background[0].name)}, and ask to see it."
        )
    return ServiceClaim(service_slug, service_name, tuple(met), tuple(not_needed), ask)


def service_claims(provider: Provider, today: date, listed: list[ServiceType] | None = None) -> list[ServiceClaim]:
    """What was verified for each service ``provider`` is listed for on ``today`` (``listed``: already asked).

    Nothing for a provider listed for nothing (suspended, lapsed, closed):
    its checks vouch for no one.
    """
    if listed is None:
        listed = listed_services_now(provider, today)
    current = [c for c in provider.checks if c.is_current(today)]
    claims = []
    for service in listed:
        claim = claim_for(
            provider.display_name,
            provider.kind,
            service.slug,
            service.name,
            requirements_for(provider, service),
            current,
            nation=provider.nation,
        )
        if claim is not None:
            claims.append(claim)
    return claims


@dataclass(frozen=True)
class KindExplained:
    """One kind of check on the how-it-works page: what it means and how often the registry asks again."""

    kind: str
    name: str
    means: str
    redone: str


def kinds_explained(config: Mapping) -> list[KindExplained]:
    """Every kind of check in plain words, with how often it is redone, from this registry's settings."""
    return [
        KindExplained(
            kind,
            _in_language(KIND_NAMES.get(kind, kind)),
            _in_language(meaning_of(kind).means),
            how_often_redone(kind, config),
        )
        for kind in CheckKind
    ]


def _in_language(words: str) -> str:
    """``words`` (marked with N_ where they are defined) in the page's language; nothing stays nothing."""
    return gettext(words) if words else words


def how_often_redone(kind: str, config: Mapping) -> str:
    """How a check of ``kind`` stays current, with the figures this registry runs with, in the page's language."""
    validity = config.get("CHECK_VALIDITY_DAYS", {})
    if kind == CheckKind.DBS:
        period = _days_in_words(config["DBS_RECHECK_DAYS"])
        if not config.get("DBS_STATUS_CHECK_URL"):
            return gettext(
                "A certificate counts for %(period)s from its issue date (automatic DBS Update Service status "
                "checks are off on this registry).",
                period=period,
            )
        return gettext(
            "A certificate counts for %(period)s from its issue date, or, when the holder is on the DBS Update "
            "Service and agreed to status checks, as long as the registry's automatic status check, every "
            "%(every)s, says there is no new information. New information stops it counting at once.",
            period=period,
            every=_days_in_words(config["DBS_STATUS_CHECK_DAYS"]),
        )
    if kind == CheckKind.PVG:
        return gettext(
            "Counts for %(period)s from its scheme record's date, then must be shown again.",
            period=_days_in_words(config["DBS_RECHECK_DAYS"]),
        )
    if kind == CheckKind.ACCESSNI:
        return gettext(
            "Counts for %(period)s from its issue date, then must be shown again.",
            period=_days_in_words(config["DBS_RECHECK_DAYS"]),
        )
    if kind == CheckKind.CQC and config.get("CQC_API_URL"):
        return gettext(
            "The registration and rating are read from the CQC's public register every night; a registration "
            "that is no longer active stops counting at once."
        )
    if kind == CheckKind.INSURANCE:
        return gettext("Counts until the policy's end date; the provider then shows the renewed policy.")
    if kind in validity:
        return gettext(
            "Counts for %(period)s from the officer's approval, then must be shown again.",
            period=_days_in_words(validity[kind]),
        )
    return gettext("Counts until the date the officer set when approving it.")


def _days(days: int) -> str:
    if days % 365 == 0:
        years = days // 365
        return "1 year" if years == 1 else f"{years} years"
    return "1 day" if days == 1 else f"{days} days"


def _short_whose(met: MetRequirement) -> str | None:
    if met.whose is None:
        return None
    return ORGANISATION_BACKGROUND_SHORT if met.whose == ORGANISATION_BACKGROUND else met.whose


@lru_cache(maxsize=1024)  # a few dozen names, asked for each service of each provider in a rebuild
def _mid_sentence(name: str) -> str:
    """A name as it reads inside a sentence: "Meal delivery" -> "meal delivery", "DBS check" stays."""
    if len(name) > 1 and name[0].isupper() and not name[1].isupper():
        return name[0].lower() + name[1:]
    return name


def _sentence(words: str) -> str:
    return words[0].upper() + words[1:] + "."


def _and_list(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def rechecks_in_words(config: Mapping) -> str:
    """One sentence for the home page: how the registry keeps checks current, with this registry's figures.

    Whole sentences, one for each combination, so each language can word them its own way.
    """
    dbs, cqc = bool(config.get("DBS_STATUS_CHECK_URL")), bool(config.get("CQC_API_URL"))
    if dbs and cqc:
        return gettext(
            "A DBS certificate on the Update Service is status-checked every %(period)s, a CQC registration is "
            "read from the CQC's register every night and every other check counts only until its date runs out, "
            "and must then be shown again.",
            period=_days_in_words(config["DBS_STATUS_CHECK_DAYS"]),
        )
    if dbs:
        return gettext(
            "A DBS certificate on the Update Service is status-checked every %(period)s and every other check "
            "counts only until its date runs out, and must then be shown again.",
            period=_days_in_words(config["DBS_STATUS_CHECK_DAYS"]),
        )
    if cqc:
        return gettext(
            "A CQC registration is read from the CQC's register every night and every other check counts only "
            "until its date runs out, and must then be shown again."
        )
    return gettext("Each check counts only until its date runs out, and must then be shown again.")


def _days_in_words(days: int) -> str:
    """``_days`` in the page's language."""
    if days % 365 == 0:
        return ngettext("%(num)d year", "%(num)d years", days // 365)
    return ngettext("%(num)d day", "%(num)d days", days)


ORGANISATION_BACKGROUND_NOTE = (
    "An organisation's background check is its own: one person's, not a check of each worker who visits. "
    "Ask who will visit you and how they were checked."
)


def background_note(provider_kind: str, check_kinds) -> str | None:
    """What to say beside an organisation's badges when one is (or may be) a background check; None otherwise."""
    if provider_kind != ProviderKind.ORGANISATION:
        return None
    if any(meaning_of(kind).background is not False for kind in check_kinds):
        return ORGANISATION_BACKGROUND_NOTE
    return None
