"""``mlp.check``: every question's answer is proved in two equivalent forms, every anticipated
mistake is diagnosed as itself, and conventions at a kink, undefined formulas, unread formulas
and the time limit give the verdicts they should."""

from __future__ import annotations

import time

import pytest
import sympy as sp

from mlp.check import QUESTIONS, STATUS, FormulaError, check, question, question_ids

ANSWERS = [(q.id, form, text) for q in QUESTIONS for form, text in
           (("answer", q.answer), ("equivalent", q.equivalent))]  # fmt: skip
MISTAKES = [(q.id, m.key, m.formula) for q in QUESTIONS for m in q.mistakes]


def test_the_ids_run_from_a1_to_b18_one_per_quantity() -> None:
    ids = question_ids()
    assert [i for i in ids if i.startswith("A")] == [f"A{n}" for n in range(1, 10)]
    chapters = {i.split(".")[0] for i in ids if i.startswith("B")}
    assert chapters == {f"B{n}" for n in range(1, 19)}
    for expected in ("B9.W2", "B9.b2", "B10.W2", "B15.W1", "B15.b1", "B16.W1", "B17", "B18.W1"):
        assert expected in ids
    assert len(ids) == len(set(ids))
    assert question("b15.w1").id == "B15.W1"


def test_every_question_anticipates_enough_mistakes_and_its_example_is_not_its_answer() -> None:
    for q in QUESTIONS:
        wanted = 2 if q.id.startswith("B") and int(q.id[1:].split(".")[0]) >= 7 else 1
        assert len(q.mistakes) >= wanted, q.id
        assert q.example not in (q.answer, q.equivalent), q.id
        assert len({m.key for m in q.mistakes}) == len(q.mistakes), q.id


def test_the_syntax_example_of_every_question_reads_and_is_not_proved() -> None:
    for q in QUESTIONS:
        assert check(q.id, q.example).verdict != "proved", q.id


@pytest.mark.parametrize(("qid", "form", "text"), ANSWERS, ids=[f"{a}-{b}" for a, b, _ in ANSWERS])
def test_the_books_answer_is_proved_for_every_size_in_two_forms(qid, form, text) -> None:
    result = check(qid, text)
    assert result.verdict == "proved", str(result)
    assert result.status == 0 and result.route and result.scope


@pytest.mark.parametrize(("qid", "key", "text"), MISTAKES, ids=[f"{a}-{b}" for a, b, _ in MISTAKES])
def test_every_anticipated_mistake_is_wrong_and_diagnosed_as_itself(qid, key, text) -> None:
    result = check(qid, text)
    assert result.verdict == "wrong", str(result)
    assert result.mistake == key, str(result)
    assert result.diagnosis[0] == question(qid).mistake(key).says
    assert result.status == 1


def test_a_wrong_answer_shows_the_entries_that_differ_and_by_how_much() -> None:
    result = check("B15.W1", "grad_hs[j] * x[i]")
    example = result.counterexample
    assert example is not None and 0 < example.differ < example.total
    assert "d = " in example.where and "d_h = " in example.where and "inactive" in example.hidden
    for entry in example.differing:
        assert entry.expected != entry.yours and "j = " in entry.index
    text = str(result)
    assert "WRONG" in text and "counterexample" in text and "h^a_j < 0" in text


def test_the_issues_four_commands_give_the_verdicts_asked_for() -> None:
    assert check("B15.W1", "grad_ha[j] * x[i]").verdict == "proved"
    missing = check("B15.W1", "grad_hs[j] * x[i]")
    assert missing.verdict == "wrong" and "rectifier's derivative is missing" in str(missing)
    swapped = check("B9.W2", "grad_oa[j] * hs[k]")
    assert swapped.verdict == "wrong" and "index range" in swapped.mistakes
    with pytest.raises(FormulaError, match="not a function this question allows"):
        check("B9.W2", "__import__('os')")


def test_generic_diagnoses_name_a_sign_a_factor_k_and_the_mask() -> None:
    assert check("B9.b2", "-grad_oa[k]").mistake == "sign flipped"
    assert check("B16.b1", "K * Sum(G_ha[t, j], (t, 1, K))").mistake == "factor K"
    mask = check("B16.b1", "Sum(G_hs[t, j], (t, 1, K))")  # not in B16.b1's catalogue
    assert mask.mistake == "rectifier" and "inactive" in str(mask)
    unknown = check("B11", "Sum(grad_oa[k] * W2[k, j], (k, 1, m)) + W2[1, j]")
    assert unknown.verdict == "wrong" and unknown.mistake in ("unknown", "index range")


def test_a_step_with_another_value_at_zero_is_a_convention_not_a_proof() -> None:
    for text in ("grad_hs[j] * Heaviside(ha[j])", "grad_hs[j] * indicator(ha[j] >= 0)"):
        result = check("B13", text)
        assert result.verdict == "convention" and result.status == 1, str(result)
        assert "ha[j] = 0" in str(result) and "rect'(0) = 0" in str(result)
    assert check("A7", "Heaviside(x)").verdict == "convention"
    assert check("A6", "indicator(x > 0) - indicator(x <= 0)").verdict == "convention"


def test_a_formula_undefined_at_a_kink_is_wrong_with_the_l1_subgradient_named() -> None:
    answer = "Sum(G_ha[t, j] * X[t, i], (t, 1, K)) + lambda11 * W1[j, i] / Abs(W1[j, i])"
    result = check("B18.W1", answer + " + 2 * lambda12 * W1[j, i]")
    assert result.verdict == "wrong" and result.mistake == "undefined at a kink"
    assert "sign(0) = 0" in str(result)
    assert check("A9", "x[k] / Abs(x[k])").mistake == "undefined at a kink"
    assert check("A6", "x / Abs(x)").mistake == "undefined at a kink"


def test_equivalent_spellings_of_steps_and_sums_are_accepted() -> None:
    for text in (
        "grad_hs[j] * rect_prime(ha[j])",
        "grad_hs[j] * Heaviside(ha[j], 0)**2",  # the mask applied twice is the mask
        "grad_hs[j] * (1 - Heaviside(-ha[j], 1))",
    ):
        assert check("B13", text).verdict == "proved", text
    assert check("A9", "Heaviside(x[k]) - Heaviside(-x[k])").verdict == "proved"
    assert check("B11", "Sum(W2[c, j] * grad_oa[c], (c, 1, m))").verdict == "proved"


def test_indices_counted_from_zero_and_unsummed_indices_are_named() -> None:
    zero = check("B11", "Sum(grad_oa[k] * W2[k, j], (k, 0, m - 1))")
    assert zero.verdict == "wrong" and "zero-based" in zero.mistakes
    free = check("B10.W2", "G_oa[t, k] * HS[t, j]")
    assert free.verdict == "wrong" and "free index" in free.mistakes
    assert "Sum(..., (t, 1, K))" in str(free)


def test_a_sympy_expression_is_an_answer_too() -> None:
    setting = question("B7").setting()
    os_, onehot = setting.notation.arrays["os"], setting.notation.arrays["onehot"]
    k = setting.notation.indices["k"]
    assert check("B7", os_[k] - onehot[k]).verdict == "proved"
    assert check("B7", onehot[k] - os_[k]).mistake == "sign flipped"
    with pytest.raises(TypeError, match="an answer is a formula as text"):
        check("B7", 3)


def test_an_unknown_question_is_refused_with_the_known_ids() -> None:
    with pytest.raises(ValueError, match=r"unknown question 'B15'.*did you mean B15.W1 or B15.b1"):
        check("B15", "grad_ha[j]")
    with pytest.raises(ValueError, match="time_limit must be a positive"):
        check("B7", "os[k]", time_limit=0)


def test_the_time_limit_ends_a_check_as_undecided_not_wrong() -> None:
    answer = question("B18.W1").answer + " + 0 * W1[j, i]"  # not remembered from another test
    start = time.perf_counter()
    result = check("B18.W1", answer, time_limit=0.05)
    assert time.perf_counter() - start < 10
    assert result.verdict == "undecided" and result.status == 3
    assert "could not decide in 0.05 s" in str(result)
    assert check("A2", "-softplus(-x)", time_limit=30).verdict == "proved"  # alarm disarmed


def test_results_are_not_truth_values_and_statuses_follow_the_verdicts() -> None:
    result = check("B7", "os[k] - onehot[k]")
    with pytest.raises(TypeError, match="not a truth value"):
        bool(result)
    assert STATUS == {"proved": 0, "agrees": 0, "wrong": 1, "convention": 1, "undecided": 3}


def test_the_b5_count_is_checked_against_the_shapes() -> None:
    wrong = check("B5", "d*d_h + m*d_h")
    assert wrong.verdict == "wrong" and wrong.mistake == "biases not counted"
    assert "d = 784" in str(wrong)
    assert check("B5", "(d + 1)*d_h + (d_h + 1)*m").verdict == "proved"
    assert sp.sympify(check("B5", "d_h*(d+1) + m*(d_h+1)").proof.rhs) is not None


def test_the_provers_wrong_formulas_are_in_the_checkers_catalogue() -> None:
    from mlp.symbolic import WRONG_FORMULAS

    counterparts = {
        "B7 sign flipped": ("B7", "sign flipped"),
        "B8 1/K applied twice": ("B8", "1/K twice"),
        "B12 W2 in place of W2^T": ("B12", "W2 not transposed"),
        "B13 rect' mask dropped": ("B13", "rect' missing"),
        "B18 bias penalised": ("B18.b1", "bias penalised"),
        "B18 penalty added per example": ("B18.W1", "penalty per example"),
    }
    assert set(counterparts) == set(WRONG_FORMULAS)
    for qid, key in counterparts.values():
        question(qid).mistake(key)  # raises KeyError if absent


def test_b6_speaks_of_n_examples_and_theta() -> None:
    wrong = check("B6", "Sum(grad_L[i], (i, 1, n))")
    assert "n = " in wrong.counterexample.where and "K = " not in wrong.counterexample.where
    assert all(e.index.startswith("theta = b2[k]") for e in wrong.counterexample.differing)
    assert "number of examples n" in str(check("B6", "Sum(grad_L[i], (i, 1, n)) / n"))
