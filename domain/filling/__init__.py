"""Forms in progress: a person's open form session, stored with every answer, run by the pure
engine in ``domain.forms``; what finishing a form does is each purpose's own."""
