"""Every URL of registry/accounts/, in one table: on the blueprint accounts (/account).

A prefix is set where its blueprint is made, nowhere else; rules below are relative to it.
"""

from __future__ import annotations

from registry.accounts import bp, factor_views, staff_session, views

# -- factor_views.py
bp.add_url_rule("/second-factor", view_func=factor_views.second_factor, methods=["GET", "POST"])
bp.add_url_rule("/second-factor/enrol", view_func=factor_views.enrol_second_factor, methods=["GET", "POST"])
bp.add_url_rule("/second-factor/recovery-codes", view_func=factor_views.recovery_codes)
bp.add_url_rule(
    "/second-factor/passkey/registration-options", view_func=factor_views.passkey_registration_options, methods=["POST"]
)
bp.add_url_rule("/second-factor/passkey/register", view_func=factor_views.register_passkey, methods=["POST"])
bp.add_url_rule("/second-factor/passkey/options", view_func=factor_views.passkey_options, methods=["POST"])
bp.add_url_rule("/second-factor/passkey/verify", view_func=factor_views.verify_passkey, methods=["POST"])

# -- views.py
bp.add_url_rule("/sign-in", view_func=views.sign_in, methods=["GET", "POST"])
bp.add_url_rule("/sign-out", view_func=views.sign_out, methods=["POST"])
bp.add_url_rule("/", view_func=views.account, methods=["GET", "POST"])
bp.add_url_rule("/password", view_func=views.change_password, methods=["GET", "POST"])
bp.add_url_rule("/forgot-password", view_func=views.forgot_password, methods=["GET", "POST"])
bp.add_url_rule("/verify/<token>", view_func=views.verify_email)
bp.add_url_rule("/verify", view_func=views.resend_verification, methods=["POST"])
bp.add_url_rule("/reset/<token>", view_func=views.reset_password, methods=["GET", "POST"])

# A staff session that has not finished its second factor, or has gone idle, opens no page.
bp.before_app_request(staff_session.enforce_staff_session)
