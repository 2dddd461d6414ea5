"""Authority: who may claim and decide which application, from which office.

The workflow table (`desktop.domain.workflow`) says which *role* takes which action in which
state. Authority narrows it per service and per office, and this module is the one place that
does, for the server (which maps a `Refusal` to HTTP) and for the desktop (which asks before it
claims, and shows only the actions the person may take), so an offline decision is judged here
exactly as the server will judge it when the outbox is replayed:

- **scope**: an office acts only on applications of its own subtree of the wilayah tree
  (`14.71` on every `14.71.*`, `14.71.01` on `14.71.01.*`, a kelurahan on itself);
- **service roles**: a decision in `submitted` (verifikasi) needs a role in the service's
  `peran_verifikasi`; one in `verified`/`validated` (validasi, signing) one in its
  `peran_validasi`;
- **decision level**: the office must be at the service's `tingkat_keputusan` or above
  (`Service.decision_level`; by default adminduk at the dinas, kelurahan letters at the
  kelurahan);
- **several roles**: each of the person's roles is tried; the action is allowed when one of
  them may take it, and that role is the one recorded in the history.

No Qt, no I/O. Every judgement returns `None` (allowed) or the first `Refusal` that names what
stands in the way, in Indonesian for the person at the counter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal

from desktop.domain.catalogue import OfficeLevel, Service
from desktop.domain.workflow import (
    RULES,
    Action,
    Refusal,
    RefusalCode,
    Role,
    State,
    available_actions,
    transition,
)

LEVEL_RANK: Final[Mapping[str, int]] = MappingProxyType(
    {"kelurahan": 0, "kecamatan": 1, "dinas": 2}
)
"""Office levels from the bottom up; an unknown level (a newer server's) ranks below all."""
LEVEL_NAMES: Final[Mapping[str, str]] = MappingProxyType(
    {"kelurahan": "kelurahan", "kecamatan": "kecamatan", "dinas": "dinas (Disdukcapil)"}
)

Stage = Literal["verifikasi", "validasi"]
STAGES: Final[Mapping[State, Stage]] = MappingProxyType(
    {
        State.SUBMITTED: "verifikasi",
        State.VERIFIED: "validasi",
        State.VALIDATED: "validasi",
    }
)
"""The deciding states and the catalogue's list of roles each needs (`peran_<stage>`)."""

_ROLE_VALUES = frozenset(r.value for r in Role)
_ANY_REASON = "-"
"""Stands for the reason when judging up front: whether a reason is given is checked on acting."""


@dataclass(frozen=True)
class Actor:
    """Who acts: known roles in the order the server lists them, and the office."""

    roles: tuple[Role, ...]
    office_code: str
    office_level: str

    @classmethod
    def of(cls, roles: Iterable[str], office_code: str, office_level: str) -> Actor:
        """From `/me` (or the server's user row): role strings a newer server may add and
        this version does not know are left out, duplicates kept once."""
        known = (Role(r) for r in roles if r in _ROLE_VALUES)
        return cls(tuple(dict.fromkeys(known)), office_code, office_level)


@dataclass(frozen=True)
class Decision:
    """An allowed action: the state it leads to and the role that takes it."""

    target: State
    role: Role


def in_scope(scope_code: str, office_code: str) -> bool:
    """`office_code` (an application's, a user's) is the office `scope_code` itself or under it
    in the wilayah tree: dotted codes, so descent is a prefix up to a dot (`14.71.1` does not
    contain `14.71.10...`)."""
    return office_code == scope_code or office_code.startswith(scope_code + ".")


def decision_level(service: Service) -> OfficeLevel:
    """The office level that decides `service` (catalogue `tingkat_keputusan`)."""
    return service.decision_level


def service_refusal(
    service: Service | None, office_level: str, state: State, role: Role
) -> Refusal | None:
    """Why `role` at an office of `office_level` may not decide `service` in `state`, or None.

    Applies to the deciding states only, on top of the workflow table; a service the catalogue
    does not know (None) is judged by the workflow table alone. "Above" the decision level
    means an office the deciding office reports to (an office sees only its own subtree).
    """
    stage = STAGES.get(state)
    if service is None or stage is None:
        return None
    allowed = service.verifier_roles if stage == "verifikasi" else service.validator_roles
    if role.value not in allowed:
        names = ", ".join(sorted(Role(r).label for r in allowed if r in _ROLE_VALUES))
        return Refusal(
            RefusalCode.ROLE_NOT_ALLOWED,
            f"Peran {role.label} tidak berwenang dalam tahap {stage} layanan '{service.name}'; "
            f"yang berwenang: {names or '-'}.",
        )
    level = decision_level(service)
    if LEVEL_RANK.get(office_level, -1) < LEVEL_RANK[level]:
        return Refusal(
            RefusalCode.ROLE_NOT_ALLOWED,
            f"Layanan '{service.name}' diverifikasi, divalidasi dan ditandatangani di tingkat "
            f"{LEVEL_NAMES[level]}; kantor tingkat "
            f"{LEVEL_NAMES.get(office_level, office_level)} tidak berwenang memutuskannya.",
        )
    return None


def acting_roles(actor: Actor, state: State, service: Service | None) -> tuple[Role, ...]:
    """The actor's roles that may take some action in `state` on this service at their office
    (scope aside), in the actor's order."""
    return tuple(
        role
        for role in actor.roles
        if available_actions(state, [role])
        and service_refusal(service, actor.office_level, state, role) is None
    )


def _out_of_scope() -> Refusal:
    return Refusal(
        RefusalCode.OUT_OF_SCOPE,
        "Permohonan ini berada di luar wilayah kantor Anda.",
    )


def may_claim(
    actor: Actor, application_office: str, service: Service | None, state: State
) -> Refusal | None:
    """Whether the actor may claim (take the lease on) the application, or why not.

    Refused out of scope (`OUT_OF_SCOPE`), on a finished application (`WRONG_STATE`), and
    when none of the actor's roles may take any action in `state` on this service here
    (`ROLE_NOT_ALLOWED`, naming who decides when it is the service or the office level). Who
    holds the claim now is not judged here: it changes from minute to minute (the server
    answers 409 `claimed_by_other`).
    """
    if not in_scope(actor.office_code, application_office):
        return _out_of_scope()
    if state.terminal:
        return Refusal(
            RefusalCode.WRONG_STATE,
            f"Permohonan berstatus '{state.label}' sudah selesai diproses.",
        )
    if acting_roles(actor, state, service):
        return None
    for role in actor.roles:
        if available_actions(state, [role]):
            refusal = service_refusal(service, actor.office_level, state, role)
            if refusal is not None:
                return refusal
    return Refusal(
        RefusalCode.ROLE_NOT_ALLOWED,
        f"Peran Anda tidak dapat memproses permohonan berstatus '{state.label}'.",
    )


def decide(
    actor: Actor,
    application_office: str,
    service: Service | None,
    state: State,
    action: Action,
    *,
    reason: str | None,
    holds_claim: bool,
) -> Decision | Refusal:
    """Judge one action as the server does when it is taken: `Decision` or the refusal.

    `transition` runs for each of the actor's roles; the first role it allows, and that the
    service and office level allow too (`service_refusal`, checked before the reason and the
    claim), acts. When no role may act the refusal preferred is the one the person can fix (a
    missing reason, the claim), then the service/office one (it names who decides instead),
    then the plain workflow one (wrong state, role).
    """
    if not in_scope(actor.office_code, application_office):
        return _out_of_scope()
    refusals: list[Refusal] = []
    specific: list[Refusal] = []
    for role in actor.roles:
        result = transition(state, action, role, reason=reason, holds_claim=holds_claim)
        if isinstance(result, Refusal) and result.code in (
            RefusalCode.WRONG_STATE,
            RefusalCode.ROLE_NOT_ALLOWED,
        ):
            refusals.append(result)
            continue
        refused = service_refusal(service, actor.office_level, state, role)
        if refused is not None:
            specific.append(refused)
            continue
        if isinstance(result, State):
            return Decision(result, role)
        refusals.append(result)
    if not refusals and not specific:
        return Refusal(RefusalCode.ROLE_NOT_ALLOWED, "Akun tanpa peran tidak dapat bertindak.")
    for refusal in refusals:
        if refusal.code not in (RefusalCode.ROLE_NOT_ALLOWED, RefusalCode.WRONG_STATE):
            return refusal
    if specific:
        return specific[0]
    return refusals[0]


def may_act(
    actor: Actor,
    application_office: str,
    service: Service | None,
    state: State,
    action: Action,
) -> Refusal | None:
    """Whether the actor may take `action` in `state` at all (with a reason where one is
    needed, and holding the claim where one is needed), or the refusal the server would give.

    For deciding up front which buttons to offer; the reason and the claim are judged by
    `decide` when the person acts.
    """
    result = decide(
        actor, application_office, service, state, action, reason=_ANY_REASON, holds_claim=True
    )
    return result if isinstance(result, Refusal) else None


def actions_for(
    actor: Actor, application_office: str, service: Service | None, state: State
) -> tuple[Action, ...]:
    """The actions the actor may take in `state` (in workflow-table order), for the buttons.

    Every action but `submit`/`resubmit` (`workflow.CLAIM_FREE`) also needs the claim, which
    `may_claim` says whether the actor can take.
    """
    return tuple(
        rule.action
        for rule in RULES
        if rule.source is state
        and may_act(actor, application_office, service, state, rule.action) is None
    )
