"""The provider dashboard, profile editing and the public profile: each shows providers, checks and reviews together."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from registry.accounts.models import Role
from registry.auth import role_required
from registry.checks.badges import badges
from registry.checks.claims import background_note, service_claims
from registry.checks.forms import AppealForm
from registry.checks.listing import listed_services_now, requirement_states
from registry.checks.services import checks_to_add
from registry.councils.services import approvals_of_listed
from registry.extensions import db
from registry.forms import keeps_typed_text
from registry.models import today
from registry.money import to_pounds
from registry.paging import Page, page_number
from registry.providers import services
from registry.providers.forms import PRICE_OTHER, PRICE_POUNDS, ProfileForm
from registry.providers.prices import PRICE_FIELDS
from registry.providers.vocabulary import availability_mask
from registry.reviews.forms import InvitationForm, enquiry_form_for
from registry.reviews.models import ProviderRating
from registry.reviews.responsiveness import reply_time_of
from registry.reviews.services import engagement_to_review, provider_review_summary, published_reviews
from registry.unitofwork import act
from registry.visits.reliability import reliability_of

REVIEWS_PER_PAGE = 10


def _own_provider():
    provider = current_user.provider
    if provider is None:
        abort(404)
    return provider


@role_required(Role.PROVIDER)
def dashboard():
    provider = _own_provider()
    lapsing_days = current_app.config["CHECK_REMINDER_DAYS"]
    service_states = [
        (row, requirement_states(provider, row.service_type, today(), lapsing_days)) for row in provider.services
    ]
    return render_template(
        "providers/dashboard.html",
        provider=provider,
        missing=services.missing_items(provider),
        service_states=service_states,
        to_add=checks_to_add(service_states),
        target_days=current_app.config["REVIEW_TARGET_DAYS"],
        appeal_form=AppealForm(formdata=None),
        summary=provider_review_summary(provider),
        invitation_form=InvitationForm(formdata=None),
    )


@keeps_typed_text
@role_required(Role.PROVIDER)
def edit_profile():
    provider = _own_provider()
    choices = [(t.slug, t.name) for t in services.all_service_types()]
    form = ProfileForm(service_choices=choices)
    if request.method == "GET":
        _fill_form(form, provider)
    if form.validate_on_submit():
        services.update_profile(provider, _profile_data(form))
        flash(gettext("Your profile is saved."), "success")
        return redirect(url_for("providers.dashboard"))
    status = 422 if form.errors else 200
    return render_template("providers/edit_profile.html", form=form, provider=provider), status


@role_required(Role.PROVIDER)
def submit_profile():
    provider = _own_provider()
    return act(
        lambda: services.submit_profile(provider),
        done=url_for("providers.dashboard"),
        message=gettext("Your profile is submitted. Add your checks so an officer can verify them."),
    )


def public_profile(slug: str):
    provider = services.get_by_slug(slug, whole_profile=True)
    is_owner = current_user.is_authenticated and provider is not None and provider.user_id == current_user.id
    staff = current_user.is_authenticated and current_user.is_staff
    if provider is None or not (services.is_publicly_visible(provider) or is_owner or staff):
        abort(404)
    day = today()
    listed = listed_services_now(provider, day)
    if not (listed or is_owner or staff):
        # Not listed today (checks lapsed, suspended, closed, not yet verified): the public sees that and nothing else.
        return render_template("providers/not_listed.html", provider=provider), 404
    rating = db.session.get(ProviderRating, provider.id) or ProviderRating(score=None, review_count=0, dimensions={})
    is_recipient = current_user.is_authenticated and current_user.role == Role.RECIPIENT
    enquiry_form = None
    if is_recipient and listed:
        enquiry_form = enquiry_form_for(provider, current_user, blank=True)
    # The rating counts exactly the published reviews, so it sizes the pages without another query.
    reviews_page = Page([], page_number(request.args.get("page")), REVIEWS_PER_PAGE, rating.review_count or 0)
    reviews = published_reviews(provider, limit=REVIEWS_PER_PAGE, offset=(reviews_page.page - 1) * REVIEWS_PER_PAGE)
    return render_template(
        "providers/public_profile.html",
        provider=provider,
        listed=bool(listed),
        listed_services=listed,
        sees_every_service=is_owner or staff,
        badges=badges(provider, day, live_cqc=True),
        claims=service_claims(provider, day, listed),
        background_note=background_note(provider.kind, [c.kind for c in provider.checks if c.is_current(day)]),
        council_approvals=approvals_of_listed(provider.id, listed, day),
        rating=rating,
        visits=reliability_of(provider.id, day),
        replies=reply_time_of(provider.id),
        reviews=reviews,
        reviews_page=reviews_page,
        can_review=engagement_to_review(current_user, provider) if is_recipient else None,
        enquiry_form=enquiry_form,
        # Contact details only while listed today: a suspended, lapsed or not yet
        # verified provider must not be reachable through the registry's page.
        show_contact=is_owner or staff or (current_user.is_authenticated and bool(listed)),
        is_owner=is_owner,
    )


def _fill_form(form: ProfileForm, provider) -> None:
    """Show the stored profile. Every field comes from ``data``: given ``obj``,
    WTForms would take ``provider.services`` (rows, not slugs) and the
    availability bitmask instead, and saving the form unchanged would wipe them."""
    form.process(
        data={
            "display_name": provider.display_name,
            "about": provider.about,
            "about_cy": provider.about_cy,
            "services": [t.slug for t in provider.service_types],
            "base_postcode": provider.base_postcode,
            "travel_radius_miles": provider.travel_radius_miles,
            **{field: to_pounds(getattr(provider, name)) for field, name in PRICE_POUNDS.items()},
            **{field: getattr(provider, name) for field, name in PRICE_OTHER.items()},
            "minimum_per": provider.minimum_per or "",
            "travel": provider.travel or "",
            "languages": provider.languages,
            "availability": provider.availability_slots,
            "phone": provider.phone,
            "contact_email": provider.contact_email,
            "gender": provider.gender or "",
            "years_experience": provider.years_experience,
            "cqc_provider_id": provider.cqc_provider_id,
            "website": provider.website,
        }
    )


def _profile_data(form: ProfileForm) -> services.ProfileData:
    prices = form.prices()
    return services.ProfileData(
        display_name=form.display_name.data,
        about=form.about.data or "",
        about_cy=form.about_cy.data or "",
        services=form.services.data,
        base_postcode=form.base_postcode.data or None,
        travel_radius_miles=form.travel_radius_miles.data,
        **{name: getattr(prices, name) for name in PRICE_FIELDS},
        languages=form.languages.data,
        availability=availability_mask(form.availability.data),
        phone=form.phone.data,
        contact_email=form.contact_email.data,
        gender=form.gender.data or None,
        years_experience=form.years_experience.data,
        cqc_provider_id=form.cqc_provider_id.data,
        website=form.website.data,
    )
