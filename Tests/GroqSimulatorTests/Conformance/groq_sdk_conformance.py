"""Runs the official groq Python SDK against `groqbatch sim` and checks it sees Groq.

Usage: python3 groq_sdk_conformance.py http://127.0.0.1:PORT MODEL LIMITED_MODEL
Prints one `ok: ...` line per check and exits 0, or prints `FAIL: ...` and exits 1.
"""
import sys

import groq

base_url, model, limited_model = sys.argv[1], sys.argv[2], sys.argv[3]


def fail(message):
    print(f"FAIL: {message}")
    sys.exit(1)


client = groq.Groq(api_key="sim-key", base_url=base_url, max_retries=0)
completion = client.chat.completions.create(
    model=model, messages=[{"role": "user", "content": "Hello from the SDK"}], max_tokens=32
)
if not completion.choices[0].message.content:
    fail("the completion has no content")
if completion.usage.total_tokens != completion.usage.prompt_tokens + completion.usage.completion_tokens:
    fail("usage does not add up")
if not completion.x_groq or not completion.x_groq.id.startswith("req_"):
    fail(f"x_groq.id missing: {completion.x_groq}")
print(f"ok: completion {completion.id} with {completion.usage.total_tokens} tokens")

client.chat.completions.create(model=limited_model, messages=[{"role": "user", "content": "one"}], max_tokens=8)
try:
    client.chat.completions.create(model=limited_model, messages=[{"role": "user", "content": "two"}], max_tokens=8)
    fail("the second request to a 1-RPM model did not raise")
except groq.RateLimitError as error:
    headers = error.response.headers
    if not {"retry-after", "x-ratelimit-limit-requests", "x-ratelimit-remaining-tokens"} <= set(headers.keys()):
        fail(f"the 429 lacks Groq's headers: {dict(headers)}")
    if "(RPM): Limit 1, Used 1, Requested 1" not in str(error):
        fail(f"the 429 body is not Groq's: {error}")
    print(f"ok: RateLimitError with retry-after {headers['retry-after']}")

try:
    groq.Groq(api_key="wrong-key", base_url=base_url, max_retries=0).chat.completions.create(
        model=model, messages=[{"role": "user", "content": "x"}]
    )
    fail("a wrong key did not raise")
except groq.AuthenticationError as error:
    if error.status_code != 401:
        fail(f"status {error.status_code}")
    print("ok: AuthenticationError")

models = [entry.id for entry in client.models.list().data]
if model not in models:
    fail(f"{model} not in /models: {models}")
print(f"ok: models {models}")
