"""Uploaded images (logos, photos): verified, re-encoded, stored under instance/uploads.

Re-encoding with Pillow drops whatever else a file carried (scripts in SVG,
EXIF with geo data); files are served with the image's own content type.
"""
from __future__ import annotations

import secrets
from io import BytesIO
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, UnidentifiedImageError

from .errors import ValidationFailed

MAX_BYTES = 5 * 1024 * 1024
MAX_SIDE = 1600
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


def upload_dir() -> Path:
    path = Path(current_app.instance_path) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _not_an_image(field: str) -> ValidationFailed:
    message = _("Нужна картинка JPEG, PNG или WebP")
    return ValidationFailed(message, details={field: [message]})


def save_image(stream, field: str, folder: str) -> str:
    """Store an uploaded image; return its path relative to the uploads folder.

    Raises ValidationFailed naming `field` for anything that is not a JPEG,
    PNG or WebP image of at most 5 MB.
    """
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        message = _("Файл больше %(size)s МБ", size=MAX_BYTES // 2**20)
        raise ValidationFailed(message, details={field: [message]})
    try:
        image = Image.open(BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError) as exc:
        raise _not_an_image(field) from exc
    kind = image.format
    if kind not in FORMATS:
        raise _not_an_image(field)
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    if kind == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    relative = Path(folder) / f"{secrets.token_hex(12)}.{FORMATS[kind]}"
    target = upload_dir() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    image.save(target, format=kind)
    return relative.as_posix()
