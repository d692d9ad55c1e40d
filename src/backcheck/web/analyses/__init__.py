"""The analyses domain of the web app."""
