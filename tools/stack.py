"""Processes, databases and certificates for tools/production_check.py: start, watch, kill, clean up."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
STARTED = re.compile(rb"(\S+) started \(pid=(\d+)\)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def keys_of_env_example() -> list[str]:
    """Every configuration key: each is set explicitly, so a developer's .env cannot leak into the check."""
    text = (ROOT / ".env.example").read_text()
    return re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", text, re.MULTILINE)


def environment(values: Mapping[str, str]) -> dict[str, str]:
    base = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "CELERY_"))}
    base.update({key: "" for key in keys_of_env_example()})
    base["PATH"] = f"{BIN}:{base.get('PATH', '/usr/bin:/bin')}"
    base.update(values)
    return base


def databases_recreate(server: str, names: Iterable[str]) -> None:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        for name in names:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')


def query(url: str, sql: str, *params: object) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as connection:
        return connection.execute(sql, params).fetchall()


def certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1: TrustDesk's public URL is https, as production requires."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@dataclass
class Started:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path


@dataclass
class Stack:
    """Everything started, so that everything stops; the process groups go to `pgids` for .ci/production's trap."""

    work: Path
    started: list[Started] = field(default_factory=list)

    @property
    def pgids(self) -> Path:
        return self.work / "pgids"

    def start(self, name: str, argv: list[str], env: Mapping[str, str]) -> Started:
        log = self.work / f"{name}.log"
        handle = log.open("wb")
        popen = subprocess.Popen(argv, cwd=ROOT, env=dict(env), stdout=handle, stderr=subprocess.STDOUT,
                                 start_new_session=True)  # fmt: skip
        handle.close()
        self._record(popen.pid)
        process = Started(name, popen, log)
        self.started.append(process)
        return process

    def run(self, name: str, argv: list[str], env: Mapping[str, str], timeout: float = 120) -> str:
        """A command that must succeed; its output, also kept in <work>/<name>.log."""
        result = subprocess.run(argv, cwd=ROOT, env=dict(env), capture_output=True, text=True, timeout=timeout)
        (self.work / f"{name}.log").write_text(result.stdout + result.stderr)
        if result.returncode != 0:
            raise CheckFailed(f"{name} exited {result.returncode}:\n{(result.stdout + result.stderr)[-3000:]}")
        return result.stdout

    def children_of(self, process: Started, wait: float = 30) -> dict[str, int]:
        """The process groups honcho started, by name (worker.1: pid), read from its log."""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            found = {m[1].decode(): int(m[2]) for m in STARTED.finditer(process.log.read_bytes())}
            if found:
                for pid in found.values():
                    self._record(pid)
                return found
            time.sleep(0.2)
        raise CheckFailed(f"{process.name} started nothing within {wait:.0f}s")

    def wait_for_line(self, process: Started, needle: bytes, wait: float = 60) -> None:
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if needle in process.log.read_bytes():
                return
            if process.popen.poll() is not None:
                raise CheckFailed(f"{process.name} stopped:\n{process.log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.3)
        raise CheckFailed(f"{process.name} did not log {needle!r} within {wait:.0f}s")

    def stop(self) -> None:
        """SIGTERM to every group (honcho passes it on), then SIGKILL to what is left after 15 s."""
        groups = self._groups()
        for pgid in groups:
            _signal_group(pgid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(_group_alive(pgid) for pgid in groups):
            for process in self.started:
                process.popen.poll()  # reaped, or an exited leader would keep its group looking alive
            time.sleep(0.3)
        for pgid in groups:
            if _group_alive(pgid):
                print(f"stack: process group {pgid} outlived SIGTERM by 15 s: SIGKILL", flush=True)
            _signal_group(pgid, signal.SIGKILL)
        for process in self.started:
            process.popen.wait(timeout=10)
        self.pgids.unlink(missing_ok=True)

    def _record(self, pgid: int) -> None:
        with self.pgids.open("a") as handle:
            handle.write(f"{pgid}\n")

    def _groups(self) -> list[int]:
        return [int(line) for line in self.pgids.read_text().split()] if self.pgids.exists() else []


class CheckFailed(Exception):
    """The stack did not behave as production must; the message says what was seen."""


def kill_group(pgid: int) -> None:
    _signal_group(pgid, signal.SIGKILL)


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def wait_until_up(url: str, *, verify: str | bool = True, wait: float = 60) -> None:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2, verify=verify).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise CheckFailed(f"{url} did not answer within {wait:.0f}s")
