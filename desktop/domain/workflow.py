"""The application workflow: states, actions, roles and the one transition function.

Both the reference server and the desktop decide with this module, so a decision the desktop
allows offline is the same decision the server will accept when the outbox is replayed.
The table is exactly DESIGN section 4; `discard` ends a draft in `cancelled` so that the
history of the draft is kept rather than deleted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

CLAIM_LEASE = timedelta(minutes=15)
"""Default claim lease; the desktop renews it while the record is open."""


class State(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    NEEDS_REVISION = "needs_revision"
    VERIFIED = "verified"
    VALIDATED = "validated"
    SIGNED = "signed"
    COMPLETED = "completed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]

    @property
    def terminal(self) -> bool:
        return self in TERMINAL_STATES


class Action(StrEnum):
    SUBMIT = "submit"
    DISCARD = "discard"
    VERIFY = "verify"
    REQUEST_REVISION = "request_revision"
    REJECT = "reject"
    RESUBMIT = "resubmit"
    CANCEL = "cancel"
    VALIDATE = "validate"
    SIGN = "sign"
    DELIVER = "deliver"

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]

    @property
    def done_label(self) -> str:
        """The past tense for sentences: "Permohonan ini sudah ditolak oleh ..."."""
        return ACTION_DONE_LABELS[self]


class Role(StrEnum):
    OPERATOR = "operator"
    VERIFIER = "verifier"
    VALIDATOR = "validator"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


STATE_LABELS: dict[State, str] = {
    State.DRAFT: "Draf",
    State.SUBMITTED: "Diajukan",
    State.NEEDS_REVISION: "Perlu perbaikan",
    State.VERIFIED: "Terverifikasi",
    State.VALIDATED: "Tervalidasi",
    State.SIGNED: "Ditandatangani",
    State.COMPLETED: "Selesai",
    State.REJECTED: "Ditolak",
    State.CANCELLED: "Dibatalkan",
}

ACTION_LABELS: dict[Action, str] = {
    Action.SUBMIT: "Ajukan",
    Action.DISCARD: "Buang draf",
    Action.VERIFY: "Verifikasi",
    Action.REQUEST_REVISION: "Minta perbaikan",
    Action.REJECT: "Tolak",
    Action.RESUBMIT: "Ajukan ulang",
    Action.CANCEL: "Batalkan",
    Action.VALIDATE: "Validasi",
    Action.SIGN: "Tandatangani",
    Action.DELIVER: "Serahkan",
}

ACTION_DONE_LABELS: dict[Action, str] = {
    Action.SUBMIT: "diajukan",
    Action.DISCARD: "dibuang",
    Action.VERIFY: "diverifikasi",
    Action.REQUEST_REVISION: "dikembalikan untuk perbaikan",
    Action.REJECT: "ditolak",
    Action.RESUBMIT: "diajukan ulang",
    Action.CANCEL: "dibatalkan",
    Action.VALIDATE: "divalidasi",
    Action.SIGN: "ditandatangani",
    Action.DELIVER: "diserahkan",
}

ROLE_LABELS: dict[Role, str] = {
    Role.OPERATOR: "Petugas loket",
    Role.VERIFIER: "Petugas verifikasi",
    Role.VALIDATOR: "Pejabat validasi",
    Role.SUPERVISOR: "Supervisor",
    Role.ADMIN: "Administrator",
}

TERMINAL_STATES = frozenset({State.COMPLETED, State.REJECTED, State.CANCELLED})


@dataclass(frozen=True)
class Rule:
    """One row cell of the workflow table: in `source`, `roles` may take `action` to `target`."""

    source: State
    action: Action
    target: State
    roles: frozenset[Role]


def _rule(source: State, action: Action, target: State, *roles: Role) -> Rule:
    return Rule(source, action, target, frozenset(roles))


RULES: tuple[Rule, ...] = (
    _rule(State.DRAFT, Action.SUBMIT, State.SUBMITTED, Role.OPERATOR),
    _rule(State.DRAFT, Action.DISCARD, State.CANCELLED, Role.OPERATOR),
    _rule(State.SUBMITTED, Action.VERIFY, State.VERIFIED, Role.VERIFIER),
    _rule(State.SUBMITTED, Action.REQUEST_REVISION, State.NEEDS_REVISION, Role.VERIFIER),
    _rule(State.SUBMITTED, Action.REJECT, State.REJECTED, Role.VERIFIER),
    _rule(State.NEEDS_REVISION, Action.RESUBMIT, State.SUBMITTED, Role.OPERATOR),
    _rule(State.NEEDS_REVISION, Action.CANCEL, State.CANCELLED, Role.OPERATOR),
    _rule(State.VERIFIED, Action.VALIDATE, State.VALIDATED, Role.VALIDATOR),
    _rule(State.VERIFIED, Action.REQUEST_REVISION, State.NEEDS_REVISION, Role.VALIDATOR),
    _rule(State.VERIFIED, Action.REJECT, State.REJECTED, Role.VALIDATOR),
    _rule(State.VALIDATED, Action.SIGN, State.SIGNED, Role.VALIDATOR),
    _rule(State.SIGNED, Action.DELIVER, State.COMPLETED, Role.OPERATOR),
)

_BY_KEY: dict[tuple[State, Action], Rule] = {(r.source, r.action): r for r in RULES}

REASON_REQUIRED = frozenset({Action.REJECT, Action.REQUEST_REVISION})
CLAIM_FREE = frozenset({Action.SUBMIT, Action.RESUBMIT})
"""Submitting needs no claim: the application is the operator's own work until then."""


class RefusalCode(StrEnum):
    WRONG_STATE = "wrong_state"
    ROLE_NOT_ALLOWED = "role_not_allowed"
    REASON_REQUIRED = "reason_required"
    CLAIM_REQUIRED = "claim_required"
    OUT_OF_SCOPE = "out_of_scope"
    """The application is outside the actor's office subtree (``desktop.domain.authority``;
    the server answers 404, never saying whether such an application exists)."""


@dataclass(frozen=True)
class Refusal:
    """Why a transition was refused; `message` is for the person at the counter."""

    code: RefusalCode
    message: str


def transition(
    state: State,
    action: Action,
    role: Role,
    *,
    reason: str | None = None,
    holds_claim: bool = False,
) -> State | Refusal:
    """Return the next state, or the first reason the action is refused.

    Checks run from the most to the least fundamental, so the message names what the
    person must change first: the state, then the role, then the reason, then the claim.
    """
    rule = _BY_KEY.get((state, action))
    if rule is None:
        return Refusal(
            RefusalCode.WRONG_STATE,
            f"Aksi '{action.label}' tidak dapat dilakukan pada permohonan berstatus "
            f"'{state.label}'.",
        )
    if role not in rule.roles:
        allowed = ", ".join(sorted(r.label for r in rule.roles))
        return Refusal(
            RefusalCode.ROLE_NOT_ALLOWED,
            f"Peran {role.label} tidak berwenang melakukan '{action.label}'; "
            f"yang berwenang: {allowed}.",
        )
    if action in REASON_REQUIRED and not (reason and reason.strip()):
        return Refusal(
            RefusalCode.REASON_REQUIRED,
            f"Aksi '{action.label}' wajib disertai alasan.",
        )
    if action not in CLAIM_FREE and not holds_claim:
        return Refusal(
            RefusalCode.CLAIM_REQUIRED,
            f"Tangani (klaim) permohonan ini terlebih dahulu sebelum '{action.label}'.",
        )
    return rule.target


def available_actions(state: State, roles: Iterable[Role]) -> list[Action]:
    """Actions any of `roles` may take in `state`, in table order (for buttons and menus)."""
    role_set = frozenset(roles)
    return [r.action for r in RULES if r.source is state and r.roles & role_set]


def next_actor_roles(state: State) -> frozenset[Role]:
    """Who acts next in `state` (the queue's "waiting for" column)."""
    roles: set[Role] = set()
    for r in RULES:
        if r.source is state:
            roles |= r.roles
    return frozenset(roles)


@dataclass(frozen=True)
class Claim:
    """A lease on an application: only its holder may act until it expires."""

    holder_id: str
    expires_at: datetime

    def held_by(self, user_id: str, now: datetime) -> bool:
        return self.holder_id == user_id and now < self.expires_at

    def active(self, now: datetime) -> bool:
        return now < self.expires_at


def parse_state(value: str) -> State | None:
    """A state from the wire, or None for a value a newer server may send."""
    try:
        return State(value)
    except ValueError:
        return None


def parse_action(value: str) -> Action | None:
    """An action from the wire, or None for a value a newer server may send."""
    try:
        return Action(value)
    except ValueError:
        return None
