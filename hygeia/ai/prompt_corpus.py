"""A labelled synthetic corpus of prompts people paste into AI tools (clinical notes, referral
letters, chat-style questions, tables copied from the EHR), to measure the PHI guard.

Every identifier is recorded with its type and character span as the text is built. Names
come from the synthetic name parts (content/synthetic_names.yaml), not from the guard's own
dictionary, so the guard has to find them through context or the patient index, as it would
real names; some people mentioned are not patients (relatives), some patients are written
"Family, Given", by surname only or in lower case. Distractors that are not identifiers
(ages under 90, years alone, lab values, doses, clinicians' names, departments) are mixed
in, so precision means something.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import yaml

from hygeia.ai.phi_guard import PatientIndex

NAMES = Path(__file__).resolve().parents[1] / "content" / "synthetic_names.yaml"
CLINICIANS = ["Dr. Lee", "Dr. Ahmed", "Dr. Novak", "Dr. Fischer", "Nurse Practitioner Ruiz"]
DEPARTMENTS = ["Cardiology", "Oncology", "Emergency Department", "Internal Medicine"]


@dataclass
class Document:
    kind: str
    text: str = ""
    spans: list[tuple[str, int, int]] = field(default_factory=list)

    def add(self, value: str, kind: str | None = None) -> None:
        if kind:
            self.spans.append((kind, len(self.text), len(self.text) + len(value)))
        self.text += value


@dataclass
class Person:
    given: str
    family: str
    mrn: str
    birth: date
    phone: str
    street: str
    city: str
    state: str
    zip: str


class Corpus:
    def __init__(self, seed: int, patients: int = 400) -> None:
        self.rng = random.Random(seed)  # noqa: S311  (synthetic data, not secrets)
        parts = yaml.safe_load(NAMES.read_text(encoding="utf-8"))
        self.given, self.family = parts["given"], parts["family"]
        self.streets, self.cities = parts["streets"], parts["cities"]
        self.patients = [self._person() for _ in range(patients)]
        self.index = PatientIndex()
        for p in self.patients:
            self.index.add(p.given, p.family, p.mrn, p.phone)

    # --- values ----------------------------------------------------------------------------

    def _phone(self) -> str:
        area, mid, end = (
            self.rng.randint(201, 989),
            self.rng.randint(200, 989),
            self.rng.randint(0, 9999),
        )
        style = self.rng.randrange(4)
        return [f"({area}) {mid}-{end:04d}", f"{area}-{mid}-{end:04d}", f"{area}.{mid}.{end:04d}",
                f"+1 {area} {mid} {end:04d}"][style]  # fmt: skip

    def _person(self) -> Person:
        city, state, prefix = self.rng.choice(self.cities)
        return Person(
            given=self.rng.choice(self.given),
            family=self.rng.choice(self.family),
            mrn=self.rng.choice(["M", "MR", "E", ""]) + f"{self.rng.randint(100000, 99999999)}",
            birth=date(1925, 1, 1) + timedelta(days=self.rng.randrange(365 * 80)),
            phone=self._phone(),
            street=f"{self.rng.randint(1, 9999)} {self.rng.choice(self.streets)}",
            city=city,
            state=state,
            zip=f"{prefix}{self.rng.randint(0, 99):02d}",
        )

    def _date(self, value: date) -> str:
        style = self.rng.randrange(5)
        return [
            f"{value.month:02d}/{value.day:02d}/{value.year}",
            f"{value.month}/{value.day}/{value.year % 100:02d}",
            value.isoformat(),
            f"{value:%B} {value.day}, {value.year}",
            f"{value.day} {value:%b} {value.year}",
        ][style]

    def _recent(self) -> date:
        return date(2025, 1, 1) + timedelta(days=self.rng.randrange(600))

    def _age(self, person: Person) -> int:
        return (date(2026, 6, 1) - person.birth).days // 365

    # --- documents -------------------------------------------------------------------------

    def note(self) -> Document:
        p = self.rng.choice(self.patients)
        d = Document("clinical note")
        d.add("Patient: ")
        d.add(f"{p.given} {p.family}", "NAME")
        d.add(" (MRN ")
        d.add(p.mrn, "MRN")
        d.add("), DOB ")
        d.add(self._date(p.birth), "DATE")
        age = self._age(p)
        d.add(". ")
        if age >= 90:
            d.add(str(age), "AGE")
        else:
            d.add(str(age))
        d.add(f"-year-old seen in {self.rng.choice(DEPARTMENTS)} on ")
        d.add(self._date(self._recent()), "DATE")
        pressure = f"{self.rng.randint(100, 170)}/{self.rng.randint(60, 100)}"
        d.add(f" by {self.rng.choice(CLINICIANS)}. BP {pressure}, ")
        d.add(f"HbA1c {self.rng.randint(50, 110) / 10}%. Lives at ")
        d.add(f"{p.street}, {p.city}", "ADDRESS")
        d.add(f", {p.state} ")
        d.add(p.zip, "ZIP")
        d.add(" with ")
        relative = self._person()
        d.add(self.rng.choice(["her daughter ", "his son ", "her husband ", "his wife "]))
        d.add(f"{relative.given} {relative.family}", "NAME")
        d.add(" (cell ")
        d.add(relative.phone, "PHONE")
        d.add(f"). Diagnosed in {self.rng.randint(1990, 2024)}; metformin 500 mg twice daily. ")
        if self.rng.random() < 0.5:
            d.add(f"Follow up in {self.rng.randint(2, 12)} weeks. Mr./Ms. ")
            d.add(p.family, "NAME")
            d.add(" agrees with the plan.")
        return d

    def letter(self) -> Document:
        p = self.rng.choice(self.patients)
        d = Document("referral letter")
        d.add(f"Dear {self.rng.choice(CLINICIANS)},\n\nI am referring ")
        d.add(f"{p.given} {p.family}", "NAME")
        d.add(", born ")
        d.add(self._date(p.birth), "DATE")
        d.add(", for evaluation of chest pain first noted on ")
        d.add(self._date(self._recent()), "DATE")
        d.add(". Insurance member ID ")
        d.add(
            f"{self.rng.choice(['XJH', 'BCB', 'UHC'])}{self.rng.randint(10000000, 99999999)}",
            "HEALTH_PLAN",
        )
        d.add(". Please fax your report to ")
        d.add(self._phone(), "FAX")
        d.add(" or call the patient at ")
        d.add(p.phone, "PHONE")
        d.add(". Visit account ")
        d.add(f"{self.rng.randint(10000000, 99999999)}", "ACCOUNT")
        d.add(f".\n\nSincerely,\n{self.rng.choice(CLINICIANS)}\nNPI ")
        d.add(f"{self.rng.randint(1000000000, 1999999999)}", "LICENSE")
        return d

    def chat(self) -> Document:
        p = self.rng.choice(self.patients)
        d = Document("chat question")
        d.add("can you summarize the discharge plan for ")
        if self.rng.random() < 0.5:
            d.add(f"{p.given.lower()} {p.family.lower()}", "NAME")
        else:
            d.add(f"{p.given} {p.family}", "NAME")
        d.add("? she's ")
        age = self._age(p)
        if age >= 90:
            d.add(str(age), "AGE")
            d.add(" years old")
        else:
            d.add(f"{age} years old")
        d.add(", was admitted ")
        d.add(self._date(self._recent()), "DATE")
        d.add(" and her ssn is ")
        area, group, serial = (self.rng.randint(100, 665), self.rng.randint(10, 99),
                               self.rng.randint(1000, 9999))  # fmt: skip
        d.add(f"{area}-{group}-{serial}", "SSN")
        d.add(". her email is ")
        d.add(f"{p.given.lower()}.{p.family.lower()}{self.rng.randint(1, 99)}@example.com", "EMAIL")
        d.add(". keep it under 200 words and explain the 3 new medications in plain language.")
        return d

    def table(self) -> Document:
        d = Document("EHR table")
        d.add("Name\tMRN\tDOB\tPhone\tNext appt\n")
        for p in self.rng.sample(self.patients, self.rng.randint(3, 6)):
            d.add(f"{p.family.upper() if self.rng.random() < 0.3 else p.family}, {p.given}", "NAME")
            d.add("\t")
            d.add(p.mrn, "MRN")
            d.add("\t")
            d.add(self._date(p.birth), "DATE")
            d.add("\t")
            d.add(p.phone, "PHONE")
            d.add("\t")
            d.add(self._date(self._recent()), "DATE")
            d.add("\n")
        d.add("Summarize which of these patients are overdue for follow-up.")
        return d

    def devices(self) -> Document:
        p = self.rng.choice(self.patients)
        d = Document("device and portal")
        d.add("Pacemaker serial ")
        d.add(f"PM{self.rng.randint(100000, 999999)}", "DEVICE")
        d.add(" reported a lead alert for patient ")
        d.add(p.family, "NAME")
        d.add(". The portal login came from ")
        d.add(
            f"10.{self.rng.randint(0, 255)}.{self.rng.randint(0, 255)}.{self.rng.randint(1, 254)}",
            "IP",
        )
        d.add("; details at ")
        d.add(f"https://portal.example-health.org/records/{self.rng.randint(1000, 9999)}", "URL")
        d.add(". Driver's license ")
        d.add(f"D{self.rng.randint(1000000, 9999999)}", "LICENSE")
        d.add(f" was scanned at registration. Troponin {self.rng.randint(1, 60) / 1000} ng/mL.")
        return d

    # --- the held-out family -------------------------------------------------------------
    # Written after the guard, and never used to adjust it: looser phrasing, the way people
    # actually type into a chat box. Its figures are reported separately.

    def handoff(self) -> Document:
        p = self.rng.choice(self.patients)
        d = Document("handoff (held-out)")
        d.add("quick handoff - bed 12 is ")
        d.add(p.given, "NAME")
        d.add(" ")
        d.add(p.family, "NAME")
        d.add(", came in ")
        day = self._recent()
        d.add(f"{day:%A} the {day.day}{_suffix(day.day)}", "DATE")
        d.add(" after a fall at home (")
        d.add(f"{p.street.split(' ', 1)[1]}", "ADDRESS")
        d.add(" near the park). ")
        age = self._age(p)
        if age >= 90:
            d.add("she's ")
            d.add(str(age), "AGE")
            d.add(" so watch for delirium. ")
        d.add("son ")
        relative = self._person()
        d.add(relative.given, "NAME")
        d.add(" wants a call back on ")
        d.add(relative.phone.replace("(", "").replace(")", ""), "PHONE")
        d.add(". record number is ")
        d.add(p.mrn, "MRN")
        d.add(f". K {self.rng.randint(30, 55) / 10}, creat {self.rng.randint(6, 30) / 10}.")
        return d

    def message(self) -> Document:
        p = self.rng.choice(self.patients)
        d = Document("patient message (held-out)")
        d.add("Rewrite this reply more kindly: 'Hi ")
        d.add(p.given, "NAME")
        d.add(", your results from ")
        day = self._recent()
        d.add(f"{day.month}/{day.day}", "DATE")
        d.add(" are fine. We mailed the letter to ")
        d.add(f"{p.street}", "ADDRESS")
        d.add(" and emailed ")
        d.add(f"{p.given[0].lower()}{p.family.lower()}@example.net", "EMAIL")
        d.add(". Your insurance card ending ")
        d.add(f"{self.rng.randint(1000, 9999)}", "HEALTH_PLAN")
        d.add(" is on file. - front desk'")
        return d

    def triage(self) -> Document:
        p = self.rng.choice(self.patients)
        d = Document("triage chat (held-out 2)")
        d.add("pt ")
        d.add(f"{p.given} {p.family}", "NAME")
        d.add(" dob ")
        d.add(f"{p.birth:%b} {p.birth.day} {p.birth.year}", "DATE")
        d.add(" called re: chest tightness since ")
        d.add(f"{self._recent():%m/%d}", "DATE")
        d.add(". callback ")
        d.add("".join(c for c in p.phone if c.isdigit())[-10:], "PHONE")
        d.add(". wife ")
        spouse = self._person()
        d.add(f"{spouse.given}", "NAME")
        d.add(" says he was at ")
        d.add(f"{p.street}", "ADDRESS")
        d.add(" all week. chart ")
        d.add(p.mrn, "MRN")
        d.add(". ssn on file ")
        d.add(
            f"{self.rng.randint(100, 665)}{self.rng.randint(10, 99)}{self.rng.randint(1000, 9999)}",
            "SSN",
        )
        d.add(f". o2 {self.rng.randint(88, 99)}%, hr {self.rng.randint(60, 120)}.")
        d.add(" what should I ask next?")
        return d

    def documents(self, count: int, held_out: bool | int = False) -> list[Document]:
        if held_out == 2:
            makers = [self.triage]
        elif held_out:
            makers = [self.handoff, self.message]
        else:
            makers = [self.note, self.letter, self.chat, self.table, self.devices]
        return [self.rng.choice(makers)() for _ in range(count)]


def _suffix(day: int) -> str:
    if 11 <= day % 100 <= 13:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
