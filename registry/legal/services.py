"""What the legal pages state, built from the running configuration.

The privacy notice and the cookie page promise retention periods and cookie
names; reading them from the configuration keeps the promise true when an
operator changes a setting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from registry.i18n import LANGUAGE_COOKIE, LANGUAGE_COOKIE_DAYS


@dataclass(frozen=True)
class Retention:
    what: str
    period: str
    why: str


@dataclass(frozen=True)
class Cookie:
    name: str
    purpose: str
    expires: str


def days(count: int) -> str:
    """'180 days (about 6 months)': the exact figure, and one a reader can picture."""
    text = f"{count} day" + ("" if count == 1 else "s")
    if count >= 730:
        return f"{text} (about {round(count / 365)} years)"
    if count >= 60:
        return f"{text} (about {round(count / 30.4)} months)"
    return text


def seconds(count: int) -> str:
    if count % 86400 == 0:
        return days(count // 86400)
    if count % 3600 == 0:
        hours = count // 3600
        return f"{hours} hour" + ("" if hours == 1 else "s")
    return f"{count // 60} minutes"


def retention_schedule(config: Mapping) -> list[Retention]:
    """How long each kind of record is kept, with the configured figures."""
    return [
        Retention(
            "Scans of checks (DBS certificates and other documents a provider uploads)",
            f"{days(config['DOCUMENT_RETENTION_DAYS'])} after a safeguarding officer's decision, then deleted automatically "
            "(a scan replaced before any decision: the same period from when it was sent)",
            "The officer compares the scan with the details typed in; the DBS code of practice says certificate "
            "information is kept no longer than necessary, normally not beyond six months.",
        ),
        Retention(
            "The details of each check and the officer's decision (kind, certificate number, issue date, how it was verified)",
            "For as long as the provider is registered",
            "So every badge can say what was checked, how and when, and a decision can be explained later.",
        ),
        Retention(
            "How long an approved enhanced DBS check counts",
            f"{days(config['DBS_RECHECK_DAYS'])} from the certificate's issue date; providers are reminded "
            f"{days(config['CHECK_REMINDER_DAYS'])} before any check lapses",
            "Checks go stale: a lapsed check takes the provider out of search for the services that need it.",
        ),
        Retention(
            "The audit log of officers' actions (decisions, suspensions, every view of a check document)",
            "Kept permanently; it cannot be edited or deleted",
            "Safeguarding decisions must be accountable; the log is hash-chained so tampering shows.",
        ),
        Retention(
            "Accounts, profiles, enquiries, messages, reviews and concerns",
            "For as long as the account exists",
            "To run the service you asked for; concerns stay with the safeguarding record.",
        ),
        Retention(
            "Which browsers each account signed in from (a scrambled copy of the random number in the device cookie)",
            "For as long as the account exists",
            "To tell when a review may come from the provider it is about.",
        ),
        Retention(
            "Password reset links",
            f"Work for {seconds(config['PASSWORD_RESET_MAX_AGE'])}",
            "A short life limits the harm of a forwarded or intercepted email.",
        ),
        Retention(
            "Email confirmation links",
            f"Work for {seconds(config['VERIFY_EMAIL_MAX_AGE'])}",
            "Long enough to find the email, short enough not to linger.",
        ),
        Retention(
            "Invitations to review a provider",
            f"Work for {days(config['INVITATION_MAX_AGE_DAYS'])}",
            "Reviews should follow real, recent support.",
        ),
        Retention(
            "Records of changes waiting for the search index",
            f"{days(config['SEARCH_OUTBOX_RETENTION_DAYS'])}",
            "Lets every server's search catch up; they hold provider identifiers only.",
        ),
        Retention(
            "Our copies of the emails we send you (in the outbox we send from)",
            f"{days(config['MAIL_RETENTION_DAYS'])} after sending, then deleted automatically",
            "Long enough to answer \u201cdid you send it?\u201d and to retry a failed delivery.",
        ),
        Retention(
            "What stays when you close your account yourself",
            "As listed on the closing page (concerns, the audit log, a provider's check decisions)",
            "Safeguarding and accountability; everything else about you is deleted or made anonymous at once.",
        ),
    ]


def essential_cookies(config: Mapping) -> list[Cookie]:
    """Every cookie the registry sets, by the name it really uses."""
    return [
        Cookie(
            config.get("SESSION_COOKIE_NAME") or "session",
            "Keeps you signed in as you move between pages, and holds the security token that stops "
            "other websites sending forms in your name. It holds no tracking identifier.",
            "When you close your browser",
        ),
        Cookie(
            config.get("REMEMBER_COOKIE_NAME") or "remember_token",
            'Only if you tick "Keep me signed in" when signing in: signs you back in on this device.',
            days(int(config["REMEMBER_COOKIE_DURATION"]) // 86400) + ", or when you sign out",
        ),
        Cookie(
            config["DEVICE_COOKIE_NAME"],
            "Set when you sign in: a random number that tells us two accounts were used on the same browser, "
            "so a provider cannot review itself from a second account. It is not shared and not used to follow you.",
            days(int(config["DEVICE_COOKIE_DAYS"])),
        ),
        Cookie(
            LANGUAGE_COOKIE,
            'Only if you choose "Cymraeg" or "English" at the top of a page: remembers the language you chose.',
            days(LANGUAGE_COOKIE_DAYS),
        ),
    ]
