"""Query parameters of the officers' audit log page and its CSV export."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate, validates_schema


class AuditFilterSchema(Schema):
    """Parsed with ``parse_query``/``use_args`` (registry/api/query.py); blank fields count as not set."""

    class Meta:
        unknown = EXCLUDE

    actor = fields.String(load_default=None, validate=validate.Length(max=254))
    action = fields.String(load_default=None, validate=validate.Length(max=60))
    provider = fields.String(load_default=None, validate=validate.Length(max=100))
    since = fields.Date(load_default=None, error_messages={"invalid": "Enter a date like 2026-03-31."})
    until = fields.Date(load_default=None, error_messages={"invalid": "Enter a date like 2026-03-31."})

    @pre_load
    def drop_blanks(self, data, **kwargs):
        return {k: v.strip() for k, v in data.items() if isinstance(v, str) and v.strip()}

    @validates_schema
    def dates_in_order(self, data, **kwargs):
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise ValidationError("The end date is before the start date.", "until")
