"""Indonesian names for demo data, by the communities that live in Pekanbaru: Malay (Riau),
Minangkabau, Javanese, Batak and Chinese-Indonesian. Invented combinations, no real persons."""

from __future__ import annotations

import random

MALE_GIVEN: dict[str, tuple[str, ...]] = {
    "melayu": (
        "Muhammad Rizki",
        "Tengku Fadli",
        "Wan Syahrul",
        "Raja Azmi",
        "Zulkifli",
        "Hamdan",
        "Syamsul Bahri",
        "Azhar",
        "Fauzan",
        "Rahmat",
    ),
    "minang": (
        "Yusrizal",
        "Afrizal",
        "Rahmat Hidayat",
        "Irwandi",
        "Hendri",
        "Syafrizal",
        "Novriadi",
        "Zulhendri",
        "Andika",
        "Ferdinal",
    ),
    "jawa": (
        "Budi Santoso",
        "Agus Setiawan",
        "Joko Prasetyo",
        "Bambang Riyadi",
        "Slamet",
        "Eko Wahyudi",
        "Dwi Nugroho",
        "Teguh Purnomo",
        "Sugeng",
        "Wahyu Hidayat",
    ),
    "batak": (
        "Parulian",
        "Hotman",
        "Binsar",
        "Togar",
        "Marihot",
        "Daniel",
        "Roy",
        "Samuel",
        "Jonathan",
        "Lamhot",
    ),
    "tionghoa": (
        "Hendra",
        "Sutanto",
        "Hartono",
        "Wijaya",
        "Kevin",
        "Stevanus",
        "Ronald",
        "Sugianto",
        "Felix",
        "Andreas",
    ),
}
FEMALE_GIVEN: dict[str, tuple[str, ...]] = {
    "melayu": (
        "Siti Aisyah",
        "Tengku Nurul",
        "Wan Fatimah",
        "Nurhayati",
        "Zuraidah",
        "Syarifah",
        "Rosmawati",
        "Juliana",
        "Nur Azizah",
        "Fitriani",
    ),
    "minang": (
        "Yulia Rahmi",
        "Nelvi",
        "Desmawati",
        "Rahmi Yanti",
        "Fitri Handayani",
        "Yusnidar",
        "Elfi Sahara",
        "Lidya",
        "Suci Ramadhani",
        "Gusnimar",
    ),
    "jawa": (
        "Sri Wahyuni",
        "Dewi Lestari",
        "Endang Susilowati",
        "Tri Rahayu",
        "Sumiati",
        "Wulan Sari",
        "Ratna Dewi",
        "Puji Astuti",
        "Siti Rohmah",
        "Yuni Kartika",
    ),
    "batak": (
        "Rosmaida",
        "Lestari",
        "Debora",
        "Maria",
        "Tiurma",
        "Rotua",
        "Nurmala",
        "Hotnida",
        "Ruth",
        "Sondang",
    ),
    "tionghoa": (
        "Lili",
        "Meiliana",
        "Susanti",
        "Yenny",
        "Vivian",
        "Lina",
        "Christine",
        "Jessica",
        "Melisa",
        "Winda",
    ),
}
FAMILY: dict[str, tuple[str, ...]] = {
    "melayu": ("", "", "Hasan", "Ismail", "Abdullah"),
    "minang": ("", "", "Chaniago", "Piliang", "Tanjung", "Koto"),
    "jawa": ("", "", "", "Susanto", "Wibowo"),
    "batak": (
        "Simanjuntak",
        "Siregar",
        "Nasution",
        "Harahap",
        "Lubis",
        "Sitompul",
        "Panjaitan",
        "Hutapea",
        "Sinaga",
        "Pardede",
    ),
    "tionghoa": ("Tanoto", "Lim", "Gunawan", "Halim", "Salim", "Tjandra", "Liem", "Sutedja"),
}
COMMUNITY_WEIGHTS: dict[str, int] = {
    "melayu": 30,
    "minang": 30,
    "jawa": 20,
    "batak": 12,
    "tionghoa": 8,
}

STREETS = (
    "Jl. Jenderal Sudirman",
    "Jl. Tuanku Tambusai",
    "Jl. Soekarno-Hatta",
    "Jl. Riau",
    "Jl. Hang Tuah",
    "Jl. Kaharuddin Nasution",
    "Jl. Arifin Ahmad",
    "Jl. HR. Soebrantas",
    "Jl. Paus",
    "Jl. Durian",
    "Jl. Cempedak",
    "Jl. Kartini",
    "Jl. Imam Munandar",
    "Jl. Yos Sudarso",
    "Jl. Sultan Syarif Kasim",
    "Jl. Ahmad Yani",
    "Jl. Garuda Sakti",
    "Jl. Delima",
    "Jl. Srikandi",
    "Jl. Taman Karya",
)


def person_name(rng: random.Random, sex: str) -> str:
    community = rng.choices(list(COMMUNITY_WEIGHTS), weights=list(COMMUNITY_WEIGHTS.values()))[0]
    given = rng.choice((MALE_GIVEN if sex == "L" else FEMALE_GIVEN)[community])
    family = rng.choice(FAMILY[community])
    if family and family not in given:
        return f"{given} {family}"
    return given
