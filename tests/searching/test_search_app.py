"""Search as recipients see it: the page, the JSON API, and how the index keeps up."""

import os

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from registry.extensions import db
from registry.providers import services as providers
from registry.providers.models import Provider
from registry.searching.models import SearchOutboxEntry
from registry.searching.services import search_index
from tests.conftest import approve_checks, complete_profile_data
from tests.html_page import parse
from tests.searching.conftest import lapse_all_checks, suspend


def api(client, **params):
    response = client.get("/api/v1/search", query_string=params)
    return response.status_code, response.get_json()


def slugs(body):
    return [r["slug"] for r in body["results"]]


def test_only_listed_providers_that_cover_the_postcode_appear(app, client, make_provider, listed_provider):
    near = listed_provider(name="Near Listed", base_postcode="LS6 2AA", travel_radius_miles=10)
    make_provider(name="Near Unverified", base_postcode="LS6 2AA")  # submitted, never listed
    listed_provider(name="Far Listed", base_postcode="M1 1AE", travel_radius_miles=10)  # ~36 miles away
    status, body = api(client, postcode="LS6 1AA", service="personal-care")
    assert status == 200
    assert slugs(body) == [near]
    hit = body["results"][0]
    assert hit["district"] == "LS6" and hit["distance_miles"] == 0.0
    assert hit["kind"] == "pa" and hit["services"] == ["personal-care", "companionship"]
    assert hit["hourly_rate"] == {"min_pounds": "18.00", "max_pounds": "22.00"}
    assert body["total"] == 1 and body["page"] == 1 and body["pages"] == 1


def test_the_providers_travel_radius_is_respected(client, listed_provider):
    listed_provider(name="Stays Local", base_postcode="LS1", travel_radius_miles=2)
    travels = listed_provider(name="Travels Far", base_postcode="LS1", travel_radius_miles=20)
    _, body = api(client, postcode="BD1", radius=20)  # Bradford is about 9 miles from Leeds centre
    assert slugs(body) == [travels]


@pytest.mark.parametrize("delist", [suspend, lapse_all_checks])
def test_delisting_removes_the_provider_from_the_very_next_search(app, client, listed_provider, delist):
    slug = listed_provider(base_postcode="LS6 2AA")
    assert slugs(api(client, postcode="LS6")[1]) == [slug]
    delist(app, slug)
    assert slugs(api(client, postcode="LS6")[1]) == []


def test_a_provider_is_listed_only_for_the_services_its_checks_cover(app, client, make_provider):
    # Identity, food hygiene and insurance cover meal delivery but not personal care (no DBS).
    slug = make_provider(base_postcode="LS6 2AA", services=["meal-delivery", "personal-care"])
    approve_checks(app, slug, kinds=("identity", "food_hygiene", "insurance"))
    assert slugs(api(client, postcode="LS6", service="personal-care")[1]) == []
    assert slugs(api(client, postcode="LS6", service="meal-delivery")[1]) == [slug]


def test_a_profile_edit_shows_in_the_next_search(app, client, listed_provider):
    slug = listed_provider(base_postcode="LS6 2AA")
    with app.app_context():
        provider = providers.get_by_slug(slug)
        providers.update_profile(
            provider,
            complete_profile_data(
                display_name="Renamed Carer", base_postcode="LS6 2AA", services=["personal-care", "companionship"]
            ),
        )
        db.session.commit()
    _, body = api(client, postcode="LS6", q="renamed")
    assert [r["name"] for r in body["results"]] == ["Renamed Carer"]


def test_after_each_commit_the_index_has_applied_the_whole_outbox(app, listed_provider):
    listed_provider()
    with app.app_context():
        newest = db.session.scalar(select(func.max(SearchOutboxEntry.id)))
        assert newest is not None and search_index().applied_mark() == newest


@pytest.mark.parametrize(
    "params, field",
    [
        ({"postcode": "LS6", "radius": "0"}, "radius"),
        ({"postcode": "LS6", "radius": "-5"}, "radius"),
        ({"postcode": "LS6", "radius": "5000"}, "radius"),
        ({"postcode": "LS6", "radius": "far"}, "radius"),
        ({"postcode": "LS6", "service": "brain-surgery"}, "service"),
        ({"postcode": "ZZ9 9ZZ"}, "postcode"),
        ({"postcode": "hello"}, "postcode"),
        ({"postcode": "LS6", "page": "0"}, "page"),
        ({"postcode": "LS6", "page": "x"}, "page"),
        ({"postcode": "LS6", "sort": "random"}, "sort"),
        ({"postcode": "LS6", "kind": "robot"}, "kind"),
        ({"postcode": "LS6", "language": "xx"}, "language"),
        ({"postcode": "LS6", "min_rating": "11"}, "min_rating"),
        ({"postcode": "LS6", "max_rate": "-1"}, "max_rate"),
        ({"postcode": "LS6", "day": "someday"}, "day"),
        ({"postcode": "LS6", "q": "x" * 5000}, "q"),
    ],
)
def test_bad_parameters_get_a_400_with_an_error_for_the_field(client, params, field):
    status, body = api(client, **params)
    assert status == 400
    assert body["error"]["code"] == "invalid_parameters"
    assert list(body["error"]["fields"]) == [field]
    page = client.get("/search", query_string=params)
    assert page.status_code == 400
    assert b'class="error"' in page.data


def test_the_api_needs_a_postcode_but_the_page_just_asks_for_one(client):
    status, body = api(client)
    assert status == 400 and list(body["error"]["fields"]) == ["postcode"]
    page = client.get("/search")
    assert page.status_code == 200
    assert b'name="postcode"' in page.data and b'class="error"' not in page.data


@pytest.mark.parametrize("text", ['"unbalanced', "name:x AND (", "*", "OR", "care)", "{[", "\\", "é ü 中文"])
def test_query_syntax_in_the_text_never_breaks_search(client, listed_provider, text):
    listed_provider(base_postcode="LS6 2AA")
    status, body = api(client, postcode="LS6", q=text)
    assert status == 200
    assert isinstance(body["total"], int)


def test_a_page_past_the_end_is_empty_but_keeps_the_total(client, listed_provider):
    listed_provider(base_postcode="LS6 2AA")
    status, body = api(client, postcode="LS6", page=3)
    assert status == 200
    assert body["results"] == [] and body["total"] == 1 and body["pages"] == 1


def test_facets_count_services_and_kinds_for_the_current_query(client, listed_provider):
    listed_provider(name="A", base_postcode="LS6 2AA", services=["personal-care"])
    listed_provider(name="B", base_postcode="LS6 2AA", services=["personal-care", "companionship"], kind="organisation")
    _, body = api(client, postcode="LS6")
    assert body["facets"]["services"]["personal-care"] == 2
    assert body["facets"]["services"]["companionship"] == 1
    assert body["facets"]["kinds"] == {"pa": 1, "organisation": 1}


def test_the_results_page_shows_each_provider_without_javascript(client, listed_provider):
    listed_provider(name="Ceri Morgan", base_postcode="LS6 2AA", languages=["en", "bsl"])
    page = client.get("/search", query_string={"postcode": "ls6 1aa", "service": "personal-care"}).get_data(
        as_text=True
    )
    assert "1 provider covers LS6 1AA" in page
    assert "Ceri Morgan" in page and "LS6" in page and "British Sign Language" in page
    assert "£18–£22 an hour" in page and "No reviews yet" in page


def test_an_empty_result_says_why_and_offers_to_widen(client, listed_provider):
    listed_provider(base_postcode="M1 1AE")
    page = client.get("/search", query_string={"postcode": "LS6", "radius": "5", "service": "personal-care"}).get_data(
        as_text=True
    )
    assert "No verified provider covers LS6 within 5 miles for the help you chose" in page
    assert "Search within 50 miles" in page and "Show every kind of help" in page


def test_the_home_page_leads_into_a_search(client):
    page = client.get("/").get_data(as_text=True)
    assert 'action="/search"' in page and 'name="postcode"' in page and 'name="service"' in page


def _hold_index_lock(app):
    """Take the index's real Whoosh write lock, as another process would."""
    from whoosh import index as whoosh_index

    from registry.searching.services import search_index

    with app.app_context():
        ix = search_index()
        generation = os.path.join(ix.directory, ix.current_generation())
    return whoosh_index.open_dir(generation).writer()


@pytest.mark.parametrize("app_config", [{"SEARCH_LOCK_TIMEOUT": 0.05, "SEARCH_CATCHUP_SECONDS": 0}])
def test_a_locked_index_never_shows_a_suspended_provider_and_catches_up_by_itself(app, client, runner, listed_provider):
    slug = listed_provider(base_postcode="LS6 2AA")
    with app.app_context():
        provider_id = providers.get_by_slug(slug).id
    writer = _hold_index_lock(app)
    try:
        suspend(app, slug)  # the commit succeeds; the index write cannot
        with app.app_context():
            assert provider_id in search_index().ids()  # the index is behind...
        assert slugs(api(client, postcode="LS6")[1]) == []  # ...but search checks the database
        assert slug not in client.get("/search", query_string={"postcode": "LS6"}).get_data(as_text=True)
        locked = runner.invoke(args=["search", "sync"])
        assert locked.exit_code != 0 and "try again shortly" in locked.output
    finally:
        writer.cancel()
    # No command needed: the next search sees the index is behind and applies the outbox.
    assert slugs(api(client, postcode="LS6")[1]) == []
    with app.app_context():
        assert provider_id not in search_index().ids()
        assert search_index().applied_mark() == db.session.scalar(select(func.max(SearchOutboxEntry.id)))


def test_rebuild_builds_the_index_from_the_database(app, client, runner, listed_provider, make_provider):
    first = listed_provider(base_postcode="LS6 2AA")
    second = listed_provider(base_postcode="LS6 2AA")
    make_provider(base_postcode="LS6 2AA")  # never checked, never listed
    # The index misses a change (written straight to the database, no outbox row).
    with app.app_context():
        first_id = providers.get_by_slug(first).id
        db.session.execute(sa.update(Provider).where(Provider.slug == first).values(status="suspended"))
        db.session.commit()
        assert first_id in search_index().ids()
    assert slugs(api(client, postcode="LS6")[1]) == [second]  # the database check hides it meanwhile
    result = runner.invoke(args=["search", "rebuild", "--procs", "2"])
    assert result.exit_code == 0 and "1 listed providers" in result.output
    with app.app_context():
        assert search_index().ids() == {providers.get_by_slug(second).id}
        assert search_index().applied_mark() == db.session.scalar(select(func.max(SearchOutboxEntry.id)))
    assert slugs(api(client, postcode="LS6")[1]) == [second]


def test_rebuild_uses_one_indexing_process_below_the_parallel_threshold_and_one_per_core_from_it(
    runner, listed_provider, monkeypatch
):
    from registry import cli

    listed_provider(base_postcode="LS6 2AA")
    result = runner.invoke(args=["search", "rebuild"])
    assert result.exit_code == 0 and "(1 indexing process)" in result.output

    monkeypatch.setattr(cli, "PARALLEL_REBUILD_FROM", 1)
    monkeypatch.setattr(cli.os, "cpu_count", lambda: 8)
    result = runner.invoke(args=["search", "rebuild"])
    assert result.exit_code == 0 and "(4 indexing processes)" in result.output  # at most 4
    assert "1 listed providers" in result.output
    assert runner.invoke(args=["search", "rebuild", "--procs", "0"]).exit_code == 2  # refused, nothing rebuilt


def test_empty_fields_from_the_search_form_count_as_not_set(client, listed_provider):
    slug = listed_provider(base_postcode="LS6 2AA")
    form = {
        "postcode": "LS6",
        "radius": "10",
        "service": "",
        "q": "",
        "kind": "",
        "language": "",
        "max_rate": "",
        "min_rating": "",
        "day": "",
        "part": "",
        "gender": "",
        "sort": "best",
    }
    assert slugs(api(client, **form)[1]) == [slug]
    assert client.get("/search", query_string=form).status_code == 200


@pytest.mark.parametrize("words", ["Urdu", "BSL", "sign language", "easy read"])
def test_the_words_box_finds_languages_and_communication_support(client, listed_provider, words):
    signing = listed_provider(base_postcode="LS6 2AA", languages=["en", "bsl", "ur", "easy-read"])
    listed_provider(base_postcode="LS6 2AA", languages=["en"])
    assert slugs(api(client, postcode="LS6", q=words)[1]) == [signing]


def test_communication_support_is_a_filter_on_the_home_page_and_the_search_page(client, listed_provider):
    easy_read = listed_provider(base_postcode="LS6 2AA", languages=["en", "easy-read"])
    listed_provider(base_postcode="LS6 2AA", languages=["en"])
    home = client.get("/").get_data(as_text=True)
    assert "Language and communication" in home and '<optgroup label="Communication support">' in home
    assert 'value="makaton"' in home and 'value="deafblind"' in home and 'value="interpreter"' in home
    page = client.get("/search", query_string={"postcode": "LS6", "language": "easy-read"}).get_data(as_text=True)
    assert easy_read in page
    assert 'value="easy-read" selected' in page
    assert slugs(api(client, postcode="LS6", language="easy-read")[1]) == [easy_read]


def test_open_data_lists_only_real_languages(client, listed_provider):
    listed_provider(base_postcode="LS6 2AA", languages=["en", "bsl", "easy-read"])
    services = client.get("/openreferral/services", query_string={"per_page": 5}).get_json()["contents"]
    assert services
    for item in services:
        detail = client.get(f"/openreferral/services/{item['id']}").get_json()
        assert {lang["code"] for lang in detail["languages"]} == {"en", "bsl"}


def test_the_results_page_names_each_result_badge_and_links_its_profile(client, listed_provider):
    slug = listed_provider(base_postcode="LS6 2AA")
    page = client.get("/search?postcode=LS6+1AA").get_data(as_text=True)
    assert f'href="/providers/{slug}"' in page
    # The provider's checks earn these badges (tests/conftest.py's CHECK_DETAILS), each shown by its label.
    badges = [a.text.removesuffix(": what this means") for a in parse(page).find_all("a", cls="badge")]
    for label in ("Enhanced DBS", "Insured", "CQC registered", "First aid trained"):
        assert label in badges
