"""Every model, imported in one place so metadata (and migrations) see them all."""
from .audit.models import AuditEntry  # noqa: F401
from .auth.models import RecoveryCode, RefreshToken, TokenFamily, User, UserSession  # noqa: F401
from .billing.models import Invoice, InvoiceCounter, InvoiceLine, Payment, Refund  # noqa: F401, I001
from .billing.providers.sandbox import SandboxOrder  # noqa: F401, I001
from .catalog.models import Service, ServiceCategory, ServicePrice  # noqa: F401
from .chat.models import Conversation, Message  # noqa: F401
from .consultations.models import (  # noqa: F401
    Client,
    Question,
    QuestionCategory,
    Ticket,
    TicketEvent,
)
from .favorites.models import FavoriteClinic, FavoriteDoctor  # noqa: F401
from .org.models import Clinic, Organization  # noqa: F401
from .patients.models import Patient  # noqa: F401
from .scheduling.models import (  # noqa: F401
    Appointment,
    ScheduleException,
    Visit,
    WorkingInterval,
)
from .staff.models import Employee  # noqa: F401
