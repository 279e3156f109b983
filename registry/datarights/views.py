"""Pages for a person's own data: see it, download it, erase it. Thin wrappers around datarights.services."""

from __future__ import annotations

import json

from flask import Response, abort, render_template
from flask_login import current_user, login_required, logout_user

from registry.accounts.models import serves_itself
from registry.accounts.services import password_matches
from registry.datarights import services
from registry.datarights.forms import EraseForm
from registry.forms import keeps_typed_text
from registry.models import utcnow
from registry.unitofwork import keep_nothing


def _own_account():
    if not serves_itself(current_user):
        abort(404)
    return current_user._get_current_object()


@login_required
def my_data():
    user = _own_account()
    return render_template("datarights/my_data.html", data=services.export_data(user))


@login_required
def my_data_json():
    user = _own_account()
    body = json.dumps(services.export_data(user), indent=2, ensure_ascii=False)
    name = f"trusted-care-registry-my-data-{utcnow():%Y-%m-%d}.json"
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@keeps_typed_text
@login_required
def close_account():
    user = _own_account()
    form = EraseForm()
    if form.validate_on_submit():
        if not password_matches(user, form.password.data):
            form.password.errors.append("Your password is not right. Nothing has been erased.")
        else:
            try:
                services.erase_account(user, actor=user, reviews=form.reviews.data, how="account page")
            except services.DataRightsError as error:
                keep_nothing()
                form.password.errors.append(str(error))
            else:
                logout_user()
                return render_template("datarights/closed.html", kept=services.KEPT_AFTER_ERASURE)
    status = 422 if form.errors else 200
    return render_template("datarights/close.html", form=form, kept=services.KEPT_AFTER_ERASURE), status
