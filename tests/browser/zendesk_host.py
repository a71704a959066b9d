"""A stand-in for Zendesk's Admin Center in the browser tests: a page on the account's own host, on
another site than TrustDesk (<subdomain>.localhost, which Chromium resolves to loopback, while the live
server is 127.0.0.1), that POSTs admin_ui's fields into a named iframe, as Zendesk does (docs/zendesk.md §2.1),
and the return_url endpoint on the same host that records what the finish page posts back."""

from __future__ import annotations

import html
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

FRAME = "zendesk-admin-ui"
RETURN_PATH = "/zendesk/channels/integration_service_instances/editor_finalizer"


@dataclass
class ZendeskHost:
    admin_ui_url: str
    fields: dict[str, str]
    url: str = ""
    returned: list[dict[str, str]] = field(default_factory=list)

    @property
    def return_url(self) -> str:
        return self.url + RETURN_PATH

    def host_page(self) -> str:
        inputs = "".join(
            f'<input type="hidden" name="{html.escape(name)}" value="{html.escape(value)}">'
            for name, value in {**self.fields, "return_url": self.return_url}.items()
        )
        return (
            "<!doctype html><html><head><meta charset='utf-8'><title>Zendesk Admin Center</title></head><body>"
            f'<form id="open-admin-ui" method="post" target="{FRAME}" action="{html.escape(self.admin_ui_url)}">'
            f"{inputs}</form>"
            f'<iframe name="{FRAME}" id="{FRAME}" width="1200" height="900"></iframe>'
            "<script>document.getElementById('open-admin-ui').submit();</script></body></html>"
        )


def handler_for(host: ZendeskHost) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/":
                self.answer(200, host.host_page())
            else:  # /favicon.ico: nothing to show, and no console error for it
                self.answer(204, "")

        def do_POST(self) -> None:
            if self.path != RETURN_PATH:
                self.answer(404, "Not found")
                return
            body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
            host.returned.append({name: values[0] for name, values in parse_qs(body).items()})
            self.answer(200, "<!doctype html><title>Saved</title><p id='saved'>Zendesk saved the account.</p>")

        def answer(self, status: int, body: str) -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            return  # keep the test output to the test's own

    return Handler


@contextmanager
def zendesk_host(*, admin_ui_url: str, **fields: str) -> Iterator[ZendeskHost]:
    """Serves the host page at http://<subdomain>.localhost for the block; fields are those Zendesk posts, but
    return_url."""
    host = ZendeskHost(admin_ui_url=admin_ui_url, fields=fields)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(host))
    host.url = f"http://{fields.get('subdomain', 'acme')}.localhost:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="zendesk-host", daemon=True)
    thread.start()
    try:
        yield host
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
