"""Every upload outside requests and visits goes through ``linli.core.uploads``: micro-wish photos,
party meeting photos, study attachments and co-building project photos are judged by content,
size-limited with a clear message, re-encoded without EXIF (GPS), stored under random names and
served only by views that check the viewer may see the object (404 otherwise)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from linli.cobuilding import services_partners as sp
from linli.partylife import services as s
from linli.partylife import services_study as st
from linli.partylife.models import MeetingPhoto, StudyMaterial
from linli.volunteering import wishes as w
from linli.volunteering.models import Wish, WishStatus
from tests import test_partylife
from tests.test_cobuilding_partners import _meeting
from tests.test_cobuilding_world import build_world
from tests.test_uploads import GPS_IFD, jpeg_with_gps

pytestmark = pytest.mark.django_db
party = test_partylife.party  # the shared party fixture: a branch, its secretary, members, an outsider


def photo(name: str = "IMG_0001.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_with_gps(), content_type="image/jpeg")


def twenty_mb_photo() -> SimpleUploadedFile:
    """A real JPEG padded to 20 MB (a camera's full-size shot is about that)."""
    data = jpeg_with_gps()
    return SimpleUploadedFile("big.jpg", data + b"\0" * (20 * 1024 * 1024 - len(data)), content_type="image/jpeg")


def text_named_jpg() -> SimpleUploadedFile:
    return SimpleUploadedFile("photo.jpg", b"<html><script>alert(1)</script></html>", content_type="image/jpeg")


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def assert_clean_served(response: Any) -> None:
    """The served bytes are an image with no EXIF at all (GPS included), under a locked-down response."""
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    with Image.open(io.BytesIO(body)) as served:
        assert not served.getexif() and not served.getexif().get_ifd(GPS_IFD)
    assert b"PhoneMaker" not in body
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["Content-Type"] == "image/jpeg"


def assert_random_name(name: str, original: str = "IMG_0001") -> None:
    stem = name.rsplit("/", 1)[-1]
    assert original not in stem and len(stem.split("-")[-1].split(".")[0]) == 32 and stem.endswith(".jpg")


# ------------------------------------------------------------------ micro-wishes


@pytest.fixture
def claimed_wish(users: dict[str, Any]) -> Wish:
    wish = w.wish_submit(actor=users["resident"], title="想学智能手机")
    w.wish_review(actor=users["community"], wish_id=wish.pk, approve=True)
    return w.wish_claim(actor=users["volunteer"], wish_id=wish.pk)


def test_a_20_mb_wish_photo_is_refused_with_the_limit_named_and_the_wish_keeps_its_state(
    client_as: Any, claimed_wish: Wish
) -> None:
    r = client_as("volunteer").post(
        f"/volunteering/wishes/{claimed_wish.pk}/act/",
        {"action": "fulfil", "note": "教会了", "photo": twenty_mb_photo()},
    )
    assert r.status_code == 302
    assert any("文件不能超过 8 MB" in m for m in messages_of(r)), messages_of(r)
    claimed_wish.refresh_from_db()
    assert claimed_wish.status == WishStatus.CLAIMED and not claimed_wish.photo and claimed_wish.fulfil_note == ""


def test_a_text_file_named_jpg_is_refused_as_a_wish_photo(client_as: Any, claimed_wish: Wish) -> None:
    r = client_as("volunteer").post(
        f"/volunteering/wishes/{claimed_wish.pk}/act/", {"action": "fulfil", "note": "x", "photo": text_named_jpg()}
    )
    assert any("不是有效的图片" in m for m in messages_of(r)), messages_of(r)
    claimed_wish.refresh_from_db()
    assert claimed_wish.status == WishStatus.CLAIMED and not claimed_wish.photo


def test_a_wish_photo_loses_its_gps_and_is_served_only_to_those_who_see_the_wish(
    client_as: Any, users: dict[str, Any], claimed_wish: Wish
) -> None:
    from linli.accounts.models import User

    r = client_as("volunteer").post(
        f"/volunteering/wishes/{claimed_wish.pk}/act/", {"action": "fulfil", "note": "教会了", "photo": photo()}
    )
    assert any("已登记圆梦" in m for m in messages_of(r)), messages_of(r)
    claimed_wish.refresh_from_db()
    assert_random_name(claimed_wish.photo.name)
    url = f"/volunteering/wishes/{claimed_wish.pk}/photo"
    assert_clean_served(client_as("resident").get(url))  # the wisher
    assert_clean_served(client_as("community").get(url))  # staff of the community
    stranger = User.objects.create_user(username="stranger", password="x")
    assert client_for(stranger).get(url).status_code == 404


# ------------------------------------------------------------------ party meetings and study


def test_a_20_mb_meeting_photo_is_refused_and_a_text_file_named_jpg_too(party: Any) -> None:
    m = s.meeting_plan(
        actor=party.secretary, branch_id=party.branch.pk, kind="theme_day", title="t", date=timezone.localdate()
    )
    c = client_for(party.secretary)
    r = c.post(f"/party-life/meetings/{m.pk}/photo/", {"photo": twenty_mb_photo()})
    assert any("文件不能超过 8 MB" in x for x in messages_of(r)), messages_of(r)
    r = c.post(f"/party-life/meetings/{m.pk}/photo/", {"photo": text_named_jpg()})
    assert any("不是有效的图片" in x for x in messages_of(r)), messages_of(r)
    assert MeetingPhoto.objects.filter(meeting=m).count() == 0


def test_a_meeting_photo_loses_its_gps_and_only_the_branch_sees_it(client_as: Any, party: Any) -> None:
    m = s.meeting_plan(
        actor=party.secretary, branch_id=party.branch.pk, kind="theme_day", title="t", date=timezone.localdate()
    )
    r = client_for(party.secretary).post(f"/party-life/meetings/{m.pk}/photo/", {"photo": photo()})
    assert any("照片已上传" in x for x in messages_of(r)), messages_of(r)
    stored = MeetingPhoto.objects.get(meeting=m)
    assert_random_name(stored.image.name)
    url = f"/party-life/meeting-photos/{stored.pk}"
    page = client_for(party.secretary).get(f"/party-life/meetings/{m.pk}/").content.decode()
    assert url in page and "/media/" not in page, "the page links the checked view, never the media path"
    assert_clean_served(client_for(party.secretary).get(url))
    assert_clean_served(client_for(party.member_user).get(url))  # a member of the branch
    assert client_for(party.outsider_user).get(url).status_code == 404  # a member of another branch
    assert client_as("grid").get(url).status_code == 404
    assert client_as("resident").get(url).status_code == 404


def test_a_study_attachment_is_checked_by_content_and_served_only_to_its_learners(client_as: Any, party: Any) -> None:
    from docx import Document

    c = client_for(party.secretary)
    fake = SimpleUploadedFile("lesson.pdf", b"MZ\x90\x00 an executable", content_type="application/pdf")
    r = c.post(f"/party-life/branches/{party.branch.pk}/material/", {"title": "党史", "file": fake})
    assert any("只接受 PDF" in x for x in messages_of(r)), messages_of(r)
    assert not StudyMaterial.objects.filter(org=party.branch).exists()

    buffer = io.BytesIO()
    Document().save(buffer)
    doc = SimpleUploadedFile("../../etc/lesson.docx", buffer.getvalue())
    r = c.post(f"/party-life/branches/{party.branch.pk}/material/", {"title": "党史", "file": doc})
    material = StudyMaterial.objects.get(org=party.branch)
    assert "etc" not in material.file.name and material.file.name.endswith(".docx")
    url = f"/party-life/study/{material.pk}/file"
    page = client_for(party.member_user).get(f"/party-life/study/{material.pk}/")
    assert page.status_code == 200 and url in page.content.decode() and "/media/" not in page.content.decode()
    served = client_for(party.member_user).get(url)
    assert served.status_code == 200 and b"".join(served.streaming_content) == buffer.getvalue()
    assert served["Content-Disposition"] == f'attachment; filename="material-{material.pk}.docx"'
    assert client_for(party.outsider_user).get(url).status_code == 404
    assert client_as("grid").get(url).status_code == 404


def test_a_study_photo_attachment_is_re_encoded_without_gps(party: Any) -> None:
    material = st.study_material_add(actor=party.secretary, org_id=party.branch.pk, title="照片", upload=photo())
    assert_random_name(material.file.name)
    served = client_for(party.member_user).get(f"/party-life/study/{material.pk}/file")
    assert served.status_code == 200
    with Image.open(io.BytesIO(b"".join(served.streaming_content))) as image:
        assert not image.getexif()


# ------------------------------------------------------------------ co-building projects


def test_a_project_photo_is_refused_when_too_big_or_not_an_image_and_else_loses_its_gps(
    client_as: Any, users: dict[str, Any], places: Any
) -> None:
    world = build_world(users, places)
    project = sp.project_propose(
        actor=users["street"], place=world.compound, title="加装扶手", description="", budget="0", partners=[]
    )
    sp.project_approve(actor=users["street"], project=project, meeting=_meeting(users, world))
    street = client_as("street")
    r = street.post(f"/co-building/projects/{project.pk}/photo/", {"photo": twenty_mb_photo()})
    assert r.status_code == 422 and "文件不能超过 5 MB" in r.content.decode()  # the page again, with the error
    r = street.post(f"/co-building/projects/{project.pk}/photo/", {"photo": text_named_jpg()})
    assert r.status_code == 422 and "不是有效的图片" in r.content.decode()
    assert project.photos.count() == 0

    street.post(f"/co-building/projects/{project.pk}/photo/", {"photo": photo()})
    [stored] = project.photos.all()
    assert_random_name(stored.image.name)
    assert (stored.width, stored.height) == (30, 40), "orientation applied, as the re-encoded pixels are"
    url = f"/co-building/project-photos/{stored.pk}"
    assert url in street.get(f"/co-building/projects/{project.pk}/").content.decode()
    assert_clean_served(street.get(url))
    assert client_as("resident").get(url).status_code == 404
