from app import create_app
from tests.helpers import assert_error


def test_unknown_path_is_404_json(client):
    assert_error(client.get("/api/v1/nope"), 404, "NOT_FOUND")


def test_wrong_method_is_405_json(client):
    assert_error(client.delete("/api/v1/auth/staff/login"), 405, "METHOD_NOT_ALLOWED")


def test_malformed_json_is_400_json(client):
    response = client.post("/api/v1/auth/staff/login", data="{not json",
                           content_type="application/json")
    assert_error(response, 400, "BAD_REQUEST")


def test_validation_error_is_422_with_field_details(client):
    response = client.post("/api/v1/auth/staff/login", json={"username": ""})
    error = assert_error(response, 422, "VALIDATION_ERROR")
    assert set(error["details"]) == {"username", "password"}


def test_unhandled_exception_is_500_with_request_id_and_no_trace(app):
    fresh = create_app(dict(app.config))

    @fresh.get("/__boom")
    def boom():
        raise RuntimeError("secret internals")

    response = fresh.test_client().get("/__boom", headers={"X-Request-ID": "req-123"})
    error = assert_error(response, 500, "INTERNAL_ERROR")
    assert error["request_id"] == "req-123"
    assert "secret internals" not in response.get_data(True)
    assert "Traceback" not in response.get_data(True)


def test_every_response_carries_a_request_id(client):
    assert len(client.get("/healthz").headers["X-Request-ID"]) >= 16
    assert client.get("/healthz", headers={"X-Request-ID": "abc"}).headers["X-Request-ID"] == "abc"
