from app import create_app
from tests.helpers import assert_error


def test_healthz(client):
    assert client.get("/healthz").json == {"status": "ok"}


def test_readyz_is_200_when_database_and_redis_answer(client):
    assert client.get("/readyz").status_code == 200


def test_readyz_is_503_when_redis_is_unreachable(app):
    broken = create_app({**app.config, "REDIS_URL": "redis://127.0.0.1:1/0"})
    error = assert_error(broken.test_client().get("/readyz"), 503, "SERVICE_UNAVAILABLE")
    assert error["details"] == {"database": True, "redis": False}


def test_metrics_are_prometheus_text(client):
    client.get("/healthz")
    body = client.get("/metrics").get_data(True)
    assert "jifen_http_requests_total" in body


def test_openapi_document_lists_the_contract_paths(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    for path in ("/api/v1/auth/wechat/login", "/api/v1/auth/staff/login",
                 "/api/v1/auth/refresh", "/api/v1/auth/logout", "/api/v1/me"):
        assert path in spec["paths"], path


def test_docs_page_is_served(client):
    assert client.get("/docs").status_code == 200


def test_openapi_lists_the_errors_each_guard_can_answer(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]

    def statuses(path, method):
        return set(paths[path][method]["responses"])

    assert {"401", "403", "503", "default"} <= statuses("/api/v1/me", "get")  # token guard
    assert {"401", "403", "409", "503"} <= statuses("/api/v1/mall/orders", "post")  # + replay
    assert {"429", "401"} <= statuses("/api/v1/auth/staff/login", "post")  # throttled
    assert {"401", "503"} <= statuses("/api/v1/pos/orders", "post")  # signature, nonces
    assert "429" not in statuses("/api/v1/mall/items", "get")  # not throttled
