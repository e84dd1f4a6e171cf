"""The reference for JSONSchemaDifferentialTests: Python's jsonschema (Draft 2020-12) judges each case.

Reads a JSONL file of {"schema": ..., "instance": ...} and prints 1 (valid) or 0 (invalid) per line,
or "error: ..." when it cannot judge a case.
"""
import json
import sys

from jsonschema import Draft202012Validator

with open(sys.argv[1], encoding="utf-8") as cases:
    for line in cases:
        case = json.loads(line)
        try:
            validator = Draft202012Validator(case["schema"])
            print(1 if validator.is_valid(case["instance"]) else 0)
        except Exception as error:  # the test shows which case the reference could not judge
            print("error: " + repr(error).replace("\n", " "))
