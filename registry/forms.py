"""Validators and fields shared by several features' forms."""

from __future__ import annotations

from wtforms import SelectMultipleField, widgets
from wtforms.validators import ValidationError

from search.geo import PostcodeError, locate


def strip(value):
    return value.strip() if isinstance(value, str) else value


class UKPostcode:
    """Accept a full UK postcode or district in any case and spacing; store it normalised."""

    def __init__(self, allow_district: bool = True):
        self.allow_district = allow_district

    def __call__(self, form, field):
        if not field.data:
            return
        try:
            place = locate(field.data)
        except PostcodeError as error:
            raise ValidationError(str(error)) from None
        if not self.allow_district and place.postcode == place.outcode:
            raise ValidationError("Enter your full postcode, for example SW1A 1AA.")
        field.data = place.postcode


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes; works without JavaScript."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()
