"""What the tutor suite reports; thresholds are floors a served tutor must keep. The tutor's
multiple-choice answers come from the evidence scorer (the bundled 135M model alone answers near
chance), so its accuracy is reported next to the scorer's pick and the model alone's."""

from evals.suite import Metric, Thresholds
from evals.suites.tutor.judge import DIMENSIONS

THRESHOLDS = Thresholds(
    target="tutor_choice_accuracy",
    metrics=(
        Metric(
            "tutor_choice_accuracy",
            "The tutor's explanation names the keyed option and no other.",
            tolerance=0.05,
        ),
        Metric(
            "evidence_choice_accuracy",
            "The evidence scorer ranks the keyed option first (what the tutor states).",
            tolerance=0.05,
        ),
        Metric(
            "llm_alone_choice_accuracy",
            "The model alone finds the keyed option's letter likeliest (no retrieval).",
            tolerance=0.05,
        ),
        Metric(
            "citation_validity",
            "Citation markers and cited lessons that point at retrieved passages.",
            threshold=0.95,
            tolerance=0.02,
        ),
        Metric(
            "reveals_answer",
            "Socratic replies to a wrong attempt that give the keyed option away.",
            better="lower",
            threshold=0.2,
            tolerance=0.05,
        ),
        Metric(
            "rule_mistake_identification",
            "Socratic replies that call the wrong attempt wrong (a phrase rule).",
            tolerance=0.1,
        ),
        *(
            Metric(
                f"judge_{name}", f"The judge's verdict on {name.replace('_', ' ')}.", tolerance=0.1
            )
            for name in DIMENSIONS
        ),
        Metric(
            "not_covered",
            "Off-syllabus questions answered with 'not covered' instead of a guess.",
            threshold=0.8,
            tolerance=0.05,
        ),
    ),
)
