"""Third-party risk management: vendors, BAAs, questionnaires through a vendor portal,
findings and risk acceptance, assurance evidence, and medical-device SBOMs against known
exploited vulnerabilities."""
