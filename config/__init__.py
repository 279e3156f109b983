"""Configuration classes; see settings.py."""
