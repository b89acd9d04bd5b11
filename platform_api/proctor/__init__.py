"""The platform's side of the proctor: for now the operator's CLI; sittings and review later."""
