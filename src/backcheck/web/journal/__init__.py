"""The journal domain of the web app."""
