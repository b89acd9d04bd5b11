"""Configuration of mastery tracing and item calibration (``WC_MASTERY_*``)."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from platform_api.mastery.bkt import BktBounds, BktParameters


class MasterySettings(BaseSettings):
    """BKT defaults and fit budgets, the mastery threshold, and the item-calibration flags."""

    model_config = SettingsConfigDict(env_prefix="WC_MASTERY_", env_file=".env", extra="ignore")

    # Used for an objective until `wc mastery fit` has enough answers to fit its own; these are
    # the textbook starting values of BKT (Corbett & Anderson 1995 ranges).
    default_prior: float = Field(0.25, ge=0.001, le=0.999, description="P(known) at the start.")
    default_learn: float = Field(0.1, ge=0.001, le=0.999, description="P(learn) per answer.")
    default_guess: float = Field(0.2, ge=0.001, le=0.5, description="P(correct | not known).")
    default_slip: float = Field(0.1, ge=0.001, le=0.5, description="P(wrong | known).")
    max_guess: float = Field(
        0.3, gt=0.0, lt=0.5, description="Cap on a fitted guess (keeps the states' labels)."
    )
    max_slip: float = Field(
        0.3, gt=0.0, lt=0.5, description="Cap on a fitted slip (keeps the states' labels)."
    )
    fit_min_learners: int = Field(20, ge=1, description="Learners an objective needs to be fit.")
    fit_min_answers: int = Field(100, ge=1, description="Graded answers an objective needs.")
    fit_max_iterations: int = Field(200, ge=1, le=10_000)
    fit_tolerance: float = Field(
        1e-7, ge=0.0, description="EM stops when the log-likelihood per answer gains less."
    )
    mastered_at: float = Field(
        0.95, gt=0.0, lt=1.0, description="P(known) from which an objective counts as mastered."
    )

    too_easy_above: float = Field(0.95, gt=0.0, le=1.0, description="Share correct: too easy.")
    too_hard_below: float = Field(0.25, ge=0.0, lt=1.0, description="Share correct: too hard.")
    negative_discrimination_below: float = Field(
        0.0, ge=-1.0, le=1.0, description="Point-biserial below which an item is flagged."
    )
    negative_discrimination_z: float = Field(
        1.96, ge=0.0, description="How many standard errors below it (noise must not flag)."
    )
    calibration_min_responses: int = Field(
        30, ge=2, description="Graded responses an item needs before it is flagged."
    )
    irt_min_responses: int = Field(
        200, ge=2, description="Responses per item for a 2PL IRT fit (girth)."
    )
    irt_min_learners: int = Field(50, ge=2, description="Learners an objective needs for 2PL IRT.")

    @property
    def defaults(self) -> BktParameters:
        return BktParameters(
            prior=self.default_prior,
            learn=self.default_learn,
            guess=self.default_guess,
            slip=self.default_slip,
        )

    @property
    def bounds(self) -> BktBounds:
        return BktBounds(max_guess=self.max_guess, max_slip=self.max_slip)
