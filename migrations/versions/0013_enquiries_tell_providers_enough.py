"""enquiries say where (district), from when, which days and times and how many hours a week; 'accepted' (we can help) is separate from 'started' (the engagement that allows a review)

Revision ID: 0013
Revises: 0011
Create Date: 2026-11-23 15:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None

ONE_OPEN_ENQUIRY = "uq_enquiries_one_open"


def upgrade():
    # Dropped first: SQLite's batch copy would rebuild it without its WHERE.
    op.drop_index(ONE_OPEN_ENQUIRY, table_name="enquiries")
    with op.batch_alter_table("enquiries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("district", sa.String(length=4), nullable=True))
        batch_op.add_column(sa.Column("start_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("times", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("hours_per_week", sa.Integer(), nullable=True))
        batch_op.alter_column("when_needed", existing_type=sa.String(length=120), nullable=True)

    # Until now "accept" both said "we can help" and confirmed the engagement
    # that allows a review. An accepted enquiry that was reviewed clearly
    # started, and stays reviewable. One not yet reviewed goes back to
    # "accepted": the provider says when support has started. Where that would
    # leave two conversations with the same provider, it counts as started
    # instead, so nothing the recipient could do before is taken away.
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT e.id, e.recipient_id, e.provider_id, g.id, "
            "(SELECT count(*) FROM reviews r WHERE r.engagement_id = g.id) "
            "FROM enquiries e JOIN engagements g ON g.enquiry_id = e.id WHERE e.status = 'accepted' ORDER BY e.id DESC"
        )
    ).all()
    talking = {
        tuple(r)
        for r in bind.execute(sa.text("SELECT recipient_id, provider_id FROM enquiries WHERE status = 'open'")).all()
    }
    for enquiry_id, recipient_id, provider_id, engagement_id, reviews in rows:
        if reviews or (recipient_id, provider_id) in talking:
            bind.execute(sa.text("UPDATE enquiries SET status = 'started' WHERE id = :e"), {"e": enquiry_id})
        else:
            bind.execute(sa.text("DELETE FROM engagements WHERE id = :g"), {"g": engagement_id})
            talking.add((recipient_id, provider_id))
    op.create_index(
        ONE_OPEN_ENQUIRY,
        "enquiries",
        ["recipient_id", "provider_id"],
        unique=True,
        sqlite_where=sa.text("status IN ('open', 'accepted')"),
        postgresql_where=sa.text("status IN ('open', 'accepted')"),
    )


def downgrade():
    op.drop_index(ONE_OPEN_ENQUIRY, table_name="enquiries")
    bind = op.get_bind()
    # Before this revision an accepted enquiry always had its engagement.
    bind.execute(
        sa.text(
            "INSERT INTO engagements (recipient_id, provider_id, enquiry_id, confirmed_at) "
            "SELECT e.recipient_id, e.provider_id, e.id, e.created_at FROM enquiries e "
            "WHERE e.status = 'accepted' AND NOT EXISTS (SELECT 1 FROM engagements g WHERE g.enquiry_id = e.id)"
        )
    )
    bind.execute(sa.text("UPDATE enquiries SET status = 'accepted' WHERE status = 'started'"))
    bind.execute(sa.text("UPDATE enquiries SET when_needed = '' WHERE when_needed IS NULL"))
    with op.batch_alter_table("enquiries", schema=None) as batch_op:
        batch_op.alter_column("when_needed", existing_type=sa.String(length=120), nullable=False)
        batch_op.drop_column("hours_per_week")
        batch_op.drop_column("times")
        batch_op.drop_column("start_date")
        batch_op.drop_column("district")
    op.create_index(
        ONE_OPEN_ENQUIRY,
        "enquiries",
        ["recipient_id", "provider_id"],
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )
