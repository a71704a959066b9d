"""Scratch databases for the benchmarks.

On PostgreSQL the database named by --database-url only names the others: each run works in fresh
databases named after it (bench_pull, bench_ingest_template, ...) on the same server, made empty or
copied from a template with CREATE DATABASE ... TEMPLATE (PostgreSQL's copy of a file), and dropped at
the end. They are made from the server's `postgres` maintenance database, so the named one need not
exist, and nothing in it is touched.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit


def is_postgres(url: str) -> bool:
    return urlsplit(url).scheme in ("postgres", "postgresql", "pgsql", "psql")


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def with_name(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def scratch(url: str, suffix: str, *, template: str | None = None) -> str:
    """The URL of a new database <name>_<suffix> on url's server: empty, or a copy of the database `template`."""
    from psycopg import sql

    name = f"{database_name(url)}_{suffix}"
    create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template:
        create = sql.SQL("{} TEMPLATE {}").format(create, sql.Identifier(template))
    with _maintenance(url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(create)
    return with_name(url, name)


def drop(url: str, scratch_url: str) -> None:
    from psycopg import sql

    with _maintenance(url) as conn:
        name = sql.Identifier(database_name(scratch_url))
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))


def _maintenance(url: str) -> Any:
    import psycopg

    return psycopg.connect(with_name(url, "postgres"), autocommit=True)
