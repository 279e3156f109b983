"""Agreed support, visit and timesheet pages: thin wrappers around visits.services.

Every page loads the engagement through _engagement, which answers 404 to
anyone but its two parties (an outsider learns nothing, not even that it exists).
"""

from __future__ import annotations

from datetime import date, time, timedelta

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from registry.extensions import db
from registry.forms import keeps_typed_text
from registry.models import today
from registry.reviews.models import Engagement
from registry.unitofwork import act, refused, render_form
from registry.visits import services
from registry.visits.forms import AgreementForm, CameForm, ConfirmForm, CouldNotComeForm, EndForm
from registry.visits.models import AGREEMENT_STATUS_LABELS, FUNDING_LABELS, Agreement

# Dates a page may ask about: far enough for any real care, near enough that a week or a month on never overflows.
EARLIEST, LATEST = date(2000, 1, 1), date(2200, 12, 31)


def _engagement(engagement_id: int) -> tuple[Engagement, str]:
    engagement = db.session.get(Engagement, engagement_id)
    who = services.side(current_user, engagement) if engagement is not None else None
    if who is None:
        abort(404)
    return engagement, who


def _day(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        abort(404)
    if not EARLIEST <= day <= LATEST:
        abort(404)
    return day


def _clock(text: str) -> time:
    try:
        return time(int(text[:2]), int(text[2:]))
    except ValueError:
        abort(404)


def _month(text: str) -> date:
    try:
        month = date.fromisoformat(f"{text}-01")
    except ValueError:
        abort(404)
    if not EARLIEST <= month <= LATEST:
        abort(404)
    return month


@login_required
def engagements():
    return render_template("visits/engagements.html", engagements=services.engagements_of(current_user))


@login_required
def engagement(engagement_id: int):
    """What was agreed, any proposal waiting, the visits of a fortnight (from ?from=YYYY-MM-DD), how it ended."""
    item, who = _engagement(engagement_id)
    start = today() - timedelta(days=today().weekday())
    if request.args.get("from"):
        try:
            start = date.fromisoformat(request.args["from"])
        except ValueError:
            flash("Showing this week: write the date like 2026-12-07.", "error")
        if not EARLIEST <= start <= LATEST:
            start = today() - timedelta(days=today().weekday())
            flash("Showing this week: choose a date from 2000 to 2200.", "error")
    return render_template(
        "visits/engagement.html",
        engagement=item,
        who=who,
        history=services.agreements(item),
        in_force=services.agreement_on(services.agreed(item), today()),
        waiting=services.pending(item),
        ending=services.ending_of(item),
        visits=services.planned_visits(item, start, start + timedelta(days=13)),
        start=start,
        week=timedelta(days=7),
        describe_slots=services.describe_slots,
        describe_price=services.describe_price,
        FUNDING_LABELS=FUNDING_LABELS,
        AGREEMENT_STATUS_LABELS=AGREEMENT_STATUS_LABELS,
        STATUS_LABELS=services.STATUS_LABELS,
        month=today().strftime("%Y-%m"),
        missed=services.missed_pattern(item, current_user) if who == "recipient" else [],
    )


@keeps_typed_text
@login_required
def propose(engagement_id: int):
    item, who = _engagement(engagement_id)
    form = AgreementForm()
    form.service.choices = [(row.service_type.slug, row.service_type.name) for row in item.provider.services]
    return render_form(
        form,
        "visits/agreement.html",
        save=lambda: services.propose_agreement(item, current_user, form.to_input()),
        message="Proposed. The other side accepts or declines it on this page.",
        done=url_for("visits.engagement", engagement_id=item.id),
        engagement=item,
        day_names=services.DAY_NAMES,
    )


@login_required
def answer(engagement_id: int, agreement_id: int, answer: str):
    item, _ = _engagement(engagement_id)
    agreement = db.session.get(Agreement, agreement_id)
    if agreement is None or agreement.engagement_id != item.id:
        abort(404)
    back = url_for("visits.engagement", engagement_id=item.id)
    return act(
        lambda: services.answer_agreement(agreement, current_user, answer == "accept"),
        done=back,
        message="Agreed: visits follow it from its start date." if answer == "accept" else "Declined.",
    )


@keeps_typed_text
@login_required
def end(engagement_id: int):
    item, _ = _engagement(engagement_id)
    form = EndForm()
    return render_form(
        form,
        "visits/end.html",
        save=lambda: services.end_engagement(item, current_user, form.last_day.data, form.reason.data),
        message="The engagement ends on the day you gave. The reason is kept with it.",
        done=url_for("visits.engagement", engagement_id=item.id),
        engagement=item,
    )


def _visit_page(item, who, visit, status=200, **forms):
    """The page for one visit: what each side said, and the form this side may still fill in."""
    context = {
        "came_form": CameForm(
            formdata=None, prefix="came", arrived=visit.start.strftime("%H:%M"), left=visit.end.strftime("%H:%M")
        ),
        "away_form": CouldNotComeForm(formdata=None, prefix="away"),
        "confirm_form": ConfirmForm(formdata=None, prefix="confirm"),
    }
    context.update(forms)
    return render_template(
        "visits/visit.html",
        engagement=item,
        who=who,
        visit=visit,
        can_record=services.can_record(visit, who),
        STATUS_LABELS=services.STATUS_LABELS,
        reasons=services.COULD_NOT_COME_REASONS,
        **context,
    ), status


@login_required
def visit(engagement_id: int, day: str, start: str):
    item, who = _engagement(engagement_id)
    try:
        found = services.find_visit(item, _day(day), _clock(start))
    except services.VisitError:
        abort(404)
    return _visit_page(item, who, found)


@keeps_typed_text
@login_required
def record(engagement_id: int, day: str, start: str, action: str):
    """The provider says came or could not come; the recipient's side confirms, or says late or missed."""
    item, who = _engagement(engagement_id)
    if (action == "confirm") != (who == "recipient"):
        abort(403)  # a provider never confirms its own visits; the person's side never records the provider's
    the_day, the_start = _day(day), _clock(start)
    try:
        found = services.find_visit(item, the_day, the_start)
    except services.VisitError:
        abort(404)
    # Each form has its own prefix, so the three on one page never share a field id.
    form = {"came": CameForm, "away": CouldNotComeForm, "confirm": ConfirmForm}[action](prefix=action)
    name = {"came": "came_form", "away": "away_form", "confirm": "confirm_form"}[action]
    if form.validate_on_submit():
        try:
            if action == "confirm":
                services.respond_to_visit(item, current_user, the_day, the_start, form.says.data, form.note.data)
            elif action == "came":
                services.record_visit(
                    item,
                    current_user,
                    the_day,
                    the_start,
                    came=True,
                    arrived=services.parse_clock(form.arrived.data, "time you arrived"),
                    left=services.parse_clock(form.left.data, "time you left"),
                    note=form.note.data,
                )
            else:
                services.record_visit(
                    item, current_user, the_day, the_start, came=False, reason=form.reason.data, note=form.note.data
                )
        except services.VisitError as error:
            refused(error, form)
        else:
            flash("Recorded.", "success")
            return redirect(url_for("visits.engagement", engagement_id=item.id, **{"from": the_day.isoformat()}))
    found = services.find_visit(item, the_day, the_start)
    return _visit_page(item, who, found, 422, **{name: form})


@login_required
def timesheet(engagement_id: int, month: str):
    item, who = _engagement(engagement_id)
    sheet = services.timesheet(item, current_user, _month(month))
    first = sheet.month
    return render_template(
        "visits/timesheet.html",
        engagement=item,
        who=who,
        sheet=sheet,
        rows=services.timesheet_rows(sheet),
        header=services.CSV_HEADER,
        hours=services.hours,
        previous=(first - timedelta(days=1)).strftime("%Y-%m"),
        following=(first + timedelta(days=32)).strftime("%Y-%m"),
        month=first.strftime("%Y-%m"),
    )


@login_required
def timesheet_csv(engagement_id: int, month: str):
    item, _ = _engagement(engagement_id)
    sheet = services.timesheet(item, current_user, _month(month))
    response = make_response(services.timesheet_csv(sheet))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="timesheet-{item.id}-{month}.csv"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
