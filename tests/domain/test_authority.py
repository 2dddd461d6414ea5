"""Authority: who may claim and decide which service, from which office, with which roles.

The hand-written cases say what the rules mean for the demo's people (a lurah, Disdukcapil,
kecamatan staff); the exhaustive part checks every (role set, office, service, state, action)
against a reference written out again here, and the properties that tie `may_claim`, `may_act`,
`actions_for` and `decide` together (the desktop relies on them to claim or open read-only and
to choose its buttons). `tests/server/test_authority.py` checks the real server against these
same functions over HTTP.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from desktop.domain.authority import (
    Actor,
    Decision,
    acting_roles,
    actions_for,
    decide,
    decision_level,
    in_scope,
    may_act,
    may_claim,
    service_refusal,
)
from desktop.domain.catalogue import Catalogue, Service, load_catalogue
from desktop.domain.workflow import (
    CLAIM_FREE,
    RULES,
    Action,
    Refusal,
    RefusalCode,
    Role,
    State,
    available_actions,
)

S, A, R = State, Action, Role
JADIREJO = "14.71.01.1002"  # a kelurahan of Kecamatan Sukajadi (14.71.01), Kota Pekanbaru (14.71)


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue("1471")


@pytest.fixture(scope="module")
def kk(catalogue: Catalogue) -> Service:
    return catalogue.service("KK-KTPEL-WNI")


@pytest.fixture(scope="module")
def letter(catalogue: Catalogue) -> Service:
    return catalogue.service("SKTM")


def actor(office: str, level: str, *roles: str) -> Actor:
    return Actor.of(roles, office, level)


LURAH = actor(JADIREJO, "kelurahan", "verifier", "validator")
VERIFIER = actor("14.71", "dinas", "verifier")
VALIDATOR = actor("14.71", "dinas", "validator")
OPERATOR = actor(JADIREJO, "kelurahan", "operator")
KECAMATAN = actor("14.71.01", "kecamatan", "verifier", "validator")


# -- what the rules mean for the demo's people ----------------------------------------------------


def test_the_lurah_decides_his_kelurahan_letters_start_to_end(letter: Service) -> None:
    assert may_claim(LURAH, JADIREJO, letter, S.SUBMITTED) is None
    assert actions_for(LURAH, JADIREJO, letter, S.SUBMITTED) == (
        A.VERIFY,
        A.REQUEST_REVISION,
        A.REJECT,
    )
    assert actions_for(LURAH, JADIREJO, letter, S.VERIFIED) == (
        A.VALIDATE,
        A.REQUEST_REVISION,
        A.REJECT,
    )
    assert actions_for(LURAH, JADIREJO, letter, S.VALIDATED) == (A.SIGN,)
    verified = decide(LURAH, JADIREJO, letter, S.SUBMITTED, A.VERIFY, reason=None, holds_claim=True)
    signed = decide(LURAH, JADIREJO, letter, S.VALIDATED, A.SIGN, reason=None, holds_claim=True)
    assert verified == Decision(S.VERIFIED, R.VERIFIER)
    assert signed == Decision(S.SIGNED, R.VALIDATOR)  # the role that acts is the one recorded
    assert acting_roles(LURAH, S.VERIFIED, letter) == (R.VALIDATOR,)


def test_the_lurah_opens_an_adminduk_application_read_only(kk: Service) -> None:
    """Taken in at his own counter, but Disdukcapil decides it: the desktop opens it read-only
    with the server's own words, and offers no action."""
    refusal = may_claim(LURAH, JADIREJO, kk, S.SUBMITTED)
    assert refusal == Refusal(
        RefusalCode.ROLE_NOT_ALLOWED,
        f"Layanan '{kk.name}' diverifikasi, divalidasi dan ditandatangani di tingkat dinas "
        "(Disdukcapil); kantor tingkat kelurahan tidak berwenang memutuskannya.",
    )
    for state in (S.SUBMITTED, S.VERIFIED, S.VALIDATED):
        assert actions_for(LURAH, JADIREJO, kk, state) == ()
        assert may_claim(KECAMATAN, JADIREJO, kk, state) is not None
    assert may_act(LURAH, JADIREJO, kk, S.SUBMITTED, A.VERIFY) == refusal


def test_disdukcapil_decides_adminduk_and_may_decide_letters(kk: Service, letter: Service) -> None:
    for service in (kk, letter):
        assert actions_for(VERIFIER, JADIREJO, service, S.SUBMITTED) == (
            A.VERIFY,
            A.REQUEST_REVISION,
            A.REJECT,
        )
        assert actions_for(VERIFIER, JADIREJO, service, S.VERIFIED) == ()
        assert actions_for(VALIDATOR, JADIREJO, service, S.VALIDATED) == (A.SIGN,)
    refusal = may_claim(VERIFIER, JADIREJO, kk, S.VERIFIED)
    assert refusal is not None and refusal.message == (
        "Peran Anda tidak dapat memproses permohonan berstatus 'Terverifikasi'."
    )


def test_kecamatan_decides_letters_of_its_own_kelurahan_only(letter: Service) -> None:
    assert may_claim(KECAMATAN, JADIREJO, letter, S.SUBMITTED) is None
    outside = "14.71.02.1001"  # Simpang Empat, Kecamatan Pekanbaru Kota
    refusal = may_claim(KECAMATAN, outside, letter, S.SUBMITTED)
    assert refusal is not None and refusal.code is RefusalCode.OUT_OF_SCOPE
    assert may_act(KECAMATAN, outside, letter, S.SUBMITTED, A.VERIFY) == refusal
    assert actions_for(KECAMATAN, outside, letter, S.SUBMITTED) == ()


def test_operator_works_drafts_and_deliveries(kk: Service) -> None:
    assert actions_for(OPERATOR, JADIREJO, kk, S.DRAFT) == (A.SUBMIT, A.DISCARD)
    assert actions_for(OPERATOR, JADIREJO, kk, S.NEEDS_REVISION) == (A.RESUBMIT, A.CANCEL)
    assert actions_for(OPERATOR, JADIREJO, kk, S.SIGNED) == (A.DELIVER,)
    refusal = may_claim(OPERATOR, JADIREJO, kk, S.SUBMITTED)
    assert refusal == Refusal(
        RefusalCode.ROLE_NOT_ALLOWED,
        "Peran Anda tidak dapat memproses permohonan berstatus 'Diajukan'.",
    )
    verify = may_act(OPERATOR, JADIREJO, kk, S.SUBMITTED, A.VERIFY)
    assert verify is not None and verify.message == (
        "Peran Petugas loket tidak berwenang melakukan 'Verifikasi'; "
        "yang berwenang: Petugas verifikasi."
    )


def test_finished_applications_are_claimed_by_no_one(kk: Service) -> None:
    for state in (S.COMPLETED, S.REJECTED, S.CANCELLED):
        refusal = may_claim(VERIFIER, JADIREJO, kk, state)
        assert refusal == Refusal(
            RefusalCode.WRONG_STATE,
            f"Permohonan berstatus '{state.label}' sudah selesai diproses.",
        )
        assert actions_for(OPERATOR, JADIREJO, kk, state) == ()


def test_supervisors_and_admins_decide_nothing(kk: Service, letter: Service) -> None:
    for roles in (("supervisor",), ("admin",), ("supervisor", "admin")):
        boss = actor("14.71", "dinas", *roles)
        for service, state in itertools.product((kk, letter), State):
            assert actions_for(boss, JADIREJO, service, state) == ()
            assert may_claim(boss, JADIREJO, service, state) is not None


def test_no_roles_at_all(kk: Service) -> None:
    nobody = actor("14.71", "dinas", "kepala_bidang")  # a role this version does not know
    assert nobody.roles == ()
    result = decide(nobody, JADIREJO, kk, S.SUBMITTED, A.VERIFY, reason=None, holds_claim=True)
    assert result == Refusal(
        RefusalCode.ROLE_NOT_ALLOWED, "Akun tanpa peran tidak dapat bertindak."
    )


def test_decision_level_override(letter: Service) -> None:
    """A catalogue `tingkat_keputusan` moves the decision: a letter signed by the camat."""
    camat_letter = replace(letter, decision_level="kecamatan")
    refusal = may_claim(LURAH, JADIREJO, camat_letter, S.SUBMITTED)
    assert refusal is not None and refusal.code is RefusalCode.ROLE_NOT_ALLOWED
    assert "tingkat kecamatan; kantor tingkat kelurahan" in refusal.message
    assert may_claim(KECAMATAN, JADIREJO, camat_letter, S.SUBMITTED) is None
    assert may_claim(VERIFIER, JADIREJO, camat_letter, S.SUBMITTED) is None
    assert decision_level(camat_letter) == "kecamatan" and decision_level(letter) == "kelurahan"


def test_service_roles_narrow_the_workflow(kk: Service, letter: Service) -> None:
    """The catalogue's `peran_verifikasi` / `peran_validasi` narrow the workflow's roles."""
    assert decision_level(kk) == "dinas" and decision_level(letter) == "kelurahan"
    assert service_refusal(kk, "dinas", S.SUBMITTED, R.VERIFIER) is None
    for level in ("kelurahan", "kecamatan", "provinsi"):
        refusal = service_refusal(kk, level, S.VALIDATED, R.VALIDATOR)
        assert refusal is not None and refusal.code is RefusalCode.ROLE_NOT_ALLOWED
    assert service_refusal(letter, "kelurahan", S.VALIDATED, R.VALIDATOR) is None
    assert service_refusal(letter, "kelurahan", S.DRAFT, R.OPERATOR) is None
    narrowed = replace(letter, validator_roles=("supervisor",))
    refusal = service_refusal(narrowed, "kelurahan", S.VERIFIED, R.VALIDATOR)
    assert refusal is not None and refusal.message == (
        "Peran Pejabat validasi tidak berwenang dalam tahap validasi layanan "
        f"'{letter.name}'; yang berwenang: Supervisor."
    )
    assert service_refusal(narrowed, "kelurahan", S.SUBMITTED, R.VERIFIER) is None
    assert service_refusal(None, "kelurahan", S.SUBMITTED, R.VERIFIER) is None


def test_refusal_preference_when_acting(kk: Service) -> None:
    """What the person can fix comes first: the reason, then the claim; but a decision that is
    not theirs at all says so before asking for a reason."""
    reject = A.REJECT

    def judge(who: Actor, reason: str | None, claim: bool) -> Decision | Refusal:
        return decide(who, JADIREJO, kk, S.VERIFIED, reject, reason=reason, holds_claim=claim)

    both = actor("14.71", "dinas", "verifier", "validator")
    no_reason = judge(both, None, True)
    assert isinstance(no_reason, Refusal) and no_reason.code is RefusalCode.REASON_REQUIRED
    no_claim = judge(both, "Berkas palsu", False)
    assert isinstance(no_claim, Refusal) and no_claim.code is RefusalCode.CLAIM_REQUIRED
    assert judge(both, "Berkas palsu", True) == Decision(S.REJECTED, R.VALIDATOR)
    lurah = judge(LURAH, None, False)
    assert isinstance(lurah, Refusal) and "dinas (Disdukcapil)" in lurah.message


def test_actor_of_server_roles() -> None:
    person = Actor.of(["validator", "pengawas", "verifier", "validator"], "14.71", "dinas")
    assert person.roles == (R.VALIDATOR, R.VERIFIER)  # unknown dropped, order and once kept


@pytest.mark.parametrize(
    ("scope", "office", "inside"),
    [
        ("14.71", "14.71", True),
        ("14.71", "14.71.01.1002", True),
        ("14.71.01", "14.71.01.1002", True),
        ("14.71.01.1002", "14.71.01.1002", True),
        ("14.71.01.1002", "14.71.01", False),
        ("14.71.01", "14.71.02.1001", False),
        ("14.71.1", "14.71.10.1001", False),
        ("14.7", "14.71", False),
    ],
)
def test_scope_is_the_subtree(scope: str, office: str, inside: bool) -> None:
    assert in_scope(scope, office) is inside


# -- every combination against a reference written out again --------------------------------------

ROLE_SETS: tuple[tuple[str, ...], ...] = (
    ("operator",),
    ("verifier",),
    ("validator",),
    ("supervisor",),
    ("admin",),
    ("verifier", "validator"),  # a lurah (lurah1)
    ("operator", "verifier"),  # a small kelurahan: the counter also checks
    ("supervisor", "validator"),  # a kepala seksi who also signs
)
OFFICES: tuple[tuple[str, str], ...] = (
    ("14.71", "dinas"),
    ("14.71.01", "kecamatan"),
    (JADIREJO, "kelurahan"),
    ("14.71.02", "kecamatan"),  # another kecamatan: out of scope
    ("14.71.01.1003", "kelurahan"),  # Kampung Tengah, a neighbour: out of scope
)
LEVEL_RANK = {"kelurahan": 0, "kecamatan": 1, "dinas": 2}
WHO = {
    (S.DRAFT, A.SUBMIT): R.OPERATOR,
    (S.DRAFT, A.DISCARD): R.OPERATOR,
    (S.SUBMITTED, A.VERIFY): R.VERIFIER,
    (S.SUBMITTED, A.REQUEST_REVISION): R.VERIFIER,
    (S.SUBMITTED, A.REJECT): R.VERIFIER,
    (S.NEEDS_REVISION, A.RESUBMIT): R.OPERATOR,
    (S.NEEDS_REVISION, A.CANCEL): R.OPERATOR,
    (S.VERIFIED, A.VALIDATE): R.VALIDATOR,
    (S.VERIFIED, A.REQUEST_REVISION): R.VALIDATOR,
    (S.VERIFIED, A.REJECT): R.VALIDATOR,
    (S.VALIDATED, A.SIGN): R.VALIDATOR,
    (S.SIGNED, A.DELIVER): R.OPERATOR,
}


def services(catalogue: Catalogue) -> dict[str, Service]:
    sktm = catalogue.service("SKTM")
    return {
        "adminduk": catalogue.service("KK-KTPEL-WNI"),
        "letter": sktm,
        "letter-at-kecamatan": replace(sktm, decision_level="kecamatan"),
        "adminduk-at-kecamatan": replace(
            catalogue.service("KTPEL-RUSAK"), decision_level="kecamatan"
        ),
        "letter-signed-by-supervisor": replace(sktm, validator_roles=("supervisor",)),
    }


def expected(
    roles: tuple[str, ...], office: str, level: str, service: Service, state: State, action: Action
) -> RefusalCode | None:
    """The rule in words: in scope; the action exists in the state; a role of the table has it;
    in a deciding state that role is also the service's, at its level or above."""
    if not (office == JADIREJO or JADIREJO.startswith(office + ".")):
        return RefusalCode.OUT_OF_SCOPE
    if (state, action) not in WHO:
        return RefusalCode.WRONG_STATE
    role = WHO[state, action]
    if role.value not in roles:
        return RefusalCode.ROLE_NOT_ALLOWED
    stage = {S.SUBMITTED: service.verifier_roles, S.VERIFIED: service.validator_roles}
    stage[S.VALIDATED] = service.validator_roles
    if state in stage and (
        role.value not in stage[state] or LEVEL_RANK[level] < LEVEL_RANK[service.decision_level]
    ):
        return RefusalCode.ROLE_NOT_ALLOWED
    return None


def test_every_combination_matches_the_rule_in_words(catalogue: Catalogue) -> None:
    checked = 0
    for roles, (office, level), service in itertools.product(
        ROLE_SETS, OFFICES, services(catalogue).values()
    ):
        who = Actor.of(roles, office, level)
        for state, action in itertools.product(State, Action):
            refusal = may_act(who, JADIREJO, service, state, action)
            want = expected(roles, office, level, service, state, action)
            assert (refusal.code if refusal else None) == want, (roles, office, service.code)
            checked += 1
    assert checked == len(ROLE_SETS) * len(OFFICES) * 5 * len(State) * len(Action)


def test_claim_buttons_and_decisions_agree(catalogue: Catalogue) -> None:
    """The desktop's two questions answer each other: it may claim exactly when it has some
    button to show; every button is an action of the workflow for one of the person's roles; and
    pressing one (with a reason, holding the claim) is what `decide` allows."""
    for roles, (office, level), service in itertools.product(
        ROLE_SETS, OFFICES, services(catalogue).values()
    ):
        who = Actor.of(roles, office, level)
        for state in State:
            buttons = actions_for(who, JADIREJO, service, state)
            claim = may_claim(who, JADIREJO, service, state)
            assert (claim is None) == bool(buttons), (roles, office, service.code, state)
            assert set(buttons) <= set(available_actions(state, who.roles))
            for action in Action:
                allowed = action in buttons
                acted = decide(
                    who, JADIREJO, service, state, action, reason="alasan", holds_claim=True
                )
                assert isinstance(acted, Decision) is allowed
                unclaimed = decide(
                    who, JADIREJO, service, state, action, reason="alasan", holds_claim=False
                )
                if allowed and action not in CLAIM_FREE:
                    assert isinstance(unclaimed, Refusal)
                    assert unclaimed.code is RefusalCode.CLAIM_REQUIRED
                else:
                    assert unclaimed == acted


def test_rules_cover_the_workflow_table() -> None:
    assert {(r.source, r.action) for r in RULES} == set(WHO)
