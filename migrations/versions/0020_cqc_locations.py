"""cqc locations: what CQC's register says about each provider's location, and how far its changes feed was read

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-09 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "cqc_locations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("registration_status", sa.String(length=20), nullable=True),
        sa.Column("registration_date", sa.Date(), nullable=True),
        sa.Column("deregistration_date", sa.Date(), nullable=True),
        sa.Column("overall_rating", sa.String(length=30), nullable=True),
        sa.Column("rating_date", sa.Date(), nullable=True),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["providers.id"], name=op.f("fk_cqc_locations_provider_id_providers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cqc_locations")),
        sa.UniqueConstraint("provider_id", name=op.f("uq_cqc_locations_provider_id")),
    )
    with op.batch_alter_table("cqc_locations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cqc_locations_location_id"), ["location_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cqc_locations_due_since"), ["due_since"], unique=False)
    op.create_table(
        "cqc_sync_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("changes_until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cqc_sync_marks")),
    )


def downgrade():
    op.drop_table("cqc_sync_marks")
    with op.batch_alter_table("cqc_locations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cqc_locations_due_since"))
        batch_op.drop_index(batch_op.f("ix_cqc_locations_location_id"))
    op.drop_table("cqc_locations")
