"""Demo patients: 200 people with RU, KZ and UZ phones, and the demo patient's record.

Deterministic (one seeded Random) and idempotent: an organization that already
has 200 patients gets nothing new; otherwise only numbers not yet taken are added.
"""
from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from ..auth.models import User
from ..core.phones import InvalidPhone, normalize_phone
from ..extensions import db
from ..patients import services
from ..patients.models import Patient

COUNT = 200
SEED = 2026
DEMO_PATIENT_EMAIL = "patient@clinic.test"
TODAY = date(2026, 1, 15)  # fixed, so the data does not drift from run to run

RU = {
    "surnames": ("Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов",
                 "Михайлов", "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев",
                 "Семёнов", "Егоров", "Павлов", "Козлов", "Степанов", "Николаев", "Орлов",
                 "Андреев", "Макаров", "Никитин", "Захаров", "Зайцев", "Соловьёв", "Борисов",
                 "Яковлев", "Григорьев", "Романов", "Воробьёв", "Сергеев", "Кузьмин", "Фролов",
                 "Александров", "Дмитриев", "Королёв", "Гусев", "Киселёв"),
    "male": ("Александр", "Дмитрий", "Максим", "Сергей", "Андрей", "Алексей", "Артём", "Илья",
             "Кирилл", "Михаил", "Никита", "Матвей", "Роман", "Егор", "Иван", "Павел", "Олег",
             "Владимир", "Николай", "Юрий"),
    "female": ("Анна", "Мария", "Елена", "Ольга", "Наталья", "Екатерина", "Татьяна", "Ирина",
               "Светлана", "Юлия", "Анастасия", "Дарья", "Полина", "Ксения", "Виктория",
               "Софья", "Людмила", "Галина", "Марина", "Алина"),
    "fathers": ("Александр", "Сергей", "Владимир", "Андрей", "Алексей", "Иван", "Михаил",
                "Николай", "Пётр", "Олег", "Виктор", "Юрий", "Борис", "Геннадий", "Роман"),
    "cities": ("г. Москва, ул. Тверская", "г. Москва, Ленинский пр.", "г. Москва, ул. Арбат",
               "г. Санкт-Петербург, Невский пр.", "г. Санкт-Петербург, ул. Садовая",
               "г. Москва, ул. Профсоюзная", "г. Санкт-Петербург, Московский пр."),
    "clinics": (0, 1),
}
KZ = {
    "surnames": ("Нурланов", "Серикбаев", "Ахметов", "Жумабаев", "Касымов", "Омаров",
                 "Сулейменов", "Абдрахманов", "Искаков", "Тулегенов", "Байжанов", "Есенов",
                 "Мухамедиев", "Кенжебеков", "Сагинтаев", "Бекмуханов"),
    "male": ("Айдар", "Ерлан", "Нурлан", "Данияр", "Арман", "Бауыржан", "Тимур", "Асхат",
             "Ерболат", "Серик", "Марат", "Алибек", "Канат", "Жандос"),
    "female": ("Асель", "Айгерим", "Динара", "Жанар", "Гульнара", "Алия", "Мадина", "Сауле",
               "Аружан", "Камила", "Жансая", "Айжан", "Индира", "Томирис"),
    "fathers": ("Нурлан", "Серик", "Ерлан", "Марат", "Канат", "Бахыт", "Талгат", "Болат",
                "Ержан", "Асылбек"),
    "cities": ("г. Алматы, пр. Абая", "г. Алматы, ул. Толе би", "г. Алматы, пр. Достык",
               "г. Астана, пр. Мангилик Ел", "г. Алматы, ул. Жандосова"),
    "clinics": (2,),
}
UZ = {
    "surnames": ("Каримов", "Рахимов", "Юсупов", "Ахмедов", "Исмоилов", "Турсунов", "Усмонов",
                 "Саидов", "Тошматов", "Холматов", "Назаров", "Мирзаев", "Абдуллаев",
                 "Эргашев"),
    "male": ("Азиз", "Бахтиёр", "Дилшод", "Жасур", "Отабек", "Рустам", "Шерзод", "Улугбек",
             "Фаррух", "Санжар", "Бобур", "Жахонгир"),
    "female": ("Дильноза", "Гульнора", "Нигора", "Феруза", "Шахноза", "Малика", "Зарина",
               "Мохира", "Севара", "Нодира", "Камола", "Дилфуза"),
    "fathers": ("Рустам", "Бахтиёр", "Азиз", "Шухрат", "Ильхом", "Фарход", "Анвар", "Равшан"),
    "cities": ("г. Ташкент, ул. Амира Темура", "г. Ташкент, ул. Навои",
               "г. Самарканд, ул. Регистан", "г. Москва, ул. Профсоюзная", "г. Алматы, пр. Абая"),
    "clinics": (0, 1, 2),
}
KZ_PREFIXES = ("700", "701", "702", "705", "707", "708", "747", "771", "775", "776", "777", "778")
UZ_PREFIXES = ("90", "91", "93", "94", "95", "97", "98", "99")
TRANSLIT = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюяқғүұңәөһі",
                    ("a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n",
                     "o", "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "sch", "", "y", "",
                     "e", "yu", "ya", "k", "g", "u", "u", "n", "a", "o", "h", "i"), strict=True))
MAIL_DOMAINS = ("mail.test", "inbox.test", "yandex.test", "gmail.test")
DOCUMENTS = {"ru": "Паспорт РФ", "kz": "Удостоверение личности РК", "uz": "Паспорт Узбекистана"}


def _female(surname: str) -> str:
    return surname + "а"


# Fathers' names whose patronymic does not follow the regular suffix rule.
PATRONYMIC_STEMS = {"Пётр": "Петр", "Михаил": "Михайл", "Павел": "Павл", "Лев": "Льв"}


def _patronymic(father: str, female: bool) -> str:
    father = PATRONYMIC_STEMS.get(father, father)
    if father.endswith("ий"):
        stem, male_end, female_end = father[:-2], "ьевич", "ьевна"
    elif father.endswith("й"):
        stem, male_end, female_end = father[:-1], "евич", "евна"
    else:
        stem, male_end, female_end = father, "ович", "овна"
    return stem + (female_end if female else male_end)


def _phone(rng: random.Random, kind: str) -> str:
    while True:
        if kind == "ru":
            raw = f"+79{rng.choice('0123568')}{rng.randrange(10 ** 8):08d}"
        elif kind == "kz":
            raw = f"+7{rng.choice(KZ_PREFIXES)}{rng.randrange(10 ** 7):07d}"
        else:
            raw = f"+998{rng.choice(UZ_PREFIXES)}{rng.randrange(10 ** 7):07d}"
        try:
            return normalize_phone(raw)
        except InvalidPhone:
            continue


def _latin(text: str) -> str:
    return "".join(TRANSLIT.get(ch, ch) for ch in text.lower())


def _document(rng: random.Random, kind: str) -> str:
    if kind == "ru":
        return f"{rng.randrange(10, 99)} {rng.randrange(10, 99)} {rng.randrange(10 ** 6):06d}"
    if kind == "kz":
        return f"{rng.randrange(10 ** 9):09d}"
    return f"A{rng.choice('ABCD')}{rng.randrange(10 ** 7):07d}"


def demo_people(clinic_ids: list[int]) -> list[dict]:
    """The same 200 people every time: fields for Patient(...)."""
    rng = random.Random(SEED)
    people = []
    for n in range(COUNT):
        kind, data = ("ru", RU) if n % 10 < 6 else ("kz", KZ) if n % 10 < 8 else ("uz", UZ)
        female = rng.random() < 0.55
        surname = rng.choice(data["surnames"])
        first = rng.choice(data["female" if female else "male"])
        born = TODAY - timedelta(days=rng.randrange(365 * 2, 365 * 85))
        person = {
            "last_name": _female(surname) if female else surname,
            "first_name": first,
            "middle_name": _patronymic(rng.choice(data["fathers"]), female),
            "birth_date": born, "sex": "F" if female else "M",
            "phone": _phone(rng, kind), "extra_phones": [],
            "clinic_id": clinic_ids[rng.choice(data["clinics"]) % len(clinic_ids)],
            "address": (f"{rng.choice(data['cities'])}, д. {rng.randrange(1, 120)}, "
                        f"кв. {rng.randrange(1, 300)}") if rng.random() < 0.6 else None,
        }
        if rng.random() < 0.1:
            person["extra_phones"] = [_phone(rng, kind)]
        if rng.random() < 0.4:
            login = f"{_latin(first)}.{_latin(person['last_name'])}{rng.randrange(1, 99)}"
            person["email"] = f"{login}@{rng.choice(MAIL_DOMAINS)}"
        if rng.random() < 0.8:
            person["consent_at"] = datetime(2023, 1, 10, 9, tzinfo=UTC) + timedelta(
                minutes=rng.randrange(0, 60 * 24 * 1000))
        if rng.random() < 0.5:
            person["document_type"] = DOCUMENTS[kind]
            person["document_number"] = _document(rng, kind)
        people.append(person)
    return people


def _link_demo_patient() -> None:
    user = db.session.scalar(db.select(User).where(User.email == DEMO_PATIENT_EMAIL))
    if user is not None:
        services.link_registered_user(user)


def seed(clinics: list) -> None:
    """Create the demo patients that are missing and the demo patient's record."""
    if not clinics:
        return
    organization_id = clinics[0].organization_id
    _link_demo_patient()
    existing = db.session.scalar(db.select(db.func.count(Patient.id)).where(
        Patient.organization_id == organization_id))
    if existing >= COUNT:
        return
    taken = set(db.session.scalars(db.select(Patient.phone).where(
        Patient.organization_id == organization_id, Patient.phone.is_not(None))))
    for person in demo_people([clinic.id for clinic in clinics]):
        if person["phone"] in taken:
            continue
        taken.add(person["phone"])
        db.session.add(Patient(organization_id=organization_id, **person))
    db.session.flush()
