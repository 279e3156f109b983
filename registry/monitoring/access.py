"""Who may read the metrics: the bearer of ``METRICS_TOKEN``, and nobody when it is unset."""

from __future__ import annotations

import hmac


def metrics_access(authorization: str, token: str | None) -> int:
    """The status to answer: 200, 404 when metrics are off (no token set), 401 without a bearer token, 403 with a
    wrong one. Compared in constant time, so the time to refuse does not tell how much of a guess was right."""
    if not token:
        return 404
    scheme, _, given = (authorization or "").partition(" ")
    given = given.strip()
    if scheme.lower() != "bearer" or not given:
        return 401
    return 200 if hmac.compare_digest(given.encode(), token.encode()) else 403
