"""Safeguarding pages: thin wrappers around safeguarding.services (and the audit log)."""

from __future__ import annotations

import io

from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import joinedload

from registry import audit
from registry.accounts.models import Role, User
from registry.api.query import QueryError, parse_query, use_args
from registry.auth import role_required, signed_in_key
from registry.extensions import db, limiter
from registry.formatting import CsvWriter
from registry.forms import keeps_typed_text
from registry.models import utcnow
from registry.paging import page_number, paginate
from registry.providers.services import get_by_slug, is_publicly_visible
from registry.reviews import services as reviews
from registry.reviews.forms import TextForm
from registry.reviews.models import DIMENSIONS, Engagement, ReportStatus, Review, ReviewReport
from registry.safeguarding import audit_search, services
from registry.safeguarding.forms import (
    AppealDecisionForm,
    ConcernForm,
    ConcernUpdateForm,
    MissedVisitsForm,
    ReinstateForm,
    SeverityForm,
    SuspendForm,
    SuspensionAppealForm,
)
from registry.safeguarding.models import SEVERITY_LABELS, Concern, ConcernStatus, Severity
from registry.safeguarding.schemas import AuditFilterSchema
from registry.unitofwork import act, refused, render_form
from registry.visits import services as visits

OFFICERS = (Role.OFFICER, Role.ADMIN)


def _errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)  # lazy_gettext messages joined as text


# -- raising a concern (anyone signed in) --------------------------------------


def _concern_limit() -> str:
    return current_app.config["CONCERN_RATE_LIMIT"]


def _reporter() -> User | None:
    """Who raises a concern: a signed-in account with a confirmed email, otherwise nobody we know.

    Anyone may raise one (a worried neighbour has no account); without a confirmed
    account the person may leave a name and contact details, and nothing is emailed back.
    """
    if current_user.is_authenticated and current_user.email_verified:
        return current_user._get_current_object()
    return None


def _concern_received(concern) -> str:
    if concern.severity == Severity.DANGER:
        return gettext(
            "Thank you: a safeguarding officer will look at your concern. If someone is in danger now, "
            "call 999 straight away: we cannot send help."
        )
    return gettext(
        "Thank you. A safeguarding officer will look at your concern. If someone is in immediate danger, call 999."
    )


@keeps_typed_text
# Per account when signed in, per address when not (signed_in_key), so nobody floods officers.
@limiter.limit(_concern_limit, key_func=signed_in_key, methods=["POST"])
def report_concern(slug: str):
    provider = get_by_slug(slug)
    if provider is None or not is_publicly_visible(provider):
        abort(404)  # a draft's name is not for strangers
    form = ConcernForm()
    reporter = _reporter()
    return render_form(
        form,
        "concerns/report.html",
        provider=provider,
        anonymous=reporter is None,
        save=lambda: services.raise_concern(
            provider,
            reporter,
            form.text.data,
            severity=form.severity.data or "",
            reporter_name="" if reporter else form.reporter_name.data or "",
            reporter_contact="" if reporter else form.reporter_contact.data or "",
        ),
        done=url_for("providers.public_profile", slug=slug),
        message=_concern_received,
    )


@login_required
@limiter.limit(_concern_limit, key_func=signed_in_key, methods=["POST"])
def missed_visits_concern(engagement_id: int):
    """The person's side raises the visits not kept lately as a concern, in one step from the visits page."""
    engagement = db.session.get(Engagement, engagement_id)
    if engagement is None or visits.side(current_user, engagement) != "recipient":
        abort(404)
    back = url_for("visits.engagement", engagement_id=engagement.id)
    form = MissedVisitsForm()
    if not form.validate_on_submit():
        flash(_errors(form), "error")
        return redirect(back)
    return act(
        lambda: services.raise_missed_visits_concern(engagement, current_user, form.note.data or ""),
        done=back,
        message="Thank you. A safeguarding officer will look at the missed visits. If someone is in immediate danger, call 999.",
    )


# -- the provider's record: suspension and reinstatement ------------------------


@role_required(*OFFICERS)
def provider(slug: str):
    provider = get_by_slug(slug) or abort(404)
    return _provider_page(provider)


def _provider_page(provider, decision_form: AppealDecisionForm | None = None, status: int = 200):
    events = audit.events_for(provider_id=provider.id)
    return render_template(
        "safeguarding/provider.html",
        provider=provider,
        events=events,
        suspension=services.current_suspension(provider),
        suspend_form=SuspendForm(formdata=None),
        reinstate_form=ReinstateForm(formdata=None),
        decision_form=decision_form or AppealDecisionForm(formdata=None),
    ), status


@role_required(*OFFICERS)
def decide_appeal(slug: str):
    provider = get_by_slug(slug) or abort(404)
    suspension = services.current_suspension(provider)
    form = AppealDecisionForm()
    if suspension is None:
        flash("There is no suspension in force to decide an appeal on.", "error")
        return redirect(url_for("safeguarding.provider", slug=slug))
    if form.validate_on_submit():
        try:
            services.decide_appeal(suspension, current_user, form.decision.data == "allow", form.reason.data)
        except services.SafeguardingError as error:
            refused(error, form)
        else:
            flash(
                "The appeal is allowed and the provider reinstated."
                if form.decision.data == "allow"
                else "The suspension stays; the provider is told why.",
                "success",
            )
            return redirect(url_for("safeguarding.provider", slug=slug))
    return _provider_page(provider, decision_form=form, status=422)


@role_required(*OFFICERS)
def suspend_or_reinstate(slug: str, action: str):
    provider = get_by_slug(slug) or abort(404)
    form = SuspendForm() if action == "suspend" else ReinstateForm()
    if not form.validate_on_submit():
        flash(_errors(form), "error")
        return redirect(url_for("safeguarding.provider", slug=slug)), 303
    back = url_for("safeguarding.provider", slug=slug)
    if action == "suspend":
        return act(
            lambda: services.suspend(provider, current_user, form.reason.data),
            done=back,
            message="The provider is suspended and no longer appears in search.",
        )
    return act(
        lambda: services.reinstate(provider, current_user, form.note.data or ""),
        done=back,
        message="The provider is reinstated.",
    )


# -- a provider's own suspension ---------------------------------------------------


@keeps_typed_text
@role_required(Role.PROVIDER)
def appeal():
    provider = current_user.provider or abort(404)
    suspension = services.current_suspension(provider)
    form = SuspensionAppealForm()
    if suspension is None:  # nothing to appeal: the page says so
        return render_template("suspension/appeal.html", provider=provider, suspension=None, form=form)
    return render_form(
        form,
        "suspension/appeal.html",
        provider=provider,
        suspension=suspension,
        save=lambda: services.appeal_suspension(provider, current_user, form.reasons.data),
        done=url_for("suspension.appeal"),
        message="Your appeal is sent. An officer who did not suspend you will decide it, and you will be told by email.",
    )


# -- concerns and reported reviews -------------------------------------------------


@role_required(*OFFICERS)
def concern_queue():
    concerns = paginate(
        db.select(Concern)
        .where(Concern.status != ConcernStatus.CLOSED)
        .options(joinedload(Concern.provider), joinedload(Concern.review))
        .order_by(*services.concern_queue_order()),
        page_number(request.args.get("page")),
    )
    reports = paginate(
        db.select(ReviewReport)
        .where(ReviewReport.status == ReportStatus.OPEN)
        .options(joinedload(ReviewReport.review).joinedload(Review.provider))
        .order_by(ReviewReport.created_at, ReviewReport.id),
        page_number(request.args.get("reports_page")),
    )
    flagged = paginate(
        reviews.flagged_reviews().options(joinedload(Review.provider), joinedload(Review.author)),
        page_number(request.args.get("flagged_page")),
    )
    return render_template(
        "safeguarding/concerns.html",
        concerns=concerns.items,
        page=concerns,
        reports=reports.items,
        reports_page=reports,
        flagged=flagged.items,
        flagged_page=flagged,
        appeals=services.pending_appeals(),
        form=TextForm(formdata=None),
        now=utcnow(),
    )


@keeps_typed_text
@role_required(*OFFICERS)
def concern(concern_id: int):
    item = db.session.get(Concern, concern_id) or abort(404)
    form = ConcernUpdateForm(obj=item)
    # Keeping the status is the first choice, so saving the form unchanged changes nothing.
    form.status.choices = [(item.status, f"Keep it {item.status}")] + [
        (s, s.capitalize()) for s in services.CONCERN_MOVES[item.status]
    ]
    history = audit.events_for(provider_id=item.provider_id, limit=50)
    others = db.session.scalars(
        db.select(Concern)
        .where(Concern.provider_id == item.provider_id, Concern.id != item.id)
        .order_by(Concern.id.desc())
    )
    return render_form(
        form,
        "safeguarding/concern.html",
        concern=item,
        events=history,
        other_concerns=list(others),
        DIMENSIONS=DIMENSIONS,
        CLOSING_OUTCOMES=services.CLOSING_OUTCOMES,
        severity_form=SeverityForm(formdata=None, severity=item.severity.value),
        save=lambda: services.update_concern(
            item, current_user, form.status.data, form.outcome.data or "", form.closed_outcome.data or None
        ),
        done=url_for("safeguarding.concern", concern_id=item.id),
        message=lambda changed: "The concern is updated." if changed else "Nothing was changed.",
    )


@role_required(*OFFICERS)
def concern_severity(concern_id: int):
    item = db.session.get(Concern, concern_id) or abort(404)
    back = url_for("safeguarding.concern", concern_id=concern_id)
    form = SeverityForm()
    if not form.validate_on_submit() or form.severity.data not in SEVERITY_LABELS:
        abort(422, description=_errors(form) or "Choose how serious the concern is from the list.")
    return act(
        lambda: services.change_severity(item, current_user, form.severity.data),
        done=back,
        message=f"Severity: {SEVERITY_LABELS.get(form.severity.data, '')}.",
    )


@role_required(*OFFICERS)
def concern_action(concern_id: int, action: str):
    item = db.session.get(Concern, concern_id) or abort(404)
    back = url_for("safeguarding.concern", concern_id=concern_id)
    form = TextForm()
    if not form.validate_on_submit():
        flash(_errors(form), "error")
        return redirect(back)
    if action == "suspend":
        return act(
            lambda: services.suspend_from_concern(item, current_user, form.text.data),
            done=back,
            message="The provider is suspended and no longer appears in search.",
        )
    return act(
        lambda: services.release_held_review(item, current_user, form.text.data),
        done=back,
        message="The review is published.",
    )


@role_required(*OFFICERS)
def decide_report(report_id: int, decision: str):
    report = db.session.get(ReviewReport, report_id) or abort(404)
    form = TextForm()
    back = url_for("safeguarding.concern_queue")
    if not form.validate_on_submit():
        flash(_errors(form), "error")
        return redirect(back)
    return act(
        lambda: reviews.decide_report(report, current_user, decision == "remove", form.text.data),
        done=back,
        message="The review is removed." if decision == "remove" else "The review stays.",
    )


@role_required(*OFFICERS)
def decide_flagged(review_id: int, decision: str):
    """Publish or remove a review held as possibly the provider's own."""
    review = db.session.get(Review, review_id) or abort(404)
    form = TextForm()
    back = url_for("safeguarding.concern_queue", _anchor="flagged")
    if not form.validate_on_submit():
        flash(_errors(form), "error")
        return redirect(back)
    return act(
        lambda: reviews.decide_flagged(review, current_user, decision == "publish", form.text.data),
        done=back,
        message="The review is published." if decision == "publish" else "The review is removed.",
    )


# -- the audit log ---------------------------------------------------------------


def _event_filters(values: dict):
    """The parsed filters as the log's, with the provider they name; ``(None, None)`` when no provider has its slug."""
    provider = None
    if values["provider"]:
        provider = get_by_slug(values["provider"])
        if provider is None:
            return None, None
    filters = audit_search.EventFilters(
        actor=values["actor"],
        action=values["action"],
        provider_id=provider.id if provider else None,
        since=values["since"],
        until=values["until"],
    )
    return filters, provider


@role_required(*OFFICERS)
def audit_log():
    try:
        values = parse_query(AuditFilterSchema())
    except QueryError as error:
        # The filters again, as typed, with what is wrong with each.
        return render_template(
            "safeguarding/audit.html", page=None, provider=None, args=request.args, errors=error.fields
        ), 400
    filters, provider = _event_filters(values)
    if filters is None:
        abort(404)
    page = audit_search.search_events(filters, page_number(request.args.get("page")))
    return render_template("safeguarding/audit.html", page=page, provider=provider, args=request.args, errors={})


@role_required(*OFFICERS)
@use_args(AuditFilterSchema(), location="query")
def audit_export(values: dict):
    """Every event the filters match, as CSV; the export itself goes on the record first."""
    filters, _provider = _event_filters(values)
    if filters is None:
        abort(400)
    rows = audit_search.export_events(filters, officer_id=current_user.id)

    def lines():
        buffer = io.StringIO()
        writer = CsvWriter(buffer)
        writer.writerow(audit_search.EXPORT_COLUMNS)
        for n, row in enumerate(rows, 1):
            writer.writerow(row)
            if n % 500 == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    name = f"audit-log-{utcnow():%Y%m%d-%H%M%S}.csv"
    return Response(
        stream_with_context(lines()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# -- on every page: what waits for the officer -------------------------------------


def officer_workload():
    """``officer_workload()`` for the page header: one query, only on pages that show it, only for staff."""

    def load():
        if not (current_user.is_authenticated and current_user.is_staff):
            return None
        if "officer_workload" not in g:
            try:
                g.officer_workload = services.workload(current_user)
            except DBAPIError:
                # An error page (the database may be down) still renders without the counts; the request's
                # unit of work rolls back.
                g.officer_workload = None
        return g.officer_workload

    return {"officer_workload": load}
