"""feed_changes: when each service the Open Referral feed could publish last changed

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-10 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "feed_changes",
        sa.Column("provider_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("service_type_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("listed_ever", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("provider_id", "service_type_id", name=op.f("pk_feed_changes")),
    )
    with op.batch_alter_table("feed_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feed_changes_changed_at"), ["changed_at"], unique=False)
    # Every pair there is now, as of its provider's last update; listed_ever from the stored flag.
    op.execute(
        "INSERT INTO feed_changes (provider_id, service_type_id, changed_at, listed_ever) "
        "SELECT ps.provider_id, ps.service_type_id, p.updated_at, ps.listed "
        "FROM provider_services ps JOIN providers p ON p.id = ps.provider_id"
    )


def downgrade():
    with op.batch_alter_table("feed_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feed_changes_changed_at"))
    op.drop_table("feed_changes")
