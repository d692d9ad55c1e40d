"""The interview domain of the web app."""
