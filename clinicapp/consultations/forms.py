"""The ticket page's answer form (Flask-WTF: CSRF). The rules (not empty, not too long)
are the service's (tickets.answer_ticket); its refusal is shown under the text box."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField


class AnswerForm(FlaskForm):
    body = TextAreaField(_l("Ответ клиенту"))
