"""People I arrange care for, and the shortlist: thin wrappers around families.services."""

from __future__ import annotations

from flask import abort, flash, has_request_context, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from registry.accounts.models import Role
from registry.auth import role_required, safe_next_url
from registry.extensions import db
from registry.families import services
from registry.families.forms import PersonForm
from registry.families.models import CaredForPerson
from registry.forms import keeps_typed_text
from registry.providers.models import ServiceType
from registry.providers.services import get_by_slug
from registry.providers.vocabulary import COMMUNICATION_SUPPORT, SPOKEN_LANGUAGES
from registry.unitofwork import act, refused


def _person_form(person: CaredForPerson | None) -> PersonForm:
    form = PersonForm(obj=person) if person is not None and request.method != "POST" else PersonForm()
    form.needs.choices = [
        (t.slug, t.name)
        for t in db.session.scalars(db.select(ServiceType).order_by(ServiceType.position, ServiceType.name))
    ]
    if person is not None and request.method != "POST":
        form.needs.data = [t.slug for t in person.needs]
        form.communication.data = [c for c in person.communication if c in COMMUNICATION_SUPPORT]
        form.language.data = next((c for c in person.communication if c in SPOKEN_LANGUAGES), "")
    return form


def _person_input(form: PersonForm) -> services.PersonInput:
    return services.PersonInput(
        name=form.name.data or "",
        district=form.district.data or "",
        relationship=form.relationship.data or "",
        authority=form.authority.data or "",
        authority_date=form.authority_date.data,
        needs=form.needs.data or [],
        communication=[*(form.communication.data or []), *([form.language.data] if form.language.data else [])],
        consent_given_by=form.consent_given_by.data or "",
        consent_how=form.consent_how.data or "",
    )


@role_required(Role.RECIPIENT)
def people():
    return render_template("families/people.html", people=services.people_of(current_user))


@keeps_typed_text
@role_required(Role.RECIPIENT)
def add_person():
    return _person_page(None)


@keeps_typed_text
@role_required(Role.RECIPIENT)
def person(person_id: int):
    """Change someone's details; another account's person is a 404."""
    return _person_page(services.person_of(current_user, person_id) or abort(404))


def _person_page(item: CaredForPerson | None):
    form = _person_form(item)
    if form.validate_on_submit():
        try:
            saved = services.save_person(current_user, _person_input(form), item)
        except services.FamilyError as error:
            refused(error, form)
        else:
            flash(
                f"{saved.name} is saved. Enquiries you make for them tell providers their district and needs.",
                "success",
            )
            return redirect(url_for("families.people"))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("families/person.html", form=form, person=item), status


@role_required(Role.RECIPIENT)
def delete_person(person_id: int):
    item = services.person_of(current_user, person_id) or abort(404)
    name = item.name
    services.delete_person(current_user, item)
    flash(f"{name} and their details are deleted. Past enquiries stay, without their details.", "success")
    return redirect(url_for("families.people"))


# -- shortlist -------------------------------------------------------------


@role_required(Role.RECIPIENT)
def shortlist():
    """Every list, grouped by person; ``?for=<person id>`` or ``?for=me`` (the unsorted list) shows one."""
    try:
        person = services.shortlist_filter(current_user, request.args.get("for", ""))
    except services.FamilyError:
        # A person not on the account: say so, and show every list (404: that list does not exist).
        return render_template(
            "families/shortlist.html",
            groups=services.shortlist_by_person(current_user),
            people=services.people_of(current_user),
            filter_error=gettext("That person is not on your account. Here is everyone's shortlist."),
        ), 404
    return render_template(
        "families/shortlist.html",
        groups=services.shortlist_by_person(current_user, person),
        people=services.people_of(current_user),
        showing=person,
    )


@role_required(Role.RECIPIENT)
def save(slug: str, action: str | None = None):
    """Save or remove a provider for the person the form names (empty: unsorted), then go back to the page the
    button was on (works without JavaScript)."""
    provider = get_by_slug(slug) or abort(404)
    back = safe_next_url(request.form.get("next")) or url_for("families.shortlist")
    chosen = request.form.get("person")

    def remove() -> None:
        services.unshortlist(current_user, provider, services.shortlist_person(current_user, chosen))

    def add():
        person = services.shortlist_person(current_user, chosen)
        services.shortlist(current_user, provider, person)
        return person

    if action == "remove":
        return act(
            remove, done=back, message=gettext("%(name)s is removed from your shortlist.", name=provider.display_name)
        )
    return act(
        add,
        done=back,
        message=lambda person: (
            gettext(
                "%(name)s is saved to your shortlist for %(person)s.", name=provider.display_name, person=person.name
            )
            if person
            else gettext("%(name)s is saved to your shortlist.", name=provider.display_name)
        ),
    )


@role_required(Role.RECIPIENT)
def move(entry_id: int):
    """Move a saved provider to another person's list, or to the unsorted one."""
    entry = services.shortlist_entry_of(current_user, entry_id) or abort(404)

    def moved():
        person = services.shortlist_person(current_user, request.form.get("person"))
        services.move_entry(current_user, entry, person)
        return person

    return act(
        moved,
        done=safe_next_url(request.form.get("next")) or url_for("families.shortlist"),
        message=lambda person: (
            gettext(
                "%(name)s is now on the shortlist for %(person)s.", name=entry.provider.display_name, person=person.name
            )
            if person
            else gettext("%(name)s is now on the shortlist for yourself (unsorted).", name=entry.provider.display_name)
        ),
    )


def family_helpers():
    """``can_shortlist``: whether the signed-in account saves providers (a recipient's);
    ``shortlisted()``: the slugs it has saved; ``shortlisted_for()``: each slug with whose lists it is on;
    ``shortlist_people()``: the people it may save for. One query each per page, only when asked."""
    # Templates are also drawn outside requests (emails from the worker), where there is no user.
    can_shortlist = has_request_context() and current_user.is_authenticated and current_user.role == Role.RECIPIENT
    cache: dict[str, object] = {}

    def shortlisted_for() -> dict[str, set[int | None]]:
        if "for" not in cache:
            cache["for"] = services.shortlisted_for(current_user) if can_shortlist else {}
        return cache["for"]

    def shortlisted() -> set[str]:
        if "slugs" not in cache:
            cache["slugs"] = set(shortlisted_for())
        return cache["slugs"]

    def shortlist_people() -> list[CaredForPerson]:
        if "people" not in cache:
            cache["people"] = services.people_of(current_user) if can_shortlist else []
        return cache["people"]

    return {
        "can_shortlist": can_shortlist,
        "shortlisted": shortlisted,
        "shortlisted_for": shortlisted_for,
        "shortlist_people": shortlist_people,
    }
