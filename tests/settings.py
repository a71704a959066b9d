"""Settings for the test suite: production settings with test keys, so production checks stay on."""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-that-is-long-enough-for-production-checks")
os.environ.setdefault(
    "TRUSTDESK_ENCRYPTION_KEYS",
    "dGVzdC1rZXktb25lLWZvci10aGUtdGVzdC1zdWl0ZS0=,dGVzdC1rZXktdHdvLWZvci10aGUtdGVzdC1zdWl0ZS0=",
)
os.environ.setdefault("TRUSTDESK_PUBLIC_URL", "https://trustdesk.test")

from trustdesk.settings import *  # noqa: F403
from trustdesk.settings import INSTALLED_APPS, SANDBOX_APPS, STORAGES

# The sandboxes' apps are installed for every test (their views still answer 404 until a test turns
# TRUSTDESK_SANDBOX on), so tests run on production settings yet can reach the stand-in vendors.
INSTALLED_APPS = [*INSTALLED_APPS, *(app for app in SANDBOX_APPS if app not in INSTALLED_APPS)]

# Tests call tasks inline; tests/test_celery_worker.py sends to a real worker through its own app.
CELERY_TASK_ALWAYS_EAGER = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
ALLOWED_HOSTS = ["*"]
WHITENOISE_AUTOREFRESH = True
