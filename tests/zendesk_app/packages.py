"""Packages to check: the files TrustDesk ships, and ways to spoil them."""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from typing import Any

from integrations.zendesk_app.build import app_files, zip_files

MANIFEST_URL = "https://trustdesk.test/zendesk/manifest.json"


def good_files() -> dict[str, bytes]:
    return app_files(MANIFEST_URL)


def changed_json(files: dict[str, bytes], name: str, **changes: Any) -> dict[str, bytes]:
    """A copy of `files` whose JSON object `name` has `changes` applied (None removes a key)."""
    document = json.loads(files[name])
    for key, value in changes.items():
        if value is None:
            document.pop(key, None)
        else:
            document[key] = value
    return {**files, name: json.dumps(document).encode()}


def package(files: dict[str, bytes]) -> bytes:
    return zip_files(files)


def with_symlink(files: dict[str, bytes], name: str, target: str) -> bytes:
    buffer = io.BytesIO(zip_files(files))
    with zipfile.ZipFile(buffer, "a") as archive:
        info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
        info.create_system = 3
        info.external_attr = 0o120777 << 16
        archive.writestr(info, target)
    return buffer.getvalue()


def png(width: int, height: int) -> bytes:
    """A plain white PNG of the given size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xff" * 3 * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
