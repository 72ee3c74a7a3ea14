"""Operations tooling: Lambda packaging, the Terraform wrapper, deploys and smoke checks.

Every module here is runnable as `python -m ops.<name>` and is what the nox sessions (and
so the GitHub workflows) call, so a laptop and CI run exactly the same steps.
"""
