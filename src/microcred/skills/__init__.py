"""Skills intelligence, pure: taxonomies, role profiles, gaps, career paths, ranking, matching.

- Taxonomies: ``taxonomy`` (the tables), ``taxonomy_loader`` (shipped and stored bundles),
  ``taxonomy_import`` (ESCO, O*NET, ``write_bundle``), ``taxonomy_custom``, ``taxonomy_csv``.
- Matching text to skills: ``text`` (the analyser), ``concept_index``, ``index_store``,
  ``skill_matching``.
- People and roles: ``skills_profile``, ``roles``, ``index`` (``TalentIndex``), ``search``
  (candidate ranking), ``gaps``.
- Career paths: ``catalogue``, ``paths``, ``path_problem``, ``path_search``.
"""
