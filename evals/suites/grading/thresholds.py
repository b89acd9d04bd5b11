"""What the grading suite reports, and what counts as passing.

Measured with the bundled 135M model (80 held-out exercises, seed 0, 160 answers): agreement 0.43
[0.36, 0.51], false accepts 0/80, false rejects 0/80, review 0.57. Its rubric judgement is "no"
for every answer (``llm_agreement`` 0.50: chance), so each worked or perturbed solution, whose
similarity to the model answer is full, goes to a teacher, and each other exercise's solution is
rejected: the agreement is the rejected unrelated answers. The floors keep that behaviour (a
grader that never stands on a wrong grade); a model whose judgement follows the answers raises
``agreement`` and ``llm_agreement`` and lowers ``review_rate``.
"""

from evals.suite import Metric, Thresholds

THRESHOLDS = Thresholds(
    target="agreement",
    metrics=(
        Metric(
            "agreement",
            "Answers whose grade stands (confident) and matches their known correctness.",
            threshold=0.35,
            tolerance=0.05,
        ),
        Metric(
            "llm_agreement",
            "Answers the model's rubric judgement alone gets right (half the points or more).",
            tolerance=0.05,
        ),
        Metric(
            "false_accept_rate",
            "Incorrect answers (perturbed, or another exercise's solution) accepted confidently.",
            better="lower",
            threshold=0.05,
            tolerance=0.03,
        ),
        Metric(
            "false_reject_rate",
            "Worked solutions rejected with confidence.",
            better="lower",
            threshold=0.05,
            tolerance=0.03,
        ),
        Metric(
            "review_rate",
            "Grades below the confidence threshold: a teacher decides.",
            better="lower",
            tolerance=0.05,
        ),
    ),
)
