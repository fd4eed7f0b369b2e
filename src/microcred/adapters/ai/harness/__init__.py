"""Programs copied into the code sandbox (standard library only): the learner's process
(``mc_agent``), the harness's view of it (``mc_remote``) and the link between them (``mc_wire``).
Inside the sandbox they import each other as top-level modules."""
