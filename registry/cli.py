"""``flask`` commands: thin wrappers around services."""

from __future__ import annotations

import os
import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from registry.extensions import db

users_cli = AppGroup("users", help="Manage accounts.")
demo_cli = AppGroup("demo", help="Demo data.")
audit_cli = AppGroup("audit", help="The audit log.")
search_cli = AppGroup("search", help="The search index.")
checks_cli = AppGroup("checks", help="Background checks.")
documents_cli = AppGroup("documents", help="Check documents.")
mail_cli = AppGroup("mail", help="Outgoing email.")
cqc_cli = AppGroup("cqc", help="CQC registrations and ratings.")


def _as_of(value: str | None):
    from datetime import date

    from registry.models import today

    if value is None:
        return today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use YYYY-MM-DD", param_hint="--as-of") from None


@checks_cli.command("expire")
@click.option("--as-of", "as_of", help="Pretend today is this date (YYYY-MM-DD).")
def checks_expire_command(as_of: str | None) -> None:
    """Lapse checks past their valid-until date and send reminders; safe to run twice."""
    from registry.checks.services import expire

    report = expire(_as_of(as_of))
    db.session.commit()
    click.echo(f"{report.lapsed} checks lapsed, {report.reminded} reminders sent.")


@documents_cli.command("purge")
@click.option("--as-of", "as_of", help="Pretend today is this date (YYYY-MM-DD).")
def documents_purge_command(as_of: str | None) -> None:
    """Delete decided checks' documents past the retention period, and orphan files."""
    from datetime import datetime, time, timezone

    from registry.checks.services import purge_documents

    moment = (
        datetime.combine(_as_of(as_of), time(23, 59, 59), tzinfo=timezone.utc) if as_of else datetime.now(timezone.utc)
    )
    report = purge_documents(moment)
    db.session.commit()
    click.echo(f"{report.purged} documents deleted under the retention policy, {report.orphans} orphan files removed.")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(["officer", "admin"]), required=True)
@click.option("--name", default=None, help="Display name (defaults to the email's local part).")
@click.password_option(help="Asked for when not given.")
def create_user_command(email: str, role: str, name: str | None, password: str) -> None:
    """Create an officer or admin account (they never self-register)."""
    from registry.accounts import services

    if len(password) < services.MIN_PASSWORD_LENGTH:
        raise click.UsageError(f"The password needs at least {services.MIN_PASSWORD_LENGTH} characters.")
    try:
        user = services.create_user(email, password, name or email.split("@")[0], role)
    except services.AccountError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Created {role} {user.email}.")


@users_cli.command("deactivate")
@click.argument("email")
def deactivate_user_command(email: str) -> None:
    """Deactivate an account: it cannot sign in, every session ends now, its past actions stay attributed (audited)."""
    from registry.accounts import services

    user = services.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account has the email {email}.")
    try:
        services.deactivate_account(user, actor=None, how="flask users deactivate")
    except services.AccountError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Deactivated {user.email} ({user.role}): signed out everywhere and unable to sign in.")


@users_cli.command("export")
@click.argument("email")
@click.option(
    "--output", type=click.Path(dir_okay=False, writable=True), help="Write the JSON here instead of printing it."
)
def export_user_command(email: str, output: str | None) -> None:
    """Everything the registry holds about an account, as JSON, for a request made by email (audited)."""
    import json

    from registry.accounts.models import SELF_SERVICE_ROLES
    from registry.accounts.services import find_user_by_email
    from registry.datarights import services

    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account has the email {email}.")
    if user.role not in SELF_SERVICE_ROLES:
        raise click.ClickException("Only recipients', family members' and providers' accounts are exported this way.")
    text = json.dumps(services.export_data(user), indent=2, ensure_ascii=False)
    services.record_export(user, actor=None, how="flask users export")
    db.session.commit()
    if output:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
        click.echo(f"Wrote {output}.", err=True)
    else:
        click.echo(text)


@users_cli.command("erase")
@click.argument("email")
@click.option(
    "--reviews",
    type=click.Choice(["keep", "remove"]),
    default="keep",
    show_default=True,
    help="keep: their reviews stay, by 'a former user'; remove: they go and scores are recomputed.",
)
@click.confirmation_option(prompt="Close this account and erase its data? This cannot be undone.")
def erase_user_command(email: str, reviews: str) -> None:
    """Close an account and erase its data, as the account page does, for a request made by email (audited)."""
    from registry.accounts.services import find_user_by_email
    from registry.datarights import services

    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account has the email {email}.")
    try:
        report = services.erase_account(user, actor=None, reviews=reviews, how="flask users erase")
    except services.DataRightsError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(
        f"Erased the {report.role} account: {report.people} people, {report.messages} messages, "
        f"{report.reviews_removed} reviews removed and {report.reviews_kept} kept, {report.emails} stored emails, "
        f"{report.documents} documents deleted."
    )


@demo_cli.command("seed")
@click.option("--if-empty", is_flag=True, help="Do nothing when providers already exist.")
@click.option(
    "--cities",
    default=12,
    show_default=True,
    type=click.IntRange(0, 12),
    help="How many major cities get a full core of providers.",
)
@click.option(
    "--providers",
    "provider_count",
    default=250,
    show_default=True,
    type=click.IntRange(0),
    help="Providers spread over the rest of the country.",
)
def seed_command(if_empty: bool, cities: int, provider_count: int) -> None:
    """Create a believable demo dataset (safe to run twice). Refused under the production configuration."""
    from registry import demo

    if current_app.config.get("REGISTRY_ENV") == "production":
        raise click.ClickException(
            "flask demo seed does not run under the production configuration (REGISTRY_ENV=production): "
            "it makes up providers with approved checks and officer and admin accounts whose password "
            "is published in the source. Seed a development or staging database instead."
        )
    if if_empty and demo.has_providers():
        click.echo("The database already has providers; not seeding.")
        return
    plans = demo.plan(cities=cities, spread=provider_count)
    # Demo people have made-up addresses: write none of the seed's thousand emails.
    current_app.config["MAIL_SUPPRESS"] = True
    try:
        with click.progressbar(length=len(plans), label="Seeding demo providers", file=sys.stderr) as bar:
            summary = demo.seed(plans, progress=bar.update)
        db.session.commit()
    finally:
        current_app.config["MAIL_SUPPRESS"] = False
    for line in summary:
        click.echo(line)


@audit_cli.command("verify")
def audit_verify_command() -> None:
    """Check the audit log's keyed hash chain against the last checkpoint; exits 1 at the first break.

    On success it writes a new checkpoint (event count, head id and hash) to
    AUDIT_CHECKPOINT (a path or s3:// address) and the log, so the next run notices
    events cut off the end. Unkeyed events from AUDIT_KEYED_SINCE on are a break.
    """
    from registry import audit

    path = audit.checkpoint_path()
    result = audit.verify_with_checkpoint(path)
    if result.ok:
        click.echo(f"ok {result.count} events")
        click.echo(f"checkpoint: head event {result.head_id}, written to {path}")
        if result.first_checkpoint:
            click.echo(
                "note: there was no checkpoint to compare with (a first run, or it was lost), so events "
                "cut off the end could not be noticed this time; keep the checkpoint somewhere lasting (AUDIT_CHECKPOINT)"
            )
        return
    where = f"broken at event {result.broken_event_id}" if result.broken_event_id is not None else "broken"
    if result.against_checkpoint:
        detail = (
            f"the chain of {result.count} events is intact but disagrees with the checkpoint {path}, left as it was"
        )
    else:
        detail = f"{result.count} events verified before it"
    click.echo(f"{where}: {result.reason} ({detail})")
    raise SystemExit(1)


@search_cli.command("sync")
def search_sync_command() -> None:
    """Apply outbox rows this node's index has not applied yet, and prune old rows."""
    from flask import current_app

    from registry.searching import services
    from searchindex import IndexLocked

    try:
        count = services.sync_pending(db.session, services.search_index())
    except IndexLocked as error:
        raise click.ClickException(f"{error}; the rows stay pending, try again shortly.") from None
    pruned = services.prune_outbox(db.session, current_app.config["SEARCH_OUTBOX_RETENTION_DAYS"])
    click.echo(f"Updated {count} providers in the search index; pruned {pruned} old outbox rows.")


# Below this many providers a second indexing process costs more to start than it saves.
PARALLEL_REBUILD_FROM = 20_000


@search_cli.command("rebuild")
@click.option(
    "--procs",
    type=click.IntRange(1, 16),
    help="Processes that read and index a share of the providers each. "
    f"Default: one per core, up to 4, from {PARALLEL_REBUILD_FROM:,} listed providers; one below that.",
)
def search_rebuild_command(procs: int | None) -> None:
    """Build a fresh index from the database and swap it in; searches keep answering."""
    from registry.searching import services

    listed = services.listed_count(db.session)
    if procs is None:
        procs = min(os.cpu_count() or 1, 4) if listed >= PARALLEL_REBUILD_FROM else 1
    with click.progressbar(
        length=listed,
        label=f"Reading and indexing listed providers ({procs} indexing {'processes' if procs > 1 else 'process'})",
        file=sys.stderr,
    ) as bar:
        count = services.rebuild(db.session, services.search_index(), procs=procs, progress=bar.update)
        bar.update(max(0, listed - count))  # read but not indexed: their checks lapsed since the last expiry run
    click.echo(f"Rebuilt the search index: {count} listed providers.")


@click.command("worker")
@with_appcontext
@click.option("--once", is_flag=True, help="Run every job once and stop (cron, tests).")
@click.option(
    "--metrics-port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Serve this worker's counts (job runs, DBS and CQC asks) at :PORT/metrics for Prometheus "
    "(Authorization: Bearer METRICS_TOKEN).",
)
def worker_command(once: bool, metrics_port: int | None) -> None:
    """Run the scheduled jobs: email, search catch-up, expiry, retention, outbox pruning."""
    from registry.jobs import JOBS, run_job, run_worker

    app = current_app._get_current_object()
    if metrics_port is not None and not once:
        from registry.monitoring import worker_metrics

        worker_metrics.serve(app, metrics_port)
        click.echo(f"Worker metrics at http://0.0.0.0:{metrics_port}/metrics (bearer METRICS_TOKEN)")
    if once:
        for job in JOBS:
            summary = run_job(app, job)
            click.echo(
                f"{job.name}: {summary if summary is not None else 'skipped (not due, or another worker is running it)'}"
            )
        return
    click.echo(
        "Worker running: "
        + ", ".join(
            f"{job.name} nightly at {app.config[job.daily_at_setting]} UTC"
            if job.daily_at_setting
            else f"{job.name} every {job.every_seconds}s"
            for job in JOBS
        )
    )
    run_worker(app)


@cqc_cli.command("sync")
@with_appcontext
def cqc_sync_command() -> None:
    """Ask the CQC API about every due location now (the worker does this nightly at CQC_SYNC_AT)."""
    from registry.cqc.client import CqcError
    from registry.cqc.services import client_from_config, run_sync
    from registry.models import today, utcnow

    client = client_from_config()
    if client is None:
        raise click.ClickException("CQC sync is off: set CQC_API_URL (and CQC_API_KEY).")
    try:
        report = run_sync(client, utcnow(), today())
    except CqcError as error:
        raise click.ClickException(str(error)) from None
    finally:
        client.close()
    click.echo(f"CQC sync: {report.tracked} locations tracked; {report.summary()}")


@mail_cli.command("send")
def mail_send_command() -> None:
    """Deliver the emails that are due now (the worker does this every few seconds)."""
    from registry.mail import deliver_pending

    sent, failed = deliver_pending(current_app._get_current_object())
    click.echo(f"{sent} emails sent, {failed} to retry.")


def init_app(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(search_cli)
    app.cli.add_command(checks_cli)
    app.cli.add_command(documents_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(cqc_cli)
    app.cli.add_command(worker_command)
