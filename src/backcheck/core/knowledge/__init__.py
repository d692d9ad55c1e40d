"""The knowledge base: YAML files a physiotherapist can review, and their schema and loader."""
