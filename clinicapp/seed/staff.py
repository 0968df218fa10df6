"""Demo staff: 12 doctors with photos and working branches, and three other employees.

Idempotent: an employee is looked up by organization and full name before it
is created, and a photo is drawn only for a new employee.
"""
from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal
from io import BytesIO

from PIL import Image, ImageDraw, ImageFont

from ..auth.models import User
from ..core.uploads import upload_dir
from ..extensions import db
from ..staff.models import Employee

# (last, first, middle, position, specializations, colour, rating, branches (indexes), e-mail)
DOCTORS = (
    ("Докторов", "Иван", "Андреевич", "Врач-терапевт", ["терапевт"], "#2196F3", "4.8",
     (0, 2), "doctor@clinic.test"),
    ("Соколова", "Анна", "Викторовна", "Врач-стоматолог", ["стоматолог-терапевт"], "#E91E63",
     "4.9", (0,), "sokolova@clinic.test"),
    ("Кузнецов", "Дмитрий", "Сергеевич", "Врач-стоматолог-хирург", ["стоматолог-хирург"],
     "#3F51B5", "4.7", (0, 1), "kuznetsov@clinic.test"),
    ("Морозова", "Елена", "Павловна", "Врач-ортодонт", ["ортодонт"], "#9C27B0", "5.0", (1,),
     "morozova@clinic.test"),
    ("Волков", "Сергей", "Николаевич", "Врач-кардиолог", ["кардиолог", "терапевт"], "#F44336",
     "4.6", (0,), "volkov@clinic.test"),
    ("Лебедева", "Ольга", "Игоревна", "Врач-невролог", ["невролог"], "#009688", "4.5", (1, 2),
     "lebedeva@clinic.test"),
    ("Новиков", "Алексей", "Михайлович", "Врач-педиатр", ["педиатр"], "#4CAF50", "4.9", (1,),
     "novikov@clinic.test"),
    ("Фёдорова", "Татьяна", "Александровна", "Врач-гинеколог", ["гинеколог"], "#FF9800", "4.4",
     (0, 1), "fedorova@clinic.test"),
    ("Смирнов", "Павел", "Олегович", "Врач-оториноларинголог", ["ЛОР"], "#795548", "4.2", (2,),
     "smirnov@clinic.test"),
    ("Попова", "Мария", "Дмитриевна", "Врач-офтальмолог", ["офтальмолог"], "#00BCD4", "4.7",
     (2,), "popova@clinic.test"),
    ("Васильев", "Андрей", "Юрьевич", "Врач-дерматолог", ["дерматолог"], "#607D8B", "4.3", (1,),
     "vasiliev@clinic.test"),
    ("Ахметова", "Айгерим", "Болатовна", "Врач-эндокринолог", ["эндокринолог"], "#8BC34A",
     "4.8", (2, 0), "akhmetova@clinic.test"),
)
DESCRIPTIONS = {
    "терапевт": "Ведёт взрослых пациентов с ОРВИ, гипертонией и хроническими заболеваниями, "
                "проводит профилактические осмотры.",
    "стоматолог-терапевт": "Лечит кариес и его осложнения, делает эстетические реставрации "
                           "и профессиональную гигиену.",
    "стоматолог-хирург": "Удаление зубов любой сложности, имплантация, костная пластика.",
    "ортодонт": "Исправление прикуса брекет-системами и элайнерами у детей и взрослых.",
    "кардиолог": "Диагностика и лечение гипертонии, аритмий, ишемической болезни сердца; "
                 "расшифровка ЭКГ и суточного мониторирования.",
    "невролог": "Головные боли, боли в спине, нарушения сна, последствия травм.",
    "педиатр": "Наблюдение детей с рождения, вакцинация, справки в сад и школу.",
    "гинеколог": "Профилактические осмотры, ведение беременности, УЗИ органов малого таза.",
    "ЛОР": "Лечение отитов, синуситов, тонзиллитов; промывание, удаление серных пробок.",
    "офтальмолог": "Проверка зрения, подбор очков и контактных линз, диагностика глаукомы.",
    "дерматолог": "Акне, дерматиты, удаление новообразований, дерматоскопия родинок.",
    "эндокринолог": "Сахарный диабет, заболевания щитовидной железы, лишний вес.",
}
# (last, first, middle, position, branches (indexes), e-mail of the demo user to link or None)
OTHERS = (
    ("Регистраторова", "Мария", "Ивановна", "Администратор регистратуры", (0,),
     "reception@clinic.test"),
    ("Кассирова", "Елена", "Львовна", "Кассир", (0,), None),
    ("Белова", "Ольга", "Николаевна", "Администратор", (1,), None),
)
FONTS = ("DejaVuSans-Bold.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
         "LiberationSans-Bold.ttf", "Arial Bold.ttf", "arialbd.ttf")
LATIN = dict(zip("АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЫЭЮЯ",
                 "ABVGDEEZZIIKLMNOPRSTUFHCCSSYEUY"))
SIZE = 256


def _font(size: int) -> tuple[ImageFont.ImageFont, bool]:
    """A bold font with Cyrillic if the system has one, else Pillow's own (Latin only)."""
    for name in FONTS:
        try:
            return ImageFont.truetype(name, size), True
        except OSError:
            continue
    return ImageFont.load_default(size=size), False


def avatar_png(initials: str, color: str) -> bytes:
    """A 256×256 PNG: white initials on a circle of the given colour."""
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((0, 0, SIZE - 1, SIZE - 1), fill=color)
    font, cyrillic = _font(104)
    text = initials if cyrillic else "".join(LATIN.get(ch, ch) for ch in initials)
    draw.text((SIZE / 2, SIZE / 2), text, fill="white", font=font, anchor="mm")
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    buffer.seek(0)
    return buffer.getvalue()


def _save_avatar(employee: Employee) -> str:
    """Draw the employee's avatar into the uploads folder; return its relative path.

    The name follows from the full name, so seeding a fresh database again
    (the tests do) rewrites the same file instead of adding another.
    """
    digest = hashlib.sha256(employee.full_name.encode()).hexdigest()[:20]
    relative = f"staff/demo-{digest}.png"
    target = upload_dir() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(avatar_png(employee.first_name[0] + employee.last_name[0], employee.color))
    return relative


def _phone(branch_index: int, n: int) -> str:
    # Almaty staff have Kazakh mobile numbers, the others Russian ones.
    prefix = "+7701555" if branch_index == 2 else "+7916555"
    return f"{prefix}{n:02d}{n + 10:02d}"


def _find(organization_id: int, last: str, first: str, middle: str) -> Employee | None:
    return db.session.scalar(db.select(Employee).where(
        Employee.organization_id == organization_id, Employee.last_name == last,
        Employee.first_name == first, Employee.middle_name == middle))


def _link(employee: Employee, email: str | None) -> None:
    """Link the demo account with this e-mail, unless it or the employee is linked already."""
    if not email or employee.user_id is not None:
        return
    user = db.session.scalar(db.select(User).where(User.email == email))
    if user is None or db.session.scalar(db.select(Employee.id).where(
            Employee.user_id == user.id)) is not None:
        return
    employee.user_id = user.id


def _employee(clinics: list, last: str, first: str, middle: str, **fields) -> Employee:
    organization_id = clinics[0].organization_id
    employee = _find(organization_id, last, first, middle)
    if employee is not None:
        return employee
    branches = [clinics[i] for i in fields.pop("branch_indexes")]
    employee = Employee(organization_id=organization_id, last_name=last, first_name=first,
                        middle_name=middle, **fields)
    employee.branches = branches
    employee.photo_path = _save_avatar(employee)
    db.session.add(employee)
    db.session.flush()
    return employee


def seed(clinics: list) -> list[Employee]:
    """Create the demo employees that are missing; return the 12 demo doctors."""
    doctors = []
    for n, (last, first, middle, position, specs, color, rating, branch_indexes,
            email) in enumerate(DOCTORS):
        doctor = _employee(
            clinics, last, first, middle, position=position, specializations=specs,
            email=email, phone=_phone(branch_indexes[0], n), color=color,
            rating=Decimal(rating), is_doctor=True, description=DESCRIPTIONS[specs[0]],
            hire_date=date(2015 + n % 9, 1 + n % 12, 1 + (n * 3) % 28),
            branch_indexes=branch_indexes)
        _link(doctor, email)
        doctors.append(doctor)
    for n, (last, first, middle, position, branch_indexes, email) in enumerate(OTHERS):
        employee = _employee(
            clinics, last, first, middle, position=position, email=email,
            phone=_phone(branch_indexes[0], 20 + n), color="#9E9E9E",
            hire_date=date(2020 + n, 3, 1), branch_indexes=branch_indexes)
        _link(employee, email)
    return doctors
