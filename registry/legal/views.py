"""The legal and help pages: each renders one template with configured facts."""

from __future__ import annotations

from datetime import date

from flask import current_app, render_template

from registry.legal.services import days, essential_cookies, retention_schedule


def privacy():
    return render_template(
        "legal/privacy.html",
        retention=retention_schedule(current_app.config),
        contact_email=current_app.config["CONTACT_EMAIL"],
        mail_retention=days(current_app.config["MAIL_RETENTION_DAYS"]),
    )


def cookies():
    return render_template("legal/cookies.html", cookies=essential_cookies(current_app.config))


# When the accessibility statement was last reviewed (shown in the page's language).
STATEMENT_PREPARED = date(2026, 11, 23)


def accessibility():
    return render_template(
        "legal/accessibility.html", contact_email=current_app.config["CONTACT_EMAIL"], prepared=STATEMENT_PREPARED
    )


def help_and_contact():
    return render_template("legal/help.html", contact_email=current_app.config["CONTACT_EMAIL"])
