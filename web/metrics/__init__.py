"""Operator metrics for admins (`/staff/metrics`)."""
