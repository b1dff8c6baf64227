"""Tradepact's business rules, pure: standard library only; time and ids come in as arguments.

The same code runs inside Temporal workflows (deterministically), activities and the web.
"""
