"""The reference Django project that integrates the gk-portal add-on apps."""
