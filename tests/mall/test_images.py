"""Item pictures: uploaded, checked by content, resized, stored, then served to the mall."""

import io

import pytest
from PIL import Image

from tests.helpers import assert_error


def _picture(fmt: str, size=(2400, 1600), mode="RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, (200, 30, 90, 255) if mode == "RGBA" else (200, 30, 90)).save(
        buffer, fmt)
    return buffer.getvalue()


@pytest.fixture
def media(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_FOLDER", str(tmp_path))
    return tmp_path


def _upload(client, staff, data: bytes, name="photo.jpg"):
    return client.post("/api/v1/admin/items/images", headers=staff["headers"],
                       data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_an_uploaded_picture_is_resized_and_served_as_jpeg(api, client, media, fmt):
    owner = api.staff(api.merchant())
    response = _upload(client, owner, _picture(fmt, mode="RGBA" if fmt == "PNG" else "RGB"))
    assert response.status_code == 201, response.json
    assert (response.json["width"], response.json["height"]) == (1200, 800)
    served = client.get(response.json["url"])
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(served.data)).size == (1200, 800)


def test_a_file_that_is_not_a_picture_is_refused_whatever_its_name(api, client, media):
    owner = api.staff(api.merchant())
    assert_error(_upload(client, owner, b"<svg onload=alert(1)>", "x.png"), 422,
                 "VALIDATION_ERROR")
    assert_error(_upload(client, owner, _picture("GIF", (10, 10)), "x.jpg"), 422,
                 "VALIDATION_ERROR")
    assert list(media.iterdir()) == []


def test_an_item_keeps_its_uploaded_picture_and_members_see_it(api, client, media):
    merchant = api.merchant()
    owner, member = api.staff(merchant), api.member(merchant)
    url = _upload(client, owner, _picture("JPEG", (300, 300))).json["url"]
    item = client.post("/api/v1/admin/items", headers=owner["headers"], json={
        "title": "面膜", "type": "goods", "points_price": 5, "stock": 3, "status": "on_sale",
        "images": [url]}).json
    shown = client.get(f"/api/v1/mall/items/{item['id']}", headers=member["headers"]).json
    assert shown["images"] == [url]


def test_clerks_may_not_upload_and_unknown_pictures_are_404(api, client, media):
    merchant = api.merchant()
    response = _upload(client, api.staff(merchant, "clerk"), _picture("JPEG", (10, 10)))
    assert_error(response, 403, "FORBIDDEN")
    assert_error(client.get(f"/api/v1/mall/images/{merchant['id']}/{'0' * 32}.jpg"), 404,
                 "NOT_FOUND")
    assert_error(client.get(f"/api/v1/mall/images/{merchant['id']}/..%2Fsecret"), 404,
                 "NOT_FOUND")
