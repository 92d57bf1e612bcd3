"""The one-pass access-token check accepts only what Flask-JWT-Extended accepts (no app,
no database: tokens are made with PyJWT as the library makes them)."""

import time

import jwt

from auth.tokens import access_claims

SECRET = "s" * 64


def _token(secret=SECRET, algorithm="HS256", **changes) -> str:
    now = int(time.time())
    claims = {"fresh": False, "iat": now, "nbf": now, "jti": "j1", "type": "access", "sub": "7",
              "exp": now + 900, "mid": 3, "kind": "member", "role": None, "fam": "f1"}
    claims.update(changes)
    return "Bearer " + jwt.encode({k: v for k, v in claims.items() if v is not ...}, secret,
                                  algorithm=algorithm)


def test_a_valid_access_token_gives_its_claims():
    claims = access_claims(_token(), SECRET)
    assert claims["sub"] == "7" and claims["mid"] == 3 and claims["jti"] == "j1"


def test_anything_the_library_would_refuse_or_we_do_not_issue_is_left_to_it():
    now = int(time.time())
    good = _token()
    refused = [
        good[:-2] + ("AA" if not good.endswith("AA") else "BB"),  # signature
        _token(secret="t" * 64), _token(algorithm="HS512"), _token(type="refresh"),
        _token(exp=now - 1), _token(iat=now + 60), _token(nbf=now + 60), _token(sub=7),
        _token(jti=...), _token(exp=...), _token(iat=float(now)),
        good.replace("Bearer ", "Token "), good.replace("Bearer ", ""), "Bearer a.b", "",
    ]
    assert [access_claims(token, SECRET) for token in refused] == [None] * len(refused)
