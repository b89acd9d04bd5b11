"""LTI 1.3: the platform as a tool in a school's LMS (launches, deep linking, grades, rosters)."""
