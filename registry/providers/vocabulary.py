"""Fixed vocabularies for provider profiles: languages, availability, kinds."""

from __future__ import annotations

from enum import StrEnum

from registry.i18n import N_


class ProviderKind(StrEnum):
    ORGANISATION = "organisation"
    PA = "pa"


KIND_LABELS = {ProviderKind.ORGANISATION: N_("Organisation"), ProviderKind.PA: N_("Personal assistant")}


class ProfileStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    LISTED = "listed"
    SUSPENDED = "suspended"


# Ways of communicating besides speech that recipients search for.
COMMUNICATION_SUPPORT: dict[str, str] = {
    "bsl": "British Sign Language (BSL)",
    "makaton": "Makaton",
    "easy-read": "Easy Read information",
    "deafblind": "Deafblind communication (hands-on signing, Deafblind Manual)",
    "interpreter": "Works with interpreters",
}

# Spoken languages recipients search for.
SPOKEN_LANGUAGES: dict[str, str] = {
    "en": "English",
    "cy": "Welsh",
    "gd": "Scottish Gaelic",
    "ga": "Irish",
    "pl": "Polish",
    "ro": "Romanian",
    "pa": "Punjabi",
    "ur": "Urdu",
    "bn": "Bengali",
    "gu": "Gujarati",
    "hi": "Hindi",
    "ta": "Tamil",
    "ar": "Arabic",
    "so": "Somali",
    "yue": "Cantonese",
    "zh": "Mandarin",
    "pt": "Portuguese",
    "es": "Spanish",
    "fr": "French",
    "it": "Italian",
    "tr": "Turkish",
    "ku": "Kurdish",
    "fa": "Persian (Farsi)",
    "yo": "Yoruba",
    "tw": "Twi",
    "lt": "Lithuanian",
    "bg": "Bulgarian",
    "uk": "Ukrainian",
}

# Languages and communication support: one vocabulary for profiles, search and the API.
LANGUAGES: dict[str, str] = {**COMMUNICATION_SUPPORT, **SPOKEN_LANGUAGES}
# The codes that name a language (for open data's "languages"), not a kind of support.
HUMAN_LANGUAGES = frozenset(SPOKEN_LANGUAGES) | {"bsl"}

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_LABELS = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)
PARTS = ("morning", "afternoon", "evening", "overnight")
PART_LABELS = (N_("Morning"), N_("Afternoon"), N_("Evening"), N_("Overnight"))

GENDERS = {"female": N_("Female"), "male": N_("Male"), "non-binary": N_("Non-binary")}


def availability_bit(day: int, part: int) -> int:
    """The bit for one day (0 = Monday) and part of day (0 = morning)."""
    return 1 << (day * len(PARTS) + part)


def availability_slots(mask: int) -> list[str]:
    """A bitmask as ``["mon-morning", ...]`` slot names."""
    return [
        f"{day}-{part}" for d, day in enumerate(DAYS) for p, part in enumerate(PARTS) if mask & availability_bit(d, p)
    ]


def availability_mask(slots: list[str]) -> int:
    """``["mon-morning", ...]`` as a bitmask; unknown slot names raise ValueError."""
    mask = 0
    for slot in slots:
        day, _, part = slot.partition("-")
        mask |= availability_bit(DAYS.index(day), PARTS.index(part))
    return mask


def availability_text(mask: int) -> str:
    """A bitmask in words, a day at a time: "Monday morning and evening; Friday afternoon"."""
    days = []
    for d, day_label in enumerate(DAY_LABELS):
        parts = [PART_LABELS[p].lower() for p in range(len(PARTS)) if mask & availability_bit(d, p)]
        if parts:
            days.append(f"{day_label} {parts[0] if len(parts) == 1 else ', '.join(parts[:-1]) + ' and ' + parts[-1]}")
    return "; ".join(days)
