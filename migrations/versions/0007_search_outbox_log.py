"""search outbox: a log every index follows (ids never reused, rows kept until old)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 13:30:00

"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        # SQLite hands out the highest id again after a delete without AUTOINCREMENT;
        # the table is copied (with its rows) into one that has it.
        with op.batch_alter_table(
            "search_outbox", recreate="always", table_kwargs={"sqlite_autoincrement": True}
        ) as batch_op:
            pass
    with op.batch_alter_table("search_outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_search_outbox_created_at"), ["created_at"], unique=False)


def downgrade():
    with op.batch_alter_table("search_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_outbox_created_at"))
