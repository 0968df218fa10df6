"""Demo data: an organization, three clinics and a user of every role.

Idempotent: running it again changes nothing that is already there.
Each feature seeds its part in its own module (staff, catalog, patients), in
dependency order; later issues add theirs (appointments, …).
"""
from __future__ import annotations

from decimal import Decimal

from ..auth import services
from ..auth.models import User
from ..extensions import db
from ..org.models import Clinic, Organization
from . import billing, catalog, chat, consultations, patients, schedule, staff

DEMO_PASSWORD = "demo-pass-2026"
# Published on purpose: add it to an authenticator app to sign in as the demo admin.
DEMO_ADMIN_TOTP_SECRET = "JBSWY3DPEHPK3PXPDEMOADMN"

WEEKDAYS_9_21 = {day: [["09:00", "21:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
ORGANIZATION = {
    "name": "ООО «Клиника Здоровье»", "inn": "7707083893", "kpp": "773601001",
    "ogrn": "1027700132195", "legal_address": "г. Москва, ул. Тверская, д. 1",
    "postal_address": "125009, г. Москва, ул. Тверская, д. 1, офис 12",
    "bank_name": "ПАО Сбербанк", "bik": "044525225",
    "settlement_account": "40702810538000054321",
    "correspondent_account": "30101810400000000225",
    "phone": "+74951234567", "email": "info@clinic.test",
}
CLINICS = (
    {"name": "Клиника на Тверской", "address": "г. Москва, ул. Тверская, д. 1",
     "phone": "+74951234567", "timezone": "Europe/Moscow",
     "description": "Многопрофильная клиника в центре Москвы: терапия, стоматология, "
                    "УЗИ и анализы. Пять минут пешком от метро «Охотный Ряд».",
     "latitude": Decimal("55.757580"), "longitude": Decimal("37.613550"),
     "rating": Decimal("4.7"),
     "opening_hours": {**WEEKDAYS_9_21, "sat": [["10:00", "18:00"]],
                       "sun": [["10:00", "16:00"]]}},
    {"name": "Клиника на Невском", "address": "г. Санкт-Петербург, Невский пр., д. 20",
     "phone": "+78121234567", "timezone": "Europe/Moscow",
     "description": "Стоматология и детское отделение на Невском проспекте, "
                    "рядом с метро «Адмиралтейская».",
     "latitude": Decimal("59.935710"), "longitude": Decimal("30.320950"),
     "rating": Decimal("4.5"),
     "opening_hours": {**{day: [["08:00", "14:00"], ["15:00", "20:00"]]
                          for day in ("mon", "tue", "wed", "thu", "fri")},
                       "sat": [["10:00", "17:00"]]}},
    {"name": "Клиника в Алматы", "address": "г. Алматы, пр. Абая, д. 10",
     "phone": "+77272345678", "timezone": "Asia/Almaty",
     "description": "Семейная клиника в Алматы: педиатрия, гинекология, терапия "
                    "и диагностика. Приём на русском и казахском языках.",
     "latitude": Decimal("43.238950"), "longitude": Decimal("76.945630"),
     "rating": Decimal("4.8"),
     "opening_hours": {**WEEKDAYS_9_21, "sat": [["09:00", "15:00"]]}},
)
USERS = (
    {"email": "admin@clinic.test", "role": "admin", "full_name": "Админова Анна Сергеевна",
     "branches": (0, 1, 2), "totp": True},
    {"email": "manager@clinic.test", "role": "manager", "full_name": "Управляев Олег Петрович",
     "branches": (0, 1, 2)},
    {"email": "reception@clinic.test", "role": "receptionist",
     "full_name": "Регистраторова Мария Ивановна", "branches": (0,)},
    {"email": "cashier@clinic.test", "role": "cashier", "full_name": "Кассирова Елена Львовна",
     "branches": (0,)},
    {"email": "doctor@clinic.test", "role": "doctor", "full_name": "Докторов Иван Андреевич",
     "branches": (0, 2)},
    {"email": "patient@clinic.test", "role": "patient", "full_name": "Пациентов Пётр Петрович",
     "branches": (), "phone": "+79161234567"},
)


def _organization() -> Organization:
    organization = db.session.scalar(db.select(Organization).where(
        Organization.inn == ORGANIZATION["inn"]))
    if organization is None:
        organization = Organization(**ORGANIZATION)
        db.session.add(organization)
        db.session.flush()
    return organization


def _clinics(organization: Organization) -> list[Clinic]:
    clinics = []
    for data in CLINICS:
        clinic = db.session.scalar(db.select(Clinic).where(Clinic.name == data["name"]))
        if clinic is None:
            clinic = Clinic(organization_id=organization.id, **data)
            db.session.add(clinic)
            db.session.flush()
        clinics.append(clinic)
    return clinics


def seed_demo() -> list[dict]:
    """Create what is missing; return the demo accounts to print."""
    clinics = _clinics(_organization())
    accounts = []
    for data in USERS:
        secret = DEMO_ADMIN_TOTP_SECRET if data.get("totp") else None
        if db.session.scalar(db.select(User.id).where(User.email == data["email"])) is None:
            services.create_user(
                None, email=data["email"], password=DEMO_PASSWORD, role=data["role"],
                full_name=data["full_name"], phone=data.get("phone"),
                branch_ids=[clinics[i].id for i in data["branches"]], totp_secret=secret)
        note = f"  (2FA: секрет {secret} — добавьте в приложение-аутентификатор)" if secret else ""
        accounts.append({"email": data["email"], "role": data["role"], "note": note})
    doctors = staff.seed(clinics)
    catalog.seed(clinics, doctors)
    patients.seed(clinics)
    schedule.seed(clinics, doctors)
    billing.seed(clinics)
    consultations.seed()
    chat.seed(clinics)
    return accounts
