"""Outgoing email.

By default each message is written to ``MAIL_OUTBOX_DIR`` as an ``.eml`` file
and logged, so the whole registry runs without a mail server; with
``MAIL_SERVER`` set it is sent by SMTP. Messages go out only after the
database transaction that caused them commits.
"""

from __future__ import annotations

import logging
import os
import smtplib
import uuid
from datetime import datetime, timezone
from email.message import EmailMessage

from flask import Flask, current_app

from registry.aftercommit import after_commit
from registry.extensions import db
from registry.forms import single_line

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    os.makedirs(app.config["MAIL_OUTBOX_DIR"], exist_ok=True)


def send_email(to: str, subject: str, body: str) -> None:
    """Queue an email to ``to``; it is delivered after the current commit."""
    if current_app.config.get("MAIL_SUPPRESS"):
        return
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = single_line(to)
    # Subjects quote stored text (review titles, provider names): a line break
    # there would make EmailMessage refuse the header and the whole request fail.
    message["Subject"] = single_line(subject)
    message["Date"] = datetime.now(timezone.utc).strftime("%a, %d %b %Y %H:%M:%S +0000")
    message.set_content(body)
    app = current_app._get_current_object()
    after_commit(db.session, lambda: _deliver(app, message))


def _deliver(app: Flask, message: EmailMessage) -> None:
    config = app.config
    if config.get("MAIL_SERVER"):
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
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
    log.info("email to %s: %s\n%s", message["To"], message["Subject"], message.get_content())


def outbox_messages(app: Flask) -> list[EmailMessage]:
    """The messages written to the local outbox, oldest first (for tests and demos)."""
    from email import policy
    from email.parser import BytesParser

    folder = app.config["MAIL_OUTBOX_DIR"]
    messages = []
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name), "rb") as handle:
            messages.append(BytesParser(policy=policy.default).parse(handle))
    return messages
