"""`seed-demo` gives the demo patient someone to write to: the demo doctor (a past visit at
«Клиника на Тверской») and that branch's desk, with a short conversation each, some of it
unread; a second run changes nothing."""
from clinicapp.chat.models import Conversation, Message
from clinicapp.extensions import db
from clinicapp.scheduling.models import Appointment
from clinicapp.seed import DEMO_PASSWORD


def _seed(app) -> None:
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output


def _counts() -> tuple:
    return tuple(db.session.scalar(db.select(db.func.count()).select_from(model))
                 for model in (Conversation, Message, Appointment))


def test_demo_patient_has_conversations_with_the_doctor_and_the_desk(app, client, auth):
    _seed(app)
    first = _counts()
    _seed(app)
    assert _counts() == first  # idempotent

    auth.login("patient@clinic.test", DEMO_PASSWORD)
    html = client.get("/cabinet/chat").get_data(as_text=True)
    # Whom he may write to, and the two seeded conversations (each with something unread).
    assert "Докторов Иван Андреевич" in html and "Регистратура · Клиника на Тверской" in html
    assert html.count('class="chat-row chat-row-unread"') == 1  # the doctor's answer
    assert "Результаты готовы" in html
    auth.logout()

    auth.login("doctor@clinic.test", DEMO_PASSWORD)
    inbox = client.get("/chat/inbox", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Пациентов Пётр Петрович" in inbox and "chat-row-unread" not in inbox
    auth.logout()

    auth.login("reception@clinic.test", DEMO_PASSWORD)
    inbox = client.get("/chat/inbox", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Пациентов Пётр Петрович" in inbox and "chat-row-unread" in inbox
    assert "Можно перенести её на вечер?" in inbox
