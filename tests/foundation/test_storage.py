"""The document store: a local folder, and S3 through boto3 against moto's standalone server."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import boto3
import pytest
from botocore.config import Config as BotoConfig
from moto.server import ThreadedMotoServer

from registry.extensions import db
from registry.storage import DocumentMissing, LocalDocumentStore, S3DocumentStore, StorageError, document_store, new_key
from tests.conftest import make_app

PDF = b"%PDF-1.4\n%%EOF\n"
BIG = os.urandom(200 * 1024)  # several 64 KB chunks, so streaming is visible
REGION = "eu-west-2"
DUMMY_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- local folder -----------------------------------------------------------


@pytest.fixture
def local(tmp_path) -> LocalDocumentStore:
    return LocalDocumentStore(str(tmp_path / "documents"))


def test_local_store_round_trip(local, tmp_path):
    key = new_key()
    assert not local.exists(key)
    local.put(key, BIG, "application/pdf")
    assert local.exists(key)
    chunks = list(local.open(key))
    assert len(chunks) > 1 and b"".join(chunks) == BIG
    [(listed, modified)] = local.keys()
    assert listed == key and abs(modified - datetime.now(timezone.utc)) < timedelta(minutes=1)
    local.put(key, PDF, "application/pdf")  # replacing is allowed
    assert b"".join(local.open(key)) == PDF
    local.delete(key)
    local.delete(key)  # already gone: fine
    assert not local.exists(key) and list(local.keys()) == []
    with pytest.raises(DocumentMissing, match="no longer stored"):
        local.open(key)


def test_local_store_creates_its_folder_and_lists_keys_with_slashes(tmp_path):
    store = LocalDocumentStore(str(tmp_path / "a" / "b"))
    store.put("checks/2026/11/one", PDF, "application/pdf")
    store.put("other/two", PDF, "application/pdf")
    assert sorted(key for key, _ in store.keys()) == ["checks/2026/11/one", "other/two"]


@pytest.mark.parametrize(
    "key", ["../escaped", "checks/../../escaped", "/tmp/escaped", "", ".", "checks/a\x00b", "x.part"]
)
def test_local_store_refuses_keys_that_would_escape_its_folder(local, tmp_path, key):
    for action in (
        lambda: local.put(key, PDF, "application/pdf"),
        lambda: local.open(key),
        lambda: local.exists(key),
        lambda: local.delete(key),
    ):
        with pytest.raises(StorageError, match="not valid"):
            action()
    assert [p.name for p in tmp_path.iterdir()] == ["documents"] and not (tmp_path / "escaped").exists()


def test_a_failed_local_write_leaves_nothing_behind(local, tmp_path):
    local.put("checks/a", PDF, "application/pdf")
    with pytest.raises(StorageError, match="could not be saved"):
        local.put("checks/a/b", PDF, "application/pdf")  # "checks/a" is a file, not a folder
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()) == [
        "documents/checks/a"
    ]


def test_half_written_files_are_not_listed(local, tmp_path):
    local.put("checks/a", PDF, "application/pdf")
    (tmp_path / "documents" / "checks" / "b.1234.part").write_bytes(b"%PDF-")
    assert [key for key, _ in local.keys()] == ["checks/a"]


def test_new_keys_are_generated_and_dated():
    first, second = new_key(), new_key("demo")
    now = datetime.now(timezone.utc)
    assert first.startswith(f"checks/{now:%Y/%m}/") and second.startswith(f"demo/{now:%Y/%m}/")
    assert len(first.rsplit("/", 1)[1]) == 32 and first != new_key()


# -- S3, through boto3 against moto's standalone server -----------------------


@pytest.fixture(scope="session")
def moto_s3_endpoint() -> Iterator[str]:
    """The URL of a moto S3 server on a free localhost port, for the whole session."""
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_client(moto_s3_endpoint):
    """A boto3 S3 client for the moto server, with dummy credentials passed explicitly."""
    return boto3.client("s3", region_name=REGION, endpoint_url=moto_s3_endpoint, **DUMMY_CREDENTIALS)


@pytest.fixture
def bucket(s3_client) -> str:
    """A new, empty bucket (the server outlives each test, so names are unique)."""
    name = f"registry-docs-{uuid.uuid4().hex[:12]}"
    s3_client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    return name


def test_s3_store_round_trip(s3_client, bucket):
    store = S3DocumentStore(bucket, prefix="documents/", region=REGION, client=s3_client)
    s3_client.put_object(Bucket=bucket, Key="elsewhere/not-ours", Body=b"x")  # outside the prefix
    key = new_key()
    assert not store.exists(key)
    store.put(key, BIG, "application/pdf")
    assert store.exists(key)
    chunks = list(store.open(key))
    assert len(chunks) > 1 and b"".join(chunks) == BIG
    [(listed, modified)] = store.keys()
    assert listed == key and modified.tzinfo is not None
    head = s3_client.head_object(Bucket=bucket, Key=f"documents/{key}")
    assert head["ContentType"] == "application/pdf" and head["ServerSideEncryption"] == "AES256"
    store.delete(key)
    store.delete(key)  # already gone: fine
    assert not store.exists(key) and list(store.keys()) == []
    with pytest.raises(DocumentMissing, match="no longer stored"):
        store.open(key)


def test_s3_store_lists_every_page(s3_client, bucket):
    # Ask the server for pages of two keys (S3's default page is 1,000) so five keys need three pages.
    s3_client.meta.events.register(
        "before-parameter-build.s3.ListObjectsV2", lambda params, **_: params.setdefault("MaxKeys", 2)
    )
    store = S3DocumentStore(bucket, prefix="p/", client=s3_client)
    keys = [f"checks/{n}" for n in range(5)]
    for key in keys:
        s3_client.put_object(Bucket=bucket, Key=f"p/{key}", Body=b"x")
    assert sorted(key for key, _ in store.keys()) == keys


def test_s3_store_without_encryption_still_stores(s3_client, bucket):
    store = S3DocumentStore(bucket, prefix="", server_side_encryption=None, client=s3_client)
    store.put("checks/a", PDF, "application/pdf")
    assert b"".join(store.open("checks/a")) == PDF


def test_a_missing_bucket_is_a_clear_error(s3_client):
    store = S3DocumentStore("no-such-bucket", prefix="documents/", client=s3_client)
    message = r"^The document store bucket 'no-such-bucket' does not exist\.$"
    with pytest.raises(StorageError, match=message):
        store.put("checks/a", PDF, "application/pdf")
    with pytest.raises(StorageError, match=message):
        store.open("checks/a")
    with pytest.raises(StorageError, match=message):
        list(store.keys())


def test_an_unreachable_store_is_a_clear_error():
    endpoint = f"http://127.0.0.1:{_free_port()}"  # nothing listens there
    client = boto3.client(
        "s3",
        region_name=REGION,
        endpoint_url=endpoint,
        config=BotoConfig(retries={"max_attempts": 1}, connect_timeout=2),
        **DUMMY_CREDENTIALS,
    )
    store = S3DocumentStore("docs", endpoint_url=endpoint, client=client)
    with pytest.raises(StorageError, match=f"^The document store at {endpoint} could not be reached\\.$"):
        store.put("checks/a", PDF, "application/pdf")


# -- choosing the store from configuration -------------------------------------


def _dispose(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_the_local_store_is_the_default(database_url, tmp_path):
    app = make_app(database_url, tmp_path)
    with app.app_context():
        store = document_store()
        assert isinstance(store, LocalDocumentStore) and store.root == os.path.realpath(app.config["DOCUMENTS_DIR"])
        assert document_store() is store  # built once per app
    _dispose(app)


def test_init_app_builds_the_s3_store_from_config(
    database_url, tmp_path, moto_s3_endpoint, s3_client, bucket, monkeypatch
):
    # The app builds its own client, which reads credentials from the environment.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    app = make_app(
        database_url,
        tmp_path,
        DOCUMENT_STORAGE="s3",
        S3_BUCKET=bucket,
        S3_PREFIX="docs/",
        S3_REGION=REGION,
        S3_ENDPOINT_URL=moto_s3_endpoint,
    )
    with app.app_context():
        store = document_store()
        assert isinstance(store, S3DocumentStore) and document_store() is store
        store.put("checks/a", PDF, "application/pdf")
        assert b"".join(store.open("checks/a")) == PDF
    head = s3_client.head_object(Bucket=bucket, Key="docs/checks/a")
    assert head["ServerSideEncryption"] == "AES256"
    assert not os.path.exists(app.config["DOCUMENTS_DIR"]) or os.listdir(app.config["DOCUMENTS_DIR"]) == []
    _dispose(app)


@pytest.mark.parametrize(
    "config, message",
    [
        ({"DOCUMENT_STORAGE": "gcs"}, "DOCUMENT_STORAGE must be 'local' or 's3'"),
        ({"DOCUMENT_STORAGE": "s3", "S3_BUCKET": ""}, "S3_BUCKET is not set"),
        (
            {"DOCUMENTS_DIR": os.path.join(os.path.dirname(__file__), "..", "..", "static", "documents")},
            "must not be inside the static folder",
        ),
    ],
)
def test_a_bad_storage_setting_stops_the_app_at_start(database_url, tmp_path, config, message):
    with pytest.raises(RuntimeError, match=message):
        make_app(database_url, tmp_path, **config)


# -- a store that accepts connections and never answers -----------------------


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """An HTTP endpoint that accepts every connection, reads the request and never answers."""
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                continue
            held.append(connection)  # kept open, never written to

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive()
    for connection in held:
        connection.close()
    listener.close()


SHORT_S3_TIMEOUTS = {"S3_CONNECT_TIMEOUT_SECONDS": 1, "S3_READ_TIMEOUT_SECONDS": 1, "S3_MAX_ATTEMPTS": 2}


def test_a_store_that_never_answers_fails_an_upload_within_the_configured_time(
    database_url, tmp_path, silent_endpoint, monkeypatch, app, make_provider
):
    """Two tries of a one-second read: the provider hears back in seconds, and nothing is saved."""
    import time

    from registry.checks.models import Check
    from tests.checks.conftest import add_check
    from tests.conftest import signed_in

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    make_provider("pa", name="Bo Singh", email="bo@example.com")
    s3_app = make_app(
        database_url,
        tmp_path,
        DOCUMENT_STORAGE="s3",
        S3_BUCKET="docs",
        S3_REGION=REGION,
        S3_ENDPOINT_URL=silent_endpoint,
        **SHORT_S3_TIMEOUTS,
    )
    client = signed_in(s3_app, "bo@example.com")
    started = time.monotonic()
    response = add_check(client)
    waited = time.monotonic() - started
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f"We could not store your document: The document store at {silent_endpoint} did not answer in time." in page
    assert waited < 6, f"the upload was held for {waited:.1f} s"
    with s3_app.app_context():
        assert db.session.query(Check).count() == 0  # no check row pointing at a document that is not there
        db.session.remove()
        db.engine.dispose()
