"""Run side effects only once the database change behind them is committed.

Services queue work (email, search index updates, file deletions) with
:func:`after_commit`; it runs after the surrounding transaction commits and is
dropped if it rolls back, so a failed request never emails about, indexes or
deletes something that was not saved.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask_sqlalchemy.session import Session
from sqlalchemy import event

log = logging.getLogger(__name__)
_KEY = "after_commit"


def after_commit(session, callback: Callable[[], None], key: str | None = None) -> None:
    """Queue ``callback`` to run after ``session``'s next successful commit.

    With a ``key``, only the first callback queued under that key runs.
    """
    queued = session.info.setdefault(_KEY, {})
    queued.setdefault(key or object(), callback)


@event.listens_for(Session, "after_commit")
def _run_queued(session) -> None:
    callbacks = session.info.pop(_KEY, {})
    for callback in callbacks.values():
        try:
            callback()
        except Exception:  # the data is saved; a failed side effect must not undo the request
            log.exception("after-commit task %r failed", callback)


@event.listens_for(Session, "after_rollback")
def _drop_queued(session) -> None:
    session.info.pop(_KEY, None)
