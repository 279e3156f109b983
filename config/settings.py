"""Configuration per environment.

``REGISTRY_ENV`` picks the class (development by default). Development is the
embedded set-up: SQLite, documents, search index and outgoing mail all under
``instance/``. Production reads everything that matters from the environment
and refuses to start without a real secret key.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

DEFAULT_SECRET_KEY = "dev-only-not-secret"
MIN_SECRET_KEY_LENGTH = 32
# Keys the audit log's hashes outside development; anyone who knows it can
# forge a chain, so production refuses this one.
DEFAULT_AUDIT_HMAC_KEY = "dev-only-audit-key-not-secret"


class ConfigurationError(RuntimeError):
    """The configuration cannot run safely."""


def _env_int(name: str, default: int) -> int:
    """A count, size or duration from the environment: a whole number, 0 or more."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number, not {raw!r}.") from None
    if value < 0:
        raise ConfigurationError(f"{name} must be 0 or more, not {value}.")
    return value


def _env_time_of_day(name: str, default: str) -> str:
    """A UTC time of day from the environment, "HH:MM"."""
    raw = os.environ.get(name, default).strip()
    hour, _, minute = raw.partition(":")
    if not (hour.isdigit() and minute.isdigit() and int(hour) < 24 and int(minute) < 60 and len(minute) == 2):
        raise ConfigurationError(f"{name} must be a time of day such as 02:00, not {raw!r}.")
    return f"{int(hour):02d}:{minute}"


class Config:
    """Defaults shared by every environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI: str | None = os.environ.get("DATABASE_URL")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # The registry's own address. Every link in an email is built from it, never
    # from the request's Host header, so a forged Host cannot poison a reset link.
    PUBLIC_URL: str | None = os.environ.get("PUBLIC_URL")
    # Extra Host names to accept besides PUBLIC_URL's (production), e.g. a load
    # balancer's health-check address.
    EXTRA_TRUSTED_HOSTS = [h.strip() for h in os.environ.get("EXTRA_TRUSTED_HOSTS", "").split(",") if h.strip()]
    # Request bodies: small everywhere, so no form or JSON post can tie up a
    # worker reading megabytes; only views marked @accepts_upload (the check
    # document) take a file, up to MAX_UPLOAD_BYTES plus room for the fields.
    MAX_CONTENT_LENGTH = _env_int("MAX_REQUEST_BYTES", 128 * 1024)
    MAX_UPLOAD_BYTES = _env_int("MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
    MAX_UPLOAD_REQUEST_BYTES = MAX_UPLOAD_BYTES + 64 * 1024

    # Where things live when no server is configured; relative to instance_path.
    DOCUMENT_STORAGE = os.environ.get("DOCUMENT_STORAGE", "local")
    DOCUMENTS_DIR = os.environ.get("DOCUMENTS_DIR")  # default: instance/documents
    S3_BUCKET = os.environ.get("S3_BUCKET")
    S3_PREFIX = os.environ.get("S3_PREFIX", "documents/")
    S3_REGION = os.environ.get("S3_REGION", "eu-west-2")
    S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL")
    S3_SERVER_SIDE_ENCRYPTION = os.environ.get("S3_SERVER_SIDE_ENCRYPTION", "AES256")
    # How long one S3 call may hold a request: connecting, each wait for the store's
    # next bytes, and how many tries in all (not retries: 2 means one retry). The
    # worst case, tries x (connect + read), stays well inside gunicorn's worker
    # timeout (deploy/gunicorn.conf.py) and a provider's patience.
    S3_CONNECT_TIMEOUT_SECONDS = float(os.environ.get("S3_CONNECT_TIMEOUT_SECONDS", "3"))
    S3_READ_TIMEOUT_SECONDS = float(os.environ.get("S3_READ_TIMEOUT_SECONDS", "8"))
    S3_MAX_ATTEMPTS = _env_int("S3_MAX_ATTEMPTS", 2)
    SEARCH_INDEX_DIR = os.environ.get("SEARCH_INDEX_DIR")  # default: instance/search-index
    # How long a request waits for another process's index write before leaving it to the next sync.
    SEARCH_LOCK_TIMEOUT = float(os.environ.get("SEARCH_LOCK_TIMEOUT", "0.5"))
    # A search first applies outbox rows other nodes wrote, at most this often (seconds).
    SEARCH_CATCHUP_SECONDS = float(os.environ.get("SEARCH_CATCHUP_SECONDS", "1"))
    # Search results each worker keeps for repeated queries, dropped whenever the index changes (0: none).
    SEARCH_RESULT_CACHE_SIZE = _env_int("SEARCH_RESULT_CACHE_SIZE", 512)
    # A gap in outbox ids older than this is a rolled-back transaction, not one still open.
    SEARCH_OUTBOX_SETTLE_SECONDS = float(os.environ.get("SEARCH_OUTBOX_SETTLE_SECONDS", "60"))
    # Applied outbox rows are kept this long; a node further behind must rebuild its index.
    SEARCH_OUTBOX_RETENTION_DAYS = _env_int("SEARCH_OUTBOX_RETENTION_DAYS", 7)
    MAIL_OUTBOX_DIR = os.environ.get("MAIL_OUTBOX_DIR")  # default: instance/outbox
    # The audit log's hashes are HMAC-SHA256 with this key, which must live outside
    # the database (environment / secret store), so database access alone cannot
    # rewrite an event and recompute a hash that fits.
    AUDIT_HMAC_KEY = os.environ.get("AUDIT_HMAC_KEY", DEFAULT_AUDIT_HMAC_KEY)
    # What `flask audit verify` saw last (count, head id and hash), kept outside the
    # database so a log cut short is noticed. AUDIT_CHECKPOINT is a path or an
    # s3://bucket/key address (written with Object Lock retention when the bucket
    # has it on); AUDIT_CHECKPOINT_FILE is its older name. Default: instance/audit-checkpoint.json.
    AUDIT_CHECKPOINT = os.environ.get("AUDIT_CHECKPOINT")
    AUDIT_CHECKPOINT_FILE = os.environ.get("AUDIT_CHECKPOINT_FILE")
    # The checkpoint bucket's endpoint, when not S3_ENDPOINT_URL's (an S3-compatible store).
    AUDIT_CHECKPOINT_S3_ENDPOINT_URL = os.environ.get("AUDIT_CHECKPOINT_S3_ENDPOINT_URL")
    AUDIT_CHECKPOINT_RETENTION_DAYS = _env_int("AUDIT_CHECKPOINT_RETENTION_DAYS", 400)
    AUDIT_CHECKPOINT_LOCK_MODE = os.environ.get("AUDIT_CHECKPOINT_LOCK_MODE", "COMPLIANCE")
    # From which audit event on every event must be keyed: "all", or the id of the
    # first event written after the log was keyed (older, unkeyed events before it
    # still verify). Unset accepts unkeyed events before the first keyed one
    # (development); production defaults to "all" and refuses "none".
    AUDIT_KEYED_SINCE = os.environ.get("AUDIT_KEYED_SINCE")
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = _env_int("MAIL_PORT", 587)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "1") == "1"
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "Trusted Care Registry <no-reply@trustedcare.example>")
    # Where people write for help, data-protection requests and accessibility problems (the help, privacy and accessibility pages).
    CONTACT_EMAIL = os.environ.get("CONTACT_EMAIL", "help@trustedcare.example")
    MAIL_TIMEOUT = float(
        os.environ.get("MAIL_TIMEOUT", "10")
    )  # seconds per SMTP connection (the worker's, never a request's)
    MAIL_MAX_ATTEMPTS = _env_int("MAIL_MAX_ATTEMPTS", 12)  # then the email is marked failed and shown to officers
    # Stored copies of sent (or given-up) email are deleted this long after sending (the privacy notice says so).
    MAIL_RETENTION_DAYS = _env_int("MAIL_RETENTION_DAYS", 30)
    # The Open Referral feed reports a withdrawn service at /openreferral/deletions for this long.
    OPENREFERRAL_DELETIONS_RETENTION_DAYS = _env_int("OPENREFERRAL_DELETIONS_RETENTION_DAYS", 90)
    # /openreferral/services?format=ndjson reads and sends the services of this many providers at a time
    # (its memory is one such batch, whatever the size of the feed).
    OPENREFERRAL_EXPORT_BATCH = _env_int("OPENREFERRAL_EXPORT_BATCH", 500)
    # /readyz: a job is stale once its last success is older than this many intervals (plus a minute).
    WORKER_STALE_FACTOR = float(os.environ.get("WORKER_STALE_FACTOR", "3"))
    # /readyz: not ready when a change has waited this long without reaching this node's index.
    READY_SEARCH_LAG_SECONDS = _env_int("READY_SEARCH_LAG_SECONDS", 120)

    # A form's token lasts as long as the session, so a form left open while
    # someone fetches their DBS certificate still saves (Flask-WTF's default is an hour).
    WTF_CSRF_TIME_LIMIT = None
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    # If Redis goes away, count in this process's memory instead of failing
    # every limited request; a short timeout keeps a hung Redis from stalling pages.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    # Prometheus scrapes /metrics with "Authorization: Bearer <METRICS_TOKEN>". Unset: /metrics is a 404.
    METRICS_TOKEN: str | None = os.environ.get("METRICS_TOKEN") or None
    # Logs: "json" (one object a line, for a log collector) or "text" (for a person at a terminal).
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
    # Take the request id from an incoming X-Request-ID header (when it looks like one) instead of making one.
    # Only behind a proxy that sets the header on every request itself, or clients choose what the logs say.
    TRUST_REQUEST_ID_HEADER = os.environ.get("TRUST_REQUEST_ID_HEADER", "").lower() in ("1", "true", "yes")
    # How many reverse proxies (load balancer, TLS terminator) stand in front of
    # the app: their X-Forwarded-For / -Proto entries are believed, no others.
    TRUSTED_PROXY_COUNT = _env_int("TRUSTED_PROXY_COUNT", 0)
    # Anonymous reads, per client address, counted in units: a request is one unit per 100 items it asks for
    # (per_page; at least one), so a page of 1,000 weighs ten. The JSON API and the Open Referral feed are
    # counted apart; a client past its share gets 429 with Retry-After, and nobody else notices.
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "300 per minute")
    OPENREFERRAL_RATE_LIMIT = os.environ.get("OPENREFERRAL_RATE_LIMIT", "600 per minute")
    # The whole feed as one ndjson response (minutes of a worker): per client address, besides the feed's limit.
    OPENREFERRAL_EXPORT_RATE_LIMIT = os.environ.get("OPENREFERRAL_EXPORT_RATE_LIMIT", "6 per hour")
    SIGN_IN_RATE_LIMIT = os.environ.get("SIGN_IN_RATE_LIMIT", "10 per minute")
    # Failed sign-ins on one account from one client address: that pair alone is stopped.
    SIGN_IN_ACCOUNT_ADDRESS_RATE_LIMIT = os.environ.get("SIGN_IN_ACCOUNT_ADDRESS_RATE_LIMIT", "10 per hour")
    # Failed sign-ins on one account (normalised email) from any address. It stops
    # only browsers the account has never signed in on: the owner's own browser
    # (its device cookie) still gets in, so strangers cannot lock anyone out.
    SIGN_IN_EMAIL_RATE_LIMIT = os.environ.get("SIGN_IN_EMAIL_RATE_LIMIT", "20 per hour")
    # Second-factor codes tried per account and client address.
    SECOND_FACTOR_RATE_LIMIT = os.environ.get("SECOND_FACTOR_RATE_LIMIT", "10 per 5 minutes")
    # Wrong second-factor codes per account from any address (only someone with the password gets this far).
    SECOND_FACTOR_ACCOUNT_RATE_LIMIT = os.environ.get("SECOND_FACTOR_ACCOUNT_RATE_LIMIT", "20 per hour")
    # Staff (officers, admins, commissioners): the password opens only the
    # second-factor page, for this long; then the session ends after this long
    # without a request, and after this long in all, whatever the activity.
    SECOND_FACTOR_PENDING_MINUTES = _env_int("SECOND_FACTOR_PENDING_MINUTES", 10)
    STAFF_IDLE_MINUTES = _env_int("STAFF_IDLE_MINUTES", 30)
    STAFF_SESSION_HOURS = _env_int("STAFF_SESSION_HOURS", 12)
    # One-time recovery codes given at enrolment (each works once).
    RECOVERY_CODE_COUNT = _env_int("RECOVERY_CODE_COUNT", 10)
    SIGN_UP_RATE_LIMIT = os.environ.get("SIGN_UP_RATE_LIMIT", "5 per minute")
    # Password-reset requests, per client address and per normalised email: a
    # stranger cannot fill someone's inbox with reset emails from many addresses.
    PASSWORD_RESET_RATE_LIMIT = os.environ.get("PASSWORD_RESET_RATE_LIMIT", "5 per minute")
    PASSWORD_RESET_EMAIL_RATE_LIMIT = os.environ.get("PASSWORD_RESET_EMAIL_RATE_LIMIT", "5 per hour")

    PASSWORD_RESET_MAX_AGE = _env_int("PASSWORD_RESET_MAX_AGE", 3600)  # seconds
    VERIFY_EMAIL_MAX_AGE = _env_int("VERIFY_EMAIL_MAX_AGE", 7 * 24 * 3600)  # seconds a confirmation link works
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 30
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # A random id given to a browser when someone signs in on it, so a provider
    # reviewing itself from a second account on the same device is noticed.
    DEVICE_COOKIE_NAME = "device"
    DEVICE_COOKIE_DAYS = _env_int("DEVICE_COOKIE_DAYS", 2 * 365)

    # Trust model settings (DESIGN.md, "The trust model").
    DBS_RECHECK_DAYS = _env_int("DBS_RECHECK_DAYS", 3 * 365)
    CHECK_REMINDER_DAYS = _env_int("CHECK_REMINDER_DAYS", 30)
    DOCUMENT_RETENTION_DAYS = _env_int("DOCUMENT_RETENTION_DAYS", 180)
    REVIEW_TARGET_DAYS = _env_int("REVIEW_TARGET_DAYS", 5)
    # The person supported (or whoever arranges their care) confirms a visit, or says late or missed, within
    # this many days of it; the provider records it within the same window. Later, it stays unconfirmed.
    VISIT_CONFIRM_DAYS = _env_int("VISIT_CONFIRM_DAYS", 7)
    # "Raise a concern about missed visits" appears once the person's side has this many visits missed, not come to
    # or disputed within the window (days, ending today).
    MISSED_VISITS_CONCERN_MIN = _env_int("MISSED_VISITS_CONCERN_MIN", 2)
    MISSED_VISITS_WINDOW_DAYS = _env_int("MISSED_VISITS_WINDOW_DAYS", 28)
    # Reliability from the records (issue 23, part 5): "Kept 97 % of 412 confirmed visits" shows once a provider
    # has at least this many confirmed visits in the last 12 months, and "usually replies within 4 hours" once it
    # has at least this many enquiries in that time. Below them the figure is not shown, and best match gives
    # the neutral value. Changing either needs `flask search rebuild` for best match to follow.
    RELIABILITY_MIN_VISITS = _env_int("RELIABILITY_MIN_VISITS", 20)
    REPLY_TIME_MIN_ENQUIRIES = _env_int("REPLY_TIME_MIN_ENQUIRIES", 5)
    # DBS Update Service status checks (DESIGN.md, trust model 9). Unset URL: status checks are off and
    # the registry works as before. The live service is https://secure.crbonline.gov.uk (no key).
    DBS_STATUS_CHECK_URL = os.environ.get("DBS_STATUS_CHECK_URL") or None
    # Each consented certificate is re-checked this often, spread over the period.
    DBS_STATUS_CHECK_DAYS = _env_int("DBS_STATUS_CHECK_DAYS", 30)
    # A status check saying "no new information" keeps the certificate current this long (two rounds,
    # so one failed round does not delist anyone).
    DBS_STATUS_CHECK_VALID_DAYS = _env_int("DBS_STATUS_CHECK_VALID_DAYS", 60)
    # After "no match" (often a lapsed subscription) the check lapses this many days later unless a later check succeeds.
    DBS_NO_MATCH_GRACE_DAYS = _env_int("DBS_NO_MATCH_GRACE_DAYS", 14)
    # The worker's rate: at most this many status checks a minute, registry-wide.
    DBS_STATUS_CHECKS_PER_MINUTE = _env_int("DBS_STATUS_CHECKS_PER_MINUTE", 20)
    # After a failed attempt a certificate waits this long, doubling on each failure (at most a day).
    DBS_STATUS_CHECK_RETRY_MINUTES = _env_int("DBS_STATUS_CHECK_RETRY_MINUTES", 15)
    DBS_STATUS_CHECK_TIMEOUT_SECONDS = float(os.environ.get("DBS_STATUS_CHECK_TIMEOUT_SECONDS", "10"))
    # OpenSSL cipher string for the connection; the live service needs an old security level:
    # "DEFAULT:@SECLEVEL=1". Empty: Python's defaults.
    DBS_STATUS_CHECK_TLS_CIPHERS = os.environ.get("DBS_STATUS_CHECK_TLS_CIPHERS", "")
    # Who asks, as the DBS terms require: the organisation, and the person for automatic checks
    # (an officer's own name for the checks they run).
    DBS_STATUS_CHECK_ORGANISATION = os.environ.get("DBS_STATUS_CHECK_ORGANISATION", "Trusted Care Registry")
    DBS_STATUS_CHECK_EMPLOYEE_FORENAME = os.environ.get("DBS_STATUS_CHECK_EMPLOYEE_FORENAME", "Registry")
    DBS_STATUS_CHECK_EMPLOYEE_SURNAME = os.environ.get("DBS_STATUS_CHECK_EMPLOYEE_SURNAME", "Safeguarding")
    # Reviews: the score out of 10 is a Bayesian average pulled towards PRIOR_MEAN
    # as if PRIOR_WEIGHT reviews of that score had already been given.
    REVIEW_PRIOR_MEAN = float(os.environ.get("REVIEW_PRIOR_MEAN", "7.0"))
    REVIEW_PRIOR_WEIGHT = float(os.environ.get("REVIEW_PRIOR_WEIGHT", "5"))
    REVIEW_EDIT_DAYS = _env_int("REVIEW_EDIT_DAYS", 14)
    # A review written this soon after the enquiry (or invitation) that led to
    # it, by an account sharing the provider's own email domain, waits for an officer.
    SELF_REVIEW_LOOP_MINUTES = _env_int("SELF_REVIEW_LOOP_MINUTES", 60)
    # Domains anyone can get an address at: sharing one says nothing about who you are.
    PUBLIC_EMAIL_DOMAINS = [
        d.strip().lower()
        for d in os.environ.get(
            "PUBLIC_EMAIL_DOMAINS",
            "gmail.com,googlemail.com,outlook.com,hotmail.com,hotmail.co.uk,live.com,live.co.uk,msn.com,"
            "yahoo.com,yahoo.co.uk,ymail.com,icloud.com,me.com,mac.com,aol.com,aol.co.uk,btinternet.com,"
            "sky.com,virginmedia.com,talktalk.net,ntlworld.com,protonmail.com,proton.me,gmx.com,gmx.co.uk,mail.com,zoho.com",
        ).split(",")
        if d.strip()
    ]
    INVITATION_MAX_AGE_DAYS = _env_int("INVITATION_MAX_AGE_DAYS", 14)
    INVITATIONS_PER_DAY = _env_int("INVITATIONS_PER_DAY", 20)  # per provider, so invitations cannot be used to spam
    ENQUIRY_RATE_LIMIT = os.environ.get("ENQUIRY_RATE_LIMIT", "20 per hour")  # per signed-in account
    CONCERN_RATE_LIMIT = os.environ.get("CONCERN_RATE_LIMIT", "20 per hour")
    # A review containing one of these is held for officers and opens a concern.
    CONCERN_WARNING_PHRASES = [
        p.strip()
        for p in os.environ.get(
            "CONCERN_WARNING_PHRASES",
            "hit,hits,hitting,slapped,pushed,stole,stolen,shouted at,bruise,bruises,bruised,locked in,"
            "took money,taking money,threatened,neglected,left alone all day,abuse,abused",
        ).split(",")
        if p.strip()
    ]
    # CQC registration and ratings, re-asked nightly (README "CQC registration and ratings").
    # Without CQC_API_URL the sync is off and the registry works from officers' checks alone.
    CQC_API_URL = os.environ.get("CQC_API_URL")  # e.g. https://api.service.cqc.org.uk/public/v1
    CQC_API_KEY = os.environ.get("CQC_API_KEY")  # the Ocp-Apim-Subscription-Key
    CQC_USER_AGENT = os.environ.get("CQC_USER_AGENT", "TrustedCareRegistry/1.0 (care registry; CQC sync)")
    CQC_SYNC_AT = _env_time_of_day("CQC_SYNC_AT", "02:00")  # UTC time of day the nightly sync starts
    CQC_TIMEOUT_SECONDS = float(os.environ.get("CQC_TIMEOUT_SECONDS", "10"))
    CQC_MAX_ATTEMPTS = _env_int("CQC_MAX_ATTEMPTS", 4)  # tries per call when the API answers 429
    CQC_MAX_RETRY_AFTER_SECONDS = _env_int("CQC_MAX_RETRY_AFTER_SECONDS", 60)
    CQC_MAX_BODY_BYTES = _env_int("CQC_MAX_BODY_BYTES", 1024 * 1024)
    CQC_PAGE_SIZE = _env_int("CQC_PAGE_SIZE", 500)  # changes per page
    CQC_FULL_REFRESH_DAYS = _env_int("CQC_FULL_REFRESH_DAYS", 7)
    CQC_CHANGES_OVERLAP_MINUTES = _env_int(
        "CQC_CHANGES_OVERLAP_MINUTES", 60
    )  # each night re-reads the last hour  # ask again at least this often, changed or not

    # How long an approval lasts for kinds without their own end date (days from the decision).
    CHECK_VALIDITY_DAYS = {
        "identity": 5 * 365,
        "right_to_work": 365,
        "qualification": 5 * 365,
        "cqc": 365,
        # Other nations' care regulators: confirmed on their public registers, not synced (yet).
        "care_inspectorate": 365,
        "ciw": 365,
        "rqia": 365,
        "food_hygiene": 2 * 365,
        "first_aid": 3 * 365,
        "reference": 3 * 365,
    }


class DevelopmentConfig(Config):
    """Embedded defaults: runs with nothing installed but Python (``make run``, the demo).

    Development here means "on your own machine", not "debugging": the demo
    shows the same error pages, headers and compression as production, so
    what people try is what they get. ``FLASK_DEBUG=1 make run`` turns on
    Flask's debugger and reloader when you want them.
    """

    DEBUG = False
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000")


class TestingConfig(Config):
    """Used by the test suite; the database URL comes from the fixture."""

    TESTING = True
    SECRET_KEY = "testing-secret-key"
    PUBLIC_URL = "http://registry.test"
    WTF_CSRF_ENABLED = False  # the CSRF test switches it back on
    RATELIMIT_ENABLED = False  # the rate-limit test switches it back on
    ARGON2_FAST = True  # cheap hashing parameters keep the suite quick
    # Test accounts are unrelated people at example.com, as real ones are at
    # gmail.com; the self-review tests give a provider its own domain.
    PUBLIC_EMAIL_DOMAINS = [*Config.PUBLIC_EMAIL_DOMAINS, "example.com"]
    # Each test's outbox ids start where the last test's ended; no transaction is ever left open.
    SEARCH_OUTBOX_SETTLE_SECONDS = 0.0


class ProductionConfig(Config):
    """Everything from the environment; fails fast on a missing secret."""

    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    # Browsers remember to use https only; production is only ever served over TLS.
    HSTS_SECONDS = _env_int("HSTS_SECONDS", 365 * 24 * 3600)
    # No default: behind a proxy, 0 would make every client look like the proxy.
    TRUSTED_PROXY_COUNT = int(os.environ["TRUSTED_PROXY_COUNT"]) if os.environ.get("TRUSTED_PROXY_COUNT") else None
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
    # Every audit event must be keyed unless told from which event on.
    AUDIT_KEYED_SINCE = os.environ.get("AUDIT_KEYED_SINCE", "all")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def check_production(config: dict) -> None:
    """Refuse to start production with a missing or default secret or database.

    Runs on the configuration as given, before any embedded default (SQLite in
    ``instance/``) is filled in, so a forgotten ``DATABASE_URL`` stops the
    start instead of quietly serving an empty local database.
    """
    secret = config.get("SECRET_KEY")
    if secret in (None, "", DEFAULT_SECRET_KEY):
        raise ConfigurationError("SECRET_KEY must be set to a real secret in production.")
    if len(secret) < MIN_SECRET_KEY_LENGTH:
        raise ConfigurationError(
            f"SECRET_KEY is too short: use at least {MIN_SECRET_KEY_LENGTH} random characters "
            "(python -c 'import secrets; print(secrets.token_urlsafe(48))')."
        )
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        raise ConfigurationError("DATABASE_URL must be set in production.")
    public_url = config.get("PUBLIC_URL")
    if not public_url:
        raise ConfigurationError("PUBLIC_URL must be set in production, e.g. https://registry.example.org.")
    parts = urlsplit(public_url)
    if parts.scheme != "https" or not parts.hostname:
        raise ConfigurationError("PUBLIC_URL must be an https:// address in production.")
    if str(config.get("RATELIMIT_STORAGE_URI") or "memory://").startswith("memory://"):
        raise ConfigurationError(
            "RATELIMIT_STORAGE_URI must name a shared store such as redis://host:6379 in production: "
            "in-memory limits are per process, so every worker would grant its own attempts."
        )
    if config.get("TRUSTED_PROXY_COUNT") is None:
        raise ConfigurationError(
            "TRUSTED_PROXY_COUNT must be set in production: the number of proxies in front of the app "
            "(1 behind one load balancer, 0 when clients connect directly)."
        )
    audit_key = config.get("AUDIT_HMAC_KEY")
    if audit_key in (None, "", DEFAULT_AUDIT_HMAC_KEY) or audit_key == secret:
        raise ConfigurationError(
            "AUDIT_HMAC_KEY must be set to its own secret in production (not the SECRET_KEY): "
            "it keys the audit log's hashes and must stay outside the database."
        )
    if len(audit_key) < MIN_SECRET_KEY_LENGTH:
        raise ConfigurationError(
            f"AUDIT_HMAC_KEY is too short: use at least {MIN_SECRET_KEY_LENGTH} random characters."
        )
    metrics_token = config.get("METRICS_TOKEN")
    if metrics_token and len(metrics_token) < MIN_SECRET_KEY_LENGTH:
        raise ConfigurationError(
            f"METRICS_TOKEN is too short: use at least {MIN_SECRET_KEY_LENGTH} random characters (or leave it "
            "unset to turn /metrics off)."
        )
    keyed_since = str(config.get("AUDIT_KEYED_SINCE") or "").strip().lower()
    if keyed_since != "all" and not (keyed_since.isdigit() and int(keyed_since) >= 1):
        raise ConfigurationError(
            "AUDIT_KEYED_SINCE must be 'all' or the id of the first keyed audit event in production: "
            "without it, a log rewritten wholly in the old unkeyed scheme would verify whenever the "
            "checkpoint is missing."
        )
    cqc_url = config.get("CQC_API_URL")
    if cqc_url and (urlsplit(cqc_url).scheme != "https" or not config.get("CQC_API_KEY")):
        raise ConfigurationError(
            "CQC_API_URL must be an https:// address and CQC_API_KEY its subscription key in production "
            "(leave CQC_API_URL unset to turn the CQC sync off)."
        )


def public_host(public_url: str) -> str:
    """The host name ``PUBLIC_URL`` names (Flask's TRUSTED_HOSTS ignores ports)."""
    return urlsplit(public_url).hostname or ""
