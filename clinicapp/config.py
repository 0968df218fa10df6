"""Settings from the environment, in one place.

Every setting has a safe development default; production sets the secrets
through the environment (see README and ../shared/RUNNING.md).
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def _persistent_secret(name: str) -> str:
    """Return the secret from the environment, else one kept under instance/.

    A random per-instance value keeps development installs safe without
    configuration while surviving restarts (sessions and tokens stay valid).
    """
    if os.environ.get(name):
        return os.environ[name]
    path = INSTANCE_DIR / "secrets" / name.lower()
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    path.write_text(value)
    path.chmod(0o600)
    return value


def _persistent_fernet_keys() -> list[str]:
    if _env_list("FERNET_KEYS"):
        return _env_list("FERNET_KEYS")
    path = INSTANCE_DIR / "secrets" / "fernet_keys"
    if not path.exists():
        from cryptography.fernet import Fernet

        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Fernet.generate_key().decode())
        path.chmod(0o600)
    return [k for k in path.read_text().split(",") if k.strip()]


def database_url(raw: str) -> str:
    """Use the psycopg2 driver (the client's choice) whatever the URL's scheme says."""
    for prefix in ("postgresql://", "postgres://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg2://" + raw[len(prefix):]
    return raw


SBER_TEST_URL = "https://3dsec.sberbank.ru/payment/rest/"


class Config:
    """Default settings; each attribute can be overridden by create_app(config)."""

    def __init__(self) -> None:
        self.SECRET_KEY = _persistent_secret("SECRET_KEY")
        self.JWT_SECRET_KEY = _persistent_secret("JWT_SECRET_KEY")
        self.WEBHOOK_TOKEN = _persistent_secret("WEBHOOK_TOKEN")
        self.FERNET_KEYS = _persistent_fernet_keys()
        self.SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL", ""))
        self.REDIS_URL = os.environ.get("REDIS_URL", "")
        self.CORS_ORIGINS = _env_list("CORS_ORIGINS")
        self.PROXY_FIX_HOPS = int(os.environ.get("PROXY_FIX_HOPS", "0"))
        self.PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")
        self.SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        self.RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
        self.RATELIMIT_API = os.environ.get("RATELIMIT_API", "10/second")
        self.RATELIMIT_AUTH = os.environ.get("RATELIMIT_AUTH", "5/minute")
        self.RATELIMIT_STORAGE_URI = self.REDIS_URL or "memory://"
        self.LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", "5"))
        self.LOGIN_LOCKOUT_MINUTES = int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15"))
        self.JWT_ACCESS_MINUTES = int(os.environ.get("JWT_ACCESS_MINUTES", "15"))
        self.JWT_REFRESH_DAYS = int(os.environ.get("JWT_REFRESH_DAYS", "30"))
        self.LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
        # Online payment (Sberbank acquiring). Without credentials the built-in sandbox
        # gateway answers; with them, the bank's test environment unless SBER_BASE_URL
        # names another (production: https://securepayments.sberbank.ru/payment/rest/).
        self.SBER_USERNAME = os.environ.get("SBER_USERNAME", "")
        self.SBER_PASSWORD = os.environ.get("SBER_PASSWORD", "")
        self.SBER_BASE_URL = os.environ.get("SBER_BASE_URL") or SBER_TEST_URL
        # The key of the callbacks' HMAC-SHA256 checksum; the sandbox signs with it too.
        self.SBER_CALLBACK_KEY = _persistent_secret("SBER_CALLBACK_KEY")
        # The bank's order timeout (sessionTimeoutSecs) and when reconcile-payments asks
        # the bank about a payment still pending.
        self.SBER_ORDER_TIMEOUT_MINUTES = int(os.environ.get("SBER_ORDER_TIMEOUT_MINUTES", "20"))
        # The sandbox gateway answers when there are no credentials: on for development and
        # tests; a production install without a bank contract turns it off (then online
        # payment is refused), so no one «pays» on a page that takes no money.
        self.PAYMENT_SANDBOX = _env_bool("PAYMENT_SANDBOX", True)
        # The sandbox gateway's callbacks to us (off: a lost callback, for reconcile tests).
        self.PAYMENT_SANDBOX_CALLBACKS = _env_bool("PAYMENT_SANDBOX_CALLBACKS", True)
        self.PAYMENT_PENDING_MINUTES = int(os.environ.get("PAYMENT_PENDING_MINUTES", "15"))
        # The outbox worker: attempts before a job goes to the dead letters, the first retry's
        # delay (doubling each time, up to the ceiling), how long a job waits for its target's
        # settings, and how often an idle worker looks for due retries.
        self.OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "10"))
        self.OUTBOX_RETRY_SECONDS = int(os.environ.get("OUTBOX_RETRY_SECONDS", "30"))
        self.OUTBOX_RETRY_MAX_SECONDS = int(os.environ.get("OUTBOX_RETRY_MAX_SECONDS", "3600"))
        self.OUTBOX_UNCONFIGURED_WAIT_SECONDS = int(
            os.environ.get("OUTBOX_UNCONFIGURED_WAIT_SECONDS", "300"))
        self.OUTBOX_POLL_SECONDS = float(os.environ.get("OUTBOX_POLL_SECONDS", "5"))
        # Delivered jobs (addresses, texts) are deleted after this many days.
        self.OUTBOX_KEEP_DAYS = int(os.environ.get("OUTBOX_KEEP_DAYS", "30"))
        # Chat: a message still unread this many seconds after it was sent notifies its
        # recipient (e-mail/SMS through the outbox): «offline» means «has not read it».
        self.CHAT_OFFLINE_NOTIFY_SECONDS = int(os.environ.get("CHAT_OFFLINE_NOTIFY_SECONDS", "120"))
        # Open Socket.IO connections and raw WebSockets are re-authorized this often (seconds).
        self.REALTIME_RECHECK_SECONDS = float(os.environ.get("REALTIME_RECHECK_SECONDS", "60"))
        # Chat messages one user may send (every socket and process together; limits syntax).
        self.CHAT_RATE_LIMIT = os.environ.get("CHAT_RATE_LIMIT", "5/second;60/minute")
        # Minutes after an appointment's start before the scheduler marks it a no-show.
        self.NO_SHOW_GRACE_MINUTES = int(os.environ.get("NO_SHOW_GRACE_MINUTES", "30"))
        # The day-before reminders go out from this hour of the branch's clock (not at night).
        self.REMINDER_HOUR = int(os.environ.get("REMINDER_HOUR", "10"))
        # The periodic scheduler: how often it looks for due jobs.
        self.SCHEDULER_TICK_SECONDS = float(os.environ.get("SCHEDULER_TICK_SECONDS", "30"))
        # Notifications (docs/notifications.md). E-mail through SMTP_URL
        # (smtp://user:pass@host:587?starttls=1, smtps://… for implicit TLS); SMS through
        # SMS_PROVIDER ("smsru"). Unset: written under MAIL_DEV_DIR and listed on /admin/mail.
        self.SMTP_URL = os.environ.get("SMTP_URL", "")
        self.MAIL_FROM = os.environ.get("MAIL_FROM", "")
        self.SMS_PROVIDER = os.environ.get("SMS_PROVIDER", "")
        self.SMS_API_ID = os.environ.get("SMS_API_ID", "")
        self.SMS_BASE_URL = os.environ.get("SMS_BASE_URL") or "https://sms.ru"
        self.SMS_FROM = os.environ.get("SMS_FROM", "")
        self.MAIL_DEV_DIR = os.environ.get("MAIL_DEV_DIR") or str(INSTANCE_DIR / "mail")
        # Consultations (document 004). Chatwoot: empty base URL -> the sync waits (outbox).
        self.CHATWOOT_BASE_URL = os.environ.get("CHATWOOT_BASE_URL", "").rstrip("/")
        self.CHATWOOT_API_TOKEN = os.environ.get("CHATWOOT_API_TOKEN", "")
        self.CHATWOOT_ACCOUNT_ID = os.environ.get("CHATWOOT_ACCOUNT_ID", "")
        self.CHATWOOT_INBOX_ID = os.environ.get("CHATWOOT_INBOX_ID", "")
        # The secret in the webhook URL Chatwoot calls (?token=); empty: every call is refused.
        self.CHATWOOT_WEBHOOK_TOKEN = os.environ.get("CHATWOOT_WEBHOOK_TOKEN", "")
        # 1С:ЦЛ (consultations) over 1C's standard OData interface; empty -> the sync waits.
        self.ONEC_CL_BASE_URL = os.environ.get("ONEC_CL_BASE_URL", "").rstrip("/")
        self.ONEC_CL_USERNAME = os.environ.get("ONEC_CL_USERNAME", "")
        self.ONEC_CL_PASSWORD = os.environ.get("ONEC_CL_PASSWORD", "")
        # Seconds an outbound call to Chatwoot or 1C may take.
        self.INTEGRATIONS_TIMEOUT = float(os.environ.get("INTEGRATIONS_TIMEOUT", "10"))
        # An OpenID issuer whose bearer tokens the consultations API accepts besides ours
        # (empty: only ours). Its discovery document and JWKS are cached in the process.
        self.OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "").rstrip("/")
        self.OIDC_AUDIENCE = os.environ.get("OIDC_AUDIENCE", "")

    # Values that never come from the environment.
    # hide_parameters: a logged SQL error names the statement, never the values
    # (passwords' hashes, tokens, patients' data).
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "hide_parameters": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # token lives as long as the session
    WTF_CSRF_HEADERS = ["X-CSRFToken", "X-CSRF-Token"]
    # Only `Authorization: Bearer`: a token in a URL ends up in access logs and
    # browser history. Raw WebSockets read `?token=` themselves (auth.sockets).
    JWT_TOKEN_LOCATION = ["headers"]
    JWT_COOKIE_CSRF_PROTECT = False  # tokens never travel in cookies
    BABEL_DEFAULT_LOCALE = "ru"
    BABEL_SUPPORTED_LOCALES = ("ru", "en")
    MAX_CONTENT_LENGTH = 20 * 1024 * 1024
    JSON_SORT_KEYS = False
    # flask-smorest / OpenAPI
    API_TITLE = "clinicapp API"
    API_VERSION = "1.0"
    OPENAPI_VERSION = "3.0.3"
    API_SPEC_OPTIONS = {
        "info": {
            "description": (
                "JSON API клиник: приложения пациентов, мобильные клиенты и системы партнёров. "
                "Вход — JWT (`Authorization: Bearer <access>`), ошибки — "
                "`{\"detail\", \"error\", \"details\"}`. Пути `/api` — документы 000/003/004, "
                "`/api/v1` — документы 001/002."
            ),
        },
        "components": {"securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
    }
    OPENAPI_URL_PREFIX = "/api"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"
    OPENAPI_REDOC_PATH = "redoc"

    def as_dict(self) -> dict:
        names = {n for n in dir(self) if n.isupper()}
        return {n: getattr(self, n) for n in names}
