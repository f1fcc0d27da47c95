"""Settings shared by every environment. Values that differ come from the environment.

`DATABASE_URL` chooses the database (default: the embedded SQLite file in var/).
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

import django_stubs_ext

from jiceng.config import databases

# Lets classes that the type stubs make generic be subscripted at run time too
# (`admin.ModelAdmin[User]`, `forms.ModelForm[RoleAssignment]`).
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parents[3]
VAR_DIR = Path(os.environ.get("JICENG_VAR_DIR") or BASE_DIR / "var")


# Typed readers of the environment: every JICENG_* tunable is declared below with one of them,
# so the README's variables take effect and an operator finds them all in this file.
def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    return float(value) if value else default


def env_list(name: str, default: list[str]) -> list[str]:
    """A comma-separated list: "a,b,c"."""
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_pairs(name: str, separator: str) -> dict[str, str]:
    """Comma-separated pairs, "name=value,..." (or with another separator); none when unset."""
    return dict(
        item.split(separator, 1)
        for item in os.environ.get(name, "").split(",")
        if separator in item
    )


def local_secrets() -> dict[str, str]:
    """Keys for the embedded installation, made once and kept in var/secrets.json.

    Production takes every key from the environment (see prod.py); this file only exists so
    that `make demo` works on a fresh machine without anyone inventing keys by hand.
    """
    path = VAR_DIR / "secrets.json"
    if path.exists():
        kept: dict[str, str] = json.loads(path.read_text())
        if "AUDIT_KEY" not in kept:  # made before the audit chain was keyed: add its key
            kept["AUDIT_KEY"] = secrets.token_hex(32)
            path.write_text(json.dumps(kept))
        return kept
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    made = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_KEYS": "1:" + secrets.token_hex(16),
        "INDEX_KEY": secrets.token_hex(32),
        "AUDIT_KEY": secrets.token_hex(32),
    }
    path.write_text(json.dumps(made))
    path.chmod(0o600)
    return made


_local = local_secrets() if not os.environ.get("JICENG_SECRET_KEY") else {}  # read once at start-up

SECRET_KEY = os.environ.get("JICENG_SECRET_KEY") or _local["SECRET_KEY"]
# SM4 keys for personal data, "version:hex" pairs separated by commas; the first one encrypts,
# all of them decrypt, so a key can be rotated without rewriting every row at once.
JICENG_FIELD_KEYS = os.environ.get("JICENG_FIELD_KEYS") or _local.get("FIELD_KEYS", "")
# HMAC-SM3 key of the blind indexes (exact lookup of ID and phone numbers).
JICENG_INDEX_KEY = os.environ.get("JICENG_INDEX_KEY") or _local.get("INDEX_KEY", "")
# HMAC-SM3 key of the audit log's hash chain and of its checkpoints (core.audit_chain), hex.
JICENG_AUDIT_KEY = env_str("JICENG_AUDIT_KEY", "") or _local.get("AUDIT_KEY", "")
# The file the keys above came from, named when they do not fit the database (core.keys);
# empty when the environment gives them.
JICENG_KEYS_FILE = str(VAR_DIR / "secrets.json") if _local else ""

DEBUG = env_bool("JICENG_DEBUG", False)
# [::1]: the server listens on IPv6 as well (granian --host ::).
ALLOWED_HOSTS = env_list("JICENG_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "jiceng.accounts.admin_apps.JicengAdminConfig",  # the three administrators' site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "treebeard",
    "ninja",  # serves the API docs page with its bundled Swagger UI, not from an outside host
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "jiceng.core",
    "jiceng.accounts",
    "jiceng.divisions",
    "jiceng.orgs",
    "jiceng.members",
    "jiceng.development",
    "jiceng.appraisal",
    "jiceng.orglife",
    "jiceng.transfers",
    "jiceng.points",
    "jiceng.grid",
    "jiceng.cases",
    "jiceng.feedback",
    "jiceng.exports",
    "jiceng.web",
    "jiceng.datasets",
    "jiceng.notices",
    "jiceng.dashboard",
    "jiceng.annual_statistics",
    "jiceng.dues",
    "jiceng.rectification",
    "jiceng.villages",
    "jiceng.taskforces",
    "jiceng.households",
    "jiceng.posts",
    "jiceng.consent",
    "jiceng.cooperatives",
    "jiceng.reporting",
    "jiceng.stations",
    "jiceng.ops",
    "jiceng.federation",
]

MIDDLEWARE = [
    # /healthz, /readyz and /metrics answer here, before the host check and the HTTPS redirect
    # (ops.views says why); then every other request is counted and timed (ops.metrics).
    "jiceng.ops.middleware.ProbeMiddleware",
    "jiceng.ops.middleware.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # The machines' endpoints (JICENG_MACHINE_PATHS) end here, without the page middleware:
    # a middleware added below never sees them (bench/RESULTS.md says what this is worth).
    "jiceng.web.middleware.MachineEndpointsMiddleware",
    # The riders' public page (红帆驿站) for a browser without a session: its own short path.
    "jiceng.stations.fast.RiderPageMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After a user's write, that user's reads stay on the primary for a while (core.replicas).
    "jiceng.core.replicas.PrimaryAfterWriteMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "jiceng.core.audit.AuditContextMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "jiceng.accounts.sessions.IdleTimeoutMiddleware",
    "jiceng.accounts.second_factor.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "jiceng.web.middleware.DomainErrorMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout flagged by the backend into a page
]

# Paths of endpoints for machines, not people (API key, JSON or XML, no session): they skip
# the pages' middleware (web.middleware.MachineEndpointsMiddleware).
JICENG_MACHINE_PATHS = env_list("JICENG_MACHINE_PATHS", ["/open311/"])

ROOT_URLCONF = "jiceng.config.urls"
WSGI_APPLICATION = "jiceng.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "jiceng.web.context_processors.navigation",
                "jiceng.notices.context_processors.unread_notices",
            ],
        },
    },
]

SQLITE_PATH = VAR_DIR / "jiceng.sqlite3"
CONN_MAX_AGE = env_int("JICENG_CONN_MAX_AGE", 600)
# DATABASE_URL may name several hosts (libpq's multi-host form, config/databases.py):
# postgresql://jiceng@10.0.0.11:6432,10.0.0.12:6432/jiceng?target_session_attrs=read-write
DATABASES = {
    "default": databases.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{SQLITE_PATH}",
        conn_max_age=CONN_MAX_AGE,
        conn_health_checks=True,
    )
}
# A streaming replica that reports and dashboards may read (core.replicas routes them there;
# unset: everything reads the primary). A replica further behind than
# JICENG_REPLICA_MAX_LAG_SECONDS is bypassed; for JICENG_PRIMARY_STICKY_SECONDS after a
# user's write (a POST), that user's reads stay on the primary.
JICENG_REPLICA_URL = env_str("JICENG_REPLICA_URL", "")
JICENG_REPLICA_MAX_LAG_SECONDS = env_float("JICENG_REPLICA_MAX_LAG_SECONDS", 5.0)
JICENG_PRIMARY_STICKY_SECONDS = env_int("JICENG_PRIMARY_STICKY_SECONDS", 10)
if JICENG_REPLICA_URL:
    DATABASES["replica"] = databases.parse(
        JICENG_REPLICA_URL, conn_max_age=CONN_MAX_AGE, conn_health_checks=True
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["jiceng.core.replicas.ReplicaRouter"]
# On SQLite, `jiceng scheduler` checkpoints the WAL (copies its pages back into the database
# file) this often, so that no web request does it (core/sqlite/checkpoints.py); the
# connections then checkpoint on their own only past 10,000 pages of WAL. 0: the scheduler
# takes none, and every connection checkpoints at SQLite's 1,000 pages.
JICENG_SQLITE_CHECKPOINT_SECONDS = env_float("JICENG_SQLITE_CHECKPOINT_SECONDS", 0.1)
_OWN_CHECKPOINT_PAGES = 10_000 if JICENG_SQLITE_CHECKPOINT_SECONDS > 0 else 1_000
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while one writer writes; IMMEDIATE takes the write lock at BEGIN
    # so two writers queue instead of failing with "database is locked": on a lock file first
    # (core/sqlite/base.py: a waiting writer wakes when the lock is free, not after a sleep of
    # SQLite's busy handler), then on busy_timeout for writers outside a transaction.
    DATABASES["default"]["ENGINE"] = "jiceng.core.sqlite"
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY; "
            f"PRAGMA wal_autocheckpoint={_OWN_CHECKPOINT_PAGES};"
        ),
    }

# Background work (reminders, overdue cases) through Django's tasks API, queued in the
# database; `jiceng db_worker` runs the queue.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Periodic tasks: `jiceng scheduler` enqueues each of them every so many seconds (0: never;
# core.scheduler names the task of each). JICENG_SCHEDULE="tick=30,meeting_warnings=600"
# changes some of them.
JICENG_SCHEDULE: dict[str, int] = {
    "tick": 60,  # overdue cases: escalation and notices (cases.deadlines)
    "case_notices": 10,  # case notices sent by e-mail and SMS in batches (cases.notices)
    "meeting_reminders": 60,  # 会前提醒 (orglife.reminders)
    "meeting_warnings": 86400,  # the secretaries' warnings (each reads every branch: daily)
    "audit_checkpoint": 86400,  # the audit chain's head written down (core.audit_checkpoints)
    "purge_exports": 3600,  # background exports past JICENG_EXPORT_KEEP_HOURS deleted
    "weak_organizations": 86400,  # the monthly detection (rectification.detection), daily
    "dues_bills": 86400,  # the month's dues bills (dues.billing; idempotent: daily covers the 1st)
    "transfer_receipts": 86400,  # late receipts of transfer letters chased (transfers.receipts)
    "points": 3600,  # 积分: this and last month's attendance and cases posted (points.posting)
    "appraisal": 86400,  # the year's standardization scores and stars (appraisal.scoring)
    "village_presence": 86400,  # 驻村在岗核查: last and this month, terms ended (villages.presence)
    "taskforce_notices": 10,  # task forces' gap notices by e-mail and SMS (taskforces.notices)
    "consent_rounds": 300,  # consent rounds past their deadline frozen (consent.services)
    "heartbeat": 30,  # a worker runs it: readiness and the metrics read its age (ops.heartbeats)
    "partitions": 86400,  # PostgreSQL: months' partitions made, old ones dropped (core.partitions)
    "federation_outbox": 60,  # 跨省转接: outbox handed to the other instances (federation.exchange)
    "federation_inbox": 60,  # and their messages acted on; both idle where no peer is configured
    **{name: int(seconds) for name, seconds in env_pairs("JICENG_SCHEDULE", "=").items()},
}
# A meeting's reminder goes to each expected member this many minutes before it starts, once;
# from this day of the month a secretary is warned, once a month, of the month's required
# meetings not yet scheduled.
JICENG_MEETING_REMINDER_LEAD = env_int("JICENG_MEETING_REMINDER_LEAD", 24 * 60)
JICENG_MEETING_WARNING_DAY = env_int("JICENG_MEETING_WARNING_DAY", 20)
# The receipt (回执) of a transfer letter is expected back this many days after the letter is
# issued; a later one is chased (transfers.receipts).
JICENG_TRANSFER_RECEIPT_DAYS = env_int("JICENG_TRANSFER_RECEIPT_DAYS", 30)
# A household (联系户) with no visit for this many days is shown as overdue on its contact
# member's and its grid worker's workbench (households.queries.visit_days).
JICENG_HOUSEHOLD_VISIT_DAYS = env_int("JICENG_HOUSEHOLD_VISIT_DAYS", 90)
# A village whose collective income of a year is under either line (yuan) is a weak collective
# economy (集体经济薄弱村), unless its province or city sets its own (cooperatives.WeakLine).
JICENG_WEAK_COLLECTIVE_TOTAL = env_int("JICENG_WEAK_COLLECTIVE_TOTAL", 100_000)
JICENG_WEAK_COLLECTIVE_OPERATING = env_int("JICENG_WEAK_COLLECTIVE_OPERATING", 50_000)

# Notices: always in the site's notice centre (the rows), and by the channels named here too
# ("email", "sms"), each through its backend, as Django sends e-mail through EMAIL_BACKEND.
# The development backends write files under the var directory: var/mail, var/sms.
JICENG_NOTICE_CHANNELS = env_list("JICENG_NOTICE_CHANNELS", ["email", "sms"])
# The SMS gateway (notices.sms): a dotted path to a class with send_messages(messages).
JICENG_SMS_BACKEND = env_str("JICENG_SMS_BACKEND", "jiceng.notices.sms.FileBackend")
JICENG_SMS_FILE_PATH = VAR_DIR / "sms"
EMAIL_BACKEND = env_str("JICENG_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = env_str("JICENG_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("JICENG_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("JICENG_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_str("JICENG_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("JICENG_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("JICENG_EMAIL_FROM", "jiceng@localhost")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "jiceng.accounts.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {
        "NAME": "jiceng.accounts.password_validation.CharacterClassValidator",
        "OPTIONS": {"min_classes": 3},
    },
]

# Sign-in hardening (等保 2.0). The axes backend comes first: it refuses a locked-out username
# before any password is checked.
AUTHENTICATION_BACKENDS = [
    "jiceng.accounts.backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Locked per account, summed over every address and browser that tried it. Not per address
# as well: behind one NAT address a whole street office signs in, and five typos among its
# staff would lock them all out. Guessing from one address across many accounts meets the
# per-address rate limit on sign-in POSTs instead (JICENG_RATES["signin"]), which is why axes'
# warning about a lockout without 'ip_address' is silenced.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
# Defaults of the sign-in policy; the security administrator's SecurityPolicy overrides them
# (accounts.policy), which is why axes reads both through functions.
JICENG_LOCKOUT_FAILURES = env_int("JICENG_LOCKOUT_FAILURES", 5)
JICENG_LOCKOUT_MINUTES = env_int("JICENG_LOCKOUT_MINUTES", 15)
AXES_FAILURE_LIMIT = "jiceng.accounts.policy.failure_limit"
AXES_COOLOFF_TIME = "jiceng.accounts.policy.lockout_period"
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429  # the lockout page answers 429 Too Many Requests, with Retry-After
AXES_LOCKOUT_CALLABLE = "jiceng.accounts.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "jiceng.accounts.throttle.client_ip"
# Sign-ins and sign-outs go to the audit log (core.audit); axes keeps only its failure counters.
AXES_DISABLE_ACCESS_LOG = True
# Who may read /metrics (ops.guard): client addresses or networks ("10.0.0.0/8,::1"; the
# address as the audit log reads it, JICENG_PROXY_COUNT included; empty: nobody), and, if set,
# a token the scraper sends as "Authorization: Bearer <token>".
JICENG_METRICS_ALLOW = env_list("JICENG_METRICS_ALLOW", ["127.0.0.1", "::1"])
JICENG_METRICS_TOKEN = env_str("JICENG_METRICS_TOKEN", "")
# Behind a reverse proxy, how many proxies append to X-Forwarded-For; 0 trusts REMOTE_ADDR only.
JICENG_PROXY_COUNT = env_int("JICENG_PROXY_COUNT", 0)

# A session that sees no request for this long is ended (accounts.sessions).
JICENG_IDLE_MINUTES = env_int("JICENG_IDLE_MINUTES", 30)

# Requests an anonymous endpoint takes from one client address per period ("count/s|m|h|d").
# JICENG_RATES="signin=5/m,citizen_case=10/m" overrides some of them.
JICENG_RATES = {
    "signin": "20/m",
    "citizen_case": "10/m",
    "open311": "100/s",  # Open311 POSTs of one key holder's address (machines, not people)
    # Tracking a case by its number and the phone's last four digits (cases.views.lookup):
    # per client address, and per case number whatever the digits tried, so that ten thousand
    # guesses take years however many addresses share them.
    "case_lookup": "20/h",
    "case_lookup_number": "10/d",
    # An owner's answer with the one-time code (consent.views.answer): per client address, and
    # per round whatever the address, so guessing an 8-digit code stays hopeless.
    "consent_answer": "30/h",
    "consent_round": "300/d",
    **env_pairs("JICENG_RATES", "="),
}
# Open311 API keys of the systems allowed to submit cases: JICENG_OPEN311_KEYS="name:key,...".
JICENG_OPEN311_KEYS = env_pairs("JICENG_OPEN311_KEYS", ":")

# The second factor of the three administrators (accounts.second_factor): the name an
# authenticator app shows beside the account.
OTP_TOTP_ISSUER = "基层党建云平台"

# A strict content security policy: nothing inline, nothing from another host but the map
# tiles' (tile_source below adds it to img-src).
# Map tiles (e.g. Tianditu's), as Leaflet's URL template; empty: maps draw on a blank ground.
# In WGS-84/CGCS2000 only: GCJ-02 tiles (AMap, Tencent) put points hundreds of metres off.
# See docs/maps.md. The attribution is shown on the map; the subdomains fill {s}; the label
# tiles (天地图's 注记 layer, cva_w) are drawn over the basemap when set.
JICENG_MAP_TILE_URL = env_str("JICENG_MAP_TILE_URL", "")
JICENG_MAP_TILE_ATTRIBUTION = env_str("JICENG_MAP_TILE_ATTRIBUTION", "")
JICENG_MAP_TILE_SUBDOMAINS = env_str("JICENG_MAP_TILE_SUBDOMAINS", "abc")
JICENG_MAP_LABEL_TILE_URL = env_str("JICENG_MAP_LABEL_TILE_URL", "")


def tile_source(template: str) -> list[str]:
    """The CSP source that lets the tile images load: the template's origin, with a {s}
    subdomain label as a wildcard ("https://t{s}.example.cn/..." → "https://*.example.cn")."""
    if not template:
        return []
    scheme, _, rest = template.partition("://")
    host = rest.split("/", 1)[0]
    if "{" in host:
        host = "*." + host.split(".", 1)[1]
    return [f"{scheme}://{host}"]


CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": [
            "'self'",
            "data:",
            *dict.fromkeys(
                [*tile_source(JICENG_MAP_LABEL_TILE_URL), *tile_source(JICENG_MAP_TILE_URL)]
            ),
        ],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-free meta tag instead

# Largest Excel file an import accepts, and its most rows (empty rows count: reading stops there).
JICENG_IMPORT_MAX_BYTES = env_int("JICENG_IMPORT_MAX_BYTES", 20 * 1024 * 1024)
JICENG_IMPORT_MAX_ROWS = env_int("JICENG_IMPORT_MAX_ROWS", 50_000)
JICENG_PAGE_SIZE = env_int("JICENG_PAGE_SIZE", 50)
# Exports (jiceng.exports): up to this many rows the file downloads at once; more are written
# in the background by the task worker, with their progress on a page, and the file is kept
# this many hours in this directory, for the user who asked only.
JICENG_EXPORT_INLINE_ROWS = env_int("JICENG_EXPORT_INLINE_ROWS", 5000)
JICENG_EXPORT_KEEP_HOURS = env_int("JICENG_EXPORT_KEEP_HOURS", 24)
JICENG_EXPORT_DIR = env_str("JICENG_EXPORT_DIR", str(VAR_DIR / "exports"))
# The leaders' dashboard (jiceng.dashboard) keeps a built page this many seconds per user and
# organization (0: never kept); its figures are rollups of the last complete month anyway.
JICENG_DASHBOARD_CACHE_SECONDS = env_int("JICENG_DASHBOARD_CACHE_SECONDS", 300)

# Days audit records are kept before `jiceng audit purge` may remove them; never below 180.
JICENG_AUDIT_RETENTION_DAYS = env_int("JICENG_AUDIT_RETENTION_DAYS", 180)
# PostgreSQL's monthly partitions (core.partitions): how many months before the current one
# each table keeps; older months are dropped whole by the daily `partitions` job. 0 keeps all.
# The audit log's months go only by `jiceng audit purge` (JICENG_AUDIT_RETENTION_DAYS).
JICENG_CASE_EVENT_RETENTION_MONTHS = env_int("JICENG_CASE_EVENT_RETENTION_MONTHS", 0)
JICENG_CASE_NOTICE_RETENTION_MONTHS = env_int("JICENG_CASE_NOTICE_RETENTION_MONTHS", 24)
JICENG_ATTENDANCE_RETENTION_MONTHS = env_int("JICENG_ATTENDANCE_RETENTION_MONTHS", 0)
# Where the audit chain's head is written down outside the database (core.audit_checkpoints):
# `jiceng audit checkpoint` every few minutes, each purge and each backup append to
# checkpoints.jsonl there. A directory of its own, writable only by the operator's account.
JICENG_AUDIT_CHECKPOINT_DIR = env_str(
    "JICENG_AUDIT_CHECKPOINT_DIR", str(VAR_DIR / "audit-checkpoints")
)

# Organizational life (orglife). Minutes lock this many days after the meeting and change
# afterwards only by amendments; a photo of the minutes or of a case is at most this large.
JICENG_MINUTES_LOCK_DAYS = env_int("JICENG_MINUTES_LOCK_DAYS", 7)
JICENG_MINUTES_PHOTO_MAX_BYTES = env_int("JICENG_MINUTES_PHOTO_MAX_BYTES", 5 * 1024 * 1024)
# An online participant counts as present after this many minutes in the meeting.
JICENG_ONLINE_MIN_MINUTES = env_int("JICENG_ONLINE_MIN_MINUTES", 30)
# A month's compliance is final on this day of the next month (late records still count).
JICENG_ORGLIFE_MONTH_CLOSE_DAY = env_int("JICENG_ORGLIFE_MONTH_CLOSE_DAY", 5)

# 党员突击队 (taskforces): a member checks in at a site by its QR code or by a location within
# this many metres of it; from this many minutes before the shift starts.
JICENG_TASKFORCE_CHECKIN_METERS = env_int("JICENG_TASKFORCE_CHECKIN_METERS", 300)
JICENG_TASKFORCE_CHECKIN_EARLY_MINUTES = env_int("JICENG_TASKFORCE_CHECKIN_EARLY_MINUTES", 30)

# Cases (接诉即办). A resolved case may be reopened within this many days.
JICENG_CASE_REOPEN_DAYS = env_int("JICENG_CASE_REOPEN_DAYS", 7)
JICENG_CASE_PHOTO_MAX_BYTES = env_int("JICENG_CASE_PHOTO_MAX_BYTES", 5 * 1024 * 1024)
# Weights of the monthly score (三率): "response=0.3,resolution=0.4,satisfaction=0.3".
# cases.metrics refuses other names, negative weights and all zero.
JICENG_CASE_SCORE_WEIGHTS: dict[str, float] = {
    "response": 0.3,
    "resolution": 0.4,
    "satisfaction": 0.3,
    **{k: float(v) for k, v in env_pairs("JICENG_CASE_SCORE_WEIGHTS", "=").items()},
}

# Grid routing: a point outside every grid goes to the nearest one within this many meters
# (else to the street); each process re-reads the grids' version at most this often; the
# threads shapely's batch queries use.
JICENG_GRID_NEAREST_METERS = env_float("JICENG_GRID_NEAREST_METERS", 200.0)
JICENG_GRID_RECHECK_SECONDS = env_float("JICENG_GRID_RECHECK_SECONDS", 2.0)
JICENG_GRID_THREADS = env_int("JICENG_GRID_THREADS", 1)

# 红帆驿站: how far the riders' page looks for stations (metres), and the walking-directions
# link of a station ({lon}, {lat} WGS-84 and {name} are filled in; a city may point it at the
# map app its riders use).
JICENG_STATION_SEARCH_METERS = env_float("JICENG_STATION_SEARCH_METERS", 5000.0)
JICENG_STATION_WALK_URL = env_str(
    "JICENG_STATION_WALK_URL",
    "https://uri.amap.com/navigation?to={lon},{lat},{name}&mode=walk&coordinate=wgs84&callnative=1",
)

# Provinces federated (federation): this instance's province (its 12-digit division code; empty
# on the national instance, which publishes nothing), its X25519 private key for the exchange
# (urlsafe base64 of 32 bytes, `jiceng federation-keygen`), the other instances' public keys
# ("code:key,...") and databases ("code=postgres://...", a role that may only INSERT into
# federation_inboxmessage), and how the outbox retries: after 30 s, then doubling up to an hour.
JICENG_FEDERATION_PROVINCE = env_str("JICENG_FEDERATION_PROVINCE", "")
JICENG_FEDERATION_KEY = env_str("JICENG_FEDERATION_KEY", "")
JICENG_FEDERATION_PEER_KEYS = env_pairs("JICENG_FEDERATION_PEER_KEYS", ":")
JICENG_FEDERATION_PEER_DATABASES = env_pairs("JICENG_FEDERATION_PEER_DATABASES", "=")
JICENG_FEDERATION_RETRY_SECONDS = env_int("JICENG_FEDERATION_RETRY_SECONDS", 30)
JICENG_FEDERATION_RETRY_MAX_SECONDS = env_int("JICENG_FEDERATION_RETRY_MAX_SECONDS", 3600)
JICENG_FEDERATION_CONNECT_TIMEOUT = env_int("JICENG_FEDERATION_CONNECT_TIMEOUT", 5)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("JICENG_LOG_LEVEL", "INFO")},
}
