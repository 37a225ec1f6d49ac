"""What people use: the command line, the notebook helpers and widget, the demo, the doctor, the bench and
chaos experiments, and the stand-in LLM server.

Layer 7 of 7 (the top): may import every layer below; nothing imports it.
"""
