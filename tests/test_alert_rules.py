"""The README's alert rules: the same as docs/prometheus/alerts.yml, valid for promtool, firing when they
should (docs/prometheus/alerts.test.yml), and on metrics /metrics really has."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests import factories

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "docs" / "prometheus" / "alerts.yml"
CASES = ROOT / "docs" / "prometheus" / "alerts.test.yml"
TOKEN = "metrics-token-0123456789abcdef"
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool is missing: install the Debian package prometheus (.ci/install-test-tools does)"
)


def readme_rules() -> str:
    readme = (ROOT / "README.md").read_text()
    found = re.search(r"```yaml\n# alert rules\n(.*?)```", readme, re.S)
    assert found, "README.md has no '# alert rules' block"
    return found.group(1)


def test_the_readme_shows_the_rules_file_as_it_is():
    rules = "".join(line for line in RULES.read_text().splitlines(keepends=True) if not line.startswith("#"))
    assert readme_rules() == rules


@needs_promtool
def test_promtool_finds_the_rules_valid():
    checked = subprocess.run([PROMTOOL, "check", "rules", str(RULES)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS: 7 rules found" in checked.stdout


@needs_promtool
def test_each_alert_fires_when_it_should_and_only_then():
    tested = subprocess.run([PROMTOOL, "test", "rules", CASES.name], cwd=CASES.parent, capture_output=True, text=True)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    alerts = set(re.findall(r"- alert: (\w+)", RULES.read_text()))
    assert alerts == set(re.findall(r"alertname: (\w+)", CASES.read_text())), "an alert has no test case"


@pytest.mark.django_db
def test_every_metric_a_rule_reads_is_served_by_metrics(client, settings):
    settings.TRUSTDESK_METRICS_TOKEN = TOKEN
    settings.TRUSTDESK_METRICS_ALLOWED_IPS = []
    settings.TRUSTPILOT_API_KEY = "tp-live-key"
    factories.ChannelInstanceFactory()
    factories.DomainFactory()

    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert response.status_code == 200
    served = set()
    for family in text_string_to_metric_families(response.content.decode()):
        served |= {family.name, *(family.name + suffix for suffix in ("_total", "_bucket", "_count", "_sum"))}
    read = set(re.findall(r"\btrustdesk_\w+", readme_rules()))
    assert read, "no metric found in the rules"
    assert read <= served, f"rules read metrics /metrics does not serve: {sorted(read - served)}"
