"""What `flask audit verify` says and keeps, in full: the line an operator reads, its exit code, and the checkpoint.

tests/audit/test_audit.py proves each kind of tampering is caught; here each answer is compared whole (which event,
why, how many verified, whether the chain or the checkpoint disagrees), so a verify that names the wrong event,
miscounts, or writes a checkpoint the next run cannot use fails.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from registry import audit
from registry.extensions import db
from registry.models import utcnow
from tests.audit.test_audit import _record, _rewrite_from, _verify, tampering
from tests.audit.test_audit_keyed_since import _bucket, _s3_app, s3  # noqa: F401 (a fixture)
from tests.foundation.test_storage import moto_s3_endpoint  # noqa: F401 (a fixture)


def _checkpoint(app) -> dict:
    with open(app.config["AUDIT_CHECKPOINT_FILE"], encoding="utf-8") as handle:
        return json.load(handle)


def _write_checkpoint(app, data) -> None:
    with open(app.config["AUDIT_CHECKPOINT_FILE"], "w", encoding="utf-8") as handle:
        handle.write(data if isinstance(data, str) else json.dumps(data))


def test_a_good_verify_prints_the_count_and_head_and_writes_both_to_the_checkpoint_and_the_log(app, runner, caplog):
    ids = _record(app, 3)
    path = app.config["AUDIT_CHECKPOINT_FILE"]
    result = _verify(runner)
    assert result.exit_code == 0
    assert result.output.splitlines()[:2] == ["ok 3 events", f"checkpoint: head event {ids[-1]}, written to {path}"]
    with app.app_context():
        head = db.session.get(audit.AuditEvent, ids[-1])
        head_hash = head.hash
    saved = _checkpoint(app)
    assert {key: saved[key] for key in ("count", "head_id", "head_hash", "first_keyed_id")} == {
        "count": 3,
        "head_id": ids[-1],
        "head_hash": head_hash,
        "first_keyed_id": ids[0],
    }
    assert abs(datetime.fromisoformat(saved["verified_at"]) - utcnow()) < timedelta(minutes=5)
    # The next run compares with it, agrees, and puts the same figures in the application log.
    with app.app_context(), caplog.at_level(logging.INFO, logger=app.logger.name):
        assert audit.verify_with_checkpoint().ok is True
    assert f"audit checkpoint: count=3 head_id={ids[-1]} head_hash={head_hash} first_keyed_id={ids[0]}" in caplog.text


def test_the_checkpoint_is_made_where_it_is_asked_for_even_in_a_new_folder(app, runner, tmp_path):
    app.config["AUDIT_CHECKPOINT_FILE"] = str(tmp_path / "kept" / "elsewhere" / "checkpoint.json")
    _record(app, 2)
    assert _verify(runner).exit_code == 0
    assert _checkpoint(app)["count"] == 2
    assert [p.name for p in (tmp_path / "kept" / "elsewhere").iterdir()] == ["checkpoint.json"]  # no partial left


def test_the_chain_breaking_says_which_event_why_and_how_many_held_before_it(app, runner):
    ids = _record(app, 4)
    with app.app_context(), tampering() as conn:
        conn.execute(sa.text("UPDATE audit_events SET action = 'nothing' WHERE id = :id"), {"id": ids[2]})
    result = _verify(runner)
    assert result.exit_code == 1
    assert result.output == (
        f"broken at event {ids[2]}: its contents do not match its hash (or AUDIT_HMAC_KEY is not the key it was"
        " written with) (2 events verified before it)\n"
    )
    with app.app_context():
        assert audit.verify_with_checkpoint() == audit.VerifyResult(
            False,
            2,
            ids[2],
            "its contents do not match its hash (or AUDIT_HMAC_KEY is not the key it was written with)",
        )


def test_a_previous_hash_that_does_not_fit_names_its_event(app, runner):
    ids = _record(app, 3)
    with app.app_context(), tampering() as conn:
        conn.execute(sa.text("UPDATE audit_events SET prev_hash = 'z' WHERE id = :id"), {"id": ids[1]})
    result = _verify(runner)
    assert result.exit_code == 1
    assert result.output == (
        f"broken at event {ids[1]}: its previous-hash does not match the event before it (1 events verified before it)\n"
    )


def test_an_unknown_hash_scheme_is_a_break(app, runner):
    ids = _record(app, 2)
    with app.app_context(), tampering() as conn:
        conn.execute(sa.text("UPDATE audit_events SET hash_scheme = 'rot13' WHERE id = :id"), {"id": ids[1]})
    result = _verify(runner)
    assert result.exit_code == 1
    assert result.output == (
        f"broken at event {ids[1]}: its hash scheme 'rot13' is unknown (1 events verified before it)\n"
    )


def test_a_cut_log_is_reported_against_the_checkpoint_which_is_kept(app, runner):
    ids = _record(app, 4)
    assert _verify(runner).exit_code == 0
    before = _checkpoint(app)
    with app.app_context(), tampering() as conn:
        conn.execute(sa.text("DELETE FROM audit_events WHERE id >= :id"), {"id": ids[2]})
    result = _verify(runner)
    path = app.config["AUDIT_CHECKPOINT_FILE"]
    assert result.exit_code == 1
    assert result.output == (
        f"broken at event {ids[-1]}: it is missing: the last verify ended the log there with 4 events, so events"
        f" were deleted from the end (the chain of 2 events is intact but disagrees with the checkpoint {path},"
        " left as it was)\n"
    )
    assert _checkpoint(app) == before


def test_a_rewritten_head_is_reported_against_the_checkpoint(app, runner):
    ids = _record(app, 3)
    assert _verify(runner).exit_code == 0
    _rewrite_from(app, ids[0], details='{"n":0}', scheme=audit.UNKEYED)  # the whole chain, without the key
    with app.app_context():
        result = audit.verify_with_checkpoint()
    assert (result.ok, result.count, result.broken_event_id, result.reason, result.against_checkpoint) == (
        False,
        3,
        ids[-1],
        "it has changed since the last verify checkpointed it",
        True,
    )


def test_fewer_events_than_an_older_checkpoint_counted_is_a_break(app, runner):
    """A checkpoint that names no head (as an empty log's does) still holds the count."""
    _record(app, 2)
    _write_checkpoint(app, {"count": 5})
    result = _verify(runner)
    path = app.config["AUDIT_CHECKPOINT_FILE"]
    assert result.exit_code == 1
    assert result.output == (
        "broken: the log now has 2 events, fewer than the 5 at the last verify (the chain of 2 events is intact but"
        f" disagrees with the checkpoint {path}, left as it was)\n"
    )
    _write_checkpoint(app, {"count": 2})  # as many as there are: fine
    assert _verify(runner).exit_code == 0


@pytest.mark.parametrize(
    "content, reason",
    [
        ('["count", 3]', "is not a checkpoint this command wrote"),
        ('{"count": "3"}', "is not a checkpoint this command wrote"),
        ('{"head_id": 1}', "is not a checkpoint this command wrote"),
        ("{not json", "cannot be read"),
    ],
)
def test_a_checkpoint_this_command_did_not_write_is_refused_and_left_alone(app, runner, content, reason):
    _record(app, 2)
    _write_checkpoint(app, content)
    path = app.config["AUDIT_CHECKPOINT_FILE"]
    result = _verify(runner)
    assert result.exit_code == 1
    assert result.output.startswith(f"broken: the checkpoint {path} {reason}")
    assert result.output.endswith(
        f"(the chain of 2 events is intact but disagrees with the checkpoint {path}, left as it was)\n"
    )
    with open(path, encoding="utf-8") as handle:
        assert handle.read() == content


def test_a_checkpoint_that_cannot_be_opened_is_a_break(app, runner, tmp_path):
    (tmp_path / "a-folder").mkdir()
    app.config["AUDIT_CHECKPOINT_FILE"] = str(tmp_path / "a-folder")
    _record(app, 1)
    result = _verify(runner)
    assert result.exit_code == 1
    assert result.output.startswith(f"broken: the checkpoint {tmp_path / 'a-folder'} cannot be read (")


@pytest.mark.parametrize(
    "value, first",
    [(None, None), ("", None), (" None ", None), ("all", 1), (" ALL ", 1), ("1234", 1234), (7, 7)],
)
def test_keyed_since_reads_all_an_event_id_or_none(value, first):
    assert audit.parse_keyed_since(value) == first


@pytest.mark.parametrize(
    "value, message",
    [
        ("some", "AUDIT_KEYED_SINCE must be 'all' or an event id, not 'some'."),
        ("0", "AUDIT_KEYED_SINCE must be 'all' or an event id of 1 or more, not 0."),
        (-3, "AUDIT_KEYED_SINCE must be 'all' or an event id of 1 or more, not -3."),
    ],
)
def test_keyed_since_refuses_anything_else(value, message):
    with pytest.raises(ValueError) as error:
        audit.parse_keyed_since(value)
    assert str(error.value) == message


def test_events_for_a_provider_newest_first_up_to_the_limit(app):
    ids = _record(app, 3)
    with app.app_context():
        assert [e.id for e in audit.events_for(provider_id=7)] == list(reversed(ids))
        assert [e.id for e in audit.events_for(provider_id=7, limit=2)] == list(reversed(ids))[:2]
        assert audit.events_for(provider_id=8) == []
        event = db.session.get(audit.AuditEvent, ids[0])
        assert (event.action, event.subject_type, event.provider_id) == ("check.approved", "User", 7)
        assert json.loads(event.details) == {"n": 0, "note": "ок"}
        assert event.details == '{"n":0,"note":"ок"}'  # canonical: sorted keys, no spaces, UTF-8 kept


# -- the checkpoint in S3 (moto's standalone server, as tests/audit/test_audit_keyed_since.py uses it) ---------------


def _disagrees(where: str, count: int) -> str:
    return f" (the chain of {count} events is intact but disagrees with the checkpoint {where}, left as it was)"


def _answer(output: str) -> str:
    """verify's own line: moto's server logs from another thread, and the CLI runner may catch those lines too."""
    return next(line for line in output.splitlines() if line.startswith(("ok ", "broken")))


def test_an_unreachable_bucket_is_named_with_s3s_own_error_code(app, runner, s3, moto_s3_endpoint):  # noqa: F811
    _s3_app(app, moto_s3_endpoint, "no-such-bucket")
    _record(app, 1)
    result = _verify(runner)
    where = "s3://no-such-bucket/audit/checkpoint.json"
    assert result.exit_code == 1
    assert _answer(result.output) == f"broken: the checkpoint {where} cannot be read (NoSuchBucket)" + _disagrees(
        where, 1
    )


@pytest.mark.parametrize(
    "body, reason",
    [(b"{not json", "cannot be read ("), (b'{"head_id": 3}', "is not a checkpoint this command wrote")],
)
def test_an_s3_checkpoint_this_command_did_not_write_is_refused_and_left_alone(
    app,
    runner,
    s3,  # noqa: F811
    moto_s3_endpoint,  # noqa: F811
    body,
    reason,
):
    bucket = _bucket(s3, locked=False)
    _s3_app(app, moto_s3_endpoint, bucket)
    s3.put_object(Bucket=bucket, Key="audit/checkpoint.json", Body=body)
    _record(app, 2)
    result = _verify(runner)
    assert result.exit_code == 1
    assert _answer(result.output).startswith(f"broken: the checkpoint s3://{bucket}/audit/checkpoint.json {reason}")
    assert s3.get_object(Bucket=bucket, Key="audit/checkpoint.json")["Body"].read() == body


def test_a_checkpoint_written_to_s3_is_json_the_next_verify_reads(app, runner, s3, moto_s3_endpoint):  # noqa: F811
    bucket = _bucket(s3, locked=False)
    _s3_app(app, moto_s3_endpoint, bucket)
    ids = _record(app, 2)
    assert _verify(runner).exit_code == 0
    stored = s3.get_object(Bucket=bucket, Key="audit/checkpoint.json")
    assert stored["ContentType"] == "application/json"
    assert json.loads(stored["Body"].read())["head_id"] == ids[-1]
    assert _answer(_verify(runner).output) == "ok 2 events"


@pytest.mark.parametrize("location", ["s3://only-a-bucket", "s3:///audit/checkpoint.json"])
def test_an_s3_address_without_a_bucket_or_a_key_is_refused(app, runner, location):
    app.config["AUDIT_CHECKPOINT"] = location
    _record(app, 1)
    result = _verify(runner)
    assert result.exit_code == 1
    assert _answer(result.output) == (
        f"broken: AUDIT_CHECKPOINT {location!r} must name a bucket and a key: s3://bucket/audit-checkpoint.json"
        + _disagrees(location, 0)
    )
