"""scrutiny.analysis.registers: validation, the late/at-risk rule, movement, carry-forward."""

from datetime import date

import pandas as pd
import pytest
import yaml
from pandas.testing import assert_frame_equal

from scrutiny.analysis import registers as reg
from scrutiny.analysis.actions import new_cycle
from scrutiny.analysis.board import Cycle, CycleError, load_cycle
from scrutiny.analysis.registers import (
    Activity,
    Collaboration,
    Project,
    Recommendation,
    Registers,
    Risk,
    RiskScore,
)
from scrutiny.config import PARAMS_DIR
from scrutiny.errors import ParamsError
from scrutiny.run.params import register_problems

MEETING = date(2022, 11, 23)


def rec(id_, due, status="open", session="open"):
    return Recommendation(
        id=id_,
        kind="area for improvement",
        report="PEEL",
        report_date=date(2022, 4, 8),
        text=f"Text {id_}",
        owner="DCC",
        due=due,
        status=status,
        session=session,
    )


def risk(id_, li, im, prev=None, review=date(2023, 1, 18), status="open", session="open"):
    return Risk(
        id=id_,
        title=f"Risk {id_}",
        owner="CFO",
        likelihood=li,
        impact=im,
        controls="Controls.",
        previous=RiskScore(likelihood=prev[0], impact=prev[1]) if prev else None,
        review_due=review,
        status=status,
        session=session,
    )


def project(id_, rag="green", budget=1.0, forecast=1.0, stage="delivery", due=date(2023, 3, 31)):
    return Project(
        id=id_,
        title=f"Project {id_}",
        business_case="Case.",
        owner="DCC",
        stage=stage,
        rag=rag,
        budget=budget,
        forecast_cost=forecast,
        benefits_planned="Benefits.",
        due=due,
    )


def collab(id_, cost, status="active", review=date(2023, 3, 31), evidence=""):
    return Collaboration(
        id=id_,
        title=f"Collaboration {id_}",
        partners=["Derbyshire"],
        annual_cost=cost,
        benefits="Benefits.",
        evidence=evidence,
        owner="ACC",
        review_due=review,
        status=status,
    )


def activity(id_, milestone, status="in progress", session="open", theme="vawg", kpis=("rape",)):
    return Activity(
        id=id_,
        ambition="Ambition.",
        theme=theme,
        activity=f"Activity {id_}",
        owner="ACC",
        milestone=milestone,
        status=status,
        kpis=list(kpis),
        session=session,
    )


# --------------------------------------------------------------------------- the one rule


def test_flags_hand_worked_dates_and_reasons():
    regs = Registers(
        hmicfrs=[
            rec("H1", date(2022, 11, 16)),  # 23 Nov - 16 Nov = 7 days late
            rec("H2", MEETING),  # due on the meeting date: not late
            rec("H3", date(2022, 9, 30), status="complete"),  # complete: never late
            rec("H4", date(2022, 9, 1), status="at risk"),  # 29 + 31 + 23 = 83 days late
            rec("H5", date(2023, 1, 31), status="at risk"),  # at risk, not late
        ],
        risks=[
            risk("R1", 3, 5),  # 15: high -> at risk
            risk("R2", 2, 7 - 4, prev=(2, 2)),  # 6, up from 4 -> at risk (rising)
            risk("R3", 2, 2, prev=(3, 3)),  # 4, down from 9: on track
            risk("R4", 1, 1, review=date(2022, 10, 31)),  # review 23 days late
            risk("R5", 5, 5, status="closed"),  # closed: done, no flag despite 25
        ],
        projects=[
            project("P1", rag="red"),
            project("P2", budget=2.5, forecast=2.6),  # £0.10m over
            project("P3", rag="amber"),  # amber alone is not at risk
            project("P4", stage="closed", rag="red", due=date(2020, 1, 1)),  # done
        ],
        collaborations=[collab("C1", 1.0, status="at risk"), collab("C2", 1.0, status="ended")],
        delivery=[
            activity("D1", date(2022, 10, 31)),  # late by 23 days
            activity("D2", date(2022, 10, 31), status="complete"),  # done
            activity("D3", date(2023, 1, 31), status="at risk"),
            activity("D4", date(2023, 1, 31)),  # on track
        ],
    )
    f = reg.flags(regs, as_at=MEETING).set_index("id")
    assert list(f.columns) == [c for c in reg.FLAG_COLUMNS if c != "id"]
    expected = {
        "H1": ("late", 7),
        "H2": ("on track", 0),
        "H3": ("done", 0),
        "H4": ("late", 83),
        "H5": ("at risk", 0),
        "R1": ("at risk", 0),
        "R2": ("at risk", 0),
        "R3": ("on track", 0),
        "R4": ("late", 23),
        "R5": ("done", 0),
        "P1": ("at risk", 0),
        "P2": ("at risk", 0),
        "P3": ("on track", 0),
        "P4": ("done", 0),
        "C1": ("at risk", 0),
        "C2": ("done", 0),
        "D1": ("late", 23),
        "D2": ("done", 0),
        "D3": ("at risk", 0),
        "D4": ("on track", 0),
    }
    got = {i: (r["progress"], int(r["days_overdue"])) for i, r in f.iterrows()}
    assert got == expected
    assert f.loc["H1", "flag"] == "overdue by 7 days (due 16 November 2022)"
    assert f.loc["H4", "flag"] == "overdue by 83 days (due 1 September 2022); reported at risk"
    assert bool(f.loc["H4", "at_risk"]) and bool(f.loc["H4", "overdue"])
    assert f.loc["R1", "flag"] == "high risk (score 15 of 25)"
    assert f.loc["R2", "flag"] == "score up from 4 to 6 since the last board"
    assert f.loc["R4", "flag"] == "overdue by 23 days (review 31 October 2022)"
    assert f.loc["P1", "flag"] == "RAG status red"
    assert f.loc["P2", "flag"] == "forecast cost £2.60m is £0.10m over the £2.50m budget"
    assert f.loc["R5", "flag"] == "" and f.loc["H2", "flag"] == ""
    assert f.loc["P4", "status"] == "closed"  # a project's status is its stage
    assert f.loc["D1", "due"] == pd.Timestamp("2022-10-31")


def test_one_day_late_is_singular():
    f = reg.flags(Registers(hmicfrs=[rec("H1", date(2022, 11, 22))]), as_at=MEETING)
    assert f["flag"].tolist() == ["overdue by 1 day (due 22 November 2022)"]


def test_flags_of_empty_registers():
    f = reg.flags(Registers(), as_at=MEETING)
    assert list(f.columns) == reg.FLAG_COLUMNS and f.empty


# --------------------------------------------------------------------------- risks


def test_risk_levels_at_the_band_edges():
    # 5 x 5 matrix: 1-5 low, 6-12 medium, 15-25 high
    assert [reg.risk_level(s) for s in (1, 5, 6, 12, 15, 25)] == [
        "low",
        "low",
        "medium",
        "medium",
        "high",
        "high",
    ]


def test_risk_movement_hand_worked():
    risks = [
        risk("R1", 4, 4, prev=(3, 4)),  # 16 from 12: up 4
        risk("R2", 2, 5, prev=(3, 5)),  # 10 from 15: down 5
        risk("R3", 3, 3, prev=(3, 3)),  # 9 from 9: no change
        risk("R4", 3, 3),  # new
    ]
    got = reg.risk_movement(risks)
    expected = pd.DataFrame(
        {
            "id": ["R1", "R2", "R3", "R4"],
            "title": ["Risk R1", "Risk R2", "Risk R3", "Risk R4"],
            "owner": ["CFO"] * 4,
            "likelihood": [4, 2, 3, 3],
            "impact": [4, 5, 3, 3],
            "score": [16, 10, 9, 9],
            "level": ["high", "medium", "medium", "medium"],
            "previous_score": pd.array([12, 15, 9, None], dtype="Int64"),
            "change": [4, -5, 0, 0],
            "movement": ["up 4", "down 5", "no change", "new"],
            "session": ["open"] * 4,
        }
    )
    assert_frame_equal(got, expected)


def test_heat_map_counts_cells():
    risks = [risk("A", 3, 3), risk("B", 3, 3), risk("C", 4, 5)]
    got = reg.heat_map_counts(risks)
    assert got[["likelihood", "impact", "score", "level", "risks", "ids"]].values.tolist() == [
        [4, 5, 20, "high", 1, "C"],
        [3, 3, 9, "medium", 2, "A, B"],
    ]


# --------------------------------------------------------------------------- changes


def test_changes_since_the_last_board():
    before = Registers(
        hmicfrs=[rec("H1", date(2023, 1, 1)), rec("H2", date(2022, 9, 1), status="complete")],
        risks=[risk("R1", 3, 4), risk("R2", 2, 2)],
        projects=[project("P1", rag="green", forecast=1.0)],
        delivery=[activity("D1", date(2023, 1, 1)), activity("D9", date(2023, 1, 1))],
    )
    after = Registers(
        hmicfrs=[rec("H1", date(2023, 1, 1), status="in progress"), rec("H3", date(2023, 6, 1))],
        risks=[risk("R1", 4, 4, prev=(3, 4)), risk("R2", 2, 2, prev=(2, 2))],
        projects=[project("P1", rag="amber", forecast=1.2)],
        delivery=[activity("D1", date(2023, 1, 1), status="complete")],
    )
    got = reg.changes(after, before)
    assert got[["register", "id", "change"]].values.tolist() == [
        ["hmicfrs", "H1", "status open to in progress"],
        ["hmicfrs", "H3", "new since the last board"],
        ["risks", "R1", "score 12 to 16"],  # R2 unchanged: left out
        ["projects", "P1", "RAG status green to amber; forecast cost £1.00m to £1.20m"],
        ["delivery", "D1", "status in progress to complete"],
        ["delivery", "D9", "no longer on the register"],  # H2 was done: its going is expected
    ]
    assert list(reg.changes(after, None)["change"].unique()) == ["new since the last board"]


# --------------------------------------------------------------------------- session


def test_select_open_drops_every_closed_entry():
    regs = Registers(
        illustrative=True,
        hmicfrs=[rec("H1", MEETING), rec("H2", MEETING, session="closed")],
        risks=[risk("R1", 1, 1, session="closed")],
        delivery=[activity("D1", MEETING, session="closed"), activity("D2", MEETING)],
    )
    public = reg.select(regs, "open")
    assert [i for _, e in public.entries() for i in [e.id]] == ["H1", "D2"]
    assert public.illustrative
    assert sum(1 for _ in reg.select(regs, "all").entries()) == 5
    with pytest.raises(ValueError, match="session"):
        reg.select(regs, "closed")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- carry forward


def test_carry_forward_keeps_not_done_and_sets_previous_scores():
    regs = Registers(
        illustrative=True,
        hmicfrs=[rec("H1", MEETING), rec("H2", MEETING, status="complete")],
        risks=[risk("R1", 4, 3, prev=(2, 2)), risk("R2", 1, 1, status="closed")],
        collaborations=[collab("C1", 6.1), collab("C2", 1.0, status="ended")],
        projects=[project("P1"), project("P2", stage="closed")],
        delivery=[activity("D1", MEETING), activity("D2", MEETING, status="complete")],
    )
    out = reg.carry_forward(regs)
    assert [e.id for _, e in out.entries()] == ["H1", "R1", "C1", "P1", "D1"]
    assert out.risks[0].previous == RiskScore(likelihood=4, impact=3)
    assert out.risks[0].score == 12
    assert out.hmicfrs[0] == regs.hmicfrs[0]  # unchanged otherwise
    assert out.illustrative
    assert regs.risks[0].previous == RiskScore(likelihood=2, impact=2)  # input untouched


def test_new_cycle_carries_the_registers_forward(tmp_path):
    d = tmp_path / "cycles"
    d.mkdir()
    src = d / "2022-11.yaml"
    src.write_text((PARAMS_DIR / "cycles" / "2022-11.yaml").read_text(encoding="utf-8"))
    text = new_cycle(src, "2023-01")
    new = Cycle.model_validate(yaml.safe_load(text))
    old = load_cycle(src)
    # Done in November: D-03 and D-07 (complete). Everything else moves on.
    assert {a.id for a in new.registers.delivery} == {a.id for a in old.registers.delivery} - {
        "D-03",
        "D-07",
    }
    assert [h.id for h in new.registers.hmicfrs] == [h.id for h in old.registers.hmicfrs]
    # R-02 was 4 x 5 = 20 in November: that is its previous score in January.
    r2 = next(r for r in new.registers.risks if r.id == "R-02")
    assert (r2.previous.likelihood, r2.previous.impact) == (4, 5)
    assert new.registers.illustrative
    assert "registers: 21 entries not yet done carried forward (2 done entries" in text


def test_november_is_september_carried_forward_with_updates():
    sept = load_cycle(PARAMS_DIR / "cycles" / "2022-09.yaml")
    nov = load_cycle(PARAMS_DIR / "cycles" / "2022-11.yaml")
    carried = reg.carry_forward(sept.registers)
    # Every entry not done in September is in November (none silently dropped) ...
    for key in reg.REGISTER_NAMES:
        assert {e.id for e in getattr(carried, key)} <= {e.id for e in getattr(nov.registers, key)}
    # ... and November's previous risk scores are September's scores.
    sept_scores = {r.id: (r.likelihood, r.impact) for r in sept.registers.risks}
    for r in nov.registers.risks:
        if r.id in sept_scores:
            assert (r.previous.likelihood, r.previous.impact) == sept_scores[r.id]
        else:
            assert r.previous is None
    # The seed's collaborations: about GBP 9.5m a year (6.1 + 2.0 + 1.0 + 0.4).
    assert sum(c.annual_cost for c in nov.registers.collaborations) == pytest.approx(9.5)
    assert nov.registers.illustrative and sept.registers.illustrative


# --------------------------------------------------------------------------- validation


GOOD = {
    "cycle": "2022-11",
    "title": "Board",
    "meeting_date": "2022-11-23",
    "data_to": "2022-10",
}


def write(tmp_path, registers, **extra):
    p = tmp_path / "2022-11.yaml"
    p.write_text(yaml.safe_dump({**GOOD, **extra, "registers": registers}), encoding="utf-8")
    return p


RISK = {
    "id": "R-01",
    "title": "Funding gap",
    "owner": "CFO",
    "likelihood": 4,
    "impact": 4,
    "controls": "Savings.",
    "review_due": "2023-01-18",
}


def problems(tmp_path, registers, **extra):
    with pytest.raises(CycleError) as exc:
        load_cycle(write(tmp_path, registers, **extra))
    return [str(e) for e in exc.value.errors]


def test_a_valid_register_loads(tmp_path):
    c = load_cycle(write(tmp_path, {"risks": [RISK], "hmicfrs": None}))
    assert c.registers.risks[0].score == 16 and c.registers.hmicfrs == []
    assert load_cycle(write(tmp_path, None)).registers == Registers()


def test_out_of_scale_risk_names_file_entry_and_key(tmp_path):
    errs = problems(tmp_path, {"risks": [RISK, {**RISK, "id": "R-02", "impact": 6}]})
    assert len(errs) == 1
    assert "2022-11.yaml" in errs[0]
    assert "registers.risks[1] (id 'R-02').impact" in errs[0]
    assert "less than or equal to 5" in errs[0]


def test_misspelt_key_is_named_with_a_suggestion(tmp_path):
    bad = {**RISK}
    bad["likelyhood"] = bad.pop("likelihood")
    errs = problems(tmp_path, {"risks": [bad]})
    assert any(
        "registers.risks[0] (id 'R-01').likelyhood: unknown key 'likelyhood'; did you mean "
        "'likelihood'?" in e
        for e in errs
    ), errs
    assert any(
        "registers.risks[0] (id 'R-01').likelihood: required key is missing" in e for e in errs
    )


def test_unknown_register_and_bad_previous_are_named(tmp_path):
    errs = problems(tmp_path, {"riks": []})
    assert "registers.riks: unknown key 'riks'; did you mean 'risks'?" in errs[0]
    errs = problems(tmp_path, {"risks": [{**RISK, "previous": {"likelihood": 0, "impact": 3}}]})
    assert "registers.risks[0] (id 'R-01').previous.likelihood" in errs[0]


def test_bad_status_date_and_session_are_named(tmp_path):
    h = {
        "id": "H-01",
        "kind": "area for improvement",
        "report": "PEEL",
        "report_date": "2022-04-08",
        "text": "Improve.",
        "owner": "DCC",
        "due": "2022-02-30",
        "status": "done",
        "session": "private",
    }
    errs = problems(tmp_path, {"hmicfrs": [h]})
    joined = "\n".join(errs)
    assert "registers.hmicfrs[0] (id 'H-01').due" in joined and "2022-02-30" in joined
    assert "registers.hmicfrs[0] (id 'H-01').status" in joined
    assert "registers.hmicfrs[0] (id 'H-01').session" in joined
    assert len(errs) == 3


def test_negative_cost_and_empty_partners(tmp_path):
    c = {
        "id": "C-1",
        "title": "EMSOU",
        "partners": [],
        "annual_cost": -1,
        "benefits": "b",
        "owner": "o",
        "review_due": "2023-03-31",
        "status": "active",
    }
    errs = "\n".join(problems(tmp_path, {"collaborations": [c]}))
    assert "registers.collaborations[0] (id 'C-1').partners" in errs
    assert "registers.collaborations[0] (id 'C-1').annual_cost" in errs


def test_duplicate_ids_within_a_register(tmp_path):
    errs = problems(tmp_path, {"risks": [RISK, RISK]})
    assert errs == [f"{tmp_path / '2022-11.yaml'}: registers.risks[1] (id 'R-01').id: used twice"]


def test_delivery_themes_and_kpis_are_checked_against_the_plan_and_registry(tmp_path):
    a = {
        "id": "D-01",
        "ambition": "a",
        "theme": "vawgg",
        "activity": "x",
        "owner": "o",
        "milestone": "2023-01-31",
        "status": "in progress",
        "kpis": ["rape", "rapes"],
    }
    path = write(tmp_path, {"delivery": [a]})
    cycle = load_cycle(path)
    errs = register_problems(
        path, cycle, registry=lambda: {"rape": 1, "burglary": 2}, plan_themes=lambda: ["vawg"]
    )
    assert [str(e) for e in errs] == [
        f"{path}: registers.delivery[0] (id 'D-01').theme: 'vawgg' is not a theme of "
        "params/plan.yaml; did you mean 'vawg'? (expected one of: vawg)",
        f"{path}: registers.delivery[0] (id 'D-01').kpis[1]: KPI 'rapes' is not in the KPI "
        "registry (params/kpis.yaml); did you mean 'rape'?",
    ]
    assert all(isinstance(e, ParamsError) for e in errs)


def test_shipped_registers_reference_real_themes_and_kpis():
    for c in ("2022-09", "2022-11"):
        path = PARAMS_DIR / "cycles" / f"{c}.yaml"
        assert register_problems(path, load_cycle(path)) == []


def test_previous_risk_score_must_be_the_last_boards(tmp_path):
    sept = Registers(risks=[risk("R1", 3, 4), risk("R2", 2, 2), risk("R3", 1, 1)])
    nov = Registers(
        risks=[
            risk("R1", 4, 4, prev=(3, 4)),  # right
            risk("R2", 2, 3, prev=(3, 2)),  # wrong way round
            risk("R3", 1, 1),  # was there, previous missing
            risk("R4", 2, 2),  # new: anything goes
        ]
    )
    errs = [
        str(e) for e in reg.previous_problems(nov, sept, file="c.yaml", previous_cycle="2022-09")
    ]
    assert errs == [
        "c.yaml: registers.risks[1] (id 'R2').previous: likelihood 3 x impact 2 is not the "
        "2022-09 register's likelihood 2 x impact 2",
        "c.yaml: registers.risks[2] (id 'R3').previous: missing; the risk was on the 2022-09 "
        "register (likelihood 1 x impact 1), so movement needs that score",
    ]


def test_runner_checks_previous_scores_against_the_earlier_cycle_file(tmp_path):
    r = {**RISK, "previous": {"likelihood": 3, "impact": 4}}
    (tmp_path / "2022-09.yaml").write_text(
        yaml.safe_dump(
            {
                **GOOD,
                "cycle": "2022-09",
                "meeting_date": "2022-09-21",
                "data_to": "2022-08",
                "registers": {"risks": [{**RISK, "likelihood": 2}]},
            }
        ),
        encoding="utf-8",
    )
    path = write(tmp_path, {"risks": [r]})
    errs = register_problems(path, load_cycle(path))
    assert [str(e) for e in errs] == [
        f"{path}: registers.risks[0] (id 'R-01').previous: likelihood 3 x impact 4 is not the "
        "2022-09 register's likelihood 2 x impact 4"
    ]
