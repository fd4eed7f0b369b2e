"""Open Badges 3.0 / VC 2.0 documents: build, prove, status lists, verify."""
