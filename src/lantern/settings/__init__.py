"""Settings for Lantern.

`base` holds everything; `production` (the default for `lantern serve`), `demo`
and `test` change only what they must. Configuration comes from the environment;
see the README's configuration table.
"""
