"""Validators and fields shared by several features' forms."""

from __future__ import annotations

import re
import unicodedata

from flask_babel import lazy_gettext
from wtforms import IntegerField, SelectMultipleField, widgets
from wtforms.validators import Length, ValidationError

from registry.extensions import csrf
from searchindex.geo import PostcodeError, locate

# C0 and C1 control characters, DEL, the Unicode line and paragraph separators,
# and the bidirectional overrides that make text display other than it reads.
_LINE_BREAKING = "\t\n\r\v\f\x1c\x1d\x1e\x1f\x85\u2028\u2029"
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_CONTROL_BUT_NEWLINE_AND_TAB = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def at_most(characters: int) -> Length:
    """The one length limit every text field states the same way."""
    return Length(max=characters, message=lazy_gettext("Use at most %(num)s characters.", num=f"{characters:,}"))


def single_line(value):
    """The filter for every one-line field: no control characters, no line breaks.

    Names, titles and emails end up in email headers, CSV exports and logs,
    where a smuggled CR/LF or NUL breaks the request or forges a line; a line
    break becomes a space, any other control character is dropped.
    """
    if not isinstance(value, str):
        return value
    value = "".join(" " if ch in _LINE_BREAKING else ch for ch in value)
    return _CONTROL.sub("", value).strip()


def multi_line(value):
    """The filter for free text: keeps line breaks (as \\n) and tabs, drops other control characters."""
    if not isinstance(value, str):
        return value
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    return _CONTROL_BUT_NEWLINE_AND_TAB.sub("", value).strip()


# Older name, kept for code not yet moved to single_line / multi_line.
strip = multi_line


# Characters that read as a full stop in an address bar (NFKC folds the full-width one).
_DOT_LIKE = str.maketrans({"\u3002": ".", "\uff61": ".", "\u2024": ".", "\u00b7": "."})
_LINK_MARKERS = re.compile(r"://|\bwww\.|\bhttps?\b|\bftp\b", re.IGNORECASE)
# Top-level domains common in spam besides the two-letter country codes (all of which count).
_COMMON_TLDS = (
    "com|net|org|info|biz|xyz|top|site|online|app|dev|io|club|shop|store|link|click|live|"
    "life|fun|icu|vip|win|bid|loan|work|email|page|website|space|tech|pro|name|mobi|cloud"
)
_DOMAIN_LIKE = re.compile(rf"(?<![\w.-])(?:[\w-]+\.)+(?:[a-z]{{2}}|{_COMMON_TLDS})(?![\w-])", re.IGNORECASE)


def contains_link(text: str) -> bool:
    """Whether ``text`` holds a web address: a scheme, ``www.``, or a domain such as ``example.com``.

    Initials (``J.R.R. Smith``), "St. John" and "Smith & Co. Ltd" are not domains.
    """
    text = unicodedata.normalize("NFKC", text).translate(_DOT_LIKE)
    return bool(_LINK_MARKERS.search(text) or _DOMAIN_LIKE.search(text))


class NoLinks:
    """Refuse a web address in a field that goes into emails to other people (names above all).

    A sign-up name is written into the confirmation email sent to whatever
    address was typed, so a name carrying a link would make the registry
    deliver someone's spam or phishing under its own name.
    """

    def __init__(self, message: str | None = None):
        self.message = message or lazy_gettext("Enter a name without a web address or link in it.")

    def __call__(self, form, field):
        if isinstance(field.data, str) and contains_link(field.data):
            raise ValidationError(self.message)


class UKPostcode:
    """Accept a full UK postcode or district in any case and spacing; store it normalised."""

    def __init__(self, allow_district: bool = True):
        self.allow_district = allow_district

    def __call__(self, form, field):
        if not field.data:
            return
        try:
            place = locate(field.data)
        except PostcodeError as error:
            raise ValidationError(str(error)) from None
        if not self.allow_district and place.postcode == place.outcode:
            raise ValidationError(lazy_gettext("Enter your full postcode, for example SW1A 1AA."))
        field.data = place.postcode


def keeps_typed_text(view):
    """Mark a form page whose form is shown again, as typed, when its CSRF token is refused.

    The token lasts as long as the session; when the session has changed
    (signed out elsewhere, cookie lost) the token no longer fits. For these
    pages the app-wide check lets a refused token through to the view, which
    runs once, as for any post (rate limits and all): its FlaskForm refuses
    the token too, so nothing is saved, and the page comes back with the
    person's text, a fresh token and a plain message. A good token still
    gets the whole check, referrer included (:func:`registry.errors.check_form_page_csrf`).
    Only for views that save nothing without validating a FlaskForm first.
    Put it straight under the route decorator.
    """
    view.keeps_typed_text = True
    # CSRFProtect's own hook would refuse the post before the view runs.
    csrf.exempt(view)
    return view


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes; works without JavaScript."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class WholeNumberField(IntegerField):
    """An IntegerField whose "not a number" error says what to type, like its other errors."""

    def __init__(self, label=None, validators=None, not_a_number: str | None = None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.not_a_number = not_a_number or lazy_gettext("Enter a whole number, like 6.")

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(self.not_a_number) from None
