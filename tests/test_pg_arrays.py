"""The faster list dumper writes exactly what psycopg's own does, and PostgreSQL reads it back intact."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection
from psycopg.adapt import PyFormat, Transformer
from psycopg.types.array import ListDumper
from psycopg.types.json import Jsonb

from reviews.models import Review
from tests import factories
from trustdesk.pg_arrays import FastListDumper

TRICKY_TEXTS = [
    'He said "great" \\o/ and left',
    "back\\slash at the end\\",
    '""',
    "{braces}, commas, and spaces",
    "",
    "NULL",
    "unicode: «très bien» 👍 — ok",
    "new\nline\ttab",
]


def dumped(dumper_class: type[ListDumper], value: list[Any]) -> bytes:
    base = dumper_class(list, Transformer())
    return bytes(base.upgrade(value, PyFormat.TEXT).dump(value))


@pytest.mark.parametrize(
    "value",
    [
        TRICKY_TEXTS,
        [None, "a", None],
        [],
        [[r"nested \ one", 'nested " two'], ["x", None]],
        [Jsonb({"text": 'a "quoted" \\ word', "list": [1, None, "}"]}), Jsonb(None), None],
        [1, 2, None],
        [datetime(2026, 12, 1, 10, 30, tzinfo=UTC), None],
        [True, False, None],
    ],
)
def test_the_array_text_is_psycopgs_own_byte_for_byte(value):
    assert dumped(FastListDumper, value) == dumped(ListDumper, value)


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's array literals")
def test_postgresql_connections_use_it_and_bulk_inserts_read_back_intact():
    connection.ensure_connection()
    assert connection.connection.adapters.get_dumper(list, PyFormat.TEXT) is FastListDumper
    domain = factories.DomainFactory()
    raws = [
        {"id": str(n), "text": text, "nested": {"quote": '"', "slash": "\\"}} for n, text in enumerate(TRICKY_TEXTS)
    ]
    Review.objects.bulk_create(
        factories.ReviewFactory.build(domain=domain, trustpilot_id=f"{n:024x}", title=text[:500], text=text, raw=raw)
        for n, (text, raw) in enumerate(zip(TRICKY_TEXTS, raws, strict=True))
    )
    stored = Review.objects.filter(domain=domain).order_by("trustpilot_id")
    assert [(review.text, review.raw) for review in stored] == list(zip(TRICKY_TEXTS, raws, strict=True))
