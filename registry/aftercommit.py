"""Run side effects only once the database change behind them is committed.

Services queue work (email, search index updates, file deletions) with
:func:`after_commit`; it runs after the surrounding transaction commits and is
dropped if it rolls back, so a failed request never emails about, indexes or
deletes something that was not saved.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger(__name__)
_KEY = "after_commit"
_ROLLBACK_KEY = "after_rollback"


def after_commit(session, callback: Callable[[], None], key: str | None = None) -> None:
    """Queue ``callback`` to run after ``session``'s next successful commit.

    With a ``key``, only the first callback queued under that key runs.
    """
    queued = session.info.setdefault(_KEY, {})
    queued.setdefault(key or object(), callback)


def after_rollback(session, callback: Callable[[], None]) -> None:
    """Queue ``callback`` to undo an outside effect (a stored file) if the transaction rolls back."""
    session.info.setdefault(_ROLLBACK_KEY, []).append(callback)


def _run(callbacks, when: str) -> None:
    for callback in callbacks:
        try:
            callback()
        except Exception:  # the database outcome stands; a failed side effect must not change it
            log.exception("%s task %r failed", when, callback)


def run_queued(session) -> None:
    session.info.pop(_ROLLBACK_KEY, None)
    _run(session.info.pop(_KEY, {}).values(), "after-commit")


def drop_queued(session) -> None:
    session.info.pop(_KEY, None)
    _run(session.info.pop(_ROLLBACK_KEY, []), "after-rollback")
