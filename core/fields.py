"""Schema fields shared by several domains."""

from decimal import Decimal

import marshmallow as ma


class DecimalString(ma.fields.Decimal):
    """An exact decimal carried in JSON as a string ("1.50"); numbers are accepted on input.

    Documented as a string with a pattern, because apispec would publish a Range validator's
    bounds as strings; the bounds are checked here instead.
    """

    def __init__(self, *, minimum, maximum, **kwargs):
        self.bounds = (Decimal(minimum), Decimal(maximum))
        metadata = {"type": "string", "pattern": r"^\d{1,4}(\.\d{1,2})?$", "example": "1.50",
                    "description": f"a decimal from {minimum} to {maximum}"}
        super().__init__(places=2, as_string=True, metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        number = super()._deserialize(value, attr, data, **kwargs)
        low, high = self.bounds
        if not low <= number <= high:
            raise ma.ValidationError(f"Must be from {low} to {high}.")
        return number
