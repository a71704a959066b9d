"""An app zip opened for checking: its files, their parsed JSON, and what kind of file each one really is."""

from __future__ import annotations

import io
import json
import stat
import struct
import zipfile
from dataclasses import dataclass, field
from typing import Any

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# ZAS (validations/mime.rb) rejects these by content ("Unsupported MIME type detected"); we also go by extension,
# since a file named .zip is refused by Zendesk's upload whatever it holds.
UNSUPPORTED_EXTENSIONS = frozenset(
    {
        *("rar", "zip", "gz", "gzip", "tgz", "7z", "bz", "bz2", "jar", "bin"),
        *("pdf", "doc", "docx", "odt", "ppt", "pptx", "xls", "xlsx"),
        *("sh", "csh", "avi", "mp3", "mpeg", "mpg"),
    }
)
UNSUPPORTED_MAGIC = (
    (b"PK\x03\x04", "a zip archive"),
    (b"PK\x05\x06", "a zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a rar archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7z archive"),
    (b"BZh", "a bzip2 archive"),
    (b"%PDF", "a PDF document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an Office document"),
    (b"ID3", "an MP3 file"),
    (b"#!", "a shell script"),
)


class ArchiveUnreadable(Exception):
    """The bytes are not a zip Zendesk could open."""


@dataclass
class AppArchive:
    contents: dict[str, bytes]
    symlinks: list[str]
    documents: dict[str, Any] = field(default_factory=dict)
    unparsable: dict[str, str] = field(default_factory=dict)

    def has(self, name: str) -> bool:
        return name in self.contents

    def document(self, name: str) -> dict[str, Any] | None:
        """The file's JSON object, or None when it is missing, not JSON or not an object (reported elsewhere)."""
        value = self.documents.get(name)
        return value if isinstance(value, dict) else None


def archive_open(zip_bytes: bytes) -> AppArchive:
    try:
        with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
            entries = [info for info in archive.infolist() if not info.is_dir()]
            contents = {info.filename: archive.read(info) for info in entries}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as exc:
        raise ArchiveUnreadable(str(exc)) from None
    symlinks = [info.filename for info in entries if stat.S_ISLNK(info.external_attr >> 16)]
    opened = AppArchive(contents=contents, symlinks=symlinks)
    for name, data in contents.items():
        if name.endswith(".json"):
            try:
                opened.documents[name] = json.loads(data.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                opened.unparsable[name] = str(exc)
    return opened


def unsupported_kind(name: str, data: bytes) -> str | None:
    """What makes this file one Zendesk refuses in an app package, if anything."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name.rsplit("/", 1)[-1] else ""
    if extension in UNSUPPORTED_EXTENSIONS:
        return f"a .{extension} file"
    for magic, kind in UNSUPPORTED_MAGIC:
        if data.startswith(magic):
            return kind
    return None


def png_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from the IHDR chunk, which the PNG format requires to come first; None if not a PNG."""
    if len(data) < 24 or not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)
