"""The security program: frameworks and assessments against them, the risk register with loss
quantification, the budget, workforce education, policies and the board report."""
