"""The company's master data in both systems: accounts, customers, vendors, items, warehouses, FX rates.

Sage 100 keys and spellings differ from the source ledger the way a real integration leaves them
(:mod:`.noise`); the duplicate-party and master-data injections are decided here.
"""

from __future__ import annotations

import bisect
import random
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from faker import Faker

from . import noise
from .config import GeneratorConfig
from .habits import HABITS
from .injections import Injector
from .ledgers import LedgerProfile
from .model import Account, Item, Party
from .money import ZERO, cents, qn
from .rng import Streams, uuid4

US_STATE_TAX = {
    "CA": "0.0725",
    "NY": "0.0800",
    "TX": "0.0625",
    "WA": "0.0650",
    "IL": "0.0625",
    "FL": "0.0600",
    "PA": "0.0600",
    "OH": "0.0575",
    "GA": "0.0400",
    "NC": "0.0475",
    "NJ": "0.06625",
    "MA": "0.0625",
    "AZ": "0.0560",
    "CO": "0.0290",
    "TN": "0.0700",
    "IN": "0.0700",
    "MI": "0.0600",
    "VA": "0.0530",
    "MN": "0.06875",
    "WI": "0.0500",
    "OR": "0.0000",
    "MT": "0.0000",
    "NH": "0.0000",
    "DE": "0.0000",
}
_DEFAULT_STATE_TAX = "0.0500"

FOREIGN_PLACES = {
    "EUR": [
        ("Hamburg", "DE", "Germany", "20095"),
        ("Lyon", "FR", "France", "69002"),
        ("Rotterdam", "NL", "Netherlands", "3011"),
        ("Dublin", "IE", "Ireland", "D02 X285"),
        ("Milan", "IT", "Italy", "20121"),
    ],
    "GBP": [("Manchester", "GB", "United Kingdom", "M1 2AB"), ("Leeds", "GB", "United Kingdom", "LS1 4DY")],
    "CAD": [("Toronto", "CA", "Canada", "M5H 2N2"), ("Calgary", "CA", "Canada", "T2P 1J9")],
    "USD": [("Chicago", "US", "United States", "60601"), ("Houston", "US", "United States", "77002")],
    # currencies of the ``other`` habits (sandbox.generator.habits)
    "MXN": [("Monterrey", "MX", "Mexico", "64000"), ("Guadalajara", "MX", "Mexico", "44100")],
    "CHF": [("Zurich", "CH", "Switzerland", "8001"), ("Basel", "CH", "Switzerland", "4051")],
    "SEK": [("Gothenburg", "SE", "Sweden", "411 06"), ("Malmo", "SE", "Sweden", "211 20")],
    "PLN": [("Poznan", "PL", "Poland", "61-001"), ("Wroclaw", "PL", "Poland", "50-001")],
}

_INDUSTRY = [
    "Manufacturing",
    "Supply",
    "Industrial",
    "Fabrication",
    "Electric",
    "Construction",
    "Plumbing",
    "Logistics",
    "Engineering",
    "Machine Works",
    "Builders",
    "Hardware",
    "Tooling",
    "Packaging",
    "Distribution",
    "Mechanical",
    "Controls",
    "Automation",
    "Contractors",
    "Maintenance",
]
_VENDOR_WORDS = [
    "Freight",
    "Office Solutions",
    "Insurance Agency",
    "Telecom",
    "Properties",
    "Staffing",
    "Software",
    "Consulting",
    "Advertising",
    "Print & Copy",
    "Steel",
    "Plastics",
    "Components",
    "Wholesale",
    "Electrical Supply",
    "Fasteners",
    "Paper Products",
    "Energy",
    "Janitorial",
    "Transport",
]
_US_SUFFIX = ["Inc", "LLC", "Co", "Corp", "Inc", "LLC", "Ltd", "Group", "& Sons"]
_UK_SUFFIX = ["Ltd", "Ltd", "Limited", "PLC", "LLP", "& Co", "Group", "and Sons"]

# category prefix, product line, sales role, nouns, adjectives, price range, tracked, KashFlow VAT
_CATALOG = [
    (
        "HW",
        "HDWR",
        "sales_product",
        [
            "Hinge",
            "Bracket",
            "Anchor Bolt",
            "Hex Nut Box",
            "Caster",
            "Latch",
            "Shelf Pin Pack",
            "Cable Tie Pack",
            "Drawer Slide",
            "Pipe Clamp",
        ],
        (2, 90),
        True,
        "20",
    ),
    (
        "EL",
        "ELEC",
        "sales_product",
        [
            "Breaker",
            "Junction Box",
            "Conduit 10ft",
            "LED Panel",
            "Wire Spool",
            "Contactor",
            "Timer Relay",
            "Terminal Block",
            "Work Light",
            "Extension Reel",
        ],
        (6, 380),
        True,
        "20",
    ),
    (
        "SF",
        "SAFE",
        "sales_product",
        [
            "Hard Hat",
            "Safety Glasses",
            "Hi-Vis Vest",
            "Ear Defender",
            "Glove Box",
            "First Aid Kit",
            "Respirator",
            "Harness",
            "Safety Boot",
            "Eye Wash Station",
        ],
        (4, 240),
        True,
        "20",
    ),
    (
        "PK",
        "PACK",
        "sales_product",
        [
            "Carton Box",
            "Stretch Wrap",
            "Pallet",
            "Tape Roll Case",
            "Bubble Roll",
            "Void Fill Bag",
            "Label Roll",
            "Strapping Kit",
        ],
        (1, 60),
        True,
        "5",
    ),
    (
        "FD",
        "FOOD",
        "sales_product",
        ["Coffee Case", "Water Cooler Bottle", "Biscuit Case"],
        (5, 45),
        True,
        "0",
    ),
]
_ADJECTIVES = [
    "Heavy Duty",
    "Stainless",
    "Galvanised",
    "Compact",
    "Industrial",
    "Premium",
    "Standard",
    "Extra Large",
    "Mini",
    "Commercial",
]
_SERVICES = [
    ("SVC-INSTALL", "/INSTALL", "Installation Labor", (65, 140)),
    ("SVC-REPAIR", "/REPAIR", "On-site Repair", (85, 185)),
    ("SVC-TRAIN", "/TRAIN", "Safety Training (per hour)", (95, 160)),
    ("SVC-SURVEY", "/SURVEY", "Site Survey", (120, 260)),
    ("SVC-DELIV", "/DELIV", "Delivery Charge", (25, 95)),
    ("SVC-CALIB", "/CALIB", "Calibration Service", (70, 150)),
]
WAREHOUSES = [("000", "Main Warehouse"), ("EST", "East Depot"), ("WST", "West Depot"), ("CEN", "Central DC")]

_VENDOR_ROLES = [
    "general",
    "office",
    "advertising",
    "professional",
    "utilities",
    "telephone",
    "repairs",
    "freight",
    "subscriptions",
    "travel",
    "insurance",
    "cogs",
    "cogs",
    "cogs",
    "freight",
]


@dataclass
class MasterData:
    profile: LedgerProfile
    accounts: list[Account]
    by_role: dict[str, Account]
    by_sage_account: dict[str, str]
    customers: list[Party]
    vendors: list[Party]
    source_dups: dict[int, Party]
    """customer/vendor index -> the second source contact of the same company (key: id(primary))."""
    items: list[Item]
    fx: dict[str, list[Decimal]]
    start: date
    end: date
    org_id: str
    short_code: str
    customer_cum: list[float] = field(default_factory=list)
    vendor_cum: list[float] = field(default_factory=list)
    item_cum: list[float] = field(default_factory=list)
    injected_parties: list[tuple[str, Party | Item, str]] = field(default_factory=list)
    """(exception_type, party or item, detail) decided while building master data; for
    duplicate_party the detail is the system holding the duplicate."""

    def rate(self, currency: str, d: date) -> Decimal:
        if currency == self.profile.base_currency:
            return Decimal("1")
        table = self.fx[currency]
        idx = min(max((d - self.start).days, 0), len(table) - 1)
        return table[idx]

    def pick_customer(self, rng: random.Random) -> Party:
        return self.customers[bisect.bisect_left(self.customer_cum, rng.random() * self.customer_cum[-1])]

    def pick_vendor(self, rng: random.Random) -> Party:
        return self.vendors[bisect.bisect_left(self.vendor_cum, rng.random() * self.vendor_cum[-1])]

    def pick_item(self, rng: random.Random) -> Item:
        return self.items[bisect.bisect_left(self.item_cum, rng.random() * self.item_cum[-1])]


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", name)


def _name_key(name: str, length: int, taken: set[str]) -> str:
    words = [
        w
        for w in re.split(r"[\s,&-]+", name.upper())
        if w
        and w
        not in {"INC", "LLC", "LTD", "LIMITED", "CO", "CORP", "PLC", "LLP", "GROUP", "AND", "SONS", "THE"}
    ]
    base = _slug("".join(words))[:length] or "CUST"
    key = base
    n = 1
    while key in taken:
        suffix = str(n)
        key = base[: length - len(suffix)] + suffix
        n += 1
    taken.add(key)
    return key


def _build_accounts(profile: LedgerProfile, rng: random.Random) -> list[Account]:
    sage_accounts = sorted({row.sage_account for row in profile.chart})
    keys = list(range(1, len(sage_accounts) + 1))
    rng.shuffle(keys)
    sage_key = {acct: f"{k * 7 + 100:09d}" for acct, k in zip(sage_accounts, keys, strict=True)}
    accounts = []
    for i, row in enumerate(profile.chart):
        accounts.append(
            Account(
                role=row.role,
                code=row.code,
                name=row.name,
                source_type=row.source_type,
                system_account=row.system_account,
                id=uuid4(rng),
                kf_id=1000 + i,
                sage_key=sage_key[row.sage_account],
                sage_account=row.sage_account,
                sage_desc=row.sage_desc,
                sage_type=row.sage_type,
            )
        )
    return accounts


def _fx_tables(
    profile: LedgerProfile, start: date, days: int, rng: random.Random
) -> dict[str, list[Decimal]]:
    tables = {}
    for code in sorted(profile.foreign):
        rate = float(profile.foreign[code])
        values = []
        for _ in range(days):
            rate *= 1 + rng.gauss(0, 0.003)
            values.append(qn(Decimal(repr(rate)), 6))
        tables[code] = values
    return tables


class _PartyFactory:
    def __init__(self, cfg: GeneratorConfig, profile: LedgerProfile, streams: Streams, start: date) -> None:
        self.cfg = cfg
        self.profile = profile
        self.rng = streams("parties")
        self.noise = streams("party-noise")
        self.fake = Faker(profile.locale)
        self.fake.seed_instance(streams("faker").getrandbits(32))
        self.start = start
        self.names: set[str] = set()
        self.sage_keys: dict[str, set[str]] = {"customer": set(), "vendor": set()}
        self.codes: set[str] = set()

    def company_name(self, vendor: bool) -> str:
        rng, fake = self.rng, self.fake
        suffixes = _US_SUFFIX if self.profile.name == "xero" else _UK_SUFFIX
        for _ in range(50):
            r = rng.random()
            if r < 0.35:
                name = fake.company()
            elif r < 0.8:
                words = _VENDOR_WORDS if vendor else _INDUSTRY
                name = f"{fake.last_name()} {rng.choice(words)} {rng.choice(suffixes)}"
            else:
                name = f"{fake.last_name()} & {fake.last_name()} {rng.choice(suffixes)}"
            if name not in self.names:
                self.names.add(name)
                return name
        raise RuntimeError("could not draw a unique company name")

    def party(self, kind: str, index: int) -> Party:
        rng, fake, profile = self.rng, self.fake, self.profile
        vendor = kind == "vendor"
        name = self.company_name(vendor)
        first, last = fake.first_name(), fake.last_name()
        domain = _slug(name.split(",")[0].split(" ")[0]).lower() + rng.choice(
            [".com", ".net", ".co"] if profile.name == "xero" else [".co.uk", ".com", ".uk"]
        )
        email = (
            f"{first.lower()}.{last.lower()}@{domain}"
            if not vendor or rng.random() < 0.4
            else f"{rng.choice(['ar', 'accounts', 'billing', 'invoices'])}@{domain}"
        )
        foreign = rng.random() < HABITS[self.cfg.habits].foreign_share
        currency = profile.base_currency
        if foreign:
            currency = rng.choice(sorted(profile.foreign))
            city, ccode, cname, postal = rng.choice(FOREIGN_PLACES[currency])
            region = ""
            line1 = (
                f"{rng.randint(1, 220)} {fake.last_name()} {rng.choice(['Strasse', 'Road', 'Avenue', 'Way'])}"
            )
        elif profile.name == "xero":
            city, region, postal = fake.city(), fake.state_abbr(include_territories=False), fake.zipcode()
            ccode, cname = "US", "United States"
            line1 = fake.street_address()
        else:
            city, region, postal = fake.city(), fake.county(), fake.postcode()
            ccode, cname = "GB", "United Kingdom"
            line1 = fake.street_address()
        line2 = fake.secondary_address() if profile.name == "xero" and rng.random() < 0.25 else ""
        if profile.name == "xero":
            tax_id = f"{rng.randint(10, 99)}-{rng.randint(1000000, 9999999)}"
            phone = f"{rng.randint(201, 989)}-{rng.randint(200, 999)}-{rng.randint(1000, 9999)}"
        else:
            tax_id = f"GB{rng.randint(100000000, 999999999)}" if rng.random() < 0.8 else ""
            phone = f"0{rng.randint(1100, 2099)} {rng.randint(100000, 999999)}"
        if vendor:
            tax_rate = Decimal("0.20") if profile.name == "kashflow" else ZERO
        elif foreign:
            tax_rate = ZERO
        elif profile.name == "xero":
            tax_rate = ZERO if rng.random() < 0.15 else Decimal(US_STATE_TAX.get(region, _DEFAULT_STATE_TAX))
        else:
            tax_rate = Decimal("0.20")
        terms = rng.choice([30, 30, 30, 45, 60, 15]) if not vendor else rng.choice([30, 30, 15, 45])
        pay_days = max(3, int(rng.gauss(terms - 2, 9)))
        created = self.start - timedelta(days=rng.randint(20, 900))
        role = rng.choice(_VENDOR_ROLES) if vendor else "sales_product"
        code = self.source_code(kind, index, name)
        return Party(
            kind=kind,
            index=index,
            id=uuid4(rng),
            kf_id=(20000 if vendor else 10000) + index,
            code=code,
            contact_number=None,
            name=name,
            first_name=first,
            last_name=last,
            email=email,
            phone=phone,
            line1=line1,
            line2=line2,
            city=city,
            region=region,
            postal=postal,
            country_code=ccode,
            country_name=cname,
            tax_id=tax_id,
            currency=currency,
            tax_rate=tax_rate,
            terms_days=terms,
            pay_days=pay_days,
            default_role=role,
            created=created,
            created_seconds=rng.randint(25_000, 70_000),
            check_counter=rng.randint(1001, 9800),
        )

    def source_code(self, kind: str, index: int, name: str) -> str:
        if self.profile.name == "xero":
            code = f"C{index + 1:05d}" if kind == "customer" else f"V{index + 1:04d}"
            self.codes.add(code)
            return code
        # KashFlow codes are derived from the name plus a two-digit counter, e.g. HARPER01
        base = _slug("".join(w for w in name.upper().split()[:2]))[:6] or "CUST"
        n = 1
        while f"{base}{n:02d}" in self.codes:
            n += 1
        code = f"{base}{n:02d}"
        self.codes.add(code)
        return code

    def assign_sage(self, p: Party) -> None:
        rng, nrng = self.rng, self.noise
        vendor = p.kind == "vendor"
        length = 7 if vendor else 20
        taken = self.sage_keys[p.kind]
        r = rng.random()
        same_share = 0.5 if vendor else 0.6
        if r < same_share and len(p.code) <= length and p.code not in taken:
            key = p.code
            taken.add(key)
        elif r < same_share + 0.3:
            key = _name_key(p.name, 7 if vendor else 10, taken)
        else:
            key = f"{p.index + 1:07d}"
            if key in taken:
                key = _name_key(p.name, 7 if vendor else 10, taken)
            taken.add(key)
        p.sage_no = key
        p.sage_div = "00" if vendor else ("01" if p.currency == self.profile.base_currency else "02")
        p.sage_name = noise.name_variant(nrng, p.name, 30 if vendor else 50)
        p.sage_email = p.email.upper() if nrng.random() < 0.05 else p.email
        p.sage_postal = p.postal
        p.sage_tax_id = noise.tax_id_variant(nrng, p.tax_id)[:15]
        p.sage_line1 = noise.address_variant(nrng, p.line1, 30 if vendor else 40)
        p.sage_phone = noise.phone_variant(nrng, p.phone, 17)
        if rng.random() < 0.35:
            p.contact_number = p.sage_no if vendor else f"{p.sage_div}-{p.sage_no}"

    def alt_key(self, p: Party) -> str:
        taken = self.sage_keys[p.kind]
        vendor = p.kind == "vendor"
        if p.sage_no.isdigit() or p.sage_no == p.code:
            return _name_key(p.name, 7 if vendor else 10, taken)
        key = f"{p.index + 1:07d}" if f"{p.index + 1:07d}" not in taken else _name_key(p.name + "X", 7, taken)
        taken.add(key)
        return key


def _master_mismatch(p: Party, rng: random.Random, fake: Faker, xero: bool) -> str:
    fields = ["email", "postal"] + (["tax_id"] if p.kind == "vendor" and p.tax_id else [])
    which = rng.choice(fields)
    if which == "email":
        old = p.sage_email
        p.sage_email = f"{fake.user_name()}@{fake.free_email_domain()}"
        return f"field=EmailAddress source={p.email} sage100={p.sage_email} (was {old})"
    if which == "postal":
        new = fake.zipcode() if xero else fake.postcode()
        while new == p.postal:
            new = fake.zipcode() if xero else fake.postcode()
        p.sage_postal = new
        return f"field=ZipCode source={p.postal} sage100={new}"
    digits = list(noise.digits(p.tax_id))
    pos = rng.randrange(len(digits))
    digits[pos] = str((int(digits[pos]) + rng.randint(1, 8)) % 10)
    new = ("GB" if p.tax_id.startswith("GB") else "") + "".join(digits)
    p.sage_tax_id = new[:15]
    return f"field=TaxpayerIDSSNo source={p.tax_id} sage100={p.sage_tax_id}"


def _build_items(
    cfg: GeneratorConfig, profile: LedgerProfile, streams: Streams, injector: Injector
) -> list[Item]:
    rng = streams("items")
    items: list[Item] = []
    n_products = cfg.item_count - len(_SERVICES)
    used: set[str] = set()
    for i in range(n_products):
        prefix, line, role, nouns, (lo, hi), tracked, vat = _CATALOG[i % len(_CATALOG)]
        noun = nouns[(i // len(_CATALOG)) % len(nouns)]
        adjective = _ADJECTIVES[(i * 7 + i // 13) % len(_ADJECTIVES)]
        name = f"{adjective} {noun}"
        code = f"{prefix}-{1001 + i}"
        price = cents(rng, lo, hi)
        cost = (price * Decimal(str(round(rng.uniform(0.45, 0.7), 2)))).quantize(Decimal("0.01"))
        r = rng.random()
        if r < 0.75:
            sage_code = code
        elif r < 0.9:
            sage_code = code.replace("-", "")
        else:
            sage_code = {"HW": "HDW", "EL": "ELC", "SF": "SAF", "PK": "PKG", "FD": "FDS"}[prefix] + code[2:]
        used.add(sage_code)
        whs = ("000",) + tuple(w for w, _ in WAREHOUSES[1:] if rng.random() < 0.55)
        item = Item(
            index=i,
            id=uuid4(rng),
            kf_id=5000 + i,
            code=code,
            name=name[:50],
            description=f"{name} ({code})",
            tracked=tracked,
            price=price,
            cost=cost,
            sales_role=role,
            vat_rate=Decimal(vat) / 100,
            product_line=line,
            sage_code=sage_code,
            sage_type="1",
            sage_desc=name.upper()[:30] if rng.random() < 0.5 else name[:30],
            sage_price=price,
            warehouses=whs,
        )
        items.append(item)
    for j, (code, sage_code, desc, (lo, hi)) in enumerate(_SERVICES):
        price = cents(rng, lo, hi)
        items.append(
            Item(
                index=n_products + j,
                id=uuid4(rng),
                kf_id=5000 + n_products + j,
                code=code,
                name=desc,
                description=desc,
                tracked=False,
                price=price,
                cost=ZERO,
                sales_role="sales_service",
                vat_rate=Decimal("0.20"),
                product_line="SERV",
                sage_code=sage_code,
                sage_type="3",
                sage_desc=desc[:30],
                sage_price=price,
                warehouses=(),
            )
        )
    qrng = streams("inventory")
    for item in items:
        if not item.tracked:
            continue
        for wh in item.warehouses:
            item.wh_qty[wh] = Decimal(qrng.randint(0, 1800) if wh == "000" else qrng.randint(0, 600))
            item.wh_on_so[wh] = ZERO
        item.src_qty = sum(item.wh_qty.values(), ZERO)
    return items


def build(
    cfg: GeneratorConfig, profile: LedgerProfile, streams: Streams, injector: Injector, start: date, end: date
) -> MasterData:
    arng = streams("accounts")
    accounts = _build_accounts(profile, arng)
    by_role = {a.role: a for a in accounts}
    by_sage_account = {a.sage_account: a.sage_key for a in accounts}

    factory = _PartyFactory(cfg, profile, streams, start)
    customers = [factory.party("customer", i) for i in range(cfg.customer_count)]
    vendors = [factory.party("vendor", i) for i in range(cfg.vendor_count)]
    for p in customers + vendors:
        factory.assign_sage(p)

    master = MasterData(
        profile=profile,
        accounts=accounts,
        by_role=by_role,
        by_sage_account=by_sage_account,
        customers=customers,
        vendors=vendors,
        source_dups={},
        items=[],
        fx={},
        start=start,
        end=end,
        org_id=uuid4(arng),
        short_code="!" + "".join(arng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(5)),
    )

    irng = streams("party-injections")
    fake = factory.fake
    extra: list[Party] = []
    for p in customers + vendors:
        if injector.offer("duplicate_party"):
            if irng.random() < 0.6:
                p.sage_dup_no = factory.alt_key(p)
                p.sage_dup_name = noise.distinct_variant(irng, p.name, 30 if p.kind == "vendor" else 50)
                master.injected_parties.append(("duplicate_party", p, "sage100"))
            else:
                pool = customers if p.kind == "customer" else vendors
                dup = factory.party(p.kind, len(pool) + len([e for e in extra if e.kind == p.kind]))
                dup.name = noise.distinct_variant(irng, p.name, 255)
                if profile.name == "kashflow":
                    dup.code = factory.source_code(p.kind, dup.index, dup.name)
                dup.email, dup.line1, dup.line2, dup.city = p.email, p.line1, p.line2, p.city
                dup.region, dup.postal, dup.country_code, dup.country_name = (
                    p.region,
                    p.postal,
                    p.country_code,
                    p.country_name,
                )
                dup.currency, dup.tax_rate, dup.tax_id = p.currency, p.tax_rate, p.tax_id
                dup.default_role = p.default_role
                dup.dup_of = p
                dup.sage_no, dup.sage_div, dup.sage_name = p.sage_no, p.sage_div, p.sage_name
                dup.created = p.created + timedelta(days=irng.randint(5, 15))
                extra.append(dup)
                master.source_dups[id(p)] = dup
                master.injected_parties.append(("duplicate_party", dup, profile.name))
        elif injector.offer("master_data_mismatch"):
            p.master_mismatch = _master_mismatch(p, irng, fake, profile.name == "xero")
            master.injected_parties.append(("master_data_mismatch", p, p.master_mismatch))
    customers.extend(e for e in extra if e.kind == "customer")
    vendors.extend(e for e in extra if e.kind == "vendor")

    master.items = _build_items(cfg, profile, streams, injector)
    for item in master.items:
        if injector.offer("master_data_mismatch"):
            factor = Decimal(irng.choice(["0.90", "0.95", "1.05", "1.10", "1.15"]))
            item.sage_price = (item.price * factor).quantize(Decimal("0.01"))
            item.master_mismatch = f"field=StandardUnitPrice source={item.price} sage100={item.sage_price}"
            master.injected_parties.append(("master_data_mismatch", item, item.master_mismatch))
        if item.tracked and injector.offer("inventory_quantity_mismatch"):
            delta = Decimal(irng.choice([-1, 1]) * irng.randint(1, 60))
            if item.src_qty + delta < 0:
                delta = -delta
            item.src_qty += delta
            detail = f"source_qty={item.src_qty} sage100_qty={item.src_qty - delta}"
            master.injected_parties.append(("inventory_quantity_mismatch", item, detail))

    # activity weights: a few customers buy a lot (Pareto), duplicates trade a little
    wrng = streams("weights")
    acc = 0.0
    for p in customers:
        acc += min(wrng.paretovariate(1.3), 40.0) * (0.3 if p.dup_of else 1.0)
        master.customer_cum.append(acc)
    acc = 0.0
    for p in vendors:
        acc += min(wrng.paretovariate(1.5), 30.0) * (0.3 if p.dup_of else 1.0)
        master.vendor_cum.append(acc)
    acc = 0.0
    for _item in master.items:
        acc += wrng.uniform(0.3, 3.0)
        master.item_cum.append(acc)

    master.fx = _fx_tables(profile, start, (end - start).days + 2, streams("fx"))
    return master
