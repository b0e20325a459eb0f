"""Plumbing shared by the vendor emulators (kie, APIXO, Evolink, Kunavo).

Each emulator keeps only its dialect (routes, body shapes, timeline, outcomes,
signing); serving, fault injection, auth, media and callback delivery live here.
"""
