"""backcheck: lower back pain after lifting, screened for red flags first, then explained."""

__version__ = "0.1.0"
