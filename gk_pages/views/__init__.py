"""Admin views of the disclosure pages app."""
