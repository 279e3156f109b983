"""The search's query string as people and scripts send it: repeated, padded with strangers, or left to the account."""

from __future__ import annotations

from tests.html_forms import form_fields


def _names(body: dict) -> list[str]:
    return sorted(r["name"] for r in body["results"])


def test_a_repeated_service_asks_for_every_one(client, listed_provider):
    listed_provider(name="Both Services", services=("personal-care", "companionship"))
    listed_provider(name="Company Only", services=("companionship",))
    one = client.get("/api/v1/search?postcode=LS6&service=companionship").get_json()
    both = client.get("/api/v1/search?postcode=LS6&service=companionship&service=personal-care").get_json()
    assert _names(one) == ["Both Services", "Company Only"]
    assert _names(both) == ["Both Services"]


def test_a_bad_value_among_repeated_ones_is_named_under_its_parameter(client):
    response = client.get("/api/v1/search?postcode=LS6&kind=pa&kind=robot&service=companionship&service=brain-surgery")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_parameters" and error["message"] == "Some parameters are not valid."
    assert set(error["fields"]) == {"kind", "service"}
    # One plain message per problem, whatever position the bad value had.
    assert len(error["fields"]["kind"]) == 1 and error["fields"]["kind"][0].startswith("Must be one of")
    assert error["fields"]["service"] == ["Unknown service: brain-surgery."]


def test_parameters_search_does_not_know_are_ignored(client, listed_provider):
    listed_provider(name="Near Carer")
    tracked = {"postcode": "LS6", "utm_source": "newsletter", "fbclid": "abc"}
    response = client.get("/api/v1/search", query_string=tracked)
    assert response.status_code == 200 and _names(response.get_json()) == ["Near Carer"]
    page = client.get("/search", query_string=tracked)
    assert page.status_code == 200 and "Near Carer" in page.get_data(as_text=True)


def test_a_parameter_given_twice_that_takes_one_value_takes_the_first(client, listed_provider):
    listed_provider(name="Near Carer")
    response = client.get("/api/v1/search?postcode=LS6&postcode=nowhere&sort=distance&sort=random")
    assert response.status_code == 200 and _names(response.get_json()) == ["Near Carer"]


def test_the_page_draws_back_every_choice_made_even_when_refused(client):
    page = client.get("/search?postcode=nowhere&badge=enhanced-dbs&badge=insurance&q=dementia")
    assert page.status_code == 400
    sent = form_fields(page.get_data(as_text=True), "/search")
    assert ("postcode", "nowhere") in sent and ("q", "dementia") in sent
    assert [value for name, value in sent if name == "badge"] == ["enhanced-dbs", "insurance"]


def test_the_page_searches_near_a_signed_in_recipients_home_until_they_give_a_postcode(
    client, auth, make_user, listed_provider
):
    listed_provider(name="Leeds Carer", base_postcode="LS6 2AA")
    listed_provider(name="Manchester Carer", base_postcode="M1 1AE")
    auth.sign_in(make_user("recipient", home_postcode="LS6 2AA"))
    for url in ("/search", "/search?service=companionship"):
        page = client.get(url)
        text = page.get_data(as_text=True)
        assert page.status_code == 200 and "Leeds Carer" in text and "Manchester Carer" not in text
        assert ("postcode", "LS6 2AA") in form_fields(text, "/search")
    elsewhere = client.get("/search?postcode=M1").get_data(as_text=True)
    assert "Manchester Carer" in elsewhere and "Leeds Carer" not in elsewhere
