"""Item pictures: an upload is checked by its content (JPEG, PNG or WebP, at most
`MAX_BYTES`), resized with Pillow to at most `MAX_SIDE` pixels a side, re-encoded as JPEG
(which also drops metadata such as GPS positions) and kept by a small storage interface.

`LocalFolder` (the default) writes under `MEDIA_FOLDER` (default `instance/media`) and the
mall serves the files; an S3-compatible store is the production option: any object with the
same `save`/`open` methods, installed with `use_storage(app, storage)`."""

import hashlib
import io
import os
import re
from typing import Protocol

from flask import current_app
from PIL import Image, UnidentifiedImageError

from core.errors import NotFound, ValidationFailed

FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # refuses decompression bombs before decoding
MAX_SIDE = 1200
NAME = re.compile(r"^[0-9a-f]{32}\.jpg$")
URL_PREFIX = "/api/v1/mall/images"


class Storage(Protocol):
    """Where pictures live: `save` returns nothing, `open` the bytes (or NotFound)."""

    def save(self, key: str, data: bytes, content_type: str) -> None: ...

    def open(self, key: str) -> bytes: ...


class LocalFolder:
    """Pictures as files under one folder (keys are `merchant_id/name`)."""

    def __init__(self, folder: str):
        self.folder = folder

    def save(self, key: str, data: bytes, content_type: str) -> None:
        path = os.path.join(self.folder, key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as file:
            file.write(data)

    def open(self, key: str) -> bytes:
        try:
            with open(os.path.join(self.folder, key), "rb") as file:
                return file.read()
        except FileNotFoundError:
            raise NotFound("Unknown image.") from None


def use_storage(app, storage: Storage) -> None:
    """Install another storage (S3-compatible object storage in production)."""
    app.extensions["jifen.images"] = storage


def storage() -> Storage:
    """The app's storage: the installed one, else a local folder."""
    installed = current_app.extensions.get("jifen.images")
    if installed is not None:
        return installed
    return LocalFolder(current_app.config.get("MEDIA_FOLDER")
                       or os.path.join(current_app.instance_path, "media"))


def upload(merchant_id: int, stream) -> dict:
    """Check, resize and store an uploaded picture; its public URL and size."""
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _invalid(f"The picture is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    picture = _decode(data)
    jpeg = _as_jpeg(picture)
    name = hashlib.sha256(jpeg).hexdigest()[:32] + ".jpg"
    storage().save(f"{merchant_id}/{name}", jpeg, "image/jpeg")
    return {"url": f"{URL_PREFIX}/{merchant_id}/{name}", "width": picture.width,
            "height": picture.height, "bytes": len(jpeg)}


def read(merchant_id: int, name: str) -> bytes:
    """A stored picture's bytes (public: pictures are shown to anyone in the mall)."""
    if not NAME.match(name):
        raise NotFound("Unknown image.")
    return storage().open(f"{merchant_id}/{name}")


def _decode(data: bytes) -> Image.Image:
    try:
        picture = Image.open(io.BytesIO(data))
        if picture.format not in FORMATS:
            raise _invalid("Only JPEG, PNG and WebP pictures are accepted.")
        if picture.width * picture.height > MAX_PIXELS:
            raise _invalid("The picture has too many pixels.")
        picture.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise _invalid("This file is not a JPEG, PNG or WebP picture.") from None
    picture.thumbnail((MAX_SIDE, MAX_SIDE))
    return picture


def _as_jpeg(picture: Image.Image) -> bytes:
    if picture.mode in ("RGBA", "LA", "P"):  # transparency on white, as the mall shows it
        rgba = picture.convert("RGBA")
        picture = Image.new("RGB", rgba.size, "white")
        picture.paste(rgba, mask=rgba.getchannel("A"))
    buffer = io.BytesIO()
    picture.convert("RGB").save(buffer, "JPEG", quality=85, optimize=True)
    return buffer.getvalue()


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed(message, details={"file": [message]})
