from datetime import date, timedelta

import pytest

from itc.rules.config import EligibilityCriteria
from itc.rules.eligibility import LabValue, ScreeningFacts, evaluate_eligibility

TODAY = date(2025, 3, 1)
CRITERIA = EligibilityCriteria()
ALT_ULN = 40.0
AST_ULN = 40.0


def lab(value: float, days_old: int = 0, uln: float | None = None) -> LabValue:
    return LabValue(value=value, collected_on=TODAY - timedelta(days=days_old), upper_limit_normal=uln)


def eligible_facts(**changes) -> ScreeningFacts:
    base = dict(
        sex="female",
        age_years=45,
        advanced_breast_cancer=True,
        progressed_on_chemo_or_radiotherapy=True,
        metastasis_count=1,
        metastasis_site="liver",
        metastasis_measurable=True,
        active_uncontrolled_infection=False,
        other_unrelated_cancer=False,
        assessed_on=TODAY,
        creatinine_mg_dl=lab(0.9),
        spo2_percent=lab(98),
        alt_u_l=lab(30),
        ast_u_l=lab(30),
    )
    base.update(changes)
    return ScreeningFacts(**base)


def evaluate(facts: ScreeningFacts, criteria: EligibilityCriteria = CRITERIA):
    return evaluate_eligibility(facts, TODAY, criteria, ALT_ULN, AST_ULN)


def codes(result) -> list[str]:
    return [f.code for f in result.failed]


def test_fully_eligible_participant():
    result = evaluate(eligible_facts())
    assert result.eligible is True
    assert result.failed == ()
    assert result.missing == ()
    assert result.complete is True


@pytest.mark.parametrize(
    ("age", "ok"), [(19, False), (20, True), (21, True), (45, True), (69, True), (70, True), (71, False)]
)
def test_age_boundaries(age, ok):
    result = evaluate(eligible_facts(age_years=age))
    assert result.eligible is ok
    assert codes(result) == ([] if ok else ["age"])
    if not ok:
        assert str(age) in result.failed[0].message
        assert "20-70" in result.failed[0].message


@pytest.mark.parametrize(("sex", "ok"), [("female", True), ("Female", True), ("male", False), ("other", False)])
def test_sex(sex, ok):
    result = evaluate(eligible_facts(sex=sex))
    assert result.eligible is ok
    assert codes(result) == ([] if ok else ["sex"])


@pytest.mark.parametrize(
    ("value", "ok"), [(0.5, True), (1.99, True), (2.0, True), (2.0000000000000004, True), (2.01, False), (3.5, False)]
)
def test_creatinine_boundary(value, ok):
    result = evaluate(eligible_facts(creatinine_mg_dl=lab(value)))
    assert result.eligible is ok
    assert codes(result) == ([] if ok else ["creatinine"])
    if not ok:
        message = result.failed[0].message
        assert f"{value:g} mg/dL" in message
        assert "2 mg/dL" in message


@pytest.mark.parametrize(
    ("value", "ok"), [(90, False), (95.9, False), (96, False), (96.1, True), (97, True), (100, True)]
)
def test_spo2_boundary(value, ok):
    result = evaluate(eligible_facts(spo2_percent=lab(value)))
    assert result.eligible is ok
    assert codes(result) == ([] if ok else ["spo2"])
    if not ok:
        assert f"SpO2 {value:g}%" in result.failed[0].message
        assert "96%" in result.failed[0].message


@pytest.mark.parametrize("field,code", [("alt_u_l", "alt"), ("ast_u_l", "ast")])
@pytest.mark.parametrize(
    ("value", "uln", "ok"),
    [
        (100.0, None, True),  # exactly 2.5 x default ULN 40
        (100.1, None, False),
        (99.9, None, True),
        (87.5, 35.0, True),  # exactly 2.5 x the lab's own ULN
        (87.6, 35.0, False),
        (100.0, 35.0, False),  # the lab's ULN wins over the default
        (120.0, 50.0, True),
        (125.0, 50.0, True),
        (125.1, 50.0, False),
    ],
)
def test_transaminase_boundary(field, code, value, uln, ok):
    result = evaluate(eligible_facts(**{field: lab(value, uln=uln)}))
    assert result.eligible is ok
    assert codes(result) == ([] if ok else [code])
    if not ok:
        limit = 2.5 * (uln if uln is not None else 40.0)
        message = result.failed[0].message
        assert f"{value:g} U/L" in message
        assert f"({limit:g} U/L" in message
        assert "2.5 x ULN" in message


def test_default_uln_arguments_are_used():
    facts = eligible_facts(alt_u_l=lab(60), ast_u_l=lab(60))
    result = evaluate_eligibility(facts, TODAY, CRITERIA, alt_default_uln=20.0, ast_default_uln=30.0)
    assert codes(result) == ["alt"]
    assert "(50 U/L with ULN 20 U/L)" in result.failed[0].message


@pytest.mark.parametrize(("count", "ok"), [(0, False), (1, True), (2, False), (3, False)])
def test_metastasis_count(count, ok):
    result = evaluate(eligible_facts(metastasis_count=count))
    assert result.eligible is ok
    assert codes(result) == ([] if ok else ["metastasis_count"])


@pytest.mark.parametrize(
    ("site", "ok"),
    [("lymph_node", True), ("lung", True), ("liver", True), ("bone", True), ("brain", False), ("skin", False)],
)
def test_metastasis_site(site, ok):
    result = evaluate(eligible_facts(metastasis_site=site))
    assert result.eligible is ok
    assert codes(result) == ([] if ok else ["metastasis_site"])
    if not ok:
        assert site in result.failed[0].message


def test_metastasis_site_comes_from_config():
    criteria = EligibilityCriteria(allowed_metastasis_sites=("brain",))
    assert codes(evaluate(eligible_facts(metastasis_site="brain"), criteria)) == []
    assert codes(evaluate(eligible_facts(metastasis_site="liver"), criteria)) == ["metastasis_site"]


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("advanced_breast_cancer", False, "advanced_breast_cancer"),
        ("progressed_on_chemo_or_radiotherapy", False, "progressed_on_prior_therapy"),
        ("metastasis_measurable", False, "metastasis_measurable"),
        ("active_uncontrolled_infection", True, "active_uncontrolled_infection"),
        ("other_unrelated_cancer", True, "other_unrelated_cancer"),
    ],
)
def test_each_boolean_criterion_fails(field, value, code):
    result = evaluate(eligible_facts(**{field: value}))
    assert result.eligible is False
    assert codes(result) == [code]
    assert result.missing == ()


def test_every_failed_criterion_is_listed():
    facts = eligible_facts(
        sex="male",
        age_years=75,
        advanced_breast_cancer=False,
        progressed_on_chemo_or_radiotherapy=False,
        metastasis_count=2,
        metastasis_site="brain",
        metastasis_measurable=False,
        active_uncontrolled_infection=True,
        other_unrelated_cancer=True,
        creatinine_mg_dl=lab(2.5),
        spo2_percent=lab(94),
        alt_u_l=lab(200),
        ast_u_l=lab(300),
    )
    result = evaluate(facts)
    assert result.eligible is False
    assert codes(result) == [
        "sex",
        "age",
        "advanced_breast_cancer",
        "progressed_on_prior_therapy",
        "metastasis_count",
        "metastasis_site",
        "metastasis_measurable",
        "active_uncontrolled_infection",
        "other_unrelated_cancer",
        "creatinine",
        "spo2",
        "alt",
        "ast",
    ]
    assert result.missing == ()


@pytest.mark.parametrize(
    ("field", "label"),
    [
        ("advanced_breast_cancer", "advanced breast cancer"),
        ("progressed_on_chemo_or_radiotherapy", "progression on chemotherapy or radiotherapy"),
        ("metastasis_count", "number of metastases"),
        ("metastasis_site", "metastasis site"),
        ("metastasis_measurable", "metastasis measurability"),
        ("active_uncontrolled_infection", "active uncontrolled infection"),
        ("other_unrelated_cancer", "other unrelated cancer"),
        ("creatinine_mg_dl", "serum creatinine"),
        ("spo2_percent", "SpO2"),
        ("alt_u_l", "ALT"),
        ("ast_u_l", "AST"),
    ],
)
def test_none_fact_is_missing(field, label):
    result = evaluate(eligible_facts(**{field: None}))
    assert result.eligible is False
    assert result.failed == ()
    assert result.missing == (f"{label}: not yet recorded",)
    assert result.complete is False


@pytest.mark.parametrize(("days_old", "stale"), [(0, False), (27, False), (28, False), (29, True), (60, True)])
def test_lab_age_window(days_old, stale):
    result = evaluate(eligible_facts(creatinine_mg_dl=lab(0.9, days_old=days_old)))
    assert result.eligible is (not stale)
    assert result.failed == ()
    if stale:
        (message,) = result.missing
        assert message.startswith("serum creatinine:")
        assert "older than 28 days" in message
        assert (TODAY - timedelta(days=days_old)).isoformat() in message
    else:
        assert result.missing == ()


def test_stale_failing_lab_is_not_judged():
    result = evaluate(eligible_facts(creatinine_mg_dl=lab(5.0, days_old=29)))
    assert result.failed == ()
    assert len(result.missing) == 1
    assert result.eligible is False


def test_window_comes_from_config():
    criteria = EligibilityCriteria(screening_result_max_age_days=7)
    assert evaluate(eligible_facts(spo2_percent=lab(98, days_old=7)), criteria).eligible is True
    result = evaluate(eligible_facts(spo2_percent=lab(98, days_old=8)), criteria)
    assert result.eligible is False
    assert "older than 7 days" in result.missing[0]


def test_future_dated_lab_is_missing():
    result = evaluate(eligible_facts(alt_u_l=lab(30, days_old=-1)))
    assert result.eligible is False
    assert result.failed == ()
    (message,) = result.missing
    assert message.startswith("ALT:")
    assert "after the evaluation date" in message


def test_definite_failure_reported_while_other_facts_missing():
    result = evaluate(eligible_facts(age_years=71, spo2_percent=None, ast_u_l=lab(30, days_old=40)))
    assert result.eligible is False
    assert codes(result) == ["age"]
    assert result.missing[0] == "SpO2: not yet recorded"
    assert result.missing[1].startswith("AST:") and "older than 28 days" in result.missing[1]
    assert len(result.missing) == 2


@pytest.mark.parametrize(("days_old", "stale"), [(28, False), (29, True), (-1, True)])
def test_stale_clinical_assessment_is_missing_not_judged(days_old, stale):
    facts = eligible_facts(assessed_on=TODAY - timedelta(days=days_old), active_uncontrolled_infection=True)
    result = evaluate(facts)
    assert result.eligible is False
    if stale:
        assert result.failed == ()
        (message,) = result.missing
        assert message.startswith("clinical assessment:")
    else:
        assert codes(result) == ["active_uncontrolled_infection"]
        assert result.missing == ()


def test_undated_clinical_assessment_is_judged():
    result = evaluate(eligible_facts(assessed_on=None))
    assert result.eligible is True


def test_thresholds_come_from_config():
    criteria = EligibilityCriteria(
        min_age_years=18, max_age_years=80, max_creatinine_mg_dl=1.5, min_spo2_percent_exclusive=92, max_alt_ast_x_uln=3
    )
    assert evaluate(eligible_facts(age_years=18), criteria).eligible is True
    assert evaluate(eligible_facts(age_years=80), criteria).eligible is True
    assert codes(evaluate(eligible_facts(creatinine_mg_dl=lab(1.6)), criteria)) == ["creatinine"]
    assert evaluate(eligible_facts(spo2_percent=lab(93)), criteria).eligible is True
    assert codes(evaluate(eligible_facts(spo2_percent=lab(92)), criteria)) == ["spo2"]
    assert evaluate(eligible_facts(alt_u_l=lab(120)), criteria).eligible is True
    assert codes(evaluate(eligible_facts(alt_u_l=lab(120.5)), criteria)) == ["alt"]
