"""The production layout, started for real and played end to end by Zendesk and Trustpilot stand-ins.

Run by .ci/production (which starts PostgreSQL and the broker and enforces the time limit):

    .venv/bin/python -m tools.production_check --broker-url redis://127.0.0.1:6379/0

It starts the vendors (both sandboxes, one gunicorn with TRUSTDESK_SANDBOX=1 and a database of its own) and
TrustDesk from the Procfile with honcho, as production runs it: DEBUG=0, an https public URL (a self-signed
certificate on gunicorn), 2 gunicorn workers, 2 Celery workers, one beat, PostgreSQL and the broker given. Then:

1. `manage.py zendesk_simulate` plays Zendesk against it (the app's manifest, admin_ui, the Trustpilot sign-in,
   pulls, a reply) and must succeed.
2. A second Zendesk account syncs the unanswered reviews of a business unit with thousands of them; the Celery
   worker running that backfill is SIGKILLed (its whole process group) in the middle, while Zendesk pulls and
   agents reply. The run must finish on the other worker, every review must reach Zendesk exactly once, and
   Trustpilot must receive each reply once.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import sys
import time
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import requests
from cryptography.fernet import Fernet

from sandbox.channel_calls import CallFailed
from sandbox.simulator import Simulation, Ticket
from tools.stack import (
    BIN,
    ROOT,
    CheckFailed,
    Stack,
    Started,
    certificate,
    databases_recreate,
    environment,
    free_port,
    kill_group,
    query,
    wait_until_up,
)

PYTHON = str(BIN / "python")
BULK_UNIT = "bulk.example"
REPLY_POST = re.compile(r'"POST /sandbox/trustpilot/v1/private/reviews/(\w+)/reply HTTP/[\d.]+" (\d{3}) ')
# Seconds, so a killed worker's backfill is resumed within the run; production keeps 600 and 300.
STALLED_AFTER, RESUME_INTERVAL = 15, 5


@dataclass
class Settings:
    work: Path
    server: str
    broker_url: str
    reviews: int

    @property
    def app_db(self) -> str:
        return f"{self.server}/trustdesk_prod"

    @property
    def vendor_db(self) -> str:
        return f"{self.server}/trustdesk_vendors"


@dataclass
class Deployment:
    """What check() started: the settings of each side, and the two Celery workers' honcho and process group."""

    config: Settings
    stack: Stack
    app: dict[str, str]
    vendor: dict[str, str]
    app_url: str
    workers: list[Started]
    worker_groups: dict[str, int]


@dataclass
class Kill:
    node: str
    at: float
    progress: int
    resumed: float | None = None


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--broker-url", required=True, help="redis://127.0.0.1:6379/0 or amqp://guest:guest@…//")
    parser.add_argument("--database-server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--reviews", type=int, default=4000, help="Reviews in the bulk business unit")
    parser.add_argument("--name", help="Of this run's directory under var/production-check/ (default: the scheme)")
    args = parser.parse_args()
    broker = args.name or args.broker_url.split(":", 1)[0]
    work = ROOT / "var" / "production-check" / broker
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    config = Settings(work=work, server=args.database_server.rstrip("/"), broker_url=args.broker_url,
                      reviews=args.reviews)  # fmt: skip
    stack = Stack(work)
    began = time.monotonic()
    # .ci/production's time limit ends this with SIGTERM: stop what was started on the way out.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        summary = check(config, stack)
    except (CheckFailed, CallFailed, requests.RequestException) as failure:
        say(f"FAILED ({broker}): {failure}")
        say(f"Logs: {work}")
        return 1
    finally:
        stack.stop()
    say(f"OK ({broker}) in {time.monotonic() - began:.0f}s: " + "; ".join(summary))
    return 0


def check(config: Settings, stack: Stack) -> list[str]:
    cert, key = certificate(config.work)
    os.environ["REQUESTS_CA_BUNDLE"] = str(cert)  # this process plays Zendesk and the admin's browser too
    vendor_port, app_port = free_port(), free_port()
    vendor_url, app_url = f"http://127.0.0.1:{vendor_port}", f"https://127.0.0.1:{app_port}"
    control_token = secrets.token_urlsafe(24)
    vendor = environment({
        "DEBUG": "1", "TRUSTDESK_SANDBOX": "1", "DATABASE_URL": config.vendor_db, "TRUSTDESK_PUBLIC_URL": vendor_url,
        "SECRET_KEY": secrets.token_urlsafe(50), "TRUSTDESK_SANDBOX_CONTROL_TOKEN": control_token,
        "LOG_LEVEL": "WARNING", "REQUESTS_CA_BUNDLE": str(cert),
    })  # fmt: skip
    app = environment({
        "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50),
        "TRUSTDESK_ENCRYPTION_KEYS": Fernet.generate_key().decode(), "TRUSTDESK_PUBLIC_URL": app_url,
        "DATABASE_URL": config.app_db, "CELERY_BROKER_URL": config.broker_url,
        "TRUSTPILOT_API_URL": f"{vendor_url}/sandbox/trustpilot",
        "TRUSTPILOT_AUTHORIZE_URL": f"{vendor_url}/sandbox/trustpilot/authenticate",
        "TRUSTPILOT_API_KEY": "sandbox-api-key", "TRUSTPILOT_API_SECRET": "sandbox-api-secret",
        "TRUSTPILOT_REVIEW_URL": f"{vendor_url}/sandbox/trustpilot/reviews/{{review_id}}",
        "ZENDESK_API_URL": f"{vendor_url}/sandbox/zendesk/{{subdomain}}",
        # The simulator's return_url is on <subdomain>.localhost, as `make run`'s is.
        "ZENDESK_RETURN_URL_HOSTS": "{subdomain}.zendesk.com,{subdomain}.localhost",
        # The stand-in has no rate limit: TrustDesk's own budget (833 calls in 5 minutes, a share for backfills)
        # would only make the run wait.
        "TRUSTPILOT_RATE_LIMIT_5MIN": "100000", "TRUSTPILOT_RATE_LIMIT_HOUR": "1000000",
        "TRUSTPILOT_BACKFILL_STALLED_AFTER": str(STALLED_AFTER),
        "TRUSTPILOT_BACKFILL_RESUME_INTERVAL": str(RESUME_INTERVAL),
        # The Procfile's own variables, and gunicorn's TLS for the https public URL.
        "WEB_BIND": f"127.0.0.1:{app_port}", "WEB_CONCURRENCY": "2", "WEB_THREADS": "4", "WORKER_CONCURRENCY": "2",
        "BEAT_SCHEDULE_FILE": str(config.work / "celerybeat-schedule"),
        "GUNICORN_CMD_ARGS": f"--certfile {cert} --keyfile {key}",
    })  # fmt: skip

    say(f"Databases trustdesk_prod and trustdesk_vendors; broker {config.broker_url}")
    databases_recreate(config.server, ["trustdesk_prod", "trustdesk_vendors"])
    stack.run("migrate-vendors", [PYTHON, "manage.py", "migrate", "--no-input"], vendor)
    stack.run("migrate", [PYTHON, "manage.py", "migrate", "--no-input"], app)
    stack.run("collectstatic", [PYTHON, "manage.py", "collectstatic", "--no-input"], app)
    stack.run("seed", [PYTHON, "manage.py", "sandbox_seed", "--reviews-per-unit", "20", "--quiet"], vendor)

    access_log = str(config.work / "vendors-access.log")  # where Trustpilot's receipt of each reply is counted
    stack.start("vendors", [str(BIN / "gunicorn"), "trustdesk.wsgi", "--bind", f"127.0.0.1:{vendor_port}",
                            "--workers", "2", "--threads", "4", "--access-logfile", access_log], vendor)  # fmt: skip
    honcho = [str(BIN / "honcho"), "-f", "Procfile", "-e", str(config.work / "empty.env"), "start"]
    (config.work / "empty.env").write_text("")  # the environment above, not a .env in the checkout
    web_beat = stack.start("web-beat", [*honcho, "web", "beat"], app)
    workers = [stack.start(f"worker-{n}", [*honcho, "worker"], app) for n in (1, 2)]
    wait_until_up(f"{vendor_url}/sandbox/trustpilot/v1/business-units/find?name=x")
    wait_until_up(f"{app_url}/zendesk/healthcheck", verify=str(cert))
    stack.children_of(web_beat)
    worker_groups = {worker.name: stack.children_of(worker)["worker.1"] for worker in workers}
    for worker in workers:
        stack.wait_for_line(worker, b"ready.")
    say(f"Up: vendors on {vendor_url}; TrustDesk on {app_url} (honcho: web, beat, 2 workers {worker_groups})")

    simulated = simulate(stack, app, vendor, app_url)
    return [simulated, *bulk_sync(Deployment(config, stack, app, vendor, app_url, workers, worker_groups))]


def simulate(stack: Stack, app: dict[str, str], vendor: dict[str, str], app_url: str) -> str:
    """`manage.py zendesk_simulate`, run as the vendors: it knows TrustDesk only by its app zip and URL."""
    zip_path = stack.work / "demo.zip"
    stack.run("app-demo", [PYTHON, "manage.py", "build_zendesk_app", "demo", "--output", str(zip_path)], app)
    output = stack.run(
        "zendesk_simulate",
        [PYTHON, "manage.py", "zendesk_simulate", "--url", app_url, "--app", str(zip_path), "--days", "365"],
        vendor,
        timeout=150,
    )
    tickets = re.search(r"Pulled until empty: (\d+) ticket", output)
    if not tickets or int(tickets[1]) == 0 or "Replied on ticket" not in output:
        raise CheckFailed(f"zendesk_simulate did not pull tickets and reply:\n{output[-2000:]}")
    say(f"zendesk_simulate: {tickets[1]} tickets, a reply published")
    return f"simulator: {tickets[1]} tickets and a reply"


def bulk_sync(deployment: Deployment) -> list[str]:
    config, stack, app, vendor = deployment.config, deployment.stack, deployment.app, deployment.vendor
    stack.run("seed-bulk", [PYTHON, "manage.py", "sandbox_seed", "--reviews-per-unit", "20", "--quiet",
                            "--business-unit", BULK_UNIT, "--reviews", str(config.reviews), "--days", "90"],
              vendor)  # fmt: skip
    expected = {row[0] for row in query(config.vendor_db, """
        SELECT r.id FROM trustpilot_sandbox_review r JOIN trustpilot_sandbox_businessunit u ON u.id = r.business_unit_id
        WHERE u.identifying_name = %s AND r.reply_text = '' AND NOT r.removed""", BULK_UNIT)}  # fmt: skip
    # Trustpilot's own pace (about 0.2 s a call), so the sync lasts long enough to lose a worker in the middle.
    faults = requests.post(f"{vendor['TRUSTDESK_PUBLIC_URL']}/sandbox/trustpilot/_control/faults",
                           json={"latency_ms": 200}, timeout=10,
                           headers={"X-Sandbox-Control-Token": vendor["TRUSTDESK_SANDBOX_CONTROL_TOKEN"]})  # fmt: skip
    if faults.status_code != 200:
        raise CheckFailed(f"the Trustpilot sandbox refused the latency switch: {faults.status_code} {faults.text}")
    zip_path = stack.work / "bulk.zip"
    stack.run("app-bulk", [PYTHON, "manage.py", "build_zendesk_app", "bulk", "--output", str(zip_path)], app)
    manifest_url = json.loads(_zip_read(zip_path, "requirements.json"))["channel_integrations"]
    zendesk = Simulation(url=deployment.app_url, manifest_url=next(iter(manifest_url.values()))["manifest_url"],
                         subdomain="bulk", sync_days=365, say=lambda line: say(f"zendesk: {line}"))  # fmt: skip
    zendesk.fetch_manifest()
    zendesk.add_account()  # ticks every domain and "sync unanswered reviews" of the last 365 days
    (instance,) = query(
        config.app_db,
        """SELECT ci.id FROM integrations_channelinstance ci
        JOIN integrations_zendeskaccount za ON za.id = ci.zendesk_account_id WHERE za.subdomain = 'bulk'""",
    )[0]
    (run_id,) = query(config.app_db, """SELECT r.id FROM reviews_syncrun r JOIN reviews_domain d ON d.id = r.domain_id
        WHERE d.name = %s AND r.kind = 'backfill' ORDER BY r.id DESC LIMIT 1""", BULK_UNIT)[0]  # fmt: skip
    say(f"Sync unanswered reviews started through admin_ui: run {run_id}, {len(expected)} unanswered in {BULK_UNIT}")

    pulled: Counter[str] = Counter()
    replies: list[str] = []
    killed: Kill | None = None
    state, deadline = "", time.monotonic() + 240
    integration = zendesk.integration
    while True:
        if time.monotonic() > deadline:
            raise CheckFailed(f"the bulk sync did not finish in time: {_run(config, run_id)}")
        page = integration.pull(metadata=zendesk.metadata, state=state)
        if page.metadata_needs_update:
            raise CheckFailed("pull asked for the account to be set up again")
        pulled.update(resource["external_id"] for resource in page.resources)
        if page.resources:
            known = set(zendesk.tickets)
            integration.report_created(zendesk.file(page.resources))
            state = page.state
            fresh = [ticket for thread, ticket in zendesk.tickets.items() if thread not in known]
            if fresh and len(replies) < 40:  # an agent answers a new ticket while the sync goes on
                replies.append(reply(zendesk, fresh[0], retried=len(replies) % 4 == 0))
        status, progress = _run(config, run_id)
        if killed is None and status == "running" and progress >= 10:
            killed = kill_backfill_worker(deployment, run_id)
            say(f"Run {run_id} was at {killed.progress}% (a heartbeat each page; stalled after {STALLED_AFTER}s)")
        elif killed and killed.resumed is None and (status != "running" or progress > killed.progress):
            killed.resumed = time.monotonic() - killed.at
            say(f"Run {run_id} moves again, {killed.resumed:.0f}s after the kill: {status}, {progress}%")
        if killed and killed.resumed is not None and not page.resources and _backfills_finished(config, instance):
            break
        if not page.resources:
            time.sleep(1)
    say(f"Run {run_id}: {_run(config, run_id)[0]}; {sum(pulled.values())} resources pulled; {len(replies)} replies")
    if killed is None:
        raise CheckFailed(f"run {run_id} finished before a worker could be killed in the middle of it")
    return verify(config, instance, run_id, expected, pulled, replies, killed)


def reply(zendesk: Simulation, ticket: Ticket, *, retried: bool) -> str:
    """An agent's reply; every fourth one Zendesk sends twice with the same request id, as after a timeout."""
    first = ticket.comments[0]
    request_id = secrets.token_hex(16)
    for _ in range(2 if retried else 1):
        zendesk.integration.channelback(metadata=zendesk.metadata, message=f"Thank you ({request_id[:6]})",
                                        parent_id=first["external_id"], thread_id=ticket.thread_id,
                                        recipient_id=first["author"]["external_id"], request_id=request_id)  # fmt: skip
    ticket.comments.append({"agent": True})
    return request_id


def kill_backfill_worker(deployment: Deployment, run_id: int) -> Kill:
    """SIGKILL the whole process group of the Celery worker that runs the backfill (main process and pool)."""
    stack, app, workers = deployment.stack, deployment.app, deployment.workers
    active = json.loads(stack.run("inspect", [str(BIN / "celery"), "-A", "trustdesk", "inspect", "active", "--json",
                                              "--timeout", "1.5"], app).strip().splitlines()[-1])  # fmt: skip
    for node, tasks in active.items():
        if any(t["name"] == "reviews.run_backfill" and str(run_id) in str(t["args"]) for t in tasks):
            pgid = int(node.split("@")[0].removeprefix("worker."))
            victim = next(w for w in workers if deployment.worker_groups[w.name] == pgid)
            kill_group(pgid)
            victim.popen.wait(timeout=15)  # honcho sees its only process die and exits
            survivor = next(w for w in workers if w is not victim)
            if survivor.popen.poll() is not None:
                raise CheckFailed("the other worker stopped too")
            say(f"SIGKILL to {victim.name} ({node}, process group {pgid}), which runs run {run_id}")
            return Kill(node=node, at=time.monotonic(), progress=_run(deployment.config, run_id)[1])
    raise CheckFailed(f"no worker reports run {run_id} as active: {active}")


def verify(
    config: Settings,
    instance: int,
    run_id: int,
    expected: set[str],
    pulled: Counter[str],
    replies: list[str],
    killed: Kill,
) -> list[str]:
    db = config.app_db
    runs = query(db, """SELECT r.id, r.status, r.error FROM reviews_syncrun r
        JOIN integrations_channelinstance_domains cd ON cd.domain_id = r.domain_id
        WHERE cd.channelinstance_id = %s AND r.kind = 'backfill'""", instance)  # fmt: skip
    if any(status != "succeeded" for _, status, _ in runs):
        raise CheckFailed(f"backfills not all SUCCEEDED: {runs}")
    twice = query(db, """SELECT instance_id, review_id, count(*) FROM integrations_reviewticketlink
        WHERE kind = 'review' GROUP BY instance_id, review_id HAVING count(*) > 1""")  # fmt: skip
    if twice:
        raise CheckFailed(f"reviews with more than one review link in one instance: {twice[:10]}")
    stored = {row[0] for row in query(db, """SELECT r.trustpilot_id FROM reviews_review r
        JOIN reviews_domain d ON d.id = r.domain_id WHERE d.name = %s""", BULK_UNIT)}  # fmt: skip
    if expected - stored:
        raise CheckFailed(
            f"{len(expected - stored)} unanswered reviews never arrived, e.g. {sorted(expected - stored)[:5]}"
        )
    # The bulk unit is new to TrustDesk: each of its unanswered reviews, synced or polled, is this instance's to pull
    # (one answered on Trustpilot already makes no ticket, integrations/services/outbox.py).
    unlinked = query(db, """SELECT count(*) FROM reviews_review r JOIN reviews_domain d ON d.id = r.domain_id
        WHERE d.name = %s AND r.company_reply_text = '' AND r.trustpilot_status = ''
        AND NOT EXISTS (SELECT 1 FROM integrations_reviewticketlink l
                        WHERE l.review_id = r.id AND l.instance_id = %s AND l.kind = 'review')""",
                     BULK_UNIT, instance)  # fmt: skip
    if unlinked[0][0]:
        raise CheckFailed(f"{unlinked[0][0]} unanswered reviews of {BULK_UNIT} have no review link for the instance")
    queued = {row[0] for row in query(db, """SELECT external_id FROM integrations_reviewticketlink
        WHERE instance_id = %s AND sequence IS NOT NULL""", instance)}  # fmt: skip
    if max(pulled.values()) != 1 or set(pulled) != queued:
        repeated = [external_id for external_id, n in pulled.items() if n > 1]
        raise CheckFailed(f"pulled {len(pulled)} external ids, queued {len(queued)}; repeated: {repeated[:5]}; "
                          f"never pulled: {sorted(queued - set(pulled))[:5]}")  # fmt: skip
    sent = query(db, """SELECT rv.trustpilot_id, rp.status FROM reviews_reply rp
        JOIN reviews_review rv ON rv.id = rp.review_id WHERE rp.zendesk_request_id = ANY(%s)""", replies)  # fmt: skip
    if len(sent) != len(replies) or any(status != "sent" for _, status in sent):
        raise CheckFailed(f"{len(replies)} replies sent from Zendesk, TrustDesk has {sent}")
    posts = Counter(m[1] for m in REPLY_POST.finditer((config.work / "vendors-access.log").read_text())
                    if m[2].startswith("2"))  # fmt: skip
    doubled = {review: posts[review] for review, _ in sent if posts[review] != 1}
    if doubled:
        raise CheckFailed(f"Trustpilot did not receive each reply once: {doubled}")
    recovered = _took(config, run_id)
    return [
        f"all {len(runs)} backfills of its domains SUCCEEDED (run {run_id}: {len(expected)} unanswered reviews, "
        f"worker killed at {killed.progress}%, resumed {killed.resumed or 0:.0f}s later; {recovered})",
        f"{len(pulled)} resources pulled, each once; one review link per review and instance",
        f"{len(replies)} replies ({sum(1 for n in range(len(replies)) if n % 4 == 0)} sent twice by Zendesk), "
        "each received once by Trustpilot",
    ]


def _run(config: Settings, run_id: int) -> tuple[str, int]:
    status, progress = query(config.app_db, "SELECT status, progress_percent FROM reviews_syncrun WHERE id = %s",
                             run_id)[0]  # fmt: skip
    return str(status), int(progress)


def _backfills_finished(config: Settings, instance: int) -> bool:
    active = query(
        config.app_db,
        """SELECT count(*) FROM reviews_syncrun r
        JOIN integrations_channelinstance_domains cd ON cd.domain_id = r.domain_id
        WHERE cd.channelinstance_id = %s AND r.kind = 'backfill' AND r.status IN ('queued', 'running')""",
        instance,
    )
    return bool(active[0][0] == 0)


def _took(config: Settings, run_id: int) -> str:
    started, finished = query(config.app_db, "SELECT started_at, finished_at FROM reviews_syncrun WHERE id = %s",
                              run_id)[0]  # fmt: skip
    return f"{(finished - started).total_seconds():.0f}s from start to finish"


def _zip_read(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read(name)


if __name__ == "__main__":
    sys.exit(main())
