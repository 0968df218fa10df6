"""Demo staff: 12 doctors with generated photos, three other employees, linked
demo accounts; running the seed again changes nothing."""
from __future__ import annotations

from decimal import Decimal
from io import BytesIO

from PIL import Image

from clinicapp.extensions import db
from clinicapp.seed import staff
from clinicapp.staff.models import Employee

SPECIALIZATIONS = {"терапевт", "стоматолог-терапевт", "стоматолог-хирург", "ортодонт",
                   "кардиолог", "невролог", "педиатр", "гинеколог", "ЛОР", "офтальмолог",
                   "дерматолог", "эндокринолог"}


def snapshot() -> list[tuple]:
    return [(e.id, e.full_name, e.photo_path, e.user_id, tuple(b.id for b in e.branches))
            for e in db.session.scalars(db.select(Employee).order_by(Employee.id))]


def test_seed_creates_the_demo_staff_once(make_clinic, make_user, uploads_in, client):
    clinics = [make_clinic("Тверская"), make_clinic("Невский"), make_clinic("Алматы",
                                                                            "Asia/Almaty")]
    doctor_user = make_user("doctor", email="doctor@clinic.test", branches=clinics[::2])
    reception_user = make_user("receptionist", email="reception@clinic.test",
                               branches=clinics[:1])

    doctors = staff.seed(clinics)
    db.session.commit()
    assert len(doctors) == 12 and all(d.is_doctor and d.is_active for d in doctors)
    assert {s for d in doctors for s in d.specializations} == SPECIALIZATIONS
    assert all(Decimal("4.2") <= d.rating <= Decimal("5.0") for d in doctors)
    assert all(d.description and d.phone and d.color.startswith("#") for d in doctors)
    assert {b.id for d in doctors for b in d.branches} == {c.id for c in clinics}
    assert any(len(d.branches) == 2 for d in doctors)
    others = db.session.scalars(db.select(Employee).where(Employee.is_doctor.is_(False))).all()
    assert len(others) == 3 and {"Кассир", "Администратор"} <= {e.position for e in others}

    for doctor in doctors:
        image = Image.open(uploads_in / doctor.photo_path)
        assert image.format == "PNG" and image.size == (256, 256)
        response = client.get(f"/uploads/{doctor.photo_path}")
        assert response.status_code == 200 and response.mimetype == "image/png"

    linked = {e.user_id: e for e in db.session.scalars(db.select(Employee).where(
        Employee.user_id.is_not(None)))}
    assert linked[doctor_user.id].is_doctor
    assert not linked[reception_user.id].is_doctor
    assert linked[reception_user.id].branches == clinics[:1]

    before = snapshot()
    files = sorted(uploads_in.rglob("*.png"))
    assert [d.id for d in staff.seed(clinics)] == [d.id for d in doctors]
    db.session.commit()
    assert snapshot() == before and sorted(uploads_in.rglob("*.png")) == files


def test_avatar_has_initials_on_a_coloured_circle():
    image = Image.open(BytesIO(staff.avatar_png("ИП", "#F44336")))
    assert image.size == (256, 256)
    assert image.getpixel((5, 5))[3] == 0  # outside the circle: transparent
    assert image.getpixel((128, 20))[:3] == (0xF4, 0x43, 0x36)
    colours = {image.getpixel((x, 128))[:3] for x in range(60, 196)}
    assert (255, 255, 255) in colours  # the white letters cross the middle line
