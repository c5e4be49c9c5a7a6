"""Payload encryption: the AES-GCM payload codec, its keyring and the codec server.

Everything Temporal stores (workflow inputs, Update arguments, activity inputs and results,
memos) passes through the codec, so consent records and staff free text reach the Temporal
server only as ciphertext. Search attributes are not payloads the codec sees: they must
carry no PHI (workflows/search_attributes.py).
"""
