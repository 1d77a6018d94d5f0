"""One way to accept an uploaded file: judged by content, size-limited, images re-encoded.

- ``read_upload`` reads at most ``LINLI_UPLOAD_MAX_MB`` (+1 byte, to notice more) and refuses
  empty or oversized files, naming the form field.
- ``inspect_image`` asks Pillow what the bytes are (the name and the browser's content type are
  ignored), allows JPEG/PNG/WebP/GIF, and refuses decompression bombs.
- ``clean_image`` decodes and re-encodes the image: EXIF (including GPS position, camera serial,
  time) and every other metadata block are dropped, orientation is applied to the pixels, and
  any bytes smuggled after the image (a polyglot file) are gone. **The original is not kept**:
  nobody, staff included, needs where a resident's phone was when the photo was taken, and a
  copy we do not hold cannot leak (PIPL Art. 6, minimum necessary). ``docs/security.md`` says so.
- ``sniff_document`` allows PDF, DOCX and XLSX by their magic bytes and structure.
- ``random_name`` gives stored files a random name; the original name never reaches the disk.
- ``serve_upload`` answers a *permission-checked* view with the stored bytes: ``nosniff``, a
  sandboxing CSP, and a fixed download name. Files under ``MEDIA_ROOT`` are never served
  directly from a path the user controls.
"""

from __future__ import annotations

import io
import secrets
import struct
import zipfile
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import FileResponse
from django.utils.translation import gettext
from PIL import Image, ImageOps, UnidentifiedImageError

from linli.core.errors import InvalidInput

IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
IMAGE_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
MAX_PIXELS = 50_000_000
DOCUMENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _mb(limit: int) -> int:
    return max(1, limit // (1024 * 1024))


def read_upload(upload: Any, *, field: str = "photo", limit: int | None = None) -> bytes:
    """The upload's bytes, refusing empty files and anything over the configured limit."""
    limit = int(limit if limit is not None else settings.UPLOAD_MAX_BYTES)
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise InvalidInput(gettext("文件不能超过 %(mb)s MB") % {"mb": _mb(limit)}, field=field)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise InvalidInput(gettext("文件不能超过 %(mb)s MB") % {"mb": _mb(limit)}, field=field)
    if not data:
        raise InvalidInput(gettext("上传的是空文件"), field=field)
    return bytes(data)


def inspect_image(data: bytes, *, field: str = "photo") -> tuple[str, int, int]:
    """(format, width, height) judged by content, whatever the file is called."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format or ""
            width, height = probe.size
            probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise InvalidInput(gettext("上传的文件不是有效的图片(支持 JPEG、PNG、WebP、GIF)"), field=field) from None
    if fmt not in IMAGE_FORMATS:
        raise InvalidInput(
            gettext("不支持的图片格式 %(fmt)s,请上传 JPEG、PNG、WebP 或 GIF") % {"fmt": fmt}, field=field
        )
    if width * height > MAX_PIXELS:
        raise InvalidInput(gettext("图片像素过大"), field=field)
    return fmt, width, height


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    format: str
    content_type: str
    extension: str
    width: int
    height: int


def clean_image(data: bytes, *, field: str = "photo") -> CleanImage:
    """Re-encode an image with no metadata (EXIF/GPS, XMP, ICC comments), orientation applied.

    GIFs become PNG (their first frame): animation is not needed for evidence photos and PNG
    re-encoding is lossless."""
    fmt, _, _ = inspect_image(data, field=field)
    try:
        with Image.open(io.BytesIO(data)) as source:
            source.seek(0)
            try:
                image = ImageOps.exif_transpose(source) or source
            except (SyntaxError, ValueError, TypeError, KeyError, struct.error):
                # A broken EXIF block (seen in PNG and WebP from some phones): the picture itself is fine;
                # its orientation is unknown, and the block is dropped with the rest of the metadata below.
                image = source
            image.load()
            out_fmt = "PNG" if fmt == "GIF" else fmt
            if out_fmt == "JPEG" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            if out_fmt == "PNG" and image.mode not in ("RGB", "RGBA", "L", "LA", "P", "1"):
                image = image.convert("RGBA")
            # A copy with an empty info dict: no exif, xmp, icc_profile or comment reaches the encoder.
            bare = image.copy()
            bare.info = {}
            buffer = io.BytesIO()
            options: dict[str, Any] = {"JPEG": {"quality": 85, "optimize": True}, "WEBP": {"quality": 85}}.get(
                out_fmt, {}
            )
            bare.save(buffer, format=out_fmt, **options)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise InvalidInput(gettext("图片无法处理,请换一张重新上传"), field=field) from None
    return CleanImage(
        data=buffer.getvalue(),
        format=out_fmt,
        content_type=IMAGE_FORMATS[out_fmt],
        extension=IMAGE_EXTENSIONS[out_fmt],
        width=bare.width,
        height=bare.height,
    )


def sniff_document(data: bytes, *, field: str = "file") -> str:
    """The extension (pdf/docx/xlsx) of an allow-listed document, judged by its bytes."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            names = set()
        if "[Content_Types].xml" in names:
            if any(n.startswith("word/") for n in names):
                return "docx"
            if any(n.startswith("xl/") for n in names):
                return "xlsx"
    raise InvalidInput(gettext("只接受 PDF、Word(.docx)或 Excel(.xlsx)文件"), field=field)


@dataclass(frozen=True)
class CleanAttachment:
    data: bytes
    extension: str
    content_type: str


def clean_attachment(data: bytes, *, field: str = "file") -> CleanAttachment:
    """A document (PDF/DOCX/XLSX, by its bytes) kept as is, or an image re-encoded without metadata."""
    try:
        ext = sniff_document(data, field=field)
    except InvalidInput:
        try:
            image = clean_image(data, field=field)
        except InvalidInput:
            raise InvalidInput(
                gettext("只接受 PDF、Word(.docx)、Excel(.xlsx)或图片(JPEG、PNG、WebP、GIF)"), field=field
            ) from None
        return CleanAttachment(data=image.data, extension=image.extension, content_type=image.content_type)
    return CleanAttachment(data=data, extension=ext, content_type=DOCUMENT_TYPES[ext])


def content_type_of(name: str) -> str:
    """The content type we stored a file as, from the extension we gave it (never the user's)."""
    ext = name.rsplit(".", 1)[-1].lower()
    by_ext = {**{v: IMAGE_FORMATS[k] for k, v in IMAGE_EXTENSIONS.items()}, **DOCUMENT_TYPES}
    return by_ext.get(ext, "application/octet-stream")


def random_name(extension: str) -> str:
    """A stored file name nobody chose: 32 random hex digits and our own extension."""
    return f"{secrets.token_hex(16)}.{extension}"


def serve_upload(file: Any, *, content_type: str, download_name: str = "") -> FileResponse:
    """Stream a stored upload from a view that has already checked the caller may see it."""
    response = FileResponse(file.open("rb"), content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "no-store"
    if download_name:
        response["Content-Disposition"] = f'attachment; filename="{download_name}"'
    return response
