"""Proctored exams: enrolment photos, consent, proctoring sessions on the proctor deployment,
the answer gate and exemptions."""
