"""Check pages for providers and officers: thin wrappers around checks.services."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from registry.accounts.models import Role
from registry.auth import role_required
from registry.checks import services, status_checks
from registry.checks.dbs_status import StatusCheckError
from registry.checks.forms import (
    FORMS,
    AppealForm,
    ApproveForm,
    ConsentForm,
    IssueForm,
    ReasonForm,
    RevokeForm,
    StatusCheckForm,
    describe,
    preset_for,
)
from registry.checks.kinds import (
    KIND_NAMES,
    KIND_PHRASES,
    VERIFICATION_METHODS,
    VERIFICATION_NOTES,
    CheckStatus,
    kind_offered,
    kinds_for,
    requirement_kind,
    verification_methods_for,
    wrong_nation_message,
)
from registry.checks.listing import requirements_for
from registry.checks.models import Check
from registry.errors import handle_http_error
from registry.extensions import db
from registry.forms import keeps_typed_text
from registry.models import today, utcnow
from registry.paging import page_number
from registry.security import accepts_upload
from registry.storage import StorageError, document_store
from registry.unitofwork import act, refused
from registry.uploads import UploadError, check_upload
from registry.uploads import _size as describe_size

OFFICERS = (Role.OFFICER, Role.ADMIN)
# For check documents, which are the users' files, not ours.
DOCUMENT_POLICY = "sandbox; default-src 'none'"


def _preset(provider, kind: str, requirement: str) -> dict[str, str]:
    """The add-check form's starting values for ``requirement``, if it is one ``kind`` can meet."""
    if requirement_kind(requirement, provider.nation) != kind:
        return {}
    needed = {code for row in provider.services for code in requirements_for(provider, row.service_type)}
    return preset_for(requirement, kind, needed)


def _own_check(check_id: int) -> Check:
    """A provider's own check; someone else's is 404, as if it did not exist."""
    check = db.session.get(Check, check_id)
    if check is None or current_user.provider is None or check.provider_id != current_user.provider.id:
        abort(404)
    return check


# -- providers -------------------------------------------------------------


@keeps_typed_text
@accepts_upload
@role_required(Role.PROVIDER)
def add_check():
    provider = current_user.provider or abort(404)
    kind = request.args.get("kind", "")
    if kind not in FORMS:
        return render_template("checks/choose_kind.html", kinds={k: KIND_NAMES[k] for k in kinds_for(provider.nation)})
    if not kind_offered(kind, provider.nation):
        # Another nation's scheme: said plainly, nothing stored (the service refuses it too).
        return render_template(
            "checks/choose_kind.html",
            kinds={k: KIND_NAMES[k] for k in kinds_for(provider.nation)},
            errors=[wrong_nation_message(kind, provider.nation)],
        ), 422
    replaces = _own_check(int(request.args["replaces"])) if request.args.get("replaces", "").isdigit() else None
    # Followed from a requirement on the dashboard: start with what that requirement asks for
    # (what was posted still wins).
    form = FORMS[kind](**_preset(provider, kind, request.args.get("requirement", "")))
    if form.validate_on_submit():
        try:
            upload = check_upload(request.files.get("document"), current_app.config["MAX_UPLOAD_BYTES"])
            check = services.submit_check(provider, kind, form.details(), upload, replaces=replaces)
        except UploadError as error:
            form.document.errors = [str(error)]
        except StorageError as error:
            form.form_errors.append(f"We could not store your document: {error} Please try again later.")
        except services.CheckError as error:
            refused(error, form)
        else:
            ack = services.acknowledgement(check)
            flash(
                f"Thank you. Your {ack.phrase} is waiting for an officer to review it. {ack.sentence} "
                "We have emailed you this too.",
                "success",
            )
            return redirect(url_for("providers.dashboard"))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "checks/add_check.html",
        form=form,
        kind=kind,
        kind_name=KIND_NAMES[kind],
        kind_phrase=KIND_PHRASES[kind],
        replaces=replaces,
        lasts=services.lasts_once_approved(kind),
        target_days=current_app.config["REVIEW_TARGET_DAYS"],
    ), status


def upload_too_large(error):
    """A request far over the limit is refused before it is read: say so beside the file field."""
    kind = request.args.get("kind", "")
    if request.endpoint != "checks.add_check" or kind not in FORMS:
        return handle_http_error(error)
    form = FORMS[kind](formdata=None)
    limit = describe_size(current_app.config["MAX_UPLOAD_BYTES"])
    form.document.errors = [
        f"The file is larger than {limit}. Choose a smaller scan or photo, then enter the details again."
    ]
    return render_template(
        "checks/add_check.html",
        form=form,
        kind=kind,
        kind_name=KIND_NAMES[kind],
        kind_phrase=KIND_PHRASES[kind],
        replaces=None,
        lasts=services.lasts_once_approved(kind),
        target_days=current_app.config["REVIEW_TARGET_DAYS"],
    ), 413


@role_required(Role.PROVIDER)
def appeal(check_id: int):
    check = _own_check(check_id)
    form = AppealForm()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for("providers.dashboard"))
    return act(
        lambda: services.appeal(check, current_user.provider, form.note.data),
        done=url_for("providers.dashboard"),
        message="Your appeal is sent. A different officer will look at it.",
    )


@role_required(Role.PROVIDER, *OFFICERS)
def document(check_id: int):
    """Stream a check's document, as an attachment, to its provider or an officer; never shown inline."""
    check = db.session.get(Check, check_id) or abort(404)
    if current_user.role == Role.PROVIDER:
        check = _own_check(check_id)
    if not check.document_key:
        abort(410, "This document was deleted under the retention policy.")
    try:
        chunks = document_store().open(check.document_key)
    except StorageError as error:
        abort(503, str(error))
    if current_user.role in OFFICERS:
        services.record_document_view(check, current_user)
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}[check.document_type]
    response = Response(chunks, mimetype=check.document_type)
    # Always a download, never a page of ours: whatever a document holds runs in no browser tab on
    # this origin. Opened directly anyway, the sandbox gives it a unique origin with no scripts,
    # forms or plugins, and nothing may load. (An <img> still shows an image: a subresource's own
    # disposition and policy do not apply to it.)
    response.headers["Content-Disposition"] = f'attachment; filename="check-{check.id}.{extension}"'
    response.headers["Content-Security-Policy"] = DOCUMENT_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# -- officers --------------------------------------------------------------


@role_required(*OFFICERS)
def officer_queue():
    kind = request.args.get("kind") or None
    if kind is not None and kind not in KIND_NAMES:
        abort(404)
    page = services.queue(kind=kind, officer=current_user, page=page_number(request.args.get("page")))
    return render_template(
        "checks/officer_queue.html",
        page=page,
        checks=page.items,
        kind=kind,
        kinds=KIND_NAMES,
        now=utcnow(),
        target_days=current_app.config["REVIEW_TARGET_DAYS"],
        status_tasks=status_checks.officer_tasks(),
        outcome_labels=status_checks.OUTCOME_LABELS,
    )


@role_required(*OFFICERS)
def review(check_id: int):
    check = db.session.get(Check, check_id) or abort(404)
    return _review_page(check)


def _approve_form(check: Check, **kwargs) -> ApproveForm:
    """The approve form, knowing the latest valid-until date this check's kind allows."""
    # The form allows what the most favourable method allows; the service holds each method to its own date.
    latest = (
        services.proposed_valid_until(
            check.kind, check.details or {}, today(), status_checked=bool((check.details or {}).get("update_service"))
        )
        if check.awaits_decision
        else None
    )
    too_late = services.valid_until_too_late(check.kind, latest) if latest else ""
    form = ApproveForm(latest=latest, too_late=too_late, **kwargs)
    form.method.choices = [(m, VERIFICATION_METHODS[m]) for m in verification_methods_for(check.kind)]
    return form


def _review_page(
    check: Check,
    approve_form: ApproveForm | None = None,
    reason_form: ReasonForm | None = None,
    revoke_form: RevokeForm | None = None,
    status: int = 200,
):
    """The review page; the form that was just posted keeps its input and errors."""
    if approve_form is None:
        approve_form = _approve_form(check, formdata=None, version=check.version)
        approve_form.valid_until.data = approve_form.latest
    reason_form = reason_form or ReasonForm(formdata=None, version=check.version)
    revoke_form = revoke_form or RevokeForm(formdata=None, version=check.version)
    check_fields = describe(check.kind, check.details or {})
    return render_template(
        "checks/officer_review.html",
        check=check,
        check_fields=check_fields,
        approve_form=approve_form,
        reason_form=reason_form,
        revoke_form=revoke_form,
        status_form=StatusCheckForm(formdata=None),
        issue_form=IssueForm(formdata=None),
        status_checks_on=status_checks.enabled(),
        verification_note=VERIFICATION_NOTES.get(check.kind, ""),
        status_history=status_checks.history(check) if check.kind == "dbs" else [],
        outcome_labels=status_checks.OUTCOME_LABELS,
    ), status


def _stale(check: Check, version: int | None) -> bool:
    if version is not None and version != check.version or not check.awaits_decision:
        flash(
            "This check was already decided by another officer, or changed since you opened it. Here it is as it stands now.",
            "error",
        )
        return True
    return False


@role_required(*OFFICERS)
def approve(check_id: int):
    check = db.session.get(Check, check_id) or abort(404)
    form = _approve_form(check)
    if not form.validate_on_submit():
        return _review_page(check, approve_form=form, status=422)
    if _stale(check, form.version.data):
        return redirect(url_for("checks.review", check_id=check.id))
    return _decide(
        check,
        lambda: services.approve(
            check,
            current_user,
            form.method.data,
            form.valid_until.data,
            form.update_service_result.data or None,
            certificate_assessed=bool(form.certificate_assessed.data),
        ),
        "approve_form",
        form,
        "approved",
    )


@role_required(*OFFICERS)
def reject_or_ask(check_id: int, action: str):
    check = db.session.get(Check, check_id) or abort(404)
    form = ReasonForm()
    if not form.validate_on_submit():
        return _review_page(check, reason_form=form, status=422)
    if _stale(check, form.version.data):
        return redirect(url_for("checks.review", check_id=check.id))
    decide = services.reject if action == "reject" else services.request_information
    return _decide(
        check,
        lambda: decide(check, current_user, form.reason.data),
        "reason_form",
        form,
        "rejected" if action == "reject" else "sent back for more information",
    )


@role_required(*OFFICERS)
def revoke(check_id: int):
    check = db.session.get(Check, check_id) or abort(404)
    form = RevokeForm()
    if not form.validate_on_submit():
        return _review_page(check, revoke_form=form, status=422)
    if form.version.data is not None and form.version.data != check.version or check.status != CheckStatus.APPROVED:
        flash("This check changed since you opened it. Here it is as it stands now.", "error")
        return redirect(url_for("checks.review", check_id=check.id))
    return _decide(
        check,
        lambda: services.revoke(check, current_user, form.reason.data),
        "revoke_form",
        form,
        "no longer approved: the services that need it have left search",
    )


def _decide(check: Check, decision, form_name: str, form, done: str):
    """An officer's decision: a refusal goes above the form that was posted; a check decided meanwhile, back to it."""
    try:
        decision()
    except services.AlreadyDecided as error:
        refused(error)
        return redirect(url_for("checks.review", check_id=check.id))
    except services.CheckError as error:
        refused(error, form)
        return _review_page(check, status=422, **{form_name: form})
    flash(f"The {check.kind_phrase} is {done}.", "success")
    return redirect(url_for("checks.officer_queue"))


# -- DBS Update Service status checks ------------------------------------------


@role_required(*OFFICERS)
def run_status_check(check_id: int):
    """An officer asks the Update Service now; the answer applies as an automatic one would, and is audited."""
    check = db.session.get(Check, check_id) or abort(404)
    form = StatusCheckForm()
    if check.kind != "dbs" or not form.validate_on_submit():
        flash("Enter a surname and a date of birth, or neither.", "error")
        return redirect(url_for("checks.review", check_id=check.id))
    try:
        outcome = status_checks.run_status_check(check, current_user, form.surname.data, form.date_of_birth.data)
    except StatusCheckError as error:  # not a refusal: the failed attempt stays on the record
        flash(f"No answer from the Update Service: {error}. Nothing was changed.", "error")
    else:
        flash(f"Status check: {status_checks.OUTCOME_LABELS[outcome]}.", "success")
    return redirect(url_for("checks.review", check_id=check.id))


@role_required(*OFFICERS)
def deal_with_status_issue(check_id: int):
    check = db.session.get(Check, check_id) or abort(404)
    form = IssueForm()
    if not form.validate_on_submit():
        flash("Say what you did.", "error")
        return redirect(url_for("checks.review", check_id=check.id))
    return act(
        lambda: status_checks.deal_with_issue(check, current_user, form.note.data),
        done=url_for("checks.review", check_id=check.id),
        message="Recorded. The task is closed.",
    )


@keeps_typed_text
@role_required(Role.PROVIDER)
def status_consent(check_id: int):
    """The provider gives (or sees, or withdraws) consent to ongoing status checks of one certificate."""
    check = _own_check(check_id)
    form = ConsentForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                status_checks.give_consent(check, current_user, form.surname.data, form.date_of_birth.data)
            except status_checks.ConsentError as error:
                refused(error, form)
            else:
                flash(
                    gettext("Thank you. We will check your certificate on the DBS Update Service automatically."),
                    "success",
                )
                return redirect(url_for("checks.status_consent", check_id=check.id))
        status = 422
    return render_template(
        "checks/status_consent.html",
        check=check,
        form=form,
        consent=check.status_consent,
        wording=status_checks.consent_wording(check),
        can_consent=status_checks.can_consent(check),
        status_checks_on=status_checks.enabled(),
    ), status


@role_required(Role.PROVIDER)
def withdraw_status_consent(check_id: int):
    check = _own_check(check_id)
    if check.status_consent is not None and check.status_consent.stands:
        status_checks.withdraw_consent(check.status_consent, current_user)
        flash(
            gettext(
                "Your consent is withdrawn: we have deleted your surname and date of birth and stopped the checks."
            ),
            "success",
        )
    return redirect(url_for("checks.status_consent", check_id=check.id))
