"""What a learner's proctoring records are, and how long they are kept: the GDPR export, the
erasure of biometric objects, and the purge of evidence after review."""
