"""Proctored exams: enrolment photos, consent, proctoring sessions on the proctor deployment,
the answer gate and exemptions; and the operator's CLI (``wc proctor analyse``)."""
