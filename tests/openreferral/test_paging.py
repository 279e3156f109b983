"""A harvest is linear: a cursor page reads its own range of keys, never the whole feed again."""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa

from registry.extensions import db
from tests.conftest import approve_checks
from tests.openreferral.test_sync import _next, harvest

# A page of services, whatever its size: the fingerprint for conditional requests, the next provider-id window's
# end and its keys, then the services with their checks, languages and change stamps.
STATEMENTS_PER_PAGE = 8


@dataclass
class Work:
    """What the database did for one request: the statements, and how much each read."""

    statements: list[str] = field(default_factory=list)
    reads: list[int] = field(default_factory=list)

    def of_the_page(self) -> int:
        """Rows (PostgreSQL) or VM steps (SQLite) of every statement but the conditional-request fingerprint.

        The fingerprint (services.feed_version: counts and latest changes of the
        tables, asked before any page is built so that a 304 costs one query) is
        the same query on every request, cursor or not; it is left out here.
        """
        return sum(r for s, r in zip(self.statements, self.reads) if not _is_fingerprint(s))


def _is_fingerprint(statement: str) -> bool:
    return "max(feed_changes.changed_at)" in statement


def _plan_rows(node: dict) -> int:
    """Rows every node of a PostgreSQL plan produced, over all its loops."""
    own = int(node.get("Actual Rows", 0)) * int(node.get("Actual Loops", 1))
    return own + sum(_plan_rows(child) for child in node.get("Plans", []))


@pytest.fixture
def work(app):
    """``with work() as done: client.get(...)``: the statements of that request and what each read."""

    @contextmanager
    def _measure():
        with app.app_context():
            engine = db.engine
        done = Work()
        recorded: list[tuple[str, object]] = []
        sqlite = engine.dialect.name == "sqlite"
        steps = [0]
        hooked = []

        def tick():
            steps[0] += 1
            return 0

        def before(conn, _cursor, statement, parameters, *_args):
            recorded.append((statement, parameters))
            if sqlite:
                raw = conn.connection.driver_connection
                if raw not in hooked:
                    raw.set_progress_handler(tick, 1)
                    hooked.append(raw)
                done.reads.append(steps[0])  # made into a difference below

        sa.event.listen(engine, "before_cursor_execute", before)
        try:
            yield done
        finally:
            sa.event.remove(engine, "before_cursor_execute", before)
            for raw in hooked:
                raw.set_progress_handler(None, 1)
        done.statements = [s for s, _ in recorded]
        if sqlite:
            # A statement's steps run until the next one starts (SQLite steps as rows are fetched).
            marks = done.reads + [steps[0]]
            done.reads = [b - a for a, b in zip(marks, marks[1:])]
        else:
            with engine.connect() as conn:
                for statement, parameters in recorded:
                    plan = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", parameters).scalar()
                    plan = json.loads(plan) if isinstance(plan, str) else plan
                    done.reads.append(_plan_rows(plan[0]["Plan"]))

    return _measure


def _listed(app, make_provider, count: int, start: int) -> None:
    for n in range(start, start + count):
        approve_checks(app, make_provider("pa", name=f"Pat {n:02}", base_postcode="LS6 2AA"))


def test_a_cursor_page_costs_the_same_however_much_of_the_feed_lies_beyond_it(app, client, make_provider, work):
    _listed(app, make_provider, 6, 0)  # two services each
    second = _next(client.get("/openreferral/services", query_string={"per_page": 2}))
    with work() as small:
        page = client.get(second)
    assert page.status_code == 200
    assert page.get_json()["total_items"] == 12 and page.get_json()["page_number"] == 2

    _listed(app, make_provider, 18, 6)  # four times the feed, all of it after the cursor
    with work() as large:
        again = client.get(second)
    assert again.status_code == 200
    # The same page; the count is the one the harvest began with (the cursor carries it), not a new count.
    assert [s["id"] for s in again.get_json()["contents"]] == [s["id"] for s in page.get_json()["contents"]]
    assert again.get_json()["total_items"] == 12
    assert len(harvest(client)) == 48  # a new harvest counts them all

    assert len(large.statements) == len(small.statements) <= STATEMENTS_PER_PAGE
    assert not any("count(" in s.lower() for s in large.statements if not _is_fingerprint(s))
    # Reading four times the feed would be about four times the work (it was 3.4 times, counting and sorting
    # everything after the cursor again); a range read from the cursor is the same on SQLite. PostgreSQL plans
    # tables this small with hashes of a whole table (users: 1.2 times); with a feed worth paging it reads
    # index ranges only (bench/openreferral_bench.py).
    assert large.of_the_page() <= small.of_the_page() * 1.5, (small.reads, large.reads)


def test_a_full_page_after_a_cursor_is_a_bounded_number_of_statements(app, client, make_provider, work):
    _listed(app, make_provider, 6, 0)
    second = _next(client.get("/openreferral/services", query_string={"per_page": 5}))
    with work() as done:
        page = client.get(second)
    assert page.get_json()["size"] == 5
    assert len(done.statements) <= STATEMENTS_PER_PAGE


def test_a_cursor_is_signed_and_bound_to_its_query(client, app, make_provider):
    _listed(app, make_provider, 3, 0)
    second = _next(client.get("/openreferral/services", query_string={"per_page": 2}))
    cursor = second.split("cursor=")[1].split("&")[0]
    # Another filter with that cursor, or a cursor edited to claim another count, is refused by name.
    other = client.get("/openreferral/services", query_string={"per_page": 2, "cursor": cursor, "search": "Pat"})
    assert other.status_code == 400 and "cursor" in other.get_json()["error"]["fields"]
    forged = cursor[:-2] + ("AA" if cursor[-2:] != "AA" else "BB")
    assert client.get("/openreferral/services", query_string={"per_page": 2, "cursor": forged}).status_code == 400
    # per_page may change along the way.
    assert client.get("/openreferral/services", query_string={"per_page": 3, "cursor": cursor}).status_code == 200
