"""providers.nation: the UK nation of the provider's postcode district, whose checks and regulator apply

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 16:00:00

"""

import sqlalchemy as sa
from alembic import op

from registry.nations import nation_of

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("providers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("nation", sa.String(length=20), nullable=True))
        batch_op.create_index(batch_op.f("ix_providers_nation"), ["nation"], unique=False)
    # Backfill from each stored district, with the same table the application uses from now on.
    connection = op.get_bind()
    providers = sa.table("providers", sa.column("outcode", sa.String), sa.column("nation", sa.String))
    outcodes = connection.execute(sa.select(providers.c.outcode).where(providers.c.outcode.is_not(None)).distinct())
    for (outcode,) in outcodes.all():
        nation = nation_of(outcode)
        if nation is not None:
            connection.execute(providers.update().where(providers.c.outcode == outcode).values(nation=str(nation)))


def downgrade():
    with op.batch_alter_table("providers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_providers_nation"))
        batch_op.drop_column("nation")
