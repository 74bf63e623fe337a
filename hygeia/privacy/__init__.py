"""Privacy monitoring of access to patient records (insider threat)."""
