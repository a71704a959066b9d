"""The production process layout: the Procfile honcho runs, and the settings that resume a lost backfill.

.ci/production starts the layout for real (tools/production_check.py); these tests keep its shape.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from pathlib import Path

from honcho.environ import expand_processes, parse_procfile

from tests.test_configuration import ROOT, production, run_check, run_manage

PROCFILE = parse_procfile((ROOT / "Procfile").read_text())


def expanded(command: str, **env: str) -> list[str]:
    """The arguments a Procfile line starts its program with, once the shell has expanded it."""
    printed = command.replace("exec ", "exec printf '%s\\n' ", 1)
    environment = {"PATH": os.environ["PATH"], **env}
    result = subprocess.run(["sh", "-c", printed], env=environment, capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_the_procfile_names_web_worker_and_beat_and_nothing_else():
    assert list(PROCFILE.processes) == ["web", "worker", "beat"]
    assert shlex.split(PROCFILE.processes["web"])[:3] == ["exec", "gunicorn", "trustdesk.wsgi"]
    assert shlex.split(PROCFILE.processes["worker"])[:5] == ["exec", "celery", "-A", "trustdesk", "worker"]
    assert "celery -A trustdesk beat" in PROCFILE.processes["beat"]


def test_only_the_beat_process_schedules():
    # Two beats queue every periodic task twice: no worker embeds one (celery worker -B/--beat).
    worker = shlex.split(PROCFILE.processes["worker"])
    assert "-B" not in worker and "--beat" not in worker
    assert [name for name, command in PROCFILE.processes.items() if " beat " in f" {command} "] == ["beat"]


def test_honcho_starts_two_workers_one_web_and_one_beat():
    processes = expand_processes(PROCFILE.processes, concurrency={"worker": 2}, env={}, quiet=None)

    assert sorted(process.name for process in processes) == ["beat.1", "web.1", "worker.1", "worker.2"]


def test_gunicorn_takes_its_address_processes_and_threads_from_the_environment():
    web = PROCFILE.processes["web"]

    default = expanded(web)
    chosen = expanded(web, WEB_BIND="127.0.0.1:9000", WEB_CONCURRENCY="5", WEB_THREADS="8")

    assert default[:8] == ["gunicorn", "trustdesk.wsgi", "--bind", "0.0.0.0:8000", "--workers", "2", "--threads", "4"]
    assert chosen[2:8] == ["--bind", "127.0.0.1:9000", "--workers", "5", "--threads", "8"]


def test_each_worker_gets_a_node_name_of_its_own_on_one_host():
    worker = PROCFILE.processes["worker"]

    names = {line for _ in range(2) for line in expanded(worker) if line.startswith("worker.")}

    assert len(names) == 2
    assert all(name.endswith("@%h") for name in names)
    assert expanded(worker, WORKER_CONCURRENCY="6")[6:8] == ["--concurrency", "6"]


def test_honcho_is_pinned_with_the_runtime_dependencies():
    assert "honcho==2.0.0" in (ROOT / "requirements.txt").read_text().splitlines()


SCHEDULE_PROBE = """
import json
from django.conf import settings
from reviews.services import sync
print(json.dumps([sync.stalled_after().total_seconds(),
                  settings.CELERY_BEAT_SCHEDULE["resume-stalled-backfills"]["schedule"]]))
"""


def stall_settings(tmp_path: Path, **values: str) -> list[float]:
    result = run_manage(tmp_path, ["shell", "-c", SCHEDULE_PROBE], **production(**values))
    assert result.returncode == 0, result.stderr
    return list(json.loads(result.stdout.strip().splitlines()[-1]))


def test_a_lost_backfill_is_resumed_after_ten_minutes_checked_every_five_by_default(tmp_path):
    assert stall_settings(tmp_path) == [600.0, 300.0]


def test_ci_can_shorten_the_stall_threshold_and_the_resume_interval_to_seconds(tmp_path):
    assert stall_settings(
        tmp_path, TRUSTPILOT_BACKFILL_STALLED_AFTER="15", TRUSTPILOT_BACKFILL_RESUME_INTERVAL="5"
    ) == [15.0, 5.0]


def test_a_stall_threshold_shorter_than_any_page_fetch_is_refused(tmp_path):
    result = run_check(tmp_path, **production(TRUSTPILOT_BACKFILL_STALLED_AFTER="3"))

    assert result.returncode != 0
    assert "TRUSTPILOT_BACKFILL_STALLED_AFTER: must be at least 10, got 3" in result.stderr


def test_the_web_access_log_never_writes_the_secrets_of_app_addresses_or_webhook_urls():
    from datetime import timedelta
    from types import SimpleNamespace

    from gunicorn.config import Config

    from trustdesk.gunicorn_logging import RedactingLogger

    assert "--logger-class trustdesk.gunicorn_logging.RedactingLogger" in PROCFILE.processes["web"]
    secret, hook = "s3cr3t-app-address-0123456789abcdef", "w3bh00k-0123456789abcdef"
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": f"/zendesk/a/{secret}/pull",
        "PATH_INFO": f"/trustpilot/webhooks/{hook}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": f"https://trustdesk.example/zendesk/a/{secret}/admin_ui",
        "QUERY_STRING": "",
    }
    response = SimpleNamespace(status="200 OK", sent=2, headers=[])
    request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])

    atoms = RedactingLogger(Config()).atoms(response, request, environ, timedelta(milliseconds=3))

    assert secret not in repr(atoms) and hook not in repr(atoms)
    assert atoms["r"] == "POST /zendesk/a/…/pull HTTP/1.1"
    assert atoms["U"] == "/trustpilot/webhooks/…"
