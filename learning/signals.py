"""Signal receivers of the learning app."""
