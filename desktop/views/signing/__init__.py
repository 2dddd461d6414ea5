"""Electronic signature views (issue 13): the settings section."""
