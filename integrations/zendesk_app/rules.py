"""The rules on manifest.json, requirements.json and translations/*.json (zendesk_apps_support's validations)."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from integrations.zendesk_app.archive import AppArchive

BOOLEAN_KEYS = ("requirementsOnly", "singleInstall", "private", "signedUrls", "marketingOnly")
STRING_KEYS = ("defaultLocale", "version", "frameworkVersion", "termsConditionsURL")
VALID_LOCALE = re.compile(r"^[a-z]{2,3}(-\w{2,3})?$")
TRANSLATION_FILE = re.compile(r"^translations/(?P<locale>[^/]+)\.json$")
PARAMETER_TYPES = ("text", "password", "checkbox", "url", "number", "multiline", "hidden", "oauth")
REQUIREMENT_TYPES = frozenset(
    {
        "automations",
        "channel_integrations",
        "custom_objects",
        "macros",
        "targets",
        "views",
        "ticket_fields",
        "triggers",
        "user_fields",
        "organization_fields",
        "webhooks",
        "custom_objects_v2",
    }
)
UNTITLED_REQUIREMENT_TYPES = frozenset({"channel_integrations", "custom_objects", "webhooks", "custom_objects_v2"})
MAX_REQUIREMENTS = 5000
PUBLIC_APP_KEYS = ("short_description", "long_description", "installation_instructions")


def shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def manifest_problems(archive: AppArchive) -> list[str]:
    manifest = archive.document("manifest.json")
    if manifest is None:
        return []
    problems = [
        f"manifest.json has no {key}: Zendesk requires it."
        for key in ("author", "defaultLocale")
        if key not in manifest
    ]
    problems += author_problems(manifest.get("author"))
    problems += [
        f"manifest.json: {key} must be a JSON boolean (true or false), not {shown(manifest[key])}."
        for key in BOOLEAN_KEYS
        if key in manifest and not isinstance(manifest[key], bool)
    ]
    problems += [
        f"manifest.json: {key} must be a string, not {shown(manifest[key])}."
        for key in STRING_KEYS
        if key in manifest and not isinstance(manifest[key], str)
    ]
    problems += requirements_only_problems(manifest, archive)
    problems += default_locale_problems(manifest.get("defaultLocale"), archive)
    if "parameters" in manifest:
        problems += parameter_problems(manifest["parameters"])
    return problems


def author_problems(author: Any) -> list[str]:
    if author is None:
        return []
    if not isinstance(author, dict):
        return [f"manifest.json: author must be an object with name, email and url, not {shown(author)}."]
    problems = [
        f"manifest.json: author.{key} must be a string, not {shown(author[key])}."
        for key in ("name", "email", "url")
        if key in author and not isinstance(author[key], str)
    ]
    url = author.get("url")
    if isinstance(url, str) and not (re.match(r"^https?://", url) and urlsplit(url).netloc):
        problems.append(f"manifest.json: author.url {shown(url)} is not a valid http(s) URL.")
    return problems


def requirements_only_problems(manifest: dict[str, Any], archive: AppArchive) -> list[str]:
    flag = manifest.get("requirementsOnly", False)
    if flag is not True:
        # ZAS would then ask for a location and app source, which an installer has no use for. A flag that is
        # not a boolean at all is reported once, by the boolean rule.
        if not isinstance(flag, bool):
            return []
        return ["manifest.json must set requirementsOnly to true: this app only installs the channel integration."]
    problems = [
        f"manifest.json defines {key}, which a requirements-only app cannot have: remove it."
        for key in ("location", "frameworkVersion")
        if key in manifest
    ]
    if not archive.has("requirements.json"):
        problems.append("A requirements-only app must contain requirements.json.")
    return problems


def default_locale_problems(locale: Any, archive: AppArchive) -> list[str]:
    if not isinstance(locale, str):
        return []
    if not VALID_LOCALE.match(locale):
        return [f"manifest.json: defaultLocale {shown(locale)} is not a locale such as en or en-US."]
    if not archive.has(f"translations/{locale}.json"):
        return [f"translations/{locale}.json is missing: the default locale ({locale}) needs its translation file."]
    return []


def parameter_problems(parameters: Any) -> list[str]:
    if not isinstance(parameters, list):
        return [f"manifest.json: parameters must be an array, not {shown(parameters)}."]
    if not all(isinstance(parameter, dict) for parameter in parameters):
        return ["manifest.json: every entry of parameters must be an object."]
    names = [parameter.get("name") for parameter in parameters]
    problems = [
        f"manifest.json: the parameter {shown(name)} is declared twice." for name in set(names) if names.count(name) > 1
    ]
    if "name" in names:
        problems.append('manifest.json: no parameter may be called "name" (Zendesk uses it for the installation).')
    for parameter in parameters:
        label = shown(parameter.get("name"))
        problems += [
            f"manifest.json: {key} of the parameter {label} must be a JSON boolean, not {shown(parameter[key])}."
            for key in ("required", "secure")
            if key in parameter and not isinstance(parameter[key], bool)
        ]
        if parameter.get("type", "text") not in PARAMETER_TYPES:
            problems.append(f"manifest.json: the parameter {label} has an unknown type {shown(parameter['type'])}.")
        if parameter.get("type") == "hidden" and parameter.get("required") is True:
            problems.append(f"manifest.json: the hidden parameter {label} cannot be required.")
    if sum(1 for parameter in parameters if parameter.get("type") == "oauth") > 1:
        problems.append("manifest.json: at most one parameter may be of type oauth.")
    return problems


def requirements_problems(archive: AppArchive) -> list[str]:
    requirements = archive.document("requirements.json")
    if requirements is None:
        return []
    unknown = sorted(set(requirements) - REQUIREMENT_TYPES)
    problems = [f"requirements.json: {shown(kind)} is not a requirement type Zendesk knows." for kind in unknown]
    groups = {kind: entries for kind, entries in requirements.items() if isinstance(entries, dict)}
    problems += [f"requirements.json: {kind} must be an object." for kind in requirements if kind not in groups]
    count = sum(len(entries) for entries in groups.values())
    if count > MAX_REQUIREMENTS:
        problems.append(f"requirements.json declares {count} requirements; Zendesk allows at most {MAX_REQUIREMENTS}.")
    problems += channel_integration_problems(groups.get("channel_integrations", {}))
    for kind, entries in groups.items():
        if kind not in UNTITLED_REQUIREMENT_TYPES:
            problems += [
                f"requirements.json: the {kind} entry {shown(identifier)} has no title."
                for identifier, fields in entries.items()
                if not (isinstance(fields, dict) and "title" in fields)
            ]
    return problems


def channel_integration_problems(integrations: dict[str, Any]) -> list[str]:
    if not integrations:
        return ["requirements.json declares no channel integration: this app exists to install one."]
    problems = []
    if len(integrations) > 1:
        names = ", ".join(sorted(integrations))
        problems.append(
            f"requirements.json declares {len(integrations)} channel integrations ({names}); "
            "Zendesk allows exactly one per app."
        )
    for identifier, fields in integrations.items():
        url = fields.get("manifest_url") if isinstance(fields, dict) else None
        if url is None:
            problems.append(f"requirements.json: the channel integration {shown(identifier)} has no manifest_url.")
        elif not (isinstance(url, str) and url.startswith("https://") and urlsplit(url).netloc):
            problems.append(
                f"requirements.json: the manifest_url of {shown(identifier)} is {shown(url)}, but Zendesk installs "
                "a channel integration only from an https URL."
            )
    return problems


def translations_problems(archive: AppArchive) -> list[str]:
    manifest = archive.document("manifest.json") or {}
    locale = manifest.get("defaultLocale")
    problems = []
    for name in sorted(archive.contents):
        match = TRANSLATION_FILE.match(name)
        if match is None:
            continue
        if not VALID_LOCALE.match(match["locale"]):
            problems.append(f"{name} is named after {shown(match['locale'])}, which is not a locale such as en.")
        app = (archive.document(name) or {}).get("app")
        problems += parameter_label_problems(name, app)
        if name == f"translations/{locale}.json":
            problems += app_text_problems(name, app, public=manifest.get("private", True) is False)
    return problems


def app_text_problems(name: str, app: Any, *, public: bool) -> list[str]:
    if not isinstance(app, dict) or not isinstance(app.get("name"), str) or not app["name"].strip():
        return [f"{name} has no app.name: Zendesk shows the app under that name."]
    if not public:
        return []
    present = {"short_description" if key == "description" else key for key in app}
    return [f"{name} has no app.{key}, which a public app needs." for key in PUBLIC_APP_KEYS if key not in present]


def parameter_label_problems(name: str, app: Any) -> list[str]:
    parameters = app.get("parameters") if isinstance(app, dict) else None
    if not isinstance(parameters, dict):
        return []
    return [
        f"{name}: app.parameters.{parameter} has no label."
        for parameter, texts in parameters.items()
        if not (isinstance(texts, dict) and "label" in texts)
    ]
