"""What the legal pages state, built from the running configuration.

The privacy notice and the cookie page promise retention periods and cookie
names; reading them from the configuration keeps the promise true when an
operator changes a setting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from flask_babel import gettext, ngettext

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
    """'180 days (about 6 months)': the exact figure, and one a reader can picture (in the page's language)."""
    text = ngettext("%(num)d day", "%(num)d days", count)
    if count >= 730:
        return gettext("%(days)s (about %(years)s years)", days=text, years=round(count / 365))
    if count >= 60:
        return gettext("%(days)s (about %(months)s months)", days=text, months=round(count / 30.4))
    return text


def seconds(count: int) -> str:
    if count % 86400 == 0:
        return days(count // 86400)
    if count % 3600 == 0:
        return ngettext("%(num)d hour", "%(num)d hours", count // 3600)
    return ngettext("%(num)d minute", "%(num)d minutes", count // 60)


def retention_schedule(config: Mapping) -> list[Retention]:
    """How long each kind of record is kept, with the configured figures, in the page's language."""
    return [
        Retention(
            gettext("Scans of checks (DBS certificates and other documents a provider uploads)"),
            gettext(
                "%(period)s after a safeguarding officer's decision, then deleted automatically (a scan replaced "
                "before any decision: the same period from when it was sent)",
                period=days(config["DOCUMENT_RETENTION_DAYS"]),
            ),
            gettext(
                "The officer compares the scan with the details typed in; the DBS code of practice says certificate "
                "information is kept no longer than necessary, normally not beyond six months."
            ),
        ),
        Retention(
            gettext(
                "The details of each check and the officer's decision (kind, certificate number, issue date, how it "
                "was verified)"
            ),
            gettext("For as long as the provider is registered"),
            gettext("So every badge can say what was checked, how and when, and a decision can be explained later."),
        ),
        Retention(
            gettext("How long an approved enhanced DBS check counts"),
            gettext(
                "%(period)s from the certificate's issue date; providers are reminded %(reminder)s before any check "
                "lapses",
                period=days(config["DBS_RECHECK_DAYS"]),
                reminder=days(config["CHECK_REMINDER_DAYS"]),
            ),
            gettext("Checks go stale: a lapsed check takes the provider out of search for the services that need it."),
        ),
        Retention(
            gettext("The audit log of officers' actions (decisions, suspensions, every view of a check document)"),
            gettext("Kept permanently; it cannot be edited or deleted"),
            gettext("Safeguarding decisions must be accountable; the log is hash-chained so tampering shows."),
        ),
        Retention(
            gettext("Accounts, profiles, enquiries, messages, reviews and concerns"),
            gettext("For as long as the account exists"),
            gettext("To run the service you asked for; concerns stay with the safeguarding record."),
        ),
        Retention(
            gettext(
                "Which browsers each account signed in from (a scrambled copy of the random number in the device "
                "cookie)"
            ),
            gettext("For as long as the account exists"),
            gettext("To tell when a review may come from the provider it is about."),
        ),
        Retention(
            gettext("Password reset links"),
            gettext("Work for %(period)s", period=seconds(config["PASSWORD_RESET_MAX_AGE"])),
            gettext("A short life limits the harm of a forwarded or intercepted email."),
        ),
        Retention(
            gettext("Email confirmation links"),
            gettext("Work for %(period)s", period=seconds(config["VERIFY_EMAIL_MAX_AGE"])),
            gettext("Long enough to find the email, short enough not to linger."),
        ),
        Retention(
            gettext("Invitations to review a provider"),
            gettext("Work for %(period)s", period=days(config["INVITATION_MAX_AGE_DAYS"])),
            gettext("Reviews should follow real, recent support."),
        ),
        Retention(
            gettext("Records of changes waiting for the search index"),
            days(config["SEARCH_OUTBOX_RETENTION_DAYS"]),
            gettext("Lets every server's search catch up; they hold provider identifiers only."),
        ),
        Retention(
            gettext("Our copies of the emails we send you (in the outbox we send from)"),
            gettext("%(period)s after sending, then deleted automatically", period=days(config["MAIL_RETENTION_DAYS"])),
            gettext("Long enough to answer \u201cdid you send it?\u201d and to retry a failed delivery."),
        ),
        Retention(
            gettext("What stays when you close your account yourself"),
            gettext("As listed on the closing page (concerns, the audit log, a provider's check decisions)"),
            gettext("Safeguarding and accountability; everything else about you is deleted or made anonymous at once."),
        ),
    ]


def essential_cookies(config: Mapping) -> list[Cookie]:
    """Every cookie the registry sets, by the name it really uses."""
    return [
        Cookie(
            config.get("SESSION_COOKIE_NAME") or "session",
            gettext(
                "Keeps you signed in as you move between pages, and holds the security token that stops "
                "other websites sending forms in your name. It holds no tracking identifier."
            ),
            gettext("When you close your browser"),
        ),
        Cookie(
            config.get("REMEMBER_COOKIE_NAME") or "remember_token",
            gettext('Only if you tick "Keep me signed in" when signing in: signs you back in on this device.'),
            gettext("%(period)s, or when you sign out", period=days(int(config["REMEMBER_COOKIE_DURATION"]) // 86400)),
        ),
        Cookie(
            config["DEVICE_COOKIE_NAME"],
            gettext(
                "Set when you sign in: a random number that tells us two accounts were used on the same browser, so "
                "a provider cannot review itself from a second account. It is not shared and not used to follow you."
            ),
            days(int(config["DEVICE_COOKIE_DAYS"])),
        ),
        Cookie(
            LANGUAGE_COOKIE,
            gettext(
                'Only if you choose "Cymraeg" or "English" at the top of a page: remembers the language you chose.'
            ),
            days(LANGUAGE_COOKIE_DAYS),
        ),
    ]
