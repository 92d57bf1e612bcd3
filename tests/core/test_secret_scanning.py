import pytest

from app import create_app
from tests.scanning import SECRETS, SecretScanningClient


def test_the_suite_fails_any_response_that_leaks_a_secret(app):
    leaky = create_app(dict(app.config))
    leaky.test_client_class = SecretScanningClient
    SECRETS.add("wxsecret-canary")

    @leaky.get("/__leak")
    def leak():
        return {"oops": "wxsecret-canary"}

    @leaky.get("/__hash")
    def hash_leak():
        return {"oops": "scrypt:32768:8:1$abc$def"}

    client = leaky.test_client()
    for path in ("/__leak", "/__hash"):
        with pytest.raises(AssertionError):
            client.get(path)
