"""The "What our checks mean" page: each kind of check in plain words (issue 26, item 2).

The kinds, their names, the nations that use them, the badges they earn
and how long each lasts all come from the one vocabulary
(:mod:`registry.checks.kinds`, :mod:`registry.checks.badges`,
:func:`registry.checks.claims.kinds_explained` with this registry's
settings). What this module adds is the plain words a family reads about
each kind (short sentences, for a reading age of about nine), keyed by
:class:`~registry.checks.kinds.CheckKind`: a test requires one entry for
every kind and none for anything else, so a new kind cannot be left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from flask_babel import gettext

from registry.checks.badges import SEARCH_BADGES
from registry.checks.claims import kinds_explained
from registry.checks.kinds import KIND_NATIONS, CheckKind
from registry.i18n import N_
from registry.nations import Nation


@dataclass(frozen=True)
class Part:
    """A short part of a section with its own anchor (a badge that names it links straight to it)."""

    anchor: str
    heading: str
    text: str


@dataclass(frozen=True)
class PlainWords:
    """What a check is, what it shows, what it does not show, and who gives it."""

    what: str
    shows: str
    does_not_show: str
    given_by: str
    parts: tuple[Part, ...] = ()


PLAIN_WORDS: dict[CheckKind, PlainWords] = {
    CheckKind.IDENTITY: PlainWords(
        what=N_(
            "We look at a photo ID, like a passport or a driving licence. We check that it is real and that it "
            "belongs to the person."
        ),
        shows=N_("The person is who they say they are."),
        does_not_show=N_("It says nothing about their past or how good they are at their job."),
        given_by=N_(
            "The Passport Office, the DVLA or the Home Office gives the ID. One of our safeguarding officers checks it."
        ),
    ),
    CheckKind.DBS: PlainWords(
        what=N_(
            "A DBS check looks at one person's criminal record. DBS is short for the Disclosure and Barring Service."
        ),
        shows=N_("What the record held on the day of the check."),
        does_not_show=N_(
            "It does not show anything that happened after that day. It is about one person only, not "
            "the other people who work with them."
        ),
        given_by=N_("The Disclosure and Barring Service, for England and Wales."),
        parts=(
            Part(
                "enhanced-dbs",
                N_("Basic, standard and enhanced"),
                N_(
                    "There are three levels. A basic check shows crimes that are not yet spent. A standard check also "
                    "shows spent crimes and cautions. An enhanced check shows the same, and anything else the police "
                    "think matters. Care in your home needs an enhanced check."
                ),
            ),
            Part(
                "barred-lists",
                N_("Barred lists"),
                N_(
                    "The DBS keeps two lists of people who must not work with children, or with adults who need care. "
                    "Only an enhanced check can look at these lists. A check “with the adults' barred list” says the "
                    "person is not on that list."
                ),
            ),
            Part(
                "dbs-update-service",
                N_("The DBS Update Service"),
                N_(
                    "A person can join the DBS Update Service. If they agree, we can ask the DBS online if anything "
                    "new is on their record. The DBS answers “no new information” or “new information”. If there is "
                    "new information, the check stops counting straight away, and an officer looks at it."
                ),
            ),
        ),
    ),
    CheckKind.PVG: PlainWords(
        what=N_("The PVG scheme is Scotland's background check. PVG is short for Protecting Vulnerable Groups."),
        shows=N_(
            "The person is not barred from work with the group the scheme names: adults, children or both. "
            "Disclosure Scotland keeps watching their record while they are a member."
        ),
        does_not_show=N_("It does not show the details of their record. It is about one person only."),
        given_by=N_("Disclosure Scotland."),
    ),
    CheckKind.ACCESSNI: PlainWords(
        what=N_(
            "AccessNI is the criminal record check in Northern Ireland. It has basic, standard and enhanced "
            "levels, like the DBS."
        ),
        shows=N_(
            "What the record held on the day of the check. An enhanced check with a barred list also says the "
            "person is not barred from work with adults or children."
        ),
        does_not_show=N_(
            "It does not show anything that happened after that day. There is no Update Service, so a "
            "new check is needed each time."
        ),
        given_by=N_("AccessNI, part of the Department of Justice in Northern Ireland."),
    ),
    CheckKind.RIGHT_TO_WORK: PlainWords(
        what=N_("We check that the person is allowed to work in the UK."),
        shows=N_("They may work here: they have a British or Irish passport, or a share code from the Home Office."),
        does_not_show=N_("It says nothing about their past or their skills."),
        given_by=N_("The Home Office. One of our safeguarding officers checks it."),
    ),
    CheckKind.INSURANCE: PlainWords(
        what=N_(
            "Public liability insurance pays out if someone is hurt, or something is damaged, because of the "
            "provider's work."
        ),
        shows=N_(
            "The provider has a policy. We checked the insurer, the policy number, how much it covers and when it ends."
        ),
        does_not_show=N_("It does not show that the care is good. It does not cover everything that could go wrong."),
        given_by=N_("An insurance company."),
    ),
    CheckKind.QUALIFICATION: PlainWords(
        what=N_("A certificate for a course or training, like a care certificate or a nursing qualification."),
        shows=N_("The person passed that course. We checked the certificate."),
        does_not_show=N_("It does not show how well they work today."),
        given_by=N_("The college or awarding body that ran the course."),
    ),
    CheckKind.CQC: PlainWords(
        what=N_(
            "The Care Quality Commission (CQC) checks care in England. An organisation that gives personal care "
            "or nursing must be registered with it."
        ),
        shows=N_("The organisation is registered, so it is allowed to give this care. The CQC visits and inspects it."),
        does_not_show=N_("It does not check each worker. A rating can be a few years old: look at its date."),
        given_by=N_("The Care Quality Commission."),
        parts=(
            Part(
                "cqc-rating",
                N_("CQC ratings"),
                N_(
                    "After an inspection the CQC gives a rating: Outstanding, Good, Requires improvement or Inadequate. "
                    "We show the latest rating and its date, and link to the CQC's own report."
                ),
            ),
        ),
    ),
    CheckKind.CARE_INSPECTORATE: PlainWords(
        what=N_(
            "The Care Inspectorate checks care services in Scotland. Care services there must be registered with it."
        ),
        shows=N_("The organisation is registered, so it is allowed to give this care."),
        does_not_show=N_(
            "It does not check each worker. We do not show its grades here: look the service up on the "
            "Care Inspectorate's website."
        ),
        given_by=N_("The Care Inspectorate."),
    ),
    CheckKind.CIW: PlainWords(
        what=N_(
            "Care Inspectorate Wales (CIW) checks care services in Wales. Care services there must be registered "
            "with it."
        ),
        shows=N_("The organisation is registered, so it is allowed to give this care."),
        does_not_show=N_(
            "It does not check each worker. We do not show its ratings here: look the service up on CIW's website."
        ),
        given_by=N_("Care Inspectorate Wales."),
    ),
    CheckKind.RQIA: PlainWords(
        what=N_(
            "The Regulation and Quality Improvement Authority (RQIA) checks care services in Northern Ireland. "
            "Care services there must be registered with it."
        ),
        shows=N_("The organisation is registered, so it is allowed to give this care."),
        does_not_show=N_(
            "It does not check each worker. We do not show its reports here: look the service up on RQIA's website."
        ),
        given_by=N_("The Regulation and Quality Improvement Authority."),
    ),
    CheckKind.FOOD_HYGIENE: PlainWords(
        what=N_("The council inspects kitchens that make food for other people. It gives a rating from 0 to 5."),
        shows=N_("How clean and safe the kitchen was on the day of the inspection. 5 is the best."),
        does_not_show=N_("It says nothing about the taste of the food, or about the people who bring it."),
        given_by=N_("The local council."),
    ),
    CheckKind.FIRST_AID: PlainWords(
        what=N_("A certificate for a first aid course."),
        shows=N_("The person learned first aid, and the certificate was real."),
        does_not_show=N_("It does not show they can give medical care."),
        given_by=N_("The training company that ran the course."),
    ),
    CheckKind.REFERENCE: PlainWords(
        what=N_("Someone who knows the person, like a past employer, tells us about them."),
        shows=N_("Someone was willing to vouch for the person."),
        does_not_show=N_("It is one person's view. It is not an official check."),
        given_by=N_("The person who gave the reference."),
    ),
}


@dataclass(frozen=True)
class Section:
    """One kind of check on the page: its name, plain words, where it is used, its badges, how long it lasts."""

    kind: str
    anchor: str
    name: str
    words: PlainWords
    where: str
    lasts: str
    badges: tuple[tuple[str, str], ...]  # (label, anchor) of each search badge the kind earns


def kind_anchor(kind: str) -> str:
    return f"kind-{kind}"


# A badge whose kind's section has a part about just that badge links to the part, otherwise to the section.
_PART_ANCHORS = {part.anchor for words in PLAIN_WORDS.values() for part in words.parts}


def badge_anchor(code: str) -> str:
    """The anchor a search badge links to: its own part of the page, or its kind's section."""
    if code in _PART_ANCHORS:
        return code
    badge = SEARCH_BADGES.get(code)
    return kind_anchor(badge.kind) if badge is not None else "kinds"


# The nations as a sentence names them, in the page's language.
_NATIONS = {
    Nation.ENGLAND: N_("England"),
    Nation.WALES: N_("Wales"),
    Nation.SCOTLAND: N_("Scotland"),
    Nation.NORTHERN_IRELAND: N_("Northern Ireland"),
}


def _where(kind: str) -> str:
    nations = KIND_NATIONS.get(kind)
    if nations is None:
        return gettext("Everywhere in the UK.")
    names = [gettext(_NATIONS[n]) for n in Nation if n in nations]
    if len(names) == 1:
        return names[0] + "."
    return gettext("%(nations)s and %(last)s.", nations=", ".join(names[:-1]), last=names[-1])


def in_language(words: PlainWords) -> PlainWords:
    """``words`` in the page's language (each was marked for the catalog with N_ above)."""
    return PlainWords(
        what=gettext(words.what),
        shows=gettext(words.shows),
        does_not_show=gettext(words.does_not_show),
        given_by=gettext(words.given_by),
        parts=tuple(replace(part, heading=gettext(part.heading), text=gettext(part.text)) for part in words.parts),
    )


def sections(config: Mapping) -> list[Section]:
    """Every kind of check, in the usual order, with this registry's figures for how long each lasts."""
    return [
        Section(
            kind=k.kind,
            anchor=kind_anchor(k.kind),
            name=k.name,
            words=in_language(PLAIN_WORDS[k.kind]),
            where=_where(k.kind),
            lasts=k.redone,
            badges=tuple((gettext(b.label), badge_anchor(b.code)) for b in SEARCH_BADGES.values() if b.kind == k.kind),
        )
        for k in kinds_explained(config)
    ]
