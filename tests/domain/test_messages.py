"""The deal thread's rules: what a message may hold, who writes, and when a finished deal's
thread closes."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.errors import InvalidInput, NotADealParty
from domain.messages import MAX_MESSAGE, OPEN_AFTER_END, ThreadClosed, check_may_post, excerpt, message_text
from tests.domain.builders import BUYER, NOW, SELLER, STRANGER, a_deal


def test_a_message_is_trimmed_and_kept_whole_up_to_the_limit():
    assert message_text("  Can we move the call to Friday?\n") == "Can we move the call to Friday?"
    assert len(message_text("x" * MAX_MESSAGE)) == MAX_MESSAGE


@pytest.mark.parametrize("text", ["", "   \n\t ", "x" * (MAX_MESSAGE + 1)])
def test_an_empty_or_oversized_message_is_refused_on_its_field(text):
    with pytest.raises(InvalidInput) as refused:
        message_text(text)
    assert refused.value.field == "body"


def test_both_parties_write_in_every_running_stage_and_strangers_never():
    for stage in ("proposed", "funding", "in_delivery", "inspection", "rating"):
        deal = a_deal(stage)
        check_may_post(deal, BUYER, NOW)
        check_may_post(deal, SELLER, NOW)
        with pytest.raises(NotADealParty):
            check_may_post(deal, STRANGER, NOW)


def test_a_finished_deal_takes_messages_for_thirty_days_then_is_read_only():
    declined = a_deal("proposed").decline(SELLER, NOW).deal
    check_may_post(declined, BUYER, NOW + OPEN_AFTER_END - dt.timedelta(seconds=1))
    with pytest.raises(ThreadClosed, match="closed on 2026-12-02"):
        check_may_post(declined, BUYER, NOW + OPEN_AFTER_END)


def test_a_long_message_is_cut_for_the_notification_only():
    assert excerpt("short") == "short"
    cut = excerpt("word " * 100)
    assert len(cut) <= 200 and cut.endswith("…")
