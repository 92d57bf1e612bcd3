"""Domain errors with a contract error code, and the handlers that render them."""

import logging

from flask import g, jsonify
from redis.exceptions import RedisError
from sqlalchemy.exc import DataError, OperationalError

log = logging.getLogger("jifen.errors")

HTTP_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    414: "URI_TOO_LONG",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "VALIDATION_ERROR",
    429: "RATE_LIMITED",
    431: "REQUEST_HEADER_FIELDS_TOO_LARGE",
    500: "INTERNAL_ERROR",
    503: "SERVICE_UNAVAILABLE",
}


class ApiError(Exception):
    """An error the client can act on; `code` is the contract's UPPER_SNAKE code."""

    status = 400
    code = "BAD_REQUEST"
    message = "Bad request."

    def __init__(self, message=None, *, details=None, headers=None, kept=True):
        super().__init__(message or self.message)
        self.message = message or self.message
        self.details = details or {}
        self.headers = headers or {}
        # False: refused before any work, so an Idempotency-Key does not keep the answer
        self.kept = kept


def _error(status, code, default):
    return type(code.title().replace("_", ""), (ApiError,),
                {"status": status, "code": code, "message": default})


ValidationFailed = _error(422, "VALIDATION_ERROR", "The request is not valid.")
Unauthorized = _error(401, "UNAUTHORIZED", "Authentication required.")
Forbidden = _error(403, "FORBIDDEN", "You may not do this.")
NotFound = _error(404, "NOT_FOUND", "Not found.")
Conflict = _error(409, "CONFLICT", "The request conflicts with the current state.")
IdempotencyConflict = _error(409, "IDEMPOTENCY_CONFLICT",
                             "This Idempotency-Key was used with a different request.")
InsufficientPoints = _error(409, "INSUFFICIENT_POINTS", "Not enough points.")
OutOfStock = _error(409, "OUT_OF_STOCK", "Out of stock.")
LimitExceeded = _error(409, "LIMIT_EXCEEDED", "A limit was reached.")
AlreadyCheckedIn = _error(409, "ALREADY_CHECKED_IN", "Already checked in today.")
NotOnSale = _error(409, "NOT_ON_SALE", "This item is not on sale now.")
InsufficientFunds = _error(409, "INSUFFICIENT_FUNDS", "Not enough stored value.")
MemberFrozen = _error(403, "MEMBER_FROZEN", "This member account is frozen.")
PayloadTooLarge = _error(413, "PAYLOAD_TOO_LARGE", "The request body is too large.")
PayCodeInvalid = _error(401, "PAY_CODE_INVALID",
                        "This pay code is used, expired, voided or unknown.")
ServiceUnavailable = _error(503, "SERVICE_UNAVAILABLE",
                            "A backing service is unavailable; nothing was changed.")


class RateLimited(ApiError):
    status = 429
    code = "RATE_LIMITED"
    message = "Too many requests; retry later."

    def __init__(self, retry_after: int, message=None):
        super().__init__(message, headers={"Retry-After": str(max(int(retry_after), 1))},
                         details={"retry_after": max(int(retry_after), 1)})


def error_response(status, code, message, details=None, headers=None):
    """The contract's error body: {"error": {code, message, details}}."""
    body = {"code": code, "message": message, "details": details or {}}
    if status >= 500:
        body["request_id"] = g.get("request_id")
    response = jsonify(error=body)
    response.status_code = status
    response.headers.update(headers or {})
    return response


def register_error_handlers(app):
    """Render every failure in the contract's JSON format."""

    @app.errorhandler(ApiError)
    def _api_error(exc):
        return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)

    @app.errorhandler(RedisError)
    def _redis_down(exc):
        log.warning("redis unavailable: %s", exc)
        return error_response(503, "SERVICE_UNAVAILABLE",
                              "Redis is unavailable; nothing was changed.")

    @app.errorhandler(OperationalError)
    def _database_down(exc):
        log.warning("database unavailable: %s", exc)
        return error_response(503, "SERVICE_UNAVAILABLE",
                              "The database is unavailable; nothing was changed.")

    @app.errorhandler(DataError)
    def _unstorable_value(exc):
        # e.g. a NUL byte or an out-of-range number that passed schema validation
        log.info("database refused a value: %s", exc.orig)
        return error_response(422, "VALIDATION_ERROR",
                              "A value in the request cannot be stored or searched for.")

    @app.errorhandler(Exception)
    def _unhandled(exc):
        log.exception("unhandled error (request %s)", g.get("request_id"))
        return error_response(500, "INTERNAL_ERROR",
                              "Internal error; quote the request id to support.")
