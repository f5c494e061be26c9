"""crisisplay: a guided social-media crisis protocol with a tamper-evident incident log."""

__version__ = "0.1.0"
