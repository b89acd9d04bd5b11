"""What the model suite reports. ``solution_nll`` is the gate's target: a fine-tune on worked
solutions should make held-out ones likelier; multiple-choice accuracy guards against a model that
got fluent and lost what little it knew."""

from evals.suite import Metric, Thresholds

THRESHOLDS = Thresholds(
    target="solution_nll",
    metrics=(
        Metric(
            "solution_nll",
            "Mean negative log-likelihood per token of held-out worked solutions (nats).",
            better="lower",
            tolerance=0.05,
        ),
        Metric(
            "choice_accuracy",
            "The likeliest option letter is the keyed one.",
            tolerance=0.03,
        ),
    ),
)
