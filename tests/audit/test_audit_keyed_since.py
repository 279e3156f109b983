"""Verification fails when it cannot prove the log, and the checkpoint can live outside the instance folder.

Without a checkpoint (first run, wiped instance/), someone with the database
could rewrite every event in the old unkeyed scheme; AUDIT_KEYED_SINCE says
from which event on every event must be keyed, so that rewrite fails.
"""

import os
import socket
import uuid
from datetime import datetime, timedelta, timezone

import boto3
import pytest
import sqlalchemy as sa

from config.settings import ConfigurationError
from registry import audit, create_app
from registry.extensions import db
from tests.audit.test_audit import _record, _rewrite_from, _verify
from tests.foundation.test_storage import DUMMY_CREDENTIALS, REGION, moto_s3_endpoint  # noqa: F401 (a fixture)
from tests.security.conftest import production_config


def _add_keyed_event(app) -> int:
    with app.app_context():
        user = db.session.scalar(sa.select(audit.AuditEvent)).actor
        event = audit.record("check.rejected", user, actor_id=user.id)
        db.session.commit()
        return event.id


@pytest.mark.parametrize("app_config", [{"AUDIT_KEYED_SINCE": "all"}])
def test_a_log_rewritten_wholly_unkeyed_fails_with_no_checkpoint(app, runner):
    ids = _record(app)
    assert not os.path.exists(app.config["AUDIT_CHECKPOINT_FILE"])  # a first run, or instance/ wiped
    _rewrite_from(app, ids[0], details='{"n":0,"note":"nothing to see"}', scheme=audit.UNKEYED)
    result = _verify(runner)
    assert result.exit_code == 1
    assert f"broken at event {ids[0]}: it is unkeyed, but AUDIT_KEYED_SINCE says every event is keyed" in result.output
    assert not os.path.exists(app.config["AUDIT_CHECKPOINT_FILE"])  # nothing vouches for the rewritten log


def test_events_from_before_keying_verify_up_to_the_setting_and_a_rewrite_after_it_fails(app, runner):
    ids = _record(app)
    _rewrite_from(app, ids[0], scheme=audit.UNKEYED)  # as migration 0008 left the old events
    first_keyed = _add_keyed_event(app)
    app.config["AUDIT_KEYED_SINCE"] = str(first_keyed)
    result = _verify(runner)
    assert result.exit_code == 0 and result.output.startswith("ok 4 events")

    # The checkpoint is lost, then everything is rewritten without the key.
    os.unlink(app.config["AUDIT_CHECKPOINT_FILE"])
    _rewrite_from(app, ids[0], details='{"n":0}', scheme=audit.UNKEYED)
    result = _verify(runner)
    assert result.exit_code == 1
    assert (
        f"broken at event {first_keyed}: it is unkeyed, but AUDIT_KEYED_SINCE says every event from {first_keyed} on is keyed"
        in result.output
    )


def test_a_first_run_says_it_had_no_checkpoint_to_compare_with(app, runner):
    _record(app)
    first = _verify(runner)
    assert first.exit_code == 0 and "there was no checkpoint to compare with" in first.output
    assert "no checkpoint" not in _verify(runner).output


def test_production_keys_every_event_unless_told_otherwise_and_refuses_none(tmp_path, monkeypatch):
    monkeypatch.setenv("REGISTRY_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("AUDIT_KEYED_SINCE", raising=False)
    assert create_app(production_config()).config["AUDIT_KEYED_SINCE"] == "all"
    assert create_app(production_config(AUDIT_KEYED_SINCE="1200")).config["AUDIT_KEYED_SINCE"] == "1200"
    for refused in ("none", "", "yesterday", "0"):
        with pytest.raises(ConfigurationError, match="AUDIT_KEYED_SINCE"):
            create_app(production_config(AUDIT_KEYED_SINCE=refused))


# -- the checkpoint in S3 (moto's standalone server) ----------------------------


@pytest.fixture
def s3(moto_s3_endpoint, monkeypatch):  # noqa: F811
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    return boto3.client("s3", region_name=REGION, endpoint_url=moto_s3_endpoint, **DUMMY_CREDENTIALS)


def _bucket(s3, locked: bool) -> str:
    name = f"audit-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(
        Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION}, ObjectLockEnabledForBucket=locked
    )
    return name


def _s3_app(app, moto_s3_endpoint, bucket):  # noqa: F811
    app.config.update(
        AUDIT_CHECKPOINT=f"s3://{bucket}/audit/checkpoint.json",
        S3_ENDPOINT_URL=moto_s3_endpoint,
        S3_REGION=REGION,
        AUDIT_CHECKPOINT_RETENTION_DAYS=30,
    )


def test_the_checkpoint_is_kept_in_an_object_locked_bucket_and_still_catches_a_cut_log(
    app,
    runner,
    s3,
    moto_s3_endpoint,  # noqa: F811
):
    from tests.audit.test_audit import tampering

    bucket = _bucket(s3, locked=True)
    _s3_app(app, moto_s3_endpoint, bucket)
    ids = _record(app, 4)
    result = _verify(runner)
    assert result.exit_code == 0 and f"written to s3://{bucket}/audit/checkpoint.json" in result.output
    assert not os.path.exists(app.config["AUDIT_CHECKPOINT_FILE"])  # nothing in the instance folder

    head = s3.head_object(Bucket=bucket, Key="audit/checkpoint.json")
    assert head["ObjectLockMode"] == "COMPLIANCE"
    retained = head["ObjectLockRetainUntilDate"] - datetime.now(timezone.utc)
    assert timedelta(days=29) < retained <= timedelta(days=30)
    # The app's own credentials cannot remove the locked checkpoint.
    with pytest.raises(s3.exceptions.ClientError, match="AccessDenied"):
        s3.delete_object(Bucket=bucket, Key="audit/checkpoint.json", VersionId=head["VersionId"])

    with app.app_context(), tampering() as conn:
        conn.execute(sa.text("DELETE FROM audit_events WHERE id >= :id"), {"id": ids[2]})
    result = _verify(runner)
    assert result.exit_code == 1
    assert f"broken at event {ids[-1]}: it is missing" in result.output


def test_a_bucket_without_object_lock_still_keeps_the_checkpoint(app, runner, s3, moto_s3_endpoint):  # noqa: F811
    bucket = _bucket(s3, locked=False)
    _s3_app(app, moto_s3_endpoint, bucket)
    _record(app, 2)
    assert _verify(runner).exit_code == 0
    head = s3.head_object(Bucket=bucket, Key="audit/checkpoint.json")
    assert "ObjectLockMode" not in head
    assert "ok 2 events" in _verify(runner).output.splitlines()  # moto logs from its own thread may come first


def test_an_unreachable_checkpoint_bucket_fails_the_verify(app, runner, s3, moto_s3_endpoint):  # noqa: F811
    _s3_app(app, moto_s3_endpoint, "no-such-bucket")
    _record(app, 1)
    result = _verify(runner)
    assert result.exit_code == 1
    # What went wrong, in S3's own word for it, so an operator knows what to fix.
    assert "the checkpoint s3://no-such-bucket/audit/checkpoint.json cannot be read (NoSuchBucket)" in result.output


def test_a_checkpoint_store_that_does_not_answer_fails_the_verify_and_says_so(app, runner, s3, moto_s3_endpoint):  # noqa: F811
    bucket = _bucket(s3, locked=False)
    _s3_app(app, moto_s3_endpoint, bucket)
    _record(app, 1)
    assert _verify(runner).exit_code == 0  # positive control: the same setup verifies while S3 answers
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    app.config["S3_ENDPOINT_URL"] = closed
    result = _verify(runner)
    assert result.exit_code == 1
    assert f"the checkpoint s3://{bucket}/audit/checkpoint.json cannot be read (EndpointConnectionError)" in (
        result.output
    )
