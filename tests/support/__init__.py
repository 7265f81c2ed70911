"""Test support: real servers on 127.0.0.1 for the LLM paths (a scripted fake and llama.cpp)."""
