"""Outgoing email, through an outbox table.

:func:`send_email` writes the message to ``outgoing_emails`` in the caller's
transaction, so an email exists exactly when the change it reports was
committed. Delivery happens later and never inside a request's time:

* without ``MAIL_SERVER`` each message is written to ``MAIL_OUTBOX_DIR`` as
  an ``.eml`` file straight after the commit (local disk, no waiting), so the
  whole registry runs without a mail server;
* with ``MAIL_SERVER`` the worker (``flask worker``, or ``flask mail send``)
  sends pending messages by SMTP, retrying with growing delays, so a dead
  mail server loses nothing and slows no one.

Bodies are never logged: they carry names, reasons and links.
"""

from __future__ import annotations

import logging
import os
import re
import smtplib
import uuid
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from flask import Flask, current_app, render_template
from sqlalchemy import String, Text, func, select
from sqlalchemy import delete as sa_delete
from sqlalchemy.orm import Mapped, Session, mapped_column

from registry.aftercommit import after_commit
from registry.extensions import db
from registry.forms import single_line
from registry.links import public_url_for
from registry.models import UtcDateTime, utcnow

log = logging.getLogger(__name__)
# Seconds before retry n (1-based); the last one repeats until MAIL_MAX_ATTEMPTS.
RETRY_DELAYS = (30, 120, 600, 1800, 3600)
SEND_BATCH = 50


class OutgoingEmail(db.Model):
    """One email, written with the change it reports and delivered after the commit."""

    __tablename__ = "outgoing_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    failed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # gave up after MAIL_MAX_ATTEMPTS
    last_error: Mapped[str | None] = mapped_column(String(300))


def init_app(app: Flask) -> None:
    os.makedirs(app.config["MAIL_OUTBOX_DIR"], exist_ok=True)


def send_email(to: str, template: str, **context) -> OutgoingEmail | None:
    """Queue the email ``templates/emails/<template>.txt`` to ``to`` in the current transaction.

    Every email is a template (as warehouse's and indico's are): its first
    line is the subject, the rest the plain-text body, paragraphs split by
    blank lines. The HTML part is rendered from the same text by
    ``templates/emails/message.html``; ``public_url_for`` is available to
    the template, so a link never comes from the request's Host. Delivered
    after the commit.
    """
    config = current_app.config
    if config.get("MAIL_SUPPRESS"):
        return None
    subject, body = render_email(template, **context)
    domain = config["MAIL_SENDER"].rsplit("@", 1)[-1].strip("> ") or "trustedcare.example"
    # Subjects quote stored text (review titles, provider names): a line break
    # there would make EmailMessage refuse the header.
    email = OutgoingEmail(
        message_id=make_msgid(domain=domain),
        recipient=single_line(to),
        subject=single_line(subject)[:300],
        body_text=render_template("emails/message.txt", body=body),
        body_html=render_template(
            "emails/message.html", paragraphs=[p.strip() for p in body.split("\n\n") if p.strip()]
        ),
    )
    db.session.add(email)
    db.session.flush()
    if not config.get("MAIL_SERVER"):
        app = current_app._get_current_object()
        after_commit(db.session, lambda: deliver_pending(app), key="mail-delivery")
    return email


def render_email(template: str, **context) -> tuple[str, str]:
    """The subject and plain-text body of ``templates/emails/<template>.txt`` with ``context``."""
    text = current_app.jinja_env.get_template(f"emails/{template}.txt").render(public_url_for=public_url_for, **context)
    subject, _, body = text.strip().partition("\n")
    # Templates keep their {% if %} lines readable; the email never shows the blank lines they leave.
    body = _EXTRA_BLANK_LINES.sub("\n\n", "\n".join(line.rstrip() for line in body.strip().splitlines()))
    return subject.strip(), body


_EXTRA_BLANK_LINES = re.compile(r"\n{3,}")


def build_message(email: OutgoingEmail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email.recipient
    message["Subject"] = email.subject
    message["Message-ID"] = email.message_id
    message["Date"] = format_datetime(email.created_at)
    message.set_content(email.body_text)
    message.add_alternative(email.body_html, subtype="html")
    return message


def deliver_pending(app: Flask, now: datetime | None = None) -> tuple[int, int]:
    """Deliver the emails that are due; returns ``(sent, failed)`` counts for this round."""
    now = now or utcnow()
    sent = failed = 0
    with app.app_context(), Session(db.engine) as session:
        due = (
            select(OutgoingEmail)
            .where(
                OutgoingEmail.sent_at.is_(None), OutgoingEmail.failed_at.is_(None), OutgoingEmail.next_attempt_at <= now
            )
            .order_by(OutgoingEmail.id)
            .limit(1)
        )
        if session.get_bind().dialect.name == "postgresql":
            # Several workers share the queue: each takes a row no other has locked.
            due = due.with_for_update(skip_locked=True)
        for _ in range(SEND_BATCH):
            email = session.scalars(due).first()
            if email is None:
                break
            try:
                _transport(app, build_message(email, app.config["MAIL_SENDER"]))
            except (OSError, smtplib.SMTPException) as error:
                _schedule_retry(email, error, now, app.config["MAIL_MAX_ATTEMPTS"])
                failed += 1
            else:
                email.sent_at, email.last_error = utcnow(), None
                sent += 1
                log.info("email %s sent to %s", email.message_id, email.recipient)
            email.attempts += 1
            session.commit()  # one row at a time: a message sent is never sent again
    return sent, failed


def _schedule_retry(email: OutgoingEmail, error: Exception, now: datetime, max_attempts: int) -> None:
    email.last_error = f"{type(error).__name__}: {error}"[:300]
    if email.attempts + 1 >= max_attempts:
        email.failed_at = now
        log.error(
            "email %s to %s given up after %d attempts: %s",
            email.message_id,
            email.recipient,
            email.attempts + 1,
            email.last_error,
        )
        return
    delay = RETRY_DELAYS[min(email.attempts, len(RETRY_DELAYS) - 1)]
    email.next_attempt_at = now + timedelta(seconds=delay)
    log.warning("email %s not delivered (%s); retrying in %ds", email.message_id, email.last_error, delay)


def _transport(app: Flask, message: EmailMessage) -> None:
    config = app.config
    if config.get("MAIL_SERVER"):
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
    else:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
        path = os.path.join(config["MAIL_OUTBOX_DIR"], f"{stamp}-{uuid.uuid4().hex[:8]}.eml")
        with open(path, "wb") as handle:
            handle.write(bytes(message))


def mail_backlog(session) -> dict:
    """What is waiting and what was given up, for officers and /readyz."""
    waiting = (OutgoingEmail.sent_at.is_(None), OutgoingEmail.failed_at.is_(None))
    pending, oldest = session.execute(
        select(func.count(OutgoingEmail.id), func.min(OutgoingEmail.created_at)).where(*waiting)
    ).one()
    failed = session.scalar(select(func.count(OutgoingEmail.id)).where(OutgoingEmail.failed_at.is_not(None)))
    return {"pending": pending, "failed": failed, "oldest_pending": oldest}


def outbox_messages(app: Flask) -> list[EmailMessage]:
    """The messages written to the local outbox folder, oldest first (for tests and demos)."""
    from email import policy
    from email.parser import BytesParser

    folder = app.config["MAIL_OUTBOX_DIR"]
    messages = []
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name), "rb") as handle:
            messages.append(BytesParser(policy=policy.default).parse(handle))
    return messages


# -- retention and erasure ---------------------------------------------------


def _outbox_files(app: Flask) -> list[str]:
    folder = app.config["MAIL_OUTBOX_DIR"]
    if not os.path.isdir(folder):
        return []
    return [os.path.join(folder, name) for name in sorted(os.listdir(folder)) if name.endswith(".eml")]


def _read_eml(path: str):
    from email import policy
    from email.parser import BytesParser

    try:
        with open(path, "rb") as handle:
            return BytesParser(policy=policy.default).parse(handle)
    except OSError:
        return None


def _eml_text(message) -> str:
    """What a stored message says: its To and Subject headers and every text part, decoded."""
    parts = [str(message.get("To", "")), str(message.get("Subject", ""))]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            try:
                parts.append(part.get_content())
            except (LookupError, UnicodeDecodeError):  # an unreadable part cannot be matched; the file still may be
                parts.append(part.get_payload(decode=True).decode("utf-8", "replace"))
    return "\n".join(parts)


def _remove_files(paths: list[str]) -> None:
    for path in paths:
        try:
            os.remove(path)
        except FileNotFoundError:
            pass


def purge_sent_mail(app: Flask, as_of: datetime | None = None) -> tuple[int, int]:
    """Delete stored copies of email sent (or given up on) more than ``MAIL_RETENTION_DAYS`` ago.

    Rows go in the caller's transaction; the local outbox's ``.eml`` files of
    those rows, and any file older than the cut-off, are removed after the
    commit. Mail still waiting to be delivered is never touched. Returns
    ``(rows, files)``.
    """
    as_of = as_of or utcnow()
    cutoff = as_of - timedelta(days=app.config["MAIL_RETENTION_DAYS"])
    old = (OutgoingEmail.sent_at < cutoff) | (OutgoingEmail.failed_at < cutoff)
    message_ids = set(db.session.scalars(select(OutgoingEmail.message_id).where(old)))
    rows = db.session.execute(sa_delete(OutgoingEmail).where(old)).rowcount or 0
    files = []
    for path in _outbox_files(app):
        modified = datetime.fromtimestamp(os.path.getmtime(path), timezone.utc)
        if modified < cutoff:
            files.append(path)
            continue
        message = _read_eml(path) if message_ids else None
        if message is not None and str(message.get("Message-ID", "")).strip() in message_ids:
            files.append(path)
    db.session.flush()
    after_commit(db.session, lambda: _remove_files(files))
    return rows, len(files)


def forget_mail(app: Flask, addresses: list[str], terms: list[str]) -> tuple[int, int]:
    """Delete every stored email to one of ``addresses`` or mentioning one of ``terms`` (whole words, any case).

    For erasure: the rows go in the caller's transaction, matching files in
    the local outbox after the commit. Mail not yet delivered that matches is
    dropped too: what it reported is being erased. Returns ``(rows, files)``.
    """
    import re

    words = [t.strip() for t in [*addresses, *terms] if t and len(t.strip()) >= 2]
    if not words:
        return 0, 0
    pattern = re.compile("|".join(rf"(?<!\w){re.escape(w)}(?!\w)" for w in words), re.IGNORECASE)
    lowered = {a.strip().lower() for a in addresses if a}
    doomed = [
        email
        for email in db.session.scalars(select(OutgoingEmail))
        if email.recipient.strip().lower() in lowered
        or pattern.search(email.subject)
        or pattern.search(email.body_text)
        or pattern.search(email.body_html)
    ]
    message_ids = {email.message_id for email in doomed}
    for email in doomed:
        db.session.delete(email)
    files = []
    for path in _outbox_files(app):
        message = _read_eml(path)
        if message is None:
            continue
        if str(message.get("Message-ID", "")).strip() in message_ids or pattern.search(_eml_text(message)):
            files.append(path)
    db.session.flush()
    after_commit(db.session, lambda: _remove_files(files))
    return len(doomed), len(files)
