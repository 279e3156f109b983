"""The legal and help pages: each renders one template with configured facts."""

from __future__ import annotations

from datetime import date

from flask import current_app, render_template
from flask_login import current_user

from registry.accounts.models import Role, serves_itself
from registry.legal.services import days, essential_cookies, retention_schedule


def privacy():
    return render_template(
        "legal/privacy.html",
        retention=retention_schedule(current_app.config),
        contact_email=current_app.config["CONTACT_EMAIL"],
        mail_retention=days(current_app.config["MAIL_RETENTION_DAYS"]),
        serves_itself=serves_itself(current_user),
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
    return render_template(
        "legal/help.html",
        contact_email=current_app.config["CONTACT_EMAIL"],
        # A provider's dashboard is linked for providers and for visitors (who sign in to it), not for other roles.
        dashboard_is_yours=not current_user.is_authenticated or current_user.role == Role.PROVIDER,
    )
