import pytest

from searchindex.geo import InvalidPostcode, UnknownPostcode, distance_miles, locate, normalise_postcode


@pytest.mark.parametrize(
    "text, normalised, outcode",
    [
        ("SW1A 1AA", "SW1A 1AA", "SW1A"),
        ("sw1a1aa", "SW1A 1AA", "SW1A"),
        ("  sw1a   1aa ", "SW1A 1AA", "SW1A"),
        ("M1 1AE", "M1 1AE", "M1"),
        ("m11ae", "M1 1AE", "M1"),
        ("EC1A 1BB", "EC1A 1BB", "EC1A"),
        ("B33 8TH", "B33 8TH", "B33"),
        ("CR2 6XH", "CR2 6XH", "CR2"),
        ("DN55 1PT", "DN55 1PT", "DN55"),
        ("LS1", "LS1", "LS1"),
        ("ls1", "LS1", "LS1"),
        ("W1A", "W1A", "W1A"),
    ],
)
def test_real_postcode_formats_normalise(text, normalised, outcode):
    assert normalise_postcode(text) == (normalised, outcode)


@pytest.mark.parametrize(
    "text", ["", "   ", "hello", "12345", "SW1A 1A", "SW1A1AAA", "1AA SW1", "<script>", "LS1 1A!", "Q"]
)
def test_invalid_postcodes_are_refused(text):
    with pytest.raises(InvalidPostcode):
        normalise_postcode(text)


def test_a_well_formed_but_unknown_district_gets_its_own_message():
    with pytest.raises(UnknownPostcode, match="ZZ9"):
        locate("ZZ9 9ZZ")


def test_full_postcode_and_district_resolve_to_the_same_centroid():
    full, district = locate("LS1 4AP"), locate("LS1")
    assert (full.latitude, full.longitude) == (district.latitude, district.longitude)
    assert full.postcode == "LS1 4AP" and district.postcode == "LS1"


def test_london_to_manchester_is_about_163_miles():
    london, manchester = locate("SW1A 1AA"), locate("M1 1AE")
    miles = distance_miles(london.latitude, london.longitude, manchester.latitude, manchester.longitude)
    assert 158 <= miles <= 168


def test_distance_to_itself_is_zero_and_symmetric():
    a, b = locate("EH1"), locate("CF10")
    assert distance_miles(a.latitude, a.longitude, a.latitude, a.longitude) == 0
    assert distance_miles(a.latitude, a.longitude, b.latitude, b.longitude) == pytest.approx(
        distance_miles(b.latitude, b.longitude, a.latitude, a.longitude)
    )


def test_the_documented_postcode_pattern_accepts_exactly_what_the_registry_accepts():
    """The OpenAPI document's ``pattern`` for postcodes and normalise_postcode agree on every string."""
    import re

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from searchindex.geo import POSTCODE_PATTERN

    shaped = st.from_regex(POSTCODE_PATTERN)
    nearly = st.text(alphabet=st.sampled_from("AaLlSsWwſ0169 \t\n\u00a0-"), max_size=10)

    @given(text=st.one_of(shaped, nearly, st.text(max_size=12)))
    @settings(max_examples=400, derandomize=True, database=None, deadline=None)
    def agree(text):
        try:
            normalise_postcode(text)
            accepted = True
        except InvalidPostcode:
            accepted = False
        assert accepted == bool(re.search(POSTCODE_PATTERN, text)), repr(text)

    agree()
    assert re.search(POSTCODE_PATTERN, " sw1a  1aa ") and not re.search(POSTCODE_PATTERN, "ſw1")
