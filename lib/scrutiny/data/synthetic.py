"""The synthetic force extract: real police.uk rows, with attributes drawn from published figures.

SYNTHETIC DATA. Every row is a real police.uk crime (same month, LSOA, district, category
and last outcome), so counts, geography and trends are real. What police.uk does not
publish is generated, deterministically from a seed:

* Home Office offence code: drawn within each police.uk category from the force's own
  2017/18 recorded-crime mix (Home Office open data tables, via the offence map).
* Time of day, flags, ages, sex, suspects: drawn from the distributions in
  :data:`ASSUMPTIONS`, each with its source. Serious-violence figures come from the
  Leicester, Leicestershire and Rutland Violence Reduction Network's Strategic Needs
  Assessment (January 2022, reported to the Police and Crime Panel; seed 004): 76% of
  offenders and 69% of victims male; under-25s offend at 1.6 times the rate of over-25s,
  15-19s then 10-14s at the highest rates; peaks at 15:00-16:00 and 23:00-00:00; 31%
  linked to the night-time economy; 1 in 10 knife-enabled; repeat offenders commit 38% of
  serious violence (52% for under-25s). Domestic abuse figures come from ONS (police
  recorded crime). Where no published figure was to hand the value is marked
  "assumption" and should be read as illustrative.

Bump :data:`GENERATOR_VERSION` whenever the output changes: the cache is keyed on it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scrutiny.data.geography import force_geography, force_key
from scrutiny.data.police_uk import ASB
from scrutiny.data.quality import DataQuality, SourceUsed
from scrutiny.data.sources import DataSources

GENERATOR_VERSION = "synthetic-extract-1"

SNA = "LLR Violence Reduction Network Strategic Needs Assessment, Jan 2022 (seed 004)"
ONS_DA_2021 = "ONS, Domestic abuse prevalence and trends, England and Wales, YE March 2021"
ONS_DA_2022 = "ONS, Domestic abuse victim characteristics, England and Wales, YE March 2022"
HO_PRC = "Home Office police recorded crime open data, force's 2017/18 offence mix"
ASSUMED = "assumption (no published figure used; illustrative)"

ASSUMPTIONS: dict[str, tuple[float | str, str]] = {
    "offence code within police.uk category": ("force's 2017/18 mix", HO_PRC),
    "serious violence: suspect male": (0.76, SNA),
    "serious violence: victim male": (0.69, SNA),
    "serious violence: under-25 offending rate / over-25 rate": (1.6, SNA),
    "serious violence: highest offending and victim rates": ("15-19, then 10-14", SNA),
    "serious violence: night-time economy share": (0.31, SNA),
    "serious violence: knife or sharp instrument share": (0.10, SNA),
    "serious violence: share by repeat offenders (all ages)": (0.38, SNA),
    "serious violence: share by repeat offenders (under 25)": (0.52, SNA),
    "serious violence: hourly peaks": ("15:00-16:00 and 23:00-00:00", SNA),
    "domestic abuse: share of violence against the person": (0.38, ONS_DA_2021),
    "domestic abuse: share of all recorded crime": (0.18, ONS_DA_2021),
    "domestic abuse: victim female": (0.741, ONS_DA_2022),
    "domestic abuse: victims aged 16 and over": ("16+", "Home Office definition of domestic abuse"),
    "domestic abuse: suspect male": (0.80, ASSUMED),
    "other crime: suspect male": (0.80, ASSUMED),
    "sexual offences: victim female": (0.85, ASSUMED),
    "other crime: victim male": (0.50, ASSUMED),
    "suspect identified when outcome is pending": (0.50, ASSUMED),
    "repeat offender: mean offences each": (3.0, ASSUMED),
    "age within a five-year band": ("uniform", ASSUMED),
    "time of day outside serious violence": ("category curves", ASSUMED),
    "public place shares by category": ("see PUBLIC_PLACE", ASSUMED),
    "outcome date: days after the offence": ("exponential, mean 45", ASSUMED),
    "age structure of population": ("ONS 2018-based projections, 2020", "ONS"),
}

# Categories whose victim is a person (others: society or a business -> no victim age/sex).
PERSON_VICTIM = {
    "Violence and sexual offences",
    "Robbery",
    "Theft from the person",
    "Burglary",
    "Other theft",
    "Bicycle theft",
    "Vehicle crime",
    "Criminal damage and arson",
    "Public order",
}
BUSINESS_CODES = {"30A", "30B", "30C", "30D", "31", "31A", "34A"}
# Domestic abuse can be flagged on these categories besides violence against the person.
DA_ELIGIBLE = {
    "Violence and sexual offences",
    "Criminal damage and arson",
    "Public order",
    "Other crime",
    "Other theft",
    "Burglary",
}
PUBLIC_PLACE = {  # share of non-domestic crimes in a public place (assumption)
    "Violence and sexual offences": 0.6,
    "Robbery": 0.9,
    "Theft from the person": 0.95,
    "Public order": 0.7,
    "Possession of weapons": 0.85,
    "Drugs": 0.7,
    "Vehicle crime": 0.8,
    "Bicycle theft": 0.7,
    "Shoplifting": 1.0,
    "Criminal damage and arson": 0.5,
    "Other theft": 0.5,
    "Other crime": 0.3,
    "Burglary": 0.0,
}

# Hour-of-day weights (index = hour). Night-time economy: concentrated 20:00-04:00, peak
# 23:00. Serious violence outside the night-time economy: peak 15:00 (after school). The
# mix 31:69 gives the SNA's two peaks, 15:00-16:00 and 23:00-00:00.
NTE_HOURS = np.array(
    [0.20, 0.12, 0.09, 0.04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.05, 0.08, 0.12, 0.30]
)
DAY_HOURS = np.array(
    [
        0.02,
        0.015,
        0.01,
        0.01,
        0.008,
        0.008,
        0.012,
        0.02,
        0.03,
        0.035,
        0.04,
        0.045,
        0.05,
        0.055,
        0.07,
        0.12,
        0.08,
        0.065,
        0.06,
        0.055,
        0.05,
        0.045,
        0.045,
        0.03,
    ]
)
NIGHT_HOURS = np.array(
    [
        0.07,
        0.07,
        0.07,
        0.07,
        0.06,
        0.05,
        0.04,
        0.03,
        0.03,
        0.03,
        0.03,
        0.03,
        0.03,
        0.03,
        0.03,
        0.03,
        0.035,
        0.04,
        0.045,
        0.05,
        0.055,
        0.06,
        0.06,
        0.065,
    ]
)
SHOP_HOURS = np.array(
    [
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0.01,
        0.05,
        0.08,
        0.09,
        0.1,
        0.1,
        0.1,
        0.1,
        0.1,
        0.09,
        0.08,
        0.06,
        0.03,
        0.01,
        0,
        0,
        0,
    ]
)
HOUR_CURVE = {"Burglary": NIGHT_HOURS, "Vehicle crime": NIGHT_HOURS, "Shoplifting": SHOP_HOURS}

BANDS = [
    (0, 4),
    (5, 9),
    (10, 14),
    (15, 19),
    (20, 24),
    (25, 29),
    (30, 34),
    (35, 39),
    (40, 44),
    (45, 49),
    (50, 54),
    (55, 59),
    (60, 64),
    (65, 69),
    (70, 74),
    (75, 79),
    (80, 84),
    (85, 89),
    (90, 99),
]
# Relative offending rates per head, serious violence (shape is an assumption; the
# under-25 : over-25 ratio is rescaled to the SNA's 1.6 and 15-19 > 10-14 > the rest).
SV_SUSPECT_SHAPE = {
    (10, 14): 1.3,
    (15, 19): 1.6,
    (20, 24): 1.0,
    (25, 29): 0.55,
    (30, 34): 0.5,
    (35, 39): 0.45,
    (40, 44): 0.4,
    (45, 49): 0.3,
    (50, 54): 0.2,
    (55, 59): 0.12,
    (60, 64): 0.08,
    (65, 69): 0.03,
    (70, 74): 0.02,
    (75, 79): 0.01,
}
SV_VICTIM_SHAPE = {
    (0, 4): 0.1,
    (5, 9): 0.3,
    (10, 14): 1.6,
    (15, 19): 2.0,
    (20, 24): 1.4,
    (25, 29): 1.1,
    (30, 34): 1.0,
    (35, 39): 0.9,
    (40, 44): 0.8,
    (45, 49): 0.6,
    (50, 54): 0.5,
    (55, 59): 0.35,
    (60, 64): 0.25,
    (65, 69): 0.15,
    (70, 74): 0.1,
    (75, 79): 0.08,
    (80, 84): 0.06,
    (85, 89): 0.05,
    (90, 99): 0.05,
}
DA_VICTIM_SHAPE = {
    (15, 19): 1.2,
    (20, 24): 2.0,
    (25, 29): 1.8,
    (30, 34): 1.6,
    (35, 39): 1.4,
    (40, 44): 1.2,
    (45, 49): 1.0,
    (50, 54): 0.8,
    (55, 59): 0.6,
    (60, 64): 0.4,
    (65, 69): 0.3,
    (70, 74): 0.2,
    (75, 79): 0.15,
    (80, 84): 0.1,
    (85, 89): 0.1,
}
ADULT_SHAPE = {b: (1.0 if b[0] >= 20 else (0.6 if b[0] >= 10 else 0.1)) for b in BANDS}
OTHER_SUSPECT_SHAPE = {**{b: v for b, v in SV_SUSPECT_SHAPE.items()}, (80, 84): 0.01}


def band_population(la: pd.DataFrame, codes: list[str], year: int = 2020) -> dict[tuple, float]:
    """Population per five-year band for local authorities ``codes`` (England if absent)."""
    sub = la[la["area_code"].isin(codes) & (la["year"] == year) & la["age_from"].notna()]
    if sub.empty:
        sub = la[(la["area_code"] == "E92000001") & (la["year"] == year) & la["age_from"].notna()]
    pops = sub.groupby("age_from")["population"].sum()
    out = {}
    for lo, hi in BANDS:
        out[(lo, hi)] = float(pops.get(lo, 0.0)) if len(pops) else 1.0
    return out


def sv_suspect_weights(pop: dict[tuple, float], ratio: float = 1.6) -> dict[tuple, float]:
    """Per-band weights for serious-violence suspects' ages (population x rate).

    Rates are rescaled so that the under-25 (10-24) rate per head is ``ratio`` times the
    rate for everyone aged 25 and over.
    """
    under = [b for b in SV_SUSPECT_SHAPE if b[1] <= 24]
    over = [b for b in SV_SUSPECT_SHAPE if b[0] >= 25]
    rate_u = sum(SV_SUSPECT_SHAPE[b] * pop[b] for b in under) / sum(pop[b] for b in under)
    over_pop = sum(pop[b] for b in BANDS if b[0] >= 25)  # all over-25s are in the base
    rate_o = sum(SV_SUSPECT_SHAPE[b] * pop[b] for b in over) / over_pop
    scale_u = ratio * rate_o / rate_u
    return {
        b: SV_SUSPECT_SHAPE[b] * pop[b] * (scale_u if b in under else 1.0) for b in SV_SUSPECT_SHAPE
    }


def _draw_ages(rng: np.random.Generator, n: int, weights: dict[tuple, float]) -> np.ndarray:
    bands = list(weights)
    p = np.array([weights[b] for b in bands], dtype=float)
    p /= p.sum()
    idx = rng.choice(len(bands), size=n, p=p)
    lo = np.array([b[0] for b in bands])[idx]
    hi = np.array([b[1] for b in bands])[idx]
    return lo + np.floor(rng.random(n) * (hi - lo + 1)).astype(int)


def _offence_mix(prc: pd.DataFrame, omap: pd.DataFrame, force: str) -> pd.DataFrame:
    key = force_key(force)
    keys = {f: force_key(f) for f in prc["force"].unique()}
    mine = prc[prc["force"].map(keys) == key]
    counts = mine.groupby("offence_code")["count"].sum()
    mix = omap.assign(count=omap["offence_code"].map(counts).fillna(0))
    mix = mix[mix["count"] > 0]
    return mix


def generate_extract(
    crimes: pd.DataFrame,
    prc: pd.DataFrame,
    offence_map: pd.DataFrame,
    la_population: pd.DataFrame,
    *,
    sources: DataSources,
    seed: int,
    quality: DataQuality | None = None,
) -> pd.DataFrame:
    """Generate the synthetic extract from police.uk rows (deterministic for a seed).

    Parameters
    ----------
    crimes
        From :func:`scrutiny.data.load_crimes` (ASB rows are skipped: not crimes).
    prc
        Home Office recorded crime (force level) for the offence mix.
    offence_map
        Offence code to police.uk category map.
    la_population
        ONS population by local authority and age band (age structure of suspects and
        victims).
    sources
        The force (for its offence mix and areas).
    seed
        Random seed; the same inputs and seed give the same extract.
    quality
        Record for the sources used.

    Returns
    -------
    DataFrame
        The extract schema (:data:`scrutiny.data.extract.SCHEMA`) with ``synthetic`` True,
        validated by :func:`scrutiny.data.extract.validate_extract`.
    """
    from scrutiny.data.extract import validate_extract

    rng = np.random.default_rng(seed)
    rows = crimes[crimes["crime_type"] != ASB].reset_index(drop=True)
    n = len(rows)
    cat = rows["crime_type"].astype(str).to_numpy()

    # 1. Offence code within category, from the force's real 2017/18 mix.
    mix = _offence_mix(prc, offence_map, sources.force)
    code = np.empty(n, dtype=object)
    for c in np.unique(cat):
        m = mix[mix["police_uk_category"] == c]
        if m.empty:  # the force recorded none in 2017/18: use the national mix
            m = _offence_mix(prc.assign(force=sources.force), offence_map, sources.force)
            m = m[m["police_uk_category"] == c]
        if m.empty:  # no force recorded any: every code in the category equally likely
            m = offence_map[offence_map["police_uk_category"] == c].assign(count=1.0)
            if quality is not None:
                quality.warn(
                    "synthetic extract: no offence mix for a category",
                    int((cat == c).sum()),
                    f"{c}: no recorded crime in the Home Office table, so its offence codes "
                    "were drawn with equal chance",
                )
        sel = np.flatnonzero(cat == c)
        p = m["count"].to_numpy(float)
        code[sel] = rng.choice(m["offence_code"].to_numpy(), size=sel.size, p=p / p.sum())
    om = offence_map.set_index("offence_code")
    group = om.loc[code, "offence_group"].to_numpy()
    subgroup = om.loc[code, "offence_subgroup"].to_numpy()
    sv = np.isin(
        subgroup,
        [
            "Homicide",
            "Violence with injury",
            "Robbery of business property",
            "Robbery of personal property",
        ],
    )
    vap = group == "Violence against the person"
    sexual = group == "Sexual offences"

    # 2. Domestic abuse: 38% of violence against the person; other eligible categories at
    # the rate that brings the total to 18% of all crime (ONS).
    da_p = np.zeros(n)
    da_p[vap] = 0.38
    other_elig = np.isin(cat, list(DA_ELIGIBLE)) & ~vap & ~np.isin(code, list(BUSINESS_CODES))
    if other_elig.any():
        da_p[other_elig] = np.clip((0.18 * n - 0.38 * vap.sum()) / other_elig.sum(), 0, 0.38)
    domestic = rng.random(n) < da_p

    # 3. Public place (assumption by category); domestic abuse is not in a public place.
    pp = np.array([PUBLIC_PLACE.get(c, 0.5) for c in cat])
    public = (rng.random(n) < pp) & ~domestic

    # 4. Night-time economy: 31% of serious violence (SNA); drawn among public,
    # non-domestic violence and public order at the rate that achieves it for SV.
    # The SNA's serious violence excludes domestic abuse (VRN definition), so its figures
    # apply to non-domestic serious violence.
    vrn_sv = sv & ~domestic
    nte_elig = public & (vap | sexual | (cat == "Public order") | sv)
    sv_elig = nte_elig & sv
    p_nte = min(1.0, 0.31 * vrn_sv.sum() / max(sv_elig.sum(), 1))
    nte = nte_elig & (rng.random(n) < p_nte)

    # 5. Occurred date and time.
    months = rows["month"].dt
    year, month = months.year.to_numpy(), months.month.to_numpy()
    days_in = months.days_in_month.to_numpy()
    day = 1 + np.floor(rng.random(n) * days_in).astype(int)
    hour = np.empty(n, dtype=int)
    curves = np.full(n, "day", dtype=object)
    for c, _ in HOUR_CURVE.items():
        curves[cat == c] = c
    curves[nte] = "nte"
    for name in np.unique(curves):
        sel = np.flatnonzero(curves == name)
        w = NTE_HOURS if name == "nte" else HOUR_CURVE.get(name, DAY_HOURS)
        hour[sel] = rng.choice(24, size=sel.size, p=w / w.sum())
    minute = np.floor(rng.random(n) * 60).astype(int)
    occurred = pd.to_datetime(
        pd.DataFrame({"year": year, "month": month, "day": day, "hour": hour, "minute": minute})
    )

    # 6. Knife or sharp instrument: 1 in 10 serious violence (SNA; the same share is
    # assumed for domestic serious violence); blade possession offences.
    knife = (sv & (rng.random(n) < 0.10)) | np.isin(code, ["10D", "90"])

    # 7. Victims.
    geo = force_geography(sources)
    pop = band_population(la_population, list(geo.districts["la_code"]))
    has_victim = np.isin(cat, list(PERSON_VICTIM)) & ~np.isin(code, list(BUSINESS_CODES))
    v_age = np.full(n, -1)
    v_male = np.zeros(n, dtype=bool)
    groups = {
        "da": has_victim & domestic,
        "sv": has_victim & sv & ~domestic,
        "sexual": has_victim & sexual & ~domestic,
    }
    groups["other"] = has_victim & ~groups["da"] & ~groups["sv"] & ~groups["sexual"]
    shapes = {
        "da": DA_VICTIM_SHAPE,
        "sv": SV_VICTIM_SHAPE,
        "sexual": SV_VICTIM_SHAPE,
        "other": ADULT_SHAPE,
    }
    male_p = {"da": 1 - 0.741, "sv": 0.69, "sexual": 0.15, "other": 0.50}
    for g, sel in groups.items():
        k = int(sel.sum())
        w = {b: shapes[g][b] * pop[b] for b in shapes[g]}
        ages = _draw_ages(rng, k, w)
        if g == "da":
            ages = np.maximum(ages, 16)  # domestic abuse: victims aged 16 and over
        v_age[sel] = ages
        v_male[sel] = rng.random(k) < male_p[g]

    # 8. Suspects: identified unless police.uk says no suspect was identified.
    outcome = rows["last_outcome"].astype(object).to_numpy()
    pending = np.isin(outcome, ["Under investigation", "Status update unavailable"])
    none_found = outcome == "Investigation complete; no suspect identified"
    has_suspect = ~none_found & (~pending | (rng.random(n) < 0.5))
    s_age = np.full(n, -1)
    s_male = np.zeros(n, dtype=bool)
    sv_s = has_suspect & vrn_sv
    oth_s = has_suspect & ~vrn_sv
    s_age[sv_s] = _draw_ages(rng, int(sv_s.sum()), sv_suspect_weights(pop))
    s_male[sv_s] = rng.random(int(sv_s.sum())) < 0.76
    s_age[oth_s] = _draw_ages(
        rng, int(oth_s.sum()), {b: v * pop[b] for b, v in OTHER_SUSPECT_SHAPE.items()}
    )
    s_male[oth_s] = rng.random(int(oth_s.sum())) < 0.80
    suspect_id = _suspect_ids(rng, has_suspect, sv_s, s_age, s_male, seed)

    # 9. Outcome date: pending outcomes have none.
    has_outcome = ~np.isin(
        outcome, ["Under investigation", "Awaiting court outcome", "Status update unavailable"]
    ) & pd.notna(outcome)
    lag = pd.to_timedelta(np.ceil(rng.exponential(45, n)), unit="D")
    outcome_date = (occurred.dt.normalize() + lag).where(has_outcome)

    yyyymm = pd.Series(year * 100 + month)
    order = yyyymm.groupby(yyyymm.to_numpy()).cumcount() + 1
    reference = "SYN-" + yyyymm.astype(str) + "-" + order.astype(str).str.zfill(6)
    out = pd.DataFrame(
        {
            "reference": reference,
            "occurred_at": occurred,
            "offence_code": code,
            "offence_group": group,
            "offence_subgroup": subgroup,
            "lsoa_code": rows["lsoa_code"].astype(object),
            "district": rows["district"].astype(object),
            "victim_age": pd.array(np.where(v_age >= 0, v_age, 0), dtype="Int64"),
            "victim_sex": np.where(v_male, "M", "F"),
            "suspect_id": suspect_id,
            "suspect_age": pd.array(np.where(s_age >= 0, s_age, 0), dtype="Int64"),
            "suspect_sex": np.where(s_male, "M", "F"),
            "domestic_abuse": domestic,
            "knife_sharp_instrument": knife,
            "night_time_economy": nte,
            "public_place": public,
            "outcome": outcome,
            "outcome_date": outcome_date,
            "synthetic": True,
        }
    )
    no_victim = v_age < 0
    out.loc[no_victim, ["victim_age", "victim_sex"]] = pd.NA
    out.loc[~has_suspect, ["suspect_age", "suspect_sex"]] = pd.NA
    out = validate_extract(out, offence_map, label="synthetic extract")
    out["synthetic"] = True
    if quality is not None:
        quality.add_source(
            SourceUsed(
                f"synthetic force extract ({GENERATOR_VERSION}, seed {seed})",
                "generated into data/cache",
                rows=len(out),
                period=f"{rows['month'].min():%Y-%m} to {rows['month'].max():%Y-%m}",
                synthetic=True,
            )
        )
        quality.warn(
            "synthetic extract",
            len(out),
            "every row is a real police.uk crime; offence codes, times, ages, sex, suspects "
            "and flags are generated from published distributions: illustrative only",
        )
    return out


def _suspect_ids(
    rng: np.random.Generator,
    has_suspect: np.ndarray,
    sv_s: np.ndarray,
    age: np.ndarray,
    male: np.ndarray,
    seed: int,
) -> np.ndarray:
    """Pseudonymised suspect ids with repeat offending in serious violence.

    Repeat offenders commit 38% of serious violence (52% of that by under-25s), about
    three offences each; a repeat offender keeps one age and sex.
    """
    n = has_suspect.size
    ids = np.full(n, None, dtype=object)
    serial = 0

    def new_id() -> str:
        nonlocal serial
        serial += 1
        return f"P{(seed * 1_000_003 + serial * 7_919) % 10**9:09d}"

    under = sv_s & (age < 25)
    over = sv_s & (age >= 25)
    n_u, n_o = int(under.sum()), int(over.sum())
    p_over = np.clip((0.38 * (n_u + n_o) - 0.52 * n_u) / max(n_o, 1), 0, 1)
    repeat = (under & (rng.random(n) < 0.52)) | (over & (rng.random(n) < p_over))
    band = np.where(age < 25, 0, 1)
    for b in (0, 1):
        for sex in (True, False):
            sel = np.flatnonzero(repeat & (band == b) & (male == sex))
            if sel.size < 2:
                repeat[sel] = False
                continue
            people = max(1, sel.size // 3)
            rng.shuffle(sel)
            who = np.arange(sel.size) % people
            pid = np.array([new_id() for _ in range(people)], dtype=object)
            ids[sel] = pid[who]
            first_age = {}
            for i, w in zip(sel, who, strict=True):
                first_age.setdefault(w, age[i])
                age[i] = first_age[w]
    rest = np.flatnonzero(has_suspect & ~repeat)
    ids[rest] = [new_id() for _ in range(rest.size)]
    return ids
