"""Bulk writes for imports: ids allocated up front, rows streamed without RETURNING.

Rendering a large multi-row INSERT … RETURNING costs more in Python than PostgreSQL spends
storing the rows, so a bulk writer takes its ids first (`allocate_ids`) and then streams
rows that already carry them (`insert_rows`: COPY on PostgreSQL, executemany on SQLite).
Both run in the session's transaction, as does `matching`, the lookup of many keys.
"""

import psycopg
from sqlalchemy import Select, Table, any_, bindparam, func, insert, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError

from core.extensions import db

LOOKUP_BATCH = 2000  # keys per IN list on SQLite (at most 32766 bound parameters)


def allocate_ids(table: Table, count: int) -> list[int]:
    """`count` fresh primary keys for `table`.

    PostgreSQL draws them from the column's sequence, so concurrent writers never collide.
    SQLite has no sequences; its transactions begin IMMEDIATE, so the writer holding the
    lock may take the ids above the largest one.
    """
    if not count:
        return []
    if db.session.get_bind().dialect.name == "postgresql":
        with _driver_cursor() as cursor:
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) "
                           "FROM generate_series(1, %s)", (table.name, count))
            return [row[0] for row in cursor.fetchall()]
    top = db.session.scalar(select(func.coalesce(func.max(table.c.id), 0)))
    return list(range(top + 1, top + 1 + count))


def insert_rows(table: Table, rows: list[dict]) -> None:
    """Insert rows that all name the same columns in the same order (scalar column defaults
    fill the others)."""
    if not rows:
        return
    defaults = {c.name: c.default.arg for c in table.columns
                if c.default is not None and c.default.is_scalar and c.name not in rows[0]}
    if db.session.get_bind().dialect.name != "postgresql":
        db.session.execute(insert(table), [{**defaults, **row} for row in rows])
        return
    columns = list(rows[0]) + list(defaults)
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    fixed = tuple(defaults.values())
    try:
        with _driver_cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row((*row.values(), *fixed))
    except psycopg.IntegrityError as exc:
        # the same exception SQLAlchemy raises for an INSERT, so callers handle one kind
        raise IntegrityError(statement, None, exc) from exc


def _driver_cursor() -> psycopg.Cursor:
    """A psycopg cursor on the session's connection (its transaction): SQLAlchemy's row
    processing would cost more than the statements themselves here."""
    return db.session.connection().connection.driver_connection.cursor()


def matching(query: Select, column, values: list) -> list:
    """The rows of `query` whose `column` is one of `values`.

    PostgreSQL takes them all as one array parameter (`= ANY(…)`), which psycopg sends as
    it is instead of rendering a placeholder per key; SQLite gets IN lists in batches.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        keys = bindparam("keys", values, type_=ARRAY(column.type))
        return db.session.execute(query.where(column == any_(keys))).all()
    return [row for start in range(0, len(values), LOOKUP_BATCH)
            for row in db.session.execute(query.where(
                column.in_(values[start:start + LOOKUP_BATCH]))).all()]


def refresh_statistics(*tables: Table) -> None:
    """ANALYZE tables a bulk write has just grown (PostgreSQL): until autovacuum gets there,
    the planner plans for their old size and picks scans that are slow on the new one."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text(f"ANALYZE {', '.join(table.name for table in tables)}"))
        db.session.commit()
