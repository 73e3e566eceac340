"""HTTP routes of the shell: health, and (as they come) discovery, actors and pages."""
