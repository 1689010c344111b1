"""Record linkage: one person across agencies.

The engine here is pure computation on pandas frames (prepare, model, engine,
scorer); `frames` is the one bridge from the database. Django models, services and
commands that use it live beside it in this app.
"""
