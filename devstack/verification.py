"""A new member's KYB through the JSON API, as a real member and the demo admin do it: the
business sends its details and a document, the admin approves. Used where a fresh member must
trade beyond the unverified limits (benchmarks, end-to-end tests)."""

from __future__ import annotations

from devstack.api_client import Answer, ApiClient

DOCUMENT = ("documents", "extract.pdf", b"%PDF-1.7\n%%EOF\n", "application/pdf")


def submit_verification(member: ApiClient, business_id: int) -> Answer:
    return member.post_files("/api/v1/verification", {
        "registration_number": f"RCS {business_id:09d}", "address": "2 place Bellecour, Lyon",
        "representative": "The owner"}, [DOCUMENT])


def approve(admin: ApiClient, business_id: int) -> Answer:
    return admin.post(f"/api/v1/admin/verifications/{business_id}/approve")
