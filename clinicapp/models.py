"""Every model, imported in one place so metadata (and migrations) see them all."""
from .audit.models import AuditEntry  # noqa: F401
from .auth.models import RecoveryCode, RefreshToken, TokenFamily, User, UserSession  # noqa: F401
from .org.models import Clinic, Organization  # noqa: F401
