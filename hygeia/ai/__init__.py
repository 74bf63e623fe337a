"""AI governance: the inventory of AI tools and uses, intake and review, risk tiering and
documentation (HTI-1 source attributes, CHAI model cards, the governance checklist)."""
