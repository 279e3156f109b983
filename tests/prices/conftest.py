"""The official Open Referral UK schemas, to check the feed's cost options against."""

from tests.openreferral.conftest import hsds  # noqa: F401
