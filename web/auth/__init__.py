"""Registration, log in / log out, the business profile and the member's API token."""
