"""Enquiry and review pages: thin wrappers around reviews.services."""

from __future__ import annotations

from flask import abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from registry.accounts.devices import device_id_from_request
from registry.accounts.models import Role
from registry.auth import role_required, signed_in_key, verified_email_required
from registry.checks.listing import is_listed_now, listed_now_among
from registry.extensions import db, limiter
from registry.families import services as family_services
from registry.families.services import ENQUIRE_MAX
from registry.forms import keeps_typed_text
from registry.models import today
from registry.paging import page_number, paginate
from registry.providers.services import get_by_slug, is_publicly_visible
from registry.reviews import enquiries as enquiry_services
from registry.reviews import services
from registry.reviews.forms import (
    InvitationForm,
    MessageForm,
    ReviewForm,
    TextForm,
    enquiry_form_for,
    enquiry_form_for_many,
)
from registry.reviews.models import Engagement, Enquiry, Review, ReviewStatus
from registry.unitofwork import act, refused, render_form


def _enquiry_limit() -> str:
    return current_app.config["ENQUIRY_RATE_LIMIT"]


def _errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)  # messages may be lazy_gettext


# -- enquiries -------------------------------------------------------------


def _listed_provider(slug: str):
    """The provider, listed today; otherwise 404 (a draft's name is not for strangers) or the "not listed" page."""
    provider = get_by_slug(slug)
    if provider is None or not is_publicly_visible(provider):
        abort(404)
    if not is_listed_now(provider, today()):
        abort(make_response(render_template("providers/not_listed.html", provider=provider), 404))
    return provider


@keeps_typed_text
@role_required(Role.RECIPIENT)
@limiter.limit(_enquiry_limit, key_func=signed_in_key, methods=["POST"])
@verified_email_required
def enquire(slug: str):
    """The profile's enquiry form posts here; a refused one is shown again with its errors."""
    provider = _listed_provider(slug)
    form = enquiry_form_for(provider, current_user, for_person=request.args.get("for"))
    return render_form(
        form,
        "reviews/enquire.html",
        save=lambda: enquiry_services.send_enquiry(current_user, provider, form.to_request()),
        message="Your enquiry is sent. You will get an email when they reply.",
        done=lambda enquiry: url_for("reviews.enquiry", enquiry_id=enquiry.id),
        provider=provider,
        open_enquiry=enquiry_services.open_enquiry(current_user, provider),
    )


@keeps_typed_text
@role_required(Role.RECIPIENT)
@limiter.limit(_enquiry_limit, key_func=signed_in_key, methods=["POST"])
@verified_email_required
def enquire_many():
    """One enquiry to the providers ticked on the shortlist (``provider`` 1 to 4 times): on the shortlist's
    "Ask these providers" (GET), then posted with them as hidden fields. A wrong choice shows the shortlist again."""
    slugs = request.form.getlist("provider") if request.method == "POST" else request.args.getlist("provider")
    try:
        providers = family_services.enquiry_selection(current_user, slugs)
    except family_services.FamilyError as error:
        return render_template(
            "families/shortlist.html",
            groups=family_services.shortlist_by_person(current_user),
            people=family_services.people_of(current_user),
            compare_error=str(error),
            chosen=slugs,
        ), 422
    form = enquiry_form_for_many(providers, current_user, for_person=request.args.get("for"))
    return render_form(
        form,
        "reviews/enquire_many.html",
        save=lambda: enquiry_services.send_enquiries(current_user, providers, form.to_request()),
        done=lambda result: url_for(
            "reviews.enquiries_sent",
            sent=[e.id for e in result.sent],
            open=[e.id for e in result.already_open],
        ),
        providers=providers,
        listed=listed_now_among([p.id for p in providers], today()),
        already_open={p.id: enquiry_services.open_enquiry(current_user, p) for p in providers},
    )


@role_required(Role.RECIPIENT)
def enquiries_sent():
    """What one enquiry to several providers did: ``sent`` and ``open`` are enquiry ids; only the account's own show."""

    def own(name: str) -> list[Enquiry]:
        found = (db.session.get(Enquiry, i) for i in request.args.getlist(name, type=int)[:ENQUIRE_MAX])
        return [e for e in found if e is not None and e.recipient_id == current_user.id]

    sent, already_open = own("sent"), own("open")
    if not sent and not already_open:
        abort(404)
    return render_template("reviews/enquiries_sent.html", sent=sent, already_open=already_open)


@login_required
def enquiries():
    # Each row shows the other party and the service: load them with the page, not one by one.
    query = (
        db.select(Enquiry)
        .options(
            joinedload(Enquiry.provider),
            joinedload(Enquiry.recipient),
            joinedload(Enquiry.service_type),
            joinedload(Enquiry.person),
        )
        .order_by(Enquiry.id.desc())
    )
    if current_user.role == Role.PROVIDER and current_user.provider:
        query = query.where(Enquiry.provider_id == current_user.provider.id)
    else:
        query = query.where(Enquiry.recipient_id == current_user.id)
    page = paginate(query, page_number(request.args.get("page")))
    engagements = list(
        db.session.scalars(
            db.select(Engagement)
            .where(Engagement.recipient_id == current_user.id)
            .options(joinedload(Engagement.provider), joinedload(Engagement.review))
            .order_by(Engagement.confirmed_at.desc(), Engagement.id.desc())
        )
    )
    # One review per provider, written for the newest engagement: list each provider once.
    newest = {}
    for engagement in engagements:
        newest.setdefault(engagement.provider_id, engagement)
    engagements = list(newest.values())
    return render_template(
        "reviews/enquiries.html",
        enquiries=page.items,
        page=page,
        engagements=engagements,
        invitation_form=InvitationForm(formdata=None),
    )


@keeps_typed_text
@login_required
def enquiry(enquiry_id: int):
    item = db.session.get(Enquiry, enquiry_id)
    if item is None or not enquiry_services.can_see_enquiry(current_user, item):
        abort(404)
    form = MessageForm()
    return render_form(
        form,
        "reviews/enquiry.html",
        save=lambda: enquiry_services.reply(item, current_user, form.body.data),
        done=url_for("reviews.enquiry", enquiry_id=item.id),
        enquiry=item,
        can_answer=enquiry_services.can_answer(current_user, item),
    )


ANSWERED = {
    "accept": "Accepted: carry on the conversation here. When you start supporting them, say so on this page and they can review your care.",
    "start": "Support has started: they can now review your care.",
    "decline": "Declined.",
}


@role_required(Role.PROVIDER)
def answer(enquiry_id: int, answer: str):
    item = db.session.get(Enquiry, enquiry_id)
    if item is None or not enquiry_services.can_see_enquiry(current_user, item):
        abort(404)
    return act(
        lambda: enquiry_services.answer_enquiry(item, current_user, answer),
        done=url_for("reviews.enquiry", enquiry_id=enquiry_id),
        message=ANSWERED[answer],
    )


@role_required(Role.PROVIDER)
def invite():
    form = InvitationForm()
    if not form.validate_on_submit():
        flash(_errors(form), "error")
        return redirect(url_for("reviews.enquiries"))
    return act(
        lambda: enquiry_services.invite(current_user.provider, form.email.data),
        done=url_for("reviews.enquiries"),
        message=f"Invitation sent to {form.email.data}.",
    )


@role_required(Role.RECIPIENT)
@verified_email_required
def accept_invitation(token: str):
    try:
        invitation = enquiry_services.invitation_for(token)
    except services.ReviewError as error:
        flash(str(error), "error")
        return redirect(url_for("main.index"))
    if request.method == "POST":
        try:
            engagement = enquiry_services.accept_invitation(token, current_user)
        except services.ReviewError as error:
            refused(error)
            return redirect(url_for("main.index"))
        flash(gettext("Thank you. You can now review their care."), "success")
        return redirect(url_for("reviews.write_review", engagement_id=engagement.id))
    return render_template("reviews/invitation.html", invitation=invitation, token=token)


# -- reviews ---------------------------------------------------------------


def _review_input(form: ReviewForm) -> services.ReviewInput:
    return services.ReviewInput(
        form.ratings(), form.title.data, form.body.data, form.supported_for.data or None, form.is_concern.data
    )


@keeps_typed_text
@role_required(Role.RECIPIENT)
@verified_email_required
def write_review(engagement_id: int):
    """One review per person and provider: the form shows their earlier review to update."""
    engagement = db.session.get(Engagement, engagement_id)
    if engagement is None or engagement.recipient_id != current_user.id:
        abort(404)
    latest = services.latest_engagement(current_user.id, engagement.provider_id)
    if latest.id != engagement.id:
        return redirect(url_for("reviews.write_review", engagement_id=latest.id))
    existing = services.review_by(current_user.id, engagement.provider_id)
    form = ReviewForm(obj=existing)
    if form.validate_on_submit():
        try:
            review = services.write_review(
                engagement, current_user, _review_input(form), device_id=device_id_from_request()
            )
        except services.ReviewError as error:
            refused(error, form)
        else:
            if review.is_held:
                flash(
                    gettext(
                        "Thank you. Your review mentions something a safeguarding officer should read, so it is with "
                        "them and not published yet. They may contact you."
                    ),
                    "warning",
                )
            elif review.status == ReviewStatus.FLAGGED:
                flash(
                    gettext(
                        "Thank you. A safeguarding officer checks reviews like this one before they are published; "
                        "you will get an email when they have."
                    ),
                    "warning",
                )
            else:
                flash(gettext("Thank you for your review."), "success")
            return redirect(url_for("providers.public_profile", slug=engagement.provider.slug))
    status = 422 if form.errors or form.form_errors else 200
    later = existing is not None and existing.engagement_id != engagement.id
    return render_template(
        "reviews/write.html", form=form, engagement=engagement, existing=existing, later=later
    ), status


@role_required(Role.PROVIDER)
def provider_action(review_id: int, action: str):
    review = db.session.get(Review, review_id)
    if review is None or review.provider.user_id != current_user.id:
        abort(404)
    back = url_for("providers.public_profile", slug=review.provider.slug)
    form = TextForm()
    if not form.validate_on_submit():
        flash(_errors(form), "error")
        return redirect(back)
    if action == "respond":
        return act(
            lambda: services.respond(review, current_user, form.text.data),
            done=back,
            message="Your response is published.",
        )
    return act(
        lambda: services.report_review(review, current_user, form.text.data),
        done=back,
        message="Thank you. An officer will look at this review.",
    )
