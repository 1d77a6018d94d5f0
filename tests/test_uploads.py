"""Uploads: judged by content, size-limited, images re-encoded without EXIF/GPS, random stored names."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from linli.core import uploads
from linli.core.errors import InvalidInput

GPS_IFD = 0x8825


def jpeg_with_gps(size=(40, 30)) -> bytes:
    image = Image.new("RGB", size, (200, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° to display
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 28.0)})
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def test_a_photo_with_gps_exif_is_re_encoded_with_no_metadata_left():
    original = jpeg_with_gps()
    with Image.open(io.BytesIO(original)) as probe:
        assert probe.getexif().get_ifd(GPS_IFD), "the fixture really carries a GPS position"
    clean = uploads.clean_image(original)
    assert clean.format == "JPEG" and clean.content_type == "image/jpeg"
    with Image.open(io.BytesIO(clean.data)) as result:
        assert not result.getexif(), "no EXIF block at all"
        assert "exif" not in result.info
        assert result.size == (30, 40), "orientation is applied to the pixels, not left in EXIF"
    assert b"PhoneMaker" not in clean.data and b"Exif" not in clean.data


def test_bytes_hidden_after_an_image_do_not_survive_re_encoding():
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, format="PNG")
    polyglot = buffer.getvalue() + b"<script>alert(1)</script>"
    assert b"<script>" not in uploads.clean_image(polyglot).data


def test_a_gif_becomes_a_png_of_its_first_frame():
    buffer = io.BytesIO()
    Image.new("P", (5, 5)).save(buffer, format="GIF", comment=b"secret")
    clean = uploads.clean_image(buffer.getvalue())
    assert clean.format == "PNG" and b"secret" not in clean.data


@pytest.mark.parametrize(
    "payload",
    [b"<script>alert(1)</script>", b"%PDF-1.4 not an image", b"GIF89a" + b"\0" * 10, b"\xff\xd8\xff" + b"x" * 50],
)
def test_anything_that_is_not_really_an_image_is_refused_with_the_field_named(payload):
    with pytest.raises(InvalidInput) as error:
        uploads.clean_image(payload, field="photos")
    assert error.value.field == "photos" and "图片" in error.value.message


def test_oversized_and_empty_uploads_are_refused(settings):
    settings.UPLOAD_MAX_BYTES = 1024
    with pytest.raises(InvalidInput, match="1 MB"):
        uploads.read_upload(SimpleUploadedFile("big.jpg", b"x" * 2048))
    with pytest.raises(InvalidInput, match="空文件"):
        uploads.read_upload(SimpleUploadedFile("empty.jpg", b""))
    assert uploads.read_upload(SimpleUploadedFile("ok.jpg", b"x" * 10)) == b"x" * 10


def test_documents_are_allowed_by_their_bytes_not_their_names(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    path = tmp_path / "a.xlsx"
    book.save(path)
    assert uploads.sniff_document(path.read_bytes()) == "xlsx"
    assert uploads.sniff_document(b"%PDF-1.7\n...") == "pdf"
    with pytest.raises(InvalidInput, match="PDF"):
        uploads.sniff_document(b"MZ\x90\x00 an exe called report.pdf")
    with pytest.raises(InvalidInput):
        uploads.sniff_document(b"PK\x03\x04 broken zip")


def test_stored_names_are_random_and_carry_only_our_extension():
    names = {uploads.random_name("jpg") for _ in range(100)}
    assert len(names) == 100
    assert all(n.endswith(".jpg") and "/" not in n and ".." not in n for n in names)


def test_a_ticket_photo_is_stored_cleaned_under_a_random_name(users):
    from linli.tickets.services import ticket_photo_add, ticket_submit

    ticket = ticket_submit(actor=users["resident"], description="楼道灯坏了,晚上看不见", title="楼道灯")
    ticket = ticket[0] if isinstance(ticket, tuple) else ticket
    upload = SimpleUploadedFile("../../etc/passwd.jpg", jpeg_with_gps(), content_type="image/jpeg")
    photo = ticket_photo_add(actor=users["resident"], ticket_id=ticket.pk, upload=upload)
    assert "passwd" not in photo.image.name and ".." not in photo.image.name
    with photo.image.open("rb") as stored:
        data = stored.read()
    assert b"PhoneMaker" not in data
    with Image.open(io.BytesIO(data)) as result:
        assert not result.getexif()
