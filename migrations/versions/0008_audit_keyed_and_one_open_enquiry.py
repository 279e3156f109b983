"""audit log refuses DELETE and TRUNCATE, records each hash's scheme (keyed HMAC); one open enquiry per recipient and provider

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 15:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


# The append-only triggers, defined here once. The test fixture that empties
# tables between tests loads them from this file (as it loads the taxonomy from
# 0002), so it lifts and restores exactly what the migration installed; the
# migration itself stays frozen and imports nothing from the application.
SQLITE_UPDATE_TRIGGER = "audit_events_append_only"  # installed by 0003
SQLITE_DELETE_TRIGGER = "audit_events_no_delete"
SQLITE_TRIGGERS = {
    SQLITE_UPDATE_TRIGGER: (
        "CREATE TRIGGER audit_events_append_only BEFORE UPDATE ON audit_events "
        "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
    ),
    SQLITE_DELETE_TRIGGER: (
        "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
        "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
    ),
}
# PostgreSQL row triggers (0003) never see TRUNCATE, which would empty the log
# in one statement; a statement trigger refuses it too.
POSTGRES_TRUNCATE_TRIGGER = "audit_events_no_truncate"
POSTGRES_TRUNCATE_TRIGGER_SQL = (
    "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()"
)

ONE_OPEN_ENQUIRY = "uq_enquiries_one_open"


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"

    # Events written before this revision were hashed with plain SHA-256; the
    # default labels them so. Added without a table rebuild, which on SQLite
    # would silently drop the append-only trigger.
    op.add_column(
        "audit_events", sa.Column("hash_scheme", sa.String(length=20), server_default="sha256", nullable=False)
    )
    if postgres:
        op.execute(POSTGRES_TRUNCATE_TRIGGER_SQL)
    else:
        op.execute(SQLITE_TRIGGERS[SQLITE_DELETE_TRIGGER])

    # Two open enquiries that slipped in before the index existed (two posts at
    # once) are merged into the older one: its conversation keeps every message.
    bind = op.get_bind()
    duplicates = bind.execute(
        sa.text(
            "SELECT e.id, (SELECT min(k.id) FROM enquiries k WHERE k.status = 'open' "
            "AND k.recipient_id = e.recipient_id AND k.provider_id = e.provider_id) AS keeper "
            "FROM enquiries e WHERE e.status = 'open'"
        )
    ).fetchall()
    for enquiry_id, keeper in duplicates:
        if enquiry_id != keeper:
            bind.execute(
                sa.text("UPDATE enquiry_messages SET enquiry_id = :k WHERE enquiry_id = :e"),
                {"k": keeper, "e": enquiry_id},
            )
            bind.execute(sa.text("DELETE FROM enquiries WHERE id = :e"), {"e": enquiry_id})
    op.create_index(
        ONE_OPEN_ENQUIRY,
        "enquiries",
        ["recipient_id", "provider_id"],
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )


def downgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    op.drop_index(ONE_OPEN_ENQUIRY, table_name="enquiries")
    if postgres:
        op.execute(f"DROP TRIGGER IF EXISTS {POSTGRES_TRUNCATE_TRIGGER} ON audit_events")
        op.drop_column("audit_events", "hash_scheme")
    else:
        # Dropping a column rebuilds the table on SQLite, which loses its
        # triggers: lift them first and put 0003's update trigger back after.
        op.execute(f"DROP TRIGGER IF EXISTS {SQLITE_DELETE_TRIGGER}")
        op.execute(f"DROP TRIGGER IF EXISTS {SQLITE_UPDATE_TRIGGER}")
        with op.batch_alter_table("audit_events", schema=None) as batch_op:
            batch_op.drop_column("hash_scheme")
        op.execute(SQLITE_TRIGGERS[SQLITE_UPDATE_TRIGGER])
