"""Helpers for the security tests."""

from registry import create_app


def production_config(**overrides) -> dict:
    """A production configuration that starts; override one value to see it refused."""
    config = {
        "REGISTRY_ENV": "production",
        "SECRET_KEY": "k" * 40,
        "AUDIT_HMAC_KEY": "a" * 40,
        "SQLALCHEMY_DATABASE_URI": "sqlite://",
        "PUBLIC_URL": "https://registry.example.org",
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379",
        "TRUSTED_PROXY_COUNT": 1,
    }
    config.update(overrides)
    return config


def production_app(**overrides):
    return create_app(production_config(**overrides))
