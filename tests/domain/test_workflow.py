"""The workflow table of DESIGN section 4, checked for every (state, action, role) combination.

The expected table is written out again here, independently of `RULES`, so that a change to the
module that drifts from the design fails a test instead of silently changing both sides.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from desktop.domain.workflow import (
    CLAIM_LEASE,
    Action,
    Claim,
    Refusal,
    RefusalCode,
    Role,
    State,
    available_actions,
    next_actor_roles,
    parse_action,
    parse_state,
    transition,
)

S, A, R = State, Action, Role

# (state, action) -> (next state, roles allowed): DESIGN section 4, typed out by hand.
EXPECTED: dict[tuple[State, Action], tuple[State, set[Role]]] = {
    (S.DRAFT, A.SUBMIT): (S.SUBMITTED, {R.OPERATOR}),
    (S.DRAFT, A.DISCARD): (S.CANCELLED, {R.OPERATOR}),
    (S.SUBMITTED, A.VERIFY): (S.VERIFIED, {R.VERIFIER}),
    (S.SUBMITTED, A.REQUEST_REVISION): (S.NEEDS_REVISION, {R.VERIFIER}),
    (S.SUBMITTED, A.REJECT): (S.REJECTED, {R.VERIFIER}),
    (S.NEEDS_REVISION, A.RESUBMIT): (S.SUBMITTED, {R.OPERATOR}),
    (S.NEEDS_REVISION, A.CANCEL): (S.CANCELLED, {R.OPERATOR}),
    (S.VERIFIED, A.VALIDATE): (S.VALIDATED, {R.VALIDATOR}),
    (S.VERIFIED, A.REQUEST_REVISION): (S.NEEDS_REVISION, {R.VALIDATOR}),
    (S.VERIFIED, A.REJECT): (S.REJECTED, {R.VALIDATOR}),
    (S.VALIDATED, A.SIGN): (S.SIGNED, {R.VALIDATOR}),
    (S.SIGNED, A.DELIVER): (S.COMPLETED, {R.OPERATOR}),
}
NEEDS_REASON = {A.REJECT, A.REQUEST_REVISION}
NO_CLAIM_NEEDED = {A.SUBMIT, A.RESUBMIT}

ALL = list(itertools.product(State, Action, Role))


def _id(combo: tuple[State, Action, Role]) -> str:
    return "-".join(str(x) for x in combo)


@pytest.mark.parametrize("combo", ALL, ids=[_id(c) for c in ALL])
def test_every_combination_with_reason_and_claim(combo: tuple[State, Action, Role]) -> None:
    """With a reason and a claim, only the table decides: next state, wrong state, or role."""
    state, action, role = combo
    result = transition(state, action, role, reason="Foto KTP buram", holds_claim=True)
    expected = EXPECTED.get((state, action))
    if expected is None:
        assert isinstance(result, Refusal)
        assert result.code is RefusalCode.WRONG_STATE
        assert state.label in result.message
    elif role not in expected[1]:
        assert isinstance(result, Refusal)
        assert result.code is RefusalCode.ROLE_NOT_ALLOWED
        assert role.label in result.message
    else:
        assert result is expected[0]


ALLOWED = [(s, a, r) for (s, a), (_, roles) in EXPECTED.items() for r in roles]


@pytest.mark.parametrize("combo", ALLOWED, ids=[_id(c) for c in ALLOWED])
def test_allowed_cells_without_claim(combo: tuple[State, Action, Role]) -> None:
    state, action, role = combo
    result = transition(state, action, role, reason="alasan", holds_claim=False)
    if action in NO_CLAIM_NEEDED:
        assert result is EXPECTED[(state, action)][0]
    else:
        assert isinstance(result, Refusal)
        assert result.code is RefusalCode.CLAIM_REQUIRED
        assert "klaim" in result.message


@pytest.mark.parametrize("combo", ALLOWED, ids=[_id(c) for c in ALLOWED])
@pytest.mark.parametrize("reason", [None, "", "   \t\n"])
def test_allowed_cells_without_reason(
    combo: tuple[State, Action, Role], reason: str | None
) -> None:
    state, action, role = combo
    result = transition(state, action, role, reason=reason, holds_claim=True)
    if action in NEEDS_REASON:
        assert isinstance(result, Refusal)
        assert result.code is RefusalCode.REASON_REQUIRED
        assert "alasan" in result.message
    else:
        assert result is EXPECTED[(state, action)][0]


def test_refusal_order_state_before_role_before_reason_before_claim() -> None:
    # Wrong state wins over everything else.
    r = transition(S.COMPLETED, A.REJECT, R.OPERATOR, reason=None, holds_claim=False)
    assert isinstance(r, Refusal) and r.code is RefusalCode.WRONG_STATE
    # Role before reason and claim.
    r = transition(S.SUBMITTED, A.REJECT, R.OPERATOR, reason=None, holds_claim=False)
    assert isinstance(r, Refusal) and r.code is RefusalCode.ROLE_NOT_ALLOWED
    # Reason before claim.
    r = transition(S.SUBMITTED, A.REJECT, R.VERIFIER, reason=None, holds_claim=False)
    assert isinstance(r, Refusal) and r.code is RefusalCode.REASON_REQUIRED


def test_terminal_states_allow_nothing() -> None:
    for state in (S.COMPLETED, S.REJECTED, S.CANCELLED):
        assert state.terminal
        assert available_actions(state, Role) == []
        assert next_actor_roles(state) == frozenset()
    assert not S.SUBMITTED.terminal


def test_available_actions_per_role() -> None:
    assert available_actions(S.SUBMITTED, [R.VERIFIER]) == [
        A.VERIFY,
        A.REQUEST_REVISION,
        A.REJECT,
    ]
    assert available_actions(S.SUBMITTED, [R.OPERATOR, R.SUPERVISOR]) == []
    assert available_actions(S.VERIFIED, [R.VALIDATOR]) == [
        A.VALIDATE,
        A.REQUEST_REVISION,
        A.REJECT,
    ]
    assert available_actions(S.DRAFT, [R.OPERATOR]) == [A.SUBMIT, A.DISCARD]
    assert next_actor_roles(S.SIGNED) == frozenset({R.OPERATOR})


def test_every_state_but_terminal_has_a_way_forward() -> None:
    for state in State:
        assert bool(next_actor_roles(state)) is not state.terminal


def test_labels_are_indonesian_and_complete() -> None:
    assert S.NEEDS_REVISION.label == "Perlu perbaikan"
    assert S.COMPLETED.label == "Selesai"
    assert A.REQUEST_REVISION.label == "Minta perbaikan"
    assert {s.label for s in State} and all(s.label for s in State)
    assert all(a.label for a in Action) and all(r.label for r in Role)


def test_every_action_has_a_past_tense_for_sentences() -> None:
    assert all(a.done_label for a in Action)
    assert A.REQUEST_REVISION.done_label == "dikembalikan untuk perbaikan"
    assert A.VERIFY.done_label == "diverifikasi"


def test_claim_lease() -> None:
    now = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    claim = Claim(holder_id="u1", expires_at=now + CLAIM_LEASE)
    assert claim.held_by("u1", now)
    assert not claim.held_by("u2", now)
    assert not claim.held_by("u1", now + CLAIM_LEASE)
    assert claim.active(now + timedelta(minutes=14, seconds=59))
    assert not claim.active(now + timedelta(minutes=15))


def test_wire_values_from_a_newer_server_do_not_crash() -> None:
    assert parse_state("verified") is S.VERIFIED
    assert parse_state("archived") is None
    assert parse_action("escalate") is None
    assert parse_action("sign") is A.SIGN
