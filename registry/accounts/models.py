"""User accounts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.extensions import db, login_manager
from registry.models import StrEnumColumn, UtcDateTime, utcnow


class Role(StrEnum):
    RECIPIENT = "recipient"
    PROVIDER = "provider"
    OFFICER = "officer"
    ADMIN = "admin"
    COMMISSIONER = "commissioner"  # belongs to one council through the commissioners table


# Accounts that read DBS certificates, decide safeguarding cases or see a
# council's commissioning data: they sign in with a second factor, and their
# sessions end after STAFF_IDLE_MINUTES idle and STAFF_SESSION_HOURS in all.
SECOND_FACTOR_ROLES = frozenset({Role.OFFICER, Role.ADMIN, Role.COMMISSIONER})
# Roles that may export and erase themselves; staff accounts are deactivated instead (their actions stay attributed).
SELF_SERVICE_ROLES = (Role.RECIPIENT, Role.PROVIDER)


def serves_itself(user) -> bool:
    """Whether ``user`` (signed in or not) is offered the pages to see and erase its own data."""
    return not user.is_authenticated or user.role in SELF_SERVICE_ROLES


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(StrEnumColumn(Role, 20), index=True)
    name: Mapped[str] = mapped_column(String(120))
    # A recipient's default search location; never shown to anyone else.
    home_postcode: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(default=True)
    # Carried in the session and the "keep me signed in" cookie (see get_id);
    # raising it ends every session of the account at once.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    # When the owner opened the link we emailed; until then the account cannot
    # enquire, review or raise a concern (see registry.auth.verified_email_required).
    email_verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    # A provider account's profile (None for everyone else). Named by string,
    # untyped: accounts sits below providers and does not import it.
    provider = relationship("Provider", back_populates="user", uselist=False)

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}.{self.session_epoch}"

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.OFFICER, Role.ADMIN)

    @property
    def needs_second_factor(self) -> bool:
        """Officers, admins and commissioners: a password alone does not sign them in."""
        return self.role in SECOND_FACTOR_ROLES

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class AccountDevice(db.Model):
    """A browser an account signed in from, known by the random id in its device cookie.

    Only a hash of the id is stored: the table alone cannot be used to pose as a device.
    Two accounts sharing a row's hash were used on the same browser, which is
    how a provider reviewing itself through a second account is noticed.
    """

    __tablename__ = "account_devices"
    __table_args__ = (UniqueConstraint("user_id", "device_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    device_hash: Mapped[str] = mapped_column(String(64), index=True)
    first_seen_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class TotpFactor(db.Model):
    """An authenticator app's shared secret (RFC 6238, 30-second steps, 6 digits); one per account."""

    __tablename__ = "totp_factors"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    secret: Mapped[str] = mapped_column(String(64))
    # The newest time step a code was accepted for: that code, and any older
    # one, is refused from then on (a code seen over a shoulder cannot be replayed).
    last_step: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Passkey(db.Model):
    """A WebAuthn credential registered by the account's owner."""

    __tablename__ = "passkeys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # base64url of the credential id the authenticator chose.
    credential_id: Mapped[str] = mapped_column(String(1400), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    sign_count: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class RecoveryCode(db.Model):
    """A one-time recovery code, kept only as its SHA-256 (80 random bits, so the hash cannot be reversed)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The user a session or remember cookie names, unless its sessions were ended since."""
    user_id, _, epoch = session_id.partition(".")
    if not (user_id.isdigit() and epoch.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_epoch != int(epoch):
        return None
    return user
