"""feed_versions: a counter the database bumps on every write the feed may show; indexes for the feed's Last-Modified

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-07 21:50:00

The Open Referral feed answers a conditional GET from a fingerprint of what it
reads. It used to count every provider, check and feed change on each request
(a scan of each table: most of a feed request's time at 100,000 providers).
Now the database keeps one counter, bumped by a trigger on every insert,
update or delete of those tables (bulk UPDATEs included), and the latest
moments come from indexes.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None

TABLES = (
    "feed_changes",
    "providers",
    "checks",
    "service_types",
    "service_requirements",
    "provider_services",
    "provider_languages",
)
EVENTS = ("INSERT", "UPDATE", "DELETE")


def upgrade():
    op.create_table(
        "feed_versions",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("counter", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_versions")),
    )
    op.execute("INSERT INTO feed_versions (id, counter) VALUES (1, 0)")
    op.create_index(op.f("ix_providers_updated_at"), "providers", ["updated_at"], unique=False)
    op.create_index(op.f("ix_checks_decided_at"), "checks", ["decided_at"], unique=False)
    op.create_index(op.f("ix_checks_revoked_at"), "checks", ["revoked_at"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        # Once per transaction, at its commit (a deferred constraint trigger): a bulk write of many rows bumps
        # the counter once, and the row's lock is held only while the transaction commits.
        op.execute(
            "CREATE FUNCTION feed_version_bump() RETURNS trigger AS $$ "
            "BEGIN "
            "IF current_setting('registry.feed_version_bumped', true) IS DISTINCT FROM txid_current()::text THEN "
            "PERFORM set_config('registry.feed_version_bumped', txid_current()::text, true); "
            "INSERT INTO feed_versions (id, counter) VALUES (1, 1) "
            "ON CONFLICT (id) DO UPDATE SET counter = feed_versions.counter + 1; "
            "END IF; "
            "RETURN NULL; "
            "END; $$ LANGUAGE plpgsql"
        )
        for table in TABLES:
            op.execute(
                f"CREATE CONSTRAINT TRIGGER {table}_feed_version AFTER INSERT OR UPDATE OR DELETE ON {table} "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION feed_version_bump()"
            )
    else:
        for table in TABLES:
            for event in EVENTS:
                op.execute(
                    f"CREATE TRIGGER {table}_feed_version_{event.lower()} AFTER {event} ON {table} BEGIN "
                    # Not INSERT OR IGNORE: an outer statement's conflict clause would override it.
                    "INSERT INTO feed_versions (id, counter) SELECT 1, 0 "
                    "WHERE NOT EXISTS (SELECT 1 FROM feed_versions WHERE id = 1); "
                    "UPDATE feed_versions SET counter = counter + 1 WHERE id = 1; "
                    "END"
                )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_feed_version ON {table}")
        op.execute("DROP FUNCTION IF EXISTS feed_version_bump()")
    else:
        for table in TABLES:
            for event in EVENTS:
                op.execute(f"DROP TRIGGER IF EXISTS {table}_feed_version_{event.lower()}")
    op.drop_index(op.f("ix_checks_revoked_at"), table_name="checks")
    op.drop_index(op.f("ix_checks_decided_at"), table_name="checks")
    op.drop_index(op.f("ix_providers_updated_at"), table_name="providers")
    op.drop_table("feed_versions")
