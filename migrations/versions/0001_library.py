"""The scenario library (scenarios and their versions) and the team's price changes.

Revision ID: 0001_library
Revises:
Create Date: 2026-11-20
"""
import sqlalchemy as sa
from alembic import op

revision = "0001_library"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scenarios",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("team", sa.String(200), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("name_hash", sa.String(64), nullable=False),
        sa.Column("owner", sa.String(320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("team", "name_hash", name="uq_scenarios_team_name"),
    )
    op.create_table(
        "scenario_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("scenario_id", sa.Integer, sa.ForeignKey("scenarios.id", ondelete="CASCADE"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("author", sa.String(320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("params", sa.Text, nullable=False),
        sa.UniqueConstraint("scenario_id", "version", name="uq_versions_scenario_version"),
    )
    op.create_table(
        "team_price_changes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("team", sa.String(200), nullable=False),
        sa.Column("model_key", sa.String(250), nullable=False),
        sa.Column("entry", sa.Text, nullable=True),
        sa.Column("changed_by", sa.String(320), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_team_price_changes_team", "team_price_changes", ["team", "id"])


def downgrade() -> None:
    op.drop_index("ix_team_price_changes_team", table_name="team_price_changes")
    op.drop_table("team_price_changes")
    op.drop_table("scenario_versions")
    op.drop_table("scenarios")
