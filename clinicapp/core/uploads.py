"""Uploaded images (logos, photos): verified, re-encoded, stored under instance/uploads.

Re-encoding with Pillow drops whatever else a file carried (scripts in SVG,
EXIF with geo data); files are served with the image's own content type.
"""
from __future__ import annotations

import secrets
from io import BytesIO
from pathlib import Path

from flask import current_app
from PIL import Image, UnidentifiedImageError

from .errors import ValidationFailed

MAX_BYTES = 5 * 1024 * 1024
MAX_SIDE = 1600
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


def upload_dir() -> Path:
    path = Path(current_app.instance_path) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_image(stream, field: str, folder: str) -> str:
    """Store an uploaded image; return its path relative to the uploads folder.

    Raises ValidationFailed naming `field` for anything that is not a JPEG,
    PNG or WebP image of at most 5 MB.
    """
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValidationFailed("Файл больше 5 МБ", details={field: ["Файл больше 5 МБ"]})
    try:
        image = Image.open(BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError) as exc:
        message = "Нужна картинка JPEG, PNG или WebP"
        raise ValidationFailed(message, details={field: [message]}) from exc
    kind = image.format
    if kind not in FORMATS:
        message = "Нужна картинка JPEG, PNG или WebP"
        raise ValidationFailed(message, details={field: [message]})
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    if kind == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    relative = Path(folder) / f"{secrets.token_hex(12)}.{FORMATS[kind]}"
    target = upload_dir() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    image.save(target, format=kind)
    return relative.as_posix()
