"""Adding and removing favourites; both are idempotent."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy.dialects.postgresql import insert

from ..core.errors import NotFound
from ..extensions import db
from ..org.models import Clinic
from ..staff.models import Employee
from .models import FavoriteClinic, FavoriteDoctor


def _set(model, key: str, user, target_id: int, present: bool) -> None:
    if present:
        db.session.execute(insert(model).values(user_id=user.id, **{key: target_id})
                           .on_conflict_do_nothing())
    else:
        db.session.execute(db.delete(model).where(model.user_id == user.id,
                                                  getattr(model, key) == target_id))


def set_favorite_clinic(user, clinic_id: int, present: bool) -> None:
    """Add (present=True) or remove a favourite clinic. Raises NotFound."""
    clinic = db.session.get(Clinic, clinic_id)
    if clinic is None or not clinic.is_active:
        raise NotFound(_("Клиника не найдена"))
    _set(FavoriteClinic, "clinic_id", user, clinic_id, present)


def set_favorite_doctor(user, doctor_id: int, present: bool) -> None:
    """Add (present=True) or remove a favourite doctor. Raises NotFound."""
    doctor = db.session.get(Employee, doctor_id)
    if doctor is None or not doctor.is_doctor or not doctor.is_active:
        raise NotFound(_("Врач не найден"))
    _set(FavoriteDoctor, "employee_id", user, doctor_id, present)


def favorite_clinic_ids(user) -> set[int]:
    return set(db.session.scalars(db.select(FavoriteClinic.clinic_id)
                                  .where(FavoriteClinic.user_id == user.id)))


def favorite_doctor_ids(user) -> set[int]:
    return set(db.session.scalars(db.select(FavoriteDoctor.employee_id)
                                  .where(FavoriteDoctor.user_id == user.id)))
