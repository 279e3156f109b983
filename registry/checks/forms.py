"""Check forms: one per kind for providers, and the officer's decision forms."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.core import UnboundField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from registry.checks.kinds import DBS_LEVELS, PVG_WORKFORCES, UPDATE_SERVICE_RESULTS, VERIFICATION_METHODS, CheckKind
from registry.formatting import long_date
from registry.forms import at_most, multi_line, single_line
from registry.models import today


def _text(label, missing=None, max_length: int = 120, **kwargs) -> StringField:
    """A one-line field; ``missing`` is the message when it is left empty (None: optional)."""
    validators = [InputRequired(missing)] if missing is not None else [Optional()]
    validators.append(at_most(max_length))
    return StringField(label, filters=[single_line], validators=validators, **kwargs)


# Said before anyone makes a mistake, not only in the error (WCAG 3.3.2).
DATE_HINT = lazy_gettext("Day, month and year, as shown on the document. Type it or choose it from the calendar.")


def _date(label, missing, *rules) -> DateField:
    """A required date from a document, with the hint, ``missing`` naming it, and ``rules`` (not_in_future ...)."""
    return DateField(label, description=DATE_HINT, validators=[InputRequired(missing), *rules])


def not_in_future(form, field):
    if field.data and field.data > today():
        raise ValidationError(lazy_gettext("This date cannot be in the future."))


def not_in_past(form, field):
    if field.data and field.data < today():
        raise ValidationError(lazy_gettext("This date has already passed: upload a current policy."))


class CheckForm(FlaskForm):
    """The document every check carries; subclasses add their kind's fields."""

    document = FileField(lazy_gettext("Document (PDF, JPEG or PNG, up to 10 MB)"))

    def details(self) -> dict:
        """The structured fields as stored: JSON values, dates as ISO strings."""
        return {
            name: _json_value(field.data)
            for name, field in self._fields.items()
            if name not in ("document", "csrf_token")
        }


def _json_value(value):
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value)
    return value


class IdentityForm(CheckForm):
    document_type = SelectField(
        lazy_gettext("Document"),
        choices=[
            ("passport", lazy_gettext("Passport")),
            ("driving_licence", lazy_gettext("Photocard driving licence")),
            ("national_id", lazy_gettext("National identity card")),
            ("brp", lazy_gettext("Biometric residence permit")),
        ],
    )


class _LevelAndBarredLists(CheckForm):
    """A criminal record certificate's level and the barred lists it checked: DBS and AccessNI print the same."""

    level = SelectField(
        lazy_gettext("Level"),
        description=lazy_gettext("Printed on the certificate."),
        choices=[(code, lazy_gettext(name)) for code, name in DBS_LEVELS.items()],
    )
    barred_lists = SelectField(
        lazy_gettext("Barred lists checked"),
        choices=[
            ("none", lazy_gettext("None")),
            ("adults", lazy_gettext("Adults")),
            ("children", lazy_gettext("Children")),
            ("both", lazy_gettext("Adults and children")),
        ],
    )

    def validate_barred_lists(self, field):
        if field.data != "none" and self.level.data != "enhanced":
            raise ValidationError(lazy_gettext("Only enhanced checks include the barred lists."))


class DbsForm(_LevelAndBarredLists):
    certificate_number = StringField(
        lazy_gettext("Certificate number"),
        description=lazy_gettext("12 digits, printed at the top right of the certificate, for example 001234567890."),
        filters=[lambda v: v.replace(" ", "") if isinstance(v, str) else v],
        validators=[
            InputRequired(lazy_gettext("Enter the certificate number.")),
            Regexp(r"^\d{12}$", message=lazy_gettext("A DBS certificate number has exactly 12 digits.")),
        ],
    )
    issue_date = _date(lazy_gettext("Issue date"), lazy_gettext("Enter the issue date as a date."), not_in_future)
    update_service = BooleanField(lazy_gettext("Subscribed to the DBS Update Service"))
    # No Optional(): it would stop the check below from running on an empty value.
    update_service_id = StringField(
        lazy_gettext("Update Service subscription ID"),
        description=lazy_gettext("Only if you subscribe: on your Update Service confirmation, for example C1234567."),
        filters=[single_line],
        validators=[at_most(20)],
    )

    def validate_update_service_id(self, field):
        if self.update_service.data and not field.data:
            raise ValidationError(lazy_gettext("Enter the subscription ID, or untick the Update Service."))


class PvgForm(CheckForm):
    """Scotland: membership of the Protecting Vulnerable Groups scheme (Disclosure Scotland). It has no levels."""

    membership_number = StringField(
        lazy_gettext("PVG scheme membership number"),
        description=lazy_gettext(
            "16 digits, on your scheme record or scheme membership statement from Disclosure Scotland, "
            "for example 1234 5678 9012 3456."
        ),
        filters=[lambda v: v.replace(" ", "").replace("-", "") if isinstance(v, str) else v],
        validators=[
            InputRequired(lazy_gettext("Enter the PVG scheme membership number.")),
            Regexp(r"^\d{16}$", message=lazy_gettext("A PVG scheme membership number has exactly 16 digits.")),
        ],
    )
    workforce = SelectField(
        lazy_gettext("Regulated work with"),
        description=lazy_gettext("The workforce your membership covers, as your scheme record says."),
        choices=[(code, words[0].upper() + words[1:]) for code, words in PVG_WORKFORCES.items()],
    )
    scheme_record_date = _date(
        lazy_gettext("Date of the scheme record"),
        lazy_gettext("Enter the date of the scheme record as a date."),
        not_in_future,
    )


class AccessNiForm(_LevelAndBarredLists):
    """Northern Ireland: an AccessNI check, with levels and barred lists like a DBS check."""

    certificate_number = StringField(
        lazy_gettext("Certificate number"),
        description=lazy_gettext("As printed on the AccessNI certificate."),
        filters=[lambda v: v.replace(" ", "").upper() if isinstance(v, str) else v],
        validators=[
            InputRequired(lazy_gettext("Enter the certificate number.")),
            Regexp(
                r"^[A-Z0-9]{6,20}$",
                message=lazy_gettext("Enter the certificate number as printed: 6 to 20 letters and digits."),
            ),
        ],
    )
    issue_date = _date(lazy_gettext("Issue date"), lazy_gettext("Enter the issue date as a date."), not_in_future)


def _registration(label, missing, description, pattern: str, example: str) -> StringField:
    return StringField(
        label,
        description=description,
        filters=[lambda v: v.strip().upper() if isinstance(v, str) else v],
        validators=[
            InputRequired(missing),
            Regexp(
                pattern,
                message=lazy_gettext(
                    "Enter it as printed on your registration certificate, for example %(example)s.", example=example
                ),
            ),
        ],
    )


class CareInspectorateForm(CheckForm):
    registration_id = _registration(
        lazy_gettext("Care Inspectorate service number"),
        lazy_gettext("Enter the Care Inspectorate service number."),
        lazy_gettext(
            "On your certificate of registration and your service's page on careinspectorate.com, "
            "for example CS2003001234."
        ),
        r"^CS\d{10}$",
        "CS2003001234",
    )


class CiwForm(CheckForm):
    registration_id = _registration(
        lazy_gettext("Care Inspectorate Wales service ID"),
        lazy_gettext("Enter the Care Inspectorate Wales service ID."),
        lazy_gettext(
            "On your certificate of registration and your service's page on careinspectorate.wales, "
            "for example SIN-00001234-ABCD."
        ),
        r"^[A-Z0-9][A-Z0-9-]{3,29}$",
        "SIN-00001234-ABCD",
    )


class RqiaForm(CheckForm):
    registration_id = _registration(
        lazy_gettext("RQIA service ID"),
        lazy_gettext("Enter the RQIA service ID."),
        lazy_gettext("On your certificate of registration and your service's page on rqia.org.uk, for example 11045."),
        r"^[A-Z0-9][A-Z0-9-]{3,29}$",
        "11045",
    )


class RightToWorkForm(CheckForm):
    document_type = SelectField(
        lazy_gettext("Evidence"),
        choices=[
            ("british_passport", lazy_gettext("British or Irish passport")),
            ("share_code", lazy_gettext("Home Office share code")),
            ("brp", lazy_gettext("Biometric residence permit")),
        ],
    )
    share_code = _text(
        lazy_gettext("Share code (optional)"),
        max_length=12,
        description=lazy_gettext(
            "Only if you proved your right to work online: 9 letters and numbers, for example W7X 3YK 9PQ."
        ),
    )


class InsuranceForm(CheckForm):
    insurer = _text(lazy_gettext("Insurer"), lazy_gettext("Enter the insurer."))
    policy_number = _text(lazy_gettext("Policy number"), lazy_gettext("Enter the policy number."), max_length=40)
    cover_pounds = DecimalField(
        lazy_gettext("Cover (£)"),
        places=0,
        description=lazy_gettext("In whole pounds, for example 5000000 for £5 million."),
        validators=[
            InputRequired(lazy_gettext("Enter the amount of cover.")),
            NumberRange(min=1, max=100_000_000, message=lazy_gettext("Enter the cover in pounds.")),
        ],
    )
    end_date = _date(lazy_gettext("Policy end date"), lazy_gettext("Enter the policy end date as a date."), not_in_past)


class QualificationForm(CheckForm):
    title = _text(lazy_gettext("Qualification"), lazy_gettext("Enter the qualification."))
    awarding_body = _text(lazy_gettext("Awarding body"), lazy_gettext("Enter the awarding body."))
    awarded_on = _date(lazy_gettext("Date awarded"), lazy_gettext("Enter the date awarded as a date."), not_in_future)


class CqcForm(CheckForm):
    registration_id = StringField(
        lazy_gettext("CQC location ID"),
        description=lazy_gettext(
            "The location's ID on your CQC registration certificate or its page on the CQC website, "
            "for example 1-101234567. The registry checks its registration and rating with the CQC every night."
        ),
        filters=[single_line],
        validators=[
            InputRequired(lazy_gettext("Enter the CQC ID.")),
            Regexp(r"^1-\d{9,11}$", message=lazy_gettext("A CQC ID looks like 1-101234567.")),
        ],
    )


class FoodHygieneForm(CheckForm):
    rating = IntegerField(
        lazy_gettext("Rating (0 to 5)"),
        validators=[
            InputRequired(lazy_gettext("Enter the rating.")),
            NumberRange(min=0, max=5, message=lazy_gettext("Ratings go from 0 to 5.")),
        ],
    )
    inspected_on = _date(
        lazy_gettext("Inspection date"), lazy_gettext("Enter the inspection date as a date."), not_in_future
    )
    local_authority = _text(lazy_gettext("Local authority"), lazy_gettext("Enter the local authority."))


class FirstAidForm(CheckForm):
    course = _text(lazy_gettext("Course"), lazy_gettext("Enter the course."))
    completed_on = _date(
        lazy_gettext("Date completed"), lazy_gettext("Enter the date completed as a date."), not_in_future
    )


class ReferenceForm(CheckForm):
    referee = _text(lazy_gettext("Referee's name"), lazy_gettext("Enter the referee's name."))
    relationship = _text(lazy_gettext("How they know you"), lazy_gettext("Enter how they know you."))


FORMS: dict[str, type[CheckForm]] = {
    CheckKind.IDENTITY: IdentityForm,
    CheckKind.DBS: DbsForm,
    CheckKind.PVG: PvgForm,
    CheckKind.ACCESSNI: AccessNiForm,
    CheckKind.RIGHT_TO_WORK: RightToWorkForm,
    CheckKind.INSURANCE: InsuranceForm,
    CheckKind.QUALIFICATION: QualificationForm,
    CheckKind.CQC: CqcForm,
    CheckKind.CARE_INSPECTORATE: CareInspectorateForm,
    CheckKind.CIW: CiwForm,
    CheckKind.RQIA: RqiaForm,
    CheckKind.FOOD_HYGIENE: FoodHygieneForm,
    CheckKind.FIRST_AID: FirstAidForm,
    CheckKind.REFERENCE: ReferenceForm,
}


# What a form starts with when the provider follows "Add it" beside a requirement on
# the dashboard: the level and barred list (or PVG workforce) that requirement asks for,
# not the first choice in the list (a basic DBS), which could never meet it.
REQUIREMENT_PRESETS: dict[tuple[str, str], dict[str, str]] = {
    ("dbs_enhanced_adults", CheckKind.DBS): {"level": "enhanced", "barred_lists": "adults"},
    ("dbs_enhanced_children", CheckKind.DBS): {"level": "enhanced", "barred_lists": "children"},
    ("dbs_enhanced_adults", CheckKind.ACCESSNI): {"level": "enhanced", "barred_lists": "adults"},
    ("dbs_enhanced_children", CheckKind.ACCESSNI): {"level": "enhanced", "barred_lists": "children"},
    ("dbs_enhanced_adults", CheckKind.PVG): {"workforce": "adults"},
    ("dbs_enhanced_children", CheckKind.PVG): {"workforce": "children"},
}


def preset_for(requirement: str, kind: str, needed: set[str]) -> dict[str, str]:
    """The starting values for a check of ``kind`` added towards ``requirement``.

    ``needed`` is every requirement code the provider's services ask for: a
    provider who needs both barred lists starts with "Adults and children"
    (or PVG membership for both workforces), so one check meets both.
    """
    preset = dict(REQUIREMENT_PRESETS.get((requirement, kind), {}))
    if {"dbs_enhanced_adults", "dbs_enhanced_children"} <= needed:
        for field in ("barred_lists", "workforce"):
            if preset.get(field):
                preset[field] = "both"
    return preset


def describe(kind: str, details: dict) -> list[tuple[str, str]]:
    """The entered fields as the provider saw them: form labels, choice names, readable dates.

    For the officer's review page, where they are compared with the document.
    """
    unbound: dict[str, UnboundField] = {}
    for klass in reversed(FORMS[kind].__mro__ if kind in FORMS else ()):
        unbound.update({name: value for name, value in vars(klass).items() if isinstance(value, UnboundField)})
    rows = []
    for name, value in (details or {}).items():
        field = unbound.get(name)
        label = str(field.args[0]) if field is not None and field.args else name.replace("_", " ").capitalize()
        choices = dict(field.kwargs.get("choices") or []) if field is not None else {}
        if isinstance(value, bool):
            shown = "Yes" if value else "No"
        elif value is None or value == "":
            shown = "(not given)"
        elif field is not None and field.field_class is DateField:
            shown = long_date(date.fromisoformat(value))
        elif name == "cover_pounds":
            shown = f"£{int(value):,}"
        else:
            shown = str(choices.get(value, value))
        rows.append((label, shown))
    return rows


class AppealForm(FlaskForm):
    note = TextAreaField(
        lazy_gettext("Why should the decision change?"),
        filters=[multi_line],
        validators=[InputRequired(lazy_gettext("Explain why the decision should change.")), Length(max=2000)],
    )


class ApproveForm(FlaskForm):
    method = RadioField(
        "How did you verify it?",
        choices=list(VERIFICATION_METHODS.items()),  # narrowed by the view to the kind's own methods
        validators=[InputRequired("Say how you verified the check.")],
        validate_choice=False,  # the service refuses another kind's method, and says why
    )
    update_service_result = SelectField(
        "Update Service result",
        choices=[("", "Not used")] + list(UPDATE_SERVICE_RESULTS.items()),
        validators=[Optional()],
    )
    certificate_assessed = BooleanField(
        "I have assessed the original certificate",
        description="Tick only if you read the original DBS certificate yourself. A certificate that is not blank counts only then.",
    )
    valid_until = DateField(
        "Valid until",
        description="Proposed from the document's dates and the registry's re-check interval, the latest this kind of check allows; choose an earlier date if the document says so.",
        validators=[InputRequired("Enter the valid-until date.")],
    )
    version = IntegerField(validators=[InputRequired()])

    def __init__(self, *args, latest=None, too_late: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        # Set by the view from the check being decided; the service refuses a later date too.
        self.latest, self.too_late = latest, too_late

    def validate_valid_until(self, field):
        if field.data and self.latest is not None and field.data > self.latest:
            raise ValidationError(self.too_late)


class ReasonForm(FlaskForm):
    reason = TextAreaField(
        "Reason (the provider will see this)",
        filters=[multi_line],
        validators=[InputRequired("Give a reason."), at_most(2000)],
    )
    version = IntegerField(validators=[Optional()])


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        "Reason (the provider will see this)",
        filters=[multi_line],
        validators=[
            InputRequired("Give a reason the provider will see."),
            at_most(2000),
        ],
    )
    version = IntegerField(validators=[Optional()])


class StatusCheckForm(FlaskForm):
    """An officer's status check now: with the consented details, or details typed for this check only."""

    surname = StringField(
        "Surname as printed on the certificate (optional)",
        description="Leave blank to use what the provider consented to. Typed details are used for this check only, never kept.",
        filters=[single_line],
        validators=[Optional(), at_most(60)],
    )
    date_of_birth = DateField("Date of birth (optional)", validators=[Optional()])


class ConsentForm(FlaskForm):
    surname = StringField(
        lazy_gettext("Surname, exactly as printed on your DBS certificate"),
        filters=[single_line],
        validators=[InputRequired(lazy_gettext("Enter your surname as printed on the certificate.")), at_most(60)],
        render_kw={"autocomplete": "family-name"},
    )
    date_of_birth = DateField(
        lazy_gettext("Date of birth"),
        description=DATE_HINT,
        validators=[InputRequired(lazy_gettext("Enter your date of birth as a date.")), not_in_future],
        render_kw={"autocomplete": "bday"},
    )
    agree = BooleanField(
        lazy_gettext("I agree to the status checks as described above"),
        validators=[InputRequired(lazy_gettext("Tick to agree, or leave this page."))],
    )


class IssueForm(FlaskForm):
    note = TextAreaField(
        "What you did (for the record)",
        filters=[multi_line],
        validators=[InputRequired("Say what you did."), at_most(2000)],
    )
