"""flask-smorest's Api, speaking the contract's error format."""

import http

import flask_smorest
import marshmallow as ma
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.common import resolve_schema_cls
from flask_smorest import Api

from core.errors import HTTP_CODES, error_response
from core.inputs import JifenParser


class ErrorBodySchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={"example": "VALIDATION_ERROR"})
    message = ma.fields.String(required=True)
    details = ma.fields.Dict(metadata={"description": "field → messages for 422"})
    request_id = ma.fields.String()


class ErrorSchema(ma.Schema):
    error = ma.fields.Nested(ErrorBodySchema, required=True)


def _flatten_locations(messages):
    """webargs nests errors by location ({"json": {...}}); the contract wants field → messages."""
    details = {}
    for location, errors in (messages or {}).items():
        if isinstance(errors, dict):
            details.update(errors)
        else:
            details[location] = errors
    return details


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint whose arguments go through core.inputs' checks: every API
    blueprint is one of these (a test walks the registered ones)."""

    ARGUMENTS_PARSER = JifenParser()


class JifenApi(Api):
    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error):
        """Render werkzeug/webargs HTTP errors (404, 405, bad JSON, 422) in the contract format."""
        data = getattr(error, "data", None) or {}
        details = _flatten_locations(data.get("messages") or data.get("errors"))
        status = error.code or 500
        message = data.get("message") or error.description or error.name
        if status == 400 and details:
            message = "The request could not be read (malformed JSON?)."
        if status == 422:
            message = "The request is not valid."
        return error_response(status, HTTP_CODES.get(status, error.name.upper().replace(" ", "_")),
                              message, details, data.get("headers"))


def document_errors(view, *statuses: int):
    """List error responses (in the contract's format) on the view's OpenAPI operation, beside
    the `default` one: what a decorator adds to every operation it guards (401, 429, …)."""
    apidoc = getattr(view, "_apidoc", {})
    responses = apidoc.setdefault("response", {}).setdefault("responses", {})
    for status in statuses:
        name = http.HTTPStatus(status).name  # flask-smorest's component for that status
        if name not in responses.setdefault(status, []):
            responses[status].append(name)
    view._apidoc = apidoc
    return view


def schema_name(schema) -> str:
    """OpenAPI component names: the class name without "Schema", "Partial" for PATCH bodies."""
    cls = resolve_schema_cls(schema)
    name = cls.__name__.removesuffix("Schema") or cls.__name__
    if isinstance(schema, ma.Schema) and schema.partial:
        name += "Partial"
    return name


def marshmallow_plugin() -> MarshmallowPlugin:
    """The apispec plugin with our naming."""
    return MarshmallowPlugin(schema_name_resolver=schema_name)
