"""The CQC stand-in as a real server on a free port, and an app whose CQC_API_URL points at it."""

from __future__ import annotations

import pytest

from registry.standins.cqc import Register, StandinServer

KEY = "test-subscription-key"
LOCATION = "1-101234567"  # tests/conftest.py CHECK_DETAILS["cqc"]


@pytest.fixture
def cqc():
    with StandinServer(Register(api_key=KEY)) as server:
        yield server


@pytest.fixture
def app_config(cqc):
    return {
        "CQC_API_URL": cqc.url,
        "CQC_API_KEY": KEY,
        "CQC_TIMEOUT_SECONDS": 0.5,
        "CQC_MAX_RETRY_AFTER_SECONDS": 1,
        "CQC_MAX_BODY_BYTES": 64 * 1024,
        "CQC_PAGE_SIZE": 2,
    }


@pytest.fixture
def listed_org(app, make_provider):
    """An organisation in LS6 listed for personal care (needs CQC registration) and companionship (does not)."""
    from tests.conftest import approve_checks

    slug = make_provider(
        "organisation", name="Aire Valley Care", services=["personal-care", "companionship"], base_postcode="LS6 2AA"
    )
    approve_checks(app, slug)
    return slug
