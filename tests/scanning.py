"""A test client that fails any response leaking a secret or a password hash.

Every request the suite makes through Flask's test client is checked: WeChat secrets and
POS secrets of the merchants the tests created, and werkzeug password hashes, must never
appear in a response body.
"""

import re

from flask.testing import FlaskClient

SECRETS: set[str] = set()
PASSWORD_HASH = re.compile(rb"(scrypt|pbkdf2):[a-z0-9:]+\$")


class SecretScanningClient(FlaskClient):
    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        body = response.get_data()
        assert not PASSWORD_HASH.search(body), f"password hash in {response.request.path}"
        for secret in SECRETS:
            assert secret.encode() not in body, f"secret leaked by {response.request.path}"
        return response
