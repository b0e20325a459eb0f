"""What the running bot observes about itself: Prometheus counters, providers' last refusals.

A foundation: the job service and the callback receiver record events here; the
admin's tools (``bot.ops``) read them. Imports nothing above ``bot.errors``.
"""
