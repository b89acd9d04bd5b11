"""Human review of proctored sittings: the integrity report (proctor events, browser events and
the tutor's refusals in one time line), evidence for reviewers, the review queue, versioned
decisions, the learner's appeal and the second review."""
