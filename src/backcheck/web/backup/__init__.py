"""The backup domain of the web app."""
