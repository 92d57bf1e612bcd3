"""Request and response schemas of the counter."""

import marshmallow as ma


class PayCodeSchema(ma.Schema):
    code = ma.fields.String(metadata={"description": "18 digits, single use"})
    qr_payload = ma.fields.String()
    expires_at = ma.fields.DateTime()
