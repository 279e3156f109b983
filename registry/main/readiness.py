"""What /readyz reports: whether this node can serve recipients truthfully."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from registry.extensions import db
from registry.models import utcnow


def readiness(app: Flask) -> dict:
    """Each part's state, and ``status`` "ready" only when every part is fine."""
    from registry.jobs import job_status
    from registry.searching.models import SearchOutboxEntry
    from registry.searching.services import search_index

    report: dict = {"database": "ok", "search_index": "ok", "worker": "ok"}
    index = search_index()
    try:
        index.count()
    except Exception as error:  # any failure to answer is "not ready", never a 500
        report["search_index"] = f"not answering: {type(error).__name__}"
    try:
        with Session(db.engine) as session:
            session.execute(text("SELECT 1"))
            waiting = session.scalar(
                select(func.min(SearchOutboxEntry.created_at)).where(SearchOutboxEntry.id > index.applied_mark())
            )
            jobs = job_status(session)
    except SQLAlchemyError:
        return {**report, "database": "unreachable", "worker": "unknown", "status": "unavailable"}
    if waiting is not None:
        lag = (utcnow() - waiting).total_seconds()
        report["search_lag_seconds"] = round(lag)
        if lag > app.config["READY_SEARCH_LAG_SECONDS"] and report["search_index"] == "ok":
            report["search_index"] = "behind"
    report["jobs"] = {
        job["name"]: {
            "last_success_at": job["last_success_at"].isoformat() if job["last_success_at"] else None,
            "fresh": job["fresh"],
        }
        for job in jobs
    }
    if not any(job["fresh"] for job in jobs):
        report["worker"] = "not seen recently"
    elif not all(job["fresh"] for job in jobs):
        report["worker"] = "some jobs are late: " + ", ".join(job["name"] for job in jobs if not job["fresh"])
    ok = report["database"] == "ok" and report["search_index"] == "ok" and report["worker"] == "ok"
    report["status"] = "ready" if ok else "unavailable"
    return report
