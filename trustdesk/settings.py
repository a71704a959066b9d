"""Django settings for TrustDesk. Every value comes from trustdesk.env; nothing else reads os.environ."""

from __future__ import annotations

from trustdesk import env as config
from trustdesk.env import BASE_DIR

DEBUG = config.read_bool("DEBUG", False)
SECRET_KEY = config.read_secret_key(DEBUG)
TRUSTDESK_ENCRYPTION_KEYS = config.read_encryption_keys(DEBUG)

TRUSTDESK_PUBLIC_URL = config.read_public_url(DEBUG)
# The sandboxes (sandbox/) are installed and routed only with TRUSTDESK_SANDBOX on; without DEBUG that also
# takes TRUSTDESK_SANDBOX_WITHOUT_DEBUG, so a production start cannot serve fake vendors by one stray variable.
TRUSTDESK_SANDBOX = config.read_sandbox_switch(DEBUG)
SANDBOX_APPS = ["sandbox.trustpilot", "sandbox.zendesk", "sandbox.zendesk.agent"]
# The sandboxes' /_control endpoints ask for this token (X-Sandbox-Control-Token); sandbox_seed prints it.
TRUSTDESK_SANDBOX_CONTROL_TOKEN = config.read_str("TRUSTDESK_SANDBOX_CONTROL_TOKEN") or config.derived_token(
    SECRET_KEY, "sandbox-control"
)

# The author Zendesk shows for TrustDesk's private app (the app zip's manifest.json).
ZENDESK_APP_AUTHOR_NAME = config.read_str("ZENDESK_APP_AUTHOR_NAME") or "TrustDesk"
ZENDESK_APP_AUTHOR_EMAIL = (
    config.read_str("ZENDESK_APP_AUTHOR_EMAIL") or f"support@{config.host_of(TRUSTDESK_PUBLIC_URL)}"
)
ZENDESK_APP_AUTHOR_URL = config.read_http_url("ZENDESK_APP_AUTHOR_URL", TRUSTDESK_PUBLIC_URL)

# With the sandbox on, Trustpilot defaults to TrustDesk's own fake of it (explicit values still win).
SANDBOX_URL = f"{TRUSTDESK_PUBLIC_URL}/sandbox/trustpilot"
TRUSTPILOT_API_URL = config.read_http_url(
    "TRUSTPILOT_API_URL", SANDBOX_URL if TRUSTDESK_SANDBOX else "https://api.trustpilot.com"
)
TRUSTPILOT_AUTHORIZE_URL = config.read_http_url(
    "TRUSTPILOT_AUTHORIZE_URL",
    f"{SANDBOX_URL}/authenticate" if TRUSTDESK_SANDBOX else "https://authenticate.trustpilot.com",
)
TRUSTPILOT_API_KEY = config.read_str("TRUSTPILOT_API_KEY") or ("sandbox-api-key" if TRUSTDESK_SANDBOX else "")
TRUSTPILOT_API_SECRET = config.read_str("TRUSTPILOT_API_SECRET") or ("sandbox-api-secret" if TRUSTDESK_SANDBOX else "")

# [UNCONFIRMED] pattern of a review's public page (docs/trustpilot.md §4.6); the sandbox serves its own.
TRUSTPILOT_REVIEW_URL = config.read_url_template(
    "TRUSTPILOT_REVIEW_URL",
    f"{SANDBOX_URL}/reviews/{{review_id}}" if TRUSTDESK_SANDBOX else "https://www.trustpilot.com/reviews/{review_id}",
    "{review_id}",
)
TRUSTPILOT_TIMEOUT = config.read_int("TRUSTPILOT_TIMEOUT", 10, minimum=1)
TRUSTPILOT_RATE_LIMIT_5MIN = config.read_int("TRUSTPILOT_RATE_LIMIT_5MIN", 833, minimum=1)
TRUSTPILOT_RATE_LIMIT_HOUR = config.read_int("TRUSTPILOT_RATE_LIMIT_HOUR", 10_000, minimum=1)
# The shortest interval between two polls of a domain: what a deployment of a few domains gets. With more
# domains the scheduler (reviews/schedule.py, docs/scheduling.md) stretches each domain's interval to fit the budget.
TRUSTPILOT_POLL_INTERVAL = config.read_int("TRUSTPILOT_POLL_INTERVAL", 60, minimum=5)
TRUSTPILOT_POLL_TICK = config.read_int("TRUSTPILOT_POLL_TICK", 5, minimum=1)
# Percent of each rate limit kept for replies, sign-ins and webhook re-fetches; the most backfills may take.
TRUSTPILOT_RESERVE_PERCENT = config.read_int("TRUSTPILOT_RESERVE_PERCENT", 15, minimum=1, maximum=50)
TRUSTPILOT_BACKFILL_PERCENT = config.read_int("TRUSTPILOT_BACKFILL_PERCENT", 30, minimum=1, maximum=50)
# A domain with a review newer than TRUSTPILOT_ACTIVE_WINDOW seconds is polled TRUSTPILOT_ACTIVE_WEIGHT times as
# often; one with a webhook newer than TRUSTPILOT_WEBHOOK_WINDOW seconds, TRUSTPILOT_WEBHOOK_POLL_FACTOR times less.
TRUSTPILOT_ACTIVE_WINDOW = config.read_int("TRUSTPILOT_ACTIVE_WINDOW", 6 * 3600, minimum=60)
TRUSTPILOT_ACTIVE_WEIGHT = config.read_int("TRUSTPILOT_ACTIVE_WEIGHT", 4, minimum=1, maximum=100)
TRUSTPILOT_WEBHOOK_WINDOW = config.read_int("TRUSTPILOT_WEBHOOK_WINDOW", 3600, minimum=60)
TRUSTPILOT_WEBHOOK_POLL_FACTOR = config.read_int("TRUSTPILOT_WEBHOOK_POLL_FACTOR", 10, minimum=1, maximum=1000)
TRUSTPILOT_POLL_OVERLAP = config.read_int("TRUSTPILOT_POLL_OVERLAP", 600, minimum=0)
TRUSTPILOT_FIRST_POLL_DAYS = config.read_int("TRUSTPILOT_FIRST_POLL_DAYS", 1, minimum=0)
TRUSTPILOT_RESCAN_DAYS = config.read_int("TRUSTPILOT_RESCAN_DAYS", 14, minimum=1)
# The shortest interval between two re-scans of a domain; the scheduler stretches it with the number of domains.
TRUSTPILOT_RESCAN_INTERVAL = config.read_int("TRUSTPILOT_RESCAN_INTERVAL", 3600, minimum=60)
TRUSTPILOT_BACKFILL_WINDOW_DAYS = config.read_int("TRUSTPILOT_BACKFILL_WINDOW_DAYS", 7, minimum=1)
# A running backfill whose heartbeat (one per page stored) is older than this lost its worker, and the resume
# task, every TRUSTPILOT_BACKFILL_RESUME_INTERVAL seconds, hands it to another. Keep it well above the longest page
# fetch (retries and rate-limit waits included): a live worker that is merely slow then loses the run and stops at
# its next page (backfill_claim), which is safe but repeats that page's calls.
TRUSTPILOT_BACKFILL_STALLED_AFTER = config.read_int("TRUSTPILOT_BACKFILL_STALLED_AFTER", 600, minimum=10)
TRUSTPILOT_BACKFILL_RESUME_INTERVAL = config.read_int("TRUSTPILOT_BACKFILL_RESUME_INTERVAL", 300, minimum=1)
# [UNCONFIRMED] Trustpilot's reply length limit (docs/trustpilot.md §5.3).
TRUSTPILOT_REPLY_MAX_LENGTH = config.read_int("TRUSTPILOT_REPLY_MAX_LENGTH", 5000, minimum=1)
# The largest body a Trustpilot webhook POST may have; a larger one is refused with 413 (polling still finds it).
TRUSTPILOT_WEBHOOK_MAX_BYTES = config.read_int("TRUSTPILOT_WEBHOOK_MAX_BYTES", 1_048_576, minimum=1024)
# The admin dashboard warns about Trustpilot refresh tokens expiring within this many days.
TRUSTDESK_TOKEN_EXPIRY_WARNING_DAYS = config.read_int("TRUSTDESK_TOKEN_EXPIRY_WARNING_DAYS", 14, minimum=0)

# With the sandbox on, Zendesk's API defaults to TrustDesk's own fake of it, one account per subdomain.
ZENDESK_API_URL = config.read_zendesk_api_url(
    f"{TRUSTDESK_PUBLIC_URL}/sandbox/zendesk/{{subdomain}}" if TRUSTDESK_SANDBOX else "https://{subdomain}.zendesk.com"
)
ZENDESK_PUSH_CLIENT_ID = config.read_str("ZENDESK_PUSH_CLIENT_ID")
# The largest body a channel endpoint reads: Zendesk's requests are a few kilobytes, and the endpoints are
# open to anyone, so a larger body is refused with 413 before it is parsed.
ZENDESK_MAX_REQUEST_BYTES = config.read_int("ZENDESK_MAX_REQUEST_BYTES", 1_048_576, minimum=1024)
ZENDESK_RETURN_URL_HOSTS = config.read_zendesk_host_patterns("ZENDESK_RETURN_URL_HOSTS", ["{subdomain}.zendesk.com"])
ZENDESK_ENFORCE_ACCESS_ON_CHANNELBACK = config.read_bool("ZENDESK_ENFORCE_ACCESS_ON_CHANNELBACK", False)
# Seconds a channelback may take, author check and Trustpilot calls included; Zendesk's own timeout is
# unpublished (docs/zendesk.md §4.3), so the answer comes well inside 10 s and a slow Trustpilot is left to
# the retry task.
ZENDESK_CHANNELBACK_TIME_BUDGET = config.read_int("ZENDESK_CHANNELBACK_TIME_BUDGET", 8, minimum=1, maximum=10)

ALLOWED_HOSTS = config.read_list(
    "ALLOWED_HOSTS", [config.host_of(TRUSTDESK_PUBLIC_URL), "localhost", "127.0.0.1", "[::1]"]
)
CSRF_TRUSTED_ORIGINS = [TRUSTDESK_PUBLIC_URL]
_behind_tls_proxy = config.read_bool("USE_X_FORWARDED_PROTO", False)
if _behind_tls_proxy:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# In production behind the TLS proxy, plain http is redirected to https and browsers are told to keep to https
# for a year. Without the proxy's header Django cannot tell https from http, so a redirect could loop: both
# default to off there, and an operator who terminates TLS otherwise turns them on.
_https_only = _behind_tls_proxy and not DEBUG
SECURE_SSL_REDIRECT = config.read_bool("SECURE_SSL_REDIRECT", _https_only)
# A load balancer's probe may reach the web process in plain http; this healthcheck answers only ok or
# unavailable, so it is served there rather than redirected (a probe counts a 301 as a failure).
# /metrics is scraped on each host's own address (its counts are per host), which a TLS proxy does not front.
SECURE_REDIRECT_EXEMPT = [r"^zendesk/healthcheck$", r"^metrics$"]
SECURE_HSTS_SECONDS = config.read_int("SECURE_HSTS_SECONDS", 31_536_000 if _https_only else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = config.read_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = config.read_bool("SECURE_HSTS_PRELOAD", False)
# Preloading binds the whole registrable domain to https in browsers for months after it is undone: that is
# the domain owner's decision, not a default, so Django's reminder to preload (security.W021) is silenced.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
if TRUSTDESK_PUBLIC_URL.startswith("https://"):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "trustdesk",
    "reviews",
    "integrations",
    *(SANDBOX_APPS if TRUSTDESK_SANDBOX else []),
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "trustdesk.urls"
WSGI_APPLICATION = "trustdesk.wsgi.application"
ASGI_APPLICATION = "trustdesk.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "trustdesk" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": config.read_database(BASE_DIR / "db.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Without DEBUG, run `manage.py collectstatic` once per release; with it, files are served from the apps.
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_USE_FINDERS = DEBUG

REST_FRAMEWORK = {
    # Zendesk's channel calls carry no Django session: each view authenticates its caller itself.
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
    ],
    "UNAUTHENTICATED_USER": None,
}

# Celery: with no broker, tasks run in the calling process, so TrustDesk needs no server to start.
CELERY_BROKER_URL = config.read_broker_url()
CELERY_RESULT_BACKEND = config.read_str("CELERY_RESULT_BACKEND") or None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
if CELERY_BROKER_URL.startswith("filesystem://"):
    # kombu's filesystem transport: one machine, no server; `make run` uses it for a real worker and beat.
    _queue_dir = BASE_DIR / "var" / "celery-broker"
    _queue_dir.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        # Its exchange tables, which kombu otherwise writes to ./control in the working directory.
        "control_folder": str(_queue_dir / "control"),
    }
CELERY_BEAT_SCHEDULE = {
    # Polls and re-scans both: each tick queues the domains that are due, as many as the budget allows.
    "poll-reviews": {"task": "reviews.poll_due_domains", "schedule": float(TRUSTPILOT_POLL_TICK)},
    "resume-stalled-backfills": {
        "task": "reviews.resume_stalled_backfills",
        "schedule": float(TRUSTPILOT_BACKFILL_RESUME_INTERVAL),
    },
    "retry-pending-replies": {"task": "reviews.retry_pending_replies", "schedule": 120.0},
    "prune-sync-history": {"task": "reviews.prune_sync_history", "schedule": 86_400.0},
    "delete-stale-setups": {"task": "integrations.delete_stale_setups", "schedule": 900.0},
    "prune-refused-requests": {"task": "integrations.prune_refused_requests", "schedule": 86_400.0},
}

# Prometheus /metrics: 404 unless a token or an address list is set; with both, a scrape needs both.
TRUSTDESK_METRICS_TOKEN = config.read_metrics_token("TRUSTDESK_METRICS_TOKEN")
TRUSTDESK_METRICS_ALLOWED_IPS = config.read_networks("TRUSTDESK_METRICS_ALLOWED_IPS")
# Read by prometheus_client itself when it is imported: it must be in the environment (or .env) of every
# process of the host. Without it each process counts alone and a scrape sees only the one that answers.
PROMETHEUS_MULTIPROC_DIR = config.read_multiprocess_dir("PROMETHEUS_MULTIPROC_DIR")
TRUSTDESK_METRICS_WORKER_PORT = config.read_int("TRUSTDESK_METRICS_WORKER_PORT", 0, minimum=0, maximum=65535)
TRUSTDESK_METRICS_WORKER_ADDRESS = config.read_str("TRUSTDESK_METRICS_WORKER_ADDRESS") or "127.0.0.1"
if TRUSTDESK_METRICS_WORKER_PORT and not PROMETHEUS_MULTIPROC_DIR:
    # Celery's pool processes count in their own memory; the worker's server reads them only through the files.
    raise config.fail("TRUSTDESK_METRICS_WORKER_PORT", "needs PROMETHEUS_MULTIPROC_DIR, shared by the pool's processes")

LOG_LEVEL = config.read_choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"redact_app_secrets": {"()": "trustdesk.log_filters.RedactAppSecrets"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_app_secrets"]}
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
