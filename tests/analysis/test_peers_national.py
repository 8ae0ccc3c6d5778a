"""Most similar forces on demographic features, peer averages and the national benchmark.

Hand-made profiles: every feature is a function of one number x per force (population and
density exp(x), the others x), so after logs and standardising the distance between two
forces is proportional to |x_i - x_j| and the nearest forces can be read off by hand.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from scrutiny.analysis import peers
from scrutiny.analysis.kpis import load_registry

X = {
    "Aforce": 0,
    "Bforce": 1,
    "Cforce": 2,
    "Dforce": 3,
    "Eforce": 4,
    "Fforce": 5,
    "Gforce": 6,
    "Hforce": 7,
    "Iforce": 8,
    "Jforce": 9,
    "Zforce": 20,
}


def _profiles(extra: dict[str, float] | None = None) -> pd.DataFrame:
    xs = {**X, **(extra or {})}
    df = pd.DataFrame(
        {
            "population": [math.exp(x) * 1000 for x in xs.values()],
            "density": [math.exp(x) for x in xs.values()],
            "sparse_share": [x / 100 for x in xs.values()],
            "communal_share": [x / 1000 for x in xs.values()],
            "persons_per_household": [2 + x / 10 for x in xs.values()],
        },
        index=pd.Index(list(xs), name="force"),
    )
    return df


def test_up_to_seven_nearest_and_one_way() -> None:
    g, why = peers.most_similar_forces(_profiles(), "Zforce")
    assert why == ""
    # |20 - x| smallest for x = 9, 8, ..., 3
    assert g.peers == ["Jforce", "Iforce", "Hforce", "Gforce", "Fforce", "Eforce", "Dforce"]
    d, _ = peers.most_similar_forces(_profiles(), "Dforce")
    # distances from 3: C, E (1); B, F (2); A, G (3); H (4) -- Z (17) is not among them
    assert sorted(d.peers) == ["Aforce", "Bforce", "Cforce", "Eforce", "Fforce", "Gforce", "Hforce"]
    assert "Zforce" not in d.peers  # Dforce is in Zforce's group, not the other way round
    with pytest.raises(ValueError, match="1 to 7"):
        peers.most_similar_forces(_profiles(), "Zforce", k=8)


def test_city_of_london_never_a_peer_and_has_no_group() -> None:
    prof = _profiles({"City of London": 19.5})  # nearest of all to Zforce on every feature
    g, _ = peers.most_similar_forces(prof, "Zforce Police")
    assert "City of London" not in g.peers
    assert len(g.peers) == 7
    none, why = peers.most_similar_forces(prof, "City of London Police")
    assert none is None and "no peer group" in why


def test_force_without_profile_gets_reason_not_error() -> None:
    g, why = peers.most_similar_forces(_profiles(), "Dyfed-Powys Police")
    assert g is None and "England" in why


def test_configured_list_wins() -> None:
    g, _ = peers.most_similar_forces(_profiles(), "Zforce", peers=["Aforce", "Bforce"])
    assert g.peers == ["Aforce", "Bforce"]
    with pytest.raises(ValueError, match="'Nowhere'"):
        peers.most_similar_forces(_profiles(), "Zforce", peers=["Nowhere"])


def test_peer_average_simple_and_weighted_by_hand() -> None:
    t = pd.DataFrame(
        {"count": [100, 300, 50], "population": [10_000, 20_000, 10_000], "rate": [10, 15, 5]}
    )
    assert peers.peer_average(t, "simple") == pytest.approx(10.0)  # (10 + 15 + 5) / 3
    assert peers.peer_average(t, "weighted") == pytest.approx(11.25)  # 450 / 40,000 x 1,000
    with pytest.raises(ValueError):
        peers.peer_average(t, "median")


def _counts(rows: list[tuple[str, str, str, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["month", "force", "crime_type", "count"])


def test_national_benchmark_by_hand() -> None:
    """Four forces, one KPI (burglary), 2025; one with a missing month, one Welsh."""
    months = [f"2025-{m:02d}" for m in range(1, 13)]
    rows = []
    for m in months:
        rows += [(m, "Aforce Police", "Burglary", 10), (m, "Bforce Police", "Burglary", 20)]
        rows += [(m, "Cforce Police", "Burglary", 5), (m, "Dyfed-Powys Police", "Burglary", 7)]
        rows += [(m, "Aforce Police", "Drugs", 99)]
        if m != "2025-07":
            rows.append((m, "Dforce Police", "Burglary", 1))
    rows.append(("2026-01", "Aforce Police", "Burglary", 10_000))  # after data_to: unused
    prof = _profiles().loc[["Aforce", "Bforce", "Cforce", "Dforce"]]
    prof["population"] = [12_000.0, 24_000.0, 6_000.0, 1_000.0]
    burglary = load_registry()["burglary"]
    b = peers.national_benchmark(
        _counts(rows), prof, "Aforce Police", [burglary], data_to="2025-12", peers=["Bforce"]
    )
    k = b.kpis[0]
    # A: 120 / 12,000 x 1,000 = 10; B: 240 / 24,000 = 10; C: 60 / 6,000 = 10
    assert k.table.loc["Aforce", "count"] == 120
    assert k.table.loc["Aforce", "rate"] == pytest.approx(10.0)
    assert k.table.loc["Bforce", "rate"] == pytest.approx(10.0)
    assert k.table.loc["Cforce", "rate"] == pytest.approx(10.0)
    assert k.table["national_rate"].iloc[0] == pytest.approx(420 / 42_000 * 1000)
    assert set(k.table.index) == {"Aforce", "Bforce", "Cforce"}
    left = dict(zip(b.left_out["force"], b.left_out["reason"], strict=True))
    assert "11 of the 12 months" in left["Dforce Police"] and "July 2025" in left["Dforce Police"]
    assert "England only" in left["Dyfed-Powys Police"]
    assert k.peers.index.tolist() == ["Aforce", "Bforce"]
    assert k.peer_average == pytest.approx(10.0)
    assert b.configured and b.average == "simple"
    assert not k.previous_held  # 2024 is not in the counts
    # Annualised on request: D has 11 months of 1 -> 11 x 12 / 11 = 12 a year
    b2 = peers.national_benchmark(
        _counts(rows), prof, "Aforce", [burglary], data_to="2025-12", annualise=True
    )
    d = b2.kpis[0].table.loc["Dforce"]
    assert d["count"] == pytest.approx(12.0) and bool(d["annualised"]) and d["months"] == 11


def test_national_benchmark_change_on_previous_12_months() -> None:
    rows = []
    for y, n in (("2024", 10), ("2025", 15)):
        for m in range(1, 13):
            for f in ("Aforce", "Bforce", "Cforce"):
                rows.append((f"{y}-{m:02d}", f, "Burglary", n))
    prof = _profiles().loc[["Aforce", "Bforce", "Cforce"]]
    prof["population"] = [1_000.0, 2_000.0, 3_000.0]
    b = peers.national_benchmark(
        _counts(rows), prof, "Aforce", [load_registry()["burglary"]], data_to="2025-12"
    )
    row = b.kpis[0].table.loc["Aforce"]
    assert row["rate"] == pytest.approx(180.0)  # 180 / 1,000 x 1,000
    assert row["previous_rate"] == pytest.approx(120.0)
    assert row["change"] == pytest.approx(60.0)
    assert b.kpis[0].previous_held
