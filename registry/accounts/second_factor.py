"""Second factors for officers, admins and commissioners: an authenticator app
(TOTP), passkeys (WebAuthn) and one-time recovery codes.

A password alone never signs staff in (see :mod:`registry.accounts.staff_session`).
Services flush but never commit; the caller owns the transaction. The time
comes from ``registry.models.utcnow`` (looked up on each call, so a test can
move the clock).
"""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
import re
import secrets
from base64 import b32encode
from datetime import datetime
from urllib.parse import urlsplit

import pyotp
import qrcode
import qrcode.image.svg
from flask import current_app
from flask_babel import gettext
from sqlalchemy import delete, func, select, update
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import bytes_to_base64url, parse_authentication_credential_json
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from registry import audit, models
from registry.accounts.models import Passkey, RecoveryCode, TotpFactor, User
from registry.extensions import db
from registry.unitofwork import Refusal

log = logging.getLogger(__name__)

ISSUER = "Trusted Care Registry"
TOTP_STEP_SECONDS = 30
# Codes from one step either side of now are accepted: a phone clock a little
# out, or a code typed as it changed. Wider would give a seen code longer to live.
TOTP_VALID_WINDOW = 1
_SIX_DIGITS = re.compile(r"\d{6}")


class SecondFactorError(Refusal):
    """A second-factor rule was broken; the message is safe to show."""


def _now() -> datetime:
    return models.utcnow()


def has_second_factor(user: User) -> bool:
    """Whether the account has enrolled an authenticator app or a passkey."""
    return bool(
        db.session.scalar(select(func.count()).select_from(TotpFactor).where(TotpFactor.user_id == user.id))
        or db.session.scalar(select(func.count()).select_from(Passkey).where(Passkey.user_id == user.id))
    )


def totp_factor(user: User) -> TotpFactor | None:
    return db.session.scalar(select(TotpFactor).where(TotpFactor.user_id == user.id))


def passkeys(user: User) -> list[Passkey]:
    return list(db.session.scalars(select(Passkey).where(Passkey.user_id == user.id).order_by(Passkey.id)))


# -- authenticator app (TOTP) ---------------------------------------------------


def new_totp_secret() -> str:
    """160 random bits in base32, as RFC 4226 recommends."""
    return pyotp.random_base32(32)


def totp_uri(user: User, secret: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code (or typed in)."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(data: str) -> str:
    """A QR code of ``data`` as inline SVG markup (no image file, no script)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode("utf-8")
    return svg[svg.index("<svg") :]


def _matching_step(secret: str, code: str) -> int | None:
    """The time step ``code`` belongs to, within the valid window around now, or None."""
    code = re.sub(r"\s", "", code or "")
    if not _SIX_DIGITS.fullmatch(code):
        return None
    totp = pyotp.TOTP(secret)
    step = int(_now().timestamp()) // TOTP_STEP_SECONDS
    for candidate in range(step - TOTP_VALID_WINDOW, step + TOTP_VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None


def enrol_totp(user: User, secret: str, code: str) -> TotpFactor:
    """Keep ``secret`` as the account's authenticator app once ``code`` shows the app has it."""
    step = _matching_step(secret, code)
    if step is None:
        raise SecondFactorError(
            gettext(
                "That code is not right. Check the app shows Trusted Care Registry and type the 6 digits it shows now."
            )
        )
    existing = totp_factor(user)
    if existing is not None:
        db.session.delete(existing)
        db.session.flush()
    factor = TotpFactor(user_id=user.id, secret=secret, last_step=step, last_used_at=_now())
    db.session.add(factor)
    db.session.flush()
    log.info("account %s enrolled an authenticator app", user.id)
    return factor


def verify_totp(user: User, code: str) -> bool:
    """Whether ``code`` is the account's current authenticator code, not used before.

    Accepting a code records its time step in the same UPDATE that checks it,
    so the same code (or an older one) is refused afterwards, even to a
    request racing this one.
    """
    factor = totp_factor(user)
    if factor is None:
        return False
    step = _matching_step(factor.secret, code)
    if step is None:
        return False
    result = db.session.execute(
        update(TotpFactor)
        .where(TotpFactor.id == factor.id, (TotpFactor.last_step.is_(None)) | (TotpFactor.last_step < step))
        .values(last_step=step, last_used_at=_now())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


# -- recovery codes ---------------------------------------------------------------


def _code_hash(code: str) -> str:
    normalised = re.sub(r"[^a-z2-7]", "", (code or "").lower())
    return hashlib.sha256(normalised.encode("ascii")).hexdigest()


def _new_code() -> str:
    # 80 random bits: SHA-256 of it cannot be searched back to the code.
    text = b32encode(secrets.token_bytes(10)).decode("ascii").lower()
    return "-".join(text[i : i + 4] for i in range(0, 16, 4))


def new_recovery_codes(user: User) -> list[str]:
    """Replace the account's recovery codes with fresh ones; the codes are returned once and kept only hashed."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_code() for _ in range(current_app.config["RECOVERY_CODE_COUNT"])]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_code_hash(code)) for code in codes)
    db.session.flush()
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    """Spend one of the account's unused recovery codes; each works once."""
    result = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _code_hash(code), RecoveryCode.used_at.is_(None)
        )
        .values(used_at=_now())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    log.warning("account %s signed in with a recovery code (%s left)", user.id, recovery_codes_left(user))
    return True


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


# -- passkeys (WebAuthn) ----------------------------------------------------------


def relying_party() -> tuple[str, str]:
    """(RP ID, origin), from PUBLIC_URL: never the request's Host, which the client writes."""
    parts = urlsplit(current_app.config["PUBLIC_URL"])
    return parts.hostname or "", f"{parts.scheme}://{parts.netloc}"


def _user_handle(user: User) -> bytes:
    # Opaque and stable per account; no email or name goes to the authenticator's user id.
    return hashlib.sha256(f"trusted-care-registry-user:{user.id}".encode()).digest()


def registration_options(user: User) -> tuple[str, bytes]:
    """The options for navigator.credentials.create (JSON) and the challenge to keep until the answer."""
    rp_id, _ = relying_party()
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=ISSUER,
        user_name=user.email,
        user_id=_user_handle(user),
        user_display_name=user.name,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=[_descriptor(passkey) for passkey in passkeys(user)],
    )
    return options_to_json(options), options.challenge


def _descriptor(passkey: Passkey) -> PublicKeyCredentialDescriptor:
    from webauthn.helpers import base64url_to_bytes

    return PublicKeyCredentialDescriptor(id=base64url_to_bytes(passkey.credential_id))


def register_passkey(user: User, credential: str | dict, challenge: bytes, name: str) -> Passkey:
    """Verify the browser's answer to :func:`registration_options` and keep the passkey."""
    rp_id, origin = relying_party()
    try:
        verified = verify_registration_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=rp_id, expected_origin=origin
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as error:
        raise SecondFactorError(f"The passkey could not be registered: {error}") from None
    credential_id = bytes_to_base64url(verified.credential_id)
    if db.session.scalar(select(Passkey.id).where(Passkey.credential_id == credential_id)) is not None:
        raise SecondFactorError("That passkey is already registered.")
    passkey = Passkey(
        user_id=user.id,
        credential_id=credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        name=(name or "").strip()[:60] or "Passkey",
    )
    db.session.add(passkey)
    db.session.flush()
    log.info("account %s registered a passkey", user.id)
    return passkey


def authentication_options(user: User) -> tuple[str, bytes]:
    """The options for navigator.credentials.get, allowing only this account's passkeys."""
    rp_id, _ = relying_party()
    options = generate_authentication_options(
        rp_id=rp_id,
        allow_credentials=[_descriptor(passkey) for passkey in passkeys(user)],
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return options_to_json(options), options.challenge


def verify_passkey(user: User, credential: str | dict, challenge: bytes) -> bool:
    """Whether the browser's answer to :func:`authentication_options` was signed by one of the account's passkeys."""
    rp_id, origin = relying_party()
    try:
        parsed = parse_authentication_credential_json(credential)
    except (WebAuthnException, ValueError, KeyError, TypeError):
        return False
    passkey = db.session.scalar(
        select(Passkey).where(Passkey.user_id == user.id, Passkey.credential_id == bytes_to_base64url(parsed.raw_id))
    )
    if passkey is None:
        return False
    try:
        verified = verify_authentication_response(
            credential=parsed,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError):
        return False
    passkey.sign_count = verified.new_sign_count
    passkey.last_used_at = _now()
    db.session.flush()
    return True


# -- an admin's reset ---------------------------------------------------------------


def reset_second_factors(user: User, admin: User) -> None:
    """Remove every factor of ``user`` (a lost phone or key) and end its sessions; audited.

    At the next sign-in, after the password, they must enrol again.
    """
    from registry.accounts.services import end_all_sessions

    if not user.needs_second_factor:
        raise SecondFactorError("Only staff accounts have second factors.")
    if admin.id == user.id:
        raise SecondFactorError("Ask another admin to reset your own second factors.")
    removed = {
        "authenticator_app": db.session.execute(delete(TotpFactor).where(TotpFactor.user_id == user.id)).rowcount,
        "passkeys": db.session.execute(delete(Passkey).where(Passkey.user_id == user.id)).rowcount,
        "recovery_codes": db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id)).rowcount,
    }
    end_all_sessions(user)
    audit.record(
        "account.second_factors_reset", user, actor_id=admin.id, details={"email": user.email, "removed": removed}
    )
