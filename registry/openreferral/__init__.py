"""The Open Referral UK (HSDS 3.0 UK profile) open-data feed, mounted at /openreferral.

Read-only, anonymous, and limited to what recipients can already see: only
providers listed for a service appear, and only for the services they are
listed for; every location is a postcode district's centre, never an address.
The feed's own table (``feed_changes``) is written by the session hooks in
``tracking.py``, in the transaction of the change it records, never by a request.
"""

from __future__ import annotations

from flask import Blueprint

from registry.api.http import limit_reads, open_for_cross_origin_reads

bp = Blueprint("openreferral", __name__, url_prefix="/openreferral")
open_for_cross_origin_reads(bp)
limit_reads(bp, "OPENREFERRAL_RATE_LIMIT")

from registry.openreferral import models, tracking  # noqa: E402, F401  (the table, and the hooks that keep it)
