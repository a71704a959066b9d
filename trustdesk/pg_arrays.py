"""A faster text dumper for Python lists on PostgreSQL, with psycopg's own output byte for byte.

Django's bulk_create on PostgreSQL inserts through UNNEST, passing each column as one array, so a page
of 100 reviews goes to the server as a handful of arrays whose elements are long texts and JSON. psycopg
3.3's text ListDumper escapes each element's quotes and backslashes with a regex whose replacement is a
template, which Python expands in pure Python for every match: a JSON document has dozens. Profiling the
ingestion benchmark (bench/ingest.py) found that escape to be over half of the time a page's upsert took.
The same escape done with bytes.replace runs in C; the array text is unchanged, which
tests/test_pg_arrays.py checks against psycopg's dumper.

Only the escape differs: psycopg's ListDumper still chooses element dumpers, type oids and when to quote
(docs: https://www.psycopg.org/psycopg3/docs/advanced/adapt.html). Registered on each new PostgreSQL
connection (trustdesk.apps), so it applies to Django's connections and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from psycopg.abc import Buffer
from psycopg.types.array import ListDumper


class FastListDumper(ListDumper):
    # Mirrors ListDumper._dump_list (psycopg 3.3); only the quoting line differs.
    def _dump_list(self, obj: list[Any], tokens: list[Buffer], needs_quotes: Callable[[Buffer], object]) -> None:
        if not obj:
            tokens.append(b"{}")
            return
        dump = self.sub_dumper.dump if self.sub_dumper else self._dump_item
        delimiter = self.delimiter
        tokens.append(b"{")
        for item in obj:
            if item is None:
                tokens.append(b"NULL")
            elif isinstance(item, list):
                self._dump_list(item, tokens, needs_quotes)
            elif (dumped := dump(item)) is None:
                tokens.append(b"NULL")
            else:
                if needs_quotes(dumped):
                    escaped = bytes(dumped).replace(b"\\", b"\\\\").replace(b'"', b'\\"')
                    dumped = b'"' + escaped + b'"'
                tokens.append(dumped)
            tokens.append(delimiter)
        tokens[-1] = b"}"


def register(sender: Any, connection: Any, **kwargs: Any) -> None:
    """connection_created receiver: use FastListDumper on PostgreSQL connections."""
    if connection.vendor == "postgresql":
        connection.connection.adapters.register_dumper(list, FastListDumper)
