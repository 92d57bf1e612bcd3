"""The console and the member preview are static files served under /console/ and /h5/."""

import pytest


@pytest.mark.parametrize("page", ["console", "h5"])
def test_each_page_serves_its_index_and_its_modules(client, page):
    index = client.get(f"/{page}/")
    assert index.status_code == 200 and index.mimetype == "text/html"
    assert b'<script type="module" src="main.js">' in index.data
    module = client.get(f"/{page}/main.js")
    assert module.status_code == 200 and module.mimetype == "text/javascript"


def test_a_page_without_its_slash_redirects_so_relative_links_work(client):
    response = client.get("/console")
    assert response.status_code == 308
    assert response.headers["Location"].endswith("/console/")


def test_nothing_outside_a_page_folder_is_served(client):
    for path in ("/console/../../app.py", "/h5/%2e%2e/console/index.html", "/console/nope.js"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json["error"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize("page", ["console", "h5"])
def test_pages_load_nothing_from_other_hosts_so_they_work_offline(client, page):
    assert "http" not in client.get(f"/{page}/").get_data(as_text=True)
    assert client.get("/static/vendor/chartjs/chart.umd.js").status_code == 200
