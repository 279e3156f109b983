"""Welsh and English: which language a request is answered in, and the catalogs (Flask-Babel).

The order: the visitor's own choice, kept in the ``lang`` cookie by the switch in the header; then the
browser's ``Accept-Language``; then English. A cookie naming a language we do not have is ignored.
Catalogs live in ``translations/`` at the project root, the .po beside its compiled .mo (``make translations``).
"""

from __future__ import annotations

import os

from flask import Flask, Response, current_app, g, has_request_context, request
from flask_babel import Babel, format_date, get_locale, get_translations
from markupsafe import Markup

LANGUAGES = ("en", "cy")
DEFAULT_LANGUAGE = "en"
LANGUAGE_COOKIE = "lang"
LANGUAGE_COOKIE_DAYS = 365
# How each language names itself, and the html lang attribute its pages carry.
LANGUAGE_NAMES = {"en": "English", "cy": "Cymraeg"}
HTML_LANG = {"en": "en-GB", "cy": "cy"}

babel = Babel()


def N_(message: str) -> str:
    """Mark ``message`` for the catalog without translating it here (it is translated where it is shown)."""
    return message


def choose_locale() -> str:
    """The visitor's chosen language if we have it, else the best match for the browser's, else English.

    Outside a request (the worker, commands) it is English.
    """
    if not has_request_context():
        return DEFAULT_LANGUAGE
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def language() -> str:
    """The current request's language code ("en" or "cy")."""
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT_LANGUAGE


def other_languages() -> list[tuple[str, str]]:
    """The switch in the header: (code, own name) for every language but the current one."""
    current = language()
    return [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES if code != current]


def this_page() -> str:
    """The current page's path and query string, where the language switch comes back to."""
    query = request.query_string.decode("latin-1")
    return request.path + ("?" + query if query else "")


def remember_language(response: Response, code: str) -> None:
    """Keep the visitor's choice of language in the ``lang`` cookie (a preference, not a tracker)."""
    response.set_cookie(
        LANGUAGE_COOKIE,
        code,
        max_age=LANGUAGE_COOKIE_DAYS * 86400,
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        httponly=True,
        samesite="Lax",
    )


def vary_on_language(response: Response) -> Response:
    """A page's words depend on the cookie and on Accept-Language: shared caches must keep them apart."""
    if request.endpoint != "static":
        response.vary.update(("Cookie", "Accept-Language"))
    return response


def local_date(value) -> str:
    """'3 March 2026' in English, '3 Mawrth 2026' in Welsh: the GOV.UK date style in the page's language."""
    if value is None:
        return ""
    return format_date(value, "d MMMM y")


def request_translations():
    """The current request's catalog, found once a request.

    Flask-Babel looks the catalog up afresh for every message (the context,
    the locale, then its cache), and a search page shows about 250 of them:
    that was a quarter of the page's time. The catalog is kept on
    Flask-Babel's own per-request namespace under the name its ``refresh()``
    clears, so ``force_locale`` and a refresh still take effect.
    """
    if not g:  # outside an app context: Flask-Babel answers with the untranslated catalog
        return get_translations()
    namespace = g.get("_flask_babel")
    found = getattr(namespace, "babel_translations", None)
    if found is None:
        found = get_translations()  # creates the namespace
        g._flask_babel.babel_translations = found
    return found


def translated_labels(labels: dict) -> dict:
    """``labels`` (code -> message) with each message translated once for the page, as ``_()`` gives it (safe
    text), for a template that shows the same few labels many times (the search cards' badges and kinds).
    A message that is empty stays empty."""
    catalog = request_translations()
    return {code: Markup(catalog.ugettext(message)) if message else message for code, message in labels.items()}


def init_app(app: Flask) -> None:
    translations = os.path.join(os.path.dirname(__file__), "..", "translations")
    babel.init_app(
        app,
        locale_selector=choose_locale,
        default_locale=DEFAULT_LANGUAGE,
        default_translation_directories=os.path.abspath(translations),
    )
    # Templates translate through the request's catalog found once (Flask-Babel's own callables, replaced here,
    # find it again on every message).
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    # {% trans %} blocks are wrapped in the templates: their msgids drop the line breaks and indentation.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.after_request(vary_on_language)
    app.jinja_env.filters["local_date"] = local_date
    app.jinja_env.globals.update(
        language=language,
        other_languages=other_languages,
        this_page=this_page,
        HTML_LANG=HTML_LANG,
        translated_labels=translated_labels,
    )
