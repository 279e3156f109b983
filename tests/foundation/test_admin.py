import pytest
from sqlalchemy import select

from registry import audit
from registry.extensions import db
from registry.providers.models import ServiceType


def _service(app, slug="cleaning"):
    with app.app_context():
        service = db.session.scalar(select(ServiceType).where(ServiceType.slug == slug))
        return service.id, service.name, sorted((r.requirement, r.provider_kind or "") for r in service.requirements)


def _form(**overrides):
    data = {
        "name": "Cleaning",
        "description": "Regular or one-off cleaning of your home.",
        "req_dbs_basic": "all",
        "req_public_liability_insurance": "all",
        "req_right_to_work": "pa",
    }
    data.update(overrides)
    return data


def test_admin_changes_what_a_service_requires_and_it_is_audited(app, client, auth, make_user):
    auth.sign_in(make_user("admin"))
    service_id, _, before = _service(app)
    assert ("dbs_basic", "") in before
    page = client.get(f"/admin/services/{service_id}").get_data(as_text=True)
    assert "Required checks" in page and '<option selected value="all">Every provider' in page
    response = client.post(
        f"/admin/services/{service_id}", data=_form(req_dbs_basic="none", req_dbs_enhanced_adults="all")
    )
    assert response.status_code == 302
    _, _, after = _service(app)
    assert ("dbs_basic", "") not in after
    assert ("dbs_enhanced_adults", "") in after and ("identity", "") in after and ("right_to_work", "pa") in after
    with app.app_context():
        [event] = audit.events_for()
        assert event.action == "service.updated" and event.subject_id == str(service_id)
        assert audit.verify().ok


def test_identity_stays_required_whatever_the_form_says(app, client, auth, make_user):
    auth.sign_in(make_user("admin"))
    service_id, _, _ = _service(app)
    client.post(f"/admin/services/{service_id}", data={"name": "Cleaning", "description": "Cleaning."})
    assert _service(app)[2] == [("identity", "")]


@pytest.mark.parametrize(
    "overrides", [{"name": ""}, {"description": ""}, {"name": "x" * 81}, {"req_dbs_basic": "sometimes"}]
)
def test_bad_input_changes_nothing(app, client, auth, make_user, overrides):
    auth.sign_in(make_user("admin"))
    service_id, name, requirements = _service(app)
    response = client.post(f"/admin/services/{service_id}", data=_form(**overrides))
    assert response.status_code == 422
    assert _service(app) == (service_id, name, requirements)


@pytest.mark.parametrize("role", ["officer", "provider", "recipient"])
def test_only_admins_edit_the_taxonomy(app, client, auth, make_user, role):
    auth.sign_in(make_user(role))
    service_id, name, requirements = _service(app)
    assert client.get("/admin/services").status_code == 403
    assert client.post(f"/admin/services/{service_id}", data=_form(name="Hijacked")).status_code == 403
    assert _service(app) == (service_id, name, requirements)


def test_unknown_service_is_404(client, auth, make_user):
    auth.sign_in(make_user("admin"))
    assert client.get("/admin/services/9999").status_code == 404
