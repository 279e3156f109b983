"""Views that compose several features.

The provider dashboard and public profile, the provider's JSON payload,
sign-up (an account and, for a provider, its draft profile), the staff home
and the OpenAPI document each show or change more than one feature's data.
They live here, above every feature package, so features import only
downward (see tests/test_layers.py). The views register on the blueprint of
the URL area they belong to, so endpoint names (``providers.dashboard``,
``accounts.sign_up``) do not change.
"""
