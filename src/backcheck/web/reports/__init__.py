"""The reports domain of the web app."""
