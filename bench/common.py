"""What the benchmarks share: throwaway keys, a free loopback port, and the verdict wording."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

SECRET_KEY = "bench-secret-key-not-used-anywhere-else-0123456789"
ENCRYPTION_KEY = "YmVuY2gta2V5LWZvci10cnVzdGRlc2staW5nZXN0LTA="
# gunicorn as on a 2-core web host: two processes (one a core), four threads each to overlap database waits.
GUNICORN = ("--workers", "2", "--threads", "4")


def verdict(ok: bool) -> str:
    return "OK" if ok else "MISSED"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the sandbox did not start on port {port}")


class PageQueryCounter:
    """Counts SQL statements on every connection of the process, including the one the fetch-ahead
    thread opens (reviews.services.fetch_ahead), and closes a page's count at each SyncRun progress update.

    With fetch-ahead, a page's count holds the next page's fetch (its share of the call budget), which a
    sequential run counts in the next page: the same statements, one page earlier.
    """

    def __init__(self) -> None:
        self.counts: list[int] = []
        self.current = 0
        self.lock = threading.Lock()

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        with self.lock:
            self.current += 1
        result = execute(sql, params, many, context)
        if sql.startswith("UPDATE") and "reviews_syncrun" in sql and "pages_fetched" in sql:
            with self.lock:
                self.counts.append(self.current)
                self.current = 0
        return result

    @contextmanager
    def counting(self) -> Iterator[None]:
        from django.db import connection
        from django.db.backends.signals import connection_created

        def attach(sender: Any, connection: Any, **kwargs: Any) -> None:
            if self not in connection.execute_wrappers:
                connection.execute_wrappers.append(self)

        connection_created.connect(attach, weak=False)
        try:
            with connection.execute_wrapper(self):
                yield
        finally:
            connection_created.disconnect(attach)

    def per_page(self) -> list[int]:
        return self.counts
