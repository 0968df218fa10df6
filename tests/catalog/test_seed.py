"""Demo price list: a tree of about 60 services, doctors by specialization, idempotent."""
from __future__ import annotations

from clinicapp.audit.models import AuditEntry
from clinicapp.catalog.models import Service, ServiceCategory, ServicePrice
from clinicapp.extensions import db
from clinicapp.seed import catalog as seed_catalog


def counts() -> tuple:
    return tuple(db.session.scalar(db.select(db.func.count()).select_from(model))
                 for model in (ServiceCategory, Service, ServicePrice, AuditEntry))


def test_seed_builds_the_tree_and_is_idempotent(clinics, make_doctor):
    a, b = clinics
    c = type(a)(organization_id=a.organization_id, name="Клиника В")
    db.session.add(c)
    dentist = make_doctor("стоматолог-терапевт", branches=[a])
    therapist = make_doctor("терапевт", branches=[a, b])
    cardiologist = make_doctor("кардиолог", branches=[b])
    ent = make_doctor("оториноларинголог", branches=[a])
    seed_catalog.seed([a, b, c], [dentist, therapist, cardiologist, ent])
    db.session.commit()
    first = counts()
    assert 55 <= first[1] <= 75
    assert first[2] == first[1]  # one initial price each

    roots = db.session.scalars(db.select(ServiceCategory.name).where(
        ServiceCategory.parent_id.is_(None)).order_by(ServiceCategory.position)).all()
    assert roots[:3] == ["Консультации", "Диагностика", "Стоматология"]
    dental = db.session.scalar(db.select(ServiceCategory).where(
        ServiceCategory.name == "Стоматология"))
    assert db.session.scalars(db.select(ServiceCategory.name).where(
        ServiceCategory.parent_id == dental.id).order_by(ServiceCategory.position)).all() == [
        "Терапия", "Хирургия", "Ортодонтия", "Гигиена"]

    def service(code):
        return db.session.scalar(db.select(Service).where(Service.code == code))

    consult = service("B01.047.001")
    assert consult.doctors == [therapist]  # the dentist-therapist is no therapist
    assert 500 <= consult.price <= 45000 and 15 <= consult.duration_minutes <= 120
    assert service("B01.065.001").doctors == [dentist]
    assert service("B01.065.001").clinics == [a, c]  # dentistry in two clinics only
    assert service("B01.015.001").doctors == [cardiologist]
    assert service("B01.028.001").doctors == [ent]
    assert service("B03.016.003").doctors == []  # the laboratory needs no doctor
    assert service("B01.023.001").doctors == []  # no neurologist among the doctors
    prices = db.session.scalars(db.select(Service.price)).all()
    assert min(prices) >= 300 and max(prices) <= 45000

    seed_catalog.seed([a, b, c], [dentist, therapist, cardiologist, ent])
    db.session.commit()
    assert counts() == first


def test_seed_without_doctors_assigns_none_and_fills_them_in_later(clinics, make_doctor):
    seed_catalog.seed(list(clinics), [])
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count()).select_from(Service).where(
        Service.doctors.any())) == 0
    neurologist = make_doctor("невролог", branches=[clinics[0]])
    seed_catalog.seed(list(clinics), [neurologist])
    db.session.commit()
    codes = db.session.scalars(db.select(Service.code).where(
        Service.doctors.any()).order_by(Service.code)).all()
    assert codes == ["A05.02.001.003", "A05.23.001", "B01.023.001", "B01.023.002"]
