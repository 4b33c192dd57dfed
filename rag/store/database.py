"""Connections to the SQL database and its schema's migrations (Alembic, `migrations/`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from rag.errors import StoreMismatchError


def make_engine(url: str) -> Engine:
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

    return engine


MIGRATIONS = Path(__file__).with_name("migrations")
VERSION_TABLE = "alembic_version"


def migrations(connection: Any, directory: Path = MIGRATIONS) -> Config:
    """Alembic's configuration for the migrations in `directory`, run on `connection`."""
    config = Config(directory / "alembic.ini")
    config.set_main_option("script_location", str(directory))
    config.attributes["connection"] = connection
    return config


def upgrade_schema(engine: Engine, directory: Path = MIGRATIONS, version_table: str = VERSION_TABLE) -> None:
    """Bring the schema of one migration history (the engine's, or an interface's own) to
    this version's head; callers serialise this across processes. A database migrated by a
    newer version is refused rather than misread."""
    with engine.begin() as connection:
        config = migrations(connection, directory)
        current = MigrationContext.configure(connection, opts={"version_table": version_table}).get_current_heads()
        known = {rev.revision for rev in ScriptDirectory.from_config(config).walk_revisions()}
        if unknown := [rev for rev in current if rev not in known]:
            raise StoreMismatchError(
                f"Cơ sở dữ liệu đã được một phiên bản Trợ lý Xã mới hơn nâng cấp (lược đồ «{unknown[0]}»). "
                "Hãy cập nhật Trợ lý Xã lên phiên bản mới nhất rồi chạy lại."
            )
        command.upgrade(config, "head")


def run_migrations(metadata: MetaData, version_table: str) -> None:
    """The body of a migrations directory's env.py: run with `upgrade_schema`'s connection, or
    by the alembic command line against TROLYXA_DATABASE_URL. Only the tables of `metadata`
    are compared, so the engine's and an interface's histories share one database."""
    from alembic import context

    from rag.config import Settings

    def own(name: str | None, type_: str, _parent: Any) -> bool:
        return type_ != "table" or name in metadata.tables

    options = {"target_metadata": metadata, "render_as_batch": True, "version_table": version_table}
    connection = context.config.attributes.get("connection")
    if connection is None:
        engine = create_engine(Settings().sql_url, poolclass=NullPool)
        with engine.connect() as connection:
            context.configure(connection=connection, include_name=own, **options)
            with context.begin_transaction():
                context.run_migrations()
    else:
        context.configure(connection=connection, include_name=own, **options)
        with context.begin_transaction():
            context.run_migrations()


def schema_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
