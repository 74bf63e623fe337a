"""A held-out corpus for the PHI guard, written after the guard and never used to change it:
other phrasings, vocabularies and layouts than `hygeia/ai/prompt_corpus.py` and the guard's
tests were written against. Billing e-mails, portal messages, dictated text without
punctuation, pasted forms and tables, JSON from an integration, device and security tickets,
social-work and research notes; every one of the 18 Safe Harbor identifiers in several
surface forms, and distractors that are not identifiers (scores, doses, codes, rooms, years,
ages under 90, clinicians).

Each template is a string with `{TYPE}` slots (an identifier of that type, labelled) and
`{~kind}` slots (a distractor, not labelled). Patients go into the organization's patient
index, as a hospital's would; relatives and strangers do not.

Run: python benchmarks/phi_guard.py  (the "held-out corpus" section)
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from dataclasses import dataclass

from hygeia.ai.phi_guard import PatientIndex
from hygeia.ai.prompt_corpus import Document

GIVEN = [
    "Adaeze",
    "Bartholomew",
    "Cosima",
    "Desmond",
    "Eleanor",
    "Fitzgerald",
    "Guadalupe",
    "Hollis",
    "Imogen",
    "Jasper",
    "Kiran",
    "Lorenzo",
    "Marisol",
    "Nikolai",
    "Octavia",
    "Percival",
    "Quentin",
    "Rosalind",
    "Soledad",
    "Thaddeus",
    "Ulrike",
    "Valentina",
    "Wendell",
    "Ximena",
    "Yusuf",
    "Zenobia",
    "Amara",
    "Bao",
    "Chidi",
    "Dagny",
    "Esperanza",
    "Farrukh",
    "Giulia",
    "Hamza",
    "Ingrid",
    "Joaquin",
    "Kalani",
    "Liesel",
    "Mateo",
    "Nadia",
    "Oluwaseun",
    "Priya",
    "Rafferty",
    "Saoirse",
    "Tomasz",
]
FAMILY = [
    "Abernathy",
    "Balogun",
    "Castellanos",
    "Drummond",
    "Esterhazy",
    "Fairweather",
    "Gallagher",
    "Hargreaves",
    "Iwasaki",
    "Jankowski",
    "Kowalczyk",
    "Lindqvist",
    "Mbeki",
    "Nakashima",
    "Okonkwo",
    "Pemberton",
    "Quintero",
    "Rasmussen",
    "Szymanski",
    "Thorvaldsen",
    "Umarov",
    "Vasquez-Mendel",
    "Whitlock",
    "Xiong",
    "Yamamoto",
    "Zielinski",
    "Achterberg",
    "Brennan-Moore",
    "Chaudhry",
    "Delacroix",
    "Eberhardt",
    "Fontaine",
    "Grigorescu",
    "Halvorsen",
]
STREETS = [
    "Juniper Hollow",
    "Old Mill",
    "Cedar Bluff",
    "Larkspur",
    "Quarry Hill",
    "Beacon",
    "Tamarack",
    "Wren Creek",
    "Sycamore",
    "Harbor Light",
    "Foxglove",
    "Meridian",
    "Sable Pointe",
    "Cobblestone",
    "Briar Patch",
    "Kingfisher",
]
SUFFIXES = [
    "Street", "St", "Avenue", "Ave.", "Road", "Rd", "Lane", "Ln", "Drive", "Dr", "Court",
    "Ct", "Boulevard", "Blvd", "Way", "Place", "Terrace", "Circle", "Trail", "Pkwy", "Loop",
    "Cove", "Crossing", "Run", "Pike", "Ridge",
]  # fmt: skip
CITIES = [
    ("Bellingham", "WA", "Washington"), ("Asheville", "NC", "North Carolina"),
    ("Duluth", "MN", "Minnesota"), ("Santa Fe", "NM", "New Mexico"),
    ("Lafayette", "LA", "Louisiana"), ("Pueblo", "CO", "Colorado"),
    ("Bangor", "ME", "Maine"), ("Yakima", "WA", "Washington"), ("Macon", "GA", "Georgia"),
    ("Rapid City", "SD", "South Dakota"), ("Flagstaff", "AZ", "Arizona"),
    ("Scranton", "PA", "Pennsylvania"), ("Eugene", "OR", "Oregon"), ("Dayton", "OH", "Ohio"),
]  # fmt: skip
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]  # fmt: skip
ORDINAL = ["", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
           "ninth", "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth",
           "sixteenth", "seventeenth", "eighteenth", "nineteenth", "twentieth",
           "twenty-first", "twenty-second", "twenty-third", "twenty-fourth", "twenty-fifth",
           "twenty-sixth", "twenty-seventh", "twenty-eighth"]  # fmt: skip
CLINICIANS = ["Dr. Abernathy", "Dr. Priya Raman", "Dr. Okafor", "NP Castellanos", "Dr. Iwasaki"]


@dataclass
class Patient:
    given: str
    family: str
    mrn: str
    phone: str


class HeldOut:
    """The corpus for one seed: `documents(n)` and the patient index to scan with."""

    # slots whose value is labelled as another type (a relative's name is a NAME)
    LABELS = {"RELATIVE": "NAME", "HL7NAME": "NAME", "CITY": "ADDRESS"}

    def __init__(self, seed: int, patients: int = 300) -> None:
        self.rng = random.Random(seed)  # noqa: S311  (synthetic data, not secrets)
        self.index = PatientIndex()
        self.patients = [self._patient() for _ in range(patients)]
        self.makers: dict[str, Callable[[], str]] = {
            "NAME": self.name, "RELATIVE": self.relative, "DATE": self.date, "AGE": self.age,
            "PHONE": self.phone, "FAX": self.fax, "EMAIL": self.email, "SSN": self.ssn,
            "MRN": self.mrn, "HEALTH_PLAN": self.plan, "ACCOUNT": self.account,
            "LICENSE": self.license, "VEHICLE": self.vehicle, "DEVICE": self.device,
            "URL": self.url, "IP": self.ip, "ADDRESS": self.address, "CITY": self.city,
            "ZIP": self.zip, "BIOMETRIC": self.biometric, "PHOTO": self.photo, "ID": self.other,
        }  # fmt: skip
        self.distractors: dict[str, Callable[[], str]] = {
            "score": lambda: self.pick(["pain 6/10", "strength 4/5 bilaterally", "GCS 14",
                                        "2/6 systolic murmur", "reflexes 2+/4", "PHQ-9 of 14"]),
            "dose": lambda: self.pick(["metoprolol 25 mg BID", "insulin glargine 18 units qHS",
                                       "1/2 tab of lorazepam", "amoxicillin 875 mg x 10 days",
                                       "NS at 125 mL/hr"]),
            "lab": lambda: self.pick(["WBC 12.4", "Hgb 9.8", "K 5.6", "A1c 8.2%",
                                      "troponin 0.12", "platelets 98K", "BP 148/92",
                                      "creatinine 1.9 (baseline 1.1)"]),
            "code": lambda: self.pick(["CPT 99285", "ICD-10 N17.9", "HCPCS J1885",
                                       "NDC 50090-3311-0", "DRG 291", "LOINC 2160-0",
                                       "lot FK7721", "modifier 25"]),
            "place": lambda: self.pick(["room 412B", "bed 7", "5 West", "the ED",
                                        "Building C, 3rd floor", "PACU bay 4", "ICU"]),
            "year": lambda: self.pick(["in 2019", "since 2021", "back in 2008", "2015"]),
            "young": lambda: self.pick(["67-year-old", "aged 54", "an 81 yo", "age 45"]),
            "doc": lambda: self.pick(CLINICIANS),
            "time": lambda: self.pick(["at 0300", "around 14:30", "q4h", "x3 days", "for 2 weeks"]),
        }  # fmt: skip

    def pick(self, items: list[str]) -> str:
        return self.rng.choice(items)

    def digits(self, n: int) -> str:
        return "".join(self.rng.choice(string.digits) for _ in range(n))

    def letters(self, n: int) -> str:
        return "".join(self.rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(n))

    # --- people ----------------------------------------------------------------------

    def _patient(self) -> Patient:
        p = Patient(
            self.rng.choice(GIVEN), self.rng.choice(FAMILY),
            self.pick(["E", "M", ""]) + self.digits(self.rng.choice([7, 8])),
            f"{self.rng.randint(201, 989)}-555-{self.digits(4)}",
        )  # fmt: skip
        self.index.add(p.given, p.family, p.mrn, p.phone)
        return p

    def name(self) -> str:
        p = self.rng.choice(self.patients)
        return self.pick([
            f"{p.given} {p.family}", f"{p.family}, {p.given}", f"{p.given[0]}. {p.family}",
            f"{p.given.lower()} {p.family.lower()}", f"{p.family.upper()}, {p.given.upper()}",
            f"{p.given} {self.letters(1)}. {p.family}",
        ])  # fmt: skip

    def relative(self) -> str:
        return f"{self.rng.choice(GIVEN)}"

    # --- dates and ages ----------------------------------------------------------------

    def date(self) -> str:
        m, d, y = self.rng.randint(1, 12), self.rng.randint(1, 28), self.rng.randint(1931, 2026)
        month = MONTHS[m - 1]
        return self.pick([
            f"{m}/{d}/{y}", f"{m:02d}/{d:02d}/{y % 100:02d}", f"{y}-{m:02d}-{d:02d}",
            f"{month} {d}, {y}", f"{month[:3]}. {d}", f"{d} {month[:3]} {y}",
            f"{month} {d}{'th' if d > 3 else ['', 'st', 'nd', 'rd'][d]}",
            f"the {ORDINAL[d]} of {month}", f"{d}-{month[:3]}-{y % 100:02d}",
            f"{m:02d}{d:02d}{y}", f"{m}.{d}.{y}", f"{month[:3]} {d} {y}",
        ])  # fmt: skip

    def age(self) -> str:
        return str(self.rng.randint(90, 104))

    # --- contact -----------------------------------------------------------------------

    def phone(self) -> str:
        a, b, c = self.rng.randint(201, 989), self.rng.randint(200, 999), self.digits(4)
        return self.pick([f"({a}) {b}-{c}", f"{a}.{b}.{c}", f"{a}-{b}-{c}",
                          f"+1 {a} {b} {c}", f"1-{a}-{b}-{c}"])  # fmt: skip

    def fax(self) -> str:
        return self.phone()

    def email(self) -> str:
        p = self.rng.choice(self.patients)
        user = self.pick(
            [
                f"{p.given.lower()}.{p.family.lower()}",
                f"{p.given[0].lower()}{p.family.lower()}{self.digits(2)}",
                f"mom.of.{self.digits(3)}",
            ]
        )
        return f"{user}@{self.pick(['gmail.com', 'yahoo.com', 'icloud.com', 'proton.me'])}"

    def ssn(self) -> str:
        a, b, c = self.rng.randint(100, 665), self.rng.randint(10, 99), self.rng.randint(1000, 9999)
        return self.pick([f"{a}-{b}-{c}", f"{a} {b} {c}", f"{a}{b}{c}"])

    # --- record numbers ----------------------------------------------------------------

    def mrn(self) -> str:
        return self.rng.choice(self.patients).mrn

    def plan(self) -> str:
        return self.pick([
            f"{self.letters(3)}{self.digits(9)}", f"{self.digits(9)}{self.letters(1)}",
            f"{self.digits(1)}{self.letters(2)}{self.digits(1)}-{self.letters(2)}{self.digits(1)}-"
            f"{self.letters(2)}{self.digits(2)}", f"W{self.digits(9)}",
        ])  # fmt: skip

    def account(self) -> str:
        return self.pick([
            f"{self.digits(4)}-{self.digits(4)}-{self.digits(2)}", self.digits(9),
            f"CLM-{self.digits(4)}-{self.digits(5)}", f"V{self.digits(8)}", self.digits(11),
            f"INV{self.digits(6)}", f"{self.digits(3)}-{self.digits(6)}",
        ])  # fmt: skip

    def license(self) -> str:
        return self.pick([
            f"{self.letters(1)}{self.digits(7)}", f"{self.letters(1)}{self.digits(3)}-"
            f"{self.digits(4)}-{self.digits(4)}", f"RN{self.digits(6)}", self.digits(10),
            f"{self.digits(3)}-{self.digits(4)}-{self.digits(6)}",
        ])  # fmt: skip

    def vehicle(self) -> str:
        from hygeia.ai.phi_guard import VIN_VALUES, VIN_WEIGHTS

        if self.rng.random() < 0.4:  # a VIN with its check digit
            chars = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
            vin = [self.rng.choice(chars) for _ in range(17)]
            vin[8] = "0"
            total = sum(VIN_VALUES[c] * w for c, w in zip(vin, VIN_WEIGHTS, strict=True)) % 11
            vin[8] = "X" if total == 10 else str(total)
            return "".join(vin)
        return self.pick(
            [
                f"{self.digits(1)}{self.letters(3)}{self.digits(3)}",
                f"{self.letters(3)}-{self.digits(4)}",
                f"{self.letters(2)} {self.digits(5)}",
            ]
        )

    def device(self) -> str:
        return self.pick([
            f"{self.letters(2)}{self.digits(7)}", f"{self.digits(1)}{self.letters(1)}{self.digits(2)}-"
            f"{self.digits(5)}", f"(01){self.digits(14)}(17){self.digits(6)}(10){self.letters(2)}"
            f"{self.digits(3)}", f"{self.digits(15)}",
            ":".join(f"{self.rng.randint(0, 255):02X}" for _ in range(6)),
        ])  # fmt: skip

    def url(self) -> str:
        p = self.rng.choice(self.patients)
        return self.pick([
            f"https://www.gofundme.com/f/help-{p.given.lower()}-{p.family.lower()}",
            f"facebook.com/{p.given.lower()}.{p.family.lower()}.{self.digits(2)}",
            f"https://portal.northvalley-health.org/records?pid={self.digits(7)}",
            f"www.legacy.com/obituaries/{p.family.lower()}-{self.digits(6)}",
            f"http://10.4.{self.rng.randint(0, 255)}.{self.rng.randint(1, 254)}/pacs/view",
        ])  # fmt: skip

    def ip(self) -> str:
        return ".".join(str(self.rng.randint(1, 254)) for _ in range(4))

    # --- places ------------------------------------------------------------------------

    def address(self) -> str:
        street = f"{self.rng.choice(STREETS)} {self.rng.choice(SUFFIXES)}"
        number = self.pick(
            [
                str(self.rng.randint(2, 9899)),
                f"{self.rng.randint(2, 999)}B",
                f"{self.rng.randint(2, 999)}-A",
                f"{self.rng.randint(100, 999)} 1/2",
            ]
        )
        return self.pick([
            f"{number} {street}", f"{number} {street}, Apt {self.rng.randint(1, 40)}",
            f"{number} {street.lower()}", f"{number} N. {street}",
            f"P.O. Box {self.rng.randint(10, 9999)}", f"{number} {street} #{self.rng.randint(1, 20)}",
            f"{self.rng.randint(1, 99)} {self.rng.choice(['3rd', '14th', '21st', '52nd'])} Ave",
        ])  # fmt: skip

    def city(self) -> str:
        city, abbr, full = self.rng.choice(CITIES)
        return self.pick([f"{city}, {full}", f"{city}, {abbr}"]) if abbr not in (
            "LA", "ME", "PA", "OR", "OH", "CO") else f"{city}, {full}"  # fmt: skip

    def zip(self) -> str:
        return self.pick([self.digits(5), f"{self.digits(5)}-{self.digits(4)}"])

    # --- the rest ----------------------------------------------------------------------

    def biometric(self) -> str:
        return self.pick(
            [
                f"FP-{self.digits(8)}",
                f"{self.letters(2)}{self.digits(6)}",
                f"{self.digits(5)}-{self.letters(1)}",
                f"voiceprint_{self.digits(4)}.wav",
                f"thumbprint-{self.digits(3)}.wsq",
            ]
        )

    def photo(self) -> str:
        p = self.rng.choice(self.patients)
        return self.pick([f"IMG_{self.digits(4)}.JPG", f"PXL_2026{self.digits(4)}_{self.digits(6)}.jpg",
                          f"{p.family.lower()}_headshot.png", f"selfie{self.digits(2)}.heic",
                          f"face_front_{self.digits(3)}.jpeg"])  # fmt: skip

    def other(self) -> str:
        return self.pick([f"SUBJ-{self.digits(5)}", f"PA{self.digits(8)}", f"E-{self.digits(6)}",
                          f"{self.digits(4)}-CV-{self.digits(5)}", f"1Z{self.letters(4)}{self.digits(10)}",
                          f"{self.digits(5)}-{self.digits(3)}"])  # fmt: skip

    # --- documents ---------------------------------------------------------------------

    def render(self, template: str) -> Document:
        doc = Document(type(self).__name__)
        i = 0
        while i < len(template):
            if template[i : i + 2] in ("{{", "}}"):  # a literal brace
                doc.add(template[i])
                i += 2
            elif template[i] == "{":
                end = template.index("}", i)
                slot = template[i + 1 : end]
                if slot.startswith("~"):
                    doc.add(self.distractors[slot[1:]]())
                else:
                    doc.add(self.makers[slot](), self.LABELS.get(slot, slot))
                i = end + 1
            else:
                doc.add(template[i])
                i += 1
        return doc

    def documents(self, count: int) -> list[Document]:
        return [self.render(TEMPLATES[n % len(TEMPLATES)]) for n in range(count)]


TEMPLATES = [
    # billing and revenue cycle
    "Hi team, can you draft an appeal? Claim {ACCOUNT} for {NAME} was denied (DOS {DATE}). "
    "Member ID {HEALTH_PLAN}, {~code}. Thanks!",
    "pls reconcile acct {ACCOUNT} - pt {NAME} says she paid on {DATE}, balance still shows. "
    "her cell {PHONE}",
    "Write a polite payment-plan letter to {NAME}, {ADDRESS}, {CITY} {ZIP}. Guarantor account "
    "no. {ACCOUNT}, statement date {DATE}.",
    "Encounter {ACCOUNT} / MRN {MRN}: coder says {~code} conflicts with the op note. "
    "Summarize why.",
    "Prior auth {ID} was approved for {NAME}; policy # {HEALTH_PLAN}. Draft a note to the "
    "family at {EMAIL}.",
    # clinical notes and handoffs
    "Summarize for handoff: {NAME} ({AGE} y/o F) adm {DATE} w/ CHF exacerbation, {~lab}, "
    "{~dose}. Daughter {RELATIVE} is contact, {PHONE}.",
    "HPI: pt is a {AGE}-year-old man seen {DATE} by {~doc}; {~score}; lives alone at "
    "{ADDRESS}, {CITY}.",
    "SBAR - S: {NAME}, MRN {MRN}, {~place}. B: fell at home on {DATE}. A: {~lab}, {~score}. "
    "R: PT/OT, call wife {RELATIVE} at {PHONE}.",
    "rewrite this in plain language for the patient: you were seen on {DATE} and your next "
    "visit is {DATE}. {~dose}.",
    "dictated: patient {NAME} date of birth {DATE} came in complaining of chest pain "
    "{~time} her son {RELATIVE} drove her from {CITY}",
    # patient messages
    "From MyChart: 'Hi this is {NAME}, my new address is {ADDRESS}, zip {ZIP}, and my phone "
    "changed to {PHONE}. Can you update?' Draft a reply.",
    "Patient message: my husband {RELATIVE} turned {AGE} on {DATE}, can he still get the "
    "shingles shot? {~young} neighbour asked too.",
    "Can you make this kinder: 'Mr. {NAME}, we faxed your records to {FAX} (fax) on {DATE}.'",
    # forms and tables pasted from the EHR
    "Patient Name: {NAME}\nDOB: {DATE}\nSSN: {SSN}\nAddress: {ADDRESS}\n{CITY} {ZIP}\n"
    "Insurance ID: {HEALTH_PLAN}\nFix the formatting of this form.",
    "name | mrn | admit | room\n{NAME} | {MRN} | {DATE} | {~place}\n{NAME} | {MRN} | {DATE} "
    "| {~place}\nsort by admit date",
    '{{"patient": "{NAME}", "mrn": "{MRN}", "dob": "{DATE}", "phone": "{PHONE}", '
    '"email": "{EMAIL}"}} - why does this HL7-to-JSON mapping fail?',
    "Fax cover: To {~doc}, fax {FAX}. Re: {NAME}, DOB {DATE}, acct {ACCOUNT}. {~lab}.",
    # devices, vehicles, security
    "Ticket: infusion pump serial {DEVICE} alarmed in {~place}; patient {NAME}; logged from "
    "workstation {IP}. Write the incident summary.",
    "Biomed: pacemaker SN {DEVICE} for pt {MRN}; remote monitor MAC {DEVICE}. {~code}.",
    "Security: a car with plate {VEHICLE} has been parked in the ED bay {~time}; owner may be "
    "visitor of {NAME}. VIN {VEHICLE}.",
    "Write an email: the ambulance VIN {VEHICLE} and driver's license {LICENSE} of the driver "
    "who brought in {NAME}.",
    "Occupational health: RN license {LICENSE} and NPI {LICENSE} need verifying for the "
    "new hire; birth certificate no. {LICENSE} was submitted.",
    "The time clock stores a fingerprint template ID {BIOMETRIC} for employee {ID}; the "
    "voice enrollment file is {BIOMETRIC}. Is this HIPAA data?",
    "I attached a photo of the patient ({PHOTO}) and her ID badge picture {PHOTO}; can you "
    "describe the rash?",
    # social work, research, legal
    "Social work: {NAME} is homeless but receives mail at {ADDRESS}; case number {ID}; "
    "contact her sister {RELATIVE} on {PHONE} or {EMAIL}.",
    "Research: screen subject {ID} ({NAME}, enrolled {DATE}) - {~lab}, {~young} control "
    "arm. Summarize eligibility.",
    "Legal asked about the court case {ID} involving {NAME} of {CITY}. Her GoFundMe is "
    "{URL}. Draft a records-release memo.",
    "Our portal link {URL} shows the wrong patient for MRN {MRN}; the server IP was {IP}.",
    # casual chat
    "quick q - {NAME} is {AGE} and on {~dose}, is that too much? {~lab}",
    "help me reply to {EMAIL} who asked about the bill for {DATE} (acct {ACCOUNT})",
    "what's the best way to tell {NAME} at {ADDRESS} that the appointment moved to {DATE} {~time}?",
    "Transport pickup for {NAME} from {ADDRESS}, {CITY} {ZIP}, on {DATE}. Call {PHONE}. {~place}.",
    "Obituary check: is {URL} about our patient {NAME} (MRN {MRN}, last seen {DATE})?",
    "The shipment tracking # {ID} has the specimen for {NAME}; {~code}; {~year}.",
    "Rewrite: Ms {NAME} ({AGE}) of {CITY} called re: her medicare number {HEALTH_PLAN} and "
    "SSN {SSN}.",
]


class SecondFamily(HeldOut):
    """A second held-out family, written after the guard was changed on the first one's
    misses and measured once: other layouts (HL7 segments, CSV rows, SMS shorthand, e-mail
    signatures, Spanish-English notes) and other surface forms for every identifier."""

    def __init__(self, seed: int, patients: int = 300) -> None:
        super().__init__(seed, patients)
        self.makers.update({
            "NAME": self.name2, "DATE": self.date2, "AGE": self.age2, "PHONE": self.phone2,
            "MRN": self.mrn, "HEALTH_PLAN": self.plan2, "ACCOUNT": self.account2,
            "LICENSE": self.license2, "DEVICE": self.device2, "URL": self.url2, "IP": self.ip2,
            "ADDRESS": self.address2, "ZIP": self.zip2, "BIOMETRIC": self.biometric2,
            "PHOTO": self.photo2, "ID": self.other2, "HL7NAME": self.hl7_name,
        })  # fmt: skip

    def name2(self) -> str:
        p = self.rng.choice(self.patients)
        return self.pick([
            f"{p.given} {self.rng.choice(GIVEN)} {p.family}", f"Mrs. {p.family}",
            f"{p.family.lower()}", f"{p.given} {p.family} Jr.", f"{p.family} {p.given}",
            f"{p.given.upper()} {p.family.upper()}",
        ])  # fmt: skip

    def hl7_name(self) -> str:
        p = self.rng.choice(self.patients)
        return f"{p.family.upper()}^{p.given.upper()}"

    def date2(self) -> str:
        m, d, y = self.rng.randint(1, 12), self.rng.randint(1, 28), self.rng.randint(1930, 2026)
        month = MONTHS[m - 1]
        return self.pick([
            f"{m}/{d}", f"{m:02d}-{d:02d}-{y}", f"{month} the {ORDINAL[d]}", f"{y}.{m:02d}.{d:02d}",
            f"{y}{m:02d}{d:02d}", f"{month[:3]} {d}{'th' if d > 3 else ['', 'st', 'nd', 'rd'][d]}, '{y % 100:02d}",
            f"{month[:4] if month.startswith('Sept') else month[:3]}. {d}", f"{d} {month}",
            f"{m}/{d}/{y} at 0800",
        ])  # fmt: skip

    def age2(self) -> str:
        n = self.rng.randint(90, 104)
        return self.pick([f"{n}yo", f"{n} y.o.", f"{n}M", f"{n} F", f"{n}-yr-old", f"age: {n}"])

    def phone2(self) -> str:
        a, b, c = self.rng.randint(201, 989), self.rng.randint(200, 999), self.digits(4)
        return self.pick(
            [f"({a}){b}-{c}", f"{a} {b} {c}", f"{a}{b}{c}", f"{a}.{b}.{c} x{self.digits(3)}"]
        )

    def plan2(self) -> str:
        return self.pick([f"W{self.digits(9)}", f"{self.letters(3)}{self.digits(9)}",
                          f"1{self.letters(2)}{self.digits(1)}{self.letters(2)}{self.digits(1)}{self.letters(2)}{self.digits(2)}",
                          f"{self.letters(2)}{self.digits(5)}{self.letters(1)}"])  # fmt: skip

    def account2(self) -> str:
        return self.pick([f"{self.digits(2)}-{self.digits(4)}-{self.digits(2)}", f"000{self.digits(9)}",
                          f"BR-{self.digits(5)}", f"4{self.digits(9)}", self.digits(7)])  # fmt: skip

    def license2(self) -> str:
        return self.pick(
            [
                f"{self.letters(1)}{self.digits(7)}",
                f"MD-{self.digits(5)}",
                f"CNA-{self.digits(6)}",
                f"{self.digits(4)}-{self.digits(6)}",
                self.digits(10),
            ]
        )

    def device2(self) -> str:
        return self.pick([f"{self.digits(4)}-{self.digits(2)}{self.letters(1)}", f"C02{self.letters(2)}{self.digits(1)}{self.letters(3)}{self.digits(1)}{self.letters(1)}{self.digits(1)}{self.letters(1)}",
                          f"00{self.digits(12)}", f"35{self.digits(13)}", f"SN{self.digits(4)}"])  # fmt: skip

    def url2(self) -> str:
        p = self.rng.choice(self.patients)
        return self.pick([f"http://bit.ly/{self.letters(3).lower()}{self.digits(2)}", f"instagram.com/{p.given.lower()}_{self.digits(2)}",
                          f"https://www.linkedin.com/in/{p.given.lower()}-{p.family.lower()}-{self.digits(4)}",
                          f"https://caringbridge.org/visit/{p.family.lower()}{self.digits(2)}"])  # fmt: skip

    def ip2(self) -> str:
        ip = ".".join(str(self.rng.randint(1, 254)) for _ in range(4))
        return self.pick([ip, f"{ip}:443" if False else ip])

    def address2(self) -> str:
        street = f"{self.rng.choice(STREETS)} {self.rng.choice(SUFFIXES)}"
        return self.pick([
            f"{self.rng.randint(2, 9999)} {street.upper()}", f"{self.rng.randint(10, 999)}b {street}",
            f"{self.rng.randint(100, 9999)} Hwy {self.rng.randint(1, 99)}",
            f"{self.rng.randint(100, 9999)} County Road {self.rng.randint(1, 99)}",
            f"{self.rng.randint(1, 99)} W {self.rng.choice(['5th', '12th', '3rd'])} St #{self.rng.randint(1, 9)}",
            f"PO Box {self.rng.randint(10, 999)}",
        ])  # fmt: skip

    def zip2(self) -> str:
        return self.pick([self.digits(5), f"{self.digits(5)}-{self.digits(4)}"])

    def biometric2(self) -> str:
        return self.pick([f"RS-{self.digits(5)}", f"0x{self.digits(4)}{self.letters(2).lower()}{self.digits(2)}",
                          f"PV-{self.digits(6)}", f"DNA-2026-{self.digits(4)}"])  # fmt: skip

    def photo2(self) -> str:
        return self.pick([f"DSC_{self.digits(4)}.JPG", f"IMG-2026{self.digits(4)}-WA{self.digits(4)}.jpg",
                          "profile_pic.jpeg", f"Photo_2026-03-0{self.rng.randint(1, 9)}_{self.digits(6)}.png"])  # fmt: skip

    def other2(self) -> str:
        return self.pick([self.digits(6), f"{self.digits(5)}-{self.digits(3)}", f"S00{self.digits(6)}",
                          f"HX-2026-{self.digits(4)}", f"D-{self.digits(5)}"])  # fmt: skip

    def documents(self, count: int) -> list[Document]:
        return [self.render(TEMPLATES_2[n % len(TEMPLATES_2)]) for n in range(count)]


TEMPLATES_2 = [
    "PID|1||{MRN}^^^NVH^MR||{HL7NAME}||{DATE}|F|||{ADDRESS}^^{CITY}^{ZIP}||{PHONE}| "
    "<- parse this HL7 PID segment into a table",
    "mrn,name,dob,zip\n{MRN},{NAME},{DATE},{ZIP}\n{MRN},{NAME},{DATE},{ZIP}\ndedupe these rows",
    "txt from charge RN: pt {NAME} {AGE} fell again, fam wants call back {PHONE}, {~lab}",
    "--\nBest,\n{NAME}\nPatient Family Advisor\n{ADDRESS}, {CITY} {ZIP}\nc: {PHONE} | {EMAIL}\n"
    "^ make this signature shorter",
    "Nota: la paciente {NAME} ({AGE}) vive en {ADDRESS}; su hija {RELATIVE} llama al {PHONE}. "
    "Translate to English.",
    "Aetna ID {HEALTH_PLAN}, acct {ACCOUNT}, DOS {DATE} - why was {~code} bundled?",
    "dictation no punctuation patient {NAME} seen {DATE} {~score} {~dose} follow up {DATE}",
    "Medicare # {HEALTH_PLAN} for {NAME}; PB account {ACCOUNT}; claim {ACCOUNT} pending since {DATE}.",
    "lic. no. {LICENSE} and NPI {LICENSE} for the locum; her CNA cert. #{LICENSE} expired {DATE}.",
    "Biomed ticket: S/N {DEVICE} (vent) and IMEI {DEVICE} (tablet) from {~place}; last user {ID}.",
    "Asset tag {DEVICE} - UDI-DI {DEVICE} for the implant in {NAME}'s chart.",
    "Parking: tag {VEHICLE} and VIN# {VEHICLE} belong to {NAME}'s son; he was at {ADDRESS} {~time}.",
    "The family posted {URL} and {URL} about {NAME}; should we respond?",
    "Firewall: {IP} pulled 4 GB of PACS images for MRN {MRN} {~time}; src {IP}.",
    "retina scan {BIOMETRIC} and palm vein ID {BIOMETRIC} enrolled for badge {ID} - is the "
    "vendor's storage OK? iris template {BIOMETRIC}.",
    "pics from pt's phone: {PHOTO} and {PHOTO} (face, for ID) - describe the lesion",
    "Employee # {ID} accessed {NAME}'s chart on {DATE}; student ID {ID}; donor ID {ID}.",
    "ED board: {NAME} {AGE} {~place}; {NAME} {AGE} {~place}; {~doc} covering.",
    "ok so mrs {NAME} (dob {DATE}) lives at {ADDRESS} near {~place}, zip {ZIP}, can u find "
    "a SNF close by",
    "Write a condolence card to {RELATIVE}, widow of {NAME}, at {ADDRESS}, {CITY} {ZIP}.",
    "Discharge 2 home {DATE}: {~dose}; f/u {DATE} with {~doc}; HHA to visit {ADDRESS}.",
    "{NAME} | {AGE} | admit {DATE} | acct {ACCOUNT} | {~lab}",
    "Is it OK to send {EMAIL} the report for visit {ACCOUNT} on {DATE}? {~year}",
    "Summarize: {NAME} was {AGE} at death on {DATE}; death cert {LICENSE}; obit {URL}.",
]


class ThirdFamily(SecondFamily):
    """A third held-out family, written after the guard was changed on the second one's
    misses and measured once: EHR banners, Markdown tables, OCR'd faxes, insurance cards,
    reminder texts, key: value tickets, and other surface forms again."""

    def __init__(self, seed: int, patients: int = 300) -> None:
        super().__init__(seed, patients)
        self.makers.update({"NAME": self.name3, "DATE": self.date3, "AGE": self.age3,
                            "PHONE": self.phone3, "ADDRESS": self.address3})  # fmt: skip

    def name3(self) -> str:
        p = self.rng.choice(self.patients)
        return self.pick([f"{p.family.upper()},{p.given.upper()}", f"Ms. {p.given} {p.family}",
                          f"{p.given} {p.family}", f"{p.family}, {p.given} {self.letters(1)}",
                          f"Mr {p.family}"])  # fmt: skip

    def date3(self) -> str:
        m, d, y = self.rng.randint(1, 12), self.rng.randint(1, 28), self.rng.randint(1930, 2026)
        month = MONTHS[m - 1]
        return self.pick([f"{m}/{d}/{y % 100:02d}", f"{month} {d}", f"{d}{month[:3].upper()}{y}",
                          f"{month[:3]}-{d:02d}-{y}", f"{y}-{m:02d}-{d:02d}", f"{m:02d}/{d:02d}/{y}",
                          f"{ORDINAL[d]} of {month}"])  # fmt: skip

    def age3(self) -> str:
        n = self.rng.randint(90, 104)
        return self.pick([f"{n} years old", f"{n}y", f"{n} yrs", f"{n}-year-old", f"{n}yo"])

    def phone3(self) -> str:
        a, b, c = self.rng.randint(201, 989), self.rng.randint(200, 999), self.digits(4)
        return self.pick([f"({a}) {b}-{c}", f"{a}-{b}-{c}", f"{a}/{b}-{c}", f"+1.{a}.{b}.{c}"])

    def address3(self) -> str:
        street = f"{self.rng.choice(STREETS)} {self.rng.choice(SUFFIXES)}"
        n = self.rng.randint(2, 9999)
        return self.pick([f"{n} {street}", f"{n} {street}, Unit {self.letters(1)}",
                          f"{n} S {street}", f"{n} {street} Apt. {self.rng.randint(1, 30)}{self.letters(1)}",
                          f"{n} Route {self.rng.randint(1, 99)}"])  # fmt: skip

    def documents(self, count: int) -> list[Document]:
        return [self.render(TEMPLATES_3[n % len(TEMPLATES_3)]) for n in range(count)]


TEMPLATES_3 = [
    "{NAME} | DOB: {DATE} | MRN: {MRN} | Allergies: NKDA | {~place}\nSummarize today's vitals.",
    "| Patient | DOB | Phone |\n|---|---|---|\n| {NAME} | {DATE} | {PHONE} |\n| {NAME} | {DATE} "
    "| {PHONE} |\nturn this into a call list",
    "FAX  RECEIVED  {DATE}\nRE :  {NAME}     D.O.B. {DATE}\nADDR: {ADDRESS}  {CITY} {ZIP}\nTEL : {PHONE}\n"
    "please extract the referral reason",
    "Insurance card: Member {NAME}  ID {HEALTH_PLAN}  Group {HEALTH_PLAN}  Rx BIN 610014",
    "Reminder: {NAME}, your appt is {DATE} at 2:15pm at our {~place} clinic. Reply C to confirm. "
    "Questions? {PHONE}",
    "status: open\npatient: {NAME}\nmrn: {MRN}\nacct: {ACCOUNT}\nissue: duplicate charge {~code}\n"
    "write the resolution note",
    "S: {AGE} female c/o dizziness since {DATE}. O: {~lab}, {~score}. A/P: {~dose}. Lives with "
    "grandson {RELATIVE} at {ADDRESS}.",
    "Re: {NAME} (acct {ACCOUNT}) - the EOB from {DATE} lists member ID {HEALTH_PLAN}; "
    "what's the patient responsibility?",
    "Pt is {AGE}, widowed, lives in {CITY}; {~young} neighbor checks in. Draft a home-safety plan.",
    "The CGM transmitter ID {DEVICE} and pump S/N {DEVICE} were swapped for {NAME} on {DATE}.",
    "Parking enforcement: plate {VEHICLE} (VIN {VEHICLE}) registered to {NAME} of {ADDRESS}.",
    "Write a letter: Dear {NAME}, we received your request dated {DATE} for records of visit "
    "{ACCOUNT}. We will mail them to {ADDRESS}, {CITY} {ZIP}.",
    "Quality review: {NAME} (MRN {MRN}) readmitted {DATE}; prior discharge {DATE}; {~code}; {~doc}.",
    "HR: employee ID {ID} ({EMAIL}) used badge {ID} at {~time}; the face template on file is "
    "{BIOMETRIC}; photo {PHOTO}.",
    "Research eligibility: subject {ID}, age {AGE}, enrolled {DATE}, {~lab}.",
    "Network: host {IP} and {IP} queried {URL} for patient {NAME}.",
    "{NAME} wants her sister's number removed: old {PHONE}, new {PHONE}; SSN on file {SSN}.",
    "Transcribe: patient born {DATE} in {CITY} ZIP code {ZIP} driver's license {LICENSE}",
]


class FourthFamily(ThirdFamily):
    """A fourth held-out family, written after the guard was changed on the third one's
    misses and measured once: e-mail threads with headers, XML and TSV exports, pharmacy and
    ambulance forms, chat with emoji, complaint letters, and surface forms again unlike the
    others (names with particles and apostrophes, weekday dates, suite numbers, written-out
    extensions)."""

    def __init__(self, seed: int, patients: int = 300) -> None:
        super().__init__(seed, patients)
        self.makers.update({"NAME": self.name4, "DATE": self.date4, "PHONE": self.phone4,
                            "ADDRESS": self.address4, "AGE": self.age4})  # fmt: skip

    def name4(self) -> str:
        p = self.rng.choice(self.patients)
        particle = self.pick(["de la ", "O'", "Mac", "van ", "St. ", ""])
        return self.pick([f"{p.given} {self.letters(1)}. {p.family}", f"{p.given} {particle}{p.family}",
                          f"{p.family}, {p.given}", f"{p.given.lower()} {p.family.lower()}",
                          f"Mrs {p.given} {p.family}"])  # fmt: skip

    def date4(self) -> str:
        m, d, y = self.rng.randint(1, 12), self.rng.randint(1, 28), self.rng.randint(1930, 2026)
        month = MONTHS[m - 1]
        day = self.pick(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"])
        return self.pick([f"{day}, {month} {d}", f"{m}-{d}-{y % 100:02d}", f"{day} {m}/{d}",
                          f"{month} {d}, {y}", f"{d:02d}/{month[:3]}/{y}", f"{y}/{m:02d}/{d:02d}",
                          f"{m}/{d}/{y}"])  # fmt: skip

    def phone4(self) -> str:
        a, b, c = self.rng.randint(201, 989), self.rng.randint(200, 999), self.digits(4)
        return self.pick([f"({a}){b}-{c} ext. {self.rng.randint(1, 99)}", f"{a}-{b}-{c}",
                          f"+1 ({a}) {b}-{c}", f"{a}.{b}.{c}"])  # fmt: skip

    def address4(self) -> str:
        street = f"{self.rng.choice(STREETS)} {self.rng.choice(SUFFIXES)}"
        n = self.rng.randint(2, 9999)
        return self.pick([f"{n} {street}, Suite {self.rng.randint(100, 3300)}", f"{n} {street} NW",
                          f"{n} {street}", f"{n}-{self.rng.randint(1, 9)} {street}",
                          f"{n} East {street}"])  # fmt: skip

    def age4(self) -> str:
        n = self.rng.randint(90, 104)
        return self.pick([f"{n} y/o", f"{n}-year-old", f"aged {n}", f"{n} yrs old", f"age {n}"])

    def documents(self, count: int) -> list[Document]:
        return [self.render(TEMPLATES_4[n % len(TEMPLATES_4)]) for n in range(count)]


TEMPLATES_4 = [
    "From: {EMAIL}\nSent: {DATE}\nSubject: bill for {NAME}\n\nHi, my mom's account {ACCOUNT} "
    "shows a charge from {DATE}. Her policy number is {HEALTH_PLAN}. Call me at {PHONE}.",
    "<patient><name>{NAME}</name><dob>{DATE}</dob><mrn>{MRN}</mrn><phone>{PHONE}</phone>"
    "</patient> what's wrong with this XML?",
    "Appt Date\tPatient\tMRN\tPhone\n{DATE}\t{NAME}\t{MRN}\t{PHONE}\n{DATE}\t{NAME}\t{MRN}\t{PHONE}\n"
    "find double bookings",
    "Refill request: {NAME}, DOB {DATE}, {~dose}; pharmacy fax {FAX}; prescriber DEA needed.",
    "Run sheet: pt {NAME}, {AGE}, picked up at {ADDRESS}, {CITY} {ZIP} {~time}; {~lab}; unit VIN "
    "{VEHICLE}.",
    "😩 can't believe {NAME} is back again, {AGE}, third time since {DATE} 🙄 {~place}",
    "Complaint letter from {NAME} ({ADDRESS}, {CITY}): she says on {DATE} the nurse was rude. "
    "Draft an apology. Her email is {EMAIL}.",
    "Subpoena for records of {NAME}, DOB {DATE}, SSN {SSN}, case {ID}. Which forms do we need?",
    "Infection control line list:\nname\tadmit\troom\tage\n{NAME}\t{DATE}\t{~place}\t{AGE}\n"
    "{NAME}\t{DATE}\t{~place}\t{AGE}",
    "Pump S/N {DEVICE} went to {NAME} at home ({ADDRESS}); biomed asset tag {DEVICE}.",
    "Her daughter {RELATIVE} sent a selfie ({PHOTO}) and a retinal scan ID {BIOMETRIC} for "
    "the portal; is that allowed?",
    "Prior auth fax: member {NAME}, ID {HEALTH_PLAN}, group {HEALTH_PLAN}, NPI {LICENSE}, "
    "dx {~code}, requested {DATE}.",
    "IT: user {ID} on {IP} opened {URL}; patient {NAME}, MRN {MRN}.",
    "Write a birthday card for our oldest patient, {NAME}, who is turning {AGE} on {DATE}.",
    "Car {VEHICLE} hit the ambulance bay; driver {NAME}, license {LICENSE}, lives at {ADDRESS}.",
    "Chaplain note: {NAME} ({AGE}) asked for her son {RELATIVE}, phone {PHONE}; {~doc} aware.",
]


class FifthFamily(FourthFamily):
    """A fifth held-out family, written after the guard was changed on the fourth one's
    misses and measured once: billing and interface formats pasted whole (X12 837 segments,
    FHIR Patient JSON, semicolon-separated exports, wristband text), Teams messages with
    @mentions, surgery boards, incident reports, death-certificate worksheets."""

    LABELS = {**FourthFamily.LABELS, "X12NAME": "NAME", "FAMILY": "NAME", "GIVEN": "NAME"}

    def __init__(self, seed: int, patients: int = 300) -> None:
        super().__init__(seed, patients)
        self.makers.update({"X12NAME": self.x12_name, "FAMILY": self.family, "GIVEN": self.given})

    def x12_name(self) -> str:
        p = self.rng.choice(self.patients)
        return f"{p.family.upper()}*{p.given.upper()}"

    def family(self) -> str:
        return self.rng.choice(self.patients).family

    def given(self) -> str:
        return self.rng.choice(self.patients).given

    def documents(self, count: int) -> list[Document]:
        return [self.render(TEMPLATES_5[n % len(TEMPLATES_5)]) for n in range(count)]


TEMPLATES_5 = [
    "NM1*IL*1*{X12NAME}****MI*{HEALTH_PLAN}~N3*{ADDRESS}~N4*{CITY}*{ZIP}~DMG*D8*{DATE}*F~ why "
    "does the clearinghouse reject this 837 loop?",
    '{{"resourceType": "Patient", "name": [{{"family": "{FAMILY}", "given": ["{GIVEN}"]}}], '
    '"birthDate": "{DATE}", "telecom": [{{"value": "{PHONE}"}}], "address": [{{"line": '
    '["{ADDRESS}"], "postalCode": "{ZIP}"}}]}} - validate this FHIR resource',
    "Subject;Site;DOB;Phone\n{ID};North;{DATE};{PHONE}\n{ID};South;{DATE};{PHONE}\n"
    "convert to CSV with commas",
    "wristband: {NAME}   MRN: {MRN}   DOB: {DATE}   ACCT: {ACCOUNT}   reprint?",
    "@charge nurse {NAME} in {~place} is asking for her husband {RELATIVE} again, he's at "
    "{PHONE}; she's {AGE} and confused {~time}",
    "OR board: 0730 {NAME} {AGE} lap chole {~doc}; 0930 {NAME} {AGE} TKA; 1200 {NAME} hernia",
    "Incident: on {DATE} visitor {NAME} (plate {VEHICLE}) fell in the garage near {~place}; "
    "badge {ID} responded.",
    "Death certificate worksheet\nDecedent: {NAME}\nDate of death: {DATE}\nAge: {AGE}\n"
    "Residence: {ADDRESS}, {CITY} {ZIP}\nInformant: {RELATIVE} (son), {PHONE}",
    "Home health: visited {NAME} at {ADDRESS} on {DATE}; {~lab}; O2 concentrator S/N {DEVICE}.",
    "Portal photo upload {PHOTO} rejected for {NAME}; face template {BIOMETRIC} kept?",
    "Dispute: claim {ACCOUNT} (DOS {DATE}) billed to {HEALTH_PLAN}; patient {NAME} at {EMAIL}.",
    "Release: send records of {NAME}, MRN {MRN}, to attorney fax {FAX} and {URL}.",
]


class SixthFamily(FifthFamily):
    """A sixth held-out family, written after the guard was changed on the fifth one's
    misses and measured once: multi-line address blocks, pharmacy labels, radiology orders,
    reply chains, EOB summaries, fundraiser pages, discharge instructions."""

    def documents(self, count: int) -> list[Document]:
        return [self.render(TEMPLATES_6[n % len(TEMPLATES_6)]) for n in range(count)]


TEMPLATES_6 = [
    "Mail merge check:\n{NAME}\n{ADDRESS}\n{CITY} {ZIP}\n\nDear {NAME}, your results from "
    "{DATE} are ready.",
    "Rx label: {NAME}  DOB {DATE}  Rx# {ID}  {~dose}  Refills: 2  Dr. Okafor  Ph {PHONE}",
    "XR CHEST 2V ordered for {NAME} (MRN {MRN}, {AGE}) by {~doc}; reason: fall on {DATE}.",
    "RE: RE: {NAME}\n> can you call her back at {PHONE}?\n> she is {AGE} and lives at {ADDRESS}\n"
    "Sure, will do. -- sent from {EMAIL}",
    "EOB summary - Patient: {NAME} | Member ID: {HEALTH_PLAN} | Claim: {ACCOUNT} | Service "
    "date: {DATE} | {~code}",
    "Fundraiser: Please help {NAME} of {CITY}, who turned {AGE} last week - {URL}",
    "Discharge instructions for {NAME}: follow up {DATE} with {~doc}; call {PHONE} with "
    "questions. {~dose}.",
    "Her wife {RELATIVE} called from {PHONE} about the device S/N {DEVICE} and a photo {PHOTO}.",
    "Visitor log: {NAME}, car plate {VEHICLE}, license {LICENSE}, visiting room {~place} on {DATE}.",
    "Registration fix: change DOB from {DATE} to {DATE} for acct {ACCOUNT}, SSN {SSN}, ZIP {ZIP}.",
    "Palm vein ID {BIOMETRIC} failed for employee {ID} at {IP}; ticket {ID}.",
    "Cover sheet - to: {~doc}  fax: {FAX}  re: {NAME}, DOB {DATE}  pages: 4",
]
