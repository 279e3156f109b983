"""Concerns, suspensions and the audit log."""
