"""Commissioner pages (approved lists, coverage, orders), the provider's applications and ordering from a list.

Thin: rules live in services."""

from __future__ import annotations

from datetime import timedelta

from flask import Response, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from registry.accounts.models import Role
from registry.auth import role_required, signed_in_key, verified_email_required
from registry.checks.listing import is_listed_now
from registry.councils import calloffs, services
from registry.councils.forms import (
    AddProviderForm,
    ApplyForm,
    CoverageFilterForm,
    DecisionForm,
    FindProviderForm,
    FrameworkForm,
    order_form_for,
)
from registry.councils.models import COMMISSIONER, EntryStatus, Framework, FrameworkEntry
from registry.extensions import db, limiter
from registry.forms import keeps_typed_text
from registry.models import today
from registry.money import to_pence
from registry.providers.models import Provider, ServiceType
from registry.providers.services import all_service_types, get_by_slug, is_publicly_visible
from registry.reviews.enquiries import open_enquiry
from registry.unitofwork import keep_nothing, render_form


def _council():
    return services.council_of(current_user) or abort(403)


def _framework(framework_id: int) -> Framework:
    framework = db.session.get(Framework, framework_id) or abort(404)
    if framework.council_id != _council().id:
        abort(404)  # another council's list is none of this commissioner's business
    return framework


def _service_choices():
    return [("", "Choose a service")] + [(str(t.id), t.name) for t in all_service_types()]


def _render_home(form: FrameworkForm, status: int = 200):
    council = _council()
    return render_template("councils/home.html", council=council, form=form, day=today()), status


@role_required(COMMISSIONER)
def home():
    return _render_home(FrameworkForm())


@keeps_typed_text
@role_required(COMMISSIONER)
def create_framework():
    form = FrameworkForm()
    if not form.validate_on_submit():
        return _render_home(form, 422)
    framework = services.create_framework(
        _council(), current_user, form.name.data, form.starts_on.data, form.ends_on.data, form.description.data or ""
    )
    flash(f"“{framework.name}” is published.", "success")
    return redirect(url_for("councils.framework", framework_id=framework.id))


def _provider_choice(provider: Provider) -> tuple[str, str]:
    """A found provider as a choice: name, district and services, so two of the same name differ."""
    offers = ", ".join(row.service_type.name for row in provider.services)
    return str(provider.id), f"{provider.display_name} ({provider.outcode or 'no district'}): {offers}"


def _render_framework(
    framework: Framework,
    add_form: AddProviderForm | None = None,
    status: int = 200,
    errors: dict | None = None,
    find_form: FindProviderForm | None = None,
    found: list[Provider] | None = None,
):
    find_form = find_form or FindProviderForm(formdata=None)
    add_form = add_form or AddProviderForm(formdata=None, find=find_form.find.data or "")
    add_form.service.choices = _service_choices()
    add_form.provider.choices = [_provider_choice(p) for p in found or []]
    return render_template(
        "councils/framework.html",
        framework=framework,
        find_form=find_form,
        found=found,
        add_form=add_form,
        decision_form=DecisionForm(),
        EntryStatus=EntryStatus,
        errors=errors or {},
    ), status


@role_required(COMMISSIONER)
def framework(framework_id: int):
    framework = _framework(framework_id)
    if "find" not in request.args:
        return _render_framework(framework)
    find_form = FindProviderForm(request.args)
    if not find_form.validate():
        return _render_framework(framework, status=422, find_form=find_form)
    found = services.find_listed_providers(find_form.find.data, today())
    return _render_framework(framework, find_form=find_form, found=found)


@keeps_typed_text
@role_required(COMMISSIONER)
def add_provider(framework_id: int):
    framework = _framework(framework_id)
    form = AddProviderForm()
    form.service.choices = _service_choices()
    find_form = FindProviderForm(formdata=None, find=form.find.data or "")
    found = services.find_listed_providers(form.find.data or "", today())
    if form.validate_on_submit():
        chosen = form.provider.data or ""
        provider = services.listed_provider(int(chosen), today()) if chosen.isdigit() else None
        service_type = db.session.get(ServiceType, int(form.service.data))
        if provider is None:
            form.provider.errors.append("Choose one of the listed providers found.")
        else:
            try:
                services.add_provider(framework, current_user, provider, service_type, to_pence(form.rate.data))
            except services.CouncilError as error:
                keep_nothing()
                form.provider.errors.append(str(error))
            else:
                flash(f"{provider.display_name} is on the list for {service_type.name.lower()}.", "success")
                return redirect(url_for("councils.framework", framework_id=framework.id))
    return _render_framework(framework, form, 422, find_form=find_form, found=found)


@role_required(COMMISSIONER)
def decide(entry_id: int):
    entry = db.session.get(FrameworkEntry, entry_id) or abort(404)
    framework = _framework(entry.framework_id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            if form.decision.data == "remove":
                services.remove(entry, current_user, form.reason.data or "")
            else:
                services.decide(
                    entry,
                    current_user,
                    form.decision.data == "approve",
                    to_pence(form.rate.data),
                    form.reason.data or "",
                )
        except services.CouncilError as error:
            keep_nothing()
            return _render_framework(framework, status=422, errors={entry.id: [str(error)]})
        flash("Saved.", "success")
        return redirect(url_for("councils.framework", framework_id=framework.id))
    return _render_framework(
        framework, status=422, errors={entry.id: [e for errs in form.errors.values() for e in errs]}
    )


@role_required(COMMISSIONER)
def coverage():
    council = _council()
    cells = services.coverage(council, today())
    form = CoverageFilterForm(request.args)
    service_names = {t.slug: t.name for t in all_service_types()}
    form.service.choices = [("", "All services")] + list(service_names.items())
    form.district.choices = [("", "All districts")] + [(d, d) for d in council.outcodes]
    form.validate()
    if form.service.data and form.service.data not in service_names:
        form.service.errors = ["Choose a service from the list."]
    if form.district.data and form.district.data not in council.outcodes:
        form.district.errors = [f"Choose one of {council.name}'s districts from the list."]
    refused = bool(form.service.errors or form.district.errors)
    shown = services.coverage_view(
        cells,
        service=None if refused or not form.service.data else service_names[form.service.data],
        district=None if refused or not form.district.data else form.district.data,
    )
    return render_template(
        "councils/coverage.html",
        council=council,
        form=form,
        cells=shown,
        gaps=[c for c in shown if c.providers == 0],
        all_gaps=sum(1 for c in cells if c.providers == 0),
    ), (422 if refused else 200)


@role_required(COMMISSIONER)
def coverage_csv():
    council = _council()
    body = services.coverage_csv(services.coverage(council, today()))
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{council.slug}-coverage-{today().isoformat()}.csv"'},
    )


# -- providers: approved lists they can join, and how their applications went


def _own_provider() -> Provider:
    return current_user.provider or abort(404)


def _render_provider(provider: Provider, forms: dict | None = None, status: int = 200):
    frameworks = services.frameworks_open_to(provider, today())
    choices = [("", "Choose a service")] + [
        (str(row.service_type_id), row.service_type.name) for row in provider.services
    ]
    forms = forms or {}
    for f in frameworks:
        forms.setdefault(f.id, ApplyForm(prefix=f"f{f.id}"))
        forms[f.id].service.choices = choices
    entries = db.session.scalars(
        select(FrameworkEntry)
        .where(FrameworkEntry.provider_id == provider.id)
        .order_by(FrameworkEntry.applied_at.desc())
    ).all()
    return render_template(
        "councils/provider.html", provider=provider, frameworks=frameworks, forms=forms, entries=entries
    ), status


@role_required(Role.PROVIDER)
def provider_lists():
    return _render_provider(_own_provider())


@keeps_typed_text
@role_required(Role.PROVIDER)
def apply(framework_id: int):
    provider = _own_provider()
    framework = db.session.get(Framework, framework_id) or abort(404)
    form = ApplyForm(prefix=f"f{framework.id}")
    form.service.choices = [("", "Choose a service")] + [
        (str(row.service_type_id), row.service_type.name) for row in provider.services
    ]
    if form.validate_on_submit():
        try:
            services.apply(
                framework,
                provider,
                db.session.get(ServiceType, int(form.service.data)),
                to_pence(form.rate.data),
                today(),
            )
        except services.CouncilError as error:
            keep_nothing()
            form.service.errors.append(str(error))
        else:
            flash(
                f"Applied to {framework.council.name}'s “{framework.name}”. You will see the outcome here.", "success"
            )
            return redirect(url_for("councils.provider_lists"))
    return _render_provider(provider, {framework.id: form}, 422)


# -- recipients: ordering from an approved list at the agreed rate ------------------


def _enquiry_limit() -> str:
    return current_app.config["ENQUIRY_RATE_LIMIT"]


@keeps_typed_text
@role_required(Role.RECIPIENT)
@limiter.limit(_enquiry_limit, key_func=signed_in_key, methods=["POST"])
@verified_email_required
def order(slug: str):
    """Order from a provider on an approved list, in one step from its profile: the enquiry form and the funding."""
    provider = get_by_slug(slug)
    if provider is None or not is_publicly_visible(provider):
        abort(404)
    if not is_listed_now(provider, today()):
        abort(make_response(render_template("providers/not_listed.html", provider=provider), 404))
    entries = calloffs.orderable(provider)
    form = order_form_for(provider, current_user, entries)
    return render_form(
        form,
        "councils/order.html",
        save=lambda: calloffs.place_call_off(current_user, provider, form.to_request(), form.funding.data),
        done=lambda placed: url_for("reviews.enquiry", enquiry_id=placed.enquiry_id),
        message="Your order is sent at the agreed rate. You will get an email when they reply.",
        provider=provider,
        entries=entries,
        open_enquiry=open_enquiry(current_user, provider),
    )


# -- commissioners: orders placed on the council's lists -----------------------------


def _month() -> tuple:
    try:
        return calloffs.month_bounds(request.args.get("month", ""))
    except ValueError:
        abort(400, "Give the month as YYYY-MM, for example 2027-01.")


@role_required(COMMISSIONER)
def orders():
    council = _council()
    first, last = _month()
    return render_template(
        "councils/orders.html",
        council=council,
        rows=calloffs.orders_in_month(council, first, last),
        first=first,
        previous=calloffs.previous_month(first),
        following=last + timedelta(days=1),
    )


@role_required(COMMISSIONER)
def orders_csv():
    council = _council()
    first, last = _month()
    return Response(
        calloffs.orders_csv(calloffs.orders_in_month(council, first, last)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{council.slug}-orders-{first:%Y-%m}.csv"'},
    )
