"""Deals for members: propose from a listing, my deals, the deal page and its actions."""
