"""Realistic differences that are NOT exceptions: name spellings, address abbreviations, reference
formats, tax-id and phone formatting. Every function is deterministic for a given ``rng``."""

from __future__ import annotations

import random
import re

_SUFFIX_SWAPS = [
    ("Incorporated", "Inc"),
    ("Inc", "Incorporated"),
    ("LLC", "L.L.C."),
    ("Ltd", "Limited"),
    ("Limited", "Ltd"),
    ("Corp", "Corporation"),
    ("Company", "Co"),
    ("Co", "Company"),
    ("PLC", "P.L.C."),
    ("LLP", "L.L.P."),
    ("and Sons", "& Sons"),
    ("& Sons", "and Sons"),
    ("Group", "Grp"),
]

_ADDRESS_ABBREV = [
    ("Street", "St"),
    ("Avenue", "Ave"),
    ("Road", "Rd"),
    ("Drive", "Dr"),
    ("Boulevard", "Blvd"),
    ("Suite", "Ste"),
    ("Lane", "Ln"),
    ("Court", "Ct"),
    ("Place", "Pl"),
    ("Apt.", "Apt"),
    ("North", "N"),
    ("South", "S"),
]


def swap_suffix(name: str) -> str | None:
    """``Acme Ltd`` -> ``Acme Limited`` (and the like); ``None`` when the name has no known suffix."""
    for old, new in _SUFFIX_SWAPS:
        pattern = rf"(?<![\w.])({re.escape(old)})(?![\w.])"
        if re.search(pattern, name):
            return re.sub(pattern, new, name, count=1)
    return None


def name_variant(rng: random.Random, name: str, max_len: int) -> str:
    """How another system spells the same company: case, suffix, punctuation, truncation."""
    r = rng.random()
    out = name
    if r < 0.45:
        pass
    elif r < 0.62:
        out = name.upper()
    elif r < 0.80:
        out = swap_suffix(name) or name.upper()
    elif r < 0.90:
        out = re.sub(r"[.,']", "", name).replace(" & ", " and ")
    else:
        out = (swap_suffix(name) or name).upper()
    return out[:max_len].rstrip()


def distinct_variant(rng: random.Random, name: str, max_len: int) -> str:
    """A spelling that is guaranteed to differ from ``name`` (used for duplicate parties)."""
    for _ in range(4):
        candidate = name_variant(rng, name, max_len)
        if candidate != name[:max_len].rstrip():
            return candidate
    return (swap_suffix(name) or (name + " Inc")).upper()[:max_len].rstrip()


def address_variant(rng: random.Random, line: str, max_len: int) -> str:
    """Street-type abbreviations and case, as keyed into another system."""
    out = line
    if rng.random() < 0.6:
        for full, short in _ADDRESS_ABBREV:
            out = re.sub(rf"\b{re.escape(full)}(?=\W|$)", short, out)
    if rng.random() < 0.25:
        out = out.upper()
    return out[:max_len].rstrip()


def digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def tax_id_variant(rng: random.Random, tax_id: str) -> str:
    """``12-3456789`` <-> ``123456789``; VAT numbers with or without the ``GB`` prefix/spaces."""
    if not tax_id:
        return tax_id
    r = rng.random()
    if tax_id.startswith("GB"):
        if r < 0.4:
            return tax_id[2:]
        if r < 0.6:
            d = tax_id[2:]
            return f"GB {d[:3]} {d[3:7]} {d[7:]}"
        return tax_id
    return digits(tax_id) if r < 0.5 else tax_id


def phone_variant(rng: random.Random, phone: str, max_len: int) -> str:
    d = digits(phone)
    r = rng.random()
    if r < 0.4 and len(d) >= 10:
        out = f"({d[-10:-7]}) {d[-7:-4]}-{d[-4:]}"
    elif r < 0.7:
        out = d
    else:
        out = phone
    return out[:max_len]


def invoice_ref(rng: random.Random, number: str, seq: int, ledger: str) -> str:
    """One way a customer writes an invoice number on a remittance: ``INV-0042``/``42``/``Inv 42``."""
    if ledger == "xero":
        choices = (number, str(seq), f"Inv {seq}", f"inv #{seq}", number.replace("-", ""), f"Invoice {seq}")
    else:
        choices = (number, f"Inv {number}", f"INV-{number}", f"Invoice {number}", f"inv no {number}")
    return rng.choice(choices)


def multi_invoice_ref(rng: random.Random, refs: list[tuple[str, int]], ledger: str) -> str:
    """A free-text remittance naming several invoices, e.g. ``Thanks - payment for inv 42 + 43``."""
    short = [str(seq) if ledger == "xero" else number for number, seq in refs]
    full = [number for number, _ in refs]
    templates = (
        lambda: "Thanks - payment for inv " + " + ".join(short),
        lambda: "Remit: " + ", ".join(full),
        lambda: "pmt inv " + "/".join(short),
        lambda: "Payment invoices " + " & ".join(short),
        lambda: "INV " + " ".join(short) + " paid in full",
    )
    return rng.choice(templates)()
