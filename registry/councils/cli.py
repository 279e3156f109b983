"""``flask councils ...``: set up a council, its area and its commissioners (an admin's job)."""

from __future__ import annotations

import click

from registry.accounts import services as accounts
from registry.councils import bp, services
from registry.councils.models import BODY_KINDS, Council
from registry.extensions import db


@bp.cli.command("create")
@click.argument("name")
@click.option("--kind", type=click.Choice(list(BODY_KINDS)), default="council", show_default=True)
@click.option("--districts", required=True, help="Postcode districts of the area, comma-separated (e.g. LS1,LS2,LS6).")
def create_council_command(name: str, kind: str, districts: str) -> None:
    """Create a council or NHS body with its area."""
    try:
        council = services.create_council(name, kind, districts.split(","))
    except services.CouncilError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Created {council.name} ({council.slug}) with {len(council.outcodes)} districts.")


@bp.cli.command("add-commissioner")
@click.argument("email")
@click.option("--council", "slug", required=True, help="The council's slug.")
@click.option("--name", default=None)
@click.password_option()
def add_commissioner_command(email: str, slug: str, name: str | None, password: str) -> None:
    """Create a commissioner account for a council."""
    council = db.session.query(Council).filter_by(slug=slug).one_or_none()
    if council is None:
        raise click.ClickException(f"No council {slug!r}.")
    try:
        user = accounts.create_user(email, password, name or email.split("@")[0], "recipient")
    except accounts.AccountError as error:
        raise click.ClickException(str(error)) from None
    services.make_commissioner(user, council)
    db.session.commit()
    click.echo(f"Created commissioner {user.email} for {council.name}.")
