"""Safeguarding: concerns, suspension and reinstatement, the officer's provider record, the audit log.

One blueprint per URL area, each rendering from the template folder of its name.
"""

from flask import Blueprint

# /officer/...: the officers' pages.
bp = Blueprint("safeguarding", __name__, url_prefix="/officer")
# /providers/<slug>/concern: anyone signed in tells officers of a worry.
concerns_bp = Blueprint("concerns", __name__)
# /dashboard/...: a provider's side of its suspension (seeing it, appealing it).
suspension_bp = Blueprint("suspension", __name__, url_prefix="/dashboard")
