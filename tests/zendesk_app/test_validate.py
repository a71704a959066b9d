"""Each of Zendesk's app package rules (docs/zendesk.md §9) refuses a package that breaks it, naming the problem."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from integrations.zendesk_app.validate import app_package_problems
from tests.zendesk_app.packages import changed_json, good_files, package, png, with_symlink

Files = dict[str, bytes]


def manifest(**changes: object) -> Callable[[Files], Files]:
    return lambda files: changed_json(files, "manifest.json", **changes)


def requirements(value: object) -> Callable[[Files], Files]:
    return lambda files: {**files, "requirements.json": json.dumps(value).encode()}


def english(**changes: object) -> Callable[[Files], Files]:
    def change(files: Files) -> Files:
        document = json.loads(files["translations/en.json"])
        document["app"].update(changes)
        for key in [key for key, value in changes.items() if value is None]:
            del document["app"][key]
        return {**files, "translations/en.json": json.dumps(document).encode()}

    return change


def without(name: str) -> Callable[[Files], Files]:
    return lambda files: {key: value for key, value in files.items() if key != name}


def adding(name: str, data: bytes) -> Callable[[Files], Files]:
    return lambda files: {**files, name: data}


CHANNEL = {"manifest_url": "https://trustdesk.test/zendesk/manifest.json"}

SPOILED = {
    "missing author": (manifest(author=None), "manifest.json has no author"),
    "missing defaultLocale": (manifest(defaultLocale=None), "manifest.json has no defaultLocale"),
    "author not an object": (manifest(author="TrustDesk"), "author must be an object"),
    "author name not a string": (
        manifest(author={"name": 42, "email": "a@b.c", "url": "https://b.c"}),
        "author.name must be a string, not 42",
    ),
    "author url not http": (
        manifest(author={"name": "T", "email": "a@b.c", "url": "ftp://b.c"}),
        'author.url "ftp://b.c" is not a valid http(s) URL',
    ),
    "string requirementsOnly": (
        manifest(requirementsOnly="true"),
        'requirementsOnly must be a JSON boolean (true or false), not "true"',
    ),
    "string singleInstall": (manifest(singleInstall="true"), "singleInstall must be a JSON boolean"),
    "string private": (manifest(private="true"), "private must be a JSON boolean"),
    "numeric signedUrls": (manifest(signedUrls=1), "signedUrls must be a JSON boolean (true or false), not 1"),
    "string marketingOnly": (manifest(marketingOnly="false"), "marketingOnly must be a JSON boolean"),
    "numeric version": (manifest(version=1), "version must be a string, not 1"),
    "requirementsOnly false": (manifest(requirementsOnly=False), "must set requirementsOnly to true"),
    "location with requirementsOnly": (
        manifest(location={"support": {"ticket_sidebar": "assets/iframe.png"}}),
        "defines location, which a requirements-only app cannot have",
    ),
    "frameworkVersion with requirementsOnly": (manifest(frameworkVersion="2.0"), "defines frameworkVersion"),
    "invalid defaultLocale": (manifest(defaultLocale="English"), 'defaultLocale "English" is not a locale'),
    "parameters not an array": (manifest(parameters={"token": {}}), "parameters must be an array"),
    "parameter called name": (
        manifest(parameters=[{"name": "name", "type": "text"}]),
        'no parameter may be called "name"',
    ),
    "hidden required parameter": (
        manifest(parameters=[{"name": "key", "type": "hidden", "required": True}]),
        'the hidden parameter "key" cannot be required',
    ),
    "two oauth parameters": (
        manifest(parameters=[{"name": "a", "type": "oauth"}, {"name": "b", "type": "oauth"}]),
        "at most one parameter may be of type oauth",
    ),
    "string required parameter": (
        manifest(parameters=[{"name": "key", "type": "text", "required": "yes"}]),
        'required of the parameter "key" must be a JSON boolean',
    ),
    "unknown parameter type": (
        manifest(parameters=[{"name": "key", "type": "colour"}]),
        'the parameter "key" has an unknown type "colour"',
    ),
    "duplicate parameter": (
        manifest(parameters=[{"name": "key", "type": "text"}, {"name": "key", "type": "text"}]),
        'the parameter "key" is declared twice',
    ),
    "missing requirements.json": (without("requirements.json"), "must contain requirements.json"),
    "two channel integrations": (
        requirements({"channel_integrations": {"one": CHANNEL, "two": CHANNEL}}),
        "declares 2 channel integrations (one, two); Zendesk allows exactly one per app",
    ),
    "no channel integration": (requirements({"channel_integrations": {}}), "declares no channel integration"),
    "channel integration without manifest_url": (
        requirements({"channel_integrations": {"tp": {"url": "https://x.test"}}}),
        'the channel integration "tp" has no manifest_url',
    ),
    "http manifest_url": (
        requirements({"channel_integrations": {"tp": {"manifest_url": "http://trustdesk.test/zendesk/manifest.json"}}}),
        'the manifest_url of "tp" is "http://trustdesk.test/zendesk/manifest.json", but Zendesk installs a channel '
        "integration only from an https URL",
    ),
    "unknown requirement type": (
        requirements({"channel_integrations": {"tp": CHANNEL}, "scripts": {}}),
        '"scripts" is not a requirement type Zendesk knows',
    ),
    "trigger without title": (
        requirements({"channel_integrations": {"tp": CHANNEL}, "triggers": {"notify": {"actions": []}}}),
        'the triggers entry "notify" has no title',
    ),
    "missing translations/en.json": (without("translations/en.json"), "translations/en.json is missing"),
    "translation without app.name": (english(name=None), "translations/en.json has no app.name"),
    "public app without descriptions": (
        lambda files: english(long_description=None)(manifest(private=False)(files)),
        "translations/en.json has no app.long_description, which a public app needs",
    ),
    "translation parameter without label": (
        english(parameters={"token": {"helpText": "Your token"}}),
        "app.parameters.token has no label",
    ),
    "translation named after no locale": (
        adding("translations/english.json", b'{"app": {}}'),
        "not a locale such as en",
    ),
    "manifest not JSON": (adding("manifest.json", b"{'name': 1}"), "manifest.json is not valid JSON"),
    "translation not an object": (
        adding("translations/fr.json", b"[]"),
        "translations/fr.json must hold a JSON object",
    ),
    "missing manifest.json": (without("manifest.json"), "no manifest.json at its top level"),
    "a .js file": (adding("assets/app.js", b"console.log(1)"), "assets/app.js is app source"),
    "a template": (adding("templates/layout.hdb", b"<div></div>"), "templates/layout.hdb is app source"),
    "an html file": (adding("assets/iframe.html", b"<p></p>"), "assets/iframe.html is app source"),
    "app.css": (adding("app.css", b"p {}"), "app.css is app source"),
    "a nested zip": (adding("assets/old.zip", b"PK\x05\x06" + b"\x00" * 18), "assets/old.zip is a .zip file"),
    "a zip by its content": (adding("assets/notes.txt", b"PK\x03\x04rest"), "assets/notes.txt is a zip archive"),
    "a pdf": (adding("docs/guide.pdf", b"%PDF-1.4"), "docs/guide.pdf is a .pdf file"),
    "a gzip by its content": (adding("assets/data.bin2", b"\x1f\x8b\x08"), "is a gzip archive"),
    "a shell script": (adding("install.sh", b"echo hi"), "install.sh is a .sh file"),
    "a docx": (adding("readme.docx", b"x"), "readme.docx is a .docx file"),
    "an mp3": (adding("assets/ding.mp3", b"x"), "assets/ding.mp3 is a .mp3 file"),
    "a jar": (adding("lib/tool.jar", b"x"), "lib/tool.jar is a .jar file"),
    "logo of the wrong size": (
        adding("assets/logo.png", png(128, 128)),
        "assets/logo.png is 128x128 pixels; it must be 320x320",
    ),
    "small logo of the wrong size": (adding("assets/logo-small.png", png(320, 320)), "it must be 128x128"),
    "logo not a PNG": (adding("assets/logo.png", b"GIF89a..."), "assets/logo.png is not a PNG image"),
    "missing logo": (without("assets/logo-small.png"), "assets/logo-small.png is missing"),
    "banner of the wrong size": (adding("assets/banner.png", png(800, 200)), "must be 830x200 or 1660x400"),
}


def test_the_built_package_passes_every_check():
    assert app_package_problems(package(good_files())) == []


@pytest.mark.parametrize(("spoil", "expected"), SPOILED.values(), ids=SPOILED.keys())
def test_a_package_breaking_a_rule_is_refused_with_that_one_problem(spoil, expected):
    problems = app_package_problems(package(spoil(good_files())))

    assert len(problems) == 1, problems
    assert expected in problems[0]


@pytest.mark.parametrize("size", [(830, 200), (1660, 400)])
def test_a_banner_of_either_allowed_size_passes(size):
    assert app_package_problems(package({**good_files(), "assets/banner.png": png(*size)})) == []


def test_a_symlink_entry_is_refused():
    problems = app_package_problems(with_symlink(good_files(), "assets/link.png", "/etc/passwd"))

    assert problems == ["assets/link.png is a symbolic link: Zendesk refuses packages with symlinks."]


def test_a_manifest_inside_a_folder_is_refused_with_how_to_zip_it():
    files = {f"trustdesk/{name}": data for name, data in good_files().items()}

    problems = app_package_problems(package(files))

    assert problems[0] == "manifest.json is inside the folder trustdesk/: zip the folder's contents, not the folder."


@pytest.mark.parametrize("data", [b"", b"not a zip at all", package(good_files())[:100]])
def test_an_unreadable_file_is_refused_as_not_a_zip(data):
    problems = app_package_problems(data)

    assert len(problems) == 1
    assert problems[0].startswith("The file is not a readable zip archive")
