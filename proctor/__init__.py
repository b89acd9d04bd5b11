"""The proctor: webcam frames in, signals from analysers, a timeline of events with evidence out.

No web framework and no SQL here: the platform owns sittings, review and storage, and reaches
the proctor through one client. A proctor flags; a person judges.
"""
