"""one live review per recipient and provider; reviews.written_at and flag_reasons; account_devices

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-23 15:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

ONE_LIVE_REVIEW = "uq_reviews_one_live"
LIVE_REVIEW = "status <> 'removed'"
SUPERSEDED = "Replaced by a later review by the same person of the same provider (one review per person and provider)."


def upgrade():
    op.create_table(
        "account_devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("device_hash", sa.String(length=64), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_account_devices_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_devices")),
        sa.UniqueConstraint("user_id", "device_hash", name=op.f("uq_account_devices_user_id")),
    )
    with op.batch_alter_table("account_devices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_devices_device_hash"), ["device_hash"], unique=False)

    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.add_column(sa.Column("written_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("flag_reasons", sa.JSON(), nullable=True))
    op.execute("UPDATE reviews SET written_at = created_at")
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.alter_column("written_at", existing_type=sa.DateTime(timezone=True), nullable=False)

    # Before this revision a person could review the same provider once per
    # engagement. Their newest live review stays; older ones are marked removed
    # with the reason, so the score counts each person once and nothing is lost.
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(f"SELECT id, author_id, provider_id FROM reviews WHERE {LIVE_REVIEW} ORDER BY created_at DESC, id DESC")
    ).fetchall()
    seen = set()
    for review_id, author_id, provider_id in rows:
        if (author_id, provider_id) in seen:
            bind.execute(
                sa.text("UPDATE reviews SET status = 'removed', moderation_reason = :why WHERE id = :id"),
                {"why": SUPERSEDED, "id": review_id},
            )
        seen.add((author_id, provider_id))
    op.create_index(
        ONE_LIVE_REVIEW,
        "reviews",
        ["author_id", "provider_id"],
        unique=True,
        sqlite_where=sa.text(LIVE_REVIEW),
        postgresql_where=sa.text(LIVE_REVIEW),
    )


def downgrade():
    op.drop_index(ONE_LIVE_REVIEW, table_name="reviews")
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_column("flag_reasons")
        batch_op.drop_column("written_at")
    with op.batch_alter_table("account_devices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_devices_device_hash"))
    op.drop_table("account_devices")
