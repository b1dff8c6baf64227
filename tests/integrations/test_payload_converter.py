"""Our payload converter writes exactly the SDK's JSON and reads back exactly what the SDK reads."""

from __future__ import annotations

import dataclasses
import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from temporalio.converter import DataConverter

from domain.deal import Deal
from domain.disputes import Dispute
from domain.stages import Action
from integrations.db.deal_json import deal_from_json, deal_to_json
from integrations.payload_converter import PAYLOAD_CONVERTER, CompiledTypeConverter
from tests.domain.builders import BUYER, NOW, SELLER, a_deal, a_review
from tests.domain.dispute_builders import a_dispute, barter_deal, hybrid_deal_in_inspection
from workflows.messages import DealCommand, DealInput, DealReply, ReviewInput, StepRecord

SDK = DataConverter.default.payload_converter


def a_closed_deal() -> Deal:
    deal = a_deal("rating")
    deal = deal.review(BUYER, a_review(BUYER, SELLER), NOW).deal
    return deal.review(SELLER, a_review(SELLER, BUYER, score=3), NOW).deal


def messages() -> list[Any]:
    inspected = a_deal("inspection")
    confirmed = inspected.confirm(BUYER, NOW)
    return [
        *(a_deal(stage) for stage in ("proposed", "funding", "in_delivery", "inspection", "rating")),
        a_closed_deal(), hybrid_deal_in_inspection(), barter_deal(), barter_deal(balance=None, bond=None),
        StepRecord(confirmed.deal, confirmed.step),
        DealInput("d9", BUYER, SELLER, BUYER, inspected.terms),
        DealCommand(Action.REVIEW, SELLER, 7, review=ReviewInput(5, 4, 3, "fine")),
        DealCommand(Action.EXTEND_DELIVERY, BUYER, 3, new_delivery_due_at=NOW + dt.timedelta(days=2)),
        DealReply("d1", inspected.stage, 3, "Delivered"),
        a_dispute(),
    ]


@pytest.mark.parametrize("message", messages(), ids=lambda m: type(m).__name__)
def test_payloads_are_the_sdks_byte_for_byte_and_decode_to_the_same_value(message):
    (payload,) = PAYLOAD_CONVERTER.to_payloads([message])
    assert payload == SDK.to_payloads([message])[0]
    (decoded,) = PAYLOAD_CONVERTER.from_payloads([payload], [type(message)])
    assert decoded == message == SDK.from_payloads([payload], [type(message)])[0]


def test_the_read_models_json_round_trips_every_kind_of_deal():
    for deal in (a_closed_deal(), hybrid_deal_in_inspection(), barter_deal()):
        assert deal_from_json(deal_to_json(deal)) == deal


def test_a_payload_that_does_not_fit_its_type_is_refused_as_the_sdk_refuses_it():
    state = deal_to_json(a_deal("funding"))
    for broken in ({**state, "buyer_id": "one"}, {**state, "stage": 7}, {**state, "offered_at": "yesterday"},
                   {**state, "terms": None}, {k: v for k, v in state.items() if k != "deal_id"}):
        with pytest.raises(TypeError):
            deal_from_json(broken)


def test_optional_and_union_fields_take_the_first_member_that_fits():
    funded = a_deal("in_delivery")
    state = deal_to_json(funded)
    assert state["funding_due_at"] is not None and state["delivered_at"] is None
    decoded = deal_from_json(state)
    assert isinstance(decoded.funding_due_at, dt.datetime) and decoded.delivered_at is None


def test_a_dispute_with_its_nested_rulings_decodes_like_the_sdk():
    dispute = a_dispute()
    assert dataclasses.is_dataclass(dispute)
    (payload,) = SDK.to_payloads([dispute])
    assert PAYLOAD_CONVERTER.from_payloads([payload], [Dispute]) == SDK.from_payloads([payload], [Dispute])


def test_threads_decoding_a_new_type_at_once_all_get_the_same_value():
    fresh = CompiledTypeConverter()  # nothing compiled yet: every thread races to build it
    deal = a_closed_deal()
    state = deal_to_json(deal)
    with ThreadPoolExecutor(8) as pool:
        decoded = list(pool.map(lambda _: fresh.to_typed_value(Deal, state), range(64)))
    assert all(d == deal for d in decoded)
