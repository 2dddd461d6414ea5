"""Certificate holder vs signed-in official (issue 13): titles, degrees, case and dots aside."""

from __future__ import annotations

import pytest

from desktop.domain.person_names import plain_name, same_person


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Ir. Bambang Sutrisno, M.Si.", "BAMBANG SUTRISNO"),
        ("Tengku Said Hamzah, S.Sos.", "tengku  said hamzah"),
        ("Dr. H. Muhammad Noer, M.B.A.", "MUHAMMAD NOER"),
        ("Hj. Siti Rahmawati, S.H., M.H.", "Siti Rahmawati"),
        ("Prof.Dr.Ir. Ahmad Yani", "AHMAD YANI"),
        ("Drs. Syamsuwir", "SYAMSUWIR, M.Si"),
    ],
)
def test_the_same_person_with_titles_and_case(a: str, b: str) -> None:
    assert same_person(a, b) and same_person(b, a)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Budi Santoso, S.Sos.", "Tengku Said Hamzah, S.Sos."),
        ("Bambang Sutrisno", "Bambang Sutrisna"),
        ("Bambang Sutrisno", "Bambang"),
        ("", ""),
        ("Ir.", "Dr."),
    ],
)
def test_different_people_or_nothing_known(a: str, b: str) -> None:
    assert not same_person(a, b)


def test_plain_name() -> None:
    assert plain_name("Ir. Bambang Sutrisno, M.Si.") == "bambang sutrisno"
