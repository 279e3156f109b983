"""The staff home: what waits for officers across checks, concerns and reviews, and the scheduled jobs."""

from __future__ import annotations

from flask import current_app, render_template
from flask_login import current_user

from registry.accounts.models import Role
from registry.auth import role_required
from registry.checks.services import queue_counts
from registry.extensions import db
from registry.jobs import job_status
from registry.mail import mail_backlog
from registry.models import utcnow
from registry.safeguarding.services import concern_counts, workload


@role_required(Role.OFFICER, Role.ADMIN)
def staff_home():
    target = current_app.config["REVIEW_TARGET_DAYS"]
    waiting, overdue = queue_counts(current_user, target, utcnow())
    return render_template(
        "main/staff_home.html",
        queue_count=waiting,
        overdue_count=overdue,
        target_days=target,
        concerns=concern_counts(),
        work=workload(current_user),
        jobs=job_status(db.session),
        mail=mail_backlog(db.session),
    )
