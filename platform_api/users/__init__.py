"""User profiles, avatars, GDPR export and erasure."""
