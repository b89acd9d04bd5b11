"""Identity: registration, login, tokens, OIDC sign-in, roles and parental consent."""
