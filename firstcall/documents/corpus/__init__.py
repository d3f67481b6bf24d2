"""A synthetic, labelled corpus of borrower documents for tests, the benchmark and the demo.

`generate.py` renders W-2s, pay stubs, bank statements, 1040s with schedules, 1099s, mortgage statements, photo
IDs and unrelated letters in several layouts each, with the true value of every field; `degrade.py` turns a copy
into what a scanner or a phone produces. Nothing here is used to read documents.
"""
