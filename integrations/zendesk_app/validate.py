"""Zendesk's app package rules (docs/zendesk.md §9, from zendesk_apps_support's validations), checked offline.

Zendesk validates an upload only through its API (zcli posts the zip to /api/v2/apps/validate), so these
rules are reproduced here and every zip TrustDesk hands out passes them first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from integrations.zendesk_app.archive import AppArchive, ArchiveUnreadable, archive_open, png_size, unsupported_kind
from integrations.zendesk_app.rules import manifest_problems, requirements_problems, translations_problems

LOGO_SIZES = {"assets/logo.png": [(320, 320)], "assets/logo-small.png": [(128, 128)]}
BANNER_SIZES = [(830, 200), (1660, 400)]
SOURCE_EXTENSIONS = (".js", ".hdb", ".html", ".htm")


@dataclass(frozen=True)
class Check:
    summary: str
    find: Callable[[AppArchive], list[str]]


def app_package_problems(zip_bytes: bytes) -> list[str]:
    """Every rule the zip breaks, one sentence each; an empty list means Zendesk should accept it."""
    try:
        archive = archive_open(zip_bytes)
    except ArchiveUnreadable as exc:
        return [f"The file is not a readable zip archive ({exc})."]
    return [problem for check in CHECKS for problem in check.find(archive)]


def file_problems(archive: AppArchive) -> list[str]:
    problems = []
    if not archive.has("manifest.json"):
        nested = next(
            (name for name in archive.contents if name.count("/") == 1 and name.endswith("/manifest.json")), ""
        )
        if nested:
            folder = nested.split("/")[0]
            problems.append(f"manifest.json is inside the folder {folder}/: zip the folder's contents, not the folder.")
        else:
            problems.append("The package has no manifest.json at its top level.")
    problems += [f"{name} is not valid JSON ({error})." for name, error in sorted(archive.unparsable.items())]
    problems += [
        f"{name} must hold a JSON object, not {type(value).__name__}."
        for name, value in sorted(archive.documents.items())
        if not isinstance(value, dict)
    ]
    return problems


def content_problems(archive: AppArchive) -> list[str]:
    problems = [f"{name} is a symbolic link: Zendesk refuses packages with symlinks." for name in archive.symlinks]
    for name, data in sorted(archive.contents.items()):
        kind = unsupported_kind(name, data)
        if kind:
            problems.append(f"{name} is {kind}: Zendesk refuses it as an unsupported file type in an app package.")
    return problems


def source_problems(archive: AppArchive) -> list[str]:
    manifest = archive.document("manifest.json")
    if manifest is None or manifest.get("requirementsOnly") is not True:
        return []
    return [
        f"{name} is app source, which a requirements-only app must not contain."
        for name in sorted(archive.contents)
        if name.lower().endswith(SOURCE_EXTENSIONS) or name == "app.css" or name.startswith("templates/")
    ]


def image_problems(archive: AppArchive) -> list[str]:
    problems = []
    for name, sizes in [*LOGO_SIZES.items(), ("assets/banner.png", BANNER_SIZES)]:
        if not archive.has(name):
            if name in LOGO_SIZES:
                problems.append(f"{name} is missing: Zendesk needs it to install the app.")
            continue
        size = png_size(archive.contents[name])
        wanted = " or ".join(f"{width}x{height}" for width, height in sizes)
        if size is None:
            problems.append(f"{name} is not a PNG image; it must be a {wanted} PNG.")
        elif size not in sizes:
            problems.append(f"{name} is {size[0]}x{size[1]} pixels; it must be {wanted}.")
    return problems


CHECKS = (
    Check("manifest.json sits at the top of the zip and every JSON file parses as an object.", file_problems),
    Check("No symlinks, nested archives or other file types Zendesk refuses.", content_problems),
    Check(
        "manifest.json: author (name, email, http(s) url), defaultLocale, JSON booleans, requirements-only "
        "without location, frameworkVersion or parameters Zendesk refuses.",
        manifest_problems,
    ),
    Check("No JavaScript, templates or app.css in a requirements-only app.", source_problems),
    Check(
        "requirements.json: allowed requirement types and exactly one channel integration with an https manifest_url.",
        requirements_problems,
    ),
    Check("translations: valid locales, the default locale's file with app.name.", translations_problems),
    Check(
        "assets/logo.png is 320x320, assets/logo-small.png is 128x128, a banner 830x200 or 1660x400.", image_problems
    ),
)
