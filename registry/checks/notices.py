"""What a provider is told about one of its checks: one email per event, each a template under ``emails/checks/``."""

from __future__ import annotations

from datetime import date

from registry.checks.listing import services_resting_on
from registry.checks.models import Check
from registry.mail import send_email


def tell_provider(check: Check, template: str, today: date, **context) -> None:
    """Email the provider about ``check``; the email names the services that rest on it (leaving or left search)."""
    provider = check.provider
    send_email(
        provider.user.email,
        template,
        name=provider.display_name,
        phrase=check.kind_phrase,
        kind=check.kind,
        services=[service.name for service in services_resting_on(check, today)],
        **context,
    )
