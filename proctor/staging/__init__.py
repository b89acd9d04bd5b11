"""Staged webcam pictures and videos made from real portraits that ship in packages
(scikit-image's astronaut, matplotlib's Grace Hopper): the cases the proctor must tell apart,
with known answers. The proctor's tests and its eval suite (``evals/suites/proctor``) check the
proctor on them; nothing in a proctoring session imports this package, and it needs
scikit-image and matplotlib, which a serving-only install may leave out.
"""
