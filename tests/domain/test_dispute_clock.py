"""The dispute's deadlines and reminders, fired by the clock the workflow passes in."""

from __future__ import annotations

from domain.dispute_opening import open_dispute
from domain.dispute_policy import DAY as DAY_S
from domain.dispute_policy import DisputePolicy
from domain.dispute_stages import DisputeStage
from tests.domain.builders import BUYER, SELLER, a_deal
from tests.domain.dispute_builders import (
    ADA,
    BO,
    DAY,
    EVIDENCE_END,
    HOUR,
    OPENED,
    RULED_AT,
    TALKS_END,
    a_dispute,
    chosen,
    run_clock,
)


def test_settlement_talks_end_after_five_days_with_reminders_to_both_parties():
    dispute = a_dispute()
    assert dispute.next_alarm_at() == TALKS_END - DAY
    dispute, steps = run_clock(dispute, TALKS_END)
    assert [(s.kind, s.at) for s in steps] == [("reminder", TALKS_END), ("reminder", TALKS_END),
                                               ("evidence_opened", TALKS_END)]
    assert {n.business_id for n in steps[0].notices} == {BUYER, SELLER}
    assert steps[0].summary == "Reminder: settlement talks end 2026-11-08 09:00 UTC"
    assert dispute.stage is DisputeStage.EVIDENCE and dispute.evidence_ends_at == TALKS_END + 7 * DAY
    assert dispute.deadlines() == {"evidence closes": EVIDENCE_END}


def test_reminders_fire_a_day_and_three_hours_before_each_deadline_and_never_twice():
    dispute = a_dispute()
    first = dispute.on_clock(TALKS_END - DAY)
    assert first.step.kind == "reminder"
    assert first.dispute.on_clock(TALKS_END - DAY) is None
    assert first.dispute.next_alarm_at() == TALKS_END - 3 * HOUR
    assert dispute.on_clock(TALKS_END - DAY - HOUR) is None  # nothing due yet


def test_evidence_reminders_go_only_to_the_side_that_has_submitted_nothing():
    dispute = a_dispute("evidence", evidence_from=(BUYER,))
    dispute, steps = run_clock(dispute, EVIDENCE_END - 3 * HOUR)
    assert [s.kind for s in steps] == ["reminder", "reminder"]
    assert all([n.business_id for n in s.notices] == [SELLER] for s in steps)
    assert "loses by default" in steps[0].notices[0].body


def test_the_arbitrator_is_reminded_of_the_ruling_deadline_and_the_parties_of_the_appeal_window():
    dispute, steps = run_clock(a_dispute("awaiting_ruling"), EVIDENCE_END + 4 * DAY)
    assert steps[-1].kind == "reminder" and steps[-1].alerts[0].arbitrator_id == ADA.arbitrator_id
    assert steps[-1].notices == ()
    ruled = a_dispute("ruled")
    assert ruled.deadlines() == {"appeal window closes": RULED_AT + 3 * DAY}
    _, steps = run_clock(ruled, RULED_AT + 2 * DAY)
    assert {n.business_id for n in steps[-1].notices} == {BUYER, SELLER}
    assert "either side may appeal once" in steps[-1].notices[0].body


def test_a_fresh_sla_after_reassignment_gets_fresh_reminders():
    dispute, _ = run_clock(a_dispute("awaiting_ruling"), EVIDENCE_END + 5 * DAY)
    later = EVIDENCE_END + 5 * DAY + HOUR
    dispute = dispute.assign_arbitrator(chosen(BO), later).dispute
    dispute, steps = run_clock(dispute, later + 5 * DAY - 3 * HOUR)
    assert [a.arbitrator_id for s in steps for a in s.alerts] == [BO.arbitrator_id, BO.arbitrator_id]


def test_a_late_timer_never_shortens_the_next_window():
    late = TALKS_END + 2 * DAY  # the worker was down; the alarm fires two days late
    dispute, steps = run_clock(a_dispute(), late)
    assert steps[-1].kind == "evidence_opened"
    assert dispute.evidence_ends_at == late + 7 * DAY


def test_a_closed_dispute_has_no_alarms():
    settled = a_dispute().withdraw(BUYER, OPENED + HOUR).dispute
    assert settled.alarms() == () and settled.next_alarm_at() is None and settled.deadlines() == {}
    assert settled.on_clock(OPENED + 30 * DAY) is None


def test_a_per_platform_policy_sets_the_windows_and_drops_reminders_longer_than_a_window():
    policy = DisputePolicy(settlement_talks_s=2 * DAY_S, reminder_leads_s=(3 * DAY_S, 3_600))
    dispute = open_dispute(a_deal("inspection"), BUYER, "late", "Two weeks late", "10 % back", OPENED,
                           policy=policy).dispute
    assert [a.at for a in dispute.alarms()] == [OPENED + 2 * DAY - HOUR, OPENED + 2 * DAY]
    assert policy.reminders(OPENED, OPENED + 2 * DAY) == (OPENED + 2 * DAY - HOUR,)
