"""The optional statistical conduct model: featurizer, scorer and trainer (docs/conduct-model.md).

Scoring is pure Python and reads `conduct_model.json.gz`, shipped beside this file; training
(`python -m auditor.models.train`) needs the `model-train` extra (scikit-learn).
"""
