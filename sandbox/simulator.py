"""A stand-in for Zendesk that plays the Channel Framework against a running TrustDesk, over HTTP.

It fetches the manifest, adds an account through admin_ui (signing in on the Trustpilot page and
clicking Allow, as an admin would), receives the return_url POST on a listener of its own, pulls until
the backlog is empty, reports the tickets it made through the event callback, sends a channelback,
and says what it would have shown agents. `manage.py zendesk_simulate` runs it; so does the
end-to-end test. Zendesk's calls themselves are sandbox.channel_calls', which the Zendesk sandbox's
agent view makes too, adding accounts through this simulator's admin_ui steps.

The simulator keeps its tickets in memory, where no push can reach them: left to itself it sends no push token
and TrustDesk serves it by pull, as it does an account saved before the manifest had push_client_id. The agent
view, whose tickets live in the Zendesk sandbox, issues one (instance_push_id, push_token below).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import requests

from sandbox.channel_calls import TIMEOUT, CallFailed, Integration, expect

SHORT_CODE = re.compile(r'id="short-code">\s*([A-Z0-9-]+)\s*<')


def loopback(url: str) -> str:
    """A URL on <name>.localhost, as browsers reach it: on the loopback address (RFC 6761)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not host.endswith(".localhost"):
        return url
    return parts._replace(netloc=f"127.0.0.1:{parts.port}" if parts.port else "127.0.0.1").geturl()


# TrustDesk did not answer as Zendesk expects, in a step of the simulation's own or in one of Zendesk's calls.
SimulationError = CallFailed


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, list[str]] = field(default_factory=dict)
    checkboxes: dict[str, list[str]] = field(default_factory=dict)
    selects: dict[str, list[str]] = field(default_factory=dict)


class PageParser(HTMLParser):
    """Links and forms of a page, enough to click through it as a person would."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self.forms.append(Form(action=a.get("action", ""), method=a.get("method", "get").lower()))
        elif tag == "input" and self.forms and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind == "checkbox":
                self.forms[-1].checkboxes.setdefault(a["name"], []).append(a.get("value", "on"))
                if "checked" in a:
                    self.forms[-1].fields.setdefault(a["name"], []).append(a.get("value", "on"))
            elif kind not in ("submit", "button", "radio") or "checked" in a:
                self.forms[-1].fields.setdefault(a["name"], []).append(a.get("value", ""))
        elif tag == "button" and self.forms and a.get("name"):
            self.forms[-1].fields.setdefault(a["name"], [a.get("value", "")])
        elif tag == "select" and self.forms and a.get("name"):
            self._select = a["name"]
            self.forms[-1].selects[a["name"]] = []
        elif tag == "option" and self._select and self.forms:
            self.forms[-1].selects[self._select].append(a.get("value", ""))
            if "selected" in a:
                self.forms[-1].fields[self._select] = [a.get("value", "")]
        elif tag == "textarea" and self.forms and a.get("name"):
            self.forms[-1].fields.setdefault(a["name"], [""])

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def parse_page(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    return parser


class ReturnListener:
    """The return_url: receives the browser's final POST of name, metadata and state.

    Zendesk's return_url is on the account's own host (acme.zendesk.com); the listener's is
    <subdomain>.localhost, which browsers resolve to loopback (RFC 6761), and so does `loopback()`.
    """

    def __init__(self, subdomain: str) -> None:
        self.received: dict[str, str] = {}
        self.event = threading.Event()
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
                listener.received = {key: values[0] for key, values in form.items()}
                listener.event.set()
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"Account saved")

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://{subdomain}.localhost:{self.server.server_address[1]}/zendesk/channels/return"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Ticket:
    thread_id: str
    ticket_id: int
    subject: str
    comments: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Simulation:
    url: str
    # The account's secret manifest URL, as in the app's requirements.json (integrations.app_address): kept
    # out of repr, since the secret in it opens that account's channel endpoints.
    manifest_url: str = field(repr=False)
    subdomain: str = "demo"
    email: str = "demo@trustdesk.test"
    password: str = "sandbox"  # noqa: S105 (the sandbox's documented demo login)
    sync_days: int = 365
    reply: str = "Thank you for your review! (sent from the Zendesk simulator)"
    # With a Celery worker, "sync unanswered reviews" runs in the background: keep pulling this long for it.
    wait: float = 60.0
    say: Callable[[str], None] = print
    http: requests.Session = field(default_factory=requests.Session)
    # What Zendesk adds to the admin_ui POST when the manifest has push_client_id (docs/zendesk.md §8.1): the
    # integration instance's id and a push token issued for it. Empty: the manifest asks for no push.
    instance_push_id: str = ""
    push_token: str = field(default="", repr=False)
    manifest: dict[str, Any] = field(default_factory=dict)
    name: str = ""
    metadata: str = ""
    tickets: dict[str, Ticket] = field(default_factory=dict)

    def run(self) -> dict[str, Ticket]:
        self.fetch_manifest()
        self.add_account()
        self.pull_until_empty()
        if self.tickets:
            self.channelback(next(iter(self.tickets.values())))
        return self.tickets

    @property
    def integration(self) -> Integration:
        return Integration(url=self.url, manifest=self.manifest, subdomain=self.subdomain, http=self.http)

    def endpoint(self, key: str) -> str:
        """The manifest's URL for `key`, on the server this simulation talks to."""
        return self.integration.endpoint(key)

    def fetch_manifest(self) -> None:
        self.manifest = Integration.fetch(
            url=self.url, manifest_url=self.manifest_url, subdomain=self.subdomain, http=self.http
        ).manifest
        self.say(
            f"Manifest: {self.manifest['name']} {self.manifest.get('version', '')} by {self.manifest.get('author')}"
        )

    def add_account(self) -> None:
        listener = ReturnListener(self.subdomain)
        try:
            form = {"name": "", "metadata": "", "state": "", "return_url": listener.url, "subdomain": self.subdomain,
                    "locale": "en-US"}  # fmt: skip
            if self.manifest.get("push_client_id") and self.instance_push_id:
                form.update(instance_push_id=self.instance_push_id, zendesk_access_token=self.push_token)
            page = self.http.post(self.endpoint("admin_ui"), data=form, timeout=TIMEOUT)
            expect(page, 200, "admin_ui")
            page = self.connect_trustpilot(page)
            page = self.choose_domains(page)
            self.submit_finish(page)
            if not listener.event.wait(TIMEOUT):
                raise SimulationError("admin_ui never posted to return_url")
        finally:
            listener.close()
        self.name = listener.received.get("name", "")
        self.metadata = listener.received.get("metadata", "")
        if not self.metadata:
            raise SimulationError(f"return_url received no metadata: {listener.received}")
        self.say(f"Account added: {self.name!r}")

    def connect_trustpilot(self, page: requests.Response) -> requests.Response:
        """Sign in as the admin would, in a window of its own: with no script to hand the grant back to the
        setup page, the window shows a code, which the admin types into the setup page."""
        setup = parse_page(page.text)
        connect = next((link for link in setup.links if "/admin_ui/connect" in link), None)
        claim = next((form for form in setup.forms if "/admin_ui/claim" in form.action), None)
        if connect is None or claim is None or any("/admin_ui/domains" in form.action for form in setup.forms):
            return page  # editing an account whose Trustpilot connection still works
        window = requests.Session()  # the sign-in window: its own cookies, as a top-level window has
        try:
            sign_in = window.get(urljoin(page.url, connect), timeout=TIMEOUT)
            expect(sign_in, 200, "Trustpilot sign-in page")
            form = next(iter(parse_page(sign_in.text).forms), None)
            if form is None:
                raise SimulationError("the Trustpilot sign-in page has no form")
            data = {key: values[0] for key, values in form.fields.items()}
            data.update(email=self.email, password=self.password, action="allow")
            answer = window.post(urljoin(sign_in.url, form.action or sign_in.url), data=data,
                                 headers={"Referer": sign_in.url}, timeout=TIMEOUT)  # fmt: skip
        finally:
            window.close()
        expect(answer, 200, "Trustpilot callback")
        code = SHORT_CODE.search(answer.text)
        if code is None:
            raise SimulationError("after Allow, the sign-in window showed no code to type into the setup page")
        self.say(f"Signed in to Trustpilot as {self.email}, clicked Allow, and typed the code {code.group(1)}")
        fields = {key: values[0] for key, values in claim.fields.items()}
        page = self.http.post(urljoin(page.url, claim.action), data={**fields, "code": code.group(1)}, timeout=TIMEOUT)
        expect(page, 200, "domains page")
        return page

    def choose_domains(self, page: requests.Response) -> requests.Response:
        form = next((f for f in parse_page(page.text).forms if f.checkboxes), None)
        if form is None:
            raise SimulationError("the domains page has no domain checkboxes")
        data: dict[str, Any] = {key: values for key, values in form.fields.items()}
        name, offered = next(iter(form.checkboxes.items()))
        data[name] = offered
        for box, values in form.checkboxes.items():
            if box != name and "sync" in box:
                data[box] = values
        for select, options in form.selects.items():
            if str(self.sync_days) in options:
                data[select] = [str(self.sync_days)]
        answer = self.http.post(urljoin(page.url, form.action or page.url), data=data, timeout=TIMEOUT)
        expect(answer, 200, "domains submission")
        self.say(f"Chose {len(offered)} domain(s), syncing unanswered reviews of the last {self.sync_days} days")
        return answer

    def submit_finish(self, page: requests.Response) -> None:
        form = next((f for f in parse_page(page.text).forms if "return" in f.action), None)
        if form is None:
            raise SimulationError("admin_ui did not end with a form posting to return_url")
        data = {key: values[0] for key, values in form.fields.items()}
        requests.post(loopback(form.action), data=data, timeout=TIMEOUT)

    def pull_until_empty(self, limit: int = 1000) -> None:
        state = ""
        deadline = time.monotonic() + self.wait
        integration = self.integration
        for _ in range(limit):
            page = integration.pull(metadata=self.metadata, state=state)
            if page.metadata_needs_update:
                raise SimulationError("pull asked for the account to be set up again (metadata_needs_update)")
            if not page.resources:
                if self.tickets or time.monotonic() > deadline:
                    break
                time.sleep(3)  # Zendesk pulls every two minutes; the simulator is more impatient
                continue
            integration.report_created(self.file(page.resources))
            state = page.state
        self.say(f"Pulled until empty: {len(self.tickets)} ticket(s)")

    def file(self, resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Turn resources into tickets and comments as Zendesk would, and describe what was made."""
        events = []
        for resource in resources:
            thread = resource.get("thread_id") or resource["external_id"]
            ticket = self.tickets.get(thread)
            kind = "comment_on_existing_ticket"
            if ticket is None:
                subject = next((f["value"] for f in resource.get("fields", []) if f["id"] == "subject"), "")
                ticket = self.tickets[thread] = Ticket(thread, 1000 + len(self.tickets), subject)
                kind = "comment_on_new_ticket"
            ticket.comments.append(resource)
            events.append({"type_id": kind, "external_id": resource["external_id"], "ticket_id": ticket.ticket_id,
                           "comment_id": 50_000 + sum(len(t.comments) for t in self.tickets.values())})  # fmt: skip
        return events

    def report_created(self, resource_events: list[dict[str, Any]]) -> None:
        self.integration.report_created(resource_events)

    def channelback(self, ticket: Ticket) -> str:
        first = ticket.comments[0]
        external_id = self.integration.channelback(
            metadata=self.metadata,
            message=self.reply,
            parent_id=first["external_id"],
            thread_id=ticket.thread_id,
            recipient_id=first["author"]["external_id"],
        )
        ticket.comments.append({"external_id": external_id, "message": self.reply, "agent": True})
        self.say(f"Replied on ticket #{ticket.ticket_id}: published on Trustpilot as {external_id}")
        return external_id


def describe(tickets: dict[str, Ticket]) -> list[str]:
    lines = []
    for ticket in tickets.values():
        lines.append(f"#{ticket.ticket_id} {ticket.subject}")
        for comment in ticket.comments:
            who = "agent" if comment.get("agent") else comment.get("author", {}).get("name", "?")
            note = " (internal note)" if comment.get("internal_note") else ""
            text = str(comment.get("message", "")).replace("\n", " ")
            lines.append(f"    {who}{note}: {text[:100]}")
    return lines
