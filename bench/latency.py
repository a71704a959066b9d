"""Seconds from a review to Zendesk: webhooks and push, or polling alone, with the real processes.

    .venv/bin/python bench/latency.py [--every 2] [--seconds 60] [--poll-interval 10]
        [--database-url postgres://...] [--broker redis://127.0.0.1:6379/13 | filesystem://] [--mode both]

Each mode starts its own TrustDesk with the sandboxes (gunicorn, TRUSTDESK_SANDBOX=1, a fresh SQLite file or,
with --database-url, a throwaway PostgreSQL database next to the one given, see bench/databases.py) and a real
Celery worker with beat on the broker (a Redis database is flushed first: give the bench one of its own). It
seeds both sandboxes, connects TrustDesk to the Trustpilot sandbox's demo business and adds an account in the
Zendesk sandbox's agent view (the real admin_ui flow, over HTTP), then writes a review every --every seconds
for --seconds through the Trustpilot sandbox's control endpoint and times each one from the moment it was
written:

- webhooks + push: the sandbox sends service-review-created to TrustDesk's webhook URL, TrustDesk re-fetches
  and pushes; the end is when the Zendesk sandbox received the push (its /_control/pushes record). Polling
  runs at --webhook-poll-interval, as in production, so it does not stand in for the webhooks.
- polling only: no webhook subscription and no push client; the bench pulls TrustDesk every --pull-every
  seconds as Zendesk would, and the end is the first pull that returns the review.

It prints p50, p95 and max of each next to its target; nothing here is a test.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import databases  # noqa: E402
from bench.common import ENCRYPTION_KEY, GUNICORN, SECRET_KEY, free_port, verdict, wait_for_port  # noqa: E402

PYTHON = sys.executable
PUSH_TARGET = 5.0  # seconds, p95 with webhooks and push
POLL_SLACK = 2.0  # seconds over the poll interval, p95 with polling alone
SUBDOMAIN = "demo"
UNIT = "shop.example"


@dataclass
class Written:
    review_id: str
    at: float  # time.time() just before the control call


@dataclass
class Mode:
    name: str
    webhooks: bool
    poll_interval: int
    written: list[Written] = field(default_factory=list)
    arrived: dict[str, float] = field(default_factory=dict)  # review id -> time.time() it reached Zendesk


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--every", type=float, default=2.0, help="seconds between reviews (default 2)")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long reviews are written (default 60)")
    parser.add_argument("--poll-interval", type=int, default=10, help="TRUSTPILOT_POLL_INTERVAL, polling only")
    parser.add_argument("--webhook-poll-interval", type=int, default=60, help="TRUSTPILOT_POLL_INTERVAL, webhooks")
    parser.add_argument("--pull-every", type=float, default=0.25, help="seconds between the bench's pulls")
    parser.add_argument("--database-url", default="", help="TrustDesk's database (default: an SQLite file)")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/13", help="Celery broker (flushed if Redis)")
    parser.add_argument("--mode", choices=("both", "webhooks", "polling"), default="both")
    parser.add_argument("--result", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.poll_interval < 5:
        parser.error("--poll-interval: TrustDesk allows 5 seconds at least")
    modes = []
    if args.mode in ("both", "webhooks"):
        modes.append(Mode("webhooks + push", webhooks=True, poll_interval=args.webhook_poll_interval))
    if args.mode in ("both", "polling"):
        modes.append(Mode("polling only", webhooks=False, poll_interval=args.poll_interval))
    if len(modes) > 1:  # each mode in a process of its own: Django is set up once per process
        for mode in modes:
            print(f"Running {mode.name}: a review every {args.every:g}s for {args.seconds:g}s ...", flush=True)
            child = [PYTHON, __file__, *sys.argv[1:], "--mode", "webhooks" if mode.webhooks else "polling"]
            output = subprocess.run([*child, "--result"], cwd=ROOT, capture_output=True, text=True)
            if output.returncode != 0:
                raise SystemExit(f"the {mode.name} run failed:\n{output.stderr[-4000:]}")
            result = json.loads(output.stdout.strip().splitlines()[-1])
            mode.written = [Written(**w) for w in result["written"]]
            mode.arrived = result["arrived"]
    else:
        run(modes[0], args)
        if args.result:
            written = [{"review_id": w.review_id, "at": w.at} for w in modes[0].written]
            print(json.dumps({"written": written, "arrived": modes[0].arrived}))
            return
    report(modes, args)


def run(mode: Mode, args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="trustdesk-latency-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    suffix = "latency_webhooks" if mode.webhooks else "latency_polling"
    database_url = databases.scratch(args.database_url, suffix) if args.database_url else ""
    env = environment(mode, base, database_url or f"sqlite:///{work}/trustdesk.sqlite3", args.broker)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        broker_flush(args.broker)
        for command in (
            ("migrate", "--no-input", "-v", "0"),
            ("sandbox_seed", "--reviews-per-unit", "3", "--quiet"),
            ("connect_sandbox",),
            ("zendesk_sandbox_seed", "--subdomain", SUBDOMAIN, "--connect"),
        ):
            subprocess.run([PYTHON, "manage.py", *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        log = (work / "processes.log").open("wb")
        processes.append(
            subprocess.Popen(
                [
                    PYTHON,
                    "-m",
                    "gunicorn",
                    "trustdesk.wsgi",
                    "--bind",
                    f"127.0.0.1:{port}",
                    *GUNICORN,
                    "--log-level",
                    "warning",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=log,
            )
        )
        processes.append(
            subprocess.Popen(
                [
                    PYTHON,
                    "-m",
                    "celery",
                    "-A",
                    "trustdesk",
                    "worker",
                    "--beat",
                    "--schedule",
                    str(work / "celerybeat-schedule"),
                    "--concurrency",
                    "2",
                    "--loglevel",
                    "WARNING",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=log,
            )
        )
        wait_for_port(port)
        measure(mode, args, env, base)
    except BaseException:
        log_file = work / "processes.log"
        if log_file.exists():
            sys.stderr.write("The processes' log ends with:\n" + log_file.read_text(errors="replace")[-4000:])
        raise
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        if database_url:
            _close_django()
            databases.drop(args.database_url, database_url)
        shutil.rmtree(work, ignore_errors=True)


def environment(mode: Mode, base: str, database_url: str, broker: str) -> dict[str, str]:
    return {
        **os.environ,
        "DEBUG": "1",
        "TRUSTDESK_SANDBOX": "1",
        "SECRET_KEY": SECRET_KEY,
        "TRUSTDESK_ENCRYPTION_KEYS": ENCRYPTION_KEY,
        "TRUSTDESK_PUBLIC_URL": base,
        "DATABASE_URL": database_url,
        # filesystem:// queues in var/celery-broker, as `make run` does: do not run both at once.
        "CELERY_BROKER_URL": broker,
        "ZENDESK_RETURN_URL_HOSTS": "{subdomain}.localhost",
        "ZENDESK_PUSH_CLIENT_ID": "trustdesk_bench_push" if mode.webhooks else "",
        "TRUSTPILOT_POLL_INTERVAL": str(mode.poll_interval),
        "TRUSTPILOT_POLL_TICK": "1",
        "TRUSTPILOT_FIRST_POLL_DAYS": "1",
    }


def broker_flush(broker: str) -> None:
    if broker.startswith("redis://"):
        import redis

        redis.Redis.from_url(broker).flushdb()


def measure(mode: Mode, args: argparse.Namespace, env: dict[str, str], base: str) -> None:
    """In this process: Django on TrustDesk's database and settings, to add the account and read the records."""
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "trustdesk.settings"
    import django

    django.setup()
    import requests

    from sandbox.control import control_headers
    from sandbox.trustpilot.models import BusinessUnit
    from sandbox.zendesk.agent import desk
    from sandbox.zendesk.models import SandboxZendesk

    unit = BusinessUnit.objects.get(identifying_name=UNIT)
    http = requests.Session()
    http.headers.update(control_headers())
    if not mode.webhooks:
        for other in BusinessUnit.objects.all():
            answer = http.put(f"{base}/sandbox/trustpilot/_control/webhooks", json={"business_unit_id": other.id,
                              "urls": []}, timeout=30)  # fmt: skip
            answer.raise_for_status()
    account = desk.account_add(SandboxZendesk.objects.get(subdomain=SUBDOMAIN), email="", password="", sync_days=7)
    puller = Puller(base=base, metadata=account.metadata, every=args.pull_every) if not mode.webhooks else None
    settle(puller)
    if puller is not None:
        puller.start()
    try:
        write(mode, args, http, base, unit.id)
        wait_for_arrivals(mode, puller, grace=15.0 if mode.webhooks else mode.poll_interval + 15.0)
    finally:
        if puller is not None:
            puller.stop()
    http.close()


def settle(puller: Puller | None, seconds: float = 8.0) -> None:
    """Let the first sync's backlog go out (by push, or to the bench's pulls) before timing starts."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if puller is not None:
            puller.pull_once()
        time.sleep(0.5)
    if puller is not None:
        puller.seen.clear()


def write(mode: Mode, args: argparse.Namespace, http: Any, base: str, unit_id: str) -> None:
    started = time.monotonic()
    n = 0
    while time.monotonic() - started < args.seconds:
        n += 1
        at = time.time()
        answer = http.post(f"{base}/sandbox/trustpilot/_control/reviews", json={"business_unit_id": unit_id,
                           "stars": 4, "title": f"Latency review {n}", "text": "Timed by bench/latency.py."},
                           timeout=30)  # fmt: skip
        if answer.status_code != 201:
            raise SystemExit(f"the Trustpilot sandbox did not write the review: {answer.status_code} {answer.text}")
        mode.written.append(Written(review_id=answer.json()["id"], at=at))
        time.sleep(max(0.0, started + n * args.every - time.monotonic()))


def wait_for_arrivals(mode: Mode, puller: Puller | None, *, grace: float) -> None:
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        collect(mode, puller)
        if len(mode.arrived) == len(mode.written):
            return
        time.sleep(1.0)


def collect(mode: Mode, puller: Puller | None) -> None:
    """Where each written review arrived: the push record's time, or the first pull that returned it."""
    from integrations.models import ReviewTicketLink
    from sandbox.zendesk.models import SandboxPush

    ids = {w.review_id for w in mode.written}
    external = dict(
        ReviewTicketLink.objects.filter(kind="review", review__trustpilot_id__in=ids).values_list(
            "external_id", "review__trustpilot_id"
        )
    )
    if puller is not None:
        seen = dict(puller.seen)
    else:
        seen = {}
        for push in SandboxPush.objects.filter(status=200).order_by("id"):
            for result in push.results:
                if result["status"]["code"] in ("success", "already_imported"):
                    seen.setdefault(result["external_resource_id"], push.received_at.timestamp())
    for external_id, review_id in external.items():
        if external_id in seen:
            mode.arrived.setdefault(review_id, seen[external_id])


class Puller:
    """Zendesk's pull, made every `every` seconds: the first time each external_id is returned."""

    def __init__(self, *, base: str, metadata: str, every: float) -> None:
        import requests

        from integrations.app_address import manifest_url_for
        from sandbox.channel_calls import Integration

        self.http = requests.Session()
        self.integration = Integration.fetch(
            url=base, manifest_url=manifest_url_for(SUBDOMAIN, base=base), subdomain=SUBDOMAIN, http=self.http
        )
        self.metadata, self.every, self.state = metadata, every, ""
        self.seen: dict[str, float] = {}
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.done.set()
        self.thread.join(timeout=30)
        self.http.close()

    def loop(self) -> None:
        while not self.done.wait(self.every):
            self.pull_once()

    def pull_once(self) -> None:
        while True:
            page = self.integration.pull(metadata=self.metadata, state=self.state)
            now = time.time()
            for resource in page.resources:
                self.seen.setdefault(str(resource["external_id"]), now)
            self.state = page.state
            if not page.resources:
                return


def report(modes: list[Mode], args: argparse.Namespace) -> None:
    print()
    print(f"TrustDesk latency benchmark: a review every {args.every:g}s for {args.seconds:g}s, real processes")
    print(f"  database: {'PostgreSQL' if databases.is_postgres(args.database_url) else 'SQLite'}; "
          f"broker: {args.broker.split('://')[0]}")  # fmt: skip
    for mode in modes:
        latencies = sorted(
            max(0.0, mode.arrived[w.review_id] - w.at) for w in mode.written if w.review_id in mode.arrived
        )
        lost = len(mode.written) - len(latencies)
        if mode.webhooks:
            target, what = PUSH_TARGET, "written -> pushed to the Zendesk sandbox"
        else:
            target, what = mode.poll_interval + POLL_SLACK, f"written -> pullable (poll interval {mode.poll_interval}s)"
        if not latencies:
            print(f"  {mode.name:16}: nothing arrived of {len(mode.written)} reviews  MISSED")
            continue
        p50, p95 = statistics.median(latencies), percentile(latencies, 95)
        ok = p95 <= target and lost == 0
        print(
            f"  {mode.name:16}: {what}: p50 {p50:5.2f}s, p95 {p95:5.2f}s, max {latencies[-1]:5.2f}s over "
            f"{len(latencies)} reviews, {lost} not arrived  (target p95 <= {target:g}s, none lost)  {verdict(ok)}"
        )


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile of sorted values."""
    rank = max(1, -(-len(values) * pct // 100))
    return values[int(rank) - 1]


def _close_django() -> None:
    if "django.db" in sys.modules:
        from django.db import connections

        connections.close_all()


if __name__ == "__main__":
    main()
