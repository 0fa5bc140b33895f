"""Demo tracker content for seed_demo: actions in every status, a Section 11 cycle."""


def seed_tracker(today, users):
    """Filled in by the tracker: actions, updates, assurance and Section 11 for the demo."""
    return None
